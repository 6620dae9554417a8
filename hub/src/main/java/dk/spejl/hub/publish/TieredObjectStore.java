package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.fs.FileObjectStore;
import dk.spejl.wire.ObjectRef;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Small objects (single-record deltas, snapshot chunks, indexes) live in the catalogue's
 * RocksDB, so a publish costs one disk sync; large ones (the delta of a big ingest) are files.
 * Either way an object is named by its SHA-256 and never changes.
 */
public final class TieredObjectStore implements ObjectStore {
    /** Objects up to this size go to RocksDB. */
    public static final int SMALL_OBJECT_BYTES = 4 << 20;

    private final CatalogueStore catalogue;
    private final FileObjectStore files;

    public TieredObjectStore(CatalogueStore catalogue, FileObjectStore files) {
        this.catalogue = catalogue;
        this.files = files;
    }

    @Override
    public ObjectRef put(byte[] bytes) throws IOException {
        if (bytes.length > SMALL_OBJECT_BYTES) {
            return files.put(bytes);
        }
        byte[] digest = Sha256.of(bytes);
        catalogue.putObject(Sha256.hex(digest), bytes);
        return ObjectRef.newBuilder().setDigest(ByteString.copyFrom(digest)).setSize(bytes.length).build();
    }

    @Override
    public Optional<Reader> open(byte[] digest) throws IOException {
        if (digest.length != Sha256.BYTES) {
            return Optional.empty();
        }
        byte[] small = catalogue.getObject(Sha256.hex(digest));
        if (small == null) {
            return files.open(digest);
        }
        ByteString bytes = ByteString.copyFrom(small);
        return Optional.of(new Reader() {
            @Override
            public long size() {
                return bytes.size();
            }

            @Override
            public ByteString read(long offset, int max) {
                int from = (int) Math.min(offset, bytes.size());
                return bytes.substring(from, (int) Math.min(bytes.size(), (long) from + max));
            }

            @Override
            public void close() {
            }
        });
    }

    @Override
    public Set<String> list() throws IOException {
        Set<String> names = new HashSet<>(catalogue.objectNames());
        names.addAll(files.list());
        return names;
    }

    @Override
    public void delete(String hexDigest) throws IOException {
        catalogue.deleteObject(hexDigest);
        files.delete(hexDigest);
    }
}
