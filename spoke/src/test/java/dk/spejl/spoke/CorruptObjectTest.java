package dk.spejl.spoke;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** An object whose stored bytes rot at the hub (invariant 4): the hub notices as it serves it, and never completes it. */
class CorruptObjectTest {
    @TempDir
    Path tmp;

    @Test
    void theHubEndsTheTransferOfARottenObjectWithDataLossAndTheSpokeTakesNothingFromIt() throws Exception {
        RottingObjects objects = new RottingObjects();
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT, b -> b.objects(objects))) {
            long revision = cluster.put(new CatalogueGenerator(41).generate(500));
            Manifest head = Manifest.parseFrom(cluster.hub.catalogue().manifests().get(revision).orElseThrow().getManifest());
            objects.rotten = Sha256.hex(head.getSnapshotIndex().getDigest().toByteArray());
            Spoke spoke = cluster.spoke("reader");
            long deadline = System.currentTimeMillis() + 20_000;
            while (corrupt(cluster) < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(corrupt(cluster)).as("the hub counted the rotten object").isGreaterThanOrEqualTo(1);
            assertThat(spoke.replica().state()).as("nothing taken from it").isEmpty();

            objects.rotten = "";
            assertThat(spoke.awaitRevision(revision, Duration.ofSeconds(30))).isTrue();
            assertThat(spoke.check().ok()).isTrue();
        }
    }

    @Test
    void aSpokeThatCannotApplyTheNextDeltaRebuildsFromTheNewestSnapshotInsteadOfRetryingForever() throws Exception {
        RottingObjects objects = new RottingObjects();
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT, b -> b.objects(objects))) {
            CatalogueGenerator generator = new CatalogueGenerator(42);
            long first = cluster.put(generator.generate(2000));
            Spoke spoke = cluster.spoke("stuck");
            assertThat(spoke.awaitRevision(first, Duration.ofSeconds(30))).isTrue();
            spoke.close();
            cluster.spokes.remove(spoke);
            // A delta too large to ride inline on Watch, and large enough against the catalogue to carry its own snapshot.
            long second = cluster.put(generator.generate(800));
            Manifest manifest = Manifest.parseFrom(cluster.hub.catalogue().manifests().get(second).orElseThrow().getManifest());
            assertThat(manifest.getDelta().getSize()).isGreaterThan(dk.spejl.hub.replication.ManifestFeed.INLINE_DELTA_LIMIT);
            assertThat(manifest.getSnapshotRevision()).isEqualTo(second);
            objects.rotten = Sha256.hex(manifest.getDelta().getDigest().toByteArray());

            Spoke again = cluster.spoke("stuck");
            assertThat(again.awaitRevision(second, Duration.ofSeconds(60))).as("rebuilt from the snapshot of revision 2").isTrue();
            assertThat(corrupt(cluster)).as("it tried the rotten delta a bounded number of times first")
                    .isGreaterThanOrEqualTo(dk.spejl.spoke.sync.Follower.REBUILD_AFTER_FAILURES).isLessThan(20);
            assertThat(again.check().ok()).isTrue();
            long third = cluster.put(generator.generate(1));
            assertThat(again.awaitRevision(third, Duration.ofSeconds(30))).as("and follows deltas again").isTrue();
        }
    }

    private static double corrupt(Cluster cluster) {
        var counter = cluster.hubMetrics.find("spejl_hub_corrupt_objects_served_total").counter();
        return counter == null ? 0 : counter.count();
    }
}
