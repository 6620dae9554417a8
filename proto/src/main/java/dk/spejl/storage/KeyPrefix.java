package dk.spejl.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One kind of entry in a RocksDB database that holds several, told apart by a key prefix
 * ({@code r/} for records, {@code m/} for manifests, ...): how its keys are made and read back,
 * and the first key past all of them, which bounds an iteration.
 */
public final class KeyPrefix {
    private final byte[] bytes;
    private final byte[] upperBound;

    private KeyPrefix(byte[] bytes) {
        if (bytes.length == 0 || (bytes[bytes.length - 1] & 0xff) == 0xff) {
            throw new IllegalArgumentException("a key prefix is non-empty and does not end in 0xff");
        }
        this.bytes = bytes;
        this.upperBound = Arrays.copyOf(bytes, bytes.length);
        upperBound[upperBound.length - 1]++;
    }

    public static KeyPrefix of(String prefix) {
        return new KeyPrefix(utf8(prefix));
    }

    /** The key of the entry named {@code suffix}. */
    public byte[] key(String suffix) {
        byte[] rest = utf8(suffix);
        byte[] key = Arrays.copyOf(bytes, bytes.length + rest.length);
        System.arraycopy(rest, 0, key, bytes.length, rest.length);
        return key;
    }

    /** The name a key under this prefix carries after it. */
    public String suffix(byte[] key) {
        return new String(key, bytes.length, key.length - bytes.length, StandardCharsets.UTF_8);
    }

    public boolean holds(byte[] key) {
        return key.length >= bytes.length && Arrays.equals(key, 0, bytes.length, bytes, 0, bytes.length);
    }

    /** The smallest key under this prefix. */
    public byte[] first() {
        return bytes.clone();
    }

    /** The smallest key past every key under this prefix. */
    public byte[] upperBound() {
        return upperBound.clone();
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
