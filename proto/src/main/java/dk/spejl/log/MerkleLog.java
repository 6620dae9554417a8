package dk.spejl.log;

import dk.spejl.signing.Ed25519;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An append-only, tamper-evident log in its own RocksDB: each entry a leaf of an RFC 9162 Merkle tree, the
 * perfect subtrees' hashes kept as the tree grows, and a C2SP checkpoint of size and root signed with the
 * daemon's Ed25519 key every {@code checkpointEntries} entries or {@code checkpointInterval}, whichever comes
 * first. {@link #append} returns once the entry, its hashes and any checkpoint are synced to disk; appends that
 * arrive meanwhile share the next sync (group commit). One writer thread does every write.
 *
 * <p>Keys: {@code e} + index (entries), {@code n} + level + index (hashes), {@code c} + size (signed checkpoints),
 * {@code s} (the size). All numbers are big-endian, so keys sort by index.
 */
public final class MerkleLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MerkleLog.class);
    private static final byte[] SIZE = {'s'};
    private static final int MAX_BATCH = 4_096;

    static {
        RocksDB.loadLibrary();
    }

    /** When a checkpoint is signed. */
    public record Policy(int checkpointEntries, Duration checkpointInterval) {
    }

    /**
     * Told after each synced write, on the log's writer thread (so keep it short): the log's new size, and the
     * checkpoint signed in that write, if one was.
     */
    @FunctionalInterface
    public interface Listener {
        void written(long size, Optional<String> checkpointNote);
    }

    private record Pending(byte[] entry, CompletableFuture<Long> done) {
    }

    private final RocksDB db;
    private final Options options;
    private final WriteOptions sync = new WriteOptions().setSync(true);
    private final String origin;
    private final Ed25519.PrivateKey key;
    private final Policy policy;
    private final Clock clock;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile long size;
    private long checkpointed;
    private long lastCheckpointMillis;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();

    private final SignedNote.Key checkpointKey;
    private final java.util.List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private MerkleLog(Path dir, String origin, Ed25519.PrivateKey key, Ed25519.PublicKey publicKey, Policy policy, Clock clock)
            throws IOException {
        this.origin = origin;
        this.key = key;
        this.checkpointKey = new SignedNote.Key(origin, publicKey);
        this.policy = policy;
        this.clock = clock;
        // Appends are small and only added: 8 MB memtables, not RocksDB's 64 MB (a spoke's browse log held 100 MB under load).
        this.options = new Options().setCreateIfMissing(key != null).setWriteBufferSize(8 << 20);
        try {
            this.db = key != null ? RocksDB.open(options, dir.toString()) : RocksDB.openReadOnly(options, dir.toString());
            byte[] stored = db.get(SIZE);
            this.size = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the log at " + dir + ": " + e.getMessage(), e);
        }
        this.checkpointed = lastCheckpointSize();
        try {
            latestCheckpoint();
        } catch (IOException e) {
            // Opened all the same, so that it can be verified and read; whoever runs it is told.
            log.warn("the log {} at {}: {}; run its verification", origin, dir, e.getMessage());
        }
        this.lastCheckpointMillis = clock.millis();
        this.writer = new Thread(this::write, "merkle-log-" + origin);
        writer.setDaemon(true);
        if (key != null) {
            writer.start();
        } else {
            closed = true; // read only: nothing is appended
        }
    }

    /** Opens (or creates) the log in {@code dir}, named {@code origin} in its checkpoints and signed with {@code key}. */
    public static MerkleLog open(Path dir, String origin, Ed25519.PrivateKey key, Policy policy, Clock clock) throws IOException {
        return new MerkleLog(dir, origin, key, key.publicKey(), policy, clock);
    }

    /**
     * Opens the log in {@code dir} to read and verify it, also beside the process that writes it (which holds the
     * database's lock): it sees the log as it was when opened, and refuses appends.
     */
    public static MerkleLog openReadOnly(Path dir, String origin, Ed25519.PublicKey key) throws IOException {
        return new MerkleLog(dir, origin, null, key, new Policy(Integer.MAX_VALUE, Duration.ofDays(365_000)), Clock.systemUTC());
    }

    /**
     * A consistent copy of the log as committed now, at {@code target} (which must not exist), for a backup: every
     * entry committed before this call is in it, with the tree nodes and checkpoints over them (open the copy with
     * {@link #openReadOnly} to learn its size).
     */
    public void checkpoint(Path target) throws IOException {
        try (org.rocksdb.Checkpoint checkpoint = org.rocksdb.Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("cannot take a checkpoint of the log " + origin + " at " + target + ": " + e.getMessage(), e);
        }
    }

    public String origin() {
        return origin;
    }

    /** The key that signs this log's checkpoints, named as its origin. */
    public SignedNote.Key checkpointKey() {
        return checkpointKey;
    }

    /** Appends {@code entry}; returns its index once it is durable. */
    public long append(byte[] entry) throws IOException {
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (queue) { // nothing is queued once closing began, so the writer's last drain is the last
            if (closed) {
                throw new IOException("the log " + origin + (key == null ? " was opened to read only" : " is closed"));
            }
            queue.add(new Pending(entry.clone(), done));
        }
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while appending to the log " + origin, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("appending to the log " + origin + " failed", e.getCause());
        }
    }

    public long size() {
        return size;
    }

    /** Adds a listener told of every write from now on. */
    public void listen(Listener listener) {
        listeners.add(listener);
    }

    /** How many synced writes the log has made since it was opened: fewer than its appends when they came together. */
    public long commits() {
        return commits.get();
    }

    /** Entry {@code index}, or empty past the end. */
    public Optional<byte[]> entry(long index) throws IOException {
        return Optional.ofNullable(get(key('e', index)));
    }

    public byte[] root(long treeSize) throws IOException {
        requireSize(treeSize);
        return Merkle.root(this::node, treeSize);
    }

    public List<byte[]> inclusionProof(long index, long treeSize) throws IOException, Merkle.ProofException {
        requireSize(treeSize);
        return Merkle.inclusionProof(this::node, index, treeSize);
    }

    public List<byte[]> consistencyProof(long first, long second) throws IOException, Merkle.ProofException {
        requireSize(second);
        return Merkle.consistencyProof(this::node, first, second);
    }

    /** The last checkpoint signed, as its signed note. */
    public Optional<String> latestCheckpointNote() throws IOException {
        try (var it = db.newIterator()) {
            it.seekForPrev(key('c', Long.MAX_VALUE));
            if (it.isValid() && it.key().length == 9 && it.key()[0] == 'c') {
                return Optional.of(new String(it.value(), StandardCharsets.UTF_8));
            }
            return Optional.empty();
        }
    }

    private long lastCheckpointSize() {
        try (var it = db.newIterator()) {
            it.seekForPrev(key('c', Long.MAX_VALUE));
            return it.isValid() && it.key().length == 9 && it.key()[0] == 'c' ? ByteBuffer.wrap(it.key(), 1, 8).getLong() : 0;
        }
    }

    /** Every checkpoint signed, oldest first, as signed notes. */
    public List<String> checkpointNotes() {
        List<String> notes = new ArrayList<>();
        try (var it = db.newIterator()) {
            for (it.seek(new byte[] {'c'}); it.isValid() && it.key()[0] == 'c'; it.next()) {
                notes.add(new String(it.value(), StandardCharsets.UTF_8));
            }
        }
        return notes;
    }

    private Optional<Checkpoint> latestCheckpoint() throws IOException {
        Optional<String> note = latestCheckpointNote();
        if (note.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Checkpoint.open(note.get(), checkpointKey()));
        } catch (SignedNote.NoteException e) {
            throw new IOException("the log's last checkpoint does not open with its own key: " + e.getMessage());
        }
    }

    /**
     * Reads the whole log back and checks it against itself and its signed checkpoints (see {@link LogCheck}).
     */
    public LogVerification verify() throws IOException {
        return LogCheck.verify(this);
    }

    org.rocksdb.RocksIterator iterator() {
        return db.newIterator();
    }

    /** The hash of a perfect subtree, as stored. */
    byte[] node(int level, long index) throws IOException {
        byte[] hash = get(nodeKey(level, index));
        if (hash == null) {
            throw new IOException("the log " + origin + " has no hash at level " + level + ", index " + index);
        }
        return hash;
    }

    private void write() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(checkpointWaitMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                }
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException | RocksDBException | RuntimeException e) {
                log.error("the log {} could not write {} entries: {}", origin, batch.size(), e.toString());
                batch.forEach(p -> p.done().completeExceptionally(e instanceof IOException io ? io : new IOException(e)));
                try {
                    Thread.sleep(100); // a failing disk is not retried in a tight loop
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            batch.clear();
        }
        queue.forEach(p -> p.done().completeExceptionally(new IOException("the log " + origin + " closed")));
    }

    private long checkpointWaitMillis() {
        if (size == checkpointed) {
            return 1_000; // nothing new to checkpoint: wait for an append
        }
        long due = lastCheckpointMillis + policy.checkpointInterval().toMillis() - clock.millis();
        return Math.max(1, Math.min(due, 1_000));
    }

    /** Writes {@code batch}, their hashes and (when due) a checkpoint in one synced write; then tells the appenders. */
    private void commit(List<Pending> batch) throws IOException, RocksDBException {
        long n = size;
        boolean due = n + batch.size() > checkpointed && (n + batch.size() - checkpointed >= policy.checkpointEntries()
                || clock.millis() - lastCheckpointMillis >= policy.checkpointInterval().toMillis());
        if (batch.isEmpty() && !due) {
            return;
        }
        java.util.Map<String, byte[]> written = new java.util.HashMap<>(); // hashes of this batch, not yet in the database
        String note = null;
        try (WriteBatch write = new WriteBatch()) {
            for (Pending p : batch) {
                write.put(key('e', n), p.entry());
                byte[] hash = Merkle.leafHash(p.entry());
                put(write, written, 0, n, hash);
                // Each leaf that completes a perfect subtree completes its parent, and so on up.
                long index = n;
                for (int level = 0; (index & 1) == 1; level++, index >>>= 1) {
                    byte[] left = hashOf(written, level, index - 1);
                    hash = Merkle.nodeHash(left, hash);
                    put(write, written, level + 1, index >>> 1, hash);
                }
                n++;
            }
            write.put(SIZE, ByteBuffer.allocate(8).putLong(n).array());
            long treeSize = n;
            if (due) {
                byte[] root = treeSize == 0 ? Merkle.emptyRoot() : Merkle.root((level, index) -> hashOf(written, level, index), treeSize);
                try {
                    note = new Checkpoint(origin, treeSize, root).sign(key);
                } catch (SignedNote.NoteException e) {
                    throw new IOException(e.getMessage(), e);
                }
                write.put(key('c', treeSize), note.getBytes(StandardCharsets.UTF_8));
            }
            db.write(sync, write);
            commits.incrementAndGet();
            size = n;
            if (due) {
                checkpointed = n;
                lastCheckpointMillis = clock.millis();
            }
        }
        long index = n - batch.size();
        for (Pending p : batch) {
            p.done().complete(index++);
        }
        for (Listener listener : listeners) {
            try {
                listener.written(n, Optional.ofNullable(note));
            } catch (RuntimeException e) {
                log.warn("a listener of the log {} failed: {}", origin, e.toString());
            }
        }
    }

    private void put(WriteBatch write, java.util.Map<String, byte[]> written, int level, long index, byte[] hash) throws RocksDBException {
        write.put(nodeKey(level, index), hash);
        written.put(level + "/" + index, hash);
    }

    private byte[] hashOf(java.util.Map<String, byte[]> written, int level, long index) throws IOException {
        byte[] hash = written.get(level + "/" + index);
        return hash != null ? hash : node(level, index);
    }

    private void requireSize(long treeSize) throws IOException {
        if (treeSize < 0 || treeSize > size) {
            throw new IOException("the log " + origin + " holds " + size + " entries, not " + treeSize);
        }
    }

    byte[] get(byte[] key) throws IOException {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IOException("reading the log " + origin + " failed: " + e.getMessage(), e);
        }
    }

    static byte[] key(char kind, long index) {
        return ByteBuffer.allocate(9).put((byte) kind).putLong(index).array();
    }

    static byte[] nodeKey(int level, long index) {
        return ByteBuffer.allocate(10).put((byte) 'n').put((byte) level).putLong(index).array();
    }

    /** Stops the writer after the appends already queued; then closes the database. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
        }
        try {
            if (writer.isAlive()) {
                writer.join(10_000);
            }
            if (writer.isAlive()) {
                // Still writing: closing the database under it would free what it uses. Left to the process's exit.
                log.error("the log {} did not stop writing within 10 s; its database is left open", origin);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sync.close();
        db.close();
        options.close();
    }
}
