package dk.spejl.spoke.replica;

import dk.spejl.digest.LtHash;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.storage.KeyPrefix;
import dk.spejl.storage.PrefixCursor;
import dk.spejl.verify.StateTransition;
import dk.spejl.verify.VerifiedManifest;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;
import org.rocksdb.IngestExternalFileOptions;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * The spoke's verified copy of the catalogue in RocksDB. It only ever changes in two ways,
 * both all-or-nothing (invariant 2):
 * <ul>
 *   <li>{@link #apply}: one delta, its records and the new manifest and lattice in one WriteBatch;</li>
 *   <li>{@link #install}: a database built on the side from a snapshot, switched in by an atomic
 *       rename of the {@code CURRENT} pointer file.</li>
 * </ul>
 * Whatever a crash interrupts, the replica reopens at a revision some manifest signs.
 */
public final class Replica implements AutoCloseable {
    static final Logger log = LoggerFactory.getLogger(Replica.class);
    private static final String POINTER = "CURRENT";
    static final byte[] MANIFEST = bytes("m/manifest");
    static final byte[] LATTICE = bytes("m/lattice");
    static final byte[] KEY = bytes("m/signing_key");
    static final byte[] VERIFIED_AT = bytes("m/verified_at");
    /** Records live under {@code r/<id>}, the key layout of the hub's snapshot chunks. */
    static final KeyPrefix RECORDS = KeyPrefix.of("r/");

    static {
        RocksDB.loadLibrary();
    }

    private final Path root;
    private final boolean readOnly;
    private final WriteOptions writes;
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private final Object stateChanged = new Object();
    /**
     * What one change to the replica touched: the ids of the records a delta put or deleted, or, when
     * {@code replaced}, everything (a bootstrap switched in a new database).
     */
    public record Change(long revision, List<String> ids, boolean replaced) {
    }

    private final List<java.util.function.Consumer<Change>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The live database; null while the replica is empty. Replaced only under the swap lock's write side. */
    private Generation live;
    private volatile ReplicaState state;

    private Replica(Path root, boolean readOnly, boolean syncWrites) {
        this.root = root;
        this.readOnly = readOnly;
        this.writes = new WriteOptions().setSync(syncWrites);
    }

    /**
     * Opens the replica under {@code root}, or an empty one. Leftovers of an interrupted
     * bootstrap are deleted: only the database {@code CURRENT} names is real.
     */
    public static Replica open(Path root, boolean syncWrites) throws IOException {
        Files.createDirectories(root);
        Replica replica = new Replica(root, false, syncWrites);
        Optional<String> current = replica.readPointer();
        Optional<String> keep = current.map(c -> Path.of(c).getName(0).toString());
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.equals(POINTER) && keep.map(k -> !k.equals(name)).orElse(true)) {
                    log.info("removing {} left by an interrupted bootstrap", entry);
                    deleteTree(entry);
                }
            }
        }
        if (current.isPresent()) {
            replica.openDb(root.resolve(current.get()));
        }
        return replica;
    }

    /** Opens for reading only, beside a running spoke (for {@code verify}). */
    public static Replica openReadOnly(Path root) throws IOException {
        Replica replica = new Replica(root, true, false);
        Optional<String> current = replica.readPointer();
        if (current.isPresent()) {
            replica.openDb(root.resolve(current.get()));
        }
        return replica;
    }

    public Optional<ReplicaState> state() {
        return Optional.ofNullable(state);
    }

    /**
     * A view of the revision held now, or empty for an empty replica. The state is read from the view itself,
     * so it is the revision of exactly the records the view sees.
     */
    public Optional<ReplicaView> view() throws IOException {
        swap.readLock().lock();
        try {
            if (live == null) {
                return Optional.empty();
            }
            Generation generation = live;
            generation.acquire();
            org.rocksdb.Snapshot snapshot = generation.db.getSnapshot();
            org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot);
            try {
                ReplicaState at = readState(key -> {
                    try {
                        return generation.db.get(read, key);
                    } catch (RocksDBException e) {
                        throw new IOException("reading the replica failed: " + e.getMessage(), e);
                    }
                });
                return Optional.of(new ReplicaView(generation, snapshot, read, at));
            } catch (IOException | RuntimeException e) {
                read.close();
                generation.db.releaseSnapshot(snapshot);
                generation.release();
                throw e;
            }
        } finally {
            swap.readLock().unlock();
        }
    }

    /** The canonical bytes of a record, or null. */
    public byte[] get(String id) {
        swap.readLock().lock();
        try {
            return live == null ? null : live.db.get(RECORDS.key(id));
        } catch (RocksDBException e) {
            throw new IllegalStateException("replica read failed: " + e.getMessage(), e);
        } finally {
            swap.readLock().unlock();
        }
    }

    /** Applies one verified delta: records, manifest, lattice and time in one WriteBatch. */
    public void apply(VerifiedManifest manifest, StateTransition.Result change, Ed25519.PublicKey key, Instant now) throws IOException {
        swap.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            for (StateTransition.Put put : change.puts()) {
                batch.put(RECORDS.key(put.id()), put.canonical());
            }
            for (String id : change.deletes()) {
                batch.delete(RECORDS.key(id));
            }
            putMeta(batch, manifest.signed(), change.lattice(), key, now);
            live.db.write(writes, batch);
        } catch (RocksDBException e) {
            throw new IOException("applying revision " + manifest.revision() + " failed: " + e.getMessage(), e);
        } finally {
            swap.readLock().unlock();
        }
        setState(new ReplicaState(manifest.signed(), manifest.manifest(), manifest.digest(), change.lattice().copy(), key, now));
        List<String> ids = new java.util.ArrayList<>(change.puts().size() + change.deletes().size());
        change.puts().forEach(put -> ids.add(put.id()));
        ids.addAll(change.deletes());
        changed(new Change(manifest.revision(), ids, false));
    }

    /** Tells {@code listener}, on the applying thread and after the commit, of every change from now on. */
    public void onChange(java.util.function.Consumer<Change> listener) {
        listeners.add(listener);
    }

    public void removeChangeListener(java.util.function.Consumer<Change> listener) {
        listeners.remove(listener);
    }

    private void changed(Change change) {
        for (var listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                log.warn("a replica change listener failed at revision {}: {}", change.revision(), e.toString());
            }
        }
    }

    /** Deletes a bootstrap's build directory after it failed: it holds up to a catalogue-sized copy. */
    public void abandonBuild(Path buildDir) {
        if (!buildDir.getParent().equals(root) || !buildDir.getFileName().toString().startsWith("build-")) {
            throw new IllegalArgumentException(buildDir + " is not a build directory of this replica");
        }
        swap.writeLock().lock();
        try {
            if (live != null && live.dir.startsWith(buildDir)) {
                return; // switched in before the failure (cleaning up the old database failed): it is the live replica now
            }
            deleteTree(buildDir);
        } catch (IOException e) {
            log.warn("could not delete {} after a failed bootstrap: {}; it goes at the next start", buildDir, e.toString());
        } finally {
            swap.writeLock().unlock();
        }
    }

    /** A fresh directory to build a bootstrap in, beside the live database. */
    public Path newBuildDir(long revision) throws IOException {
        return Files.createDirectories(root.resolve("build-" + revision + "-" + System.nanoTime()));
    }

    /**
     * Creates a database in {@code buildDir} from sorted, non-overlapping SST files, records the
     * manifest in it, then switches {@code CURRENT} to it atomically and drops the old database.
     */
    public void install(Path buildDir, List<Path> sstFiles, VerifiedManifest manifest, LtHash lattice,
                        Ed25519.PublicKey key, Instant now) throws IOException {
        Path newDb = buildDir.resolve("db");
        Options newOptions = ReplicaOptions.create();
        RocksDB built = null;
        try {
            built = RocksDB.open(newOptions, newDb.toString());
            if (!sstFiles.isEmpty()) {
                try (IngestExternalFileOptions ingest = new IngestExternalFileOptions().setMoveFiles(true)) {
                    built.ingestExternalFile(sstFiles.stream().map(Path::toString).toList(), ingest);
                }
            }
            try (WriteBatch batch = new WriteBatch(); WriteOptions synced = new WriteOptions().setSync(true)) {
                putMeta(batch, manifest.signed(), lattice, key, now);
                built.write(synced, batch);
            }
            built.flush(new org.rocksdb.FlushOptions().setWaitForFlush(true));
        } catch (RocksDBException e) {
            if (built != null) {
                built.close(); // before its files are deleted with the build directory
            }
            newOptions.close();
            throw new IOException("building the replica of revision " + manifest.revision() + " failed: " + e.getMessage(), e);
        }
        String relative = root.relativize(newDb).toString();
        swap.writeLock().lock();
        try {
            writePointer(relative);
            Generation old = live;
            live = new Generation(built, newOptions, newDb);
            // The state moves with the database, before any reader can see the one without the other (invariant 2).
            setState(new ReplicaState(manifest.signed(), manifest.manifest(), manifest.digest(), lattice.copy(), key, now));
            if (old != null) {
                // Closed, and its directory deleted, at once, or when the last view of it is closed.
                old.retire(true);
            }
        } finally {
            swap.writeLock().unlock();
        }
        changed(new Change(manifest.revision(), List.of(), true));
    }

    /**
     * Visits every record in id order, (id, canonical bytes), from one point-in-time view of the
     * database, and returns the signed state held in that same view: a revision applied while the
     * visit runs is in neither, so the records and the state always belong together.
     */
    public ReplicaState scan(BiConsumer<String, byte[]> visitor) throws IOException {
        swap.readLock().lock();
        try {
            if (live == null) {
                throw new IOException("the replica is empty: it holds no signed revision");
            }
            try (PrefixCursor records = PrefixCursor.open(live.db, RECORDS)) {
                ReplicaState held = readState(records::get);
                for (; records.valid(); records.next()) {
                    visitor.accept(records.name(), records.value());
                }
                return held;
            }
        } finally {
            swap.readLock().unlock();
        }
    }

    /** Blocks until the replica holds at least {@code revision}, or the timeout passes. */
    public boolean awaitRevision(long revision, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (stateChanged) {
            while (state == null || state.revision() < revision) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                stateChanged.wait(left);
            }
            return true;
        }
    }

    private void setState(ReplicaState next) {
        synchronized (stateChanged) {
            state = next;
            stateChanged.notifyAll();
        }
    }

    private void putMeta(WriteBatch batch, SignedManifest signed, LtHash lattice, Ed25519.PublicKey key, Instant now)
            throws RocksDBException {
        batch.put(MANIFEST, signed.toByteArray());
        batch.put(LATTICE, lattice.toBytes());
        batch.put(KEY, key.encoded());
        batch.put(VERIFIED_AT, ByteBuffer.allocate(8).putLong(now.toEpochMilli()).array());
    }

    private void openDb(Path dir) throws IOException {
        Options options = ReplicaOptions.create();
        try {
            RocksDB db = readOnly ? RocksDB.openReadOnly(options, dir.toString()) : RocksDB.open(options, dir.toString());
            live = new Generation(db, options, dir);
            state = readState(key -> {
                try {
                    return db.get(key);
                } catch (RocksDBException e) {
                    throw new IOException("reading the replica failed: " + e.getMessage(), e);
                }
            });
        } catch (RocksDBException e) {
            throw new IOException("cannot open the replica at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads one key, from the live database or from a point-in-time view of it. */
    @FunctionalInterface
    private interface Reads {
        byte[] get(byte[] key) throws IOException;
    }

    /** The signed state the database holds, as {@code read} sees it. */
    private ReplicaState readState(Reads read) throws IOException {
        byte[] manifest = read.get(MANIFEST);
        if (manifest == null) {
            throw new IOException("replica database " + (live == null ? root : live.dir) + " holds no manifest: it is damaged");
        }
        SignedManifest signed = SignedManifest.parseFrom(manifest);
        return new ReplicaState(signed, Manifest.parseFrom(signed.getManifest()), ManifestSigner.digest(signed),
                LtHash.fromBytes(read.get(LATTICE)), new Ed25519.PublicKey(read.get(KEY)),
                Instant.ofEpochMilli(ByteBuffer.wrap(read.get(VERIFIED_AT)).getLong()));
    }

    private Optional<String> readPointer() throws IOException {
        Path pointer = root.resolve(POINTER);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(pointer, StandardCharsets.UTF_8).trim());
    }

    private void writePointer(String relative) throws IOException {
        dk.spejl.io.DurableFile.write(root.resolve(POINTER), (relative + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void closeDb() {
        if (live != null) {
            live.retire(false); // closed once the last view of it is closed
            live = null;
        }
    }

    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        swap.writeLock().lock();
        try {
            closeDb();
            writes.close();
        } finally {
            swap.writeLock().unlock();
        }
    }
}
