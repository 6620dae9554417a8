package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.RevokeSpokeRequest;
import dk.spejl.wire.RevokeSpokeResult;
import dk.spejl.wire.StatusRequest;
import dk.spejl.wire.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every hub endpoint requires mutual TLS 1.3 with a certificate from the hub's own CA (docs/design.md, "Identity"). */
class MutualTlsTest {
    @TempDir
    Path tmp;

    private Cluster cluster;
    private long revision;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT);
        revision = cluster.put(new CatalogueGenerator(21).generate(30));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private ManagedChannel channel(TlsFiles tls, int port) throws Exception {
        return channel(tls, port, "localhost");
    }

    private ManagedChannel channel(TlsFiles tls, int port, String authority) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls.clientContext()).overrideAuthority(authority).build();
    }

    /** Opens a Watch and reads its first event; returns the status it fails with, or OK. */
    private Status watch(TlsFiles tls) throws Exception {
        return watch(tls, "localhost");
    }

    private Status watch(TlsFiles tls, String authority) throws Exception {
        ManagedChannel channel = channel(tls, cluster.hub.replicationPort(), authority);
        try {
            var events = ReplicationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .watch(WatchRequest.newBuilder().setSpokeName("x").build());
            events.next();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void refusesAClientWithoutACertificate() throws Exception {
        assertThat(watch(ServerPki.trustOnly(cluster.tls.trustedCa())).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aSpokeWithItsOwnCertificateIsAdmitted() throws Exception {
        assertThat(watch(cluster.enrol("fine", "nordjylland")).getCode()).isEqualTo(Status.Code.OK);
    }

    @Test
    void aSpokeRefusesAHubWhoseCertificateItsCaDidNotIssue() throws Exception {
        // The spoke's own certificate is good; the CA it trusts is another one, so the hub's certificate does not verify.
        TlsFiles good = cluster.enrol("careful", "nordjylland");
        Path other = tmp.resolve("other-ca");
        ServerPki.create(other, "test-hub", List.of("localhost"), List.of("127.0.0.1"));
        assertThat(watch(new TlsFiles(good.certificate(), good.privateKey(), other.resolve("ca.pem"))).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cluster.refused("untrusted_certificate")).as("the hub never saw a bad client certificate").isZero();
    }

    @Test
    void aSpokeRefusesAHubCertificateForAnotherName() throws Exception {
        // The hub's certificate names localhost and 127.0.0.1; a spoke told to reach "hub.ngc.example" refuses it.
        assertThat(watch(cluster.enrol("strict", "nordjylland"), "hub.ngc.example").getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void refusesACertificateFromAnotherCa() throws Exception {
        // A CA of another name: the client does not even offer its certificate to a hub that asks for this CA's.
        Path other = tmp.resolve("other-ca");
        ServerPki.create(other, "impostor", List.of("localhost"), List.of("127.0.0.1"));
        TlsFiles foreign = ServerPki.enrol(other, PeerIdentity.spokeSubject("evil", "hovedstaden"), tmp.resolve("evil"), "spoke");
        assertThat(watch(new TlsFiles(foreign.certificate(), foreign.privateKey(), cluster.tls.trustedCa())).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void refusesASelfMadeCertificateUnderTheHubCasName() throws Exception {
        // A self-made CA that copies the hub CA's name, so the certificate is offered: the signature check refuses it.
        Path forged = tmp.resolve("forged-ca");
        ServerPki.create(forged, "test-hub", List.of("localhost"), List.of("127.0.0.1"));
        TlsFiles selfMade = ServerPki.enrol(forged, PeerIdentity.spokeSubject("evil", "hovedstaden"), tmp.resolve("evil"), "spoke");
        assertThat(watch(new TlsFiles(selfMade.certificate(), selfMade.privateKey(), cluster.tls.trustedCa())).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cluster.refused("untrusted_certificate")).isGreaterThanOrEqualTo(1);
        assertThat(cluster.refused("expired_certificate")).isZero();
        assertThat(adminStatus().getRejectionsMap()).containsKey("untrusted_certificate");
    }

    @Test
    void refusesAnExpiredCertificate() throws Exception {
        Instant now = Instant.now();
        TlsFiles expired = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("old", "sjaelland"), tmp.resolve("old"), "spoke",
                now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        assertThat(watch(expired).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cluster.refused("expired_certificate")).isGreaterThanOrEqualTo(1);
        assertThat(cluster.refused("untrusted_certificate")).isZero();
    }

    @Test
    void eachServiceAdmitsOnlyItsOwnRole() throws Exception {
        TlsFiles operator = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.operatorSubject("op"), tmp.resolve("op"), "operator");
        assertThat(watch(operator).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(cluster.refused("wrong_role")).isEqualTo(1);
        assertThat(watch(cluster.enrol("ok", "syddanmark")).getCode()).isEqualTo(Status.Code.OK);

        ManagedChannel channel = channel(cluster.enrol("sneaky", "syddanmark"), cluster.hub.adminPort());
        try {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(cluster.refused("wrong_role")).isEqualTo(2);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void theRegionComesFromTheCertificateNotFromTheSpoke() throws Exception {
        Spoke spoke = Spoke.builder().name("nordjylland").dataDir(tmp.resolve("s")).hub(new java.net.InetSocketAddress("127.0.0.1",
                        cluster.hub.replicationPort())).rootFingerprint(cluster.rootFingerprint())
                .tls(cluster.enrol("rh-hpc-1", "hovedstaden")).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitRevision(revision, Duration.ofSeconds(30))).isTrue();
        HubStatus status = adminStatus();
        assertThat(status.getSpokesList()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo("rh-hpc-1");
            assertThat(s.getRegion()).isEqualTo("hovedstaden");
        });
    }

    @Test
    void aRevokedSpokeIsCutOffAtOnceAndStaysRefused() throws Exception {
        Spoke spoke = cluster.spoke("victim");
        assertThat(spoke.awaitRevision(revision, Duration.ofSeconds(30))).isTrue();
        eventually(() -> assertThat(spoke.connected()).isTrue());

        RevokeSpokeResult result = admin(stub -> stub.revokeSpoke(RevokeSpokeRequest.newBuilder().setName("victim").build()));
        assertThat(result.getNewlyRevoked()).isTrue();
        assertThat(result.getStreamsClosed()).isEqualTo(1);
        eventually(() -> assertThat(spoke.connected()).isFalse());

        long next = cluster.put(new CatalogueGenerator(22).generate(3));
        Thread.sleep(500);
        assertThat(spoke.replica().state().orElseThrow().revision()).as("no revision reaches a revoked spoke").isEqualTo(revision);
        assertThat(watch(cluster.enrol("victim", "syddanmark")).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(cluster.refused("revoked_certificate")).isGreaterThanOrEqualTo(1);

        cluster.stopHub();
        cluster.startHub();
        assertThat(watch(cluster.enrol("victim", "syddanmark")).getCode()).as("revocation survives a hub restart")
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        Spoke other = cluster.spoke("survivor");
        assertThat(other.awaitRevision(next, Duration.ofSeconds(30))).isTrue();
    }

    @Test
    void revokingASpokeEndsItsObjectTransfersInFlightToo() throws Exception {
        // A delta large enough to be kept as a file and to outlast what the transport buffers for a client that reads slowly.
        long big = cluster.put(new CatalogueGenerator(23).generate(30_000));
        var delta = dk.spejl.wire.Manifest.parseFrom(cluster.hub.catalogue().manifests().get(big).orElseThrow().getManifest()).getDelta();
        ManagedChannel channel = channel(cluster.enrol("slow", "syddanmark"), cluster.hub.replicationPort());
        try {
            java.util.concurrent.CompletableFuture<Status> ended = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
            io.grpc.ClientCall<dk.spejl.wire.GetObjectRequest, dk.spejl.wire.ObjectChunk> call =
                    channel.newCall(dk.spejl.wire.ReplicationGrpc.getGetObjectMethod(), io.grpc.CallOptions.DEFAULT);
            call.start(new io.grpc.ClientCall.Listener<>() {
                @Override
                public void onMessage(dk.spejl.wire.ObjectChunk chunk) {
                    first.countDown(); // and asks for no more: the transfer stays in flight
                }

                @Override
                public void onClose(Status status, io.grpc.Metadata trailers) {
                    ended.complete(status);
                }
            }, new io.grpc.Metadata());
            call.request(1);
            call.sendMessage(dk.spejl.wire.GetObjectRequest.newBuilder().setDigest(delta.getDigest()).build());
            call.halfClose();
            assertThat(first.await(10, TimeUnit.SECONDS)).as("the transfer started").isTrue();
            Thread.sleep(200);
            assertThat(ended).as("still in flight before the revocation").isNotDone();

            RevokeSpokeResult result = admin(stub -> stub.revokeSpoke(RevokeSpokeRequest.newBuilder().setName("slow").build()));
            assertThat(result.getStreamsClosed()).as("the transfer counts as an open stream").isEqualTo(1);
            call.request(Integer.MAX_VALUE);
            assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        } finally {
            channel.shutdownNow();
        }
    }

    private HubStatus adminStatus() throws Exception {
        return admin(stub -> stub.status(StatusRequest.getDefaultInstance()));
    }

    private <T> T admin(java.util.function.Function<AdminGrpc.AdminBlockingStub, T> call) throws Exception {
        TlsFiles operator = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.operatorSubject("op"), tmp.resolve("op"), "operator");
        ManagedChannel channel = channel(operator, cluster.hub.adminPort());
        try {
            return call.apply(AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static void eventually(Runnable assertion) throws InterruptedException {
        ReplicationTest.eventually(assertion);
    }
}
