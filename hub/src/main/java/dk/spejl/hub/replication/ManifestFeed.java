package dk.spejl.hub.replication;

import com.google.protobuf.ByteString;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.hub.publish.Published;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.wire.AuditCheckpoint;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ManifestEvent;
import dk.spejl.wire.SignedHeartbeat;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.TrustInfo;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;

/**
 * Pushes signed manifests to watching spokes the moment they are published. Each watcher is
 * a cursor, "the next revision to send", drained while its stream is ready: a slow spoke costs
 * the hub no buffer, and a spoke that falls behind the retained deltas is moved to the newest
 * snapshot manifest, from which it bootstraps.
 */
public final class ManifestFeed implements Publisher.Listener {
    private static final Logger log = LoggerFactory.getLogger(ManifestFeed.class);
    /** Deltas up to this size ride inline with their manifest, saving the spoke a round trip. */
    public static final int INLINE_DELTA_LIMIT = 256 * 1024;
    private static final int RECENT = 512;

    private final CatalogueStore store;
    private final ObjectStore objects;
    private volatile TrustInfo trust;
    /** The key ids the current delegation names: a manifest signed by another is never sent. */
    private volatile Set<String> liveKeys;
    private final ExecutorService executor;
    private final ConcurrentSkipListMap<Long, Signed> recent = new ConcurrentSkipListMap<>();
    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.Supplier<Optional<SignedHeartbeat>> heartbeat = Optional::empty;
    private volatile AuditSource audit = held -> Optional.empty();
    private volatile HeldManifests heldManifests;

    /** The access audit log's newest signed checkpoint, with its size and a consistency proof from {@code heldSize}. */
    @FunctionalInterface
    public interface AuditSource {
        Optional<Audit> since(long heldSize) throws IOException;
    }

    public record Audit(long size, AuditCheckpoint event) {
    }

    public ManifestFeed(CatalogueStore store, ObjectStore objects, TrustInfo trust, Set<String> liveKeys, ExecutorService executor) {
        this.store = store;
        this.objects = objects;
        this.trust = trust;
        this.liveKeys = Set.copyOf(liveKeys);
        this.executor = executor;
    }

    /**
     * Sends a new key delegation to every watching spoke, ahead of anything signed under it, and
     * to every spoke that starts watching from now on. A spoke catching up across manifests
     * signed by keys the delegation left out is moved to a snapshot signed by a live key.
     */
    public void rekey(TrustInfo trust, Set<String> liveKeys) {
        this.trust = trust;
        this.liveKeys = Set.copyOf(liveKeys);
        WatchEvent event = WatchEvent.newBuilder().setTrust(trust).build();
        for (Watcher watcher : watchers) {
            watcher.sendNow(event);
        }
    }

    @Override
    public void published(Published revision) {
        recent.put(revision.revision(), new Signed(event(revision.signed(), revision.manifest(), revision.deltaBytes()),
                revision.manifest().getKeyId()));
        while (recent.size() > RECENT) {
            recent.pollFirstEntry();
        }
        // A caught-up watcher is sent the new manifest on the publishing thread: onNext only queues
        // bytes for Netty, and skipping a thread hop saves a good part of a millisecond. A watcher
        // that is catching up is drained on the feed's executor, so it never slows a publish.
        for (Watcher watcher : watchers) {
            if (watcher.next == revision.revision()) {
                watcher.drain();
            } else {
                executor.execute(watcher::drain);
            }
        }
    }

    /** What each new watcher's held manifest is checked by: a hub behind its spokes publishes above them. */
    public void learnFrom(HeldManifests held) {
        this.heldManifests = held;
    }

    /** Where new watchers get the newest heartbeat from. */
    public void heartbeats(java.util.function.Supplier<Optional<SignedHeartbeat>> source) {
        this.heartbeat = source;
    }

    /** Where the access log's checkpoints come from: each watcher is sent the newest when it starts, and each new one. */
    public void audit(AuditSource source) {
        this.audit = source;
    }

    /** A new access-log checkpoint was signed: every watcher gets it, with a proof from the one it was sent last. */
    public void auditCheckpointed() {
        for (Watcher watcher : watchers) {
            executor.execute(watcher::sendAudit);
        }
    }

    /** Sends a heartbeat to every watcher whose stream has room; one that has none gets the next. */
    public void broadcast(SignedHeartbeat signed) {
        WatchEvent event = WatchEvent.newBuilder().setHeartbeat(signed).build();
        for (Watcher watcher : watchers) {
            if (watcher.held()) {
                continue; // it holds more than the head this names: the hub is publishing above it
            }
            executor.execute(() -> watcher.sendIfReady(event));
        }
    }

    /** The spokes watching now, with the last revision each was sent. */
    public List<Watcher> watchers() {
        return List.copyOf(watchers);
    }

    /**
     * @param identity the spoke as its certificate names it; the name it sends in the request is
     *                 only logged if it differs
     */
    public void watch(WatchRequest request, ServerCallStreamObserver<WatchEvent> stream, PeerIdentity identity, String peer) {
        Head head = store.head().orElseThrow();
        if (!request.getSpokeName().isEmpty() && !request.getSpokeName().equals(identity.name())) {
            log.info("spoke certified as {} calls itself '{}'; the certificate counts", identity, request.getSpokeName());
        }
        Watcher watcher = new Watcher(identity, peer, stream, request.getRevision() + 1, request.getAuditSize());
        HeldManifests learning = heldManifests;
        HeldManifests.Finding finding = request.getHasState() && learning != null
                ? learning.consider(request.getHeldManifest(), request.getRevision(), identity) : HeldManifests.Finding.NONE;
        if (!request.getHasState()) {
            watcher.bootstrapFrom(head);
        } else if (finding != HeldManifests.Finding.NONE) {
            // This hub's own manifest, which it no longer holds: it publishes above it (a bridge, or snapshots), and only
            // then does this watcher move, along the chain to the bridge or to the new snapshot.
            watcher.hold();
        } else if (request.getRevision() > head.revision()) {
            // Nothing this hub published: a forgery made with a leaked key, or another hub's state. Left alone, the
            // spoke would wait for a revision above it forever; sent the newest snapshot, it can start over once it
            // distrusts what it holds (it does when a newer key delegation revokes the key that signed it).
            log.warn("spoke {} ({}) claims revision {}, beyond the head {}: sending the newest snapshot", identity, peer,
                    request.getRevision(), head.revision());
            watcher.bootstrapFrom(head);
        }
        stream.setOnCancelHandler(() -> {
            watchers.remove(watcher);
            log.info("spoke {} ({}) stopped watching at revision {}", watcher.name, peer, watcher.sent);
        });
        stream.setOnReadyHandler(() -> executor.execute(watcher::drain));
        log.info("spoke {} ({}) watching: {}, head is {}", watcher.name, peer,
                request.getHasState() ? "holds revision " + request.getRevision() : "empty, bootstraps", head.revision());
        // The keys go first, under the watcher's lock, and only then can a publish or a new delegation
        // reach this stream: a stream observer takes one writer at a time, and the spoke believes
        // nothing before the keys.
        synchronized (watcher) {
            watchers.add(watcher);
            stream.onNext(WatchEvent.newBuilder().setTrust(trust).build());
            if (finding == HeldManifests.Finding.NONE) {
                // (a spoke the hub is about to publish above would only find the head it names disagree with its own)
                heartbeat.get().ifPresent(h -> stream.onNext(WatchEvent.newBuilder().setHeartbeat(h).build()));
            }
            watcher.auditSent = -1; // the newest checkpoint goes out even at the size the spoke holds: a fork shows there too
            watcher.sendAudit();
        }
        if (finding != HeldManifests.Finding.NONE) {
            learning.settle(request.getHeldManifest(), request.getRevision(), identity, () -> stream.isCancelled() || watcher.isClosed())
                    .whenComplete((settled, failed) -> {
                if (failed != null) {
                    log.error("could not publish above spoke {}'s revision {}: {}", watcher.name, request.getRevision(), failed.toString());
                    watcher.close(Status.UNAVAILABLE.withDescription("the hub could not publish above revision " + request.getRevision()));
                    return;
                }
                Head now = store.head().orElseThrow();
                // Moved to the newest snapshot when it holds a number the hub published again, or (by the usual rule) when it
                // is still above the head; otherwise on along the chain from what it holds (to the bridge, or into a gap, which
                // leads to the newest snapshot too).
                boolean bootstrap = settled == HeldManifests.Finding.FORK || request.getRevision() > now.revision();
                watcher.resume(bootstrap ? Optional.of(now) : Optional.empty(), request.getRevision() + 1);
                // (no heartbeat now: the newest may name a head below what the spoke holds; the next one names the new head)
                try {
                    executor.execute(watcher::drain);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // the hub is shutting down: the spoke reconnects to the next one
                }
            });
        }
        executor.execute(watcher::drain);
    }

    /** Ends every open stream, as the hub shuts down; spokes reconnect with backoff. */
    public void closeAll() {
        for (Watcher watcher : watchers) {
            watcher.close(Status.UNAVAILABLE.withDescription("hub shutting down"));
        }
        watchers.clear();
    }

    /** Ends the streams of a revoked spoke at once; returns how many were open. */
    public int disconnect(String spokeName) {
        int closed = 0;
        for (Watcher watcher : watchers) {
            if (watcher.identity.name().equals(spokeName)) {
                watcher.close(Status.PERMISSION_DENIED.withDescription("the certificate for " + spokeName + " is revoked"));
                closed++;
            }
        }
        return closed;
    }

    public final class Watcher {
        private final PeerIdentity identity;
        private final String name;
        private final String peer;
        private final ServerCallStreamObserver<WatchEvent> stream;
        private volatile long next;
        private volatile long sent = -1;
        /** The manifest that names the snapshot a bootstrapping spoke starts from. */
        private SnapshotReference reference;
        private boolean closed;
        /** The access-log checkpoint size the spoke holds, as it said, then as it was sent; and the size sent last. */
        private long auditHeld;
        private long auditSent;

        private Watcher(PeerIdentity identity, String peer, ServerCallStreamObserver<WatchEvent> stream, long next, long auditHeld) {
            this.auditHeld = auditHeld;
            this.identity = identity;
            this.name = identity.toString();
            this.peer = peer;
            this.stream = stream;
            this.next = next;
        }

        public PeerIdentity identity() {
            return identity;
        }

        public String peer() {
            return peer;
        }

        public long sentRevision() {
            return sent;
        }

        synchronized void drain() {
            try {
                while (!closed && !stream.isCancelled() && stream.isReady()) {
                    Head head = store.head().orElseThrow();
                    if (next > head.revision()) {
                        return;
                    }
                    Optional<Signed> event = eventAt(next);
                    if (event.isEmpty()) {
                        // Behind the retained deltas: continue from the newest snapshot.
                        log.info("spoke {} needs revision {}, no longer retained; sending snapshot revision {}", name, next,
                                head.manifest().getSnapshotRevision());
                        bootstrapFrom(head);
                        continue;
                    }
                    if (!liveKeys.contains(event.get().keyId())) {
                        // Signed by a key the current delegation revoked: the spoke would refuse it. Continue
                        // from the newest snapshot, or, if that is the one, wait for a head signed by a live key.
                        if (next == head.manifest().getSnapshotRevision()) {
                            return;
                        }
                        log.info("spoke {} needs revision {}, signed by revoked key {}; sending snapshot revision {}", name, next,
                                event.get().keyId(), head.manifest().getSnapshotRevision());
                        bootstrapFrom(head);
                        continue;
                    }
                    ManifestEvent toSend = event.get().event();
                    if (reference != null && next == reference.revision()) {
                        toSend = toSend.toBuilder().setSnapshotReference(reference.signed()).build();
                        reference = null;
                    }
                    stream.onNext(WatchEvent.newBuilder().setManifest(toSend).build());
                    sent = next;
                    next++;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("watch stream to spoke {} failed: {}", name, e.toString());
                close(Status.INTERNAL.withDescription("hub could not read revision " + next));
            }
        }

        /** Sends nothing more until {@link #resume}: the hub is publishing above what the spoke holds. */
        synchronized void hold() {
            next = Long.MAX_VALUE;
        }

        boolean held() {
            return next == Long.MAX_VALUE;
        }

        synchronized boolean isClosed() {
            return closed;
        }

        /** After {@link #hold}: from the head's snapshot, if given, else from {@code next}. */
        synchronized void resume(Optional<Head> bootstrapFrom, long next) {
            if (bootstrapFrom.isPresent()) {
                bootstrapFrom(bootstrapFrom.get());
            } else {
                this.next = next;
            }
        }

        /** Moves this watcher to the newest snapshot the head names; its first event carries the head as proof. */
        synchronized void bootstrapFrom(Head head) {
            next = head.manifest().getSnapshotRevision();
            reference = new SnapshotReference(next, head.signed());
        }

        /** Sends the newest access-log checkpoint unless it was sent already, proved from the one the spoke holds. */
        synchronized void sendAudit() {
            try {
                Optional<Audit> newest = audit.since(auditHeld);
                if (newest.isPresent() && newest.get().size() != auditSent) {
                    sendNow(WatchEvent.newBuilder().setAudit(newest.get().event()).build());
                    auditSent = newest.get().size();
                    auditHeld = Math.max(auditHeld, auditSent);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("could not send the access log's checkpoint to spoke {}: {}", name, e.toString());
            }
        }

        /** Sends even when the stream is not ready: for the few small events that must not be skipped. */
        synchronized void sendNow(WatchEvent event) {
            if (!closed && !stream.isCancelled()) {
                stream.onNext(event);
            }
        }

        synchronized void sendIfReady(WatchEvent event) {
            if (!closed && !stream.isCancelled() && stream.isReady()) {
                stream.onNext(event);
            }
        }

        synchronized void close(Status status) {
            if (!closed) {
                closed = true;
                watchers.remove(this);
                try {
                    stream.onError(status.asRuntimeException());
                } catch (IllegalStateException alreadyClosed) {
                    // the spoke went away first
                }
            }
        }
    }

    private record SnapshotReference(long revision, SignedManifest signed) {
    }

    /** A manifest event ready to send, with the id of the key that signed it. */
    private record Signed(ManifestEvent event, String keyId) {
    }

    private Optional<Signed> eventAt(long revision) throws IOException {
        if (revision < store.manifests().oldestRevision()) {
            return Optional.empty();
        }
        Signed cached = recent.get(revision);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<SignedManifest> signed = store.manifests().get(revision);
        if (signed.isEmpty()) {
            return Optional.empty();
        }
        Manifest manifest = Manifest.parseFrom(signed.get().getManifest());
        byte[] delta = manifest.hasDelta() && manifest.getDelta().getSize() <= INLINE_DELTA_LIMIT
                ? objects.readAll(manifest.getDelta().getDigest().toByteArray()) : null;
        return Optional.of(new Signed(event(signed.get(), manifest, delta), manifest.getKeyId()));
    }

    private static ManifestEvent event(SignedManifest signed, Manifest manifest, byte[] delta) {
        ManifestEvent.Builder event = ManifestEvent.newBuilder().setManifest(signed);
        if (delta != null && delta.length <= INLINE_DELTA_LIMIT) {
            event.setInlineDelta(ByteString.copyFrom(delta));
        }
        return event.build();
    }
}
