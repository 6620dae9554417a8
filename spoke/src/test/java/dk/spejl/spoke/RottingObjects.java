package dk.spejl.spoke;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.hub.publish.memory.InMemoryObjectStore;
import dk.spejl.wire.ObjectRef;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * Objects in memory that read back with a flipped bit while {@code rotten} names them, or, while {@code rotNew} is
 * set, once they were put: a hub store that rots under a test's control.
 */
final class RottingObjects implements ObjectStore {
    private final InMemoryObjectStore inner = new InMemoryObjectStore();
    volatile String rotten = "";
    volatile boolean rotNew;
    private final Set<String> rotted = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public ObjectRef put(byte[] bytes) {
        ObjectRef ref = inner.put(bytes);
        if (rotNew) {
            rotted.add(Sha256.hex(ref.getDigest().toByteArray()));
        }
        return ref;
    }

    @Override
    public Optional<Reader> open(byte[] digest) throws IOException {
        String hex = Sha256.hex(digest);
        if (!hex.equals(rotten) && !rotted.contains(hex)) {
            return inner.open(digest);
        }
        byte[] bytes = inner.readAll(digest);
        bytes[bytes.length / 2] ^= 0x10;
        return Optional.of(Reader.of(ByteString.copyFrom(bytes)));
    }

    @Override
    public Set<String> list() {
        return inner.list();
    }

    @Override
    public void delete(String hexDigest) {
        inner.delete(hexDigest);
    }
}
