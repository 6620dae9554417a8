package dk.spejl.spoke;

import com.google.protobuf.ByteString;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.SignedHeartbeat;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ManifestEvent;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.TrustInfo;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks from a hostile or broken hub, each over real TLS against a real spoke. Each must be
 * rejected with its own reason, counted, and leave the replica exactly at its verified state.
 */
class AttackTest {
    @TempDir
    Path tmp;

    private Cluster cluster;
    private FakeHub fake;
    private Spoke spoke;
    private List<HubRecord> second;

    @BeforeEach
    void publishGenuineRevisions() throws Exception {
        cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT);
        CatalogueGenerator generator = new CatalogueGenerator(11);
        cluster.put(generator.generate(200));          // revision 1 (with its snapshot)
        second = generator.generate(5);
        cluster.put(second);                            // revision 2
        fake = new FakeHub(cluster.hub, cluster.tls, trust(cluster.hub.keys().delegation()));
        fake.push(List.of(fake.genuine(1, true)));
        spoke = cluster.spokeBuilder("victim").hub(new InetSocketAddress("127.0.0.1", fake.port())).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitRevision(1, Duration.ofSeconds(30))).isTrue();
    }

    @AfterEach
    void stop() {
        cluster.close();
        fake.close();
    }

    @Test
    void rejectsAnObjectWithOneFlippedBit() throws Exception {
        fake.tamperObjects = flipBit(100);
        fake.push(List.of(fake.genuine(2, false)));
        assertRejected("object_digest");
    }

    @Test
    void rejectsADeltaThatDoesNotReproduceTheSignedDigest() throws Exception {
        ManifestEvent genuine = fake.genuine(2, true);
        Manifest manifest = Manifest.parseFrom(genuine.getManifest().getManifest());
        byte[] wrong = manifest.getStateDigest().toByteArray();
        wrong[0] ^= 1;
        SignedManifest resigned = new ManifestSigner(cluster.key()).sign(manifest.toBuilder().setStateDigest(ByteString.copyFrom(wrong)).build());
        fake.push(List.of(genuine.toBuilder().setManifest(resigned).build()));
        assertRejected("state_digest");
    }

    @Test
    void rejectsAManifestWithABadSignature() throws Exception {
        ManifestEvent genuine = fake.genuine(2, true);
        byte[] signature = genuine.getManifest().getSignature().toByteArray();
        signature[5] ^= 0x20;
        fake.push(List.of(genuine.toBuilder().setManifest(genuine.getManifest().toBuilder()
                .setSignature(ByteString.copyFrom(signature))).build()));
        assertRejected("bad_signature");
    }

    @Test
    void rejectsAManifestSignedByAKeyNoDelegationNames() throws Exception {
        Ed25519.PrivateKey other = Ed25519.generate(new SecureRandom());
        Manifest manifest = Manifest.parseFrom(fake.genuine(2, true).getManifest().getManifest());
        fake.push(List.of(fake.genuine(2, true).toBuilder().setManifest(new ManifestSigner(other).sign(manifest)).build()));
        assertRejected("unknown_key");
    }

    @Test
    void rejectsADelegationFromASelfMadeRoot() throws Exception {
        Ed25519.PrivateKey selfMadeRoot = Ed25519.generate(new SecureRandom());
        Ed25519.PrivateKey attackerKey = Ed25519.generate(new SecureRandom());
        fake.trust = trust(DelegationSigner.sign(DelegationSigner.delegation("test-hub", 99, System.currentTimeMillis(),
                System.currentTimeMillis() + 86_400_000L, List.of(attackerKey.publicKey()), Set.of()), selfMadeRoot));
        fake.dropStreams();
        Manifest manifest = Manifest.parseFrom(fake.genuine(2, true).getManifest().getManifest());
        fake.push(List.of(fake.genuine(2, true).toBuilder().setManifest(new ManifestSigner(attackerKey).sign(manifest)).build()));
        assertRejected("untrusted_root");
        assertThat(spoke.delegation().version()).isEqualTo(1);
    }

    @Test
    void rejectsAManifestSignedByARevokedKeyAndMovesOnUnderTheNewOne() throws Exception {
        // The genuine hub rotates, revoking the key that signed revisions 1 and 2, and re-signs its head as revision 3.
        var rotation = cluster.rotate(false);
        assertThat(rotation.getResignedRevision()).isEqualTo(3);
        fake.pushTrust(trust(cluster.hub.keys().delegation()));
        eventually(() -> assertThat(spoke.delegation().version()).isEqualTo(2));
        // Revision 2 is genuine, but signed by the revoked key: a relay or a thief holding that key can no longer use it.
        fake.push(List.of(fake.genuine(2, true)));
        long deadline = System.currentTimeMillis() + 20_000;
        while (failures("revoked_key") < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(failures("revoked_key")).isGreaterThanOrEqualTo(1);
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(1);
        assertThat(spoke.replica().get(second.get(0).getRecord().getId())).isNull();
        assertThat(spoke.check().message()).contains("revokes");
        // The hub's revision 3, signed by the new key, brings the spoke to a state that verifies under delegation 2.
        fake.push(List.of(fake.genuine(3, false)));
        assertThat(spoke.awaitRevision(3, Duration.ofSeconds(30))).isTrue();
        assertThat(spoke.replica().get(second.get(0).getRecord().getId())).isNotNull();
        ReplicaCheck.Outcome check = spoke.check();
        assertThat(check.ok()).as(check.message()).isTrue();
        assertThat(check.message()).contains("delegation version 2");
    }

    @Test
    void aForgeryMadeWithALeakedKeyIsReplacedOnceTheKeyIsRevoked() throws Exception {
        // A thief with the online key signs a revision 2 of their own; the spoke cannot tell, and applies it.
        ManifestEvent genuine = fake.genuine(2, true);
        Manifest manifest = Manifest.parseFrom(genuine.getManifest().getManifest());
        var forgedDelta = dk.spejl.wire.Delta.newBuilder().setHubId("test-hub").setRevision(2).build();
        byte[] forgedBytes = forgedDelta.toByteArray();
        var heldLattice = spoke.replica().state().orElseThrow().lattice();
        SignedManifest forged = new ManifestSigner(cluster.key()).sign(manifest.toBuilder()
                .setDelta(dk.spejl.wire.ObjectRef.newBuilder().setDigest(ByteString.copyFrom(dk.spejl.digest.Sha256.of(forgedBytes)))
                        .setSize(forgedBytes.length))
                .setStateDigest(ByteString.copyFrom(heldLattice.digest()))
                .setEntryCount(spoke.replica().state().orElseThrow().entryCount()).build());
        fake.push(List.of(ManifestEvent.newBuilder().setManifest(forged).setInlineDelta(ByteString.copyFrom(forgedBytes)).build()));
        assertThat(spoke.awaitRevision(2, Duration.ofSeconds(30))).isTrue();
        assertThat(spoke.replica().get(second.get(0).getRecord().getId())).as("the forgery left out the genuine puts").isNull();

        // The leak is found: the operators rotate. The hub's revision 3 does not chain to the forgery, so the spoke
        // starts over from revision 3's snapshot instead of staying on the forger's branch.
        cluster.rotate(false);
        fake.pushTrust(trust(cluster.hub.keys().delegation()));
        fake.push(List.of(fake.genuine(3, false)));
        assertThat(spoke.awaitRevision(3, Duration.ofSeconds(30))).isTrue();
        assertThat(spoke.replica().get(second.get(0).getRecord().getId())).isNotNull();
        ReplicaCheck.Outcome check = spoke.check();
        assertThat(check.ok()).as(check.message()).isTrue();
        assertThat(check.records()).isEqualTo(205);
    }

    @Test
    void anEmptySpokeRefusesASignedSnapshotWhoseChunkIsNotTheTableItsIndexDescribes() throws Exception {
        // Signed with the hub's key and every digest right: the index says its first chunk holds one record more
        // than the SST file does (and the totals agree with it), so only the table check can catch it.
        ManifestEvent genuine = fake.genuine(1, false);
        Manifest manifest = Manifest.parseFrom(genuine.getManifest().getManifest());
        var index = dk.spejl.wire.SnapshotIndex.parseFrom(cluster.hub.objects().readAll(manifest.getSnapshotIndex().getDigest().toByteArray()));
        var chunk = index.getChunks(0);
        var forgedIndex = index.toBuilder().setChunks(0, chunk.toBuilder().setEntryCount(chunk.getEntryCount() + 1))
                .setEntryCount(index.getEntryCount() + 1).build();
        var forgedRef = cluster.hub.objects().put(forgedIndex.toByteArray());
        SignedManifest forged = new ManifestSigner(cluster.key()).sign(manifest.toBuilder().setSnapshotIndex(forgedRef)
                .setEntryCount(manifest.getEntryCount() + 1).build());
        fake.push(List.of(ManifestEvent.newBuilder().setManifest(forged).build()));

        Spoke empty = cluster.spokeBuilder("newcomer").hub(new InetSocketAddress("127.0.0.1", fake.port())).start();
        cluster.spokes.add(empty);
        awaitFailure(empty, "malformed", "malformed-chunk failures");
        assertThat(empty.replica().state()).as("nothing installed").isEmpty();
    }

    @Test
    void anEmptySpokeDoesNotBootstrapFromASnapshotOfTheEarlierSchema() throws Exception {
        // Schema 1 snapshots had protobuf chunks; this spoke only ingests SST chunks, so it must not try.
        ManifestEvent genuine = fake.genuine(1, false);
        Manifest manifest = Manifest.parseFrom(genuine.getManifest().getManifest());
        SignedManifest old = new ManifestSigner(cluster.key()).sign(manifest.toBuilder().setSchemaVersion(1).build());
        fake.push(List.of(ManifestEvent.newBuilder().setManifest(old).build()));

        Spoke empty = cluster.spokeBuilder("latecomer").hub(new InetSocketAddress("127.0.0.1", fake.port())).start();
        cluster.spokes.add(empty);
        awaitFailure(empty, "unsupported_schema", "unsupported-schema failures");
        assertThat(empty.replica().state()).as("nothing installed").isEmpty();

        // The genuine revision 1 (schema 2) is then bootstrapped from as usual.
        fake.push(List.of(genuine));
        assertThat(empty.awaitRevision(1, Duration.ofSeconds(30))).isTrue();
    }

    @Test
    void rejectsADelegationThatHasExpired() throws Exception {
        fake.pushTrust(trust(cluster.delegation(2, System.currentTimeMillis() - 60_000, List.of(cluster.key().publicKey()), Set.of())));
        fake.push(List.of(fake.genuine(2, true)));
        assertRejected("expired_delegation");
        assertThat(spoke.delegation().version()).isEqualTo(1);
    }

    @Test
    void acceptsNothingUnderADelegationOnceItExpires() throws Exception {
        long expires = System.currentTimeMillis() + 1500;
        fake.pushTrust(trust(cluster.delegation(2, expires, List.of(cluster.key().publicKey()), Set.of())));
        eventually(() -> assertThat(spoke.delegation().version()).isEqualTo(2));
        while (System.currentTimeMillis() <= expires) {
            Thread.sleep(50);
        }
        fake.push(List.of(fake.genuine(2, true)));
        assertRejected("expired_delegation");
        long now = System.currentTimeMillis();
        fake.pushHeartbeat(new HeartbeatSigner(cluster.key()).sign(heartbeat(now, now + 60_000)));
        eventually(() -> assertThat(failures("expired_delegation")).isGreaterThanOrEqualTo(2));
    }

    @Test
    void rejectsALowerDelegationVersionEvenAfterARestart() throws Exception {
        long expires = System.currentTimeMillis() + 86_400_000L;
        List<Ed25519.PublicKey> keys = List.of(cluster.key().publicKey());
        TrustInfo v3 = trust(cluster.delegation(3, expires, keys, Set.of()));
        fake.pushTrust(v3);
        eventually(() -> assertThat(spoke.delegation().version()).isEqualTo(3));
        fake.trust = trust(cluster.delegation(2, expires, keys, Set.of()));
        fake.dropStreams();
        fake.push(List.of(fake.genuine(2, true)));
        assertRejected("delegation_rollback");

        spoke.close();
        cluster.spokes.remove(spoke);
        spoke = cluster.spokeBuilder("victim").hub(new InetSocketAddress("127.0.0.1", fake.port())).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.delegation().version()).as("held on disk").isEqualTo(3);
        assertRejected("delegation_rollback");

        fake.trust = v3;
        fake.dropStreams();
        assertThat(spoke.awaitRevision(2, Duration.ofSeconds(30))).as("under the held version it moves on").isTrue();
    }

    @Test
    void rejectsAnOlderManifestReplayed() throws Exception {
        fake.push(List.of(fake.genuine(2, true)));
        assertThat(spoke.awaitRevision(2, Duration.ofSeconds(30))).isTrue();
        fake.push(List.of(fake.genuine(1, true)));
        assertRejected("rollback", 2);
    }

    @Test
    void rejectsAManifestFromAnotherHubId() throws Exception {
        ManifestEvent genuine = fake.genuine(2, true);
        Manifest manifest = Manifest.parseFrom(genuine.getManifest().getManifest());
        SignedManifest foreign = new ManifestSigner(cluster.key()).sign(manifest.toBuilder().setHubId("other-hub").build());
        fake.push(List.of(genuine.toBuilder().setManifest(foreign).build()));
        assertRejected("wrong_hub");
    }

    @Test
    void rejectsAnObjectFromAnotherHub() throws Exception {
        // The relay serves, for the delta the manifest names, another hub's delta with the same changes.
        fake.tamperObjects = bytes -> {
            try {
                return dk.spejl.wire.Delta.parseFrom(bytes).toBuilder().setHubId("othr-hub").build().toByteArray();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        };
        fake.push(List.of(fake.genuine(2, false)));
        assertRejected("object_digest");
    }

    @Test
    void rejectsAnObjectStreamLongerThanItsSignedSize() throws Exception {
        fake.tamperObjects = bytes -> java.util.Arrays.copyOf(bytes, bytes.length + 70_000);
        fake.push(List.of(fake.genuine(2, false)));
        assertRejected("object_size");
    }

    @Test
    void aRelayThatDropsARevisionCannotMakeTheSpokeSkipIt() throws Exception {
        cluster.put(new CatalogueGenerator(12).generate(4));   // revision 3 at the genuine hub
        fake.push(List.of(fake.genuine(3, true)));              // revision 2 dropped on the way
        assertRejected("revision_gap");
    }

    @Test
    void rejectsAMessageLargerThanTheSpokeAccepts() throws Exception {
        ManifestEvent genuine = fake.genuine(2, true);
        fake.push(List.of(genuine.toBuilder().setInlineDelta(ByteString.copyFrom(new byte[5 << 20])).build()));
        long deadline = System.currentTimeMillis() + 10_000;
        while (spoke.connected() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        // gRPC refuses the oversized message (RESOURCE_EXHAUSTED) before any of it is parsed; the stream ends.
        assertThat(spoke.connected()).isFalse();
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(1);
        assertThat(spoke.replica().get(second.get(0).getRecord().getId())).isNull();
    }

    @Test
    void aFrozenFeedMakesTheSpokeStaleAndAReplayedHeartbeatDoesNotClearIt() throws Exception {
        HeartbeatSigner signer = new HeartbeatSigner(cluster.key());
        long now = System.currentTimeMillis();
        SignedHeartbeat first = signer.sign(heartbeat(now, now + 700));
        fake.pushHeartbeat(first);
        eventually(() -> assertThat(spoke.staleSince()).isEmpty());
        // The hub goes quiet (a freeze): no heartbeat arrives, the newest one expires.
        eventually(() -> assertThat(spoke.staleSince()).isPresent());
        assertThat(spoke.metrics().scrape()).contains("spejl_spoke_stale 1.0");
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(1);

        fake.pushHeartbeat(first);
        eventually(() -> assertThat(failures("replayed_heartbeat")).isGreaterThanOrEqualTo(1));
        assertThat(spoke.staleSince()).isPresent();

        long later = System.currentTimeMillis();
        fake.pushHeartbeat(signer.sign(heartbeat(later, later + 60_000)));
        eventually(() -> assertThat(spoke.staleSince()).isEmpty());
    }

    @Test
    void rejectsAHeartbeatFromAnotherHubOrKey() throws Exception {
        long now = System.currentTimeMillis();
        fake.pushHeartbeat(new HeartbeatSigner(cluster.key()).sign(heartbeat(now, now + 60_000).toBuilder().setHubId("other-hub").build()));
        eventually(() -> assertThat(failures("wrong_hub")).isGreaterThanOrEqualTo(1));
        fake.pushHeartbeat(new HeartbeatSigner(Ed25519.generate(new SecureRandom())).sign(heartbeat(now + 1, now + 60_000)));
        eventually(() -> assertThat(failures("unknown_key")).isGreaterThanOrEqualTo(1));
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(1);
    }

    private static TrustInfo trust(dk.spejl.wire.SignedDelegation delegation) {
        return TrustInfo.newBuilder().setDelegation(delegation).build();
    }

    private static Heartbeat heartbeat(long issued, long expires) {
        return Heartbeat.newBuilder().setHubId("test-hub").setHeadRevision(1).setIssuedAtMillis(issued).setExpiresAtMillis(expires).build();
    }

    private static void eventually(Runnable assertion) throws InterruptedException {
        ReplicationTest.eventually(assertion);
    }

    private void assertRejected(String reason) throws Exception {
        assertRejected(reason, 1);
    }

    private void assertRejected(String reason, long heldRevision) throws Exception {
        awaitFailure(spoke, reason, "verification failures for " + reason);
        // Nothing applied: the replica is still exactly the verified revision, and serves it.
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(heldRevision);
        if (heldRevision == 1) {
            assertThat(spoke.replica().get(second.get(0).getRecord().getId())).isNull();
        }
        ReplicaCheck.Outcome check = spoke.check();
        assertThat(check.ok()).as(check.message()).isTrue();
        assertThat(check.revision()).isEqualTo(heldRevision);
    }

    /** Waits up to 20 s for the spoke to count a verification failure for {@code reason}, and asserts that it did. */
    private static void awaitFailure(Spoke spoke, String reason, String description) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (failures(spoke, reason) < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(failures(spoke, reason)).as(description).isGreaterThanOrEqualTo(1);
    }

    private double failures(String reason) {
        return failures(spoke, reason);
    }

    private static double failures(Spoke spoke, String reason) {
        Counter counter = spoke.metrics().find("spejl_spoke_verification_failures_total").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static UnaryOperator<byte[]> flipBit(int byteIndex) {
        return bytes -> {
            byte[] copy = bytes.clone();
            copy[Math.min(byteIndex, copy.length - 1)] ^= 0x04;
            return copy;
        };
    }
}
