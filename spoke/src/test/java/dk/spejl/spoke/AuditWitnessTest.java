package dk.spejl.spoke;

import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.Actor;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.KeyFiles;
import dk.spejl.spoke.access.AccessFeed;
import dk.spejl.spoke.sync.AuditWitness;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spokes witness the hub's access audit log over real mutual TLS: each signed checkpoint must extend the one held,
 * and each entry a spoke holds must be in the signed log. A hub that removes, reorders or truncates entries, forks its
 * log, or alters an entry is caught.
 */
class AuditWitnessTest {
    @TempDir
    Path tmp;

    private List<String> records;

    private Cluster cluster() throws Exception {
        // A checkpoint after every entry, so that each append reaches the spokes at once.
        Cluster cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2),
                b -> b.accessCheckpoints(1, Duration.ofMillis(50)));
        List<HubRecord> generated = new CatalogueGenerator(91).generate(200);
        cluster.put(generated);
        records = generated.stream().map(HubRecord::getRecord).filter(r -> r.getOwnerRegion().equals("hovedstaden"))
                .filter(r -> r.getStatus() != dk.spejl.wire.Status.WITHDRAWN).map(dk.spejl.wire.Record::getId).toList();
        return cluster;
    }

    /** A clinician of {@code region} asks for record {@code n}: one SUBMIT entry, waiting for hovedstaden's steward. */
    private void submit(Cluster cluster, String region, int n) throws Exception {
        cluster.hub.access().submit(new Actor("klinik-" + n, Actor.Role.CLINICIAN, region, region + "-spoke"), records.get(n),
                AccessBook.CLINICAL_CARE, "forløb 2026-" + n, "Behandling af recidiv.", "c-" + n);
    }

    private Spoke spoke(Cluster cluster, String name) throws Exception {
        Spoke spoke = cluster.spokeBuilder(name).tls(cluster.enrol(name, "syddanmark")).start();
        cluster.spokes.add(spoke);
        return spoke;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for " + what).isLessThan(end);
            Thread.sleep(20);
        }
    }

    private static double failures(Spoke spoke, String reason) {
        var counter = spoke.metrics().find("spejl_spoke_audit_witness_failures_total").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aSpokeWitnessesEachCheckpointAndCatchesUpOnItsRegionsEventsAfterBeingAway() throws Exception {
        try (Cluster cluster = cluster()) {
            Spoke spoke = spoke(cluster, "ouh");
            for (int i = 0; i < 3; i++) {
                submit(cluster, "syddanmark", i);
            }
            // The owner decides: an entry of hovedstaden's steward, which the requester's region is sent too.
            cluster.hub.access().approve(new Actor("forvalter", Actor.Role.STEWARD, "hovedstaden", "rh"), "req-0");
            await("the checkpoint of 4 entries", () -> spoke.witness().heldSize() == 4);
            await("4 access events", () -> spoke.accessFeed().next() == 4);
            assertThat(new String(spoke.accessFeed().entries().get(3).bytes(), StandardCharsets.UTF_8))
                    .contains("\"action\":\"APPROVE\"", "\"request\":\"req-0\"", "\"requesterRegion\":\"syddanmark\"");
            assertThat(spoke.accessFeed().check(spoke.accessFeed().entries(), spoke.witness().held())).hasSize(4)
                    .containsOnly(AccessFeed.Proof.VERIFIED);
            String status = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + spoke.httpAddress().getPort() + "/api/v1/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"access_log\":{\"alarm\":null}");

            spoke.close();
            cluster.spokes.remove(spoke);
            submit(cluster, "nordjylland", 4); // not syddanmark's: neither its record nor its clinician
            submit(cluster, "syddanmark", 5);
            Spoke back = spoke(cluster, "ouh");
            await("the checkpoint of 6 entries", () -> back.witness().heldSize() == 6);
            await("the event it missed", () -> back.accessFeed().next() == 6);
            List<AccessFeed.Entry> entries = back.accessFeed().entries();
            assertThat(entries).extracting(AccessFeed.Entry::index).containsExactly(0L, 1L, 2L, 3L, 5L);
            assertThat(new String(entries.get(4).bytes(), StandardCharsets.UTF_8)).contains("\"user\":\"klinik-5\"", "\"action\":\"SUBMIT\"");
            assertThat(back.accessFeed().check(entries, back.witness().held())).containsOnly(AccessFeed.Proof.VERIFIED);
            assertThat(back.witness().alarm()).isEmpty();
            assertThat(failures(back, "inconsistent")).isZero();
            assertThat(back.metrics().scrape()).contains("spejl_spoke_audit_alarm 0.0", "spejl_spoke_audit_checkpoint_entries 6.0",
                    "spejl_spoke_audit_unwitnessed_events 0.0");
        }
    }

    enum Rewrite {
        /** Entry 1 taken out; the rest moved up, with hashes and checkpoints made afresh. */
        REMOVED("does not extend"),
        /** Entries 0 and 1 swapped. */
        REORDERED("does not extend"),
        /** Cut back to 2 entries. */
        TRUNCATED("shrank"),
        /** Three entries, as the spoke holds, but the third altered: two logs of one size. */
        FORKED("a fork");

        final String alarm;

        Rewrite(String alarm) {
            this.alarm = alarm;
        }

        List<byte[]> apply(List<byte[]> e) {
            List<byte[]> out = new ArrayList<>(e);
            switch (this) {
                case REMOVED -> out.remove(1);
                case REORDERED -> {
                    out.set(0, e.get(1));
                    out.set(1, e.get(0));
                }
                case TRUNCATED -> out.subList(2, out.size()).clear();
                case FORKED -> {
                    out.subList(3, out.size()).clear();
                    out.set(2, altered(e.get(2)));
                }
            }
            return out;
        }
    }

    static byte[] altered(byte[] entry) {
        return new String(entry, StandardCharsets.UTF_8).replace("recidiv", "RECIDIV").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Rewrite.class)
    void aHubThatRewritesItsLogIsCaughtByTheSpokeThatWitnessedIt(Rewrite rewrite) throws Exception {
        try (Cluster cluster = cluster()) {
            Spoke spoke = spoke(cluster, "ouh");
            for (int i = 0; i < 3; i++) {
                submit(cluster, "syddanmark", i);
            }
            await("the checkpoint of 3 entries", () -> spoke.witness().heldSize() == 3);
            spoke.close();
            cluster.spokes.remove(spoke);
            submit(cluster, "syddanmark", 3);
            submit(cluster, "syddanmark", 4);

            // The hub's operator rewrites the log as a whole: new hashes, new checkpoints, signed with the log's own key.
            cluster.stopHub();
            Path dir = cluster.dir.resolve("hub").resolve("access");
            var key = KeyFiles.readPrivate(cluster.keysDir.resolve(HubKeys.AUDIT_LOG_KEY));
            List<byte[]> entries = new ArrayList<>();
            try (MerkleLog log = MerkleLog.openReadOnly(dir, "test-hub/access", key.publicKey())) {
                for (long i = 0; i < log.size(); i++) {
                    entries.add(log.entry(i).orElseThrow());
                }
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            try (MerkleLog log = MerkleLog.open(dir, "test-hub/access", key, new MerkleLog.Policy(1, Duration.ofMillis(1)), Clock.systemUTC())) {
                for (byte[] e : rewrite.apply(entries)) {
                    log.append(e);
                }
            }
            cluster.startHub();
            assertThat(cluster.hub.accessLog().verify().ok()).as("the rewritten log is consistent in itself").isTrue();

            Spoke back = spoke(cluster, "ouh");
            await("the alarm", () -> back.witness().alarm().isPresent());
            assertThat(back.witness().alarm().get()).contains(rewrite.alarm);
            assertThat(back.witness().heldSize()).as("the last good checkpoint is kept").isEqualTo(3);
            assertThat(failures(back, "inconsistent")).isPositive();
            assertThat(back.metrics().scrape()).contains("spejl_spoke_audit_alarm 1.0");
            String status = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + back.httpAddress().getPort() + "/api/v1/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"access_log\":{\"alarm\":\"" + back.witness().alarm().get());
            String evidence = Files.readString(cluster.dir.resolve("spoke-ouh").resolve(AuditWitness.ALARM_FILE));
            assertThat(evidence).contains(rewrite.alarm, "test-hub/access\n3\n");

            // The alarm outlives a restart of the spoke, until an admin has looked into it.
            back.close();
            cluster.spokes.remove(back);
            Spoke again = spoke(cluster, "ouh");
            assertThat(again.witness().alarm()).isPresent();
            assertThat(again.metrics().scrape()).contains("spejl_spoke_audit_alarm 1.0");
        }
    }

    @Test
    void anEntryAlteredInPlaceFailsAuditVerifyAndItsInclusionProofAtASpoke() throws Exception {
        try (Cluster cluster = cluster()) {
            Spoke first = spoke(cluster, "ouh");
            for (int i = 0; i < 3; i++) {
                submit(cluster, "syddanmark", i);
            }
            await("the checkpoint of 3 entries", () -> first.witness().heldSize() == 3);

            // Entry 1's bytes changed where they lie, its hashes left alone: the signed tree no longer holds it.
            cluster.stopHub();
            Path dir = cluster.dir.resolve("hub").resolve("access");
            try (Options options = new Options(); RocksDB db = RocksDB.open(options, dir.toString())) {
                byte[] key = ByteBuffer.allocate(9).put((byte) 'e').putLong(1).array();
                db.put(key, altered(db.get(key)));
            }
            cluster.startHub();
            dk.spejl.log.LogVerification verified = cluster.hub.accessLog().verify();
            assertThat(verified.ok()).isFalse();
            assertThat(verified.firstBad()).isEqualTo(1);

            // A second spoke of the region, new, is sent the altered entry; the checkpoints are consistent, the entry is not.
            Spoke second = spoke(cluster, "sdu");
            await("the checkpoint", () -> second.witness().heldSize() == 3);
            await("3 access events", () -> second.accessFeed().next() == 3);
            assertThat(second.accessFeed().check(second.accessFeed().entries(), second.witness().held()))
                    .containsExactly(AccessFeed.Proof.VERIFIED, AccessFeed.Proof.FAILED, AccessFeed.Proof.VERIFIED);
            // The first spoke holds the entry as it was logged, and it still proves; the hub's restart alarmed no one.
            assertThat(first.accessFeed().check(first.accessFeed().entries(), first.witness().held())).containsOnly(AccessFeed.Proof.VERIFIED);
            assertThat(first.witness().alarm()).isEmpty();
            assertThat(second.witness().alarm()).isEmpty();
            assertThat(second.metrics().get("spejl_spoke_audit_entry_failures_total").counter().count()).isEqualTo(1);
        }
    }
}
