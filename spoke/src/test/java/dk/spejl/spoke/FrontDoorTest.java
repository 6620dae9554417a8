package dk.spejl.spoke;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.Hub;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.memory.InMemoryObjectStore;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.sync.SyncSettings;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.Manifest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The front doors take their parts from outside (docs/design.md, "Modules and packages"): a hub
 * over a catalogue and an in-memory object store it was given, and a spoke over a replica, a
 * metrics registry, sync settings and an extra route it was given, replicating over real TLS.
 */
class FrontDoorTest {
    @TempDir
    Path tmp;

    /** A request line no well-behaved client would send; returns the status line. */
    private static String rawGet(int port, String target) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void aHubAndASpokeBuiltFromGivenPartsReplicateThroughThem() throws Exception {
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "parts-hub", List.of("localhost"), List.of("127.0.0.1"));
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "parts-hub", Duration.ofDays(30), Clock.systemUTC());
        InMemoryObjectStore objects = new InMemoryObjectStore();
        CatalogueStore catalogue = CatalogueStore.open(tmp.resolve("given-catalogue"));
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Replica replica = Replica.open(tmp.resolve("given-replica"), false);
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("parts-hub").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls).catalogue(catalogue).objects(objects).start()) {
            CatalogueGenerator generator = new CatalogueGenerator(31);
            long revision = hub.ingest().apply(generator.generate(2000).stream().map(CatalogueGenerator::putLine).toList()).getRevision();
            Manifest head = hub.publisher().head().manifest();
            assertThat(hub.catalogue()).isSameAs(catalogue);
            assertThat(objects.list()).contains(Sha256.hex(head.getDelta().getDigest().toByteArray()),
                    Sha256.hex(head.getSnapshotIndex().getDigest().toByteArray()));

            try (Spoke spoke = Spoke.builder().name("parts").dataDir(tmp.resolve("spoke")).hub(new InetSocketAddress("127.0.0.1", hub.replicationPort()))
                    .rootFingerprint(root.publicKey().fingerprint())
                    .tls(ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("parts", "midtjylland"), tmp.resolve("spoke-tls"), "spoke"))
                    .replica(replica).metrics(metrics).sync(new SyncSettings(Duration.ofSeconds(20), 2, 1, Duration.ofMinutes(1), Duration.ofSeconds(30)))
                    .routes(routes -> routes.get("/api/v1/echo", "echo",
                            request -> HttpResponse.text(200, "text/plain", "x=" + request.query("x").orElse("none"))))
                    .start()) {
                assertThat(spoke.awaitRevision(revision, Duration.ofSeconds(30))).isTrue();
                assertThat(spoke.replica()).isSameAs(replica);
                assertThat(replica.state().orElseThrow().entryCount()).isEqualTo(2000);
                assertThat(spoke.metrics()).isSameAs(metrics);
                assertThat(metrics.get("spejl_spoke_revision").gauge().value()).isEqualTo(revision);

                long next = hub.ingest().apply(List.of(CatalogueGenerator.putLine(generator.generate(1).get(0)))).getRevision();
                assertThat(spoke.awaitRevision(next, Duration.ofSeconds(30))).isTrue();

                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + spoke.httpAddress().getPort();
                var echo = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/echo?x=42")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(echo.statusCode()).isEqualTo(200);
                assertThat(echo.body()).isEqualTo("x=42");
                var wrongMethod = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/status"))
                        .DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(wrongMethod.statusCode()).isEqualTo(405);
                assertThat(wrongMethod.headers().firstValue("allow")).contains("GET");
                assertThat(rawGet(spoke.httpAddress().getPort(), "/api/v1/records/%zz")).startsWith("HTTP/1.1 400");
                assertThat(rawGet(spoke.httpAddress().getPort(), "/api/v1/status?x=%zz")).startsWith("HTTP/1.1 400");
                assertThat(metrics.scrape()).contains("route=\"echo\"", "route=\"malformed\"");
            }
        }
    }
}
