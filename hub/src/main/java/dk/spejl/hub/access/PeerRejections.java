package dk.spejl.hub.access;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every client the hub turns away, logged and counted by reason in
 * {@code spejl_hub_peer_rejections_total{reason}}: a certificate that does not verify (from
 * another CA or self-made, expired), the wrong role for the service, or a revoked spoke.
 */
public final class PeerRejections {
    private static final Logger log = LoggerFactory.getLogger(PeerRejections.class);

    private final MeterRegistry registry;
    private final java.util.concurrent.ConcurrentMap<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    /** The reasons there are, counted from zero so that a rule on their increase has a series from the start. */
    static final java.util.List<String> REASONS = java.util.List.of("untrusted_certificate", "expired_certificate", "wrong_role",
            "revoked_certificate");

    public PeerRejections(MeterRegistry registry) {
        this.registry = registry;
        REASONS.forEach(this::counter);
    }

    private Counter counter(String reason) {
        return counters.computeIfAbsent(reason, r -> Counter.builder("spejl_hub_peer_rejections_total")
                .description("clients refused by the TLS handshake or the identity check").tag("reason", r).register(registry));
    }

    /**
     * @param reason a short stable name: untrusted_certificate, expired_certificate, wrong_role, revoked_certificate
     * @param who    the client as far as it is known: its certificate subject and address
     */
    public void refused(String reason, String who, String detail) {
        log.warn("refused {} ({}): {}", who, reason, detail);
        counter(reason).increment();
    }

    /** Refusals since the hub started, by reason. */
    public java.util.Map<String, Long> counts() {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        counters.forEach((reason, counter) -> {
            if (counter.count() > 0) {
                counts.put(reason, (long) counter.count());
            }
        });
        return counts;
    }
}
