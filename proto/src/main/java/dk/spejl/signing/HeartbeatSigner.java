package dk.spejl.signing;

import com.google.protobuf.ByteString;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;

/** Signs heartbeats with the hub's online key, in their own signature context. */
public final class HeartbeatSigner {
    public static final String CONTEXT = "spejl/heartbeat/v1";

    private final Ed25519.Signer signer;
    private final String keyId;

    public HeartbeatSigner(Ed25519.PrivateKey key) {
        this.signer = Ed25519.signer(key);
        this.keyId = key.publicKey().keyId();
    }

    public SignedHeartbeat sign(Heartbeat heartbeat) {
        byte[] bytes = heartbeat.toBuilder().setKeyId(keyId).build().toByteArray();
        return SignedHeartbeat.newBuilder().setHeartbeat(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(signer.sign(CONTEXT, bytes))).build();
    }
}
