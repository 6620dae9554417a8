package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hub restored from an older backup, with spokes that hold revisions it lost: real mutual TLS, the operators' real
 * {@code spejl-hub backup} and {@code restore}, RocksDB in temp directories. No spoke is stranded at a broken chain, and
 * every one ends at the restored hub's new head with a replica that verifies.
 */
class HubRestoreTest {
    @TempDir
    Path tmp;

    private static final SnapshotPolicy POLICY = new SnapshotPolicy(1000, 0.25, 2);

    @Test
    void aRestoreFromAnOlderBackupBringsEverySpokeToTheRestoredHubsNewHead() throws Exception {
        CatalogueGenerator generator = new CatalogueGenerator(1701);
        try (Cluster cluster = new Cluster(tmp.resolve("cluster"), POLICY)) {
            long r1 = cluster.put(generator.generate(300));
            Spoke below = cluster.spoke("below");
            Spoke between = cluster.spoke("between");
            Spoke mid = cluster.spoke("mid");
            Spoke ahead = cluster.spoke("ahead");
            await(List.of(below, between, mid, ahead), r1);
            stop(cluster, below); // holds r1, which the backup holds too

            long r2 = cluster.put(generator.generate(50));
            await(List.of(between, mid, ahead), r2);
            Path backup = tmp.resolve("backup");
            CliRun took = CliRun.hub("backup", backup.toString(), "--config", cluster.hubConf().toString());
            assertThat(took.exit()).as(took.err()).isZero();
            assertThat(took.out()).contains("backed up hub test-hub at revision " + r2);

            cluster.put(generator.generate(40));
            long r4 = cluster.put(generator.generate(40));
            await(List.of(between, mid, ahead), r4);
            stop(cluster, between); // each of these holds a revision lost with the hub
            long r5 = cluster.put(generator.generate(30));
            await(List.of(mid, ahead), r5);
            stop(cluster, mid);
            cluster.put(generator.generate(20));
            List<HubRecord> lostRecords = generator.generate(30);
            long r7 = cluster.put(lostRecords);
            await(List.of(ahead), r7);
            stop(cluster, ahead); // the newest the lost hub published
            cluster.stopHub();

            // The hub's machine is lost; its backup is restored on another.
            Path restoredDir = tmp.resolve("restored");
            CliRun restored = CliRun.hub("restore", backup.toString(), "--dir", restoredDir.toString());
            assertThat(restored.exit()).as(restored.out() + restored.err()).isZero();
            assertThat(restored.out()).contains("restored hub test-hub", "revision " + r2,
                    "checked: the records add up to the signed state of revision " + r2);
            Path conf = restoredDir.resolve("hub.conf");
            java.nio.file.Files.writeString(conf, "restore.window = 2s\n", java.nio.file.StandardOpenOption.APPEND);
            cluster.startHubFrom(conf);
            assertThat(cluster.hub.publisher().head().revision()).isEqualTo(r2);

            // Two spokes come back together: the hub gathers what they hold, and publishes one bridge above the newest.
            Spoke betweenAgain = restart(cluster, "between");
            Spoke midAgain = restart(cluster, "mid");
            long bridge1 = r5 + 1;
            awaitHead(cluster, bridge1);
            await(List.of(betweenAgain, midAgain), bridge1);
            assertThat(cluster.hubMetrics.get("spejl_hub_bridge_revisions_total").counter().count()).isEqualTo(1);
            // One comes back later, holding more still: another bridge, no sooner than the window after the first.
            Spoke aheadAgain = restart(cluster, "ahead");
            long bridge2 = r7 + 1;
            awaitHead(cluster, bridge2);
            long firstAt = Manifest.parseFrom(cluster.hub.catalogue().manifests().get(bridge1).orElseThrow().getManifest()).getPublishedAtMillis();
            long secondAt = cluster.hub.publisher().head().manifest().getPublishedAtMillis();
            assertThat(secondAt - firstAt).as("the bridges are spaced by the window (2 s)").isGreaterThanOrEqualTo(2000);
            Spoke belowAgain = restart(cluster, "below");
            Spoke fresh = cluster.spoke("fresh");
            List<Spoke> all = List.of(belowAgain, betweenAgain, midAgain, aheadAgain, fresh);
            await(all, bridge2);

            // Each bridge chains to the manifest a spoke held, and carries the restored state under its own snapshot.
            Manifest head = cluster.hub.publisher().head().manifest();
            assertThat(head.hasDelta()).as("a bridge has no delta").isFalse();
            assertThat(head.getSnapshotRevision()).isEqualTo(bridge2);
            assertThat(cluster.hub.catalogue().manifests().bridged(r7)).isPresent();
            assertThat(cluster.hub.catalogue().manifests().bridged(r4)).as("gathered: no bridge above the lower one").isEmpty();
            assertThat(head.getPreviousManifestDigest().toByteArray())
                    .isEqualTo(ManifestSigner.digest(cluster.hub.catalogue().manifests().bridged(r7).orElseThrow()));
            assertThat(head.getEntryCount()).as("the restored state: what was published after the backup is gone")
                    .isEqualTo(300 + 50);
            for (Spoke spoke : all) {
                assertThat(spoke.replica().get(lostRecords.get(0).getRecord().getId())).as(spoke + " no longer holds a lost record").isNull();
                assertThat(spoke.replica().state().orElseThrow().manifest().getStateDigest()).isEqualTo(head.getStateDigest());
            }
            assertThat(cluster.hubMetrics.get("spejl_hub_bridge_revisions_total").counter().count()).isEqualTo(2);
            assertThat(cluster.hubMetrics.get("spejl_hub_forked_spokes_total").counter().count()).isZero();

            CliRun check = CliRun.hub("check", "--config", conf.toString());
            assertThat(check.exit()).as(check.err()).isZero();

            // From the new head on, revisions are deltas again, and every spoke follows.
            long next = cluster.put(generator.generate(10));
            await(all, next);
            for (Spoke spoke : all) {
                assertThat(failures(spoke)).as(spoke + " refused nothing on the way").isEmpty();
            }
            Map<String, Path> replicas = new java.util.TreeMap<>();
            for (String name : List.of("below", "between", "mid", "ahead", "fresh")) {
                replicas.put(name, dir(cluster, name));
            }
            cluster.spokes.forEach(Spoke::close);
            cluster.spokes.clear();
            for (var replica : replicas.entrySet()) {
                try (Replica opened = Replica.open(replica.getValue(), true)) {
                    ReplicaCheck.Outcome outcome = cluster.check(opened, replica.getKey());
                    assertThat(outcome.ok()).as(replica.getKey() + " verifies: " + outcome.message()).isTrue();
                    assertThat(outcome.revision()).isEqualTo(next);
                    assertThat(outcome.records()).isEqualTo(300 + 50 + 10);
                }
            }
        }
    }

    @Test
    void aSpokeHoldingARevisionTheRestoredHubPublishedAgainIsMovedToASnapshotAboveIt() throws Exception {
        CatalogueGenerator generator = new CatalogueGenerator(1702);
        try (Cluster cluster = new Cluster(tmp.resolve("cluster"), POLICY)) {
            long r1 = cluster.put(generator.generate(200));
            Spoke spoke = cluster.spoke("vejle");
            Spoke other = cluster.spoke("odense");
            await(List.of(spoke, other), r1);
            Path backup = tmp.resolve("backup");
            assertThat(CliRun.hub("backup", backup.toString(), "--config", cluster.hubConf().toString()).exit()).isZero();
            long r2 = cluster.put(generator.generate(20));
            await(List.of(spoke, other), r2);
            stop(cluster, spoke);
            stop(cluster, other);
            cluster.stopHub();

            Path restoredDir = tmp.resolve("restored");
            assertThat(CliRun.hub("restore", backup.toString(), "--dir", restoredDir.toString()).exit()).isZero();
            java.nio.file.Files.writeString(restoredDir.resolve("hub.conf"), "restore.window = 1s\n", java.nio.file.StandardOpenOption.APPEND);
            cluster.startHubFrom(restoredDir.resolve("hub.conf"));
            // An operator ingests before the spoke is back: revision r2 now names other content at the hub.
            assertThat(cluster.put(generator.generate(5))).isEqualTo(r2);

            Spoke back = restart(cluster, "vejle");
            awaitSnapshotAbove(cluster, r2 + 1);
            long head = cluster.hub.publisher().head().revision();
            await(List.of(back), head);
            assertThat(back.replica().state().orElseThrow().manifest().getStateDigest())
                    .isEqualTo(cluster.hub.publisher().head().manifest().getStateDigest());
            assertThat(cluster.hubMetrics.get("spejl_hub_forked_spokes_total").counter().count()).isEqualTo(1);
            // A second spoke on the same old revision: the snapshot above it is there already, so nothing is published for it.
            Spoke otherBack = restart(cluster, "odense");
            await(List.of(otherBack), head);
            assertThat(cluster.hub.publisher().head().revision()).as("nothing more published for it").isEqualTo(head);
            // (found as lost, not as a fork: the hub has collected its own manifest of that number since)
            assertThat(cluster.hubMetrics.get("spejl_hub_forked_spokes_total").counter().count()).isEqualTo(1);
            long next = cluster.put(generator.generate(5));
            await(List.of(back, otherBack), next);
            assertThat(failures(back)).isEmpty();
            assertThat(failures(otherBack)).isEmpty();
        }
    }

    private static Path dir(Cluster cluster, String name) {
        return cluster.dir.resolve("spoke-" + name).resolve("replica");
    }

    private static void stop(Cluster cluster, Spoke spoke) {
        spoke.close();
        cluster.spokes.remove(spoke);
    }

    private static Spoke restart(Cluster cluster, String name) throws Exception {
        return cluster.spoke(name);
    }

    /** What the spoke refused, by reason, from its counters. */
    private static Map<String, Double> failures(Spoke spoke) {
        Map<String, Double> refused = new java.util.TreeMap<>();
        spoke.metrics().find("spejl_spoke_verification_failures_total").counters()
                .forEach(c -> refused.merge(c.getId().getTag("reason"), c.count(), Double::sum));
        refused.values().removeIf(v -> v == 0);
        return refused;
    }

    private static void await(List<Spoke> spokes, long revision) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (Spoke spoke : spokes) {
            while (spoke.replica().state().map(s -> s.revision()).orElse(-1L) != revision) {
                assertThat(System.nanoTime()).as(spoke + " at revision " + revision + "; it holds "
                        + spoke.replica().state().map(s -> s.revision()).orElse(-1L) + ", refused " + failures(spoke)).isLessThan(end);
                Thread.sleep(20);
            }
        }
    }

    private static void awaitHead(Cluster cluster, long revision) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cluster.hub.publisher().head().revision() < revision) {
            assertThat(System.nanoTime()).as("the hub publishes revision " + revision).isLessThan(end);
            Thread.sleep(20);
        }
        assertThat(cluster.hub.publisher().head().revision()).isEqualTo(revision);
    }

    private static void awaitSnapshotAbove(Cluster cluster, long revision) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cluster.hub.publisher().head().manifest().getSnapshotRevision() <= revision) {
            assertThat(System.nanoTime()).as("the hub's head names a snapshot above " + revision).isLessThan(end);
            Thread.sleep(20);
        }
    }
}
