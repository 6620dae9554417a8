package dk.spejl.spoke.replica;

import dk.spejl.storage.PrefixCursor;
import org.rocksdb.RocksDBException;

import java.io.IOException;
import java.util.function.BiConsumer;

/**
 * A point-in-time view of the replica: one signed revision, its state and its records, whatever is applied
 * or installed after it was taken (invariant 2). It pins a RocksDB snapshot, and the database it was taken
 * from even if a bootstrap replaces it; close it.
 */
public final class ReplicaView implements AutoCloseable {
    private final Generation generation;
    private final org.rocksdb.Snapshot snapshot;
    private final org.rocksdb.ReadOptions read;
    private final ReplicaState state;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    ReplicaView(Generation generation, org.rocksdb.Snapshot snapshot, org.rocksdb.ReadOptions read, ReplicaState state) {
        this.generation = generation;
        this.snapshot = snapshot;
        this.read = read;
        this.state = state;
    }

    public ReplicaState state() {
        return state;
    }

    public long revision() {
        return state.revision();
    }

    /** The canonical bytes of a record at this view's revision, or null. */
    public byte[] get(String id) {
        try {
            return generation.db.get(read, Replica.RECORDS.key(id));
        } catch (RocksDBException e) {
            throw new IllegalStateException("replica read failed: " + e.getMessage(), e);
        }
    }

    /** Visits every record at this view's revision in id order, (id, canonical bytes); a read error ends it with an exception. */
    public void forEach(BiConsumer<String, byte[]> visitor) throws IOException {
        try (PrefixCursor records = PrefixCursor.open(generation.db, Replica.RECORDS, snapshot)) {
            for (; records.valid(); records.next()) {
                visitor.accept(records.name(), records.value());
            }
            records.checkStatus();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            read.close();
            generation.db.releaseSnapshot(snapshot);
            generation.release();
        }
    }
}
