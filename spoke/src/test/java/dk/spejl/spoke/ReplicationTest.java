package dk.spejl.spoke;

import dk.spejl.digest.Canonical;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replication over real localhost gRPC with TLS and real RocksDB. */
class ReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** Retries an assertion for a while: listeners run just after the replica moves. */
    static void eventually(Runnable assertion) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void emptySpokeBootstrapsAndServesEveryRecord() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            List<HubRecord> records = new CatalogueGenerator(1).generate(3000);
            long revision = cluster.put(records);
            List<Boolean> bootstraps = new CopyOnWriteArrayList<>();
            Spoke spoke = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> bootstraps.add(bootstrap)).start();
            cluster.spokes.add(spoke);

            assertThat(spoke.awaitRevision(revision, WAIT)).isTrue();
            eventually(() -> assertThat(bootstraps).containsExactly(true));
            for (HubRecord record : records) {
                assertThat(spoke.replica().get(record.getRecord().getId())).isEqualTo(Canonical.bytes(record.getRecord()));
            }
            assertThat(spoke.check().ok()).isTrue();

            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + spoke.httpAddress().getPort();
            String status = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"hubId\":\"test-hub\"", "\"revision\":" + revision, "\"entryCount\":3000", "\"stale\":false");
            String id = records.get(7).getRecord().getId();
            HttpResponse<String> record = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/records/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(record.statusCode()).isEqualTo(200);
            assertThat(record.body()).contains("\"id\":\"" + id + "\"").doesNotContain("storage_uri", "ngc-store://");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/records/ngcf-absent")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/records/..%2F..%2Fetc")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).contains("\"error\"");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/records/" + id))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("spejl_spoke_revision " + revision + ".0", "spejl_spoke_stale 0.0", "spejl_spoke_bootstrap_seconds");
        }
    }

    @Test
    void putsUpdatesAndDeletesArriveAsDeltas() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(2);
            List<HubRecord> records = generator.generate(500);
            long first = cluster.put(records.subList(0, 400));
            List<Boolean> bootstraps = new CopyOnWriteArrayList<>();
            Spoke spoke = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> bootstraps.add(bootstrap)).start();
            cluster.spokes.add(spoke);
            assertThat(spoke.awaitRevision(first, WAIT)).isTrue();

            long inserted = cluster.put(records.subList(400, 500));
            HubRecord updated = generator.modify(records.get(3));
            long update = cluster.put(List.of(updated));
            String gone = records.get(10).getRecord().getId();
            long delete = cluster.ingest(List.of(CatalogueGenerator.deleteLine(gone)));

            assertThat(spoke.awaitRevision(delete, WAIT)).isTrue();
            assertThat(update).isEqualTo(inserted + 1);
            eventually(() -> assertThat(bootstraps).containsExactly(true, false, false, false));
            assertThat(spoke.replica().get(records.get(450).getRecord().getId())).isNotNull();
            assertThat(spoke.replica().get(updated.getRecord().getId())).isEqualTo(Canonical.bytes(updated.getRecord()));
            assertThat(spoke.replica().get(gone)).isNull();
            assertThat(spoke.replica().state().orElseThrow().entryCount()).isEqualTo(499);
            assertThat(spoke.check().ok()).isTrue();
        }
    }

    @Test
    void aFailingApplyListenerNeitherUndoesNorRepeatsARevision() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(12);
            List<HubRecord> records = generator.generate(100);
            long first = cluster.put(records);
            Spoke spoke = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> {
                throw new IllegalStateException("listener broke at revision " + rev);
            }).start();
            cluster.spokes.add(spoke);
            assertThat(spoke.awaitRevision(first, WAIT)).isTrue();
            long last = first;
            for (int i = 0; i < 5; i++) {
                last = cluster.put(List.of(generator.modify(records.get(i))));
            }
            assertThat(spoke.awaitRevision(last, WAIT)).isTrue();
            // Each revision was applied once, on one Watch session: nothing was taken for a replay or a rollback.
            assertThat(Cluster.sessions(spoke)).isEqualTo(1.0);
            assertThat(spoke.metrics().find("spejl_spoke_verification_failures_total").counters()).allMatch(c -> c.count() == 0);
            assertThat(spoke.check().ok()).isTrue();
        }
    }

    @Test
    void restartedSpokeResumesFromWhatItHolds() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(3);
            long first = cluster.put(generator.generate(200));
            Spoke spoke = cluster.spoke("a");
            assertThat(spoke.awaitRevision(first, WAIT)).isTrue();
            spoke.close();
            cluster.spokes.remove(spoke);

            long last = 0;
            for (int i = 0; i < 3; i++) {
                last = cluster.put(generator.generate(10));
            }
            List<String> applied = new CopyOnWriteArrayList<>();
            Spoke again = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> applied.add(rev + (bootstrap ? " bootstrap" : " delta")))
                    .start();
            cluster.spokes.add(again);
            assertThat(again.awaitRevision(last, WAIT)).isTrue();
            // It went on from the revision it held: the three revisions since, each as a delta, and nothing else. (Its
            // replica's revision right after the start is no proof: it may have caught up already.)
            eventually(() -> assertThat(applied).containsExactly((first + 1) + " delta", (first + 2) + " delta", (first + 3) + " delta"));
            assertThat(last).isEqualTo(first + 3);
        }
    }

    @Test
    void aSpokeWhoseHttpPortIsTakenFailsToStartAndLeavesNothingBehind() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT);
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            long revision = cluster.put(new CatalogueGenerator(31).generate(50));
            assertThatThrownBy(() -> cluster.spokeBuilder("busy").http(new java.net.InetSocketAddress("127.0.0.1", taken.getLocalPort())).start())
                    .isInstanceOf(java.io.IOException.class);
            // The hub connection it had begun is closed, and the replica is free for the next start.
            eventually(() -> assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("spoke-sync") && t.isAlive()));
            Spoke spoke = cluster.spoke("busy");
            assertThat(spoke.awaitRevision(revision, WAIT)).isTrue();
        }
    }

    @Test
    void spokeBehindTheRetainedDeltasBootstrapsAgain() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(2, 100.0, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(4);
            long first = cluster.put(generator.generate(300));
            Spoke spoke = cluster.spoke("a");
            assertThat(spoke.awaitRevision(first, WAIT)).isTrue();
            spoke.close();
            cluster.spokes.remove(spoke);

            long last = 0;
            for (int i = 0; i < 6; i++) {
                last = cluster.put(generator.generate(5));
                cluster.hub.publisher().awaitSnapshots();
            }
            assertThat(cluster.hub.catalogue().manifests().revisions().get(0)).isGreaterThan(first + 1);
            List<Boolean> bootstraps = new CopyOnWriteArrayList<>();
            Spoke again = cluster.spokeBuilder("a").onApplied((rev, bootstrap, nanos) -> bootstraps.add(bootstrap)).start();
            cluster.spokes.add(again);
            assertThat(again.awaitRevision(last, WAIT)).isTrue();
            eventually(() -> assertThat(bootstraps).first().isEqualTo(true));
            assertThat(again.replica().state().orElseThrow().entryCount()).isEqualTo(330);
            assertThat(again.check().ok()).isTrue();
        }
    }

    @Test
    void spokesFollowAHubThatRestarts() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(5);
            long first = cluster.put(generator.generate(100));
            Spoke a = cluster.spoke("a");
            Spoke b = cluster.spoke("b");
            assertThat(a.awaitRevision(first, WAIT)).isTrue();
            assertThat(b.awaitRevision(first, WAIT)).isTrue();

            cluster.stopHub();
            // Serving goes on from the last verified state while the hub is away.
            assertThat(a.replica().state().orElseThrow().revision()).isEqualTo(first);
            cluster.startHub();
            long next = cluster.put(generator.generate(10));
            assertThat(a.awaitRevision(next, WAIT)).isTrue();
            assertThat(b.awaitRevision(next, WAIT)).isTrue();
            assertThat(b.check().ok()).isTrue();
        }
    }

    @Test
    void aSpokeCutOffFromItsHubSaysItIsStaleAndKeepsServing() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT, Duration.ofMillis(100), Duration.ofMillis(600))) {
            List<HubRecord> records = new CatalogueGenerator(8).generate(20);
            long revision = cluster.put(records);
            Spoke spoke = cluster.spoke("a");
            cluster.spokes.add(spoke);
            assertThat(spoke.awaitRevision(revision, WAIT)).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            URI status = URI.create("http://127.0.0.1:" + spoke.httpAddress().getPort() + "/api/v1/status");
            assertThat(http.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()).body()).contains("\"stale\":false");

            cluster.stopHub();
            eventually(() -> assertThat(spoke.staleSince()).isPresent());
            String body = http.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(body).contains("\"stale\":true", "\"staleSince\":", "\"revision\":" + revision);
            assertThat(spoke.metrics().scrape()).contains("spejl_spoke_stale 1.0");
            assertThat(spoke.replica().get(records.get(0).getRecord().getId())).isNotNull();

            cluster.startHub();
            eventually(() -> assertThat(spoke.staleSince()).isEmpty());
            assertThat(spoke.metrics().scrape()).contains("spejl_spoke_stale 0.0");
        }
    }

    @Test
    void verifyDetectsATamperedReplica() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            // 3,000 records: verify adds them up in blocks of 1,024, and the tampered one is in the middle block.
            List<HubRecord> records = new CatalogueGenerator(6).generate(3000);
            Path replicaDir = stoppedSpokeHolding(cluster, records);
            try (Replica replica = Replica.open(replicaDir, true)) {
                ReplicaCheck.Outcome outcome = cluster.check(replica, "a");
                assertThat(outcome.ok()).as(outcome.message()).isTrue();
                assertThat(outcome.records()).isEqualTo(3000);
            }
            HubRecord middle = byId(records).get(1500);
            HubRecord changed = new CatalogueGenerator(7).modify(middle);
            ReplicaTampering.put(replicaDir, changed.getRecord().getId(), Canonical.bytes(changed.getRecord()));
            try (Replica replica = Replica.open(replicaDir, true)) {
                ReplicaCheck.Outcome outcome = cluster.check(replica, "a");
                assertThat(outcome.ok()).isFalse();
                assertThat(outcome.message()).contains("recomputed state", "over 3000 records");
            }
        }
    }

    @Test
    void verifyNamesARecordStoredUnderAnotherId() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            List<HubRecord> records = new CatalogueGenerator(6).generate(3000);
            Path replicaDir = stoppedSpokeHolding(cluster, records);
            List<HubRecord> sorted = byId(records);
            String victim = sorted.get(2500).getRecord().getId();
            ReplicaTampering.put(replicaDir, victim, Canonical.bytes(sorted.get(10).getRecord()));
            try (Replica replica = Replica.open(replicaDir, true)) {
                ReplicaCheck.Outcome outcome = cluster.check(replica, "a");
                assertThat(outcome.ok()).isFalse();
                assertThat(outcome.message()).isEqualTo("record stored under " + victim + " carries another id");
            }
        }
    }

    @Test
    void verifyOfARunningSpokeHoldsWhileRevisionsArrive() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(8);
            List<HubRecord> records = generator.generate(3000);
            long revision = cluster.put(records);
            Spoke spoke = cluster.spoke("a");
            assertThat(spoke.awaitRevision(revision, WAIT)).isTrue();
            AtomicBoolean publishing = new AtomicBoolean(true);
            AtomicLong published = new AtomicLong(revision);
            Thread publisher = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(3);
                try {
                    while (publishing.get()) {
                        published.set(cluster.put(List.of(generator.modify(records.get(random.nextInt(records.size()))))));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            publisher.start();
            try {
                long seenFrom = spoke.replica().state().orElseThrow().revision();
                for (int i = 0; i < 15; i++) {
                    ReplicaCheck.Outcome outcome = spoke.check();
                    assertThat(outcome.ok()).as(outcome.message()).isTrue();
                    assertThat(outcome.records()).isEqualTo(3000);
                }
                assertThat(spoke.replica().state().orElseThrow().revision()).as("revisions arrived during the checks").isGreaterThan(seenFrom);
            } finally {
                publishing.set(false);
                publisher.join();
            }
            assertThat(spoke.awaitRevision(published.get(), WAIT)).isTrue();
            assertThat(spoke.check().ok()).isTrue();
        }
    }

    /** Publishes the records, lets spoke "a" take them, stops it and returns its replica's directory. */
    private Path stoppedSpokeHolding(Cluster cluster, List<HubRecord> records) throws Exception {
        long revision = cluster.put(records);
        Spoke spoke = cluster.spoke("a");
        assertThat(spoke.awaitRevision(revision, WAIT)).isTrue();
        spoke.close();
        cluster.spokes.remove(spoke);
        return tmp.resolve("spoke-a").resolve("replica");
    }

    private static List<HubRecord> byId(List<HubRecord> records) {
        return records.stream().sorted(Comparator.comparing((HubRecord r) -> r.getRecord().getId())).toList();
    }

    @Test
    void anErrorInTheSyncThreadGoesToTheFatalHandlerInsteadOfEndingFollowingInSilence() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            cluster.put(new CatalogueGenerator(51).generate(50));
            java.util.concurrent.CompletableFuture<Throwable> fatal = new java.util.concurrent.CompletableFuture<>();
            Spoke spoke = cluster.spokeBuilder("broken").onApplied((revision, bootstrap, nanos) -> {
                throw new AssertionError("a listener that breaks the thread it runs on");
            }).onFatal(fatal::complete).start();
            cluster.spokes.add(spoke);
            assertThat(fatal.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("breaks the thread");
            assertThat(spoke.connected()).isFalse();
        }
    }
}
