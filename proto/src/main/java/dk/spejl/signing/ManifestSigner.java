package dk.spejl.signing;

import dk.spejl.digest.Sha256;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

/** Signs manifests with the hub's online key. */
public final class ManifestSigner {
    /** Signature context for manifests; other statements use other contexts. */
    public static final String CONTEXT = "spejl/manifest/v1";

    private final Ed25519.PrivateKey key;
    private final Ed25519.Signer signer;
    private final String keyId;

    public ManifestSigner(Ed25519.PrivateKey key) {
        this.key = key;
        this.signer = Ed25519.signer(key);
        this.keyId = key.publicKey().keyId();
    }

    public String keyId() {
        return keyId;
    }

    public Ed25519.PublicKey publicKey() {
        return key.publicKey();
    }

    /** Fills in the key id, serialises once and signs those exact bytes. */
    public SignedManifest sign(Manifest manifest) {
        byte[] bytes = manifest.toBuilder().setKeyId(keyId).build().toByteArray();
        return SignedManifest.newBuilder()
                .setManifest(com.google.protobuf.ByteString.copyFrom(bytes))
                .setSignature(com.google.protobuf.ByteString.copyFrom(signer.sign(CONTEXT, bytes)))
                .build();
    }

    /** A manifest's digest, which the next manifest chains to: SHA-256 of the signed bytes. */
    public static byte[] digest(SignedManifest signed) {
        return Sha256.of(signed.getManifest().toByteArray());
    }
}
