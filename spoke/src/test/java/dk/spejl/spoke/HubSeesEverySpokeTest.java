package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.sync.SyncSettings;
import dk.spejl.wire.SpokeState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub knows where every enrolled spoke is, from what each reports over real mutual TLS: one that holds the head,
 * one that is connected but cannot apply it (its objects rot at the hub), one that went away, and one enrolled but
 * never started. What it knows outlives a restart of the hub.
 */
class HubSeesEverySpokeTest {
    @TempDir
    Path tmp;

    private static Map<String, SpokeState> states(Cluster cluster) throws Exception {
        return cluster.hub.spokes().states().stream()
                .collect(Collectors.toMap(SpokeState::getName, s -> s));
    }

    private static void await(Cluster cluster, String what, Predicate<Map<String, SpokeState>> condition) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, SpokeState> seen = states(cluster);
        while (!condition.test(seen)) {
            assertThat(System.nanoTime()).as("waited 30 s for " + what + "; the hub sees " + seen.values()).isLessThan(end);
            Thread.sleep(50);
            seen = states(cluster);
        }
    }

    private static double gauge(Cluster cluster, String name, String spoke) {
        return cluster.hubMetrics.get(name).tag("spoke", spoke).gauge().value();
    }

    @Test
    void theHubNamesEachSpokeOkBehindSilentOrNeverSeenAndRemembersThemAcrossARestart() throws Exception {
        RottingObjects objects = new RottingObjects();
        // Spokes report every 200 ms: silent after 1.5 s without a report; behind once it lacks a revision 500 ms old.
        try (Cluster cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2), Duration.ofMillis(200),
                Duration.ofMinutes(5), b -> b.objects(objects).behindAfter(Duration.ofMillis(500)).silentAfter(Duration.ofMillis(1500)))) {
            CatalogueGenerator generator = new CatalogueGenerator(1601);
            long first = cluster.put(generator.generate(1000));
            SyncSettings reportOften = SyncSettings.DEFAULT.withReportEvery(Duration.ofMillis(200));
            Spoke ouh = cluster.spokeBuilder("ouh").sync(reportOften).start();
            cluster.spokes.add(ouh);
            Spoke aalborg = cluster.spokeBuilder("aalborg").tls(cluster.enrol("aalborg", "nordjylland")).sync(reportOften).start();
            cluster.spokes.add(aalborg);
            cluster.enrol("vejle", "syddanmark"); // enrolled, never started
            await(cluster, "both spokes at revision " + first, s -> s.get("ouh").getCondition().equals("ok") && s.get("ouh").getAppliedRevision() == first
                    && s.get("aalborg").getCondition().equals("ok") && s.get("aalborg").getAppliedRevision() == first);
            Map<String, SpokeState> seen = states(cluster);
            assertThat(seen).containsOnlyKeys("ouh", "aalborg", "vejle");
            assertThat(seen.get("ouh").getConnected()).isTrue();
            assertThat(seen.get("ouh").getRegion()).isEqualTo("syddanmark");
            assertThat(seen.get("aalborg").getRegion()).isEqualTo("nordjylland");
            assertThat(seen.get("vejle").getCondition()).isEqualTo("never_seen");
            assertThat(seen.get("vejle").getReported()).isFalse();
            assertThat(gauge(cluster, "spejl_hub_spoke_behind_revisions", "ouh")).isZero();
            assertThat(gauge(cluster, "spejl_hub_spoke_ok", "ouh")).isEqualTo(1);
            assertThat(gauge(cluster, "spejl_hub_spoke_ok", "vejle")).as("enrolled, never seen").isZero();
            assertThat(gauge(cluster, "spejl_hub_spoke_applied_revision", "vejle")).isNaN();

            // aalborg goes away; the next revision's objects rot, so ouh, connected, cannot apply it.
            aalborg.close();
            cluster.spokes.remove(aalborg);
            objects.rotNew = true;
            long second = cluster.put(generator.generate(800));
            await(cluster, "ouh behind and aalborg silent", s -> s.get("ouh").getCondition().equals("behind")
                    && s.get("aalborg").getCondition().equals("silent"));
            seen = states(cluster);
            SpokeState stuck = seen.get("ouh");
            // It keeps reporting (it is not silent) from its reconnects, each of which ends at the rotten object.
            assertThat(System.currentTimeMillis() - stuck.getLastSeenMillis()).isLessThan(Duration.ofSeconds(10).toMillis());
            assertThat(stuck.getAppliedRevision()).isEqualTo(first);
            assertThat(stuck.getBehindRevisions()).isEqualTo(second - first);
            assertThat(stuck.getLagSeconds()).isGreaterThan(0.5);
            await(cluster, "ouh's refusals", s -> s.get("ouh").getVerificationFailuresMap().getOrDefault("hub_data_loss", 0L) > 0);
            assertThat(seen.get("aalborg").getConnected()).isFalse();
            assertThat(seen.get("aalborg").getAppliedRevision()).isEqualTo(first);
            assertThat(gauge(cluster, "spejl_hub_spoke_behind_revisions", "ouh")).isEqualTo(second - first);
            assertThat(gauge(cluster, "spejl_hub_spoke_applied_revision", "aalborg")).isEqualTo(first);
            assertThat(gauge(cluster, "spejl_hub_spoke_ok", "aalborg")).isZero();
            assertThat(gauge(cluster, "spejl_hub_spoke_ok", "ouh")).isZero();
            assertThat(cluster.hubMetrics.get("spejl_hub_spoke_refusals_total").tag("spoke", "ouh").functionCounter().count()).isPositive();
            assertThat(stuck.getHeartbeatIssuedAtMillis()).as("its newest heartbeat, as it reported").isPositive();
            assertThat(cluster.hubMetrics.get("spejl_hub_spokes_connected").gauge().value()).isLessThanOrEqualTo(1);

            // After a restart the hub still knows aalborg, silent at the revision it last reported; not never seen.
            cluster.stopHub();
            cluster.startHub();
            seen = states(cluster);
            assertThat(seen.get("aalborg").getReported()).isTrue();
            assertThat(seen.get("aalborg").getCondition()).isEqualTo("silent");
            assertThat(seen.get("aalborg").getAppliedRevision()).isEqualTo(first);
            assertThat(List.of(seen.get("vejle").getCondition())).containsExactly("never_seen");
        }
    }
}
