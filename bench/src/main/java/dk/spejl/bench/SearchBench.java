package dk.spejl.bench;

import dk.spejl.deploy.DaemonProcess;
import dk.spejl.deploy.LocalCluster;
import dk.spejl.hub.Hub;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.publish.Published;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.Spoke;
import dk.spejl.spoke.SpokeConfig;
import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.search.SearchIndex;
import dk.spejl.spoke.search.SearchQuery;
import dk.spejl.tls.ServerPki;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * What issue 13 asks of search at the spoke, printed as Markdown: (1) server-side latency of a seeded
 * query mix per class, (2) searches/s over HTTP with keep-alive from another process, (3) PostgreSQL 15
 * side by side with the same records and queries, (4) replication latency while searches run, (5) the
 * time to "searchable" after a bootstrap and of {@code reindex}, (6) the spoke's resident memory under load.
 * Loopback only; everything stops by itself.
 */
@Command(name = "spejl-search-bench", mixinStandardHelpOptions = true, description = "Search benchmarks; prints Markdown.")
public final class SearchBench implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "1000000", description = "Catalogue size (default: ${DEFAULT-VALUE}).")
    int records;
    @Option(names = "--queries", defaultValue = "2000", description = "Queries measured per class (default: ${DEFAULT-VALUE}).")
    int queries;
    @Option(names = "--seconds", defaultValue = "15", description = "Seconds per concurrency level in the throughput runs (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--concurrency", split = ",", defaultValue = "1,2,4,8,16", description = "Concurrent clients in the throughput runs (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;
    @Option(names = "--warmup-seconds", defaultValue = "10", description = "Seconds of searching at the highest concurrency before the throughput levels, not counted (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;
    @Option(names = "--revisions", defaultValue = "500", description = "Single-record revisions measured under search load (default: ${DEFAULT-VALUE}).")
    int revisions;
    @Option(names = "--searches-per-second", defaultValue = "200", description = "Search load while revisions are measured (default: ${DEFAULT-VALUE}).")
    int searchRate;
    @Option(names = "--pg-queries", defaultValue = "30", description = "Queries measured per class in PostgreSQL, which is slower (default: ${DEFAULT-VALUE}).")
    int pgQueries;
    @Option(names = "--spoke-java-option", description = "A JVM option for the spoke searched over HTTP, e.g. to record a profile (repeatable).")
    List<String> spokeJavaOptions = new ArrayList<>();
    @Option(names = "--no-postgres", description = "Skip the PostgreSQL comparison.")
    boolean noPostgres;
    @Option(names = "--build-only", description = "Measure (5), the build times, and stop.")
    boolean buildOnly;
    @Option(names = "--distribution", defaultValue = "deploy/target/spejl", description = "A spoke distribution to measure over HTTP (repeatable, to compare builds; default: ${DEFAULT-VALUE}).")
    List<Path> distributions;
    @Option(names = "--rounds", defaultValue = "1", description = "How many times to measure each distribution over HTTP, in turn (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--only-http", description = "Measure over HTTP alone, (1b), (2) and (6): for trying a change to what a request costs.")
    boolean onlyHttp;

    static final List<String> CLASSES = List.of("selective filters", "free text", "pseudonym", "facets (broad filter)", "match-all facet page");

    private Path dir;
    private final SplittableRandom random = new SplittableRandom(13);
    private final Map<String, String> figures = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new SearchBench()).execute(args));
    }

    /** One query of the mix: its class, and its parameters as the API takes them. */
    record Query(String kind, List<String[]> parameters) {
        String queryString() {
            return parameters.stream().map(p -> p[0] + "=" + URLEncoder.encode(p[1], StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        }

        Map<String, List<String>> map() {
            Map<String, List<String>> m = new LinkedHashMap<>();
            parameters.forEach(p -> m.computeIfAbsent(p[0], k -> new ArrayList<>()).add(p[1]));
            return m;
        }
    }

    @Override
    public Integer call() throws Exception {
        dir = Files.createTempDirectory("spejl-search-bench");
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        dk.spejl.tls.TlsFiles tls = ServerPki.create(dir.resolve("tls"), "bench", List.of("localhost"), List.of("127.0.0.1"));
        HubKeys.create(dir.resolve("keys"), root, "bench", Duration.ofDays(365), java.time.Clock.systemUTC());
        System.out.printf("## Search benchmark: %,d records, %d cores, %s%n%n", records, Runtime.getRuntime().availableProcessors(),
                java.time.LocalDate.now());
        CpuFloor.print();
        List<Record> catalogue = new ArrayList<>(records);
        try (Hub hub = Hub.builder().dataDir(dir.resolve("hub")).hubId("bench").keys(dir.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls)
                .snapshotPolicy(new SnapshotPolicy(1_000_000, 100.0, 2)).start()) {
            List<HubRecord> generated = new CatalogueGenerator(1).generate(records);
            List<ChangeSet.Put> puts = new ArrayList<>(records);
            for (int i = 0; i < generated.size(); i++) {
                puts.add(new ChangeSet.Put(i + 1, generated.get(i)));
                catalogue.add(generated.get(i).getRecord());
            }
            long t0 = System.nanoTime();
            hub.publisher().publish(new ChangeSet(puts, List.of()));
            System.out.printf("published %,d records in %.1f s%n%n", records, (System.nanoTime() - t0) / 1e9);
            puts = null;
            List<Query> mix = mix(catalogue);
            // A spoke keeps a revision's first pages: searches the mix repeats are answered from the kept hits.
            Map<String, Long> distinct = mix.stream().collect(Collectors.groupingBy(Query::kind, LinkedHashMap::new,
                    Collectors.mapping(Query::queryString, Collectors.collectingAndThen(Collectors.toSet(), set -> (long) set.size()))));
            System.out.printf("The query mix: %,d searches, distinct by class: %s%n%n", mix.size(), distinct);
            int httpPort = freePort();
            Path conf = LocalCluster.enrolSpoke(dir.resolve("spoke"), "bench", "midtjylland", "127.0.0.1:" + hub.replicationPort(),
                    dir.resolve("tls"), root.publicKey().fingerprint(), "127.0.0.1:" + httpPort);
            SpokeConfig config = SpokeConfig.read(conf);

            // (5a), (1), (4): the spoke in this JVM, so that its search calls and apply times can be timed directly.
            Map<Long, Long> applied = new ConcurrentHashMap<>();
            Map<Long, Long> searchable = new ConcurrentHashMap<>();
            Map<Long, CountDownLatch> waiting = new ConcurrentHashMap<>();
            long started = System.nanoTime();
            Spoke spoke = config.toBuilder().onApplied((revision, bootstrap, nanos) -> applied.put(revision, System.nanoTime())).start();
            spoke.index().onPublished(revision -> {
                searchable.put(revision, System.nanoTime());
                CountDownLatch latch = waiting.get(revision);
                if (latch != null) {
                    latch.countDown();
                }
            });
            long head = hub.publisher().head().revision();
            spoke.awaitRevision(head, Duration.ofMinutes(10));
            double toReplica = (System.nanoTime() - started) / 1e9;
            spoke.awaitSearchable(head, Duration.ofMinutes(10));
            double toSearchable = (System.nanoTime() - started) / 1e9;
            // The build's segments are merged in the background (searches are answered meanwhile); the figures below
            // are the merged index's, as a spoke serves for all but its first half-minute.
            while (spoke.index().merging()) {
                Thread.sleep(50);
            }
            double toMerged = (System.nanoTime() - started) / 1e9;
            Thread.sleep(1_500); // the index's writer looks for a finished merge each second, and then serves its segment
            if (!buildOnly && !onlyHttp) {
                serverSide(spoke, mix);
                ReplicationUnderLoad.run(hub, spoke, catalogue, mix, applied, searchable, waiting, searchRate, revisions, random);
            }
            spoke.close();
            if (!onlyHttp) {
                long reindexStart = System.nanoTime();
                long indexed;
                try (Replica replica = Replica.openReadOnly(config.dataDir().resolve("replica"))) {
                    indexed = SearchIndex.reindex(config.dataDir().resolve(Spoke.INDEX_DIR), replica);
                }
                double reindex = (System.nanoTime() - reindexStart) / 1e9;
                System.out.println("### (5) Build time (target ≤ 20 s each)\n");
                System.out.println("| step | s |\n|---|---|");
                System.out.printf("| spoke start to replica at head (bootstrap of %,d records) | %.1f |%n", records, toReplica);
                System.out.printf("| spoke start to searchable (bootstrap and index build) | %.1f |%n", toSearchable);
                System.out.printf("| index build after the bootstrap alone | %.1f |%n", toSearchable - toReplica);
                System.out.printf("| spoke start to the build's segments merged (in the background, searchable meanwhile) | %.1f |%n", toMerged);
                System.out.printf("| `reindex` (%,d records) | %.1f |%n%n", indexed, reindex);
                FreshSpoke.run(dir, hub.replicationPort(), root.publicKey().fingerprint(), spokeJavaOptions);
            }
            if (buildOnly) {
                return 0;
            }

            // (2), (6): the spoke in a process of its own, searched over HTTP with keep-alive from this one; with
            // several distributions, each in turn, round by round, so that their figures come from the same minutes.
            Map<String, double[]> httpLatency = null;
            List<double[]> spejlThroughput = null;
            for (int round = 0; round < rounds; round++) {
                for (Path distribution : distributions) {
                    if (distributions.size() > 1 || rounds > 1) {
                        System.out.printf("#### Round %d: the spoke from %s%n%n", round + 1, distribution);
                    }
                    OverHttp measured = overHttp(distribution, conf, config, httpPort, mix);
                    httpLatency = measured.latency();
                    spejlThroughput = measured.throughput();
                    printLatency("### (1b) Client-observed latency over HTTP, one keep-alive connection, ms", httpLatency);
                }
            }

            if (!noPostgres) {
                try (Postgres pg = Postgres.start(dir.resolve("pg"))) {
                    long loadStart = System.nanoTime();
                    pg.load(catalogue);
                    System.out.printf("PostgreSQL: loaded and indexed %,d rows in %.0f s%n%n", records, (System.nanoTime() - loadStart) / 1e9);
                    Map<String, double[]> pgLatency;
                    try (Connection c = pg.connect()) {
                        PgSearch search = new PgSearch(c);
                        pgLatency = latencyPerClass(mix, search::run, pgQueries);
                    }
                    printLatency("### (3a) PostgreSQL 15 over JDBC, one connection, ms (hits, total and drill-sideways facets per search)", pgLatency);
                    List<double[]> pgThroughput = levels().run("PostgreSQL over JDBC", mix, () -> {
                        PgSearch own = new PgSearch(pg.connect());
                        return own::run;
                    }, -1);
                    System.out.println("### (3b) Spejl (HTTP) against PostgreSQL (JDBC), same queries, same run\n");
                    System.out.println("| class | p50 PG/Spejl | p99 PG/Spejl |\n|---|---|---|");
                    for (String kind : CLASSES) {
                        double[] s = httpLatency.get(kind);
                        double[] p = pgLatency.get(kind);
                        System.out.printf("| %s | %.1f× | %.1f× |%n", kind, SpejlBench.pct(p, 0.5) / SpejlBench.pct(s, 0.5), SpejlBench.pct(p, 0.99) / SpejlBench.pct(s, 0.99));
                    }
                    double spejlBest = best(spejlThroughput);
                    double pgBest = best(pgThroughput);
                    if (pgBest > 0) {
                        System.out.printf("| throughput at p99 ≤ 50 ms | Spejl %.0f/s, PostgreSQL %.0f/s | %.1f× |%n%n", spejlBest, pgBest, spejlBest / pgBest);
                    } else {
                        double pgAny = pgThroughput.stream().mapToDouble(l -> l[1]).max().orElse(0);
                        System.out.printf("| throughput at p99 ≤ 50 ms | Spejl %.0f/s; PostgreSQL at no level (at most %.0f/s, at any p99) | — |%n%n",
                                spejlBest, pgAny);
                    }
                }
            }
        } finally {
            deleteTree(dir);
        }
        return 0;
    }

    private record OverHttp(Map<String, double[]> latency, List<double[]> throughput) {
    }

    /** (1b), (1p), (2) and (6) against the spoke of {@code distribution} in a process of its own. */
    private OverHttp overHttp(Path distribution, Path conf, SpokeConfig config, int httpPort, List<Query> mix) throws Exception {
        try (DaemonProcess process = DaemonProcess.spoke(distribution, "bench-spoke", dir.resolve("spoke.log"), spokeJavaOptions,
                "serve", "--config", conf.toString())) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + httpPort + "/api/v1/records?";
            String bearer = BenchLogin.bearer(config.dataDir());
            SpokeReady.awaitSearches(http, base, bearer, process);
            SpokeReady.awaitMerged(http, "http://127.0.0.1:" + httpPort + "/metrics");
            List<KeepAliveClient> connections = new ArrayList<>();
            try {
                KeepAliveClient one = new KeepAliveClient("127.0.0.1", httpPort, bearer);
                connections.add(one);
                Map<String, double[]> latency = latencyPerClass(mix, q -> one.get("/api/v1/records?" + q.queryString()));
                if (!onlyHttp) {
                    printLatency("### (1p) The search page (HTML, rendered and logged) over HTTP, one keep-alive connection, ms "
                            + "(issue 14: target p99 ≤ 20 ms)", latencyPerClass(mix, q -> one.get("/search?" + q.queryString())));
                }
                List<double[]> throughput = levels().run("Spejl over HTTP", mix, () -> {
                    KeepAliveClient own = new KeepAliveClient("127.0.0.1", httpPort, bearer);
                    connections.add(own);
                    return q -> own.get("/api/v1/records?" + q.queryString());
                }, process.pid());
                return new OverHttp(latency, throughput);
            } finally {
                for (KeepAliveClient c : connections) {
                    c.close();
                }
            }
        }
    }

    /** A seeded mix: each class's queries drawn from values that exist in the catalogue. */
    private List<Query> mix(List<Record> catalogue) {
        List<Query> mix = new ArrayList<>();
        String[] words = {"onkologi", "genetik", "sarek", "raredisease", "novaseq", "molekylaer"};
        for (int i = 0; i < 400; i++) {
            Record r = catalogue.get(random.nextInt(catalogue.size()));
            mix.add(new Query(CLASSES.get(0), List.of(new String[] {"owner_unit", r.getOwnerUnit()},
                    new String[] {"file_format", RecordJson.spell(r.getFileFormat().getValueDescriptor())},
                    new String[] {"reference_genome", r.getReferenceGenome()}, new String[] {"sample_kind",
                            RecordJson.spell(r.getSampleKind().getValueDescriptor())})));
            mix.add(new Query(CLASSES.get(1), random.nextBoolean()
                    ? List.<String[]>of(new String[] {"q", words[random.nextInt(words.length)]})
                    : List.of(new String[] {"q", words[random.nextInt(words.length)]}, new String[] {"owner_region", r.getOwnerRegion()})));
            mix.add(new Query(CLASSES.get(2), List.<String[]>of(new String[] {"q", random.nextBoolean() ? r.getSubjectPseudonym() : r.getSamplePseudonym()})));
            mix.add(new Query(CLASSES.get(3), List.<String[]>of(new String[] {"file_format", RecordJson.spell(r.getFileFormat().getValueDescriptor())})));
            mix.add(new Query(CLASSES.get(4), List.of()));
        }
        return mix;
    }

    @FunctionalInterface
    interface Runner {
        void run(Query q) throws Exception;
    }

    @FunctionalInterface
    interface RunnerFactory {
        Runner create() throws Exception;
    }

    /** (1) The spoke's own search calls, in this JVM: parsing, the index and the records from the view; no HTTP. */
    private void serverSide(Spoke spoke, List<Query> mix) throws Exception {
        Map<String, double[]> times = latencyPerClass(mix, q -> spoke.search().records(SearchQuery.parse(q.map())));
        printLatency("### (1) Server-side latency per query class, ms (target p99 ≤ 10 ms)", times);
        // The same searches, each with its browse-log entry made durable (synced, group commit) as the handler does.
        Map<String, double[]> logged = latencyPerClass(mix, q -> {
            dk.spejl.spoke.search.Search.Page page = spoke.search().records(SearchQuery.parse(q.map()));
            spoke.browseLog().record(dk.spejl.spoke.http.HttpRequest.of("GET", "/api/v1/records", q.map(), Map.of()), "search", page.total(),
                    page.hits().stream().map(Record::getId).toList(), 200, page.revision());
        });
        printLatency("### (1w) The same with each search's browse-log entry written and synced, ms (issue 14)", logged);
    }

    private Map<String, double[]> latencyPerClass(List<Query> mix, Runner runner) throws Exception {
        return latencyPerClass(mix, runner, queries);
    }

    private Map<String, double[]> latencyPerClass(List<Query> mix, Runner runner, int queries) throws Exception {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String kind : CLASSES) {
            List<Query> ofKind = mix.stream().filter(q -> q.kind().equals(kind)).toList();
            for (int i = 0; i < Math.min(500, queries); i++) {
                runner.run(ofKind.get(i % ofKind.size())); // warm-up
            }
            double[] ms = new double[queries];
            for (int i = 0; i < queries; i++) {
                long t = System.nanoTime();
                runner.run(ofKind.get(random.nextInt(ofKind.size())));
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            out.put(kind, ms);
        }
        return out;
    }

    private static void printLatency(String title, Map<String, double[]> times) {
        System.out.println(title + "\n");
        System.out.println("| class | p50 | p99 | max |\n|---|---|---|---|");
        times.forEach((kind, ms) -> System.out.printf("| %s | %.2f | %.2f | %.1f |%n", kind, SpejlBench.pct(ms, 0.5), SpejlBench.pct(ms, 0.99), ms[ms.length - 1]));
        System.out.println();
    }

    private ThroughputLevels levels() {
        return new ThroughputLevels(concurrency, seconds, warmupSeconds, random);
    }

    private static double best(List<double[]> levels) {
        return levels.stream().filter(l -> l[3] <= 50).mapToDouble(l -> l[1]).max().orElse(0);
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void deleteTree(Path path) throws Exception {
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

}
