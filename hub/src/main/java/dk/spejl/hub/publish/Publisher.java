package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.catalogue.IngestError;
import dk.spejl.hub.catalogue.IngestRejectedException;
import dk.spejl.hub.catalogue.RecordStore;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.verify.MalformedException;
import dk.spejl.verify.ManifestVerifier;
import dk.spejl.verify.StateTransition;
import dk.spejl.wire.Delta;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a validated change set into the next revision, in a cycle of named {@link Stage}s (after
 * Hollow's producer): check, delta, digest, objects, sign, commit, retain, announce. Each stage is
 * one method below, and {@link CycleListener}s hear each one start and finish.
 *
 * <p>Objects are written before the commit and the commit is one synced batch, so a cycle that
 * fails before its commit leaves the previous revision as the head (invariant 6, docs/design.md),
 * and is rolled back: the objects only it could have written are deleted. From the commit on, the
 * revision exists, and nothing is undone.
 */
public final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final ChangeSet NO_CHANGES = new ChangeSet(List.of(), List.of());

    /** The stages of a publish cycle, in order. */
    public enum Stage {
        /** The change set against the catalogue: deleted ids must exist. */
        CHECK,
        /** The delta, in id order, holding only the mirrored projection of each record. */
        DELTA,
        /** The state digest moved across the delta, by the same code a spoke verifies with. */
        DIGEST,
        /** The delta object written, and the revision's own snapshot when it is due at once. */
        OBJECTS,
        /** The manifest signed, chained to the head's. */
        SIGN,
        /** Records, manifest and lattice in one synced batch: from here on the revision exists. */
        COMMIT,
        /** Snapshot bookkeeping, a background snapshot when one is due, and collection of what a new snapshot replaces. */
        RETAIN,
        /** Watching spokes are told. */
        ANNOUNCE
    }

    /** Told of each revision after it is committed (the {@link Stage#ANNOUNCE} stage). */
    @FunctionalInterface
    public interface Listener {
        void published(Published revision);
    }

    /** Hears a cycle's stages; a listener that throws is logged and does not change the cycle. */
    public interface CycleListener {
        default void stageStarted(Stage stage, long revision) {
        }

        default void stageCompleted(Stage stage, long revision, long nanos) {
        }

        default void cycleCompleted(Published published, long nanos) {
        }

        /** The cycle stopped at {@code stage}; before {@link Stage#COMMIT} the head did not move. */
        default void cycleFailed(Stage stage, long revision, Exception cause) {
        }
    }

    private final String hubId;
    private final CatalogueStore store;
    private final RecordStore records;
    private final ObjectStore objects;
    /** Where snapshot chunks are built before they become objects. */
    private final Path scratch;
    private volatile ManifestSigner signer;
    private final Clock clock;
    private final SnapshotPolicy policy;
    private final GarbageCollector gc;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<CycleListener> cycleListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong revisionGauge = new AtomicLong(-1);
    private final BackgroundWork background;
    // Guarded by this:
    private boolean closed;
    /** A commit failed: it may still be in RocksDB's log, so rollbacks no longer delete anything. */
    private boolean commitInDoubt;
    private long deltaBytesSinceSnapshot;
    private long lastSnapshotBytes;
    private long latestSnapshotRevision;
    private ObjectRef latestSnapshotIndex;

    public Publisher(String hubId, CatalogueStore store, ObjectStore objects, Path scratch, ManifestSigner signer, Clock clock,
                     SnapshotPolicy policy, MeterRegistry metrics) {
        this.hubId = hubId;
        this.store = store;
        this.records = store.records();
        this.objects = objects;
        this.scratch = scratch;
        this.signer = signer;
        this.clock = clock;
        this.policy = policy;
        this.gc = new GarbageCollector(store, objects, policy.retainedSnapshots());
        this.background = new BackgroundWork(hubId, store, objects, scratch, gc);
        io.micrometer.core.instrument.Gauge.builder("spejl_hub_revision", revisionGauge, Number::doubleValue)
                .description("the hub's head revision").register(metrics);
        cycleListeners.add(new PublishMetrics(metrics));
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void addCycleListener(CycleListener listener) {
        cycleListeners.add(listener);
    }

    /**
     * Signs every later revision with {@code next} (after a key rotation). {@code whileSwitching}
     * runs first, between two revisions: what it sends (a new key delegation) reaches watching
     * spokes before any revision signed with the new key, and after every one signed with the old.
     */
    public synchronized void signWith(ManifestSigner next, Runnable whileSwitching) {
        whileSwitching.run();
        this.signer = next;
    }

    /**
     * Publishes a revision that changes no record, with its own snapshot, signed by the current
     * key: after a rotation that revoked the key the head was signed with, every spoke moves to
     * a head signed by a live key, and a spoke that bootstraps later starts from a snapshot
     * whose manifest a live key signed.
     */
    public synchronized Published resign() throws IOException {
        head();
        return publishWithSnapshot(NO_CHANGES);
    }

    /**
     * Publishes the catalogue as it stands as the revision after {@code learned}, chained to it: a manifest of this
     * hub's that a spoke holds and this hub does not, because it was restored from an older backup. Its numbers
     * continue above everything the spokes hold, so no revision number ever names two states. The revision has no
     * delta (none is known from {@code learned} to what this hub holds) and carries its own snapshot; every spoke
     * reaches it by that snapshot. The caller has checked that this hub's key signed {@code learned}.
     */
    public synchronized Published bridge(SignedManifest learned) throws IOException {
        long learnedRevision = Manifest.parseFrom(learned.getManifest()).getRevision();
        if (learnedRevision <= head().revision()) {
            throw new IllegalArgumentException("revision " + learnedRevision + " is not above the head " + head().revision()
                    + ": a bridge goes above the head");
        }
        try {
            return cycle(NO_CHANGES, true, learned);
        } catch (IngestRejectedException e) {
            throw new IllegalStateException("a bridge was refused: " + e.getMessage(), e);
        }
    }

    /** Publishes revision 0, the empty catalogue with its snapshot, if nothing was published yet; then takes stock. */
    public synchronized void initialise() throws IOException {
        if (Files.isDirectory(scratch)) {
            try (var left = Files.list(scratch)) {
                for (Path file : left.toList()) {
                    Files.delete(file); // a chunk being built when the hub stopped
                }
            }
        }
        if (store.head().isEmpty()) {
            publishWithSnapshot(NO_CHANGES);
            log.info("initialised hub {} at revision 0 (empty catalogue)", hubId);
        }
        Head head = head();
        if (!head.manifest().getHubId().equals(hubId)) {
            throw new IOException("the catalogue belongs to hub '" + head.manifest().getHubId() + "', not '" + hubId + "'");
        }
        var snapshots = store.snapshots().all();
        if (snapshots.isEmpty()) {
            latestSnapshotRevision = head.manifest().getSnapshotRevision();
            latestSnapshotIndex = head.manifest().getSnapshotIndex();
        } else {
            latestSnapshotRevision = snapshots.lastKey();
            latestSnapshotIndex = snapshots.lastEntry().getValue();
        }
        lastSnapshotBytes = SnapshotWriter.chunkBytes(objects, latestSnapshotIndex);
        deltaBytesSinceSnapshot = 0;
        for (long rev = latestSnapshotRevision + 1; rev <= head.revision(); rev++) {
            deltaBytesSinceSnapshot += Manifest.parseFrom(store.manifests().get(rev).orElseThrow().getManifest()).getDelta().getSize();
        }
        revisionGauge.set(head.revision());
        if (head.manifest().getSchemaVersion() < ManifestVerifier.SST_CHUNKS_SINCE) {
            // Written by an earlier Spejl: its snapshots are in a chunk format spokes no longer bootstrap from.
            log.info("the head revision {} has schema {}: publishing a revision with a snapshot in schema {}", head.revision(),
                    head.manifest().getSchemaVersion(), ManifestVerifier.SCHEMA_VERSION);
            publishWithSnapshot(NO_CHANGES);
        }
        gc.sweep(head().manifest().getSnapshotRevision());
    }

    /** Work done while objects are held, with the store that names them. */
    @FunctionalInterface
    public interface HeldWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} while no object can be collected (for a backup): every object the catalogue names when it starts
     * stays on disk until it returns. Publishing goes on, except a publish that writes a snapshot, which waits.
     */
    public <T> T holdingObjects(HeldWork<T> work) throws IOException {
        gc.lock().lock();
        try {
            return work.run();
        } finally {
            gc.lock().unlock();
        }
    }

    /** The hex names of every object {@code store}'s retained manifests and snapshots name, snapshot chunks included. */
    public static java.util.Set<String> namedObjects(CatalogueStore store, ObjectStore objects) throws IOException {
        return GarbageCollector.named(store, objects);
    }

    /** Whether the catalogue holds a record with this id now. */
    public boolean holds(String id) {
        return records.projection(id) != null;
    }

    public Head head() {
        return store.head().orElseThrow(() -> new IllegalStateException("the hub is not initialised"));
    }

    public synchronized Published publish(ChangeSet changes) throws IngestRejectedException, IOException {
        head(); // only initialise() builds on no head: revision 0
        return cycle(changes, false, null);
    }

    private Published publishWithSnapshot(ChangeSet changes) throws IOException {
        try {
            return cycle(changes, true, null);
        } catch (IngestRejectedException e) {
            throw new IllegalStateException("a change set the hub made itself was refused: " + e.getMessage(), e);
        }
    }

    /** One cycle's work in progress: what each stage leaves for the next. */
    private static final class Cycle {
        final ChangeSet changes;
        final boolean forceSnapshot;
        /** The head this cycle builds on; null for revision 0. */
        final Head base;
        final long revision;
        /** For a bridge revision: the learned manifest it chains to instead of the head's; it has no delta. */
        final SignedManifest bridgedFrom;
        final long started = System.nanoTime();
        Stage stage;
        TreeMap<String, HubRecord> puts;
        TreeSet<String> deletes;
        Delta delta;
        byte[] deltaBytes;
        StateTransition.Result next;
        ObjectRef deltaRef;
        boolean snapshot;
        boolean holdsCollectorLock;
        long snapshotRevision;
        ObjectRef index;
        SignedManifest signed;
        long committedNanos;
        long commitNanos;
        Published published;

        Cycle(Head base, ChangeSet changes, boolean forceSnapshot, SignedManifest bridgedFrom, long bridgedRevision) {
            this.base = base;
            this.changes = changes;
            this.forceSnapshot = forceSnapshot;
            this.bridgedFrom = bridgedFrom;
            this.revision = bridgedFrom != null ? bridgedRevision + 1 : base == null ? 0 : base.revision() + 1;
        }

        LtHash baseLattice() {
            return base == null ? LtHash.empty() : base.lattice();
        }

        long baseEntries() {
            return base == null ? 0 : base.entryCount();
        }
    }

    @FunctionalInterface
    private interface Step {
        void run(Cycle cycle) throws IngestRejectedException, IOException;
    }

    // Guarded by this (every caller is synchronized).
    private Published cycle(ChangeSet changes, boolean forceSnapshot, SignedManifest bridgedFrom) throws IngestRejectedException, IOException {
        if (closed) {
            throw new IllegalStateException("the publisher is closed");
        }
        adoptBackgroundSnapshot();
        Cycle cycle = new Cycle(store.head().orElse(null), changes, forceSnapshot, bridgedFrom,
                bridgedFrom == null ? -1 : Manifest.parseFrom(bridgedFrom.getManifest()).getRevision());
        // The revision being published, on every log line of the cycle (a field in JSON logs).
        try (var revision = org.slf4j.MDC.putCloseable("revision", Long.toString(cycle.revision))) {
            return runCycle(cycle);
        }
    }

    private Published runCycle(Cycle cycle) throws IngestRejectedException, IOException {
        try {
            try {
                stage(Stage.CHECK, cycle, this::check);
                stage(Stage.DELTA, cycle, this::delta);
                stage(Stage.DIGEST, cycle, this::digest);
                stage(Stage.OBJECTS, cycle, this::writeObjects);
                stage(Stage.SIGN, cycle, this::sign);
                stage(Stage.COMMIT, cycle, this::commit);
            } finally {
                if (cycle.holdsCollectorLock) {
                    gc.lock().unlock();
                }
            }
        } catch (IngestRejectedException | IOException | RuntimeException e) {
            rollBack(cycle, e);
            throw e;
        }
        try {
            stage(Stage.RETAIN, cycle, this::retain);
            stage(Stage.ANNOUNCE, cycle, this::announce);
        } catch (IOException | RuntimeException e) {
            log.warn("revision {} is published, but its {} stage failed: {}", cycle.revision, cycle.stage, e.toString());
            tell(l -> l.cycleFailed(cycle.stage, cycle.revision, e));
            throw e;
        }
        long nanos = System.nanoTime() - cycle.started;
        tell(l -> l.cycleCompleted(cycle.published, nanos));
        log.info("published revision {}: {} puts, {} deletes, {} entries, state {}, delta {} bytes{}, in {} ms",
                cycle.revision, cycle.puts.size(), cycle.deletes.size(), cycle.next.entryCount(),
                Sha256.shortHex(cycle.published.manifest().getStateDigest().toByteArray()), cycle.deltaBytes.length,
                cycle.snapshot ? ", snapshot" : "", nanos / 1000 / 1000.0);
        return cycle.published;
    }

    private void stage(Stage stage, Cycle cycle, Step step) throws IngestRejectedException, IOException {
        cycle.stage = stage;
        tell(l -> l.stageStarted(stage, cycle.revision));
        long started = System.nanoTime();
        step.run(cycle);
        long nanos = System.nanoTime() - started;
        tell(l -> l.stageCompleted(stage, cycle.revision, nanos));
    }

    /** {@link Stage#CHECK}: every deleted id must be in the catalogue. */
    private void check(Cycle c) throws IngestRejectedException {
        List<IngestError> missing = new ArrayList<>();
        for (ChangeSet.Delete delete : c.changes.deletes()) {
            if (records.projection(delete.id()) == null) {
                missing.add(new IngestError(delete.line(), "delete of " + delete.id() + ": no such record"));
            }
        }
        if (!missing.isEmpty()) {
            throw new IngestRejectedException(missing);
        }
    }

    /** {@link Stage#DELTA}: the change set in id order, as the mirrored projection of each record. */
    private void delta(Cycle c) {
        c.puts = new TreeMap<>();
        c.changes.puts().forEach(p -> c.puts.put(p.id(), p.record()));
        c.deletes = new TreeSet<>();
        c.changes.deletes().forEach(d -> c.deletes.add(d.id()));
        c.delta = Delta.newBuilder().setHubId(hubId).setRevision(c.revision)
                .addAllPuts(c.puts.values().stream().map(HubRecord::getRecord).toList()).addAllDeletes(c.deletes).build();
    }

    /** {@link Stage#DIGEST}: the state digest across the delta, by the code a spoke verifies the delta with. */
    private void digest(Cycle c) throws IngestRejectedException {
        try {
            c.next = StateTransition.apply(c.baseLattice(), c.baseEntries(), c.delta, records::projection);
        } catch (MalformedException e) {
            throw new IngestRejectedException(List.of(new IngestError(0, e.getMessage())));
        }
    }

    /**
     * {@link Stage#OBJECTS}: the delta, and the revision's own snapshot when the change set is large
     * against the catalogue, so the manifest can name it and spokes bootstrap rather than fetch a
     * huge delta. Routine snapshots are written in the background after the commit, so small
     * revisions never wait for one.
     */
    private void writeObjects(Cycle c) throws IOException {
        c.deltaBytes = c.bridgedFrom != null ? new byte[0] : c.delta.toByteArray();
        c.deltaRef = c.bridgedFrom != null ? null : objects.put(c.deltaBytes);
        c.snapshotRevision = latestSnapshotRevision;
        c.index = latestSnapshotIndex;
        c.snapshot = c.forceSnapshot || c.deltaBytes.length > policy.deltaFraction() * lastSnapshotBytes;
        if (c.snapshot) {
            // Its chunks may equal chunks of a snapshot being collected: no collection until the commit names them.
            gc.lock().lock();
            c.holdsCollectorLock = true;
            try (RecordStore.RecordCursor stored = records.cursor()) {
                c.index = SnapshotWriter.write(objects, scratch, hubId, c.revision, c.next.lattice(), c.next.entryCount(), stored,
                        c.puts, c.deletes, () -> false);
            }
            c.snapshotRevision = c.revision;
        }
    }

    /** {@link Stage#SIGN}: the manifest, chained to the head's (a bridge: to the learned manifest, with no delta). */
    private void sign(Cycle c) {
        ByteString previous = c.bridgedFrom != null ? ByteString.copyFrom(ManifestSigner.digest(c.bridgedFrom))
                : c.base == null ? ByteString.EMPTY : ByteString.copyFrom(c.base.manifestDigest());
        Manifest.Builder manifest = Manifest.newBuilder().setHubId(hubId).setRevision(c.revision).setPreviousManifestDigest(previous)
                .setPublishedAtMillis(clock.millis()).setEntryCount(c.next.entryCount())
                .setStateDigest(ByteString.copyFrom(c.next.lattice().digest()))
                .setSnapshotRevision(c.snapshotRevision).setSnapshotIndex(c.index)
                .setSchemaVersion(ManifestVerifier.SCHEMA_VERSION);
        if (c.deltaRef != null) {
            manifest.setDelta(c.deltaRef);
        }
        c.signed = signer.sign(manifest.build());
    }

    /** {@link Stage#COMMIT}: records (in id order, which RocksDB's memtable inserts fastest), manifest and lattice, synced. */
    private void commit(Cycle c) throws IOException {
        long started = System.nanoTime();
        try {
            store.commit(new CatalogueStore.Commit(List.copyOf(c.puts.values()), List.copyOf(c.deletes), c.signed, c.next.lattice(),
                    c.snapshot ? c.index : null, c.bridgedFrom));
        } catch (IOException | RuntimeException e) {
            commitInDoubt = true;
            throw e;
        }
        c.committedNanos = System.nanoTime();
        c.commitNanos = c.committedNanos - started;
        revisionGauge.set(c.revision);
        Head committed = head();
        c.published = new Published(c.signed, committed.manifest(), committed.manifestDigest(), c.deltaBytes, c.committedNanos,
                c.commitNanos);
    }

    /** {@link Stage#RETAIN}: snapshots and retention. Nothing a retained manifest references is deleted. */
    private void retain(Cycle c) throws IOException {
        if (c.snapshot) {
            if (c.revision > latestSnapshotRevision || latestSnapshotIndex == null) {
                latestSnapshotRevision = c.revision;
                latestSnapshotIndex = c.index;
                lastSnapshotBytes = SnapshotWriter.chunkBytes(objects, c.index);
            }
            deltaBytesSinceSnapshot = 0;
        } else {
            deltaBytesSinceSnapshot += c.deltaBytes.length;
            if (!background.snapshotRunning() && policy.due(c.revision, latestSnapshotRevision, deltaBytesSinceSnapshot, lastSnapshotBytes)) {
                // From a consistent view taken now, under the publish lock; the next manifest names it once written.
                background.snapshot(c.revision, c.next.lattice().copy(), c.next.entryCount(), records.cursor());
                deltaBytesSinceSnapshot = 0;
            }
        }
        if (c.base != null && c.snapshotRevision > c.base.manifest().getSnapshotRevision()) {
            // The first manifest to name a new snapshot: what it replaces may now go.
            background.collect(c.snapshotRevision);
        }
    }

    /** {@link Stage#ANNOUNCE}: watching spokes, before the log line, since a log appender may block on its output. */
    private void announce(Cycle c) {
        for (Listener listener : listeners) {
            listener.published(c.published);
        }
    }

    /**
     * A cycle that failed before its commit leaves the head where it was. The delta and the
     * snapshot index it wrote name its revision, so no retained object shares their bytes: they
     * are deleted. Snapshot chunks can equal retained ones and are left to the sweep at the next
     * start. After a failed commit nothing is deleted: the batch may yet be in RocksDB's log.
     */
    private void rollBack(Cycle c, Exception cause) {
        if (cause instanceof IngestRejectedException) {
            log.info("revision {} not published: the change set was refused at {}: {}", c.revision, c.stage, cause.getMessage());
        } else {
            log.warn("revision {} not published: the {} stage failed: {}; the head stays at revision {}", c.revision, c.stage,
                    cause.toString(), c.base == null ? "(none)" : c.base.revision());
        }
        if (c.stage.compareTo(Stage.COMMIT) < 0 && !commitInDoubt) {
            List<ObjectRef> written = new ArrayList<>();
            if (c.deltaRef != null) {
                written.add(c.deltaRef);
            }
            if (c.snapshotRevision == c.revision && c.index != null) {
                written.add(c.index);
            }
            for (ObjectRef ref : written) {
                try {
                    objects.delete(Sha256.hex(ref.getDigest().toByteArray()));
                } catch (IOException | RuntimeException e) {
                    cause.addSuppressed(e);
                    log.warn("rolling back revision {}: object {} not deleted ({}); the sweep at the next start deletes it",
                            c.revision, Sha256.shortHex(ref.getDigest().toByteArray()), e.toString());
                }
            }
        }
        tell(l -> l.cycleFailed(c.stage, c.revision, cause));
    }

    private void tell(java.util.function.Consumer<CycleListener> call) {
        for (CycleListener listener : cycleListeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.warn("publish cycle listener {} failed: {}", listener, e.toString());
            }
        }
    }

    /** A snapshot the background thread has finished becomes the one the next manifest names. */
    private void adoptBackgroundSnapshot() {
        background.takeFinished().filter(f -> f.revision() > latestSnapshotRevision).ifPresent(f -> {
            // Recorded by the background thread; the manifest names it, and the commit's sync makes the record durable.
            latestSnapshotRevision = f.revision();
            latestSnapshotIndex = f.index();
            lastSnapshotBytes = f.bytes();
        });
    }

    /** Waits until no background snapshot or collection is under way (for tests and benchmarks). */
    public void awaitSnapshots() throws InterruptedException {
        if (!awaitSnapshots(Duration.ofDays(1))) {
            throw new IllegalStateException("background work did not finish in a day");
        }
    }

    /** Like {@link #awaitSnapshots()}; false if the background work is still under way after {@code timeout}. */
    public boolean awaitSnapshots(Duration timeout) throws InterruptedException {
        return background.await(timeout);
    }

    /**
     * Waits for a publish under way and refuses any later one, then abandons a background snapshot
     * in progress and waits for it: after this returns nothing writes to the catalogue, which may
     * then close.
     */
    @Override
    public void close() {
        background.abandon();
        synchronized (this) {
            closed = true;
        }
        background.close();
    }
}
