package dk.spejl.verify;

import com.google.protobuf.ByteString;
import dk.spejl.digest.LtHash;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedDelegation;
import dk.spejl.wire.SignedManifest;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules that relate what the hub sends to what a spoke holds, one step at a time. */
class TrustChainTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final long DAY = 86_400_000L;
    private final SecureRandom random = new SecureRandom();
    private final Ed25519.PrivateKey root = Ed25519.generate(random);
    private final String pin = root.publicKey().fingerprint();
    private final Ed25519.PrivateKey leaked = Ed25519.generate(random);
    private final Ed25519.PrivateKey live = Ed25519.generate(random);
    private final CountingClock clock = new CountingClock(NOW);

    /** A fixed clock that counts how often it is asked. */
    private static final class CountingClock extends Clock {
        final AtomicInteger reads = new AtomicInteger();
        private final long millis;

        CountingClock(long millis) {
            this.millis = millis;
        }

        @Override
        public long millis() {
            reads.incrementAndGet();
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private SignedDelegation delegation(long version, Ed25519.PrivateKey key, Set<String> revoked) {
        return DelegationSigner.sign(DelegationSigner.delegation("ngc", version, NOW - DAY, NOW + 30 * DAY, List.of(key.publicKey()), revoked), root);
    }

    private TrustChain chain(SignedDelegation delegation) throws VerificationException {
        return TrustChain.open(pin, delegation, Optional.empty(), Optional.of("ngc"), clock, Duration.ofMinutes(5));
    }

    private static Manifest.Builder manifest(long revision, byte[] previous, boolean snapshot) {
        ObjectRef ref = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[32])).setSize(1).build();
        return Manifest.newBuilder().setHubId("ngc").setRevision(revision).setPreviousManifestDigest(ByteString.copyFrom(previous))
                .setStateDigest(ByteString.copyFrom(LtHash.empty().digest())).setDelta(ref)
                .setSnapshotRevision(snapshot ? revision : 0).setSnapshotIndex(ref).setSchemaVersion(ManifestVerifier.SCHEMA_VERSION);
    }

    private static TrustChain.Held held(SignedManifest signed) throws Exception {
        Manifest m = Manifest.parseFrom(signed.getManifest());
        return new TrustChain.Held(new Position(m.getRevision(), ManifestSigner.digest(signed)), m.getKeyId(), LtHash.empty(), 0);
    }

    private Heartbeat heartbeat(Ed25519.PrivateKey key, long head) throws Exception {
        return Heartbeat.parseFrom(new HeartbeatSigner(key).sign(Heartbeat.newBuilder().setHubId("ngc").setHeadRevision(head)
                .setIssuedAtMillis(NOW).setExpiresAtMillis(NOW + 60_000).build()).getHeartbeat());
    }

    @Test
    void anEmptyReplicaStartsFromASnapshotOnly() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        ManifestSigner signer = new ManifestSigner(live);
        assertThat(chain.manifest(signer.sign(manifest(4, new byte[32], true).build()), Optional.empty(), Optional.empty(), false,
                Optional.empty()).route()).isEqualTo(TrustChain.Route.SNAPSHOT);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(4, new byte[32], false).build()), Optional.empty(), Optional.empty(),
                false, Optional.empty())).isInstanceOf(RevisionGapException.class);
    }

    @Test
    void theNextRevisionIsADeltaUnlessItIsHugeAndASnapshotIsAtHand() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        ManifestSigner signer = new ManifestSigner(live);
        SignedManifest five = signer.sign(manifest(5, new byte[32], true).build());
        TrustChain.Held held = held(five);
        TrustChain.Next six = chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), false).build()), Optional.empty(),
                Optional.of(held), false, Optional.empty());
        assertThat(six.route()).isEqualTo(TrustChain.Route.DELTA);
        assertThat(six.key().keyId()).isEqualTo(live.publicKey().keyId());
        assertThat(six.distrusted()).isEmpty();
        ObjectRef huge = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[32])).setSize(TrustChain.PREFER_SNAPSHOT_ABOVE + 1).build();
        assertThat(chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), true).setDelta(huge).build()), Optional.empty(),
                Optional.of(held), false, Optional.empty()).route()).isEqualTo(TrustChain.Route.SNAPSHOT);
        assertThat(chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), false).setDelta(huge).build()), Optional.empty(),
                Optional.of(held), false, Optional.empty()).route()).as("no snapshot to prefer").isEqualTo(TrustChain.Route.DELTA);
        assertThat(chain.manifest(signer.sign(manifest(9, new byte[32], true).build()), Optional.empty(), Optional.of(held), false,
                Optional.empty()).route()).as("a later revision, with its snapshot").isEqualTo(TrustChain.Route.SNAPSHOT);
    }

    @Test
    void aBridgeRevisionWithoutADeltaChainsToTheHeldOneAndIsReachedByItsSnapshotOnly() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        ManifestSigner signer = new ManifestSigner(live);
        TrustChain.Held held = held(signer.sign(manifest(5, new byte[32], true).build()));
        TrustChain.Next bridge = chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), true).clearDelta().build()),
                Optional.empty(), Optional.of(held), false, Optional.empty());
        assertThat(bridge.route()).isEqualTo(TrustChain.Route.SNAPSHOT);
        assertThatThrownBy(() -> chain.delta(bridge, new byte[0], held, id -> null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(6, new byte[32], true).clearDelta().build()), Optional.empty(),
                Optional.of(held), false, Optional.empty())).as("it must still chain").isInstanceOf(BrokenChainException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), false).clearDelta().build()),
                Optional.empty(), Optional.of(held), false, Optional.empty()))
                .as("no delta and no snapshot: nothing to reach it by").isInstanceOf(MalformedException.class)
                .hasMessageContaining("has no delta and no snapshot of its own");
    }

    @Test
    void forwardOnlyAndTheChainHoldWhileTheHeldKeyIsLive() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        ManifestSigner signer = new ManifestSigner(live);
        TrustChain.Held held = held(signer.sign(manifest(5, new byte[32], true).build()));
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(5, new byte[32], true).build()), Optional.empty(), Optional.of(held), false,
                Optional.empty())).isInstanceOf(RollbackException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(2, new byte[32], true).build()), Optional.empty(), Optional.of(held), false,
                Optional.empty())).isInstanceOf(RollbackException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(6, new byte[32], false).build()), Optional.empty(), Optional.of(held), false,
                Optional.empty())).isInstanceOf(BrokenChainException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(8, new byte[32], false).build()), Optional.empty(), Optional.of(held), false,
                Optional.empty())).isInstanceOf(RevisionGapException.class);
    }

    @Test
    void aHeadForgedWithARevokedKeyIsGivenUpForALowerSnapshotUnderALiveKey() throws Exception {
        // The leaked key signed revision 2^62; the rotation to version 2 revokes it.
        TrustChain.Held forged = held(new ManifestSigner(leaked).sign(manifest(1L << 62, new byte[32], true).build()));
        TrustChain chain = chain(delegation(2, live, Set.of(leaked.publicKey().keyId())));
        ManifestSigner signer = new ManifestSigner(live);
        TrustChain.Next next = chain.manifest(signer.sign(manifest(40, new byte[32], true).build()), Optional.empty(), Optional.of(forged),
                false, Optional.empty());
        assertThat(next.route()).isEqualTo(TrustChain.Route.SNAPSHOT);
        assertThat(next.revision()).isEqualTo(40);
        assertThat(next.distrusted()).contains(new TrustChain.DistrustedHead(1L << 62, leaked.publicKey().keyId(), 2));
        // Without a snapshot there is nothing to start over from.
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(40, new byte[32], false).build()), Optional.empty(), Optional.of(forged),
                false, Optional.empty())).isInstanceOf(RevisionGapException.class);
        // Nor below a head that a heartbeat under a live key has named.
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(40, new byte[32], true).build()), Optional.empty(), Optional.of(forged),
                false, Optional.of(heartbeat(live, 41)))).isInstanceOf(RollbackException.class).hasMessageContaining("named head 41");
        // A heartbeat under the revoked key bounds nothing.
        assertThat(chain.manifest(signer.sign(manifest(40, new byte[32], true).build()), Optional.empty(), Optional.of(forged), false,
                Optional.of(heartbeat(leaked, 1L << 62))).revision()).isEqualTo(40);
        // And the leaked key itself is refused by name.
        assertThatThrownBy(() -> chain.manifest(new ManifestSigner(leaked).sign(manifest((1L << 62) + 1, new byte[32], true).build()),
                Optional.empty(), Optional.of(forged), false, Optional.empty())).isInstanceOf(RevokedKeyException.class);
    }

    @Test
    void aRevisionThatContinuesAHeldRevisionUnderARevokedKeyIsTakenAsADelta() throws Exception {
        TrustChain.Held held = held(new ManifestSigner(leaked).sign(manifest(7, new byte[32], true).build()));
        TrustChain chain = chain(delegation(2, live, Set.of(leaked.publicKey().keyId())));
        TrustChain.Next next = chain.manifest(new ManifestSigner(live).sign(manifest(8, held.position().manifestDigest(), false).build()),
                Optional.empty(), Optional.of(held), false, Optional.empty());
        assertThat(next.route()).isEqualTo(TrustChain.Route.DELTA);
        assertThat(next.distrusted()).isEmpty();
    }

    @Test
    void aRebuildTakesOnlyANewerSnapshot() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        ManifestSigner signer = new ManifestSigner(live);
        TrustChain.Held held = held(signer.sign(manifest(5, new byte[32], true).build()));
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(5, new byte[32], true).build()), Optional.empty(), Optional.of(held), true,
                Optional.empty())).isInstanceOf(NothingNewerException.class);
        assertThatThrownBy(() -> chain.manifest(signer.sign(manifest(9, new byte[32], false).build()), Optional.empty(), Optional.of(held), true,
                Optional.empty())).isInstanceOf(RevisionGapException.class);
        TrustChain.Next next = chain.manifest(signer.sign(manifest(6, held.position().manifestDigest(), true).build()), Optional.empty(),
                Optional.of(held), true, Optional.empty());
        assertThat(next.route()).as("even the next revision: its delta is what failed").isEqualTo(TrustChain.Route.SNAPSHOT);
    }

    @Test
    void eachStepAsksTheClockOnce() throws Exception {
        ManifestSigner signer = new ManifestSigner(live);
        clock.reads.set(0);
        TrustChain chain = chain(delegation(1, live, Set.of()));
        assertThat(clock.reads.get()).as("keys").isEqualTo(1);
        SignedManifest snapshot = signer.sign(manifest(5, new byte[32], false).build());
        SignedManifest reference = signer.sign(manifest(7, new byte[32], false).setSnapshotRevision(5).build());
        clock.reads.set(0);
        chain.manifest(snapshot, Optional.of(reference), Optional.empty(), false, Optional.empty());
        assertThat(clock.reads.get()).as("a manifest and its snapshot reference").isEqualTo(1);
        clock.reads.set(0);
        chain.heartbeat(new HeartbeatSigner(live).sign(Heartbeat.newBuilder().setHubId("ngc").setHeadRevision(5).setIssuedAtMillis(NOW)
                .setExpiresAtMillis(NOW + 60_000).build()), Optional.empty(), Optional.of(new Position(5, null)));
        assertThat(clock.reads.get()).as("a heartbeat").isEqualTo(1);
    }

    @Test
    void aRotationMustFollowTheChainsDelegation() throws Exception {
        TrustChain v2 = chain(delegation(2, live, Set.of()));
        assertThatThrownBy(() -> v2.rotate(delegation(1, live, Set.of()))).isInstanceOf(DelegationRollbackException.class);
        assertThat(v2.rotate(delegation(3, leaked, Set.of(live.publicKey().keyId()))).trust().version()).isEqualTo(3);
    }

    @Test
    void aDeltaIsCheckedOnlyOnTheDeltaRoute() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        TrustChain.Next snapshot = chain.manifest(new ManifestSigner(live).sign(manifest(4, new byte[32], true).build()), Optional.empty(),
                Optional.empty(), false, Optional.empty());
        TrustChain.Held held = new TrustChain.Held(new Position(3, new byte[32]), live.publicKey().keyId(), LtHash.empty(), 0);
        assertThatThrownBy(() -> chain.delta(snapshot, new byte[1], held, id -> null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSnapshotOfTheOldChunkFormatIsNotStartedFrom() throws Exception {
        TrustChain chain = chain(delegation(1, live, Set.of()));
        TrustChain.Next old = chain.manifest(new ManifestSigner(live).sign(manifest(4, new byte[32], true).setSchemaVersion(1).build()),
                Optional.empty(), Optional.empty(), false, Optional.empty());
        assertThatThrownBy(() -> chain.snapshotIndex(old, new byte[0])).isInstanceOf(UnsupportedSchemaException.class);
    }

    @Test
    void aStoredRevisionVerifiesUnderTheHeldDelegationWhateverHasExpiredSince() throws Exception {
        SignedDelegation expired = DelegationSigner.sign(DelegationSigner.delegation("ngc", 1, NOW - 2 * DAY, NOW - DAY,
                List.of(live.publicKey()), Set.of()), root);
        SignedManifest stored = new ManifestSigner(live).sign(manifest(5, new byte[32], true).build());
        assertThat(TrustChain.stored(pin, expired, stored, "ngc").version()).isEqualTo(1);
        SignedManifest tampered = stored.toBuilder().setManifest(manifest(6, new byte[32], true).setKeyId(live.publicKey().keyId())
                .build().toByteString()).build();
        assertThatThrownBy(() -> TrustChain.stored(pin, expired, tampered, "ngc")).isInstanceOf(BadSignatureException.class);
        SignedDelegation revoking = delegation(2, leaked, Set.of(live.publicKey().keyId()));
        assertThatThrownBy(() -> TrustChain.stored(pin, revoking, stored, "ngc")).isInstanceOf(RevokedKeyException.class);
        assertThatThrownBy(() -> TrustChain.stored(pin, expired, stored, "another-hub")).isInstanceOf(WrongHubException.class);
    }
}
