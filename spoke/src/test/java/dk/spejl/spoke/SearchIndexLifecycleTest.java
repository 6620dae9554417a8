package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.search.SearchIndex;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The search index's life beside the replica: built, served, kept across restarts, rebuilt, and cursors that outlive a revision. */
class SearchIndexLifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    /** The system clock, shifted on demand. */
    static final class ShiftedClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    static HttpResponse<String> get(Spoke spoke, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + spoke.httpAddress().getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void whileTheIndexIsBuiltSearchesAnswer503WithTheProgressAndRecordLookupsWork() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            List<HubRecord> records = new CatalogueGenerator(3).generate(300);
            long revision = cluster.put(records);
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch building = new CountDownLatch(1);
            Spoke spoke = cluster.spokeBuilder("building").beforeIndexBuild(() -> {
                building.countDown();
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
            try {
                assertThat(spoke.awaitRevision(revision, Duration.ofSeconds(30))).isTrue();
                assertThat(building.await(30, TimeUnit.SECONDS)).as("the index build began").isTrue();
                HttpResponse<String> search = get(spoke, "/api/v1/records?file_format=cram");
                assertThat(search.statusCode()).isEqualTo(503);
                assertThat(search.headers().firstValue("Retry-After")).isPresent();
                assertThat(json(search).get("progress").get("total").asLong()).isEqualTo(300);
                assertThat(get(spoke, "/api/v1/counts").statusCode()).isEqualTo(503);
                HttpResponse<String> record = get(spoke, "/api/v1/records/" + records.get(0).getRecord().getId());
                assertThat(record.statusCode()).as("a record look-up never waits for the index").isEqualTo(200);
                assertThat(json(record).get("derivatives").isNull()).isTrue();
                assertThat(record.headers().firstValue("Spejl-Revision")).contains(Long.toString(revision));
                JsonNode status = json(get(spoke, "/api/v1/status"));
                assertThat(status.get("index").get("building").asBoolean()).isTrue();
                gate.countDown();
                assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
                HttpResponse<String> after = get(spoke, "/api/v1/records?file_format=cram");
                assertThat(after.statusCode()).isEqualTo(200);
                assertThat(json(after).get("revision").asLong()).isEqualTo(revision);
                assertThat(json(get(spoke, "/api/v1/status")).get("index").get("revision").asLong()).isEqualTo(revision);
            } finally {
                gate.countDown();
                spoke.close();
            }
        }
    }

    @Test
    void aCursorPagesThroughItsOwnRevisionAfterANewerOneIsServedUntilItsTenMinutesAreUp() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            CatalogueGenerator generator = new CatalogueGenerator(4);
            List<HubRecord> records = generator.generate(200);
            long first = cluster.put(records);
            ShiftedClock clock = new ShiftedClock();
            Spoke spoke = cluster.spokeBuilder("paging").clock(clock).start();
            try {
                assertThat(spoke.awaitSearchable(first, Duration.ofSeconds(30))).isTrue();
                JsonNode page1 = json(get(spoke, "/api/v1/records?sort=id&limit=50"));
                assertThat(page1.get("revision").asLong()).isEqualTo(first);
                // A newer revision deletes the first page's records and adds others.
                List<String> lines = new ArrayList<>();
                page1.get("hits").forEach(h -> lines.add(CatalogueGenerator.deleteLine(h.get("id").asText())));
                generator.generate(30).forEach(r -> lines.add(CatalogueGenerator.putLine(r)));
                long second = cluster.ingest(lines);
                assertThat(spoke.awaitSearchable(second, Duration.ofSeconds(30))).isTrue();
                assertThat(json(get(spoke, "/api/v1/records?sort=id&limit=50")).get("revision").asLong()).isEqualTo(second);

                Set<String> seen = new HashSet<>();
                page1.get("hits").forEach(h -> seen.add(h.get("id").asText()));
                String cursor = page1.get("next").asText();
                int pages = 1;
                while (cursor != null) {
                    JsonNode page = json(get(spoke, "/api/v1/records?sort=id&limit=50&cursor=" + cursor));
                    assertThat(page.get("revision").asLong()).as("the cursor's revision, not the newest").isEqualTo(first);
                    page.get("hits").forEach(h -> assertThat(seen.add(h.get("id").asText())).isTrue());
                    cursor = page.get("next").isNull() ? null : page.get("next").asText();
                    pages++;
                    // Each page comes nine minutes and 50 seconds after the one before: within ten minutes of the last.
                    clock.offset = clock.offset.plus(Duration.ofMinutes(9).plusSeconds(50));
                }
                assertThat(pages).as("the first revision's 200 records in pages of 50").isEqualTo(4);
                assertThat(seen).as("every record of the first revision, each once").hasSize(200)
                        .containsExactlyInAnyOrderElementsOf(records.stream().map(r -> r.getRecord().getId()).toList());

                String kept = json(get(spoke, "/api/v1/records?sort=id&limit=50")).get("next").asText();
                clock.offset = clock.offset.plus(Duration.ofMinutes(10).plusSeconds(10));
                HttpResponse<String> gone = get(spoke, "/api/v1/records?sort=id&limit=50&cursor=" + page1.get("next").asText());
                assertThat(gone.statusCode()).as("ten minutes after its last page").isEqualTo(410);
                assertThat(json(gone).get("error").asText()).contains("start the search again");
                // Even one made at the newest revision: ten minutes is the promise, for every cursor alike.
                assertThat(get(spoke, "/api/v1/records?sort=id&limit=50&cursor=" + kept).statusCode()).isEqualTo(410);
                // A new search is answered at once.
                assertThat(get(spoke, "/api/v1/records?sort=id&limit=50").statusCode()).isEqualTo(200);
            } finally {
                spoke.close();
            }
        }
    }

    @Test
    void anIndexThatHoldsTheReplicasRevisionIsUsedAsItIsAndOneBehindIsRebuilt() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            CatalogueGenerator generator = new CatalogueGenerator(5);
            long first = cluster.put(generator.generate(250));
            AtomicInteger builds = new AtomicInteger();
            Spoke spoke = cluster.spokeBuilder("restart").beforeIndexBuild(builds::incrementAndGet).start();
            assertThat(spoke.awaitSearchable(first, Duration.ofSeconds(30))).isTrue();
            spoke.close();
            assertThat(builds.get()).as("the first start builds the index").isEqualTo(1);
            Path index = tmp.resolve("spoke-restart").resolve(Spoke.INDEX_DIR);
            Path saved = copy(index, tmp.resolve("saved-index"));

            spoke = cluster.spokeBuilder("restart").beforeIndexBuild(builds::incrementAndGet).start();
            long second = cluster.put(generator.generate(40));
            assertThat(spoke.awaitSearchable(second, Duration.ofSeconds(30))).isTrue();
            spoke.close();
            assertThat(builds.get()).as("an index at the replica's revision is used as it is, and follows the deltas").isEqualTo(1);

            // As after a crash between two commits of the index: it is behind the replica.
            deleteTree(index);
            copy(saved, index);
            spoke = cluster.spokeBuilder("restart").beforeIndexBuild(builds::incrementAndGet).start();
            try {
                assertThat(spoke.awaitSearchable(second, Duration.ofSeconds(30))).isTrue();
                assertThat(builds.get()).as("an index behind the replica is rebuilt").isEqualTo(2);
                JsonNode all = json(get(spoke, "/api/v1/records"));
                assertThat(all.get("revision").asLong()).isEqualTo(second);
                assertThat(all.get("total").get("value").asLong()).isEqualTo(290);
            } finally {
                spoke.close();
            }

            // An index at the replica's revision, but committed in an older layout (as after an upgrade): rebuilt.
            try (org.apache.lucene.store.FSDirectory directory = org.apache.lucene.store.FSDirectory.open(index);
                 org.apache.lucene.index.IndexWriter writer = new org.apache.lucene.index.IndexWriter(directory,
                         new org.apache.lucene.index.IndexWriterConfig())) {
                java.util.Map<String, String> data = new java.util.HashMap<>();
                writer.getLiveCommitData().forEach(e -> data.put(e.getKey(), e.getValue()));
                assertThat(data).containsEntry("spejl.revision", Long.toString(second)).containsEntry("spejl.schema", "3");
                data.put("spejl.schema", "2"); // the layout before binary ids and positionless text
                writer.setLiveCommitData(data.entrySet());
                writer.commit();
            }
            restartRebuilds(cluster, builds, second, 3);
            // And one of the first layout, whose segments are not sorted newest first: Lucene will not open it with
            // this version's sort, and it is rebuilt all the same.
            deleteTree(index);
            try (org.apache.lucene.store.FSDirectory directory = org.apache.lucene.store.FSDirectory.open(index);
                 org.apache.lucene.index.IndexWriter writer = new org.apache.lucene.index.IndexWriter(directory,
                         new org.apache.lucene.index.IndexWriterConfig())) {
                org.apache.lucene.document.Document old = new org.apache.lucene.document.Document();
                old.add(new org.apache.lucene.document.StringField("id", "ngcf-0000000000000000", org.apache.lucene.document.Field.Store.NO));
                writer.addDocument(old);
                writer.setLiveCommitData(java.util.Map.of("spejl.revision", Long.toString(second)).entrySet());
                writer.commit();
            }
            restartRebuilds(cluster, builds, second, 4);
        }
    }

    /** Starts the spoke once more and checks that it rebuilt its index (the build count) and serves every record. */
    private static void restartRebuilds(Cluster cluster, AtomicInteger builds, long revision, int expectedBuilds) throws Exception {
        Spoke spoke = cluster.spokeBuilder("restart").beforeIndexBuild(builds::incrementAndGet).start();
        try {
            assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
            assertThat(builds.get()).as("an index of an older layout is rebuilt").isEqualTo(expectedBuilds);
            assertThat(json(get(spoke, "/api/v1/records")).get("total").get("value").asLong()).isEqualTo(290);
        } finally {
            spoke.close();
        }
    }

    @Test
    void reindexRebuildsAStoppedSpokesIndexAndChangesNothingWhileTheSpokeRuns() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            long revision = cluster.put(new CatalogueGenerator(6).generate(120));
            AtomicInteger builds = new AtomicInteger();
            Spoke spoke = cluster.spokeBuilder("reindex").beforeIndexBuild(builds::incrementAndGet).start();
            Path dataDir = tmp.resolve("spoke-reindex");
            assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
            try (Replica replica = Replica.openReadOnly(dataDir.resolve("replica"))) {
                assertThatThrownBy(() -> SearchIndex.reindex(dataDir.resolve(Spoke.INDEX_DIR), replica))
                        .isInstanceOf(org.apache.lucene.store.LockObtainFailedException.class);
            }
            assertThat(get(spoke, "/api/v1/records").statusCode()).as("the running spoke's index is untouched").isEqualTo(200);
            spoke.close();

            // Damaged by hand: every segments file overwritten.
            try (Stream<Path> files = Files.list(dataDir.resolve(Spoke.INDEX_DIR))) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segments")).toList()) {
                    Files.write(f, new byte[] {1, 2, 3});
                }
            }
            try (Replica replica = Replica.openReadOnly(dataDir.resolve("replica"))) {
                assertThat(SearchIndex.reindex(dataDir.resolve(Spoke.INDEX_DIR), replica)).isEqualTo(120);
            }
            builds.set(0);
            spoke = cluster.spokeBuilder("reindex").beforeIndexBuild(builds::incrementAndGet).start();
            try {
                assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
                assertThat(builds.get()).as("the rebuilt index holds the replica's revision: used as it is").isZero();
                assertThat(json(get(spoke, "/api/v1/records")).get("total").get("value").asLong()).isEqualTo(120);
            } finally {
                spoke.close();
            }
        }
    }

    @Test
    void anEmptyCatalogueAndOneWhoseRecordsAreAllDeletedAreSearchedAsEmpty() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            List<HubRecord> records = new CatalogueGenerator(8).generate(3);
            long first = cluster.put(records);
            Spoke spoke = cluster.spokeBuilder("empty").start();
            try {
                assertThat(spoke.awaitSearchable(first, Duration.ofSeconds(30))).isTrue();
                long emptied = cluster.ingest(records.stream().map(r -> CatalogueGenerator.deleteLine(r.getRecord().getId())).toList());
                assertThat(spoke.awaitSearchable(emptied, Duration.ofSeconds(30))).as("an index with no records is published too").isTrue();
                HttpResponse<String> search = get(spoke, "/api/v1/records?file_format=cram&q=x");
                assertThat(search.statusCode()).isEqualTo(200);
                assertThat(json(search).get("total").get("value").asLong()).isZero();
                assertThat(json(get(spoke, "/api/v1/records")).get("hits")).isEmpty();
                HttpResponse<String> missing = get(spoke, "/api/v1/records/" + records.get(0).getRecord().getId());
                assertThat(missing.statusCode()).isEqualTo(404);
                assertThat(missing.headers().firstValue("Spejl-Revision")).as("the revision looked at").contains(Long.toString(emptied));
                long again = cluster.put(new CatalogueGenerator(9).generate(2));
                assertThat(spoke.awaitSearchable(again, Duration.ofSeconds(30))).isTrue();
                assertThat(json(get(spoke, "/api/v1/records")).get("total").get("value").asLong()).isEqualTo(2);
            } finally {
                spoke.close();
            }
        }
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().equals("write.lock")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
