package dk.spejl.verify;

import dk.spejl.digest.Sha256;
import dk.spejl.wire.ObjectRef;

import java.security.MessageDigest;

/** Every byte a spoke accepts is checked against a digest a signature covers (invariant 4). */
public final class ObjectCheck {
    private ObjectCheck() {
    }

    public static void verify(ObjectRef ref, byte[] bytes) throws ObjectSizeException, ObjectDigestException {
        if (bytes.length != ref.getSize()) {
            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray()) + " has "
                    + bytes.length + " bytes, the manifest says " + ref.getSize());
        }
        byte[] actual = Sha256.of(bytes);
        if (!MessageDigest.isEqual(actual, ref.getDigest().toByteArray())) {
            throw new ObjectDigestException("object " + Sha256.shortHex(ref.getDigest().toByteArray())
                    + " hashes to " + Sha256.shortHex(actual));
        }
    }
}
