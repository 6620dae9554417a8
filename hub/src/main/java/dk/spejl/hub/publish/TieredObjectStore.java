package dk.spejl.hub.publish;

import dk.spejl.wire.ObjectRef;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Small objects (single-record deltas, snapshot chunks, indexes) go to one store, large ones
 * (the delta of a big ingest) to another. The hub keeps the small ones in the catalogue's
 * RocksDB ({@link SmallObjectStore}), so a publish costs one disk sync, and the large ones as
 * files. Either way an object is named by its SHA-256 and never changes.
 */
public final class TieredObjectStore implements ObjectStore {
    /** Objects up to this size go to the small store. */
    public static final int SMALL_OBJECT_BYTES = 4 << 20;

    private final ObjectStore small;
    private final ObjectStore large;

    public TieredObjectStore(ObjectStore small, ObjectStore large) {
        this.small = small;
        this.large = large;
    }

    @Override
    public ObjectRef put(byte[] bytes) throws IOException {
        return bytes.length > SMALL_OBJECT_BYTES ? large.put(bytes) : small.put(bytes);
    }

    @Override
    public Optional<Reader> open(byte[] digest) throws IOException {
        Optional<Reader> found = small.open(digest);
        return found.isPresent() ? found : large.open(digest);
    }

    @Override
    public Set<String> list() throws IOException {
        Set<String> names = new HashSet<>(small.list());
        names.addAll(large.list());
        return names;
    }

    @Override
    public void delete(String hexDigest) throws IOException {
        small.delete(hexDigest);
        large.delete(hexDigest);
    }
}
