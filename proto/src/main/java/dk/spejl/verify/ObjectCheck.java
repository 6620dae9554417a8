package dk.spejl.verify;

import dk.spejl.digest.Sha256;
import dk.spejl.wire.ObjectRef;

import java.security.MessageDigest;

/** Every byte a spoke accepts is checked against a digest a signature covers (invariant 4). */
public final class ObjectCheck {
    private ObjectCheck() {
    }

    public static void verify(ObjectRef ref, byte[] bytes) throws ObjectSizeException, ObjectDigestException {
        verify(ref, bytes.length, Sha256.of(bytes));
    }

    /** For an object hashed as it streamed past: its length and the SHA-256 of its bytes. */
    public static void verify(ObjectRef ref, long length, byte[] actual) throws ObjectSizeException, ObjectDigestException {
        if (length != ref.getSize()) {
            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray()) + " has "
                    + length + " bytes, the manifest says " + ref.getSize());
        }
        if (!MessageDigest.isEqual(actual, ref.getDigest().toByteArray())) {
            throw new ObjectDigestException("object " + Sha256.shortHex(ref.getDigest().toByteArray())
                    + " hashes to " + Sha256.shortHex(actual));
        }
    }
}
