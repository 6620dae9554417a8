package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.spoke.search.RecordDocuments;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import dk.spejl.wire.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The search API over a real hub and spoke (TLS between them, RocksDB and Lucene in a temporary
 * directory, HTTP on loopback), against a brute-force reading of the same synthetic catalogue.
 */
class SearchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;
    static Cluster cluster;
    static Spoke spoke;
    /** The catalogue as the hub holds it, by id, at the revision the tests search. */
    static Map<String, Record> catalogue = new TreeMap<>();
    static long revision;

    @BeforeAll
    static void publish() throws Exception {
        cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2));
        List<HubRecord> records = new CatalogueGenerator(20261201).generate(600);
        records.forEach(r -> catalogue.put(r.getRecord().getId(), r.getRecord()));
        revision = cluster.put(records);
        spoke = cluster.spoke("search");
        assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static JsonNode get(String pathAndQuery, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + spoke.httpAddress().getPort()
                + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(pathAndQuery + " -> " + response.body()).isEqualTo(expectedStatus);
        JsonNode body = JSON.readTree(response.body());
        if (expectedStatus == 200) {
            assertThat(response.headers().firstValue("Spejl-Stale")).as("staleness header").isPresent();
            if (body.has("revision")) {
                assertThat(response.headers().firstValue("Spejl-Revision")).as("revision header").contains(body.get("revision").asText());
            }
        }
        return body;
    }

    static String q(String... pairs) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            s.append(s.length() == 0 ? "?" : "&").append(pairs[i]).append('=').append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return s.toString();
    }

    /** Every hit of a search, page after page, following the cursors; every page at one revision. */
    static List<JsonNode> all(String query) throws IOException, InterruptedException {
        List<JsonNode> hits = new ArrayList<>();
        JsonNode page = get("/api/v1/records" + query, 200);
        long at = page.get("revision").asLong();
        while (true) {
            page.get("hits").forEach(hits::add);
            assertThat(page.get("revision").asLong()).as("a cursor pages through the revision it was made at").isEqualTo(at);
            if (page.get("next").isNull()) {
                return hits;
            }
            page = get("/api/v1/records" + query + (query.isEmpty() ? "?" : "&") + "cursor=" + page.get("next").asText(), 200);
        }
    }

    static List<String> ids(List<JsonNode> hits) {
        return hits.stream().map(h -> h.get("id").asText()).toList();
    }

    static String value(Record r, String dimension) {
        return RecordDocuments.DIMENSIONS.stream().filter(d -> d.name().equals(dimension)).findFirst().orElseThrow()
                .values().apply(r).get(0);
    }

    static List<String> values(Record r, String dimension) {
        return RecordDocuments.DIMENSIONS.stream().filter(d -> d.name().equals(dimension)).findFirst().orElseThrow().values().apply(r);
    }

    /** Drill sideways, by brute force: a field's counts are over the base records that pass the other fields' filters. */
    static void assertFacetsAreBrute(Predicate<Record> base, Map<String, Set<String>> filters, String query) throws Exception {
        JsonNode page = get("/api/v1/records" + query, 200);
        java.util.function.BiPredicate<Record, String> passesAllBut = (r, skipped) -> filters.entrySet().stream()
                .allMatch(f -> f.getKey().equals(skipped) || values(r, f.getKey()).stream().anyMatch(f.getValue()::contains));
        assertThat(page.get("total").get("value").asLong()).isEqualTo(brute(r -> base.test(r) && passesAllBut.test(r, null)).size());
        for (RecordDocuments.Dimension d : RecordDocuments.DIMENSIONS) {
            Map<String, Long> expected = new TreeMap<>();
            for (Record r : brute(r -> base.test(r) && passesAllBut.test(r, d.name()))) {
                for (String v : d.values().apply(r)) {
                    if (!v.isEmpty() && !v.endsWith("_unspecified")) {
                        expected.merge(v, 1L, Long::sum);
                    }
                }
            }
            Map<String, Long> actual = new TreeMap<>();
            page.get("facets").get(d.name()).forEach(v -> actual.put(v.get("value").asText(), v.get("count").asLong()));
            assertThat(actual).as("facet " + d.name() + " of " + query).isEqualTo(expected);
        }
    }

    static List<Record> brute(Predicate<Record> filter) {
        return catalogue.values().stream().filter(filter).toList();
    }

    @Test
    void filtersAreOredWithinAFieldAndAndedAcrossFields() throws Exception {
        List<JsonNode> hits = all(q("file_format", "cram", "file_format", "vcf", "owner_region", "hovedstaden", "sort", "id", "limit", "17"));
        List<String> expected = brute(r -> Set.of("cram", "vcf").contains(value(r, "file_format")) && value(r, "owner_region").equals("hovedstaden"))
                .stream().map(Record::getId).sorted().toList();
        assertThat(expected).hasSizeGreaterThan(17); // so that paging is exercised
        assertThat(ids(hits)).isEqualTo(expected);
        JsonNode first = get("/api/v1/records" + q("file_format", "cram", "file_format", "vcf", "owner_region", "hovedstaden"), 200);
        assertThat(first.get("total").get("value").asLong()).isEqualTo(expected.size());
        assertThat(first.get("total").get("relation").asText()).isEqualTo("eq");
    }

    @Test
    void facetCountsEqualABruteForceCountThatLeavesEachFieldsOwnFilterOut() throws Exception {
        assertFacetsAreBrute(r -> true, Map.of("file_format", Set.of("cram"), "owner_region", Set.of("hovedstaden", "sjaelland")),
                q("file_format", "cram", "owner_region", "hovedstaden", "owner_region", "sjaelland"));
        // Free text and a range select the base the facets are counted over; data_use holds several values a record.
        long low = catalogue.values().stream().mapToLong(Record::getSizeBytes).sorted().skip(catalogue.size() / 5).findFirst().orElseThrow();
        assertFacetsAreBrute(r -> r.getOwnerUnit().contains("onkologi") && r.getSizeBytes() >= low,
                Map.of("data_use", Set.of("DUO:0000019", "DUO:0000042"), "platform", Set.of("illumina"), "sample_kind", Set.of("tumour", "germline")),
                q("q", "onkologi", "size_bytes", low + "..", "data_use", "DUO:0000019", "data_use", "DUO:0000042", "platform", "illumina",
                        "sample_kind", "tumour", "sample_kind", "germline"));
        // And with no filter at all, the counts are the revision's own (computed once per revision).
        JsonNode everything = get("/api/v1/records", 200);
        Map<String, Long> formats = new TreeMap<>();
        everything.get("facets").get("file_format").forEach(v -> formats.put(v.get("value").asText(), v.get("count").asLong()));
        assertThat(formats).isEqualTo(catalogue.values().stream().collect(Collectors.groupingBy(r -> value(r, "file_format"), TreeMap::new,
                Collectors.counting())));
        assertThat(everything.get("total").get("value").asLong()).isEqualTo(catalogue.size());
    }

    @Test
    void rangesOnProductionMonthAndSizeAreInclusive() throws Exception {
        List<Record> sorted = catalogue.values().stream().sorted(Comparator.comparingLong(Record::getSizeBytes)).toList();
        long low = sorted.get(100).getSizeBytes();
        long high = sorted.get(400).getSizeBytes();
        String from = catalogue.values().stream().map(Record::getProducedOn).sorted().toList().get(150);
        List<String> expected = brute(r -> r.getSizeBytes() >= low && r.getSizeBytes() <= high && r.getProducedOn().compareTo(from) >= 0)
                .stream().map(Record::getId).sorted().toList();
        assertThat(expected).isNotEmpty();
        assertThat(ids(all(q("size_bytes", low + ".." + high, "produced_on", from + "..", "sort", "id", "limit", "200")))).isEqualTo(expected);
        assertThat(ids(all(q("size_bytes", ".." + low, "sort", "id", "limit", "200"))))
                .isEqualTo(brute(r -> r.getSizeBytes() <= low).stream().map(Record::getId).sorted().toList());
    }

    @Test
    void everySortOrdersTheWholeResultWithTiesInIdOrder() throws Exception {
        Comparator<Record> byId = Comparator.comparing(Record::getId);
        Map<String, Comparator<Record>> orders = new LinkedHashMap<>();
        orders.put("size_bytes:asc", Comparator.comparingLong(Record::getSizeBytes).thenComparing(byId));
        orders.put("size_bytes:desc", Comparator.comparingLong(Record::getSizeBytes).reversed().thenComparing(byId));
        orders.put("produced_on:asc", Comparator.comparing(Record::getProducedOn).thenComparing(byId));
        orders.put("produced_on:desc", Comparator.comparing(Record::getProducedOn).reversed().thenComparing(byId));
        orders.put("id:desc", byId.reversed());
        for (var order : orders.entrySet()) {
            List<String> expected = brute(r -> value(r, "platform").equals("illumina")).stream().sorted(order.getValue()).map(Record::getId).toList();
            assertThat(ids(all(q("platform", "illumina", "sort", order.getKey(), "limit", "37")))).as(order.getKey()).isEqualTo(expected);
        }
    }

    @Test
    void freeTextFindsAPseudonymExactlyOrByPrefixAndWordsOfTheUnitAndPipeline() throws Exception {
        Record some = catalogue.values().iterator().next();
        List<String> ofSubject = brute(r -> r.getSubjectPseudonym().equals(some.getSubjectPseudonym())).stream().map(Record::getId).sorted().toList();
        assertThat(ids(all(q("q", some.getSubjectPseudonym(), "sort", "id")))).isEqualTo(ofSubject);
        String prefix = some.getSamplePseudonym().substring(0, some.getSamplePseudonym().length() - 2);
        assertThat(ids(all(q("q", prefix.toUpperCase(Locale.ROOT), "sort", "id"))))
                .isEqualTo(brute(r -> r.getSamplePseudonym().toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))
                        || r.getSubjectPseudonym().toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))
                        || r.getId().toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))).stream().map(Record::getId).sorted().toList());
        assertThat(ids(all(q("q", some.getId())))).first().as("an exact id ranks first").isEqualTo(some.getId());
        // "onkologi" is a word of the owner units rh-onkologi, auh-onkologi, ...; "sarek" of the pipeline nf-core/sarek@3.4.2.
        assertThat(ids(all(q("q", "onkologi", "sort", "id", "limit", "200"))))
                .isEqualTo(brute(r -> r.getOwnerUnit().contains("onkologi")).stream().map(Record::getId).sorted().toList());
        // By relevance, page after page of equally good hits: each hit once, none missing.
        List<String> paged = ids(all(q("q", "onkologi", "limit", "7")));
        assertThat(paged).doesNotHaveDuplicates();
        assertThat(paged.stream().sorted().toList())
                .isEqualTo(brute(r -> r.getOwnerUnit().contains("onkologi")).stream().map(Record::getId).sorted().toList());
        assertThat(ids(all(q("q", "sarek onkologi", "sort", "id", "limit", "200"))))
                .isEqualTo(brute(r -> r.getOwnerUnit().contains("onkologi") && r.getPipeline().contains("sarek")).stream().map(Record::getId).sorted().toList());
    }

    @Test
    void aSubjectIsItsSamplesEachWithItsFilesByRoleAndTheLinksBetweenThem() throws Exception {
        Map<String, List<Record>> bySubject = catalogue.values().stream().collect(Collectors.groupingBy(Record::getSubjectPseudonym));
        String subject = bySubject.entrySet().stream().filter(e -> e.getValue().stream().map(Record::getSamplePseudonym).distinct().count() > 1)
                .findFirst().orElseThrow().getKey();
        JsonNode body = get("/api/v1/subjects/" + subject, 200);
        assertThat(body.get("revision").asLong()).isEqualTo(revision);
        Map<String, Map<String, List<String>>> actual = new TreeMap<>();
        body.get("samples").forEach(s -> s.get("files").fields().forEachRemaining(role ->
                role.getValue().forEach(f -> actual.computeIfAbsent(s.get("sample_pseudonym").asText(), k -> new TreeMap<>())
                        .computeIfAbsent(role.getKey(), k -> new ArrayList<>()).add(f.get("id").asText()))));
        Map<String, Map<String, List<String>>> expected = new TreeMap<>();
        bySubject.get(subject).stream().sorted(Comparator.comparing(Record::getId)).forEach(r -> expected.computeIfAbsent(r.getSamplePseudonym(),
                k -> new TreeMap<>()).computeIfAbsent(r.getFileRole(), k -> new ArrayList<>()).add(r.getId()));
        assertThat(actual).isEqualTo(expected);
        long links = bySubject.get(subject).stream().mapToLong(Record::getDerivedFromCount).sum();
        assertThat(body.get("links")).hasSize((int) links);
        get("/api/v1/subjects/nobody-such", 404);
        get("/api/v1/subjects/%20x", 400);
    }

    @Test
    void aRecordIsSpeltAsIngestTakesItWithWhatItDerivesFromAndWhatDerivesFromIt() throws Exception {
        Record child = catalogue.values().stream().filter(r -> r.getDerivedFromCount() > 0).findFirst().orElseThrow();
        String parent = child.getDerivedFrom(0);
        JsonNode body = get("/api/v1/records/" + parent, 200);
        Record p = catalogue.get(parent);
        assertThat(body.get("status").asText()).isEqualTo(RecordJson.spell(p.getStatus().getValueDescriptor())).matches("[a-z_]+");
        assertThat(body.get("file_format").asText()).isEqualTo(p.getFileFormat().name().toLowerCase(Locale.ROOT));
        assertThat(body.get("size_bytes").isNumber()).as("a size is a JSON number").isTrue();
        assertThat(body.get("size_bytes").asLong()).isEqualTo(p.getSizeBytes());
        List<String> derivatives = new ArrayList<>();
        body.get("derivatives").forEach(d -> derivatives.add(d.asText()));
        assertThat(derivatives).isEqualTo(brute(r -> r.getDerivedFromList().contains(parent)).stream().map(Record::getId).sorted().toList());
        assertThat(body.get("derived_from").isArray()).isTrue();
        get("/api/v1/records/no-such-record", 404);
        get("/api/v1/records/" + parent + "?x=1", 400);
    }

    @Test
    void countsAreGivenAsCountsAboveTheMinimumCellAndAsFewerThanBelowIt() throws Exception {
        JsonNode body = get("/api/v1/counts" + q("file_format", "cram"), 200);
        List<Record> crams = brute(r -> value(r, "file_format").equals("cram"));
        assertThat(body.get("records").get("count").asLong()).isEqualTo(crams.size());
        assertThat(body.get("samples").get("count").asLong()).isEqualTo(crams.stream().map(Record::getSamplePseudonym).distinct().count());
        assertThat(body.get("subjects").get("count").asLong()).isEqualTo(crams.stream().map(Record::getSubjectPseudonym).distinct().count());
        Record one = catalogue.values().iterator().next();
        JsonNode few = get("/api/v1/counts" + q("q", one.getId()), 200);
        assertThat(few.get("records").has("count")).isFalse();
        assertThat(few.get("records").get("fewerThan").asInt()).isEqualTo(5);
        JsonNode yesNo = get("/api/v1/counts" + q("q", one.getId(), "granularity", "boolean"), 200);
        assertThat(yesNo.get("exists").asBoolean()).isTrue();
        assertThat(yesNo.has("records")).isFalse();
        get("/api/v1/counts" + q("sort", "id"), 400);
    }

    @Test
    void concurrentSearchesOfAFreshRevisionAllGetTheirAnswer() throws Exception {
        // The first searches at a revision count its facets; several at once must not share what one of them reads with.
        for (int round = 0; round < 3; round++) {
            Record some = catalogue.values().stream().skip(round * 7L).findFirst().orElseThrow();
            HubRecord changed = new CatalogueGenerator(round).modify(HubRecord.newBuilder().setRecord(some).setStorageUri("s3://ngc/x/" + some.getId()).build());
            long fresh = cluster.put(List.of(changed));
            catalogue.put(some.getId(), changed.getRecord()); // the model the other tests compare with moves with it
            revision = fresh;
            assertThat(spoke.awaitSearchable(fresh, Duration.ofSeconds(30))).isTrue();
            List<java.util.concurrent.Future<Integer>> answers = new ArrayList<>();
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                for (int i = 0; i < 64; i++) {
                    String query = i % 2 == 0 ? "" : q("file_format", "cram", "owner_region", "hovedstaden");
                    answers.add(clients.submit(() -> rawGet("/api/v1/records" + query)));
                }
                for (var answer : answers) {
                    assertThat(answer.get()).isEqualTo(200);
                }
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void badInputIsA400ThatNamesTheParameter() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put(q("colour", "red"), "colour");
        cases.put(q("file_format", "bam"), "file_format");
        cases.put(q("status", "AVAILABLE"), "status");
        cases.put(q("owner_region", "jylland"), "owner_region");
        cases.put(q("data_use", "DUO:43"), "data_use");
        cases.put(q("produced_on", "2024-13.."), "produced_on");
        cases.put(q("produced_on", "2024"), "produced_on");
        cases.put(q("produced_on", "2024-05..2024-01"), "produced_on");
        cases.put(q("size_bytes", "ten..20"), "size_bytes");
        cases.put(q("size_bytes", ".."), "size_bytes");
        cases.put(q("size_bytes", "9999999999999999999.."), "size_bytes");
        cases.put(q("size_bytes", "\uff11\uff12.."), "size_bytes");
        cases.put(q("limit", "0"), "limit");
        cases.put(q("limit", "201"), "limit");
        cases.put(q("limit", "many"), "limit");
        cases.put(q("sort", "colour"), "sort");
        cases.put(q("sort", "relevance"), "sort");
        cases.put(q("sort", "id:up"), "sort");
        cases.put(q("cursor", "not-a-cursor"), "cursor");
        cases.put(q("q", "x".repeat(300)), "q");
        cases.put(q("q", "a b c d e f g h i j k l m"), "q");
        cases.put(q("limit", "5", "limit", "6"), "limit");
        for (var c : cases.entrySet()) {
            JsonNode body = get("/api/v1/records" + c.getKey(), 400);
            assertThat(body.get("parameter").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(body.get("error").asText()).startsWith(c.getValue() + ": ");
        }
    }

    @Test
    void aCursorIsGoodOnlyForItsOwnSearchAndCannotBeForged() throws Exception {
        JsonNode page = get("/api/v1/records" + q("platform", "illumina", "limit", "5"), 200);
        String cursor = page.get("next").asText();
        JsonNode other = get("/api/v1/records" + q("platform", "pacbio_smrt", "limit", "5", "cursor", cursor), 400);
        assertThat(other.get("error").asText()).contains("another search");
        char[] chars = cursor.toCharArray();
        chars[chars.length / 2] = chars[chars.length / 2] == 'A' ? 'B' : 'A';
        get("/api/v1/records" + q("platform", "illumina", "limit", "5", "cursor", new String(chars)), 400);
    }

    @Test
    void randomParametersNeverGetA5xx() throws Exception {
        // Raw bytes on a socket, so that what no well-behaved client would send (broken escapes, NULs, reversed text) is sent too.
        java.util.Random random = new java.util.Random(20261201);
        String[] names = {"q", "file_format", "status", "sort", "limit", "cursor", "produced_on", "size_bytes", "owner_unit", "data_use",
                "granularity", "x", "%zz", ""};
        String[] pieces = {"a", "z", "0", "9", ".", "..", ":", "_", "-", "%", "%2", "%zz", "%00", "%C3%A6", "%E2%80%AE", "%FF", "+", "=", "&",
                "cram", "available", "2024-01", "id:desc", "200", "-1", "999999999999999999999", "\u00e6", "DUO:0000043", "*", "\\"};
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder query = new StringBuilder();
            for (int p = random.nextInt(5); p >= 0; p--) {
                query.append(query.length() == 0 ? "?" : "&").append(names[random.nextInt(names.length)]).append('=');
                for (int n = random.nextInt(12); n > 0; n--) {
                    query.append(pieces[random.nextInt(pieces.length)]);
                }
            }
            String path = "/api/v1/" + switch (random.nextInt(5)) {
                case 0 -> "counts";
                case 1 -> "subjects/" + pieces[random.nextInt(pieces.length)];
                default -> "records";
            } + query;
            int status = rawGet(path);
            assertThat(status).as(path).isBetween(200, 499);
            statuses.merge(status, 1, Integer::sum);
        }
        assertThat(statuses).as("answers by status").containsKey(400).containsKey(200);
    }

    /** Sends one GET with the path exactly as given, and returns the status of the answer. */
    static int rawGet(String path) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", spoke.httpAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))
                    .readLine();
            assertThat(statusLine).as("an answer to " + path).isNotNull().startsWith("HTTP/1.1 ");
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    @Test
    void everySearchUnderConcurrentPublishingIsExactlyTheRevisionItReports() throws Exception {
        // A model of what the hub publishes: per revision, how many records are available.
        Map<String, Record> model = new HashMap<>(catalogue);
        Map<Long, Long> available = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Long, Map<String, Record>> at = new java.util.concurrent.ConcurrentHashMap<>();
        long start = spoke.replica().state().orElseThrow().revision();
        available.put(start, model.values().stream().filter(r -> r.getStatus() == Status.AVAILABLE).count());
        at.put(start, Map.copyOf(model));
        CatalogueGenerator generator = new CatalogueGenerator(99);
        List<String> ids = new ArrayList<>(model.keySet());
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(start);
        Thread publisher = new Thread(() -> {
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 40 && publishing.get(); i++) {
                List<HubRecord> changed = new ArrayList<>();
                for (int n = 0; n < 7; n++) {
                    Record r = model.get(ids.get(random.nextInt(ids.size())));
                    HubRecord modified = generator.modify(HubRecord.newBuilder().setRecord(r).setStorageUri("s3://ngc/x/" + r.getId()).build());
                    changed.add(modified);
                }
                synchronized (model) {
                    changed.forEach(c -> model.put(c.getRecord().getId(), c.getRecord()));
                    long count = model.values().stream().filter(r -> r.getStatus() == Status.AVAILABLE).count();
                    long published = cluster.put(changed);
                    available.put(published, count);
                    at.put(published, Map.copyOf(model));
                    last.set(published);
                }
                try {
                    Thread.sleep(25); // a revision every 25 ms or so, so that searches meet many of them
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-publisher");
        publisher.start();
        int checked = 0;
        java.util.Set<Long> revisionsSeen = new java.util.TreeSet<>();
        try {
            while (publisher.isAlive() || checked < 20) {
                JsonNode page = get("/api/v1/records" + q("status", "available", "limit", "200"), 200);
                long revisionOf = page.get("revision").asLong();
                revisionsSeen.add(revisionOf);
                page.get("hits").forEach(h -> assertThat(h.get("status").asText()).as("a hit read at revision " + revisionOf).isEqualTo("available"));
                Map<String, Record> then = at.get(revisionOf);
                if (then != null) {
                    // Every hit is the record exactly as the revision the answer names holds it, not as any other does.
                    for (JsonNode h : page.get("hits")) {
                        assertThat(h).as("record " + h.get("id").asText() + " at revision " + revisionOf)
                                .isEqualTo(JSON.readTree(RecordJson.of(then.get(h.get("id").asText())).toString()));
                    }
                }
                Long expected = available.get(revisionOf);
                if (expected != null) {
                    assertThat(page.get("total").get("value").asLong()).as("available records at revision " + revisionOf).isEqualTo(expected);
                    long facetAvailable = 0;
                    for (JsonNode v : page.get("facets").get("status")) {
                        if (v.get("value").asText().equals("available")) {
                            facetAvailable = v.get("count").asLong();
                        }
                    }
                    assertThat(facetAvailable).isEqualTo(expected);
                    checked++;
                }
            }
        } finally {
            publishing.set(false);
            publisher.join();
            // Put the catalogue the other tests compare with back in step, pass or fail: they run in any order.
            spoke.awaitSearchable(last.get(), Duration.ofSeconds(30));
            synchronized (model) {
                catalogue.clear();
                catalogue.putAll(new TreeMap<>(model));
                revision = last.get();
            }
        }
        assertThat(revisionsSeen.size()).as("searches ran across several revisions: " + revisionsSeen).isGreaterThan(3);
        assertThat(checked).isGreaterThanOrEqualTo(20);
        assertThat(spoke.awaitSearchable(last.get(), Duration.ofSeconds(30))).isTrue();
    }
}
