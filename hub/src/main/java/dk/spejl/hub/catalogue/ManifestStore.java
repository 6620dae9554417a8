package dk.spejl.hub.catalogue;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.LtHash;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.storage.KeyPrefix;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Every retained signed manifest, under {@code m/<revision in hex>}, and the lattice of the head
 * revision. The newest manifest is the head; it moves only in a publish's commit.
 */
public final class ManifestStore {
    private static final KeyPrefix PREFIX = KeyPrefix.of("m/");
    private static final byte[] LATTICE = KeyPrefix.utf8("h/lattice");
    /** Manifests of this hub learned from spokes after a restore, which a bridge revision chains to; never collected. */
    private static final KeyPrefix BRIDGED = KeyPrefix.of("b/");

    private final CatalogueDatabase db;
    private volatile Head head;
    private volatile long oldestRevision;

    ManifestStore(CatalogueDatabase db) throws IOException {
        this.db = db;
        List<Long> revisions = revisions();
        this.oldestRevision = revisions.isEmpty() ? 0 : revisions.get(0);
        this.head = revisions.isEmpty() ? null : readHead(revisions.get(revisions.size() - 1));
    }

    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    public Optional<SignedManifest> get(long revision) throws IOException {
        byte[] value = db.get(key(revision));
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SignedManifest.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("stored manifest " + revision + " is corrupt", e);
        }
    }

    /** The oldest revision whose manifest (and delta) is still retained. */
    public long oldestRevision() {
        return oldestRevision;
    }

    /** The revisions of all retained manifests, oldest first. */
    public List<Long> revisions() {
        return db.names(PREFIX).stream().map(hex -> Long.parseUnsignedLong(hex, 16)).toList();
    }

    /** Drops manifests below {@code revision}, synced: the objects they name are deleted outside the log. */
    public void deleteBelow(long revision) throws IOException {
        db.deleteRange(key(0), key(revision));
        oldestRevision = Math.max(oldestRevision, revision);
    }

    /**
     * The manifest of {@code revision} that a bridge revision chains to, if the hub learned one from a spoke: the newest
     * a spoke held when this hub, restored from a backup, was behind it.
     */
    public Optional<SignedManifest> bridged(long revision) throws IOException {
        byte[] value = db.get(BRIDGED.key(String.format("%016x", revision)));
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SignedManifest.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("stored bridged manifest " + revision + " is corrupt", e);
        }
    }

    /** The revisions of the learned manifests that bridge revisions chain to, oldest first. */
    public List<Long> bridgedRevisions() {
        return db.names(BRIDGED).stream().map(hex -> Long.parseUnsignedLong(hex, 16)).toList();
    }

    void putBridged(WriteBatch batch, SignedManifest learned) throws RocksDBException {
        try {
            batch.put(BRIDGED.key(String.format("%016x", Manifest.parseFrom(learned.getManifest()).getRevision())), learned.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("a learned manifest that does not parse", e);
        }
    }

    /** Adds the new head to a publish's batch. */
    void put(WriteBatch batch, SignedManifest signed, Manifest manifest, LtHash lattice) throws RocksDBException {
        batch.put(key(manifest.getRevision()), signed.toByteArray());
        batch.put(LATTICE, lattice.toBytes());
    }

    /** Called once the batch that {@link #put} the head into is durable. */
    void committed(Head committed) {
        head = committed;
    }

    private Head readHead(long revision) throws IOException {
        SignedManifest signed = get(revision).orElseThrow();
        byte[] lattice = db.get(LATTICE);
        if (lattice == null) {
            throw new IOException("catalogue has manifests but no lattice: the store is damaged");
        }
        return new Head(signed, Manifest.parseFrom(signed.getManifest()), ManifestSigner.digest(signed), LtHash.fromBytes(lattice));
    }

    private static byte[] key(long revision) {
        return PREFIX.key(String.format("%016x", revision));
    }
}
