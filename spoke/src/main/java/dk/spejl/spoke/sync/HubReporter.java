package dk.spejl.spoke.sync;

import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.SpokeReport;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells the hub where this spoke is, after each revision it applied and each heartbeat it accepted, and at least
 * every so often: the revision,
 * the newest heartbeat and what it refused, by reason. Reports go on a thread of their own, one at a time; while one
 * is under way the next asks only for another, which then carries the state as it is by then.
 */
final class HubReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubReporter.class);

    private final ReplicationGrpc.ReplicationBlockingStub hub;
    private final Replica replica;
    private final Freshness freshness;
    private final SyncMetrics metrics;
    private final AtomicBoolean wanted = new AtomicBoolean();
    private final java.util.concurrent.ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spoke-report");
        t.setDaemon(true);
        return t;
    });
    private volatile String lastProblem;

    /** @param every how often a report goes even when nothing happens: a spoke stuck in a long fetch is not taken for silent */
    HubReporter(Channel channel, Replica replica, Freshness freshness, SyncMetrics metrics, java.time.Duration every) {
        this.hub = ReplicationGrpc.newBlockingStub(channel);
        this.replica = replica;
        this.freshness = freshness;
        this.metrics = metrics;
        thread.scheduleWithFixedDelay(this::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a report; returns at once. */
    void report() {
        if (wanted.compareAndSet(false, true)) {
            try {
                thread.execute(this::send);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closing
            }
        }
    }

    private void send() {
        wanted.set(false);
        Optional<ReplicaState> held = replica.state();
        SpokeReport.Builder report = SpokeReport.newBuilder().setHasState(held.isPresent())
                .setAppliedRevision(held.map(ReplicaState::revision).orElse(0L))
                .putAllVerificationFailures(metrics.failures());
        freshness.newest().ifPresent(h -> report.setHeartbeatIssuedAtMillis(h.getIssuedAtMillis()));
        try {
            hub.withDeadlineAfter(10, TimeUnit.SECONDS).report(report.build());
            lastProblem = null;
        } catch (StatusRuntimeException e) {
            String problem = e.getStatus().getCode().toString();
            if (!problem.equals(lastProblem)) { // said once, not at every heartbeat while the hub is away
                log.info("could not tell the hub where this spoke is: {}", e.getStatus());
                lastProblem = problem;
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
