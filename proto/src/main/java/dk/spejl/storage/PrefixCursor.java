package dk.spejl.storage;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * Every entry under one key prefix, in key order, from one point-in-time view of the database
 * (a RocksDB snapshot): writes made while it is open are not seen, by it or by {@link #get}.
 * Reads ahead in large blocks, since a cursor usually runs to the end (snapshots, full checks).
 * Close it: it pins the view.
 */
public final class PrefixCursor implements AutoCloseable {
    private static final long READ_AHEAD_BYTES = 4 << 20;

    private final RocksDB db;
    private final KeyPrefix prefix;
    private final Snapshot view;
    private final Slice upper;
    private final ReadOptions read;
    private final RocksIterator it;
    /** Whether the cursor took its view itself, and releases it on close. */
    private final boolean ownsView;

    private PrefixCursor(RocksDB db, KeyPrefix prefix, Snapshot given) {
        this.db = db;
        this.prefix = prefix;
        this.ownsView = given == null;
        this.view = given == null ? db.getSnapshot() : given;
        this.upper = new Slice(prefix.upperBound());
        this.read = new ReadOptions().setSnapshot(view).setIterateUpperBound(upper).setReadaheadSize(READ_AHEAD_BYTES);
        this.it = db.newIterator(read);
        it.seek(prefix.first());
    }

    public static PrefixCursor open(RocksDB db, KeyPrefix prefix) {
        return new PrefixCursor(db, prefix, null);
    }

    /** A cursor over a view the caller holds (and releases, after closing the cursor). */
    public static PrefixCursor open(RocksDB db, KeyPrefix prefix, Snapshot view) {
        return new PrefixCursor(db, prefix, view);
    }

    public boolean valid() {
        return it.isValid();
    }

    public byte[] key() {
        requireValid();
        return it.key();
    }

    /** The current entry's name after the prefix. */
    public String name() {
        return prefix.suffix(key());
    }

    public byte[] value() {
        requireValid();
        return it.value();
    }

    public void next() {
        requireValid();
        it.next();
    }

    /** Reads any key (under this prefix or not) from the cursor's view: what the database held when the cursor opened. */
    public byte[] get(byte[] key) throws IOException {
        try (ReadOptions point = new ReadOptions().setSnapshot(view)) {
            return db.get(point, key);
        } catch (RocksDBException e) {
            throw new IOException("read failed: " + e.getMessage(), e);
        }
    }

    /** Fails if the scan ended because of a read error rather than at the last key. */
    public void checkStatus() throws IOException {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new IOException("reading the database failed: " + e.getMessage(), e);
        }
    }

    private void requireValid() {
        if (!it.isValid()) {
            throw new NoSuchElementException("the cursor is past the last key under " + prefix);
        }
    }

    @Override
    public void close() {
        it.close();
        read.close();
        upper.close();
        if (ownsView) {
            db.releaseSnapshot(view);
        }
    }
}
