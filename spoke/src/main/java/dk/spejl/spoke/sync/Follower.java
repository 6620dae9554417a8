package dk.spejl.spoke.sync;

import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.verify.DeltaVerifier;
import dk.spejl.verify.HeartbeatVerifier;
import dk.spejl.verify.ManifestVerifier;
import dk.spejl.verify.RollbackException;
import dk.spejl.verify.StateTransition;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.verify.VerifiedManifest;
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
 * Follows the hub: holds one Watch stream open, verifies every pushed manifest, and applies it
 * as a delta or bootstraps from its snapshot. Anything that fails verification is logged,
 * counted and not applied; the stream is dropped and re-opened from the replica's own state
 * after a backoff. Meanwhile the replica keeps serving its last verified revision.
 */
public final class Follower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);
    /** A delta larger than this is not fetched when its manifest also carries a snapshot. */
    static final long PREFER_SNAPSHOT_ABOVE = 64L << 20;
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
    /** The current session's verifier, for revisions applied on the transport thread; null between sessions. */
    private volatile ManifestVerifier inlineVerifier;
    private volatile boolean appliedInline;
    /** Held while a revision is applied on the transport thread. */
    private final Object inlineLock = new Object();

    private final Freshness freshness;
    private final Duration maxClockSkew;
    // Sync thread only:
    private int failedSessions;
    private boolean rebuilding;
    private final java.util.function.Consumer<Throwable> fatal;

    public Follower(Replica replica, ManagedChannel channel, HeldDelegation delegation, String spokeName, Clock clock,
                    SyncMetrics metrics, Duration watchDeadline, Freshness freshness, ApplyListener listener, SyncSettings settings,
                    java.util.function.Consumer<Throwable> fatal) {
        this.fatal = fatal;
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
                    }
                    log.info("hub stream ended: {}", e.getStatus());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!closed) {
                    failed();
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
                .setHasState(held.isPresent() && !rebuilding).setRevision(held.map(ReplicaState::revision).orElse(0L)).build();
        java.util.concurrent.atomic.AtomicBoolean live = new java.util.concurrent.atomic.AtomicBoolean(true);
        appliedInline = false;
        ServerStream<WatchRequest, WatchEvent> events = ServerStream.open(channel, ReplicationGrpc.getWatchMethod(), request,
                watchDeadline.toMillis(), event -> applyInline(event, live));
        try {
            return watch(events, held);
        } finally {
            synchronized (inlineLock) {
                live.set(false);
                inlineVerifier = null;
            }
        }
    }

    private boolean watch(ServerStream<WatchRequest, WatchEvent> events, Optional<ReplicaState> held) throws Exception {
        if (!events.hasNext()) {
            return false;
        }
        WatchEvent first = events.next();
        if (!first.hasTrust()) {
            throw new dk.spejl.verify.MalformedException("the hub's stream did not start with its keys");
        }
        TrustedKeys trust = delegation.accept(first.getTrust().getDelegation(), held.map(ReplicaState::hubId), clock.millis());
        ManifestVerifier verifier = new ManifestVerifier(trust, clock);
        HeartbeatVerifier heartbeats = new HeartbeatVerifier(trust, maxClockSkew);
        inlineVerifier = verifier;
        connected = true;
        metrics.sessions.increment();
        log.info("watching hub {} from {}, under key delegation version {}", trust.hubId(),
                held.map(s -> "revision " + s.revision()).orElse("an empty replica"), trust.version());
        boolean progressed = false;
        while (!closed && events.hasNext()) {
            WatchEvent event = events.next();
            if (event.hasManifest()) {
                handle(event.getManifest(), verifier);
                progressed = true;
            } else if (event.hasHeartbeat()) {
                heartbeat(event.getHeartbeat(), heartbeats);
            } else if (event.hasTrust()) {
                // A rotation: the new delegation replaces the keys for everything after it on this stream.
                trust = delegation.accept(event.getTrust().getDelegation(), Optional.of(trust.hubId()), clock.millis());
                verifier = new ManifestVerifier(trust, clock);
                heartbeats = new HeartbeatVerifier(trust, maxClockSkew);
                inlineVerifier = verifier;
            }
        }
        return progressed || appliedInline;
    }

    /**
     * A heartbeat that fails verification is counted and ignored: it changes no data, only
     * freshness. The one the spoke holds already, sent again on a reconnect, is no replay.
     */
    private void heartbeat(SignedHeartbeat signed, HeartbeatVerifier verifier) throws IOException {
        if (freshness.isNewest(signed)) {
            return;
        }
        try {
            Heartbeat heartbeat = verifier.verify(signed, freshness.newest(), replica.state().map(ReplicaState::position), clock.millis());
            freshness.accept(signed, heartbeat);
        } catch (dk.spejl.verify.HeadMismatchException e) {
            freshness.disagrees();
            metrics.verificationFailed(e.reason());
            log.warn("the hub disagrees about the held revision ({}): {}; the data is stale until it agrees", e.reason(), e.getMessage());
        } catch (VerificationException e) {
            metrics.verificationFailed(e.reason());
            log.warn("ignored a heartbeat ({}): {}", e.reason(), e.getMessage());
        }
    }

    private void handle(ManifestEvent event, ManifestVerifier verifier)
            throws VerificationException, IOException, InterruptedException {
        long started = System.nanoTime();
        Optional<ReplicaState> held = replica.state();
        Optional<SignedManifest> reference = event.hasSnapshotReference() ? Optional.of(event.getSnapshotReference()) : Optional.empty();
        VerifiedManifest manifest;
        boolean next;
        if (held.isPresent() && verifier.trust().key(held.get().manifest().getKeyId()).isEmpty()) {
            // The held revision was signed by a key the delegation has since revoked: if that key leaked, it may be
            // a forgery, numbered as high as the forger liked. It is distrusted: the hub's chain continues from it only
            // if it chains to it; otherwise the spoke starts over from a snapshot a live key signed, whatever its
            // number. This is the one exception to forward only (invariant 3), and it is anchored in the newer
            // delegation that revoked the key, which the spoke has verified against its pinned root.
            manifest = verifier.verify(event.getManifest(), reference, Optional.empty());
            next = manifest.revision() == held.get().revision() + 1 && java.security.MessageDigest.isEqual(
                    manifest.manifest().getPreviousManifestDigest().toByteArray(), held.get().manifestDigest());
            if (!next) {
                log.warn("held revision {} is signed by key {}, which key delegation version {} revokes: distrusting it and rebuilding "
                                + "from revision {} under live key {}{}", held.get().revision(), held.get().manifest().getKeyId(),
                        verifier.trust().version(), manifest.revision(), manifest.manifest().getKeyId(),
                        manifest.revision() <= held.get().revision() ? " (lower than the distrusted one: the one exception to forward only)" : "");
            }
        } else if (held.isPresent() && rebuilding) {
            // Asked for the newest snapshot: any snapshot a live key signed will do, as long as it moves the replica forward.
            manifest = verifier.verify(event.getManifest(), reference, Optional.empty());
            if (manifest.revision() <= held.get().revision()) {
                rebuilding = false;
                failedSessions = 0;
                throw new RollbackException("the hub's newest snapshot, revision " + manifest.revision() + ", is not newer than the held revision "
                        + held.get().revision() + ": nothing to rebuild from yet; retrying the next revision");
            }
            next = false;
        } else {
            manifest = verifier.verify(event.getManifest(), reference, held.map(ReplicaState::position));
            next = held.isPresent() && manifest.revision() == held.get().revision() + 1;
        }
        Ed25519.PublicKey key = verifier.trust().key(manifest.manifest().getKeyId()).orElseThrow();
        if (next && asDelta(manifest)) {
            byte[] delta = event.getInlineDelta().isEmpty()
                    ? fetcher.fetch(manifest.manifest().getDelta()) : event.getInlineDelta().toByteArray();
            applyDelta(manifest, delta, held.get(), key, started);
        } else {
            log.info("bootstrapping from the snapshot of revision {} (held: {})", manifest.revision(),
                    held.map(s -> "revision " + s.revision()).orElse("nothing"));
            bootstrapper.bootstrap(manifest, key);
            rebuilding = false;
            failedSessions = 0;
            long nanos = System.nanoTime() - started;
            metrics.bootstrapTimer.record(nanos, TimeUnit.NANOSECONDS);
            notifyApplied(manifest.revision(), true, nanos);
        }
    }

    /** Whether the next revision is taken as a delta: not when it is huge and its manifest also carries a snapshot. */
    private static boolean asDelta(VerifiedManifest manifest) {
        return !(manifest.manifest().getDelta().getSize() > PREFER_SNAPSHOT_ABOVE && manifest.isSnapshot());
    }

    /** Checks a delta against the manifest's state digest and applies it in one batch. */
    private void applyDelta(VerifiedManifest manifest, byte[] delta, ReplicaState state, Ed25519.PublicKey key, long started)
            throws VerificationException, IOException {
        StateTransition.Result change = DeltaVerifier.verify(manifest, delta, state.lattice(), state.entryCount(), replica::get);
        replica.apply(manifest, change, key, clock.instant());
        long nanos = System.nanoTime() - started;
        metrics.applyTimer.record(nanos, TimeUnit.NANOSECONDS);
        notifyApplied(manifest.revision(), false, nanos);
        log.info("applied revision {}: {} puts, {} deletes, {} entries, in {} ms", manifest.revision(), change.puts().size(),
                change.deletes().size(), change.entryCount(), String.format("%.2f", nanos / 1e6));
    }

    private void notifyApplied(long revision, boolean bootstrap, long nanos) {
        try {
            listener.applied(revision, bootstrap, nanos);
        } catch (RuntimeException e) {
            // The revision is applied; a failing listener must not make it look otherwise (and be handled twice).
            log.warn("apply listener failed for revision {}: {}", revision, e.toString());
        }
    }

    /**
     * The common case, taken on the transport thread while the sync thread is idle: the next
     * revision, its delta inline, signed by a live key over a held revision signed by a live key.
     * It is verified exactly as {@link #handle} would. Anything else, and anything that fails,
     * is declined and goes to the sync thread, which handles (and counts, and logs) it as usual;
     * nothing is applied unless every check passed.
     */
    private boolean applyInline(WatchEvent event, java.util.concurrent.atomic.AtomicBoolean sessionLive) {
        if (!event.hasManifest() || event.getManifest().getInlineDelta().isEmpty() || event.getManifest().hasSnapshotReference()) {
            return false;
        }
        long started = System.nanoTime();
        synchronized (inlineLock) {
            ManifestVerifier verifier = inlineVerifier;
            if (closed || !sessionLive.get() || verifier == null) {
                return false;
            }
            try {
                Optional<ReplicaState> held = replica.state();
                if (held.isEmpty() || verifier.trust().key(held.get().manifest().getKeyId()).isEmpty()) {
                    return false;
                }
                VerifiedManifest manifest = verifier.verify(event.getManifest().getManifest(), Optional.empty(),
                        held.map(ReplicaState::position));
                if (manifest.revision() != held.get().revision() + 1 || !asDelta(manifest)) {
                    return false;
                }
                Ed25519.PublicKey key = verifier.trust().key(manifest.manifest().getKeyId()).orElseThrow();
                applyDelta(manifest, event.getManifest().getInlineDelta().toByteArray(), held.get(), key, started);
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
            inlineVerifier = null;
        }
    }
}
