package dk.spejl.hub.publish.memory;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.wire.ObjectRef;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Objects in a map: for tests that need a publisher or a hub without a disk behind its objects. Nothing survives the JVM. */
public final class InMemoryObjectStore implements ObjectStore {
    private final ConcurrentMap<String, ByteString> objects = new ConcurrentHashMap<>();

    @Override
    public ObjectRef put(byte[] bytes) {
        byte[] digest = Sha256.of(bytes);
        objects.putIfAbsent(Sha256.hex(digest), ByteString.copyFrom(bytes));
        return ObjectRef.newBuilder().setDigest(ByteString.copyFrom(digest)).setSize(bytes.length).build();
    }

    @Override
    public Optional<Reader> open(byte[] digest) {
        if (digest.length != Sha256.BYTES) {
            return Optional.empty();
        }
        return Optional.ofNullable(objects.get(Sha256.hex(digest))).map(Reader::of);
    }

    @Override
    public Set<String> list() {
        return new TreeSet<>(objects.keySet());
    }

    @Override
    public void delete(String hexDigest) {
        objects.remove(hexDigest);
    }
}
