package dk.spejl.spoke.sync;

import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.verify.HeadMismatchException;
import dk.spejl.verify.MalformedException;
import dk.spejl.verify.NothingNewerException;
import dk.spejl.verify.StateTransition;
import dk.spejl.verify.TrustChain;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.ManifestEvent;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.SignedHeartbeat;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Follows the hub: holds one Watch stream open, has the {@link TrustChain} verify every pushed
 * manifest, and applies it as a delta or bootstraps from its snapshot. The rules are all the
 * chain's; this class does the I/O, the retries and the logging. Anything that fails verification
 * is logged, counted and not applied; the stream is dropped and re-opened from the replica's own
 * state after a backoff. Meanwhile the replica keeps serving its last verified revision.
 */
public final class Follower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);
    /**
     * After this many sessions in a row that fail (a revision that does not verify, an object that
     * cannot be fetched) without moving the replica, the spoke stops retrying the same revision and
     * asks the hub for its newest snapshot, which it builds on the side while it keeps serving.
     */
    public static final int REBUILD_AFTER_FAILURES = 5;

    /** Told of each revision the replica has verified and applied, and how long that took. */
    @FunctionalInterface
    public interface ApplyListener {
        void applied(long revision, boolean bootstrap, long nanos);
    }

    private final Replica replica;
    private final ManagedChannel channel;
    private final HeldDelegation delegation;
    private final String spokeName;
    private final Clock clock;
    private final SyncMetrics metrics;
    private final Duration watchDeadline;
    private final ApplyListener listener;
    private final ObjectFetcher fetcher;
    private final Bootstrapper bootstrapper;
    private final Thread thread;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closed;
    private volatile Context.CancellableContext session;
    private volatile boolean connected;
    /** The current session's trust chain, for revisions applied on the transport thread; null between sessions. */
    private volatile TrustChain inlineChain;
    private volatile boolean appliedInline;
    /** Held while a revision is applied on the transport thread. */
    private final Object inlineLock = new Object();

    private final Freshness freshness;
    private final Duration maxClockSkew;
    // Sync thread only:
    private int failedSessions;
    /** Whether the next session asks for the newest snapshot; written by the sync thread only. */
    private volatile boolean rebuilding;
    private final java.util.function.Consumer<Throwable> fatal;
    private final AuditWitness witness;
    private final HubReporter reporter;

    public Follower(Replica replica, ManagedChannel channel, HeldDelegation delegation, String spokeName, Clock clock,
                    SyncMetrics metrics, Duration watchDeadline, Freshness freshness, ApplyListener listener, SyncSettings settings,
                    java.util.function.Consumer<Throwable> fatal, AuditWitness witness) {
        this.fatal = fatal;
        this.witness = witness;
        this.freshness = freshness;
        this.maxClockSkew = settings.maxClockSkew();
        this.replica = replica;
        this.channel = channel;
        this.delegation = delegation;
        this.spokeName = spokeName;
        this.clock = clock;
        this.metrics = metrics;
        this.watchDeadline = watchDeadline;
        this.listener = listener;
        this.fetcher = new ObjectFetcher(channel, settings.fetchDeadline(), settings.fetchAttempts());
        this.bootstrapper = new Bootstrapper(replica, fetcher, clock, settings.bootstrapParallelism());
        this.reporter = new HubReporter(channel, replica, freshness, metrics, settings.reportEvery());
        this.thread = new Thread(this::run, "spoke-sync");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public boolean connected() {
        return connected;
    }

    /**
     * The sync thread. Anything that is not an exception the loop handles (an {@code Error}: out of
     * memory, a broken native library, a bug) must not end following in silence, with the spoke
     * serving an ever older revision as if all were well: it goes to the fatal handler, which in
     * the daemon exits non-zero so that the supervisor restarts the spoke.
     */
    private void run() {
        try {
            follow();
        } catch (Throwable t) {
            connected = false;
            if (!closed) {
                fatal.accept(t);
            }
        }
    }

    private void follow() {
        long backoffMillis = 100;
        while (!closed) {
            Context.CancellableContext ctx = Context.current().withCancellation();
            session = ctx;
            try {
                boolean progressed = ctx.call(this::session);
                if (progressed) {
                    backoffMillis = 100;
                    failedSessions = 0;
                    rebuilding = false;
                }
            } catch (VerificationException e) {
                failed();
                metrics.verificationFailed(e.reason());
                log.warn("rejected from hub ({}): {}; nothing applied, still serving revision {}", e.reason(), e.getMessage(),
                        replica.state().map(ReplicaState::revision).orElse(-1L));
            } catch (StatusRuntimeException e) {
                if (!closed) {
                    Status.Code code = e.getStatus().getCode();
                    if (code == Status.Code.INTERNAL || code == Status.Code.DATA_LOSS) {
                        failed(); // the hub cannot send what comes next; a hub that is down or restarting is no such failure
                        if (code == Status.Code.DATA_LOSS) {
                            metrics.verificationFailed("hub_data_loss"); // an object the hub found rotten as it served it
                        }
                    }
                    log.info("hub stream ended: {}", e.getStatus());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!closed) {
                    failed();
                    if (dataLoss(e)) {
                        metrics.verificationFailed("hub_data_loss"); // an object the hub found rotten as it served it
                    }
                    log.warn("sync failed: {}", e.toString());
                }
            } finally {
                ctx.cancel(null);
                connected = false;
            }
            if (closed) {
                return;
            }
            try {
                long sleep = backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
                if (closing.await(sleep, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, 10_000);
        }
    }

    private static boolean dataLoss(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.DATA_LOSS) {
                return true;
            }
        }
        return false;
    }

    /** A session failed without moving the replica; after a few in a row, the next one asks for the newest snapshot. */
    private void failed() {
        failedSessions++;
        if (failedSessions >= REBUILD_AFTER_FAILURES && !rebuilding && replica.state().isPresent()) {
            rebuilding = true;
            log.warn("{} tries in a row have not moved revision {}: asking the hub for its newest snapshot to rebuild from, on the side",
                    failedSessions, replica.state().get().revision());
        }
    }

    /** One Watch stream, until it ends. Returns whether anything was applied. */
    private boolean session() throws Exception {
        Optional<ReplicaState> held = replica.state();
        WatchRequest request = WatchRequest.newBuilder().setSpokeName(spokeName)
                .setHasState(held.isPresent() && !rebuilding).setRevision(held.map(ReplicaState::revision).orElse(0L))
                .setAuditSize(witness.heldSize())
                .setHeldManifest(held.filter(h -> !rebuilding).map(ReplicaState::signed).orElse(dk.spejl.wire.SignedManifest.getDefaultInstance()))
                .build();
        java.util.concurrent.atomic.AtomicBoolean live = new java.util.concurrent.atomic.AtomicBoolean(true);
        appliedInline = false;
        ServerStream<WatchRequest, WatchEvent> events = ServerStream.open(channel, ReplicationGrpc.getWatchMethod(), request,
                watchDeadline.toMillis(), event -> applyInline(event, live));
        try {
            return watch(events, held);
        } finally {
            synchronized (inlineLock) {
                live.set(false);
                inlineChain = null;
            }
        }
    }

    private boolean watch(ServerStream<WatchRequest, WatchEvent> events, Optional<ReplicaState> held) throws Exception {
        if (!events.hasNext()) {
            return false;
        }
        WatchEvent first = events.next();
        if (!first.hasTrust()) {
            throw new MalformedException("the hub's stream did not start with its keys");
        }
        TrustChain chain = delegation.open(first.getTrust().getDelegation(), held.map(ReplicaState::hubId), clock, maxClockSkew);
        inlineChain = chain;
        connected = true;
        metrics.sessions.increment();
        reporter.report(); // the hub learns at once that this spoke is back, and where it is
        log.info("watching hub {} from {}, under key delegation version {}", chain.trust().hubId(),
                held.map(s -> "revision " + s.revision()).orElse("an empty replica"), chain.trust().version());
        boolean progressed = false;
        while (!closed && events.hasNext()) {
            WatchEvent event = events.next();
            if (event.hasManifest()) {
                handle(event.getManifest(), chain);
                progressed = true;
            } else if (event.hasHeartbeat()) {
                heartbeat(event.getHeartbeat(), chain);
            } else if (event.hasAudit()) {
                try {
                    witness.witness(event.getAudit(), chain.trust());
                } catch (IOException e) {
                    // The witness's own disk: replication goes on, and the next checkpoint is checked again.
                    log.error("could not keep the access log's checkpoint: {}", e.toString());
                }
            } else if (event.hasTrust()) {
                // A rotation: the new delegation replaces the keys for everything after it on this stream.
                chain = delegation.rotate(chain, event.getTrust().getDelegation());
                inlineChain = chain;
            }
        }
        return progressed || appliedInline;
    }

    /**
     * A heartbeat that fails verification is counted and ignored: it changes no data, only
     * freshness. The one the spoke holds already, sent again on a reconnect, is no replay.
     */
    private void heartbeat(SignedHeartbeat signed, TrustChain chain) throws IOException {
        if (freshness.isNewest(signed)) {
            return;
        }
        try {
            Heartbeat heartbeat = chain.heartbeat(signed, freshness.newest(), replica.state().map(ReplicaState::position));
            freshness.accept(signed, heartbeat);
            reporter.report();
        } catch (HeadMismatchException e) {
            freshness.disagrees();
            metrics.verificationFailed(e.reason());
            log.warn("the hub disagrees about the held revision ({}): {}; the data is stale until it agrees", e.reason(), e.getMessage());
        } catch (VerificationException e) {
            metrics.verificationFailed(e.reason());
            log.warn("ignored a heartbeat ({}): {}", e.reason(), e.getMessage());
        }
    }

    private void handle(ManifestEvent event, TrustChain chain) throws VerificationException, IOException, InterruptedException {
        // The revision being applied, on every log line about it (a field in JSON logs).
        try (var revision = org.slf4j.MDC.putCloseable("revision", Long.toString(revisionOf(event)))) {
            apply(event, chain);
        }
    }

    private static long revisionOf(ManifestEvent event) {
        try {
            return dk.spejl.wire.Manifest.parseFrom(event.getManifest().getManifest()).getRevision();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return -1; // the chain refuses it, and says why
        }
    }

    private void apply(ManifestEvent event, TrustChain chain) throws VerificationException, IOException, InterruptedException {
        long started = System.nanoTime();
        Optional<ReplicaState> held = replica.state();
        Optional<SignedManifest> reference = event.hasSnapshotReference() ? Optional.of(event.getSnapshotReference()) : Optional.empty();
        TrustChain.Next next;
        try {
            next = chain.manifest(event.getManifest(), reference, held.map(ReplicaState::held), rebuilding, freshness.newest());
        } catch (NothingNewerException e) {
            rebuilding = false; // the snapshot is not newer yet: go back to retrying the next revision
            failedSessions = 0;
            throw e;
        }
        next.distrusted().ifPresent(d -> log.warn("held revision {} is signed by key {}, which key delegation version {} revokes: distrusting it "
                        + "and rebuilding from revision {} under live key {}{}", d.revision(), d.keyId(), d.revokedInVersion(), next.revision(),
                next.key().keyId(), next.revision() <= d.revision() ? " (lower than the distrusted one: the one exception to forward only)" : ""));
        if (next.route() == TrustChain.Route.DELTA) {
            byte[] delta = event.getInlineDelta().isEmpty()
                    ? fetcher.fetch(next.manifest().manifest().getDelta()) : event.getInlineDelta().toByteArray();
            applyDelta(chain, next, delta, held.get(), started);
        } else {
            log.info("bootstrapping from the snapshot of revision {} (held: {})", next.revision(),
                    held.map(s -> "revision " + s.revision()).orElse("nothing"));
            bootstrapper.bootstrap(next, chain);
            rebuilding = false;
            failedSessions = 0;
            long nanos = System.nanoTime() - started;
            metrics.bootstrapTimer.record(nanos, TimeUnit.NANOSECONDS);
            notifyApplied(next.revision(), true, nanos);
        }
    }

    /** Has the chain check a delta against the held state and the signed digest, and applies it in one batch. */
    private void applyDelta(TrustChain chain, TrustChain.Next next, byte[] delta, ReplicaState state, long started)
            throws VerificationException, IOException {
        StateTransition.Result change = chain.delta(next, delta, state.held(), replica::get);
        replica.apply(next.manifest(), change, next.key(), clock.instant());
        long nanos = System.nanoTime() - started;
        metrics.applyTimer.record(nanos, TimeUnit.NANOSECONDS);
        notifyApplied(next.revision(), false, nanos);
        log.info("applied revision {}: {} puts, {} deletes, {} entries, in {} ms", next.revision(), change.puts().size(),
                change.deletes().size(), change.entryCount(), String.format("%.2f", nanos / 1e6));
    }

    private void notifyApplied(long revision, boolean bootstrap, long nanos) {
        reporter.report();
        try {
            listener.applied(revision, bootstrap, nanos);
        } catch (RuntimeException e) {
            // The revision is applied; a failing listener must not make it look otherwise (and be handled twice).
            log.warn("apply listener failed for revision {}: {}", revision, e.toString());
        }
    }

    /**
     * The common case, taken on the transport thread while the sync thread is idle: the next
     * revision, its delta inline. The same chain checks it, and the same {@link #applyDelta}
     * applies it, as on the sync thread. Anything else, and anything that fails, is declined and
     * goes to the sync thread, which handles (and counts, and logs) it as usual; nothing is applied
     * unless every check passed.
     */
    private boolean applyInline(WatchEvent event, java.util.concurrent.atomic.AtomicBoolean sessionLive) {
        if (!event.hasManifest() || event.getManifest().getInlineDelta().isEmpty() || event.getManifest().hasSnapshotReference()) {
            return false;
        }
        long started = System.nanoTime();
        synchronized (inlineLock) {
            TrustChain chain = inlineChain;
            if (closed || !sessionLive.get() || chain == null || rebuilding) {
                return false;
            }
            try {
                Optional<ReplicaState> held = replica.state();
                if (held.isEmpty()) {
                    return false;
                }
                TrustChain.Next next = chain.manifest(event.getManifest().getManifest(), Optional.empty(), held.map(ReplicaState::held),
                        false, freshness.newest());
                if (next.route() != TrustChain.Route.DELTA) {
                    return false;
                }
                applyDelta(chain, next, event.getManifest().getInlineDelta().toByteArray(), held.get(), started);
                appliedInline = true;
                return true;
            } catch (VerificationException | IOException | RuntimeException e) {
                return false;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closing.countDown();
        Context.CancellableContext ctx = session;
        if (ctx != null) {
            ctx.cancel(null);
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (inlineLock) {
            // waits for a revision being applied on the transport thread, before the replica may close
            inlineChain = null;
        }
        reporter.close();
    }
}
