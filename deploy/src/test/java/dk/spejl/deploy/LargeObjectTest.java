package dk.spejl.deploy;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.Hub;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.ObjectRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An object larger than a spoke's heap is streamed, not buffered (issue 12, item 6): a spoke
 * process with a 64 MiB heap fetches a 256 MiB object from a real hub over mutual TLS into a file,
 * and refuses, rather than dying of, holding it in memory.
 */
class LargeObjectTest {
    private static final int OBJECT_BYTES = 256 << 20;
    private static final List<String> SMALL_HEAP = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    @TempDir
    Path tmp;

    @Test
    void anObjectFourTimesTheHeapIsStreamedToDiskAndRefusedInMemory() throws Exception {
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "large-hub", List.of("localhost"), List.of("127.0.0.1"));
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        String fingerprint = root.publicKey().fingerprint();
        HubKeys.create(tmp.resolve("keys"), root, "large-hub", Duration.ofDays(30), java.time.Clock.systemUTC());
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("large-hub").keys(tmp.resolve("keys"), fingerprint).tls(tls).start()) {
            byte[] bytes = new byte[OBJECT_BYTES];
            new Random(12).nextBytes(bytes);
            ObjectRef ref = hub.objects().put(bytes);
            String digest = Sha256.hex(ref.getDigest().toByteArray());
            bytes = null;
            Path conf = LocalCluster.enrolSpoke(tmp.resolve("spoke"), "large", "sjaelland", "127.0.0.1:" + hub.replicationPort(),
                    tmp.resolve("tls"), fingerprint, "127.0.0.1:0");

            Path out = tmp.resolve("object.bin");
            DaemonProcess streamed = DaemonProcess.start("fetch", tmp.resolve("stream.log"), SMALL_HEAP, FetchObject.class.getName(),
                    conf.toString(), digest, Long.toString(ref.getSize()), "stream", out.toString());
            assertThat(streamed.waitFor(Duration.ofSeconds(180))).as(Files.readString(tmp.resolve("stream.log"))).isZero();
            assertThat(Files.size(out)).isEqualTo(OBJECT_BYTES);
            MessageDigest sha = Sha256.newDigest();
            try (var in = Files.newInputStream(out)) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
            assertThat(Sha256.hex(sha.digest())).isEqualTo(digest);

            DaemonProcess buffered = DaemonProcess.start("fetch", tmp.resolve("memory.log"), SMALL_HEAP, FetchObject.class.getName(),
                    conf.toString(), digest, Long.toString(ref.getSize()), "memory");
            assertThat(buffered.waitFor(Duration.ofSeconds(120))).as(Files.readString(tmp.resolve("memory.log"))).isZero();
            assertThat(Files.readString(tmp.resolve("memory.log"))).contains("refused:", "a quarter of its heap");
            System.out.println("large object: " + Files.readString(tmp.resolve("stream.log")).strip().replace('\n', ' '));
        }
    }
}
