package dk.spejl.deploy;

import dk.spejl.hub.Hub;
import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.Actor;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.io.DataFormat;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.Spoke;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Data directories written by the code of format 1, kept in {@code src/test/resources/fixture-v1} (a hub's data and
 * keys, a spoke's data; no TLS files, which are issued afresh): today's daemons start on them with what they held,
 * and refuse them, saying why, once they claim a newer format. {@link #write} made the fixture, run with
 * {@code -Dspejl.fixture.write=src/test/resources/fixture-v1}.
 */
class UpgradeFixtureTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixture-v1");
    static final String HUB_ID = "fixture-hub";

    @TempDir
    Path tmp;

    private static void copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private Hub.Builder hub(Path root, TlsFiles tls, String fingerprint) {
        return Hub.builder().dataDir(root.resolve("hub/data")).hubId(HUB_ID).keys(root.resolve("hub/keys"), fingerprint).tls(tls)
                .replicationAddress(new InetSocketAddress("127.0.0.1", 0));
    }

    private Spoke.Builder spoke(Path root, Path tlsDir, Hub hub, String fingerprint) throws Exception {
        TlsFiles cert = ServerPki.enrol(tlsDir, PeerIdentity.spokeSubject("fixture-spoke", "sjaelland"), tmp.resolve("spoke-cert"), "spoke");
        return Spoke.builder().name("fixture-spoke").dataDir(root.resolve("spoke/data")).rootFingerprint(fingerprint).tls(cert)
                .hub(new InetSocketAddress("127.0.0.1", hub == null ? 1 : hub.replicationPort())).hubAuthority("localhost");
    }

    @Test
    void todaysDaemonsStartOnTheFormatOneFixtureAndRefuseANewerFormat() throws Exception {
        Path root = tmp.resolve("copy");
        copy(FIXTURE, root);
        String fingerprint = Files.readString(root.resolve("root.fingerprint")).strip();
        long revision = Long.parseLong(Files.readString(root.resolve("revision")).strip());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), HUB_ID, List.of("localhost"), List.of("127.0.0.1"));
        assertThat(Files.readString(root.resolve("hub/data").resolve(DataFormat.FILE))).isEqualTo("spejl-hub 1\n");
        try (Hub hub = hub(root, tls, fingerprint).start()) {
            assertThat(hub.publisher().head().revision()).isEqualTo(revision);
            assertThat(hub.catalogue().records().get(Files.readString(root.resolve("record")).strip())).isPresent();
            assertThat(hub.access().requests()).hasSize(1);
            assertThat(hub.accessLog().verify().ok()).isTrue();
            try (Spoke spoke = spoke(root, tmp.resolve("tls"), hub, fingerprint).start()) {
                assertThat(spoke.replica().state().orElseThrow().revision()).as("held from before").isEqualTo(revision);
                assertThat(spoke.metrics().get("spejl_spoke_bootstrap_seconds").timer().count()).as("not bootstrapped afresh").isZero();
                assertThat(spoke.check().ok()).isTrue();
                assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(30))).isTrue();
            }
        }
        int newer = Hub.DATA_FORMAT + 1;
        Files.writeString(root.resolve("hub/data").resolve(DataFormat.FILE), "spejl-hub " + newer + "\n");
        assertThatThrownBy(() -> hub(root, tls, fingerprint).start()).isInstanceOf(DataFormat.NewerFormat.class)
                .hasMessageContaining("spejl-hub format " + newer + ", written by a newer Spejl");
        newer = Spoke.DATA_FORMAT + 1;
        Files.writeString(root.resolve("spoke/data").resolve(DataFormat.FILE), "spejl-spoke " + newer + "\n");
        assertThatThrownBy(() -> spoke(root, tmp.resolve("tls"), null, fingerprint).start()).isInstanceOf(DataFormat.NewerFormat.class)
                .hasMessageContaining("spejl-spoke format " + newer + ", written by a newer Spejl");
        // A refused start leaves the directory free: the hub starts on it once it is format 1 again.
        Files.writeString(root.resolve("hub/data").resolve(DataFormat.FILE), "spejl-hub 1\n");
        try (Hub again = hub(root, tls, fingerprint).start()) {
            assertThat(again.publisher().head().revision()).isEqualTo(revision);
            assertThatThrownBy(() -> hub(root, tls, fingerprint).start()).as("a second hub on the same directory")
                    .hasMessageContaining("is in use by another process");
        }
    }

    /** Writes the fixture; skipped unless asked for. */
    @Test
    void write() throws Exception {
        String out = System.getProperty("spejl.fixture.write");
        Assumptions.assumeTrue(out != null, "writes the fixture only when asked (-Dspejl.fixture.write=DIR)");
        Path root = Path.of(out);
        Ed25519.PrivateKey rootKey = Ed25519.generate(new SecureRandom());
        String fingerprint = rootKey.publicKey().fingerprint();
        HubKeys.create(root.resolve("hub/keys"), rootKey, HUB_ID, Duration.ofDays(3650), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), HUB_ID, List.of("localhost"), List.of("127.0.0.1"));
        List<HubRecord> records = new CatalogueGenerator(2026).generate(30);
        long revision;
        try (Hub hub = hub(root, tls, fingerprint).start()) {
            revision = hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList()).getRevision();
            HubRecord one = records.stream().filter(r -> r.getRecord().getStatus() != dk.spejl.wire.Status.WITHDRAWN).findFirst().orElseThrow();
            hub.access().submit(new Actor("klinik", Actor.Role.CLINICIAN, "sjaelland", "fixture-spoke"), one.getRecord().getId(),
                    AccessBook.CLINICAL_CARE, "forløb 1", "Fixture.", "fixture-1");
            Files.writeString(root.resolve("record"), one.getRecord().getId() + "\n");
            try (Spoke spoke = spoke(root, tmp.resolve("tls"), hub, fingerprint).start()) {
                assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
            }
        }
        Files.writeString(root.resolve("root.fingerprint"), fingerprint + "\n");
        Files.writeString(root.resolve("revision"), revision + "\n");
        try (var walk = Files.walk(root)) { // RocksDB's own logs are no part of the format
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (p.getFileName().toString().startsWith("LOG")) {
                    Files.delete(p);
                }
            }
        }
    }
}
