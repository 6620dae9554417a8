package dk.spejl.hub.replication;

import com.google.protobuf.ByteString;
import dk.spejl.hub.Hub;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.verify.ManifestVerifier;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A spoke's held manifest moves the hub's numbering only at a hub restored from a backup, and only when the hub's own
 * live key signed it with a revision the hub could have published since: over real mutual TLS, a probe that claims a
 * revision above the head (with a manifest of a stranger's key, of a key a rotation revoked, for another hub, numbered
 * 2^62, of another number than it claims, or at a hub never restored) is sent the newest snapshot as before, and the
 * head does not move; nor does another manifest under a number the backup holds. A plausible claim signed by the live
 * key makes a restored hub publish a bridge above it.
 */
class HeldManifestsTest {
    @TempDir
    Path tmp;

    @Test
    void onlyARestoredHubPublishesAboveAndOnlyAboveAPlausibleManifestItsLiveKeySigned() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        Path keys = tmp.resolve("keys");
        HubKeys.create(keys, root, "h", Duration.ofDays(30), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        TlsFiles probe = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("probe", "nordjylland"), tmp.resolve("probe"), "spoke");
        Hub.Builder builder = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(keys, root.publicKey().fingerprint()).tls(tls);
        long head;
        Ed25519.PrivateKey revoked;
        try (Hub hub = builder.start()) {
            hub.ingest().apply(new CatalogueGenerator(81).generate(50).stream().map(CatalogueGenerator::putLine).toList());
            revoked = hub.keys().signing();
            HubKeys.rotate(keys, root, "h", Duration.ofDays(30), false, Clock.systemUTC());
            hub.trust().reload();
            head = hub.publisher().head().revision();
            ManagedChannel channel = channel(hub, probe);
            try {
                // A hub that was never restored has nothing to learn: above its head is a forgery, whoever's key signed it.
                for (SignedManifest claim : List.of(claim(Ed25519.generate(new SecureRandom()), "h", head + 10), claim(revoked, "h", head + 10),
                        claim(hub.keys().signing(), "another-hub", head + 10), claim(hub.keys().signing(), "h", head + 10))) {
                    assertThat(firstManifest(channel, claim).getRevision()).as("the newest snapshot, as for any claim beyond the head")
                            .isEqualTo(hub.publisher().head().manifest().getSnapshotRevision());
                    assertThat(hub.publisher().head().revision()).as("the head did not move").isEqualTo(head);
                }
            } finally {
                channel.shutdownNow();
            }
        }
        new HeldManifests.Restored(head, System.currentTimeMillis(), System.currentTimeMillis()).write(tmp.resolve("hub"));
        try (Hub hub = builder.restoreWindow(Duration.ofMillis(300)).start()) {
            ManagedChannel channel = channel(hub, probe);
            try {
                Ed25519.PrivateKey live = hub.keys().signing();
                for (SignedManifest claim : List.of(claim(Ed25519.generate(new SecureRandom()), "h", head + 10), claim(revoked, "h", head + 10),
                        claim(live, "another-hub", head + 10), claim(live, "h", 1L << 62))) {
                    assertThat(firstManifest(channel, claim).getRevision()).as("the newest snapshot")
                            .isEqualTo(hub.publisher().head().manifest().getSnapshotRevision());
                    assertThat(hub.publisher().head().revision()).as("the head did not move").isEqualTo(head);
                }
                // Under a number the backup holds, another manifest is no lost history: the spoke is sent the hub's next revision.
                assertThat(firstManifest(channel, claim(live, "h", head - 1)).getRevision()).isEqualTo(head);
                assertThat(hub.publisher().head().revision()).isEqualTo(head);
                // A spoke whose claim does not match the manifest it sends is no evidence either.
                assertThat(firstManifest(channel, claim(live, "h", head + 1000), head + 999).getRevision())
                        .isEqualTo(hub.publisher().head().manifest().getSnapshotRevision());
                assertThat(hub.publisher().head().revision()).isEqualTo(head);
                Manifest bridge = firstManifest(channel, claim(live, "h", head + 1000));
                assertThat(bridge.getRevision()).isEqualTo(head + 1001);
                assertThat(bridge.hasDelta()).isFalse();
                assertThat(bridge.getSnapshotRevision()).isEqualTo(head + 1001);
                assertThat(hub.publisher().head().revision()).isEqualTo(head + 1001);
                assertThat(hub.catalogue().manifests().bridged(head + 1000)).isPresent();
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static ManagedChannel channel(Hub hub, TlsFiles probe) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", hub.replicationPort()).sslContext(probe.clientContext())
                .overrideAuthority("localhost").build();
    }

    /** A manifest as the hub would sign it, at {@code revision}, signed by {@code key}. */
    private static SignedManifest claim(Ed25519.PrivateKey key, String hubId, long revision) {
        return new ManifestSigner(key).sign(Manifest.newBuilder().setHubId(hubId).setRevision(revision)
                .setPreviousManifestDigest(ByteString.copyFrom(new byte[32])).setPublishedAtMillis(System.currentTimeMillis())
                .setStateDigest(ByteString.copyFrom(new byte[32])).setSchemaVersion(ManifestVerifier.SCHEMA_VERSION)
                .setDelta(dk.spejl.wire.ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[32])).setSize(1)).build());
    }

    /** Opens a Watch as a spoke holding {@code held}, and returns the first manifest the hub sends. */
    private static Manifest firstManifest(ManagedChannel channel, SignedManifest held) throws Exception {
        return firstManifest(channel, held, Manifest.parseFrom(held.getManifest()).getRevision());
    }

    /** As above, claiming to hold {@code revision}. */
    private static Manifest firstManifest(ManagedChannel channel, SignedManifest held, long revision) throws Exception {
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        try {
            return context.call(() -> {
                Iterator<WatchEvent> events = ReplicationGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .watch(WatchRequest.newBuilder().setHasState(true).setRevision(revision).setHeldManifest(held).build());
                while (events.hasNext()) {
                    WatchEvent event = events.next();
                    if (event.hasManifest()) {
                        return Manifest.parseFrom(event.getManifest().getManifest().getManifest());
                    }
                }
                throw new AssertionError("the stream ended without a manifest");
            });
        } finally {
            context.cancel(null);
        }
    }
}
