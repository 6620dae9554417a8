package dk.spejl.signing;

import com.google.protobuf.ByteString;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SignedDelegation;

/** Signs key delegations with the root key, in their own signature context. */
public final class DelegationSigner {
    public static final String CONTEXT = "spejl/delegation/v1";

    private DelegationSigner() {
    }

    /** A delegation of {@code keys} (the first is the one to sign with), withdrawing {@code revoked}. */
    public static KeyDelegation delegation(String hubId, long version, long issuedAtMillis, long expiresAtMillis,
                                           java.util.List<Ed25519.PublicKey> keys, java.util.Collection<String> revoked) {
        KeyDelegation.Builder b = KeyDelegation.newBuilder().setHubId(hubId).setVersion(version)
                .setIssuedAtMillis(issuedAtMillis).setExpiresAtMillis(expiresAtMillis).addAllRevokedKeyIds(revoked);
        for (Ed25519.PublicKey key : keys) {
            b.addKeys(dk.spejl.wire.SigningKey.newBuilder().setKeyId(key.keyId()).setPublicKey(ByteString.copyFrom(key.encoded())));
        }
        return b.build();
    }

    public static SignedDelegation sign(KeyDelegation delegation, Ed25519.PrivateKey root) {
        byte[] bytes = delegation.toByteArray();
        return SignedDelegation.newBuilder().setDelegation(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(Ed25519.sign(root, CONTEXT, bytes)))
                .setRootPublicKey(ByteString.copyFrom(root.publicKey().encoded())).build();
    }
}
