package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.ReloadKeysResult;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Key rotation against a real hub over TLS: watching spokes follow on their open stream. */
class KeyRotationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void watchingSpokesFollowARotationWithoutReconnectingOrBootstrapping() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(21);
            List<HubRecord> records = generator.generate(300);
            long revision = cluster.put(records);
            AtomicInteger bootstraps = new AtomicInteger();
            Spoke a = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> {
                if (bootstrap) {
                    bootstraps.incrementAndGet();
                }
            }).start();
            cluster.spokes.add(a);
            Spoke behind = cluster.spoke("behind");
            assertThat(a.awaitRevision(revision, WAIT)).isTrue();
            assertThat(behind.awaitRevision(revision, WAIT)).isTrue();
            behind.close();
            cluster.spokes.remove(behind);
            revision = cluster.put(generator.generate(3));
            assertThat(a.awaitRevision(revision, WAIT)).isTrue();
            assertThat(bootstraps.get()).isEqualTo(1);
            String oldKey = cluster.key().publicKey().keyId();

            // A rotation that revokes the old key: the hub re-signs its head under the new key at once.
            ReloadKeysResult rotated = cluster.rotate(false);
            assertThat(rotated.getChanged()).isTrue();
            assertThat(rotated.getDelegationVersion()).isEqualTo(2);
            assertThat(rotated.getResignedRevision()).isEqualTo(revision + 1);
            assertThat(a.awaitRevision(rotated.getResignedRevision(), WAIT)).isTrue();
            assertThat(a.delegation().version()).isEqualTo(2);
            assertThat(a.replica().state().orElseThrow().signingKey().keyId()).isEqualTo(rotated.getSigningKeyId()).isNotEqualTo(oldKey);
            long next = cluster.put(generator.generate(2));
            assertThat(a.awaitRevision(next, WAIT)).isTrue();
            assertThat(bootstraps.get()).as("no re-bootstrap").isEqualTo(1);
            assertThat(Cluster.sessions(a)).as("no reconnect").isEqualTo(1.0);
            ReplicaCheck.Outcome check = a.check();
            assertThat(check.ok()).as(check.message()).isTrue();
            assertThat(check.message()).contains("delegation version 2");
            assertThat(a.metrics().scrape()).contains("spejl_spoke_key_delegation_version 2.0");

            // A spoke that was away holds a revision signed by the revoked key; the hub moves it to its newest
            // snapshot, signed by the live key, rather than replaying manifests it would refuse.
            Spoke back = cluster.spoke("behind");
            assertThat(back.awaitRevision(next, WAIT)).isTrue();
            assertThat(back.check().ok()).as(back.check().message()).isTrue();
            assertThat(back.replica().get(records.get(0).getRecord().getId())).isNotNull();

            // A rotation that keeps the previous key: nothing is re-signed; the next revision carries the new key.
            ReloadKeysResult overlap = cluster.rotate(true);
            assertThat(overlap.getDelegationVersion()).isEqualTo(3);
            assertThat(overlap.getResignedRevision()).isZero();
            long third = cluster.put(generator.generate(1));
            assertThat(a.awaitRevision(third, WAIT)).isTrue();
            assertThat(back.awaitRevision(third, WAIT)).isTrue();
            assertThat(a.delegation().version()).isEqualTo(3);
            assertThat(a.replica().state().orElseThrow().signingKey().keyId()).isEqualTo(overlap.getSigningKeyId());
            assertThat(Cluster.sessions(a)).isEqualTo(1.0);
            assertThat(bootstraps.get()).isEqualTo(1);
            assertThat(cluster.hub.trust().reload().getChanged()).as("reloading the same directory changes nothing").isFalse();

            // The hub restarts under the newest delegation; spokes reconnect and carry on.
            cluster.stopHub();
            cluster.startHub();
            long fourth = cluster.put(generator.generate(1));
            assertThat(a.awaitRevision(fourth, WAIT)).isTrue();
            assertThat(a.check().ok()).isTrue();
        }
    }
}
