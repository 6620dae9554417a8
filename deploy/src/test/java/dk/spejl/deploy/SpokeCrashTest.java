package dk.spejl.deploy;

import dk.spejl.hub.Hub;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.spoke.Spoke;
import dk.spejl.spoke.sync.HeldDelegation;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.IngestResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 2 under crashes: a spoke process killed with SIGKILL at random moments, during
 * bootstrap and during delta application, always restarts into a state equal to a signed
 * revision (its full verification passes) and then catches up to the head.
 */
class SpokeCrashTest {
    /**
     * Kills during bootstrap and during apply. CI runs 12 of each; a soak sets more, e.g.
     * {@code mvn -pl deploy verify -Dtest=SpokeCrashTest -Dspejl.crash.bootstrap_kills=100 -Dspejl.crash.delta_kills=100}.
     */
    private static final int BOOTSTRAP_KILLS = Integer.getInteger("spejl.crash.bootstrap_kills", 12);
    private static final int DELTA_KILLS = Integer.getInteger("spejl.crash.delta_kills", 12);
    private static final List<String> SPOKE_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @TempDir
    Path tmp;

    @Test
    void killedSpokeAlwaysRestartsIntoASignedRevisionAndCatchesUp() throws Exception {
        long seed = System.nanoTime();
        System.out.println("crash test seed " + seed);
        Random random = new Random(seed);
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "crash-hub", List.of("localhost"), List.of("127.0.0.1"));
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        String fingerprint = root.publicKey().fingerprint();
        HubKeys.create(tmp.resolve("keys"), root, "crash-hub", java.time.Duration.ofDays(30), java.time.Clock.systemUTC());
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("crash-hub").keys(tmp.resolve("keys"), fingerprint).tls(tls)
                // Routine snapshots every 500 revisions, written in the background while spokes are killed.
                .snapshotPolicy(new SnapshotPolicy(500, 0.25, 2)).start()) {
            // This JVM's own copy of RocksDB's native library is in the temporary directory already (the hub loaded it).
            long nativeCopiesBefore = nativeLibraryCopies();
            CatalogueGenerator generator = new CatalogueGenerator(seed);
            List<HubRecord> catalogue = generator.generate(60_000);
            publish(hub, catalogue.stream().map(CatalogueGenerator::putLine).toList());

            int httpPort = freePort();
            Path spokeDir = tmp.resolve("spoke");
            Path conf = LocalCluster.enrolSpoke(spokeDir, "crash", "syddanmark", "127.0.0.1:" + hub.replicationPort(),
                    tmp.resolve("tls"), fingerprint, "127.0.0.1:" + httpPort);
            Path replicaDir = spokeDir.resolve("data").resolve("replica");
            int kills = 0;
            int round = 0;

            // Kills during bootstrap: after the spoke says it is bootstrapping, before it says it is done.
            int interruptedBootstraps = 0;
            while (interruptedBootstraps < BOOTSTRAP_KILLS) {
                DaemonProcess spoke = startSpoke(conf, round++);
                assertThat(spoke.awaitLog("bootstrapping from the snapshot", Duration.ofSeconds(60))).as("bootstrap started").isTrue();
                Thread.sleep(random.nextInt(1200));
                boolean finished = Files.readString(spoke.log()).contains("bootstrapped revision");
                spoke.kill();
                kills++;
                long held = assertSignedStateOrEmpty(replicaDir, fingerprint);
                if (!finished) {
                    interruptedBootstraps++;
                }
                if (held >= 0) {
                    // A bootstrap completed: start from nothing again, so the next kill also lands in a bootstrap.
                    deleteTree(replicaDir);
                }
            }

            // Kills during delta application, while the hub publishes small change sets continuously.
            publish(hub, catalogue.subList(0, 10).stream().map(CatalogueGenerator::putLine).toList());
            DaemonProcess first = startSpoke(conf, round++);
            assertThat(LocalCluster.awaitRevision(HttpClient.newHttpClient(), "http://127.0.0.1:" + httpPort + "/api/v1/status",
                    hub.publisher().head().revision(), Duration.ofSeconds(120))).isGreaterThanOrEqualTo(hub.publisher().head().revision());
            first.stop(Duration.ofSeconds(15));
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                while (publishing.get()) {
                    // Five updates of existing records and one new record per revision.
                    List<String> lines = new ArrayList<>();
                    random.ints(0, catalogue.size()).distinct().limit(5)
                            .forEach(n -> lines.add(CatalogueGenerator.putLine(generator.modify(catalogue.get(n)))));
                    lines.add(CatalogueGenerator.putLine(generator.generate(1).get(0)));
                    publish(hub, lines);
                    try {
                        Thread.sleep(15);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "test-publisher");
            publisher.start();
            long lowestHeld = Long.MAX_VALUE;
            long highestHeld = -1;
            try {
                for (int i = 0; i < DELTA_KILLS; i++) {
                    DaemonProcess spoke = startSpoke(conf, round++);
                    assertThat(spoke.awaitLog("watching hub", Duration.ofSeconds(60))).as("spoke connected").isTrue();
                    Thread.sleep(200 + random.nextInt(1500));
                    spoke.kill();
                    kills++;
                    long held = assertSignedStateOrEmpty(replicaDir, fingerprint);
                    assertThat(held).as("a spoke that held a revision keeps one").isGreaterThanOrEqualTo(0);
                    assertThat(held).isLessThanOrEqualTo(hub.publisher().head().revision());
                    // Each applied revision is forced to disk before it is served: a restart never goes back (invariant 3).
                    assertThat(held).as("never lower than before the kill").isGreaterThanOrEqualTo(highestHeld);
                    lowestHeld = Math.min(lowestHeld, held);
                    highestHeld = Math.max(highestHeld, held);
                }
            } finally {
                publishing.set(false);
                publisher.join();
            }
            assertThat(highestHeld).as("the spoke made progress between kills").isGreaterThan(lowestHeld);

            // Finally it restarts and catches up to the head, and the verify command agrees.
            long head = hub.publisher().head().revision();
            DaemonProcess last = startSpoke(conf, round);
            assertThat(LocalCluster.awaitRevision(HttpClient.newHttpClient(), "http://127.0.0.1:" + httpPort + "/api/v1/status",
                    head, Duration.ofSeconds(120))).isEqualTo(head);
            last.stop(Duration.ofSeconds(15));
            DaemonProcess verify = DaemonProcess.start("verify", tmp.resolve("verify.log"), SPOKE_JVM, "dk.spejl.spoke.SpokeCli",
                    "verify", "--config", conf.toString());
            assertThat(verify.waitFor(Duration.ofSeconds(120))).as(Files.readString(verify.log())).isEqualTo(0);
            assertThat(Files.readString(verify.log())).contains("verified: revision " + head);
            assertThat(kills).isGreaterThanOrEqualTo(20);
            // A killed JVM cannot delete the native library it extracted: each spoke process extracts it into its own
            // directory under a fixed name (DaemonProcess), so no kill leaves a 17 MB copy in the temporary directory.
            assertThat(nativeLibraryCopies()).as("RocksDB native library copies left in " + System.getProperty("java.io.tmpdir"))
                    .isEqualTo(nativeCopiesBefore);
            System.out.println("crash test: " + kills + " kills, " + interruptedBootstraps + " during bootstrap, held revisions "
                    + lowestHeld + ".." + highestHeld + " during deltas, head " + head);
        }
    }

    private DaemonProcess startSpoke(Path conf, int round) throws IOException {
        return DaemonProcess.start("spoke", tmp.resolve("logs").resolve("spoke-" + round + ".log"), SPOKE_JVM,
                "dk.spejl.spoke.SpokeCli", "serve", "--config", conf.toString());
    }

    /** Reopens the replica as a restarted spoke would; it is empty, or exactly a signed revision. */
    private static long assertSignedStateOrEmpty(Path replicaDir, String fingerprint) throws IOException {
        if (!Files.exists(replicaDir)) {
            return -1;
        }
        try (Replica replica = Replica.open(replicaDir, false)) {
            if (replica.state().isEmpty()) {
                return -1;
            }
            ReplicaCheck.Outcome outcome = ReplicaCheck.run(replica, fingerprint,
                    new HeldDelegation(replicaDir.getParent().resolve(Spoke.TRUST_FILE), fingerprint).current());
            assertThat(outcome.ok()).as(outcome.message()).isTrue();
            return outcome.revision();
        }
    }

    private static long nativeLibraryCopies() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("librocksdbjni")).count();
        }
    }

    private static void publish(Hub hub, List<String> lines) {
        IngestResult result;
        try {
            result = hub.ingest().apply(lines);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(result.getErrorsList()).isEmpty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
