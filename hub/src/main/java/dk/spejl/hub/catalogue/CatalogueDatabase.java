package dk.spejl.hub.catalogue;

import dk.spejl.storage.KeyPrefix;
import dk.spejl.storage.PrefixCursor;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hub's one RocksDB database. Each kind of entry keeps to its own key prefix and its own
 * small store ({@link RecordStore}, {@link ManifestStore}, {@link SnapshotStore}, the small
 * objects, the revocations); this class only opens, reads and writes.
 *
 * <p>A write is either {@link Write#SYNCED}, forced to disk before it returns, or
 * {@link Write#LOGGED}, in RocksDB's log and made durable by the next synced write: the log is
 * written in order, so one sync per publish makes everything before it durable too.
 */
public final class CatalogueDatabase implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    public enum Write { SYNCED, LOGGED }

    private final Options options;
    private final RocksDB db;
    private final WriteOptions synced = new WriteOptions().setSync(true);
    private final WriteOptions logged = new WriteOptions();

    private CatalogueDatabase(Options options, RocksDB db) {
        this.options = options;
        this.db = db;
    }

    public static CatalogueDatabase open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            return new CatalogueDatabase(options, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the catalogue at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens for reading only, beside a running hub (for {@code spejl-hub check}); writes fail. */
    public static CatalogueDatabase openReadOnly(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no catalogue at " + dir);
        }
        Options options = new Options().setCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            return new CatalogueDatabase(options, RocksDB.openReadOnly(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the catalogue at " + dir + ": " + e.getMessage(), e);
        }
    }

    public byte[] get(byte[] key) throws IOException {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IOException("catalogue read failed: " + e.getMessage(), e);
        }
    }

    public void put(byte[] key, byte[] value, Write write) throws IOException {
        try {
            db.put(options(write), key, value);
        } catch (RocksDBException e) {
            throw new IOException("catalogue write failed: " + e.getMessage(), e);
        }
    }

    public void delete(byte[] key, Write write) throws IOException {
        try {
            db.delete(options(write), key);
        } catch (RocksDBException e) {
            throw new IOException("catalogue delete failed: " + e.getMessage(), e);
        }
    }

    /** Deletes the keys from {@code from} (inclusive) to {@code to} (exclusive), synced. */
    public void deleteRange(byte[] from, byte[] to) throws IOException {
        try {
            db.deleteRange(synced, from, to);
        } catch (RocksDBException e) {
            throw new IOException("catalogue delete failed: " + e.getMessage(), e);
        }
    }

    /** Writes a batch all or nothing, synced. */
    public void write(WriteBatch batch) throws IOException {
        try {
            db.write(synced, batch);
        } catch (RocksDBException e) {
            throw new IOException("commit failed: " + e.getMessage(), e);
        }
    }

    /** Every entry under a prefix, from a consistent view taken now. */
    public PrefixCursor cursor(KeyPrefix prefix) {
        return PrefixCursor.open(db, prefix);
    }

    /** The names of every entry under a prefix, in key order. */
    public List<String> names(KeyPrefix prefix) {
        List<String> names = new ArrayList<>();
        try (PrefixCursor cursor = cursor(prefix)) {
            for (; cursor.valid(); cursor.next()) {
                names.add(cursor.name());
            }
        }
        return names;
    }

    /**
     * A consistent copy of the database as it is now, at {@code target} (which must not exist): RocksDB's checkpoint,
     * hard links to the immutable files where the file system allows, with every acknowledged write in it.
     */
    public void checkpoint(Path target) throws IOException {
        try (org.rocksdb.Checkpoint checkpoint = org.rocksdb.Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("cannot take a checkpoint of the catalogue at " + target + ": " + e.getMessage(), e);
        }
    }

    private WriteOptions options(Write write) {
        return write == Write.SYNCED ? synced : logged;
    }

    @Override
    public void close() {
        synced.close();
        logged.close();
        db.close();
        options.close();
    }
}
