package dk.spejl.hub;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub's operations port over real HTTP on loopback: metrics with help text, liveness, and readiness by its margin. */
class OpsServerTest {
    @TempDir
    Path tmp;

    private static HttpResponse<String> get(Hub hub, String path) throws Exception {
        InetSocketAddress at = hub.opsAddress().orElseThrow();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsHealthAndReadinessWithTheDelegationsMarginAndNoneWithoutAnOpsAddress() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(30), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        Hub.Builder builder = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls);
        try (Hub hub = builder.ops(new InetSocketAddress("127.0.0.1", 0), Duration.ofDays(7)).start()) {
            hub.ingest().apply(new CatalogueGenerator(3).generate(20).stream().map(CatalogueGenerator::putLine).toList());
            assertThat(get(hub, "/healthz").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(hub, "/readyz");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            HttpResponse<String> metrics = get(hub, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            assertThat(metrics.body()).contains("# HELP spejl_hub_revision the hub's head revision", "spejl_hub_revision 1.0",
                    "spejl_hub_ingest_lines_total{outcome=\"accepted\"} 20.0", "spejl_hub_access_requests{state=\"submitted\"} 0.0",
                    "spejl_hub_delegation_expiry_timestamp_seconds", "spejl_hub_certificate_expiry_timestamp_seconds{certificate=\"hub\"}");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.opsAddress().get().getPort()
                    + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        }
        // A delegation valid for 30 days is not ready under a 60-day margin, and says why.
        try (Hub hub = builder.ops(new InetSocketAddress("127.0.0.1", 0), Duration.ofDays(60)).start()) {
            HttpResponse<String> ready = get(hub, "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("the key delegation expires", "within 60 days", "spejl-hub keys rotate");
            assertThat(get(hub, "/healthz").statusCode()).as("alive all the same").isEqualTo(200);
        }
        try (Hub hub = builder.ops(null, Duration.ofDays(7)).start()) {
            assertThat(hub.opsAddress()).isEmpty();
        }
    }
}
