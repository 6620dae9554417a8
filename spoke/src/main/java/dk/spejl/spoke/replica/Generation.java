package dk.spejl.spoke.replica;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One open database: the live one, or one that a bootstrap replaced while {@link View}s still read it.
 * The replica holds one reference while it is live, each view one more; the last release closes it (and,
 * once replaced, deletes its directory).
 */
final class Generation {
    final RocksDB db;
    final Options options;
    final Path dir;
    private int refs = 1;
    private boolean replaced;

    Generation(RocksDB db, Options options, Path dir) {
        this.db = db;
        this.options = options;
        this.dir = dir;
    }

    synchronized void acquire() {
        if (refs == 0) {
            throw new IllegalStateException("replica database " + dir + " is closed");
        }
        refs++;
    }

    /** Drops the live reference; {@code replaced}: the directory goes when the last view is closed. */
    void retire(boolean replaced) {
        synchronized (this) {
            this.replaced = replaced;
        }
        release();
    }

    void release() {
        boolean last;
        boolean delete;
        synchronized (this) {
            last = --refs == 0;
            delete = replaced;
        }
        if (last) {
            db.close();
            options.close();
            if (delete) {
                try {
                    Replica.deleteTree(dir.getParent());
                } catch (IOException e) {
                    Replica.log.warn("the replica database at {} was replaced, but could not be deleted: {}; it goes at the next start",
                            dir.getParent(), e.toString());
                }
            }
        }
    }
}
