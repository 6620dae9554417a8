package dk.spejl.hub.catalogue;

import dk.spejl.digest.LtHash;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The hub's authoritative catalogue: records, manifests and snapshot records, each in its own
 * small store over one RocksDB database. A publish lands in one synced batch across them
 * ({@link #commit}), so a revision is all there or not there (invariant 6, docs/design.md).
 */
public final class CatalogueStore implements AutoCloseable {
    private final CatalogueDatabase db;
    private final RecordStore records;
    private final ManifestStore manifests;
    private final SnapshotStore snapshots;

    /**
     * Everything one publish changes, committed together; {@code snapshotIndex} when it wrote a snapshot of itself;
     * {@code bridgedFrom} when it is a bridge revision: the manifest (learned from a spoke) it chains to.
     */
    public record Commit(List<HubRecord> puts, List<String> deletes, SignedManifest manifest, LtHash lattice, ObjectRef snapshotIndex,
                         SignedManifest bridgedFrom) {
        public Commit(List<HubRecord> puts, List<String> deletes, SignedManifest manifest, LtHash lattice, ObjectRef snapshotIndex) {
            this(puts, deletes, manifest, lattice, snapshotIndex, null);
        }
    }

    private CatalogueStore(CatalogueDatabase db) throws IOException {
        this.db = db;
        this.records = new RecordStore(db);
        this.manifests = new ManifestStore(db);
        this.snapshots = new SnapshotStore(db);
    }

    public static CatalogueStore open(Path dir) throws IOException {
        return over(CatalogueDatabase.open(dir));
    }

    /** Opens for reading only, beside a running hub. */
    public static CatalogueStore openReadOnly(Path dir) throws IOException {
        return over(CatalogueDatabase.openReadOnly(dir));
    }

    private static CatalogueStore over(CatalogueDatabase db) throws IOException {
        try {
            return new CatalogueStore(db);
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    public RecordStore records() {
        return records;
    }

    public ManifestStore manifests() {
        return manifests;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** The database the stores share, for the hub's other small stores (small objects, revocations). */
    public CatalogueDatabase database() {
        return db;
    }

    public Optional<Head> head() {
        return manifests.head();
    }

    /** Writes a revision: its records, manifest and lattice, and its own snapshot if it wrote one, in one synced batch. */
    public void commit(Commit commit) throws IOException {
        Manifest manifest = Manifest.parseFrom(commit.manifest().getManifest());
        try (WriteBatch batch = new WriteBatch()) {
            for (HubRecord put : commit.puts()) {
                records.put(batch, put);
            }
            for (String id : commit.deletes()) {
                records.delete(batch, id);
            }
            manifests.put(batch, commit.manifest(), manifest, commit.lattice());
            if (commit.snapshotIndex() != null) {
                snapshots.put(batch, manifest.getRevision(), commit.snapshotIndex());
            }
            if (commit.bridgedFrom() != null) {
                manifests.putBridged(batch, commit.bridgedFrom());
            }
            db.write(batch);
        } catch (RocksDBException e) {
            throw new IOException("commit failed: " + e.getMessage(), e);
        }
        manifests.committed(new Head(commit.manifest(), manifest, ManifestSigner.digest(commit.manifest()), commit.lattice().copy()));
    }

    @Override
    public void close() {
        db.close();
    }
}
