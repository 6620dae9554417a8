package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both daemons' {@code /metrics}, as a real scrape gets them over HTTP from a running hub and spoke, pass Debian's
 * {@code promtool check metrics}: help text on every metric, base units, {@code _total} on counters. Skipped without
 * promtool, unless {@code SPEJL_SYSTEM_TESTS=required} (as {@code .ci/run} sets it), when it fails.
 */
class PromtoolTest {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path tmp;

    static void require() {
        boolean present = Files.isExecutable(PROMTOOL);
        if (!present && "required".equals(System.getenv("SPEJL_SYSTEM_TESTS"))) {
            throw new IllegalStateException("this test needs " + PROMTOOL + ": apt-get install -y prometheus");
        }
        Assumptions.assumeTrue(present, "no promtool here (apt-get install -y prometheus); skipped");
    }

    /** What promtool says of {@code metrics}, and its exit code. */
    static String promtool(String metrics) throws Exception {
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("promtool check metrics said:\n" + said).isZero();
        return said;
    }

    static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    void theHubsAndASpokesMetricsPassPromtool() throws Exception {
        require();
        PrometheusMeterRegistry hubMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Cluster cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2),
                b -> b.metrics(hubMetrics).ops(new InetSocketAddress("127.0.0.1", 0), Duration.ofDays(1)))) {
            long revision = cluster.put(new CatalogueGenerator(11).generate(200));
            Spoke spoke = cluster.spoke("ouh");
            assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
            get(spoke.httpAddress().getPort(), "/api/v1/status");
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String hub = get(cluster.hub.opsAddress().orElseThrow().getPort(), "/metrics");
            while (!hub.contains("spejl_hub_spoke_applied_revision{spoke=\"ouh\"} " + revision + ".0") && System.nanoTime() < end) {
                Thread.sleep(50);
                hub = get(cluster.hub.opsAddress().get().getPort(), "/metrics");
            }
            assertThat(hub).contains("spejl_hub_spoke_applied_revision{spoke=\"ouh\"} " + revision + ".0", "spejl_hub_spokes_connected 1.0");
            promtool(hub);
            promtool(get(spoke.httpAddress().getPort(), "/metrics"));
        }
    }
}
