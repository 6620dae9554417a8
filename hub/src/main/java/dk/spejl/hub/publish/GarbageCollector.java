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
import java.util.Set;

/**
 * Keeps the newest N snapshots and every manifest and delta back to the oldest of them, and
 * deletes the rest. The set of live objects is computed from the retained manifests, so
 * nothing a retained manifest references is ever deleted.
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

    /**
     * @param headSnapshotRevision the snapshot the head manifest names; spokes bootstrap from it,
     *                             so it and every manifest from it on are kept whatever the count
     */
    void collect(long headSnapshotRevision) throws IOException {
        var snapshots = store.snapshots();
        long keepFrom = Math.min(headSnapshotRevision,
                snapshots.descendingKeySet().stream().limit(retainedSnapshots).reduce((a, b) -> b).orElse(0L));
        if (keepFrom > 0) {
            store.deleteManifestsBelow(keepFrom);
            store.deleteSnapshotsBelow(keepFrom);
        }
        Set<String> live = new HashSet<>();
        for (long rev : store.manifestRevisions()) {
            Manifest m = Manifest.parseFrom(store.manifest(rev).orElseThrow().getManifest());
            live.add(Sha256.hex(m.getDelta().getDigest().toByteArray()));
            addSnapshot(m.getSnapshotIndex(), live);
        }
        for (ObjectRef index : store.snapshots().values()) {
            addSnapshot(index, live);
        }
        int deleted = 0;
        for (String name : objects.list()) {
            if (!live.contains(name)) {
                objects.delete(name);
                deleted++;
            }
        }
        if (deleted > 0 || keepFrom > 0) {
            log.info("garbage collection: kept revisions from {} ({} live objects), deleted {} objects", keepFrom, live.size(), deleted);
        }
    }

    private void addSnapshot(ObjectRef index, Set<String> live) throws IOException {
        if (live.add(Sha256.hex(index.getDigest().toByteArray()))) {
            SnapshotIndex parsed = SnapshotIndex.parseFrom(objects.readAll(index.getDigest().toByteArray()));
            parsed.getChunksList().forEach(c -> live.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
        }
    }
}
