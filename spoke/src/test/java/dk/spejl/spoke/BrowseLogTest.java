package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.browse.BrowseLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dk.spejl.spoke.SearchIndexLifecycleTest.get;
import static dk.spejl.spoke.SearchIndexLifecycleTest.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browse log at a real spoke: every search, record view and subject view is an entry with what it showed,
 * written before the answer; no entry, no answer; {@code spejl-spoke audit verify} and {@code list} beside the
 * running spoke, and a changed entry found at its index.
 */
class BrowseLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyViewIsLoggedWithWhatItShowedBeforeItsAnswerAndTheLogVerifies() throws Exception {
        try (Cluster cluster = new Cluster(tmp, new SnapshotPolicy(1000, 0.25, 2))) {
            long revision = cluster.put(new CatalogueGenerator(14).generate(120));
            Spoke spoke = cluster.spoke("witness");
            assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
            JsonNode page = json(get(spoke, "/api/v1/records?file_format=cram&limit=5"));
            String id = page.get("hits").get(0).get("id").asText();
            String subject = page.get("hits").get(0).get("subject_pseudonym").asText();
            assertThat(get(spoke, "/api/v1/records/" + id).statusCode()).isEqualTo(200);
            assertThat(get(spoke, "/api/v1/subjects/" + subject).statusCode()).isEqualTo(200);
            assertThat(get(spoke, "/api/v1/records?file_format=floppy").statusCode()).isEqualTo(400);

            MerkleLog log = spoke.browseLog().merkleLog();
            assertThat(log.size()).as("each answer's entry is durable before the answer is sent").isEqualTo(4);
            List<JsonNode> entries = new ArrayList<>();
            for (long i = 0; i < 4; i++) {
                entries.add(JSON.readTree(log.entry(i).orElseThrow()));
            }
            JsonNode search = entries.get(0);
            assertThat(search.get("action").asText()).isEqualTo("search");
            assertThat(search.get("who").get("user").asText()).isEqualTo("anonymous");
            assertThat(search.get("what").get("query").get("file_format").get(0).asText()).isEqualTo("cram");
            assertThat(search.get("hits").asLong()).isEqualTo(page.get("total").get("value").asLong());
            List<String> shown = new ArrayList<>();
            search.get("shown").forEach(s -> shown.add(s.asText()));
            List<String> hits = new ArrayList<>();
            page.get("hits").forEach(h -> hits.add(h.get("id").asText()));
            assertThat(shown).isEqualTo(hits);
            assertThat(search.get("revision").asLong()).isEqualTo(revision);
            assertThat(search.get("outcome").asInt()).isEqualTo(200);
            assertThat(entries.get(1).get("action").asText()).isEqualTo("record");
            assertThat(entries.get(1).get("shown").get(0).asText()).isEqualTo(id);
            assertThat(entries.get(2).get("action").asText()).isEqualTo("subject");
            assertThat(entries.get(2).get("what").get("path").asText()).isEqualTo("/api/v1/subjects/" + subject);
            assertThat(entries.get(3).get("outcome").asInt()).as("a refusal is logged too").isEqualTo(400);

            // The admin's commands, beside the running spoke.
            Path conf = Files.writeString(tmp.resolve("witness.conf"), "spoke.name = witness\nhub.address = 127.0.0.1:7443\nhub.ca = ca.pem\n"
                    + "hub.root_fingerprint = SHA256:x\ntls.certificate = spoke.pem\ntls.private_key = spoke.key\ndata.dir = "
                    + tmp.resolve("spoke-witness") + "\n");
            CliRun verified = run("audit", "verify", "--config", conf.toString());
            assertThat(verified.exit()).as(verified.err()).isZero();
            assertThat(verified.out()).contains("verified: 4 entries");
            CliRun listed = run("audit", "list", "--record", id, "--config", conf.toString());
            assertThat(listed.out()).as("the search, the record and the subject showed it").contains("3 of 4 entries").contains("/api/v1/records/" + id);
            CliRun asJson = run("audit", "list", "--json", "--subject", subject, "--config", conf.toString());
            assertThat(asJson.out().lines().count()).isEqualTo(1);
            assertThat(JSON.readTree(asJson.out().lines().findFirst().orElseThrow()).get("index").asLong()).isEqualTo(2);

            // The entry is on disk when the answer arrives: a reader of the files alone (a second, read-only RocksDB) finds it.
            Path data = tmp.resolve("spoke-witness");
            for (int i = 1; i <= 3; i++) {
                assertThat(get(spoke, "/api/v1/records/" + id).statusCode()).isEqualTo(200);
                try (MerkleLog disk = MerkleLog.openReadOnly(data.resolve(BrowseLog.DIR), BrowseLog.origin("witness"),
                        BrowseLog.key(data).publicKey())) {
                    assertThat(disk.size()).as("entries on disk after answer " + i).isEqualTo(4 + i);
                    assertThat(JSON.readTree(disk.entry(3 + i).orElseThrow()).get("what").get("path").asText()).isEqualTo("/api/v1/records/" + id);
                }
            }

            // No entry, no answer.
            spoke.browseLog().close();
            assertThat(get(spoke, "/api/v1/records?file_format=cram").statusCode()).isEqualTo(503);
            assertThat(get(spoke, "/api/v1/records/" + id).statusCode()).isEqualTo(503);
        }
        // An entry changed by hand, with the spoke stopped, is found at its index.
        Path dir = tmp.resolve("spoke-witness").resolve(BrowseLog.DIR);
        try (Options options = new Options(); RocksDB db = RocksDB.open(options, dir.toString())) {
            byte[] key = java.nio.ByteBuffer.allocate(9).put((byte) 'e').putLong(1).array();
            db.put(key, new String(db.get(key), StandardCharsets.UTF_8).replace("\"anonymous\"", "\"someone\"").getBytes(StandardCharsets.UTF_8));
        }
        CliRun tampered = run("audit", "verify", "--config", tmp.resolve("witness.conf").toString());
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.err()).contains("first bad index 1");

        // A log whose key went missing is not signed on with a new one, and the admin's commands make none.
        Files.move(tmp.resolve("spoke-witness").resolve(BrowseLog.KEY_FILE), tmp.resolve("key-aside"));
        assertThat(run("audit", "verify", "--config", tmp.resolve("witness.conf").toString()).exit()).isEqualTo(2);
        assertThat(tmp.resolve("spoke-witness").resolve(BrowseLog.KEY_FILE)).doesNotExist();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrowseLog.open(tmp.resolve("spoke-witness"), "witness", java.time.Clock.systemUTC()))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("has lost its key");
        assertThat(tmp.resolve("spoke-witness").resolve(BrowseLog.KEY_FILE)).doesNotExist();
    }

    private static CliRun run(String... args) {
        return CliRun.run("", args);
    }
}
