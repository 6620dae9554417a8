package dk.spejl.hub.replication;

import dk.spejl.hub.Hub;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.GetObjectRequest;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ReplicationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** GetObject against hostile offsets, over real TLS, on an object kept as a file (so a leak would be a file descriptor). */
class GetObjectTest {
    @TempDir
    Path tmp;

    private static long openFiles() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void anOffsetPastTheObjectOr2To63OrMoreIsOutOfRangeAndLeavesNoFileOpen() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(30), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls).start()) {
            long revision = hub.ingest().apply(new CatalogueGenerator(61).generate(14_000).stream().map(CatalogueGenerator::putLine).toList())
                    .getRevision();
            Manifest manifest = Manifest.parseFrom(hub.catalogue().manifests().get(revision).orElseThrow().getManifest());
            assertThat(manifest.getDelta().getSize()).as("a delta kept as a file").isGreaterThan(TieredObjectStore.SMALL_OBJECT_BYTES);

            TlsFiles spoke = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("probe", "nordjylland"), tmp.resolve("probe"), "spoke");
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", hub.replicationPort()).sslContext(spoke.clientContext())
                    .overrideAuthority("localhost").build();
            try {
                var stub = ReplicationGrpc.newBlockingStub(channel);
                long[] offsets = {Long.MIN_VALUE, -1, manifest.getDelta().getSize() + 1};  // 2^63, 2^64 - 1, one past the end
                // Warm up gRPC and TLS first, so that their own files are open before counting.
                for (int i = 0; i < 5; i++) {
                    request(stub, manifest, offsets[i % offsets.length]);
                }
                long before = openFiles();
                for (int i = 0; i < 200; i++) {
                    StatusRuntimeException refused = request(stub, manifest, offsets[i % offsets.length]);
                    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
                }
                assertThat(openFiles() - before).as("file descriptors left open by 200 refused calls").isLessThan(10);
                assertThat(request(stub, manifest, Long.MIN_VALUE).getStatus().getDescription()).contains("9223372036854775808");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static StatusRuntimeException request(ReplicationGrpc.ReplicationBlockingStub stub, Manifest manifest, long offset) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .getObject(GetObjectRequest.newBuilder().setDigest(manifest.getDelta().getDigest()).setOffset(offset).build())
                .forEachRemaining(chunk -> { }));
    }
}
