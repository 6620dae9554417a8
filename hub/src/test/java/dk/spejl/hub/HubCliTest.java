package dk.spejl.hub;

import dk.spejl.hub.sample.CatalogueGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's commands against a running hub, over its real TLS admin service. */
class HubCliTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int code = HubCli.commandLine().execute(args);
            return new Run(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void initServeIngestAndStatus() throws Exception {
        Path dir = tmp.resolve("hub");
        Run init = cli("init", "--dir", dir.toString(), "--hub-id", "ngc-test", "--replication-address", "127.0.0.1:0",
                "--admin-address", "127.0.0.1:0");
        assertThat(init.code()).isEqualTo(0);
        assertThat(init.out()).contains("SHA256:");
        assertThat(cli("init", "--dir", dir.toString(), "--hub-id", "ngc-test").code()).isEqualTo(2);

        // Serve on fixed free ports so the CLI can find the admin service through the config file.
        int admin = freePort();
        Path conf = dir.resolve("hub.conf");
        Files.writeString(conf, Files.readString(conf).replace("admin.address = 127.0.0.1:0", "admin.address = 127.0.0.1:" + admin));
        HubConfig c = HubConfig.read(conf);
        try (Hub hub = c.toBuilder().start()) {
            Path file = tmp.resolve("change.jsonl");
            assertThat(cli("generate", "--seed", "3", "--records", "25", "--out", file.toString()).code()).isEqualTo(0);
            assertThat(Files.readAllLines(file)).hasSize(25);

            Run ingest = cli("ingest", "--config", conf.toString(), file.toString());
            assertThat(ingest.code()).as(ingest.err()).isEqualTo(0);
            assertThat(ingest.out()).contains("published revision 1 (25 puts, 0 deletes");

            Path bad = tmp.resolve("bad.jsonl");
            Files.write(bad, List.of(CatalogueGenerator.deleteLine("ngcf-nothing"), "{\"op\":\"put\"}"));
            Run refused = cli("ingest", "--config", conf.toString(), bad.toString());
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("nothing was published", "line 1: delete of ngcf-nothing: no such record",
                    "line 2: record: missing required field");
            assertThat(hub.publisher().head().revision()).isEqualTo(1);

            Run status = cli("status", "--config", conf.toString());
            assertThat(status.code()).isEqualTo(0);
            assertThat(status.out()).contains("hub ngc-test", "revision 1 ", "entries 25");

            Path bundle = tmp.resolve("bundle");
            Run enroll = cli("enroll", "--config", conf.toString(), "--region", "sjaelland", "--name", "sj-hpc-1",
                    "--hub-address", "127.0.0.1:" + hub.replicationPort(), "--out", bundle.toString());
            assertThat(enroll.code()).as(enroll.err()).isEqualTo(0);
            assertThat(bundle.resolve("spoke.pem")).exists();
            assertThat(bundle.resolve("spoke.key")).exists();
            assertThat(bundle.resolve("ca.pem")).hasSameTextualContentAs(dir.resolve("tls/ca.pem"));
            assertThat(Files.readString(bundle.resolve("spoke.conf"))).contains("spoke.name = sj-hpc-1",
                    "hub.key_fingerprint = SHA256:", "tls.certificate = spoke.pem");
            var certificate = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(bundle.resolve("spoke.pem")));
            assertThat(dk.spejl.tls.PeerIdentity.of(certificate)).hasValueSatisfying(id -> {
                assertThat(id.name()).isEqualTo("sj-hpc-1");
                assertThat(id.region()).isEqualTo("sjaelland");
            });
            assertThat(cli("enroll", "--config", conf.toString(), "--region", "bornholm", "--name", "x1",
                    "--hub-address", "127.0.0.1:1", "--out", tmp.resolve("no").toString()).code()).isEqualTo(2);

            Run revoke = cli("revoke-spoke", "--config", conf.toString(), "sj-hpc-1");
            assertThat(revoke.code()).as(revoke.err()).isEqualTo(0);
            assertThat(revoke.out()).contains("revoked sj-hpc-1; 0 open stream(s) closed");
            assertThat(cli("revoke-spoke", "--config", conf.toString(), "sj-hpc-1").out()).contains("already revoked");
        }
        Run unreachable = cli("status", "--config", conf.toString());
        assertThat(unreachable.code()).isEqualTo(2);
        assertThat(unreachable.err()).contains("cannot reach the hub");
    }

    @Test
    void refusesAConfigWithAnUnknownSetting() throws Exception {
        Path conf = tmp.resolve("hub.conf");
        Files.writeString(conf, "hub.id = x\nsnapshot.evry_revisions = 5\n");
        Run run = cli("status", "--config", conf.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("unknown setting(s) [snapshot.evry_revisions]");
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
