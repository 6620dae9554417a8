package dk.spejl.deploy;

import dk.spejl.hub.HubConfig;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.cli.HubCli;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.spoke.Spoke;
import dk.spejl.spoke.SpokeConfig;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub under crashes (issue 12, item 10): the hub process is killed with SIGKILL at random
 * moments while operators ingest continuously, it publishes, it writes snapshots in the background
 * (every 3 revisions here), and two spokes watch. After every kill, before the restart:
 * <ul>
 *   <li>{@code spejl-hub check} passes: the head is a signed revision, its state digest adds up, the
 *       retained manifests chain to it (so the revision published after the previous restart chained
 *       to the head before it), and every object they name is there;</li>
 *   <li>the head never goes back;</li>
 *   <li>no spoke holds a revision the hub does not have, under the same manifest: the chain never forks.</li>
 * </ul>
 * At the end both spokes reach the final head and hold its manifest. CI runs 6 kills; a soak sets more,
 * e.g. {@code mvn -pl deploy verify -Dtest=HubCrashTest -Dspejl.crash.hub_kills=100}.
 */
class HubCrashTest {
    private static final int KILLS = Integer.getInteger("spejl.crash.hub_kills", 6);
    private static final List<String> HUB_JVM = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @TempDir
    Path tmp;

    @Test
    void aKilledHubRestartsAtASignedHeadThatTheNextRevisionChainsToAndNoSpokeIsEverAheadOfIt() throws Exception {
        long seed = System.nanoTime();
        System.out.println("hub crash test seed " + seed);
        Random random = new Random(seed);
        long started = System.nanoTime();
        int replicationPort = freePort();
        int adminPort = freePort();
        Path hubDir = tmp.resolve("hub");
        Path offline = Files.createDirectories(tmp.resolve("offline"));
        Files.writeString(offline.resolve("passphrase"), "a passphrase for the crash test only\n");
        assertThat(HubCli.commandLine().execute("init", "--dir", hubDir.toString(), "--hub-id", "crash-hub",
                "--replication-address", "127.0.0.1:" + replicationPort, "--admin-address", "127.0.0.1:" + adminPort, "--ops-address", "127.0.0.1:0",
                "--root-key", offline.resolve("root.key").toString(), "--passphrase-file", offline.resolve("passphrase").toString())).isZero();
        Path conf = hubDir.resolve("hub.conf");
        // Background snapshots every few revisions, so that kills land while one is being written. Enough of them are
        // retained (deltas back to the oldest) that no revision is published and collected between two kills: the
        // test sees every manifest the hub commits, to compare with what the spokes hold.
        Files.writeString(conf, Files.readString(conf).replaceAll("(?m)^#?\\s*snapshot\\.(every_revisions|retained).*$", "")
                + "\nsnapshot.every_revisions = 3\nsnapshot.retained = 40\n");
        HubConfig config = HubConfig.read(conf);
        assertThat(config.snapshotPolicy().everyRevisions()).isEqualTo(3);

        DaemonProcess hub = startHub(conf, 0);
        CatalogueGenerator generator = new CatalogueGenerator(seed);
        List<HubRecord> catalogue = generator.generate(20_000);
        assertThat(ingest(conf, catalogue.stream().map(CatalogueGenerator::putLine).toList(), "initial")).isZero();

        List<Spoke> spokes = new ArrayList<>();
        for (String region : List.of("hovedstaden", "nordjylland")) {
            Path spokeConf = LocalCluster.enrolSpoke(tmp.resolve("spoke-" + region), region, region, "127.0.0.1:" + replicationPort,
                    hubDir.resolve("tls"), config.rootFingerprint(), "127.0.0.1:" + freePort());
            spokes.add(SpokeConfig.read(spokeConf).toBuilder().dataDir(tmp.resolve("spoke-" + region).resolve("data")).start());
        }

        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread operator = new Thread(() -> {
            int batch = 0;
            while (publishing.get()) {
                // Five updates of existing records and one new record per revision.
                List<String> lines = new ArrayList<>();
                random.ints(0, catalogue.size()).distinct().limit(5)
                        .forEach(n -> lines.add(CatalogueGenerator.putLine(generator.modify(catalogue.get(n)))));
                lines.add(CatalogueGenerator.putLine(generator.generate(1).get(0)));
                try {
                    if (ingest(conf, lines, "batch-" + (batch++ % 4)) == 0) {
                        accepted.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        Thread.sleep(50); // the hub is down, or was killed during the call
                    }
                } catch (IOException e) {
                    failed.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-operator");
        operator.start();

        long previousHead = -1;
        java.util.Map<Long, byte[]> history = new java.util.HashMap<>();
        int snapshotsWrittenBetweenKills = 0;
        int restartsThatSweptObjects = 0;
        try {
            for (int kill = 1; kill <= KILLS; kill++) {
                Thread.sleep(400 + random.nextInt(1600));
                hub.kill();
                snapshotsWrittenBetweenKills += count(Files.readString(hub.log()), "written in the background");
                Thread.sleep(300); // what a spoke had received before the kill, it has applied by now

                // spejl-hub check, exactly as an operator runs it.
                assertThat(HubCli.commandLine().execute("check", "--config", conf.toString())).as("spejl-hub check after kill " + kill).isZero();
                try (CatalogueStore store = CatalogueStore.openReadOnly(config.dataDir().resolve("catalogue"))) {
                    Head head = store.head().orElseThrow();
                    assertThat(head.revision()).as("the head never goes back").isGreaterThanOrEqualTo(previousHead);
                    previousHead = head.revision();
                    // Every manifest the hub has committed, as seen after each kill: the hub never rewrites one it kept.
                    for (long revision : store.manifests().revisions()) {
                        byte[] digest = ManifestSigner.digest(store.manifests().get(revision).orElseThrow());
                        byte[] before = history.putIfAbsent(revision, digest);
                        assertThat(before == null || MessageDigest.isEqual(before, digest)).as("revision " + revision + " unchanged").isTrue();
                    }
                    for (Spoke spoke : spokes) {
                        ReplicaState held = spoke.replica().state().orElseThrow();
                        assertThat(held.revision()).as("a spoke is never ahead of the restarted hub").isLessThanOrEqualTo(head.revision());
                        byte[] hubs = history.get(held.revision());
                        assertThat(hubs).as("the hub committed revision " + held.revision() + " (retained from "
                                + store.manifests().oldestRevision() + ", head " + head.revision() + ")").isNotNull();
                        assertThat(MessageDigest.isEqual(hubs, held.manifestDigest()))
                                .as("spoke and hub hold the same manifest for revision " + held.revision()).isTrue();
                    }
                }
                hub = startHub(conf, kill);
                // Objects written by a cycle or a snapshot that the kill cut off are swept at start.
                java.util.regex.Matcher swept = java.util.regex.Pattern.compile("garbage collection at start: .*deleted (\\d+) objects")
                        .matcher(Files.readString(hub.log()));
                if (swept.find() && Long.parseLong(swept.group(1)) > 0) {
                    restartsThatSweptObjects++;
                }
            }
        } finally {
            publishing.set(false);
            operator.join();
        }
        assertThat(accepted.get()).as("ingests went through between kills").isGreaterThan(KILLS);

        // One more revision after the last restart; the spokes reach it and hold the hub's manifest for it.
        assertThat(ingest(conf, List.of(CatalogueGenerator.putLine(generator.generate(1).get(0))), "last")).isZero();
        hub.stop(Duration.ofSeconds(30));
        long head;
        byte[] headDigest;
        try (CatalogueStore store = CatalogueStore.openReadOnly(config.dataDir().resolve("catalogue"))) {
            head = store.head().orElseThrow().revision();
            headDigest = store.head().orElseThrow().manifestDigest();
        }
        hub = startHub(conf, KILLS + 1);
        try {
            for (Spoke spoke : spokes) {
                assertThat(spoke.awaitRevision(head, Duration.ofSeconds(120))).as("spoke reaches head " + head).isTrue();
                assertThat(spoke.replica().state().orElseThrow().manifestDigest()).isEqualTo(headDigest);
                assertThat(spoke.check().ok()).as(spoke.check().message()).isTrue();
            }
        } finally {
            for (Spoke spoke : spokes) {
                spoke.close();
            }
            hub.stop(Duration.ofSeconds(30));
        }
        System.out.printf("hub crash test: %d kills; %d ingests accepted, %d refused while the hub was down or killed during the call;"
                        + " %d background snapshots written between kills; %d restarts swept objects a killed cycle or snapshot had written;"
                        + " head %d; every check passed; %.0f s%n", KILLS, accepted.get(), failed.get(), snapshotsWrittenBetweenKills,
                restartsThatSweptObjects, head, (System.nanoTime() - started) / 1e9);
    }

    private DaemonProcess startHub(Path conf, int round) throws IOException, InterruptedException {
        DaemonProcess hub = DaemonProcess.hub(null, "hub", tmp.resolve("logs").resolve("hub-" + round + ".log"), HUB_JVM,
                "serve", "--config", conf.toString());
        assertThat(hub.awaitLog("ready:", Duration.ofSeconds(60))).as("hub ready after start " + round).isTrue();
        return hub;
    }

    /** {@code spejl-hub ingest}, as an operator runs it; returns its exit code. Its output goes to a log. */
    private int ingest(Path conf, List<String> lines, String name) throws IOException {
        Path file = tmp.resolve(name + ".jsonl");
        Files.write(file, lines);
        return HubCli.commandLine().execute("ingest", "--config", conf.toString(), file.toString());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
