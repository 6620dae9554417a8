package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.TokenStore;
import dk.spejl.spoke.auth.UserStore;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spoke's working-copy API over HTTPS with bearer tokens, passed to a real hub over mutual TLS: a clinician at
 * one region's spoke asks, a steward at the owner's spoke decides.
 */
class AccessApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A spoke of {@code region} over HTTPS with one local user of {@code role}, and that user's bearer token. */
    private record At(Spoke spoke, WebClient client, String bearer) {
        HttpResponse<String> send(String method, String path, String json, String contentType) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(client.base + path)).header("Authorization", "Bearer " + bearer);
            b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                    : b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(json));
            return client.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, String json) throws Exception {
            return send("POST", path, json, "application/json");
        }

        HttpResponse<String> get(String path) throws Exception {
            return send("GET", path, null, null);
        }
    }

    private At spoke(Cluster cluster, String name, String region, String user, Role role) throws Exception {
        Path data = cluster.dir.resolve("spoke-" + name);
        new UserStore(data, Clock.systemUTC()).add(user, Set.of(role), new Passwords(1, 10_000).hash("korrekt-hest-batteri".toCharArray()));
        String token = new TokenStore(data, Clock.systemUTC()).create(user, "test", Optional.of(Duration.ofDays(1))).token();
        TlsFiles https = ServerPki.create(tmp.resolve("https-" + name), name, List.of("localhost"), List.of("127.0.0.1"));
        Spoke spoke = cluster.spokeBuilder(name).tls(cluster.enrol(name, region)).logins(Logins.LOCAL).httpTls(https).start();
        cluster.spokes.add(spoke);
        return new At(spoke, new WebClient(spoke.httpAddress().getPort(), https.trustedCa()), token);
    }

    @Test
    void aClinicianAsksAtTheirSpokeAndTheOwnersStewardDecidesAtTheirs() throws Exception {
        try (Cluster cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2))) {
            List<HubRecord> records = new CatalogueGenerator(74).generate(120);
            cluster.put(records);
            String record = records.stream().map(HubRecord::getRecord).filter(r -> r.getOwnerRegion().equals("hovedstaden"))
                    .filter(r -> r.getStatus() != dk.spejl.wire.Status.WITHDRAWN).findFirst().orElseThrow().getId();
            At clinic = spoke(cluster, "ouh", "syddanmark", "klinik", Role.CLINICIAN);
            At owner = spoke(cluster, "rh", "hovedstaden", "steward", Role.STEWARD);

            String ask = "{\"record_id\":\"" + record + "\",\"episode\":\"forløb 2026-4411\",\"justification\":\"Recidiv.\",\"client_request_id\":\"c-1\"}";
            assertThat(clinic.send("POST", "/api/v1/requests", ask, "text/plain").statusCode()).as("not JSON: a cross-site form could send it")
                    .isEqualTo(415);
            HttpResponse<String> submitted = clinic.post("/api/v1/requests", ask);
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
            JsonNode request = JSON.readTree(submitted.body());
            String id = request.path("id").asText();
            assertThat(request.path("state").asText()).isEqualTo("submitted");
            assertThat(request.path("requester_region").asText()).isEqualTo("syddanmark");
            assertThat(JSON.readTree(clinic.post("/api/v1/requests", ask).body()).path("id").asText()).as("a retry").isEqualTo(id);

            HttpResponse<String> unknown = clinic.post("/api/v1/requests", "{\"record\":\"x\"}");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("unknown field record");
            HttpResponse<String> cpr = clinic.post("/api/v1/requests", ask.replace("forløb 2026-4411", "010190-1234").replace("c-1", "c-2"));
            assertThat(cpr.statusCode()).isEqualTo(400);
            assertThat(cpr.body()).contains("CPR");
            HttpResponse<String> notSteward = clinic.post("/api/v1/requests/" + id + "/decision", "{\"decision\":\"approve\"}");
            assertThat(notSteward.statusCode()).isEqualTo(403);
            assertThat(notSteward.body()).contains("needs the steward role");

            HttpResponse<String> inbox = owner.get("/api/v1/requests");
            assertThat(inbox.statusCode()).as(inbox.body()).isEqualTo(200);
            assertThat(JSON.readTree(inbox.body()).path("requests").findValuesAsText("id")).containsExactly(id);
            HttpResponse<String> noReason = owner.post("/api/v1/requests/" + id + "/decision", "{\"decision\":\"deny\"}");
            assertThat(noReason.statusCode()).isEqualTo(400);
            assertThat(noReason.body()).contains("a reason is required");
            HttpResponse<String> approved = owner.post("/api/v1/requests/" + id + "/decision", "{\"decision\":\"approve\"}");
            assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
            assertThat(JSON.readTree(approved.body()).path("state").asText()).isEqualTo("approved");
            HttpResponse<String> again = owner.post("/api/v1/requests/" + id + "/decision", "{\"decision\":\"deny\",\"reason\":\"nej\"}");
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("already approved");

            HttpResponse<String> mine = clinic.get("/api/v1/requests/" + id);
            assertThat(JSON.readTree(mine.body()).path("history").findValuesAsText("action")).containsExactly("submit", "approve");
            assertThat(owner.get("/api/v1/requests/" + id + "?as=admin").statusCode()).as("the steward is no admin here").isEqualTo(403);

            HttpResponse<String> grant = owner.post("/api/v1/grants", "{\"grantee_region\":\"syddanmark\",\"file_formats\":[\"cram\",\"vcf\"],"
                    + "\"valid_from\":\"2026-01-01T00:00:00Z\",\"valid_to\":\"2036-01-01T00:00:00Z\",\"reason\":\"MDT-samarbejde\"}");
            assertThat(grant.statusCode()).as(grant.body()).isEqualTo(201);
            assertThat(JSON.readTree(clinic.get("/api/v1/grants").body()).path("grants").findValuesAsText("grantee_region"))
                    .as("the grantee region sees the grant").containsExactly("syddanmark");
        }
    }
}
