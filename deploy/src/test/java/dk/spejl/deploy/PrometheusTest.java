package dk.spejl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.Hub;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.Spoke;
import dk.spejl.spoke.SpokeConfig;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitoring files in {@code deploy/monitoring} against Debian's real Prometheus on loopback, scraping a running hub
 * and spoke: the rules pass {@code promtool check rules}, every target is up, every metric a rule or a dashboard panel
 * uses returns data through Prometheus's query API, and stopping the spoke's hub makes the stale alert fire. Intervals
 * and the rules' {@code for} are shortened to seconds; nothing else is changed. Skipped without Prometheus, unless
 * {@code SPEJL_SYSTEM_TESTS=required} (as {@code .ci/run} sets it), when it fails.
 */
class PrometheusTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Path MONITORING = Path.of("monitoring");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private JsonNode api(int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static void await(String what, Duration timeout, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            assertThat(System.nanoTime()).as("waited " + timeout.toSeconds() + " s for " + what).isLessThan(end);
            Thread.sleep(250);
        }
    }

    private static int run(Path log, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return p.waitFor();
    }

    /** Every metric name a PromQL expression uses. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(spejl_[a-z_]+|up)\\b").matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void theRulesAndDashboardWorkAgainstARealPrometheusAndTheStaleAlertFires() throws Exception {
        boolean present = Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL);
        if (!present && "required".equals(System.getenv("SPEJL_SYSTEM_TESTS"))) {
            throw new IllegalStateException("this test needs " + PROMETHEUS + " and " + PROMTOOL + ": apt-get install -y prometheus");
        }
        Assumptions.assumeTrue(present, "no Prometheus here (apt-get install -y prometheus); skipped");

        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "mon-hub", List.of("localhost"), List.of("127.0.0.1"));
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "mon-hub", Duration.ofDays(30), Clock.systemUTC());
        int opsPort = freePort();
        int httpPort = freePort();
        int promPort = freePort();
        Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("mon-hub").keys(tmp.resolve("keys"), root.publicKey().fingerprint()).tls(tls)
                .heartbeats(Duration.ofSeconds(1), Duration.ofSeconds(3)).ops(new InetSocketAddress("127.0.0.1", opsPort), Duration.ofDays(1)).start();
        Spoke spoke = null;
        Process prometheus = null;
        try {
            hub.ingest().apply(new CatalogueGenerator(17).generate(50).stream().map(CatalogueGenerator::putLine).toList());
            Path conf = LocalCluster.enrolSpoke(tmp.resolve("spoke"), "mon-spoke", "midtjylland", "127.0.0.1:" + hub.replicationPort(),
                    tmp.resolve("tls"), root.publicKey().fingerprint(), "127.0.0.1:" + httpPort);
            Files.writeString(conf, Files.readString(conf) + "\nfreshness.window = 3s\n");
            spoke = SpokeConfig.read(conf).toBuilder().start();

            // The shipped files, with seconds for minutes so that the test runs in a minute.
            Files.writeString(tmp.resolve("prometheus.yml"), Files.readString(MONITORING.resolve("prometheus.yml"))
                    .replace("127.0.0.1:7445", "127.0.0.1:" + opsPort).replace("127.0.0.1:8080", "127.0.0.1:" + httpPort)
                    .replace("interval: 30s", "interval: 1s"));
            String rules = Files.readString(MONITORING.resolve("spejl-rules.yml"));
            Files.writeString(tmp.resolve("spejl-rules.yml"), rules.replaceAll("for: \\d+m", "for: 2s"));
            assertThat(run(tmp.resolve("check-rules.log"), PROMTOOL.toString(), "check", "rules", MONITORING.resolve("spejl-rules.yml").toString()))
                    .as(Files.readString(tmp.resolve("check-rules.log"))).isZero();
            assertThat(run(tmp.resolve("check-config.log"), PROMTOOL.toString(), "check", "config", tmp.resolve("prometheus.yml").toString()))
                    .as(Files.readString(tmp.resolve("check-config.log"))).isZero();

            prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + tmp.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            await("Prometheus to be ready", Duration.ofSeconds(30), () -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort + "/-/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false;
                }
            });
            await("both targets up", Duration.ofSeconds(30), () -> {
                JsonNode targets = api(promPort, "/api/v1/targets").path("data").path("activeTargets");
                return targets.size() == 2 && java.util.stream.StreamSupport.stream(targets.spliterator(), false)
                        .allMatch(t -> t.path("health").asText().equals("up"));
            });

            // Every metric a rule or a panel uses has data.
            Set<String> used = new TreeSet<>(metricNames(rules));
            for (JsonNode panel : JSON.readTree(MONITORING.resolve("grafana-spejl.json").toFile()).path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    used.addAll(metricNames(target.path("expr").asText()));
                }
            }
            assertThat(used).contains("spejl_spoke_stale", "spejl_hub_spoke_behind_revisions", "spejl_hub_peer_rejections_total", "up");
            for (String name : used) {
                // "x == x" drops NaN samples: a series that is there but says nothing does not count.
                await(name + " through the query API", Duration.ofSeconds(30), () -> api(promPort, "/api/v1/query?query="
                        + URLEncoder.encode(name + " == " + name, StandardCharsets.UTF_8)).path("data").path("result").size() > 0);
            }
            // And every rule's expression evaluates (to nothing, on a healthy cluster, for most).
            Matcher exprs = Pattern.compile("(?m)^\\s+expr: (.+)$").matcher(rules);
            while (exprs.find()) {
                JsonNode answer = api(promPort, "/api/v1/query?query=" + URLEncoder.encode(exprs.group(1), StandardCharsets.UTF_8));
                assertThat(answer.path("status").asText()).as(exprs.group(1) + ": " + answer).isEqualTo("success");
            }

            // The spoke's hub goes away: its data goes stale, and the alert fires.
            hub.close();
            hub = null;
            Predicate<JsonNode> staleFiring = a -> a.path("labels").path("alertname").asText().equals("SpejlSpokeStale")
                    && a.path("state").asText().equals("firing");
            await("SpejlSpokeStale to fire", Duration.ofSeconds(60), () -> java.util.stream.StreamSupport.stream(
                    api(promPort, "/api/v1/alerts").path("data").path("alerts").spliterator(), false).anyMatch(staleFiring));
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                prometheus.waitFor();
            }
            if (spoke != null) {
                spoke.close();
            }
            if (hub != null) {
                hub.close();
            }
        }
    }
}
