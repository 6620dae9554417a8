package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.search.RecordDocuments;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Free-text counts across revisions over an index large enough that its merged segment's histograms are kept (more
 * than 8,192 records), through the spoke as it runs (a real hub and spoke, TLS between them, HTTP on loopback):
 * after every revision of updates and deletes, a search's total and facets are those of a brute-force count of the
 * catalogue at that revision, and the large segment was counted once, not once a revision.
 */
class SearchAcrossRevisionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void keptHistogramsGiveTheCountsOfEveryRevision() throws Exception {
        try (Cluster cluster = new Cluster(tmp, SnapshotPolicy.DEFAULT)) {
            List<HubRecord> generated = new CatalogueGenerator(2026).generate(9_000);
            Map<String, Record> model = new LinkedHashMap<>();
            generated.forEach(r -> model.put(r.getRecord().getId(), r.getRecord()));
            long revision = cluster.put(generated);
            Spoke spoke = cluster.spoke("scale");
            assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(120))).isTrue();
            // A first page asked before the merge is kept by that view, its hits in the unmerged segments' doc ids:
            // the view the merge publishes (the same revision) must search it again, not take those hits.
            assertFirstPageIsBrute(spoke, revision, model);
            // The build's segments are merged into one in the background; the kept histograms are over that one.
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (segments(spoke) != 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(segments(spoke)).as("the build's segments merged into one").isEqualTo(1);

            CatalogueGenerator changes = new CatalogueGenerator(7);
            Random random = new Random(11);
            List<String> ids = new ArrayList<>(model.keySet());
            double countedAtFirst = -1;
            for (int round = 0; round < 6; round++) {
                if (round > 0) {
                    List<String> lines = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        Record r = model.get(ids.get(random.nextInt(ids.size())));
                        if (r != null) {
                            HubRecord changed = changes.modify(HubRecord.newBuilder().setRecord(r).setStorageUri("s3://ngc/x/" + r.getId()).build());
                            model.put(r.getId(), changed.getRecord());
                            lines.add(CatalogueGenerator.putLine(changed));
                        }
                    }
                    // The largest CRAM goes, so that every revision's first page of CRAMs by size differs from the last.
                    model.values().stream().filter(r -> r.getFileFormat() == dk.spejl.wire.FileFormat.CRAM)
                            .max(java.util.Comparator.comparingLong(Record::getSizeBytes)).map(Record::getId).ifPresent(largest -> {
                                model.remove(largest);
                                lines.add("{\"op\":\"delete\",\"id\":\"" + largest + "\"}");
                            });
                    for (int i = 0; i < 3; i++) {
                        String gone = ids.get(random.nextInt(ids.size()));
                        if (model.remove(gone) != null) {
                            lines.add("{\"op\":\"delete\",\"id\":\"" + gone + "\"}");
                        }
                    }
                    revision = cluster.ingest(lines);
                    assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
                }
                for (int asked = 0; asked < 2; asked++) { // searched for, then as the view kept it
                    assertFirstPageIsBrute(spoke, revision, model);
                }
                for (String word : List.of("onkologi", "genetik")) {
                    assertCountsAreBrute(spoke, word, revision, model, r -> r.getOwnerUnit().contains(word));
                }
                if (round == 0) {
                    countedAtFirst = counted(spoke);
                    assertThat(countedAtFirst).as("the large segment's histograms were counted and kept").isPositive();
                }
            }
            assertThat(counted(spoke)).as("later revisions took the kept histograms").isEqualTo(countedAtFirst);
        }
    }

    private static void assertCountsAreBrute(Spoke spoke, String word, long revision, Map<String, Record> model, Predicate<Record> matches)
            throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + spoke.httpAddress().getPort()
                + "/api/v1/records?limit=1&q=" + URLEncoder.encode(word, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.get("revision").asLong()).isEqualTo(revision);
        List<Record> hits = model.values().stream().filter(matches).toList();
        assertThat(hits).as("the word is in the catalogue").isNotEmpty();
        assertThat(page.get("total").get("value").asLong()).as(word + " at revision " + revision).isEqualTo(hits.size());
        for (RecordDocuments.Dimension d : RecordDocuments.DIMENSIONS) {
            Map<String, Long> expected = new TreeMap<>();
            for (Record r : hits) {
                for (String v : d.values().apply(r)) {
                    if (!v.isEmpty() && !v.endsWith("_unspecified")) {
                        expected.merge(v, 1L, Long::sum);
                    }
                }
            }
            Map<String, Long> actual = new TreeMap<>();
            page.get("facets").get(d.name()).forEach(v -> actual.put(v.get("value").asText(), v.get("count").asLong()));
            assertThat(actual).as("facet " + d.name() + " of " + word + " at revision " + revision).isEqualTo(expected);
        }
    }

    /** The first page of CRAMs by size, largest first, is the catalogue's at {@code revision}. */
    private static void assertFirstPageIsBrute(Spoke spoke, long revision, Map<String, Record> model) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + spoke.httpAddress().getPort()
                + "/api/v1/records?file_format=cram&sort=size_bytes:desc&limit=25")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.get("revision").asLong()).isEqualTo(revision);
        List<Record> expected = model.values().stream().filter(r -> r.getFileFormat() == dk.spejl.wire.FileFormat.CRAM)
                .sorted(java.util.Comparator.comparingLong(Record::getSizeBytes).reversed().thenComparing(Record::getId)).limit(25).toList();
        List<String> shown = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        page.get("hits").forEach(h -> {
            shown.add(h.get("id").asText());
            statuses.add(h.get("status").asText());
        });
        assertThat(shown).as("the first page at revision " + revision).isEqualTo(expected.stream().map(Record::getId).toList());
        assertThat(statuses).as("the records shown are those of revision " + revision)
                .isEqualTo(expected.stream().map(r -> r.getStatus().name().toLowerCase(java.util.Locale.ROOT)).toList());
    }

    private static double segments(Spoke spoke) {
        return spoke.metrics().get("spejl.spoke.index.segments").gauge().value();
    }

    private static double counted(Spoke spoke) {
        return spoke.metrics().get("spejl.spoke.index.histograms.counted").functionCounter().count();
    }
}
