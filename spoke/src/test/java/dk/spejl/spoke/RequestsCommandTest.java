package dk.spejl.spoke;

import dk.spejl.hub.Hub;
import dk.spejl.hub.access.EnrolmentBundle;
import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.AccessRequest;
import dk.spejl.hub.access.requests.Actor;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code spejl-spoke requests} against a real hub over mutual TLS, with the spoke's own enrolment bundle. */
class RequestsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void anAdminSeesThisSpokesRequestsAndTheirHistoryAndNoOtherSpokes() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(30), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls).start()) {
            List<HubRecord> records = new CatalogueGenerator(73).generate(80);
            hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList());
            EnrolmentBundle.forSpoke("aalborg", "nordjylland").hub("127.0.0.1:" + hub.replicationPort(), root.publicKey().fingerprint())
                    .with("hub.authority", "localhost").writeTo(tmp.resolve("tls"), tmp.resolve("aalborg"));
            Path conf = tmp.resolve("aalborg").resolve(EnrolmentBundle.CONFIG_FILE);
            String record = records.stream().map(HubRecord::getRecord).filter(r -> r.getOwnerRegion().equals("hovedstaden")).findFirst()
                    .orElseThrow().getId();
            AccessRequest ours = hub.access().submit(new Actor("klinik", Actor.Role.CLINICIAN, "nordjylland", "aalborg"), record,
                    AccessBook.CLINICAL_CARE, "forløb 9", "Behandling efter recidiv.", "c-1");
            AccessRequest theirs = hub.access().submit(new Actor("klinik", Actor.Role.CLINICIAN, "nordjylland", "hjoerring"), record,
                    AccessBook.CLINICAL_CARE, "forløb 9", "Behandling.", "c-2");

            CliRun listed = CliRun.run("", "requests", "list", "--config", conf.toString(), "--as", "ops");
            assertThat(listed.exit()).as(listed.err()).isZero();
            assertThat(listed.out()).contains(ours.id(), "submitted", record, "hovedstaden", "1 request(s)").doesNotContain(theirs.id() + " ");

            CliRun shown = CliRun.run("", "requests", "show", "--config", conf.toString(), "--as", "ops", ours.id());
            assertThat(shown.exit()).as(shown.err()).isZero();
            assertThat(shown.out()).contains("justification: Behandling efter recidiv.", "submit", "klinik@nordjylland", "aalborg");

            CliRun other = CliRun.run("", "requests", "show", "--config", conf.toString(), "--as", "ops", theirs.id());
            assertThat(other.exit()).isNotZero();
            assertThat(other.err()).contains("PERMISSION_DENIED", "not yours to see");
        }
    }
}
