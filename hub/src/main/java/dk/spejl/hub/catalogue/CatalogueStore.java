package dk.spejl.hub.catalogue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The hub's authoritative catalogue in RocksDB: the records (with their hub-only fields), every
 * retained signed manifest, and the lattice of the head revision. A publish lands here in one
 * synced WriteBatch, so a revision is all there or not there (invariant 6).
 */
public final class CatalogueStore implements AutoCloseable {
    private static final byte[] LATTICE = bytes("h/lattice");
    private static final String RECORD = "r/";
    private static final String MANIFEST = "m/";
    private static final String OBJECT = "o/";
    private static final String SNAPSHOT = "s/";
    private static final String REVOKED = "x/";
    /** Field 1 (the record), length-delimited: (1 << 3) | 2. */
    private static final int RECORD_TAG = HubRecord.RECORD_FIELD_NUMBER << 3 | 2;

    static {
        RocksDB.loadLibrary();
    }

    private final Options options;
    private final RocksDB db;
    private final WriteOptions syncWrites = new WriteOptions().setSync(true);
    private final WriteOptions walWrites = new WriteOptions();
    private volatile Head head;
    private volatile long oldestRevision;

    /** The published head: its signed manifest and the lattice behind its state digest. */
    public record Head(SignedManifest signed, Manifest manifest, byte[] manifestDigest, LtHash lattice) {
        public long revision() {
            return manifest.getRevision();
        }

        public long entryCount() {
            return manifest.getEntryCount();
        }
    }

    /** Everything one publish changes, committed together; {@code snapshotIndex} when it wrote a snapshot of itself. */
    public record Commit(List<HubRecord> puts, List<String> deletes, SignedManifest manifest, LtHash lattice,
                         dk.spejl.wire.ObjectRef snapshotIndex) {
    }

    private CatalogueStore(Options options, RocksDB db) {
        this.options = options;
        this.db = db;
    }

    public static CatalogueStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            CatalogueStore store = new CatalogueStore(options, RocksDB.open(options, dir.toString()));
            store.head = store.readHead();
            List<Long> revisions = store.manifestRevisions();
            store.oldestRevision = revisions.isEmpty() ? 0 : revisions.get(0);
            return store;
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the catalogue at " + dir + ": " + e.getMessage(), e);
        }
    }

    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    public Optional<HubRecord> get(String id) throws IOException {
        byte[] value = read(bytes(RECORD + id));
        return value == null ? Optional.empty() : Optional.of(parseRecord(value));
    }

    /** The canonical bytes of a record as spokes hold it (the mirrored projection), or null. */
    public byte[] projection(String id) {
        try {
            byte[] value = read(bytes(RECORD + id));
            return value == null ? null : canonicalOf(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<SignedManifest> manifest(long revision) throws IOException {
        byte[] value = read(manifestKey(revision));
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SignedManifest.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("stored manifest " + revision + " is corrupt", e);
        }
    }

    /**
     * Records a finished snapshot. Not forced to disk on its own: the publish that names it syncs
     * the log, and the log is written in order, so the record and the chunks before it are durable
     * no later than the manifest that names them.
     */
    public void recordSnapshot(long revision, dk.spejl.wire.ObjectRef index) throws IOException {
        try {
            db.put(walWrites, snapshotKey(revision), index.toByteArray());
        } catch (RocksDBException e) {
            throw new IOException("recording snapshot " + revision + " failed: " + e.getMessage(), e);
        }
    }

    /** Finished snapshots, oldest first: revision and index. */
    public java.util.NavigableMap<Long, dk.spejl.wire.ObjectRef> snapshots() throws IOException {
        java.util.TreeMap<Long, byte[]> raw = new java.util.TreeMap<>();
        forEachUnder(SNAPSHOT, (suffix, value) -> raw.put(Long.parseUnsignedLong(suffix, 16), value));
        java.util.TreeMap<Long, dk.spejl.wire.ObjectRef> snapshots = new java.util.TreeMap<>();
        for (var e : raw.entrySet()) {
            snapshots.put(e.getKey(), dk.spejl.wire.ObjectRef.parseFrom(e.getValue()));
        }
        return snapshots;
    }

    /**
     * Drops snapshot records below {@code revision}, synced: object files are deleted outside the
     * log, so the records that name them must be gone for good first.
     */
    public void deleteSnapshotsBelow(long revision) throws IOException {
        try {
            db.deleteRange(syncWrites, snapshotKey(0), snapshotKey(revision));
        } catch (RocksDBException e) {
            throw new IOException("pruning snapshots failed: " + e.getMessage(), e);
        }
    }

    /** Records that the spoke name's certificates are no longer accepted. */
    public void revoke(String spokeName) throws IOException {
        try {
            db.put(syncWrites, bytes(REVOKED + spokeName), bytes(java.time.Instant.now().toString()));
        } catch (RocksDBException e) {
            throw new IOException("recording the revocation failed: " + e.getMessage(), e);
        }
    }

    public List<String> revokedNames() {
        List<String> names = new ArrayList<>();
        forEachUnder(REVOKED, (suffix, value) -> names.add(suffix));
        return names;
    }

    /** The oldest revision whose manifest (and delta) is still retained. */
    public long oldestRevision() {
        return oldestRevision;
    }

    /** The revisions of all retained manifests, oldest first. */
    public List<Long> manifestRevisions() {
        List<Long> revisions = new ArrayList<>();
        forEachKeyUnder(MANIFEST, suffix -> revisions.add(Long.parseUnsignedLong(suffix, 16)));
        return revisions;
    }

    public void commit(Commit commit) throws IOException {
        try (WriteBatch batch = new WriteBatch()) {
            for (HubRecord put : commit.puts()) {
                batch.put(bytes(RECORD + put.getRecord().getId()), stored(put));
            }
            for (String id : commit.deletes()) {
                batch.delete(bytes(RECORD + id));
            }
            Manifest manifest = Manifest.parseFrom(commit.manifest().getManifest());
            batch.put(manifestKey(manifest.getRevision()), commit.manifest().toByteArray());
            batch.put(LATTICE, commit.lattice().toBytes());
            if (commit.snapshotIndex() != null) {
                batch.put(snapshotKey(manifest.getRevision()), commit.snapshotIndex().toByteArray());
            }
            db.write(syncWrites, batch);
            head = new Head(commit.manifest(), manifest, ManifestSigner.digest(commit.manifest()), commit.lattice().copy());
        } catch (RocksDBException e) {
            throw new IOException("commit failed: " + e.getMessage(), e);
        }
    }

    /** Drops manifests below {@code revision}, synced, like {@link #deleteSnapshotsBelow}. */
    public void deleteManifestsBelow(long revision) throws IOException {
        try {
            db.deleteRange(syncWrites, manifestKey(0), manifestKey(revision));
            oldestRevision = Math.max(oldestRevision, revision);
        } catch (RocksDBException e) {
            throw new IOException("pruning manifests failed: " + e.getMessage(), e);
        }
    }

    /**
     * Keeps a small published object in the catalogue's own log. It is not forced to disk on its
     * own: the synced commit that publishes a manifest naming it also makes it durable, because
     * RocksDB's log is written in order. One sync per publish instead of one per file.
     */
    public void putObject(String hexDigest, byte[] bytes) throws IOException {
        try {
            db.put(walWrites, bytes(OBJECT + hexDigest), bytes);
        } catch (RocksDBException e) {
            throw new IOException("storing object failed: " + e.getMessage(), e);
        }
    }

    public byte[] getObject(String hexDigest) throws IOException {
        return read(bytes(OBJECT + hexDigest));
    }

    public void deleteObject(String hexDigest) throws IOException {
        try {
            db.delete(walWrites, bytes(OBJECT + hexDigest));
        } catch (RocksDBException e) {
            throw new IOException("deleting object failed: " + e.getMessage(), e);
        }
    }

    public List<String> objectNames() {
        List<String> names = new ArrayList<>();
        forEachKeyUnder(OBJECT, names::add);
        return names;
    }

    /** Iterates the records in id order. Close it. */
    public RecordCursor records() {
        return new RecordCursor(db);
    }

    /** A stored record as snapshots need it: its id and its canonical bytes, without parsing the record. */
    public record StoredRecord(String id, byte[] canonical) {
    }

    /** Records in id order, as read from a consistent RocksDB snapshot. */
    public static final class RecordCursor implements Iterator<StoredRecord>, AutoCloseable {
        private final org.rocksdb.Snapshot snapshot;
        private final ReadOptions readOptions;
        private final Slice upper;
        private final RocksIterator it;
        private final RocksDB db;

        private RecordCursor(RocksDB db) {
            this.db = db;
            this.snapshot = db.getSnapshot();
            this.upper = new Slice(bytes("r0"));
            this.readOptions = new ReadOptions().setSnapshot(snapshot).setIterateUpperBound(upper).setReadaheadSize(4 << 20);
            this.it = db.newIterator(readOptions);
            it.seek(bytes(RECORD));
        }

        @Override
        public boolean hasNext() {
            return it.isValid();
        }

        @Override
        public StoredRecord next() {
            if (!it.isValid()) {
                throw new NoSuchElementException();
            }
            try {
                byte[] key = it.key();
                String id = new String(key, RECORD.length(), key.length - RECORD.length(), StandardCharsets.UTF_8);
                return new StoredRecord(id, canonicalOf(it.value()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                it.next();
            }
        }

        @Override
        public void close() {
            it.close();
            readOptions.close();
            upper.close();
            db.releaseSnapshot(snapshot);
        }
    }

    private Head readHead() throws IOException {
        List<Long> revisions = manifestRevisions();
        if (revisions.isEmpty()) {
            return null;
        }
        SignedManifest signed = manifest(revisions.get(revisions.size() - 1)).orElseThrow();
        byte[] lattice = read(LATTICE);
        if (lattice == null) {
            throw new IOException("catalogue has manifests but no lattice: the store is damaged");
        }
        return new Head(signed, Manifest.parseFrom(signed.getManifest()), ManifestSigner.digest(signed), LtHash.fromBytes(lattice));
    }

    private byte[] read(byte[] key) throws IOException {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IOException("catalogue read failed: " + e.getMessage(), e);
        }
    }

    /**
     * A record as stored: a HubRecord whose field 1 holds exactly the canonical bytes of the
     * mirrored projection. Writing it by hand makes that a property of the format rather than
     * of the protobuf library's field order, so snapshots and state digests can copy the
     * canonical bytes out of a stored value without parsing and re-serialising the record.
     */
    static byte[] stored(HubRecord record) {
        byte[] canonical = Canonical.bytes(record.getRecord());
        String uri = record.getStorageUri();
        int size = CodedOutputStream.computeByteArraySize(HubRecord.RECORD_FIELD_NUMBER, canonical)
                + (uri.isEmpty() ? 0 : CodedOutputStream.computeStringSize(HubRecord.STORAGE_URI_FIELD_NUMBER, uri));
        byte[] out = new byte[size];
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        try {
            stream.writeByteArray(HubRecord.RECORD_FIELD_NUMBER, canonical);
            if (!uri.isEmpty()) {
                stream.writeString(HubRecord.STORAGE_URI_FIELD_NUMBER, uri);
            }
            stream.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("serialising into an array cannot fail", e);
        }
        return out;
    }

    /** The canonical record bytes inside a stored value (field 1), read without parsing the record. */
    static byte[] canonicalOf(byte[] stored) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(stored);
        byte[] canonical = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (tag == RECORD_TAG) {
                canonical = in.readByteArray();
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        if (canonical == null) {
            throw new IOException("a stored record is corrupt: it has no record field");
        }
        return canonical;
    }

    private static HubRecord parseRecord(byte[] value) throws IOException {
        try {
            return HubRecord.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("a stored record is corrupt", e);
        }
    }

    private static byte[] snapshotKey(long revision) {
        return bytes(SNAPSHOT + String.format("%016x", revision));
    }

    private static byte[] manifestKey(long revision) {
        return bytes(MANIFEST + String.format("%016x", revision));
    }

    /** Visits every key under a prefix in key order: (the rest of the key, the value). */
    private void forEachUnder(String prefix, java.util.function.BiConsumer<String, byte[]> visitor) {
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(bytes(prefix)); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                visitor.accept(new String(it.key(), StandardCharsets.UTF_8).substring(prefix.length()), it.value());
            }
        }
    }

    /** Like {@link #forEachUnder} without copying values out of RocksDB (objects are large). */
    private void forEachKeyUnder(String prefix, java.util.function.Consumer<String> visitor) {
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(bytes(prefix)); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                visitor.accept(new String(it.key(), StandardCharsets.UTF_8).substring(prefix.length()));
            }
        }
    }

    private static boolean startsWith(byte[] key, String prefix) {
        if (key.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (key[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        syncWrites.close();
        walWrites.close();
        db.close();
        options.close();
    }
}
