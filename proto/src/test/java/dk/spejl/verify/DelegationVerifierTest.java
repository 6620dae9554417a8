package dk.spejl.verify;

import com.google.protobuf.ByteString;
import dk.spejl.digest.LtHash;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedDelegation;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DelegationVerifierTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final long DAY = 86_400_000L;
    private final SecureRandom random = new SecureRandom();
    private final Ed25519.PrivateKey root = Ed25519.generate(random);
    private final String pin = root.publicKey().fingerprint();
    private final Ed25519.PrivateKey online = Ed25519.generate(random);
    private final Ed25519.PrivateKey next = Ed25519.generate(random);

    private SignedDelegation delegation(long version, long expires, List<Ed25519.PrivateKey> keys, Set<String> revoked) {
        return DelegationSigner.sign(DelegationSigner.delegation("ngc", version, NOW - DAY, expires,
                keys.stream().map(Ed25519.PrivateKey::publicKey).toList(), revoked), root);
    }

    private SignedDelegation delegation(long version, List<Ed25519.PrivateKey> keys) {
        return delegation(version, NOW + 30 * DAY, keys, Set.of());
    }

    @Test
    void acceptsADelegationSignedByThePinnedRoot() throws Exception {
        TrustedKeys trusted = DelegationVerifier.verify(pin, delegation(1, List.of(online, next)), Optional.empty(), Optional.empty(), NOW);
        assertThat(trusted.hubId()).isEqualTo("ngc");
        assertThat(trusted.version()).isEqualTo(1);
        assertThat(trusted.keysById()).containsOnlyKeys(online.publicKey().keyId(), next.publicKey().keyId());
        assertThat(trusted.delegation().orElseThrow().getKeys(0).getKeyId()).isEqualTo(online.publicKey().keyId());
    }

    @Test
    void refusesADelegationFromAnotherRoot() {
        Ed25519.PrivateKey stranger = Ed25519.generate(random);
        SignedDelegation forged = DelegationSigner.sign(KeyDelegation.newBuilder().setHubId("ngc").setVersion(9)
                .setExpiresAtMillis(NOW + DAY).build(), stranger);
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, forged, Optional.empty(), Optional.empty(), NOW))
                .isInstanceOf(UntrustedKeyException.class).hasMessageContaining(pin);
    }

    @Test
    void refusesADelegationWhoseBytesWereChangedAfterSigning() {
        SignedDelegation genuine = delegation(1, List.of(online));
        KeyDelegation widened = DelegationVerifier.parse(genuine).toBuilder().setExpiresAtMillis(Long.MAX_VALUE).build();
        SignedDelegation tampered = genuine.toBuilder().setDelegation(widened.toByteString()).build();
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, tampered, Optional.empty(), Optional.empty(), NOW))
                .isInstanceOf(BadSignatureException.class);
    }

    @Test
    void refusesAnExpiredDelegation() {
        SignedDelegation expired = delegation(2, NOW - 1, List.of(online), Set.of());
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, expired, Optional.empty(), Optional.empty(), NOW))
                .isInstanceOf(ExpiredDelegationException.class);
    }

    @Test
    void refusesALowerVersionAndAnotherStatementOfTheSameVersion() throws Exception {
        SignedDelegation v3 = delegation(3, List.of(next));
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, delegation(2, List.of(online)), Optional.of(v3), Optional.of("ngc"), NOW))
                .isInstanceOf(DelegationRollbackException.class).hasMessageContaining("older");
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, delegation(3, List.of(online)), Optional.of(v3), Optional.of("ngc"), NOW))
                .isInstanceOf(DelegationRollbackException.class);
        assertThat(DelegationVerifier.verify(pin, v3, Optional.of(v3), Optional.of("ngc"), NOW).version()).isEqualTo(3);
        assertThat(DelegationVerifier.verify(pin, delegation(4, List.of(online)), Optional.of(v3), Optional.of("ngc"), NOW).version())
                .isEqualTo(4);
    }

    @Test
    void refusesAnotherHubsDelegation() {
        SignedDelegation other = DelegationSigner.sign(DelegationSigner.delegation("elsewhere", 5, NOW, NOW + DAY,
                List.of(online.publicKey()), Set.of()), root);
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, other, Optional.empty(), Optional.of("ngc"), NOW))
                .isInstanceOf(WrongHubException.class);
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, other, Optional.of(delegation(1, List.of(online))), Optional.empty(), NOW))
                .isInstanceOf(WrongHubException.class);
    }

    @Test
    void refusesADelegationWithoutKeysOrWithAMislabelledKey() {
        SignedDelegation none = delegation(1, List.of());
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, none, Optional.empty(), Optional.empty(), NOW))
                .isInstanceOf(MalformedException.class);
        KeyDelegation mislabelled = DelegationSigner.delegation("ngc", 1, NOW, NOW + DAY, List.of(online.publicKey()), Set.of())
                .toBuilder().setKeys(0, dk.spejl.wire.SigningKey.newBuilder().setKeyId(next.publicKey().keyId())
                        .setPublicKey(ByteString.copyFrom(online.publicKey().encoded()))).build();
        assertThatThrownBy(() -> DelegationVerifier.verify(pin, DelegationSigner.sign(mislabelled, root), Optional.empty(), Optional.empty(), NOW))
                .isInstanceOf(MalformedException.class);
    }

    @Test
    void aRevokedKeyIsRefusedByNameAndAKeyNeverDelegatedAsUnknown() throws Exception {
        TrustedKeys v2 = DelegationVerifier.verify(pin, delegation(2, NOW + DAY, List.of(next), Set.of(online.publicKey().keyId())),
                Optional.empty(), Optional.empty(), NOW);
        ManifestVerifier manifests = new ManifestVerifier(v2, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        assertThatThrownBy(() -> manifests.verify(new ManifestSigner(online).sign(snapshotManifest()), Optional.empty()))
                .isInstanceOf(RevokedKeyException.class).hasMessageContaining("version 2");
        Ed25519.PrivateKey stranger = Ed25519.generate(random);
        assertThatThrownBy(() -> manifests.verify(new ManifestSigner(stranger).sign(snapshotManifest()), Optional.empty()))
                .isInstanceOf(UnknownKeyException.class);
        assertThat(manifests.verify(new ManifestSigner(next).sign(snapshotManifest()), Optional.empty()).revision()).isEqualTo(1);
        HeartbeatVerifier heartbeats = new HeartbeatVerifier(v2);
        Heartbeat beat = Heartbeat.newBuilder().setHubId("ngc").setHeadRevision(1).setIssuedAtMillis(NOW).setExpiresAtMillis(NOW + 60_000).build();
        assertThatThrownBy(() -> heartbeats.verify(new HeartbeatSigner(online).sign(beat), Optional.empty(), 0, NOW))
                .isInstanceOf(RevokedKeyException.class);
    }

    @Test
    void nothingIsAcceptedUnderADelegationOnceItHasExpired() throws Exception {
        TrustedKeys trusted = DelegationVerifier.verify(pin, delegation(1, NOW + DAY, List.of(online), Set.of()),
                Optional.empty(), Optional.empty(), NOW);
        ManifestVerifier later = new ManifestVerifier(trusted, Clock.fixed(Instant.ofEpochMilli(NOW + DAY), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.verify(new ManifestSigner(online).sign(snapshotManifest()), Optional.empty()))
                .isInstanceOf(ExpiredDelegationException.class);
        Heartbeat beat = Heartbeat.newBuilder().setHubId("ngc").setHeadRevision(1).setIssuedAtMillis(NOW + DAY)
                .setExpiresAtMillis(NOW + 2 * DAY).build();
        assertThatThrownBy(() -> new HeartbeatVerifier(trusted).verify(new HeartbeatSigner(online).sign(beat), Optional.empty(), 0, NOW + DAY))
                .isInstanceOf(ExpiredDelegationException.class);
    }

    private static Manifest snapshotManifest() {
        ObjectRef ref = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[32])).setSize(1).build();
        return Manifest.newBuilder().setHubId("ngc").setRevision(1).setStateDigest(ByteString.copyFrom(LtHash.empty().digest()))
                .setDelta(ref).setSnapshotRevision(1).setSnapshotIndex(ref).setSchemaVersion(ManifestVerifier.SCHEMA_VERSION).build();
    }
}
