package dk.spejl.hub.publish;

import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.Hub;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.ServerPki;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.IngestResult;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SnapshotIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PublisherTest {
    @TempDir
    Path tmp;

    private final Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());

    private Hub hub(SnapshotPolicy policy) throws Exception {
        if (!java.nio.file.Files.exists(tmp.resolve("keys"))) {
            dk.spejl.hub.keys.HubKeys.create(tmp.resolve("keys"), root, "h", java.time.Duration.ofDays(30), java.time.Clock.systemUTC());
        }
        return Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1")))
                .snapshotPolicy(policy).start();
    }

    private static List<String> lines(List<HubRecord> records) {
        return records.stream().map(CatalogueGenerator::putLine).toList();
    }

    @Test
    void aRefusedFilePublishesNothing() throws Exception {
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(1);
            assertThat(hub.admin().apply(lines(generator.generate(10))).getRevision()).isEqualTo(1);
            List<String> file = new ArrayList<>(lines(generator.generate(10)));
            file.add(CatalogueGenerator.deleteLine("ngcf-not-there"));
            IngestResult result = hub.admin().apply(file);
            assertThat(result.getPublished()).isFalse();
            assertThat(result.getErrorsList()).singleElement().satisfies(e -> {
                assertThat(e.getLine()).isEqualTo(11);
                assertThat(e.getMessage()).contains("no such record");
            });
            assertThat(hub.publisher().head().revision()).isEqualTo(1);
            assertThat(hub.publisher().head().entryCount()).isEqualTo(10);
        }
    }

    @Test
    void theSignedStateDigestEqualsAFullRecomputation() throws Exception {
        try (Hub hub = hub(new SnapshotPolicy(3, 10, 2))) {
            CatalogueGenerator generator = new CatalogueGenerator(2);
            List<HubRecord> all = generator.generate(300);
            hub.admin().apply(lines(all.subList(0, 200)));
            hub.admin().apply(lines(all.subList(200, 300)));
            hub.admin().apply(List.of(CatalogueGenerator.putLine(generator.modify(all.get(5))), CatalogueGenerator.deleteLine(all.get(6).getRecord().getId())));
            LtHash full = LtHash.empty();
            long count = 0;
            try (CatalogueStore.RecordCursor records = hub.catalogue().records()) {
                while (records.hasNext()) {
                    full.addCanonical(records.next().canonical());
                    count++;
                }
            }
            CatalogueStore.Head head = hub.publisher().head();
            assertThat(head.manifest().getStateDigest().toByteArray()).isEqualTo(full.digest());
            assertThat(head.entryCount()).isEqualTo(count).isEqualTo(299);
        }
    }

    @Test
    void routineSnapshotsAreWrittenInTheBackgroundAndNamedByTheNextManifest() throws Exception {
        try (Hub hub = hub(new SnapshotPolicy(3, 1000, 5))) {
            CatalogueGenerator generator = new CatalogueGenerator(3);
            for (int i = 0; i < 4; i++) {
                hub.admin().apply(lines(generator.generate(50)));
            }
            // Revision 1 outgrows the empty catalogue's snapshot, so it carries its own; revision 4 is due
            // by count, and is published without waiting for its snapshot.
            Manifest fourth = hub.publisher().head().manifest();
            assertThat(fourth.getRevision()).isEqualTo(4);
            assertThat(fourth.getSnapshotRevision()).isEqualTo(1);
            hub.publisher().awaitSnapshots();
            hub.admin().apply(lines(generator.generate(1)));
            Manifest fifth = hub.publisher().head().manifest();
            assertThat(fifth.getSnapshotRevision()).isEqualTo(4);
            SnapshotIndex index = SnapshotIndex.parseFrom(hub.objects().readAll(fifth.getSnapshotIndex().getDigest().toByteArray()));
            assertThat(index.getRevision()).isEqualTo(4);
            assertThat(index.getEntryCount()).isEqualTo(200);
            assertThat(Sha256.of(index.getLattice().toByteArray())).isEqualTo(fourth.getStateDigest().toByteArray());
        }
    }

    @Test
    void aChangeSetLargeAgainstTheCatalogueCarriesItsOwnSnapshot() throws Exception {
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(13);
            hub.admin().apply(lines(generator.generate(50)));
            hub.admin().apply(lines(generator.generate(1)));
            assertThat(hub.publisher().head().manifest().getSnapshotRevision()).isEqualTo(1);
            hub.admin().apply(lines(generator.generate(200)));
            Manifest third = hub.publisher().head().manifest();
            assertThat(third.getSnapshotRevision()).isEqualTo(3);
            SnapshotIndex index = SnapshotIndex.parseFrom(hub.objects().readAll(third.getSnapshotIndex().getDigest().toByteArray()));
            assertThat(index.getEntryCount()).isEqualTo(251);
        }
    }

    @Test
    void garbageCollectionKeepsEverythingRetainedManifestsReference() throws Exception {
        try (Hub hub = hub(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(4);
            for (int i = 0; i < 7; i++) {
                hub.admin().apply(lines(generator.generate(20)));
                hub.publisher().awaitSnapshots();
            }
            List<Long> retained = hub.catalogue().manifestRevisions();
            assertThat(retained.get(0)).isGreaterThan(0);
            Set<String> referenced = new HashSet<>();
            for (long rev : retained) {
                Manifest m = Manifest.parseFrom(hub.catalogue().manifest(rev).orElseThrow().getManifest());
                referenced.add(Sha256.hex(m.getDelta().getDigest().toByteArray()));
                referenced.add(Sha256.hex(m.getSnapshotIndex().getDigest().toByteArray()));
                SnapshotIndex index = SnapshotIndex.parseFrom(hub.objects().readAll(m.getSnapshotIndex().getDigest().toByteArray()));
                index.getChunksList().forEach(c -> referenced.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
            }
            Set<String> stored = hub.objects().list();
            assertThat(stored).containsAll(referenced);
            // Beyond those, only retained snapshots that no manifest names yet (written in the background) are kept.
            for (var index : hub.catalogue().snapshots().values()) {
                referenced.add(Sha256.hex(index.getDigest().toByteArray()));
                SnapshotIndex parsed = SnapshotIndex.parseFrom(hub.objects().readAll(index.getDigest().toByteArray()));
                parsed.getChunksList().forEach(c -> referenced.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
            }
            assertThat(stored).isEqualTo(referenced);
        }
    }

    @Test
    void backgroundSnapshotsAndCollectionsNeverWaitForThePublishLock() throws Exception {
        try (Hub hub = hub(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(8);
            hub.admin().apply(lines(generator.generate(40)));  // revision 1 carries its own snapshot
            hub.publisher().awaitSnapshots();
            hub.admin().apply(lines(generator.generate(1)));
            hub.admin().apply(lines(generator.generate(1)));   // revision 3: a snapshot is due, written in the background
            Publisher publisher = hub.publisher();
            // The background thread runs at the lowest priority: a publish must never wait for it, so it must
            // never need the publisher's lock. Held here, a background step that took it would never finish.
            synchronized (publisher) {
                assertThat(publisher.awaitSnapshots(java.time.Duration.ofSeconds(20))).as("snapshot written under a held publish lock").isTrue();
            }
            assertThat(hub.catalogue().snapshots()).containsKey(3L);
            hub.admin().apply(lines(generator.generate(1)));   // revision 4 names snapshot 3: revisions before it may go
            assertThat(publisher.head().manifest().getSnapshotRevision()).isEqualTo(3);
            synchronized (publisher) {
                assertThat(publisher.awaitSnapshots(java.time.Duration.ofSeconds(20))).as("collection under a held publish lock").isTrue();
                assertThat(hub.catalogue().manifestRevisions()).containsExactly(3L, 4L);
                assertThat(hub.catalogue().snapshots()).containsOnlyKeys(3L);
            }
        }
    }

    @Test
    void anObjectNothingNamesIsKeptByRoutineCollectionsAndDeletedWhenTheHubStarts() throws Exception {
        String orphan;
        try (Hub hub = hub(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(9);
            hub.admin().apply(lines(generator.generate(30)));
            // What a crash between writing a delta and committing its manifest leaves behind.
            orphan = Sha256.hex(hub.objects().put("left by a crash".getBytes(java.nio.charset.StandardCharsets.UTF_8)).getDigest().toByteArray());
            for (int i = 0; i < 5; i++) {
                hub.admin().apply(lines(generator.generate(1)));
                hub.publisher().awaitSnapshots();
            }
            assertThat(hub.catalogue().manifestRevisions().get(0)).as("routine collections ran").isGreaterThan(1);
            assertThat(hub.objects().list()).contains(orphan);
        }
        try (Hub hub = hub(new SnapshotPolicy(2, 1000, 1))) {
            assertThat(hub.objects().list()).doesNotContain(orphan);
            Manifest head = hub.publisher().head().manifest();
            assertThat(hub.objects().list()).contains(Sha256.hex(head.getDelta().getDigest().toByteArray()),
                    Sha256.hex(head.getSnapshotIndex().getDigest().toByteArray()));
        }
    }

    @Test
    void aHubWhoseHeadHasTheEarlierSchemaPublishesASnapshotInTheCurrentOneWhenItStarts() throws Exception {
        long revision;
        Ed25519.PrivateKey signing;
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            hub.admin().apply(lines(new CatalogueGenerator(10).generate(20)));
            hub.admin().apply(lines(new CatalogueGenerator(11).generate(1)));
            revision = hub.publisher().head().revision();
            signing = hub.keys().signing();
        }
        // What an earlier Spejl left: the head manifest says schema 1 (its snapshots had protobuf chunks).
        try (CatalogueStore store = CatalogueStore.open(tmp.resolve("hub").resolve("catalogue"))) {
            CatalogueStore.Head head = store.head().orElseThrow();
            var old = new dk.spejl.signing.ManifestSigner(signing).sign(head.manifest().toBuilder().setSchemaVersion(1).build());
            store.commit(new CatalogueStore.Commit(List.of(), List.of(), old, head.lattice(), null));
        }
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            Manifest head = hub.publisher().head().manifest();
            assertThat(head.getRevision()).isEqualTo(revision + 1);
            assertThat(head.getSchemaVersion()).isEqualTo(dk.spejl.verify.ManifestVerifier.SCHEMA_VERSION);
            assertThat(head.getSnapshotRevision()).as("the upgrade revision carries its own snapshot").isEqualTo(revision + 1);
            assertThat(head.getEntryCount()).isEqualTo(21);
        }
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            assertThat(hub.publisher().head().revision()).as("no second upgrade revision").isEqualTo(revision + 1);
        }
    }

    @Test
    void aRestartedHubContinuesItsChain() throws Exception {
        byte[] digest;
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            hub.admin().apply(lines(new CatalogueGenerator(5).generate(10)));
            digest = hub.publisher().head().manifestDigest();
        }
        try (Hub hub = hub(SnapshotPolicy.DEFAULT)) {
            assertThat(hub.publisher().head().revision()).isEqualTo(1);
            hub.admin().apply(lines(new CatalogueGenerator(6).generate(10)));
            assertThat(hub.publisher().head().manifest().getPreviousManifestDigest().toByteArray()).isEqualTo(digest);
        }
    }
}
