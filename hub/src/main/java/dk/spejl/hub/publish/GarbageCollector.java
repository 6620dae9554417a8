package dk.spejl.hub.publish;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SnapshotIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps the newest N snapshots and every manifest and delta back to the oldest of them, and
 * deletes the rest. The set of live objects is computed from the retained manifests, so
 * nothing a retained manifest references is ever deleted.
 *
 * <p>A routine {@link #collect} runs beside publishing, without the publish lock: it deletes only
 * objects that the dropped manifests and snapshots named and no retained one names. Deltas and indexes carry their revision, so a revision being
 * published cannot share one with a dropped revision; snapshot chunks can, so a publish that
 * writes chunks holds this collector's lock ({@link #lock()}) until its commit. {@link #sweep}
 * also deletes objects nothing names (left by a crash between writing objects and the commit);
 * the hub runs it at start, before anything else writes.
 */
final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    private final CatalogueStore store;
    private final ObjectStore objects;
    private final int retainedSnapshots;

    GarbageCollector(CatalogueStore store, ObjectStore objects, int retainedSnapshots) {
        this.store = store;
        this.objects = objects;
        this.retainedSnapshots = retainedSnapshots;
    }

    /** Held by collections, and by a publish while it writes snapshot chunks and commits the manifest naming them. */
    private final ReentrantLock lock = new ReentrantLock();

    Lock lock() {
        return lock;
    }

    /**
     * @param headSnapshotRevision the snapshot the head manifest names; spokes bootstrap from it,
     *                             so it and every manifest from it on are kept whatever the count
     */
    void collect(long headSnapshotRevision) throws IOException {
        lock.lock();
        try {
            collectHeld(headSnapshotRevision);
        } finally {
            lock.unlock();
        }
    }

    private void collectHeld(long headSnapshotRevision) throws IOException {
        var snapshots = store.snapshots().all();
        long keepFrom = keepFrom(headSnapshotRevision, snapshots);
        var droppedSnapshots = snapshots.headMap(keepFrom);
        List<Long> droppedManifests = store.manifests().revisions().stream().filter(rev -> rev < keepFrom).toList();
        if (droppedSnapshots.isEmpty() && droppedManifests.isEmpty()) {
            return;
        }
        Set<String> named = new HashSet<>();
        for (long rev : droppedManifests) {
            addManifest(rev, named);
        }
        for (ObjectRef index : droppedSnapshots.values()) {
            addSnapshot(index, named);
        }
        // The records go first (synced), so a crash never leaves a record naming a deleted object.
        store.manifests().deleteBelow(keepFrom);
        store.snapshots().deleteBelow(keepFrom);
        named.removeAll(live());
        for (String name : named) {
            objects.delete(name);
        }
        log.info("garbage collection: kept revisions from {}, dropped {} manifests and {} snapshots, deleted {} objects",
                keepFrom, droppedManifests.size(), droppedSnapshots.size(), named.size());
    }

    /** A whole collection that also deletes objects nothing names; only while nothing else writes. */
    void sweep(long headSnapshotRevision) throws IOException {
        lock.lock();
        try {
            sweepHeld(headSnapshotRevision);
        } finally {
            lock.unlock();
        }
    }

    private void sweepHeld(long headSnapshotRevision) throws IOException {
        long keepFrom = keepFrom(headSnapshotRevision, store.snapshots().all());
        if (keepFrom > 0) {
            store.manifests().deleteBelow(keepFrom);
            store.snapshots().deleteBelow(keepFrom);
        }
        Set<String> live = live();
        int deleted = 0;
        for (String name : objects.list()) {
            if (!live.contains(name)) {
                objects.delete(name);
                deleted++;
            }
        }
        if (deleted > 0) {
            log.info("garbage collection at start: kept revisions from {} ({} live objects), deleted {} objects", keepFrom, live.size(), deleted);
        }
    }

    private long keepFrom(long headSnapshotRevision, java.util.NavigableMap<Long, ObjectRef> snapshots) {
        return Math.min(headSnapshotRevision,
                snapshots.descendingKeySet().stream().limit(retainedSnapshots).reduce((a, b) -> b).orElse(0L));
    }

    private Set<String> live() throws IOException {
        return named(store, objects);
    }

    /** The hex names of every object the catalogue's retained manifests and snapshots name, chunks included. */
    static Set<String> named(CatalogueStore store, ObjectStore objects) throws IOException {
        GarbageCollector reader = new GarbageCollector(store, objects, 0);
        Set<String> live = new HashSet<>();
        for (ObjectRef index : store.snapshots().all().values()) {
            reader.addSnapshot(index, live);
        }
        for (long rev : store.manifests().revisions()) {
            reader.addManifest(rev, live);
        }
        return live;
    }

    private void addManifest(long revision, Set<String> names) throws IOException {
        Optional<dk.spejl.wire.SignedManifest> signed = store.manifests().get(revision);
        if (signed.isPresent()) {
            Manifest m = Manifest.parseFrom(signed.get().getManifest());
            if (m.hasDelta()) { // a bridge revision has none
                names.add(Sha256.hex(m.getDelta().getDigest().toByteArray()));
            }
            addSnapshot(m.getSnapshotIndex(), names);
        }
    }

    private void addSnapshot(ObjectRef index, Set<String> names) throws IOException {
        if (names.add(Sha256.hex(index.getDigest().toByteArray()))) {
            Optional<ObjectStore.Reader> opened = objects.open(index.getDigest().toByteArray());
            if (opened.isEmpty()) {
                return; // already gone (a collection interrupted by a crash); the sweep at start finds its chunks
            }
            SnapshotIndex parsed;
            try (ObjectStore.Reader reader = opened.get()) {
                parsed = SnapshotIndex.parseFrom(reader.read(0, Math.toIntExact(reader.size())));
            }
            parsed.getChunksList().forEach(c -> names.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
        }
    }
}
