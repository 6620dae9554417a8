package dk.spejl.spoke.sync;

import dk.spejl.spoke.replica.Replica;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Clock;

/** The spoke's replication metrics: revision, lag, apply time, verification failures. */
public final class SyncMetrics {
    private final MeterRegistry registry;
    final Timer applyTimer;
    final Timer bootstrapTimer;
    final Counter sessions;

    public SyncMetrics(MeterRegistry registry, Replica replica, Clock clock) {
        this.registry = registry;
        this.applyTimer = Timer.builder("spejl_spoke_apply_seconds").description("time to verify and apply one delta")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.bootstrapTimer = Timer.builder("spejl_spoke_bootstrap_seconds").description("time to bootstrap from a snapshot").register(registry);
        this.sessions = Counter.builder("spejl_spoke_watch_sessions_total")
                .description("Watch streams opened and trusted; it grows on every reconnect").register(registry);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_revision", replica, r -> r.state().map(s -> (double) s.revision()).orElse(-1.0))
                .description("the revision the replica holds, verified (-1 before the first)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_entries", replica, r -> r.state().map(s -> (double) s.entryCount()).orElse(0.0))
                .description("records in the replica").register(registry);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_lag_seconds", replica, r -> r.state()
                        .map(s -> (clock.millis() - s.manifest().getPublishedAtMillis()) / 1000.0).orElse(Double.NaN))
                .description("how long ago the hub published the revision the replica holds").register(registry);
    }

    /** The version of the key delegation the spoke holds (-1 before the first). */
    public void delegation(HeldDelegation held) {
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_key_delegation_version", held, h -> (double) h.version())
                .description("the version of the hub's key delegation the spoke holds (-1 before the first)").register(registry);
    }

    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.LongAdder> failures =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** What the spoke refused since it started, by reason. */
    java.util.Map<String, Long> failures() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((reason, n) -> out.put(reason, n.sum()));
        return out;
    }

    void verificationFailed(String reason) {
        failures.computeIfAbsent(reason, r -> new java.util.concurrent.atomic.LongAdder()).increment();
        Counter.builder("spejl_spoke_verification_failures_total").description("statements or objects that failed verification")
                .tag("reason", reason).register(registry).increment();
    }
}
