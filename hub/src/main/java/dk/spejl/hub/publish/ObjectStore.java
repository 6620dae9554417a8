package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.wire.ObjectRef;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable objects named by the SHA-256 of their bytes (invariant 4). Any store that can
 * keep and serve bytes by name will do: a directory, an HTTP cache, an S3-compatible bucket.
 */
public interface ObjectStore {

    /** Stores the bytes durably (idempotent) and returns their name and size. */
    ObjectRef put(byte[] bytes) throws IOException;

    /** Opens an object for reading from any offset, or empty when the store does not hold it. */
    Optional<Reader> open(byte[] digest) throws IOException;

    /** Hex names of every stored object. */
    Set<String> list() throws IOException;

    void delete(String hexDigest) throws IOException;

    default byte[] readAll(byte[] digest) throws IOException {
        try (Reader reader = open(digest).orElseThrow(() -> new IOException("no object " + dk.spejl.digest.Sha256.hex(digest)))) {
            return reader.read(0, Math.toIntExact(reader.size())).toByteArray();
        }
    }

    interface Reader extends Closeable {
        long size();

        /** Up to {@code max} bytes starting at {@code offset}; empty at the end. */
        ByteString read(long offset, int max) throws IOException;

        /** A reader over bytes held in memory. */
        static Reader of(ByteString bytes) {
            return new Reader() {
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
            };
        }
    }
}
