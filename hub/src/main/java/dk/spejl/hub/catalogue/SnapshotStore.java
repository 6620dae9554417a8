package dk.spejl.hub.catalogue;

import dk.spejl.storage.KeyPrefix;
import dk.spejl.storage.PrefixCursor;
import dk.spejl.wire.ObjectRef;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The finished snapshots, under {@code s/<revision in hex>}: the index object of each. */
public final class SnapshotStore {
    private static final KeyPrefix PREFIX = KeyPrefix.of("s/");

    private final CatalogueDatabase db;

    SnapshotStore(CatalogueDatabase db) {
        this.db = db;
    }

    /**
     * Records a snapshot written beside publishing. Not forced to disk on its own: the publish that
     * names it syncs the log, and the log is written in order, so the record and the chunks before
     * it are durable no later than the manifest that names them.
     */
    public void record(long revision, ObjectRef index) throws IOException {
        db.put(key(revision), index.toByteArray(), CatalogueDatabase.Write.LOGGED);
    }

    /** Finished snapshots, oldest first: revision and index. */
    public NavigableMap<Long, ObjectRef> all() throws IOException {
        NavigableMap<Long, ObjectRef> snapshots = new TreeMap<>();
        try (PrefixCursor cursor = db.cursor(PREFIX)) {
            for (; cursor.valid(); cursor.next()) {
                snapshots.put(Long.parseUnsignedLong(cursor.name(), 16), ObjectRef.parseFrom(cursor.value()));
            }
        }
        return snapshots;
    }

    /**
     * Drops snapshot records below {@code revision}, synced: object files are deleted outside the
     * log, so the records that name them must be gone for good first.
     */
    public void deleteBelow(long revision) throws IOException {
        db.deleteRange(key(0), key(revision));
    }

    /** Adds a snapshot written by the publish itself to its batch. */
    void put(WriteBatch batch, long revision, ObjectRef index) throws RocksDBException {
        batch.put(key(revision), index.toByteArray());
    }

    private static byte[] key(long revision) {
        return PREFIX.key(String.format("%016x", revision));
    }
}
