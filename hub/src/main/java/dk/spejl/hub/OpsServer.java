package dk.spejl.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dk.spejl.tls.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The hub's operations port (loopback unless configured otherwise): {@code /metrics} for Prometheus,
 * {@code /healthz} (the process answers) and {@code /readyz}: ready when the hub holds a signed head, and its key
 * delegation and its TLS certificate stay valid for more than the configured margin. Plain HTTP on one small thread:
 * it says nothing about patients, and is meant for a scraper on the same machine or network segment.
 */
final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

    /** What readiness is judged by. */
    interface Facts {
        boolean hasHead();

        Instant delegationExpires();
    }

    private final HttpServer server;

    OpsServer(InetSocketAddress address, Supplier<String> scrape, Facts facts, Path certificate, Duration margin, Clock clock) throws IOException {
        Instant certificateExpires = Pem.readCertificates(certificate)[0].getNotAfter().toInstant();
        server = HttpServer.create(address, 16);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hub-ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", x -> {
            String text = scrape.get();
            answer(x, text == null ? 503 : 200, "text/plain; version=0.0.4; charset=utf-8",
                    text == null ? "this hub keeps no Prometheus registry\n" : text);
        });
        server.createContext("/healthz", x -> answer(x, 200, "text/plain; charset=utf-8", "ok\n"));
        server.createContext("/readyz", x -> {
            Optional<String> why = notReady(facts, certificateExpires, margin, clock.instant());
            answer(x, why.isEmpty() ? 200 : 503, "text/plain; charset=utf-8", why.map(w -> "not ready: " + w + "\n").orElse("ready\n"));
        });
        server.start();
        log.info("hub operations port on http://{}: /metrics, /healthz, /readyz", address());
    }

    static Optional<String> notReady(Facts facts, Instant certificateExpires, Duration margin, Instant now) {
        List<String> problems = new ArrayList<>();
        if (!facts.hasHead()) {
            problems.add("no signed head yet");
        }
        String within = margin.toHours() >= 48 ? margin.toDays() + " days" : margin.toMinutes() >= 120 ? margin.toHours() + " hours"
                : margin.toMinutes() + " minutes";
        if (facts.delegationExpires().isBefore(now.plus(margin))) {
            problems.add("the key delegation expires at " + facts.delegationExpires() + ", within " + within + ": 'spejl-hub keys rotate'");
        }
        if (certificateExpires.isBefore(now.plus(margin))) {
            problems.add("the hub's TLS certificate expires at " + certificateExpires + ", within " + within);
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void answer(HttpExchange x, int status, String type, String body) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
                x.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", type);
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.sendResponseHeaders(status, x.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
            if (!x.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
