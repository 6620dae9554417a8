package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.catalogue.IngestError;
import dk.spejl.hub.catalogue.IngestRejectedException;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.verify.ManifestVerifier;
import dk.spejl.verify.MalformedException;
import dk.spejl.verify.StateTransition;
import dk.spejl.wire.Delta;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.SnapshotIndex;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a validated change set into the next revision. A publish is a cycle of stages:
 * check against the catalogue, build the delta, move the state digest, write objects
 * (delta, and a snapshot when due), sign the manifest, commit, collect garbage, announce.
 * Objects are written before the commit and the commit is one synced batch, so a crash at
 * any stage leaves the previous revision as the head (invariant 6).
 */
public final class Publisher {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);

    /** Told of each revision after it is committed. */
    @FunctionalInterface
    public interface Listener {
        void published(Published revision);
    }

    private final String hubId;
    private final CatalogueStore store;
    private final ObjectStore objects;
    /** Where snapshot chunks are built before they become objects. */
    private final java.nio.file.Path scratch;
    private volatile ManifestSigner signer;
    private final Clock clock;
    private final SnapshotPolicy policy;
    private final GarbageCollector gc;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Timer publishTimer;
    private final Timer commitTimer;
    private final AtomicLong revisionGauge = new AtomicLong(-1);
    private final java.util.concurrent.ExecutorService snapshotter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            BackgroundPriority.lowerCurrentThread();
            r.run();
        }, "hub-snapshot");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closing;
    /**
     * A snapshot the background thread finished (and recorded) that no manifest names yet. The
     * background thread runs at the lowest priority and never takes the publish lock: a publish
     * waiting for a thread the scheduler hardly runs would stall for tens of milliseconds.
     */
    private final java.util.concurrent.atomic.AtomicReference<Finished> finished = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean snapshotRunning;
    // Guarded by this:
    private long deltaBytesSinceSnapshot;
    private long lastSnapshotBytes;
    private long latestSnapshotRevision;
    private ObjectRef latestSnapshotIndex;

    private record Finished(long revision, ObjectRef index, long bytes) {
    }

    public Publisher(String hubId, CatalogueStore store, ObjectStore objects, java.nio.file.Path scratch, ManifestSigner signer, Clock clock,
                     SnapshotPolicy policy, MeterRegistry metrics) {
        this.hubId = hubId;
        this.store = store;
        this.objects = objects;
        this.scratch = scratch;
        this.signer = signer;
        this.clock = clock;
        this.policy = policy;
        this.gc = new GarbageCollector(store, objects, policy.retainedSnapshots());
        this.publishTimer = Timer.builder("spejl_hub_publish_seconds").description("time to publish one revision").register(metrics);
        this.commitTimer = Timer.builder("spejl_hub_commit_seconds")
                .description("time of a publish's synced commit to the catalogue: the disk's share of publishing").register(metrics);
        metrics.gauge("spejl_hub_revision", revisionGauge);
    }

    /** Signs every later revision with this key (after a key rotation). */
    public synchronized void signWith(ManifestSigner signer) {
        this.signer = signer;
    }

    /**
     * Publishes a revision that changes no record, with its own snapshot, signed by the current
     * key: after a rotation that revoked the key the head was signed with, every spoke moves to
     * a head signed by a live key, and a spoke that bootstraps later starts from a snapshot
     * whose manifest a live key signed.
     */
    public synchronized Published resign() throws IOException {
        try {
            return publish(new ChangeSet(List.of(), List.of()), true);
        } catch (IngestRejectedException e) {
            throw new IllegalStateException("an empty change set was refused: " + e.getMessage(), e);
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Publishes revision 0, the empty catalogue with its snapshot, if nothing was published yet. */
    public synchronized void initialise() throws IOException {
        if (java.nio.file.Files.isDirectory(scratch)) {
            try (var left = java.nio.file.Files.list(scratch)) {
                for (java.nio.file.Path file : left.toList()) {
                    java.nio.file.Files.delete(file); // a chunk being built when the hub stopped
                }
            }
        }
        if (store.head().isEmpty()) {
            ObjectRef delta = objects.put(Delta.newBuilder().setHubId(hubId).setRevision(0).build().toByteArray());
            LtHash empty = LtHash.empty();
            ObjectRef index = SnapshotWriter.write(objects, scratch, hubId, 0, empty, 0, List.<CatalogueStore.StoredRecord>of().iterator(), new TreeMap<>(), Set.of(),
                    () -> false);
            SignedManifest signed = signer.sign(manifest(0, ByteString.EMPTY, 0, empty, delta, 0, index));
            store.commit(new CatalogueStore.Commit(List.of(), List.of(), signed, empty, index));
            log.info("initialised hub {} at revision 0 (empty catalogue)", hubId);
        }
        CatalogueStore.Head head = store.head().orElseThrow();
        if (!head.manifest().getHubId().equals(hubId)) {
            throw new IOException("the catalogue belongs to hub '" + head.manifest().getHubId() + "', not '" + hubId + "'");
        }
        var snapshots = store.snapshots();
        if (snapshots.isEmpty()) {
            latestSnapshotRevision = head.manifest().getSnapshotRevision();
            latestSnapshotIndex = head.manifest().getSnapshotIndex();
        } else {
            latestSnapshotRevision = snapshots.lastKey();
            latestSnapshotIndex = snapshots.lastEntry().getValue();
        }
        lastSnapshotBytes = snapshotBytes(latestSnapshotIndex);
        deltaBytesSinceSnapshot = 0;
        for (long rev = latestSnapshotRevision + 1; rev <= head.revision(); rev++) {
            deltaBytesSinceSnapshot += Manifest.parseFrom(store.manifest(rev).orElseThrow().getManifest()).getDelta().getSize();
        }
        revisionGauge.set(head.revision());
        if (head.manifest().getSchemaVersion() < ManifestVerifier.SST_CHUNKS_SINCE) {
            // Written by an earlier Spejl: its snapshots are in a chunk format spokes no longer bootstrap from.
            log.info("the head revision {} has schema {}: publishing a revision with a snapshot in schema {}", head.revision(),
                    head.manifest().getSchemaVersion(), ManifestVerifier.SCHEMA_VERSION);
            try {
                publish(new ChangeSet(List.of(), List.of()), true);
            } catch (IngestRejectedException e) {
                throw new IllegalStateException("an empty change set was refused: " + e.getMessage(), e);
            }
        }
        gc.sweep(store.head().orElseThrow().manifest().getSnapshotRevision());
    }

    /** Whether the catalogue holds a record with this id now. */
    public boolean holds(String id) {
        return store.projection(id) != null;
    }

    public CatalogueStore.Head head() {
        return store.head().orElseThrow(() -> new IllegalStateException("the hub is not initialised"));
    }

    public Published publish(ChangeSet changes) throws IngestRejectedException, IOException {
        return publish(changes, false);
    }

    private synchronized Published publish(ChangeSet changes, boolean forceSnapshot) throws IngestRejectedException, IOException {
        long started = System.nanoTime();
        CatalogueStore.Head head = head();
        long revision = head.revision() + 1;

        // Stage 1: check the change set against the catalogue: deleted ids must exist.
        List<IngestError> missing = new ArrayList<>();
        for (ChangeSet.Delete delete : changes.deletes()) {
            if (store.projection(delete.id()) == null) {
                missing.add(new IngestError(delete.line(), "delete of " + delete.id() + ": no such record"));
            }
        }
        if (!missing.isEmpty()) {
            throw new IngestRejectedException(missing);
        }

        // Stage 2: the delta, in id order, holding only the mirrored projection of each record.
        TreeMap<String, HubRecord> puts = new TreeMap<>();
        changes.puts().forEach(p -> puts.put(p.id(), p.record()));
        TreeSet<String> deletes = new TreeSet<>();
        changes.deletes().forEach(d -> deletes.add(d.id()));
        Delta delta = Delta.newBuilder().setHubId(hubId).setRevision(revision)
                .addAllPuts(puts.values().stream().map(HubRecord::getRecord).toList()).addAllDeletes(deletes).build();

        // Stage 3: move the state digest across the delta (the same code the spoke verifies with).
        StateTransition.Result next;
        try {
            next = StateTransition.apply(head.lattice(), head.entryCount(), delta, store::projection);
        } catch (MalformedException e) {
            throw new IngestRejectedException(List.of(new IngestError(0, e.getMessage())));
        }

        // Stage 4: write the delta. A change set large against the catalogue gets its snapshot written here,
        // so the manifest can name it and spokes bootstrap rather than fetch a huge delta; routine snapshots
        // are written in the background after the commit (stage 7), so small revisions never wait for one.
        byte[] deltaBytes = delta.toByteArray();
        ObjectRef deltaRef = objects.put(deltaBytes);
        Finished background = finished.getAndSet(null);
        if (background != null && background.revision() > latestSnapshotRevision) {
            // Recorded by the background thread; this manifest names it, and this commit's sync makes the record durable.
            latestSnapshotRevision = background.revision();
            latestSnapshotIndex = background.index();
            lastSnapshotBytes = background.bytes();
        }
        long snapshotRevision = latestSnapshotRevision;
        ObjectRef index = latestSnapshotIndex;
        boolean snapshot = forceSnapshot || deltaBytes.length > policy.deltaFraction() * lastSnapshotBytes;
        // In id order, which RocksDB's memtable inserts fastest.
        List<HubRecord> hubPuts = List.copyOf(puts.values());
        Staged staged = new Staged(revision, head, next, deltaRef, hubPuts, List.copyOf(deletes));
        long commitStarted;
        SignedManifest signed;
        if (snapshot) {
            // Its chunks may equal chunks of a snapshot being collected: no collection until the commit names them.
            synchronized (gc.lock()) {
                try (CatalogueStore.RecordCursor stored = store.records()) {
                    index = SnapshotWriter.write(objects, scratch, hubId, revision, next.lattice(), next.entryCount(), stored, puts, deletes, () -> false);
                }
                snapshotRevision = revision;
                commitStarted = System.nanoTime();
                signed = signAndCommit(staged, snapshotRevision, index, true);
            }
        } else {
            commitStarted = System.nanoTime();
            signed = signAndCommit(staged, snapshotRevision, index, false);
        }
        long committed = System.nanoTime();
        commitTimer.record(committed - commitStarted, java.util.concurrent.TimeUnit.NANOSECONDS);
        revisionGauge.set(revision);

        // Stage 7: snapshots and retention. Nothing a retained manifest references is deleted.
        if (snapshot) {
            snapshotTaken(revision, index);
            deltaBytesSinceSnapshot = 0;
        } else {
            deltaBytesSinceSnapshot += deltaBytes.length;
            if (!snapshotRunning && policy.due(revision, latestSnapshotRevision, deltaBytesSinceSnapshot, lastSnapshotBytes)) {
                snapshotInBackground(revision, next.lattice().copy(), next.entryCount());
            }
        }
        if (snapshotRevision > head.manifest().getSnapshotRevision()) {
            // The first manifest to name a new snapshot: what it replaces may now go.
            long named = snapshotRevision;
            snapshotter.execute(() -> collectGarbage(named));
        }
        CatalogueStore.Head committedHead = store.head().orElseThrow();
        Published published = new Published(signed, committedHead.manifest(), committedHead.manifestDigest(), deltaBytes, committed,
                committed - commitStarted);
        long micros = (System.nanoTime() - started) / 1000;
        publishTimer.record(java.time.Duration.ofNanos(System.nanoTime() - started));

        // Stage 8: announce to watching spokes, before the log line: a log appender may block on its output.
        for (Listener listener : listeners) {
            listener.published(published);
        }
        log.info("published revision {}: {} puts, {} deletes, {} entries, state {}, delta {} bytes{}, in {} ms",
                revision, puts.size(), deletes.size(), next.entryCount(), Sha256.shortHex(committedHead.manifest().getStateDigest().toByteArray()),
                deltaBytes.length, snapshot ? ", snapshot" : "", micros / 1000.0);
        return published;
    }

    /** What a publish has built before it signs and commits. */
    private record Staged(long revision, CatalogueStore.Head head, StateTransition.Result next, ObjectRef delta,
                          List<HubRecord> puts, List<String> deletes) {
    }

    /** Stages 5 and 6: sign the manifest, chained to the head's; commit records, manifest and lattice in one synced batch. */
    private SignedManifest signAndCommit(Staged staged, long snapshotRevision, ObjectRef index, boolean recordSnapshot) throws IOException {
        SignedManifest signed = signer.sign(manifest(staged.revision(), ByteString.copyFrom(staged.head().manifestDigest()),
                staged.next().entryCount(), staged.next().lattice(), staged.delta(), snapshotRevision, index));
        store.commit(new CatalogueStore.Commit(staged.puts(), staged.deletes(), signed, staged.next().lattice(), recordSnapshot ? index : null));
        return signed;
    }

    /**
     * Writes the snapshot of {@code revision} from a consistent RocksDB view taken now, under the
     * publish lock, while publishing goes on. The next manifest names it.
     */
    private void snapshotInBackground(long revision, LtHash lattice, long entryCount) {
        CatalogueStore.RecordCursor stored = store.records();
        snapshotRunning = true;
        deltaBytesSinceSnapshot = 0;
        snapshotter.execute(() -> {
            long started = System.nanoTime();
            try {
                ObjectRef index = SnapshotWriter.write(objects, scratch, hubId, revision, lattice, entryCount, stored, new TreeMap<>(), Set.of(),
                        () -> closing);
                store.recordSnapshot(revision, index);
                finished.set(new Finished(revision, index, snapshotBytes(index)));
                log.info("snapshot of revision {} written in the background: {} entries in {} ms; the next manifest names it",
                        revision, entryCount, (System.nanoTime() - started) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                log.warn("snapshot of revision {} not written: {}", revision, e.toString());
            } finally {
                stored.close();
                snapshotRunning = false;
            }
        });
    }

    /** Runs on the background thread, beside publishing; see {@link GarbageCollector}. */
    private void collectGarbage(long headSnapshotRevision) {
        if (closing) {
            return;
        }
        try {
            gc.collect(headSnapshotRevision);
        } catch (IOException | RuntimeException e) {
            log.warn("garbage collection failed: {}", e.toString());
        }
    }

    private void snapshotTaken(long revision, ObjectRef index) throws IOException {
        if (revision > latestSnapshotRevision) {
            latestSnapshotRevision = revision;
            latestSnapshotIndex = index;
            lastSnapshotBytes = snapshotBytes(index);
        }
    }

    /** Waits until no background snapshot or collection is under way (for tests and benchmarks). */
    public void awaitSnapshots() throws InterruptedException {
        if (!awaitSnapshots(java.time.Duration.ofDays(1))) {
            throw new IllegalStateException("background work did not finish in a day");
        }
    }

    /** Like {@link #awaitSnapshots()}; false if the background work is still under way after {@code timeout}. */
    public boolean awaitSnapshots(java.time.Duration timeout) throws InterruptedException {
        try {
            snapshotter.submit(() -> { }).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Abandons a background snapshot in progress and waits for it, before the catalogue closes. */
    public void close() {
        closing = true;
        snapshotter.shutdown();
        try {
            snapshotter.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Manifest manifest(long revision, ByteString previous, long entryCount, LtHash lattice, ObjectRef delta,
                              long snapshotRevision, ObjectRef index) {
        return Manifest.newBuilder().setHubId(hubId).setRevision(revision).setPreviousManifestDigest(previous)
                .setPublishedAtMillis(clock.millis()).setEntryCount(entryCount)
                .setStateDigest(ByteString.copyFrom(lattice.digest())).setDelta(delta)
                .setSnapshotRevision(snapshotRevision).setSnapshotIndex(index)
                .setSchemaVersion(ManifestVerifier.SCHEMA_VERSION).build();
    }

    /** The bytes of a snapshot's chunks, the measure that deltas since it are compared with. */
    private long snapshotBytes(ObjectRef ref) throws IOException {
        SnapshotIndex index = SnapshotIndex.parseFrom(objects.readAll(ref.getDigest().toByteArray()));
        return index.getChunksList().stream().mapToLong(c -> c.getObject().getSize()).sum();
    }
}
