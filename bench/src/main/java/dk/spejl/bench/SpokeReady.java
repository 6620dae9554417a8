package dk.spejl.bench;

import dk.spejl.deploy.DaemonProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Waits for a spoke in its own process to be ready to be measured: answering searches, and its index merged. */
final class SpokeReady {
    private SpokeReady() {
    }

    /** Waits until the spoke answers a search with 200 ({@code base} is a search URL; {@code bearer} the Authorization header). */
    static void awaitSearches(HttpClient http, String base, String bearer, DaemonProcess process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base)).header("Authorization", bearer).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        List<String> log = Files.readAllLines(process.log());
        throw new IllegalStateException("the spoke process did not answer searches; its log ends:\n"
                + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())));
    }

    /** Waits until the spoke's index merges no segments (it merges a fresh index's once, at start). */
    static void awaitMerged(HttpClient http, String metrics) throws Exception {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(metrics)).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (body.lines().anyMatch(l -> l.startsWith("spejl_spoke_index_merging_segments ") && Double.parseDouble(l.split(" ")[1]) == 0)) {
                Thread.sleep(1_500); // the index's writer looks for a finished merge each second
                String segments = http.send(HttpRequest.newBuilder(URI.create(metrics)).build(), HttpResponse.BodyHandlers.ofString()).body()
                        .lines().filter(l -> l.startsWith("spejl_spoke_index_segments ")).map(l -> l.split(" ")[1]).findFirst().orElse("?");
                System.out.printf("The spoke process merged its index's segments %.1f s after it first answered a search; searches then read %s.%n%n",
                        (System.nanoTime() - started) / 1e9, segments);
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the spoke process was still merging its index after 5 minutes");
    }
}
