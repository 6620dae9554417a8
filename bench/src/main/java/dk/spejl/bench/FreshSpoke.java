package dk.spejl.bench;

import dk.spejl.deploy.DaemonProcess;
import dk.spejl.deploy.LocalCluster;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Point (5) as a region's admin sees it: a spoke as deployed ({@code bin/spejl-spoke serve}, its own JVM, the
 * default heap unless {@code --spoke-java-option} says otherwise), enrolled with an empty data dir, from its start to
 * its first answered search, bootstrap and index build included; the build's own time, from the spoke's log; and how
 * long a SIGTERM then takes to end it.
 */
final class FreshSpoke {
    private static final Pattern BUILT = Pattern.compile("search index built at revision \\d+: (\\d+) records in (\\d+) ms");

    private FreshSpoke() {
    }

    static void run(Path dir, int hubPort, String fingerprint, List<String> javaOptions) throws Exception {
        int httpPort = SearchBench.freePort();
        Path conf = LocalCluster.enrolSpoke(dir.resolve("fresh"), "bench-fresh", "syddanmark", "127.0.0.1:" + hubPort,
                dir.resolve("tls"), fingerprint, "127.0.0.1:" + httpPort);
        String bearer = BenchLogin.bearer(dk.spejl.spoke.SpokeConfig.read(conf).dataDir());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long started = System.nanoTime();
        try (DaemonProcess process = DaemonProcess.spoke(Path.of("deploy/target/spejl"), "bench-fresh", dir.resolve("fresh.log"), javaOptions,
                "serve", "--config", conf.toString())) {
            SpokeReady.awaitSearches(http, "http://127.0.0.1:" + httpPort + "/api/v1/records?limit=1", bearer, process);
            double searchable = (System.nanoTime() - started) / 1e9;
            Matcher built = BUILT.matcher(Files.readString(process.log()));
            String build = built.find() ? String.format("%.1f", Long.parseLong(built.group(2)) / 1e3) : "?";
            System.out.println("#### (5b) A fresh spoke as deployed (its own JVM, default heap): bootstrap and build (target ≤ 20 s)\n");
            System.out.println("| step | s |\n|---|---|");
            System.out.printf("| process start to its first search answered (bootstrap, index build) | %.1f |%n", searchable);
            System.out.printf("| of which the index build (the spoke's log) | %s |%n", build);
            // Stopped at once: the build's segments are merged in the background for some seconds after the first search.
            long stopping = System.nanoTime();
            int exit = process.stop(java.time.Duration.ofSeconds(60));
            System.out.printf("| SIGTERM, right after that, to the process's end (exit %d) | %.1f |%n%n", exit, (System.nanoTime() - stopping) / 1e9);
        } finally {
            SearchBench.deleteTree(dir.resolve("fresh"));
        }
    }
}
