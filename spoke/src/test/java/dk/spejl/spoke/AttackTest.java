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
        assertThat(spoke.check().message()).contains("revoked_key");
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
    void aForgeryNumberedFarAboveTheHeadStaysOnlyUntilItsKeyIsRevoked() throws Exception {
        // A thief with the online key signs a snapshot revision 2^62 of their own, over revision 1's records.
        long forgedRevision = 1L << 62;
        Manifest first = Manifest.parseFrom(fake.genuine(1, false).getManifest().getManifest());
        var index = dk.spejl.wire.SnapshotIndex.parseFrom(cluster.hub.objects().readAll(first.getSnapshotIndex().getDigest().toByteArray()));
        var forgedIndex = cluster.hub.objects().put(index.toBuilder().setRevision(forgedRevision).build().toByteArray());
        SignedManifest forged = new ManifestSigner(cluster.key()).sign(first.toBuilder().setRevision(forgedRevision)
                .setSnapshotRevision(forgedRevision).setSnapshotIndex(forgedIndex).build());
        fake.push(List.of(ManifestEvent.newBuilder().setManifest(forged).build()));
        assertThat(spoke.awaitRevision(forgedRevision, Duration.ofSeconds(30))).isTrue();
        spoke.close();
        cluster.spokes.remove(spoke);

        // Back on the genuine hub, whose head is revision 2: forward only still holds while the forger's key is live.
        Spoke victim = cluster.spokeBuilder("victim").start();
        cluster.spokes.add(victim);
        awaitFailure(victim, "rollback", "the hub's snapshot is lower than the forgery and the key is not revoked");
        assertThat(victim.replica().state().orElseThrow().revision()).isEqualTo(forgedRevision);

        // The leak is found and the key revoked: the spoke distrusts what that key signed and rebuilds from the hub's
        // newest snapshot, revision 3 under the new key, although 3 is far below 2^62.
        cluster.rotate(false);
        eventually(() -> assertThat(victim.replica().state().orElseThrow().revision()).isEqualTo(3));
        assertThat(victim.replica().state().orElseThrow().manifest().getKeyId()).isEqualTo(cluster.hub.keys().signingKeyId());
        assertThat(victim.replica().get(second.get(0).getRecord().getId())).isNotNull();
        ReplicaCheck.Outcome check = victim.check();
        assertThat(check.ok()).as(check.message()).isTrue();
        assertThat(check.records()).isEqualTo(205);
        long next = cluster.put(new CatalogueGenerator(12).generate(1));
        assertThat(victim.awaitRevision(next, Duration.ofSeconds(30))).as("forward only again, on the hub's chain").isTrue();
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
        // Each failed attempt deletes what it built at once, not at the next start.
        Path replicaDir = tmp.resolve("spoke-newcomer").resolve("replica");
        eventually(() -> {
            try (var entries = java.nio.file.Files.list(replicaDir)) {
                assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith("build-"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
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
        SignedHeartbeat older = signer.sign(heartbeat(now - 100, now + 700));
        SignedHeartbeat first = signer.sign(heartbeat(now, now + 700));
        fake.pushHeartbeat(first);
        eventually(() -> assertThat(spoke.staleSince()).isEmpty());
        // The hub goes quiet (a freeze): no heartbeat arrives, the newest one expires.
        eventually(() -> assertThat(spoke.staleSince()).isPresent());
        assertThat(spoke.metrics().scrape()).contains("spejl_spoke_stale 1.0");
        assertThat(spoke.replica().state().orElseThrow().revision()).isEqualTo(1);

        // The held heartbeat sent again (as on every reconnect) is no replay; an older one is.
        fake.pushHeartbeat(first);
        fake.pushHeartbeat(older);
        eventually(() -> assertThat(failures("replayed_heartbeat")).isGreaterThanOrEqualTo(1));
        assertThat(failures("replayed_heartbeat")).as("only the older heartbeat counts as a replay").isEqualTo(1);
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

    @Test
    void aSpokeThatCannotReachTheHeadTheHeartbeatsNameGoesStaleSaysHowFarBehindItIsAndRecovers() throws Exception {
        Spoke stuck = cluster.spokeBuilder("stuck").hub(new InetSocketAddress("127.0.0.1", fake.port()))
                .freshnessWindow(Duration.ofMillis(1500)).start();
        cluster.spokes.add(stuck);
        assertThat(stuck.awaitRevision(1, Duration.ofSeconds(30))).isTrue();
        // One object at the hub is corrupt: revision 2 cannot be applied, while the heartbeats keep naming it as the head.
        fake.tamperObjects = flipBit(100);
        fake.push(List.of(fake.genuine(2, false)));
        byte[] head = dk.spejl.signing.ManifestSigner.digest(cluster.hub.catalogue().manifests().get(2).orElseThrow());
        HeartbeatSigner signer = new HeartbeatSigner(cluster.key());
        java.util.concurrent.atomic.AtomicBoolean beating = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread heart = new Thread(() -> {
            while (beating.get()) {
                long now = System.currentTimeMillis();
                fake.pushHeartbeat(signer.sign(heartbeat(now, now + 60_000).toBuilder().setHeadRevision(2)
                        .setHeadManifestDigest(ByteString.copyFrom(head)).build()));
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-heartbeats");
        heart.start();
        try {
            awaitFailure(stuck, "object_digest", "the corrupt delta is refused");
            eventually(() -> assertThat(stuck.staleSince()).as("stale although heartbeats arrive").isPresent());
            assertThat(stuck.behind()).hasValueSatisfying(behind -> {
                assertThat(behind.revisions()).isEqualTo(1);
                assertThat(behind.head()).isEqualTo(2);
            });
            assertThat(stuck.replica().state().orElseThrow().revision()).isEqualTo(1);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + stuck.httpAddress().getPort();
            String status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"revision\":1", "\"stale\":true", "\"behindBy\":1", "\"headRevision\":2", "\"behindSince\"");
            var record = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/records/"
                    + second.get(0).getRecord().getId())).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(record.statusCode()).as("not there at revision 1").isEqualTo(404);
            assertThat(record.headers().firstValue("spejl-revision")).contains("1");
            assertThat(record.headers().firstValue("spejl-stale")).contains("true");
            assertThat(record.headers().firstValue("spejl-stale-since")).isPresent();
            assertThat(stuck.metrics().scrape()).contains("spejl_spoke_behind_revisions 1.0", "spejl_spoke_stale 1.0");

            fake.tamperObjects = UnaryOperator.identity();
            assertThat(stuck.awaitRevision(2, Duration.ofSeconds(30))).isTrue();
            eventually(() -> assertThat(stuck.staleSince()).isEmpty());
            assertThat(stuck.behind()).isEmpty();
        } finally {
            beating.set(false);
            heart.join();
        }
    }

    @Test
    void aHeartbeatThatNamesTheHeldRevisionUnderAnotherManifestMakesTheSpokeStaleUntilOneAgrees() throws Exception {
        HeartbeatSigner signer = new HeartbeatSigner(cluster.key());
        long now = System.currentTimeMillis();
        fake.pushHeartbeat(signer.sign(heartbeat(now, now + 60_000).toBuilder().setHeadManifestDigest(ByteString.copyFrom(new byte[32])).build()));
        awaitFailure(spoke, "head_mismatch", "a heartbeat naming another revision 1");
        assertThat(spoke.staleSince()).isPresent();
        byte[] held = spoke.replica().state().orElseThrow().manifestDigest();
        fake.pushHeartbeat(signer.sign(heartbeat(now + 1, now + 60_000).toBuilder().setHeadManifestDigest(ByteString.copyFrom(held)).build()));
        eventually(() -> assertThat(spoke.staleSince()).isEmpty());
    }

    @Test
    void aHeartbeatFromBeyondTheClockSkewIsRefusedAndDoesNotTurnLaterOnesIntoReplays() throws Exception {
        HeartbeatSigner signer = new HeartbeatSigner(cluster.key());
        long now = System.currentTimeMillis();
        long ahead = now + Duration.ofMinutes(10).toMillis();
        fake.pushHeartbeat(signer.sign(heartbeat(ahead, ahead + 60_000)));
        awaitFailure(spoke, "heartbeat_from_future", "a heartbeat issued 10 minutes ahead");
        fake.pushHeartbeat(signer.sign(heartbeat(now, now + 60_000)));
        eventually(() -> assertThat(spoke.staleSince()).isEmpty());
        assertThat(failures("replayed_heartbeat")).isZero();
    }

    private static TrustInfo trust(dk.spejl.wire.SignedDelegation delegation) {
        return TrustInfo.newBuilder().setDelegation(delegation).build();
    }

    /** A heartbeat as the genuine hub would sign it while revision 1 is its head. */
    private Heartbeat heartbeat(long issued, long expires) {
        try {
            byte[] head = ManifestSigner.digest(cluster.hub.catalogue().manifests().get(1).orElseThrow());
            return Heartbeat.newBuilder().setHubId("test-hub").setHeadRevision(1).setHeadManifestDigest(ByteString.copyFrom(head))
                    .setIssuedAtMillis(issued).setExpiresAtMillis(expires).build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
