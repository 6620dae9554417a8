package dk.spejl.verify;

import com.google.protobuf.ByteString;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeartbeatVerifierTest {
    private final Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
    private final HeartbeatSigner signer = new HeartbeatSigner(key);
    private final HeartbeatVerifier verifier = new HeartbeatVerifier(TrustedKeys.of("ngc", key.publicKey()));

    private static Heartbeat heartbeat(long head, long issued, long expires) {
        return Heartbeat.newBuilder().setHubId("ngc").setHeadRevision(head).setIssuedAtMillis(issued).setExpiresAtMillis(expires).build();
    }

    @Test
    void acceptsAFreshHeartbeat() throws Exception {
        assertThat(verifier.verify(signer.sign(heartbeat(5, 1000, 2000)), Optional.empty(), 5, 1500).getHeadRevision()).isEqualTo(5);
    }

    @Test
    void rejectsAReplayOrAnOlderHeartbeat() {
        Heartbeat accepted = heartbeat(5, 1000, 9000);
        assertThatThrownBy(() -> verifier.verify(signer.sign(accepted), Optional.of(accepted), 5, 1500))
                .isInstanceOf(ReplayedHeartbeatException.class);
        assertThatThrownBy(() -> verifier.verify(signer.sign(heartbeat(5, 900, 9000)), Optional.of(accepted), 5, 1500))
                .isInstanceOf(ReplayedHeartbeatException.class);
    }

    @Test
    void rejectsAnExpiredHeartbeat() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(heartbeat(5, 1000, 2000)), Optional.empty(), 5, 2000))
                .isInstanceOf(ExpiredHeartbeatException.class);
    }

    @Test
    void rejectsAHeadOlderThanTheHeldRevision() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(heartbeat(4, 1000, 2000)), Optional.empty(), 5, 1500))
                .isInstanceOf(RollbackException.class);
    }

    @Test
    void aManifestSignatureIsNotAHeartbeatSignature() {
        // The same key signs both; the contexts keep one from passing as the other.
        byte[] bytes = heartbeat(5, 1000, 2000).toBuilder().setKeyId(key.publicKey().keyId()).build().toByteArray();
        byte[] manifestContextSignature = Ed25519.sign(key, ManifestSigner.CONTEXT, bytes);
        SignedHeartbeat forged = SignedHeartbeat.newBuilder().setHeartbeat(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(manifestContextSignature)).build();
        assertThatThrownBy(() -> verifier.verify(forged, Optional.empty(), 5, 1500)).isInstanceOf(BadSignatureException.class);
    }

    @Test
    void rejectsAnotherHubsHeartbeat() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(heartbeat(5, 1000, 2000).toBuilder().setHubId("x").build()), Optional.empty(), 5, 1500))
                .isInstanceOf(WrongHubException.class);
    }

    @Test
    void rejectsAHeartbeatIssuedFurtherAheadThanTheClockSkewAllows() throws Exception {
        HeartbeatVerifier skewed = new HeartbeatVerifier(TrustedKeys.of("ngc", key.publicKey()), java.time.Duration.ofSeconds(10));
        assertThatThrownBy(() -> skewed.verify(signer.sign(heartbeat(5, 1500 + 10_001, 90_000)), Optional.empty(), 5, 1500))
                .isInstanceOf(FutureHeartbeatException.class).hasMessageContaining("ahead of this spoke's clock");
        assertThat(skewed.verify(signer.sign(heartbeat(5, 1500 + 10_000, 90_000)), Optional.empty(), 5, 1500).getHeadRevision()).isEqualTo(5);
        assertThatThrownBy(() -> verifier.verify(signer.sign(heartbeat(5, 1500 + 300_001, 900_000)), Optional.empty(), 5, 1500))
                .as("five minutes by default").isInstanceOf(FutureHeartbeatException.class);
    }

    @Test
    void aHeartbeatNamingTheHeldRevisionMustNameTheHeldManifest() throws Exception {
        byte[] held = new byte[32];
        held[0] = 7;
        Position position = new Position(5, held);
        Heartbeat same = heartbeat(5, 1000, 2000).toBuilder().setHeadManifestDigest(ByteString.copyFrom(held)).build();
        assertThat(verifier.verify(signer.sign(same), Optional.empty(), Optional.of(position), 1500).getHeadRevision()).isEqualTo(5);
        Heartbeat other = same.toBuilder().setHeadManifestDigest(ByteString.copyFrom(new byte[32])).build();
        assertThatThrownBy(() -> verifier.verify(signer.sign(other), Optional.empty(), Optional.of(position), 1500))
                .isInstanceOf(HeadMismatchException.class);
        // A head further on is not compared: the spoke has not seen that manifest yet.
        Heartbeat ahead = heartbeat(6, 1000, 2000).toBuilder().setHeadManifestDigest(ByteString.copyFrom(new byte[32])).build();
        assertThat(verifier.verify(signer.sign(ahead), Optional.empty(), Optional.of(position), 1500).getHeadRevision()).isEqualTo(6);
    }
}
