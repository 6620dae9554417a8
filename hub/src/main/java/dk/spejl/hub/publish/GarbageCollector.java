package dk.spejl.hub.publish;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.SnapshotIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
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

    void collect() throws IOException {
        List<Long> revisions = store.manifestRevisions();
        // The oldest snapshot revision to keep: walk back from the head over distinct snapshots.
        Set<Long> snapshots = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
        for (long rev : revisions) {
            Manifest m = Manifest.parseFrom(store.manifest(rev).orElseThrow().getManifest());
            if (m.getSnapshotRevision() == rev) {
                snapshots.add(rev);
            }
        }
        long keepFrom = snapshots.stream().limit(retainedSnapshots).reduce((a, b) -> b).orElse(0L);
        if (keepFrom > 0) {
            store.deleteManifestsBelow(keepFrom);
        }
        Set<String> live = new HashSet<>();
        for (long rev : store.manifestRevisions()) {
            SignedManifest signed = store.manifest(rev).orElseThrow();
            Manifest m = Manifest.parseFrom(signed.getManifest());
            live.add(Sha256.hex(m.getDelta().getDigest().toByteArray()));
            String index = Sha256.hex(m.getSnapshotIndex().getDigest().toByteArray());
            if (live.add(index)) {
                SnapshotIndex parsed = SnapshotIndex.parseFrom(objects.readAll(m.getSnapshotIndex().getDigest().toByteArray()));
                parsed.getChunksList().forEach(c -> live.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
            }
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
}
