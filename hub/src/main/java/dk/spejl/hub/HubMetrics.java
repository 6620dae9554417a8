package dk.spejl.hub;

import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.AccessRequest;
import dk.spejl.hub.trust.HubTrust;
import dk.spejl.tls.Pem;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/** The hub's gauges that belong to no one part: when its keys and certificate expire, and its access requests by state. */
final class HubMetrics {
    private HubMetrics() {
    }

    static void register(MeterRegistry metrics, HubTrust trust, Path certificate, AccessBook access) throws IOException {
        double certificateExpires = Pem.readCertificates(certificate)[0].getNotAfter().getTime() / 1000.0;
        Gauge.builder("spejl_hub_delegation_expiry_timestamp_seconds", trust, t -> t.keys().trusted().expiresAtMillis() / 1000.0)
                .description("when the key delegation in use expires, in seconds since the epoch: rotate before").register(metrics);
        Gauge.builder("spejl_hub_certificate_expiry_timestamp_seconds", () -> certificateExpires)
                .description("when the hub's TLS server certificate expires, in seconds since the epoch").tag("certificate", "hub").register(metrics);
        for (AccessRequest.State state : AccessRequest.State.values()) {
            Gauge.builder("spejl_hub_access_requests", access, a -> a.requests().stream().filter(r -> r.state() == state).count())
                    .description("working-copy requests by state").tag("state", state.name().toLowerCase(Locale.ROOT)).register(metrics);
        }
    }

    /** The registry's Prometheus text; null when the hub was given a registry Prometheus cannot read (/metrics is then 503). */
    static Supplier<String> scrape(MeterRegistry metrics) {
        if (metrics instanceof PrometheusMeterRegistry prometheus) {
            return prometheus::scrape;
        }
        return () -> null;
    }
}
