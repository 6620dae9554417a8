package dk.spejl.hub.cli;

import dk.spejl.hub.Hub;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.sample.CatalogueGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dk.spejl.hub.cli.CliFixture.Run;

import static dk.spejl.hub.cli.CliFixture.cli;
import static dk.spejl.hub.cli.CliFixture.freePort;
import static dk.spejl.hub.cli.CliFixture.init;
import static dk.spejl.hub.cli.CliFixture.initWithAdminPort;
import static dk.spejl.hub.cli.CliFixture.passphrase;
import static dk.spejl.hub.cli.CliFixture.rootKey;
import static org.assertj.core.api.Assertions.assertThat;

/** The operator's commands against a running hub, over its real TLS admin service. */
class HubCliTest {
    @TempDir
    Path tmp;

    @Test
    void initServeIngestAndStatus() throws Exception {
        Path dir = tmp.resolve("hub");
        Run init = init(tmp, dir);
        assertThat(init.code()).as(init.err()).isEqualTo(0);
        assertThat(init.out()).contains("created root key", "spokes pin this root key fingerprint: SHA256:", "key delegation version 1");
        assertThat(cli("init", "--dir", dir.toString(), "--hub-id", "ngc-test", "--root-key", rootKey(tmp).toString(),
                "--passphrase-file", passphrase(tmp).toString()).code()).isEqualTo(2);

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

            Path many = tmp.resolve("many.jsonl");
            List<String> cpr = new java.util.ArrayList<>();
            for (int i = 0; i < 1005; i++) {
                cpr.add("{\"op\":\"delete\",\"id\":\"pt120385-" + (1000 + i % 9000) + "\"}");
            }
            Files.write(many, cpr);
            Run tooMany = cli("ingest", "--config", conf.toString(), many.toString());
            assertThat(tooMany.code()).isEqualTo(1);
            assertThat(tooMany.err()).contains("1005 error(s), the first 1000 listed:", "... and 5 more not listed: 5 CPR-like value")
                    .doesNotContain("120385");
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
                    "hub.root_fingerprint = " + c.rootFingerprint(), "tls.certificate = spoke.pem");
            var certificate = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(bundle.resolve("spoke.pem")));
            assertThat(dk.spejl.tls.PeerIdentity.of(certificate)).hasValueSatisfying(id -> {
                assertThat(id.name()).isEqualTo("sj-hpc-1");
                assertThat(id.region()).isEqualTo("sjaelland");
            });
            assertThat(cli("enroll", "--config", conf.toString(), "--region", "bornholm", "--name", "x1",
                    "--hub-address", "127.0.0.1:1", "--out", tmp.resolve("no").toString()).code()).isEqualTo(2);
            // Enrolled and never started: named in the status as such, in the table and as JSON.
            Run enrolled = cli("status", "--config", conf.toString());
            assertThat(enrolled.out()).contains("spokes: 1 enrolled, 0 connected, 1 not ok").containsPattern("sj-hpc-1 +sjaelland +NEVER_SEEN +no ");
            Run json = cli("status", "--config", conf.toString(), "--json");
            assertThat(json.code()).isEqualTo(0);
            var parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
            assertThat(parsed.path("enrolled").get(0).path("name").asText()).isEqualTo("sj-hpc-1");
            assertThat(parsed.path("enrolled").get(0).path("condition").asText()).isEqualTo("never_seen");
            assertThat(parsed.path("revision").asText()).isEqualTo("1");

            Run revoke = cli("revoke-spoke", "--config", conf.toString(), "sj-hpc-1");
            assertThat(revoke.code()).as(revoke.err()).isEqualTo(0);
            assertThat(revoke.out()).contains("revoked sj-hpc-1; 0 open stream(s) closed");
            assertThat(cli("status", "--config", conf.toString()).out()).as("a revoked spoke is no longer listed").contains("spokes: 0 enrolled");
            assertThat(cli("revoke-spoke", "--config", conf.toString(), "sj-hpc-1").out()).contains("already revoked");
            Run unknown = cli("revoke-spoke", "--config", conf.toString(), "sj-hpc-9");
            assertThat(unknown.code()).as("a name never enrolled is no revocation").isEqualTo(2);
            assertThat(unknown.err()).contains("NOT_FOUND", "no spoke named 'sj-hpc-9' was ever enrolled", "--force");
            Run forced = cli("revoke-spoke", "--config", conf.toString(), "--force", "sj-hpc-9");
            assertThat(forced.code()).as("a certificate from before the register can still be revoked").isEqualTo(0);
            assertThat(forced.out()).contains("revoked sj-hpc-9");
            Run malformed = cli("revoke-spoke", "--config", conf.toString(), "SJ HPC");
            assertThat(malformed.code()).isEqualTo(2);
            assertThat(malformed.err()).contains("INVALID_ARGUMENT", "not a spoke name");
        }
        Run unreachable = cli("status", "--config", conf.toString());
        assertThat(unreachable.code()).isEqualTo(2);
        assertThat(unreachable.err()).contains("cannot reach the hub");
    }

    @Test
    void keysRotateMovesTheRunningHubToANewKeyAndRevokesTheOld() throws Exception {
        Path dir = tmp.resolve("hub");
        Path conf = initWithAdminPort(tmp, dir, freePort());
        HubConfig c = HubConfig.read(conf);
        String firstKey;
        try (Hub hub = c.toBuilder().start()) {
            firstKey = hub.keys().signingKeyId();
            Path file = tmp.resolve("change.jsonl");
            cli("generate", "--seed", "4", "--records", "10", "--out", file.toString());
            assertThat(cli("ingest", "--config", conf.toString(), file.toString()).code()).isEqualTo(0);
            assertThat(cli("status", "--config", conf.toString()).out())
                    .contains("signing key " + firstKey + " under key delegation version 1", "root " + c.rootFingerprint());
            byte[] before = Files.readAllBytes(dir.resolve("keys/delegation.bin"));

            // Refused, with nothing changed: a wrong passphrase, and another root key.
            Path wrong = tmp.resolve("wrong");
            Files.writeString(wrong, "not the passphrase at all\n");
            Run refused = cli("keys", "rotate", "--config", conf.toString(), "--root-key", rootKey(tmp).toString(),
                    "--passphrase-file", wrong.toString());
            assertThat(refused.code()).isEqualTo(2);
            assertThat(refused.err()).contains("wrong passphrase");
            Path otherRoot = tmp.resolve("other/root.key");
            assertThat(cli("keys", "create-root", "--out", otherRoot.toString(), "--passphrase-file", passphrase(tmp).toString()).code()).isEqualTo(0);
            Run stranger = cli("keys", "rotate", "--config", conf.toString(), "--root-key", otherRoot.toString(),
                    "--passphrase-file", passphrase(tmp).toString());
            assertThat(stranger.code()).isEqualTo(2);
            assertThat(stranger.err()).contains("the hub trusts root " + c.rootFingerprint(), "nothing changed");
            assertThat(Files.readAllBytes(dir.resolve("keys/delegation.bin"))).isEqualTo(before);
            assertThat(hub.keys().signingKeyId()).isEqualTo(firstKey);

            Run rotate = cli("keys", "rotate", "--config", conf.toString(), "--root-key", rootKey(tmp).toString(),
                    "--passphrase-file", passphrase(tmp).toString(), "--valid-days", "90");
            assertThat(rotate.code()).as(rotate.err()).isEqualTo(0);
            String secondKey = hub.keys().signingKeyId();
            assertThat(secondKey).isNotEqualTo(firstKey);
            assertThat(rotate.out()).contains("key delegation version 2: signing key " + secondKey, "revoked " + firstKey,
                    "the running hub now signs with key " + secondKey, "published revision 2 under the new key");
            assertThat(hub.publisher().head().revision()).isEqualTo(2);
            assertThat(hub.publisher().head().manifest().getKeyId()).isEqualTo(secondKey);
            assertThat(hub.publisher().head().manifest().getSnapshotRevision()).isEqualTo(2);
            assertThat(hub.publisher().head().entryCount()).isEqualTo(10);
            assertThat(dir.resolve("keys/signing-" + firstKey + ".key")).doesNotExist();
            assertThat(cli("keys", "show", "--config", conf.toString()).out())
                    .contains("key delegation version 2 for hub ngc-test", "key " + secondKey + " (signs)", "revoked " + firstKey);

            // The next ingest is signed by the new key.
            Path more = tmp.resolve("more.jsonl");
            Files.write(more, List.of(CatalogueGenerator.putLine(new CatalogueGenerator(99).generate(1).get(0))));
            assertThat(cli("ingest", "--config", conf.toString(), more.toString()).code()).isEqualTo(0);
            assertThat(hub.publisher().head().manifest().getKeyId()).isEqualTo(secondKey);
        }
        // A rotation with the hub stopped is taken up at the next start; --keep-previous keeps the old key valid.
        Run offline = cli("keys", "rotate", "--config", conf.toString(), "--root-key", rootKey(tmp).toString(),
                "--passphrase-file", passphrase(tmp).toString(), "--keep-previous");
        assertThat(offline.code()).as(offline.err()).isEqualTo(0);
        assertThat(offline.out()).contains("key delegation version 3", "still valid", "the hub is not running");
        try (Hub hub = c.toBuilder().start()) {
            assertThat(hub.keys().trusted().version()).isEqualTo(3);
            assertThat(hub.keys().trusted().keysById()).hasSize(2);
            assertThat(hub.publisher().head().revision()).as("the head's key is still delegated: nothing re-signed").isEqualTo(3);
        }
    }

    @Test
    void everyCommandAgainstAHubThatIsDownFailsAtOnceWithOneLineThatNamesTheAddress() throws Exception {
        int closed = freePort();
        Path conf = initWithAdminPort(tmp, tmp.resolve("hub"), closed);
        Path file = tmp.resolve("one.jsonl");
        Files.write(file, List.of(CatalogueGenerator.putLine(new CatalogueGenerator(5).generate(1).get(0))));
        String[][] commands = {{"status", "--config", conf.toString()}, {"ingest", "--config", conf.toString(), file.toString()},
                {"revoke-spoke", "--config", conf.toString(), "sj-hpc-1"}};
        for (String[] command : commands) {
            long started = System.nanoTime();
            Run run = cli(command);
            // Not a timing test: the point is that none waits out the 600 s an ingest may take once the hub answers.
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as(command[0]).isLessThan(java.time.Duration.ofSeconds(30));
            assertThat(run.code()).as(command[0]).isEqualTo(2);
            assertThat(run.err().lines()).as(command[0]).singleElement().asString()
                    .contains("cannot reach the hub's admin service at 127.0.0.1:" + closed, "connection refused", "is 'spejl-hub serve' running");
            assertThat(run.out() + run.err()).as(command[0]).doesNotContain("\tat ", "Exception");
        }
        Run quiet = cli("status", "--config", tmp.resolve("no-such.conf").toString());
        assertThat(quiet.code()).isEqualTo(2);
        assertThat(quiet.err().lines()).singleElement().asString().contains("cannot read config file");
        Run verbose = cli("status", "--verbose", "--config", tmp.resolve("no-such.conf").toString());
        assertThat(verbose.code()).isEqualTo(2);
        assertThat(verbose.err()).contains("cannot read config file", "\tat ");
    }

    @Test
    void checkPassesOnAHealthyHubBesideItAndNamesWhatRotted() throws Exception {
        Path dir = tmp.resolve("hub");
        Path conf = initWithAdminPort(tmp, dir, freePort());
        HubConfig c = HubConfig.read(conf);
        List<dk.spejl.wire.HubRecord> records = new CatalogueGenerator(7).generate(25);
        Path file = tmp.resolve("change.jsonl");
        Files.write(file, records.stream().map(CatalogueGenerator::putLine).toList());
        String delta;
        try (Hub hub = c.toBuilder().start()) {
            assertThat(cli("ingest", "--config", conf.toString(), file.toString()).code()).isEqualTo(0);
            Run healthy = cli("check", "--config", conf.toString());
            assertThat(healthy.code()).as(healthy.err()).isEqualTo(0);
            assertThat(healthy.out()).contains("checked: head revision 1; 25 records add up to its signed state");
            delta = dk.spejl.digest.Sha256.hex(hub.publisher().head().manifest().getDelta().getDigest().toByteArray());
        }
        // What a rotten disk or a hand-edited store leaves: an object's bytes changed, a record gone.
        try (dk.spejl.hub.catalogue.CatalogueStore store = dk.spejl.hub.catalogue.CatalogueStore.open(dir.resolve("data/catalogue"))) {
            store.database().put(dk.spejl.storage.KeyPrefix.of("o/").key(delta), "rotten".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    dk.spejl.hub.catalogue.CatalogueDatabase.Write.SYNCED);
            store.database().delete(dk.spejl.storage.KeyPrefix.of("r/").key(records.get(3).getRecord().getId()),
                    dk.spejl.hub.catalogue.CatalogueDatabase.Write.SYNCED);
        }
        Run rotten = cli("check", "--config", conf.toString());
        assertThat(rotten.code()).isEqualTo(1);
        assertThat(rotten.err()).contains("NOT ok", "object " + delta + " holds 6 bytes", "the records add up to state", "over 24 records");
    }

    @Test
    void auditVerifiesAndListsTheAccessLogBesideTheHubAndFindsAnEditedEntry() throws Exception {
        Path dir = tmp.resolve("hub");
        Path conf = initWithAdminPort(tmp, dir, freePort());
        HubConfig c = HubConfig.read(conf);
        List<dk.spejl.wire.HubRecord> records = new CatalogueGenerator(8).generate(60);
        String capital = records.stream().map(r -> r.getRecord()).filter(r -> r.getOwnerRegion().equals("hovedstaden"))
                .map(dk.spejl.wire.Record::getId).findFirst().orElseThrow();
        String south = records.stream().map(r -> r.getRecord()).filter(r -> r.getOwnerRegion().equals("syddanmark"))
                .map(dk.spejl.wire.Record::getId).findFirst().orElseThrow();
        var clinician = new dk.spejl.hub.access.requests.Actor("klinik", dk.spejl.hub.access.requests.Actor.Role.CLINICIAN, "nordjylland", "aalborg");
        try (Hub hub = c.toBuilder().start()) {
            hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList());
            for (String id : List.of(capital, south, capital)) {
                hub.access().submit(clinician, id, dk.spejl.hub.access.requests.AccessBook.CLINICAL_CARE, "forløb 12", "Behandling.", "c-" + id);
            }
            Run verified = cli("audit", "verify", "--config", conf.toString());
            assertThat(verified.code()).as(verified.err()).isEqualTo(0);
            assertThat(verified.out()).contains("verified: 2 entries");
            Run listed = cli("audit", "list", "--config", conf.toString(), "--owner", "hovedstaden");
            assertThat(listed.code()).as(listed.err()).isEqualTo(0);
            assertThat(listed.out()).contains("SUBMIT", "klinik@nordjylland", capital, "1 of 2 entries").doesNotContain(south);
            assertThat(cli("audit", "list", "--config", conf.toString(), "--json").out().lines().toList()).hasSize(2)
                    .allSatisfy(line -> assertThat(line).startsWith("{\"index\":"));

            var steward = new dk.spejl.hub.access.requests.Actor("forvalter", dk.spejl.hub.access.requests.Actor.Role.STEWARD, "hovedstaden", "rh");
            java.time.Instant now = java.time.Instant.now();
            hub.access().grant(steward, new dk.spejl.hub.access.requests.AuditEntry.GrantTerms("nordjylland", null, List.of(), List.of(),
                    List.of("cram"), List.of(), List.of(), now.toString(), now.plus(java.time.Duration.ofDays(90)).toString(), 14),
                    dk.spejl.hub.access.requests.AccessBook.CLINICAL_CARE, "Fast samarbejde om sarkomer.");
            Run requests = cli("access", "list", "--config", conf.toString(), "--owner", "hovedstaden");
            assertThat(requests.code()).as(requests.err()).isEqualTo(0);
            assertThat(requests.out()).contains("req-0", "submitted", capital, "klinik@nordjylland", "1 request(s)").doesNotContain(south);
            assertThat(cli("access", "list", "--config", conf.toString(), "--state", "approved").out()).contains("0 request(s)");
            assertThat(cli("access", "list", "--config", conf.toString(), "--state", "approvd").code()).isEqualTo(2);
            Run shown = cli("access", "show", "req-0", "--config", conf.toString());
            assertThat(shown.code()).as(shown.err()).isEqualTo(0);
            assertThat(shown.out()).contains("\"episode\" : \"forløb 12\"", "\"action\" : \"submit\"");
            assertThat(cli("access", "show", "req-99", "--config", conf.toString()).code()).isEqualTo(1);
            Run grants = cli("grants", "list", "--config", conf.toString());
            assertThat(grants.code()).as(grants.err()).isEqualTo(0);
            assertThat(grants.out()).contains("grant-2", "hovedstaden", "nordjylland", "[cram]", "forvalter@hovedstaden", "1 grant(s)");
            assertThat(cli("grants", "list", "--config", conf.toString(), "--owner", "syddanmark").out()).contains("0 grant(s)");
        }
        // An entry edited on disk: the log's hashes no longer add up.
        try (org.rocksdb.Options options = new org.rocksdb.Options();
             org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.resolve("data").resolve(dk.spejl.hub.access.AccessLog.DIR).toString())) {
            byte[] key = java.nio.ByteBuffer.allocate(9).put((byte) 'e').putLong(1).array();
            db.put(key, new String(db.get(key), java.nio.charset.StandardCharsets.UTF_8).replace("klinik", "andre")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Run edited = cli("audit", "verify", "--config", conf.toString());
        assertThat(edited.code()).isEqualTo(1);
        assertThat(edited.err()).contains("NOT verified: first bad index 1");
        // Two entries swapped: found at the first.
        try (org.rocksdb.Options options = new org.rocksdb.Options();
             org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.resolve("data").resolve(dk.spejl.hub.access.AccessLog.DIR).toString())) {
            byte[] first = java.nio.ByteBuffer.allocate(9).put((byte) 'e').putLong(0).array();
            byte[] second = java.nio.ByteBuffer.allocate(9).put((byte) 'e').putLong(1).array();
            byte[] a = db.get(first);
            db.put(first, db.get(second));
            db.put(second, a);
        }
        assertThat(cli("audit", "verify", "--config", conf.toString()).err()).contains("NOT verified: first bad index 0");
    }

    @Test
    void enrollTakesTheCaKeyFromWhereTlsCaKeySays() throws Exception {
        Path dir = tmp.resolve("hub");
        assertThat(init(tmp, dir).code()).isEqualTo(0);
        Path conf = dir.resolve("hub.conf");
        Path offline = Files.createDirectories(tmp.resolve("ca-offline"));
        Files.move(dir.resolve("tls/ca.key"), offline.resolve("ca.key"));
        Run missing = cli("enroll", "--config", conf.toString(), "--region", "sjaelland", "--name", "sj-hpc-2",
                "--hub-address", "127.0.0.1:7443", "--out", tmp.resolve("b1").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read the CA's private key at", "tls.ca_key");

        Files.writeString(conf, Files.readString(conf) + "tls.ca_key = " + offline.resolve("ca.key") + "\n");
        Run enroll = cli("enroll", "--config", conf.toString(), "--region", "sjaelland", "--name", "sj-hpc-2",
                "--hub-address", "127.0.0.1:7443", "--out", tmp.resolve("b2").toString());
        assertThat(enroll.code()).as(enroll.err()).isEqualTo(0);
        var factory = java.security.cert.CertificateFactory.getInstance("X.509");
        var certificate = (java.security.cert.X509Certificate) factory.generateCertificate(Files.newInputStream(tmp.resolve("b2/spoke.pem")));
        var ca = (java.security.cert.X509Certificate) factory.generateCertificate(Files.newInputStream(dir.resolve("tls/ca.pem")));
        certificate.verify(ca.getPublicKey());
        assertThat(dk.spejl.tls.PeerIdentity.of(certificate)).hasValueSatisfying(id -> assertThat(id.name()).isEqualTo("sj-hpc-2"));
    }

    @Test
    void anOperatorCertificateCanBeRevokedByAnotherOperatorButNotByItself() throws Exception {
        Path dir = tmp.resolve("hub");
        Path conf = initWithAdminPort(tmp, dir, freePort());
        Path backupConf = dir.resolve("backup.conf");
        Files.writeString(backupConf, Files.readString(conf)
                + "admin.client_certificate = backup/operator.pem\nadmin.client_key = backup/operator.key\n");
        HubConfig c = HubConfig.read(conf);
        try (Hub hub = c.toBuilder().start()) {
            Run enrolled = cli("enroll-operator", "--config", conf.toString(), "--name", "backup", "--out", dir.resolve("backup").toString());
            assertThat(enrolled.code()).as(enrolled.err()).isEqualTo(0);
            Run self = cli("revoke-operator", "--config", conf.toString(), "operator");
            assertThat(self.code()).isEqualTo(2);
            assertThat(self.err()).contains("FAILED_PRECONDITION", "cannot revoke the certificate it calls with");
            Run unknown = cli("revoke-operator", "--config", conf.toString(), "nobody");
            assertThat(unknown.code()).isEqualTo(2);
            assertThat(unknown.err()).contains("NOT_FOUND", "no operator named 'nobody'");

            Run revoked = cli("revoke-operator", "--config", backupConf.toString(), "operator");
            assertThat(revoked.code()).as(revoked.err()).isEqualTo(0);
            assertThat(revoked.out()).contains("revoked operator operator");
            Run refused = cli("status", "--config", conf.toString());
            assertThat(refused.code()).isEqualTo(2);
            assertThat(refused.err()).contains("PERMISSION_DENIED", "the certificate for operator is revoked");
            assertThat(cli("status", "--config", backupConf.toString()).code()).isEqualTo(0);
        }
        try (Hub hub = c.toBuilder().start()) {
            assertThat(cli("status", "--config", conf.toString()).err()).as("the revocation survives a restart").contains("PERMISSION_DENIED");
            assertThat(cli("status", "--config", backupConf.toString()).code()).isEqualTo(0);
        }
    }

    @Test
    void theHubRefusesToStartWithADelegationFromAnotherRoot() throws Exception {
        Path dir = tmp.resolve("hub");
        assertThat(init(tmp, dir).code()).isEqualTo(0);
        Path conf = dir.resolve("hub.conf");
        Files.writeString(conf, Files.readString(conf).replaceAll("trust.root_fingerprint = \\S+",
                "trust.root_fingerprint = " + dk.spejl.signing.Ed25519.generate(new java.security.SecureRandom()).publicKey().fingerprint()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HubConfig.read(conf).toBuilder().start())
                .hasMessageContaining("delegation.bin").hasMessageContaining("pins root");
    }

    @Test
    void refusesAConfigWithAnUnknownSetting() throws Exception {
        Path conf = tmp.resolve("hub.conf");
        Files.writeString(conf, "hub.id = x\nsnapshot.evry_revisions = 5\n");
        Run run = cli("status", "--config", conf.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("unknown setting(s) [snapshot.evry_revisions]");
    }
}
