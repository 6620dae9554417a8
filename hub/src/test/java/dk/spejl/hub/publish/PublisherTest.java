package dk.spejl.hub.publish;

import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.catalogue.RecordStore;
import dk.spejl.hub.publish.memory.InMemoryObjectStore;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.IngestResult;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SnapshotIndex;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The publisher on its own: a catalogue in a temporary RocksDB, objects in memory (kept across
 * the "restarts" of a test, as a real object store would be), no gRPC server and no TLS.
 */
class PublisherTest {
    @TempDir
    Path tmp;

    private final Ed25519.PrivateKey signing = Ed25519.generate(new SecureRandom());
    private final InMemoryObjectStore memory = new InMemoryObjectStore();

    /** A publisher over the test's catalogue and objects, as the hub assembles one. */
    private final class Publishing implements AutoCloseable {
        final CatalogueStore store;
        final ObjectStore objects;
        final Publisher publisher;
        final Ingest ingest;

        Publishing(SnapshotPolicy policy, ObjectStore objects) throws IOException {
            this.store = CatalogueStore.open(tmp.resolve("catalogue"));
            this.objects = objects;
            this.publisher = new Publisher("h", store, objects, tmp.resolve("scratch"), new ManifestSigner(signing), Clock.systemUTC(),
                    policy, new SimpleMeterRegistry());
            publisher.initialise();
            this.ingest = new Ingest(publisher, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        }

        IngestResult apply(List<String> lines) throws IOException {
            return ingest.apply(lines);
        }

        @Override
        public void close() {
            publisher.close();
            store.close();
        }
    }

    private Publishing open(SnapshotPolicy policy) throws IOException {
        return new Publishing(policy, memory);
    }

    private static List<String> lines(List<HubRecord> records) {
        return records.stream().map(CatalogueGenerator::putLine).toList();
    }

    @Test
    void aRefusedFilePublishesNothing() throws Exception {
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(1);
            assertThat(p.apply(lines(generator.generate(10))).getRevision()).isEqualTo(1);
            List<String> file = new ArrayList<>(lines(generator.generate(10)));
            file.add(CatalogueGenerator.deleteLine("ngcf-not-there"));
            IngestResult result = p.apply(file);
            assertThat(result.getPublished()).isFalse();
            assertThat(result.getErrorsList()).singleElement().satisfies(e -> {
                assertThat(e.getLine()).isEqualTo(11);
                assertThat(e.getMessage()).contains("no such record");
            });
            assertThat(p.publisher.head().revision()).isEqualTo(1);
            assertThat(p.publisher.head().entryCount()).isEqualTo(10);
        }
    }

    @Test
    void theSignedStateDigestEqualsAFullRecomputation() throws Exception {
        try (Publishing p = open(new SnapshotPolicy(3, 10, 2))) {
            CatalogueGenerator generator = new CatalogueGenerator(2);
            List<HubRecord> all = generator.generate(300);
            p.apply(lines(all.subList(0, 200)));
            p.apply(lines(all.subList(200, 300)));
            p.apply(List.of(CatalogueGenerator.putLine(generator.modify(all.get(5))), CatalogueGenerator.deleteLine(all.get(6).getRecord().getId())));
            LtHash full = LtHash.empty();
            long count = 0;
            try (RecordStore.RecordCursor records = p.store.records().cursor()) {
                while (records.hasNext()) {
                    full.addCanonical(records.next().canonical());
                    count++;
                }
            }
            Head head = p.publisher.head();
            assertThat(head.manifest().getStateDigest().toByteArray()).isEqualTo(full.digest());
            assertThat(head.entryCount()).isEqualTo(count).isEqualTo(299);
        }
    }

    @Test
    void routineSnapshotsAreWrittenInTheBackgroundAndNamedByTheNextManifest() throws Exception {
        try (Publishing p = open(new SnapshotPolicy(3, 1000, 5))) {
            CatalogueGenerator generator = new CatalogueGenerator(3);
            for (int i = 0; i < 4; i++) {
                p.apply(lines(generator.generate(50)));
            }
            // Revision 1 outgrows the empty catalogue's snapshot, so it carries its own; revision 4 is due
            // by count, and is published without waiting for its snapshot.
            Manifest fourth = p.publisher.head().manifest();
            assertThat(fourth.getRevision()).isEqualTo(4);
            assertThat(fourth.getSnapshotRevision()).isEqualTo(1);
            p.publisher.awaitSnapshots();
            p.apply(lines(generator.generate(1)));
            Manifest fifth = p.publisher.head().manifest();
            assertThat(fifth.getSnapshotRevision()).isEqualTo(4);
            SnapshotIndex index = SnapshotIndex.parseFrom(p.objects.readAll(fifth.getSnapshotIndex().getDigest().toByteArray()));
            assertThat(index.getRevision()).isEqualTo(4);
            assertThat(index.getEntryCount()).isEqualTo(200);
            assertThat(Sha256.of(index.getLattice().toByteArray())).isEqualTo(fourth.getStateDigest().toByteArray());
        }
    }

    @Test
    void aChangeSetLargeAgainstTheCatalogueCarriesItsOwnSnapshot() throws Exception {
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            CatalogueGenerator generator = new CatalogueGenerator(13);
            p.apply(lines(generator.generate(50)));
            p.apply(lines(generator.generate(1)));
            assertThat(p.publisher.head().manifest().getSnapshotRevision()).isEqualTo(1);
            p.apply(lines(generator.generate(200)));
            Manifest third = p.publisher.head().manifest();
            assertThat(third.getSnapshotRevision()).isEqualTo(3);
            SnapshotIndex index = SnapshotIndex.parseFrom(p.objects.readAll(third.getSnapshotIndex().getDigest().toByteArray()));
            assertThat(index.getEntryCount()).isEqualTo(251);
        }
    }

    @Test
    void garbageCollectionKeepsEverythingRetainedManifestsReference() throws Exception {
        try (Publishing p = open(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(4);
            for (int i = 0; i < 7; i++) {
                p.apply(lines(generator.generate(20)));
                p.publisher.awaitSnapshots();
            }
            List<Long> retained = p.store.manifests().revisions();
            assertThat(retained.get(0)).isGreaterThan(0);
            Set<String> referenced = new HashSet<>();
            for (long rev : retained) {
                Manifest m = Manifest.parseFrom(p.store.manifests().get(rev).orElseThrow().getManifest());
                referenced.add(Sha256.hex(m.getDelta().getDigest().toByteArray()));
                referenced.add(Sha256.hex(m.getSnapshotIndex().getDigest().toByteArray()));
                SnapshotIndex index = SnapshotIndex.parseFrom(p.objects.readAll(m.getSnapshotIndex().getDigest().toByteArray()));
                index.getChunksList().forEach(c -> referenced.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
            }
            Set<String> stored = p.objects.list();
            assertThat(stored).containsAll(referenced);
            // Beyond those, only retained snapshots that no manifest names yet (written in the background) are kept.
            for (var index : p.store.snapshots().all().values()) {
                referenced.add(Sha256.hex(index.getDigest().toByteArray()));
                SnapshotIndex parsed = SnapshotIndex.parseFrom(p.objects.readAll(index.getDigest().toByteArray()));
                parsed.getChunksList().forEach(c -> referenced.add(Sha256.hex(c.getObject().getDigest().toByteArray())));
            }
            assertThat(stored).isEqualTo(referenced);
        }
    }

    @Test
    void backgroundSnapshotsAndCollectionsNeverWaitForThePublishLock() throws Exception {
        try (Publishing p = open(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(8);
            p.apply(lines(generator.generate(40)));  // revision 1 carries its own snapshot
            p.publisher.awaitSnapshots();
            p.apply(lines(generator.generate(1)));
            p.apply(lines(generator.generate(1)));   // revision 3: a snapshot is due, written in the background
            Publisher publisher = p.publisher;
            // The background thread runs at the lowest priority: a publish must never wait for it, so it must
            // never need the publisher's lock. Held here, a background step that took it would never finish.
            synchronized (publisher) {
                assertThat(publisher.awaitSnapshots(java.time.Duration.ofSeconds(20))).as("snapshot written under a held publish lock").isTrue();
            }
            assertThat(p.store.snapshots().all()).containsKey(3L);
            p.apply(lines(generator.generate(1)));   // revision 4 names snapshot 3: revisions before it may go
            assertThat(publisher.head().manifest().getSnapshotRevision()).isEqualTo(3);
            synchronized (publisher) {
                assertThat(publisher.awaitSnapshots(java.time.Duration.ofSeconds(20))).as("collection under a held publish lock").isTrue();
                assertThat(p.store.manifests().revisions()).containsExactly(3L, 4L);
                assertThat(p.store.snapshots().all()).containsOnlyKeys(3L);
            }
        }
    }

    @Test
    void anObjectNothingNamesIsKeptByRoutineCollectionsAndDeletedWhenTheHubStarts() throws Exception {
        String orphan;
        try (Publishing p = open(new SnapshotPolicy(2, 1000, 1))) {
            CatalogueGenerator generator = new CatalogueGenerator(9);
            p.apply(lines(generator.generate(30)));
            // What a crash between writing a delta and committing its manifest leaves behind.
            orphan = Sha256.hex(p.objects.put("left by a crash".getBytes(java.nio.charset.StandardCharsets.UTF_8)).getDigest().toByteArray());
            for (int i = 0; i < 5; i++) {
                p.apply(lines(generator.generate(1)));
                p.publisher.awaitSnapshots();
            }
            assertThat(p.store.manifests().revisions().get(0)).as("routine collections ran").isGreaterThan(1);
            assertThat(p.objects.list()).contains(orphan);
        }
        try (Publishing p = open(new SnapshotPolicy(2, 1000, 1))) {
            assertThat(p.objects.list()).doesNotContain(orphan);
            Manifest head = p.publisher.head().manifest();
            assertThat(p.objects.list()).contains(Sha256.hex(head.getDelta().getDigest().toByteArray()),
                    Sha256.hex(head.getSnapshotIndex().getDigest().toByteArray()));
        }
    }

    @Test
    void aHubWhoseHeadHasTheEarlierSchemaPublishesASnapshotInTheCurrentOneWhenItStarts() throws Exception {
        long revision;
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            p.apply(lines(new CatalogueGenerator(10).generate(20)));
            p.apply(lines(new CatalogueGenerator(11).generate(1)));
            revision = p.publisher.head().revision();
        }
        // What an earlier Spejl left: the head manifest says schema 1 (its snapshots had protobuf chunks).
        try (CatalogueStore store = CatalogueStore.open(tmp.resolve("catalogue"))) {
            Head head = store.head().orElseThrow();
            var old = new dk.spejl.signing.ManifestSigner(signing).sign(head.manifest().toBuilder().setSchemaVersion(1).build());
            store.commit(new CatalogueStore.Commit(List.of(), List.of(), old, head.lattice(), null));
        }
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            Manifest head = p.publisher.head().manifest();
            assertThat(head.getRevision()).isEqualTo(revision + 1);
            assertThat(head.getSchemaVersion()).isEqualTo(dk.spejl.verify.ManifestVerifier.SCHEMA_VERSION);
            assertThat(head.getSnapshotRevision()).as("the upgrade revision carries its own snapshot").isEqualTo(revision + 1);
            assertThat(head.getEntryCount()).isEqualTo(21);
        }
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            assertThat(p.publisher.head().revision()).as("no second upgrade revision").isEqualTo(revision + 1);
        }
    }

    @Test
    void aRestartedHubContinuesItsChain() throws Exception {
        byte[] digest;
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            p.apply(lines(new CatalogueGenerator(5).generate(10)));
            digest = p.publisher.head().manifestDigest();
        }
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            assertThat(p.publisher.head().revision()).isEqualTo(1);
            p.apply(lines(new CatalogueGenerator(6).generate(10)));
            assertThat(p.publisher.head().manifest().getPreviousManifestDigest().toByteArray()).isEqualTo(digest);
        }
    }

    /** Objects in memory that fail every put from the {@code failFrom}-th on, while {@code failing} is set. */
    private static final class FailingObjects implements ObjectStore {
        private final ObjectStore inner;
        private final AtomicInteger puts = new AtomicInteger();
        volatile int failFrom = Integer.MAX_VALUE;

        FailingObjects(ObjectStore inner) {
            this.inner = inner;
        }

        @Override
        public ObjectRef put(byte[] bytes) throws IOException {
            if (puts.incrementAndGet() >= failFrom) {
                throw new IOException("disk full (a test)");
            }
            return inner.put(bytes);
        }

        @Override
        public Optional<Reader> open(byte[] digest) throws IOException {
            return inner.open(digest);
        }

        @Override
        public Set<String> list() throws IOException {
            return inner.list();
        }

        @Override
        public void delete(String hexDigest) throws IOException {
            inner.delete(hexDigest);
        }
    }

    /** Hears every stage and every failure. */
    private static final class Stages implements Publisher.CycleListener {
        final List<String> heard = new CopyOnWriteArrayList<>();

        @Override
        public void stageStarted(Publisher.Stage stage, long revision) {
            heard.add(revision + " " + stage + " started");
        }

        @Override
        public void stageCompleted(Publisher.Stage stage, long revision, long nanos) {
            heard.add(revision + " " + stage + " completed");
        }

        @Override
        public void cycleCompleted(Published published, long nanos) {
            heard.add(published.revision() + " completed");
        }

        @Override
        public void cycleFailed(Publisher.Stage stage, long revision, Exception cause) {
            heard.add(revision + " failed at " + stage + ": " + cause.getMessage());
        }
    }

    @Test
    void aCycleRunsItsNamedStagesInOrderAndTellsItsListenersOfEach() throws Exception {
        try (Publishing p = open(SnapshotPolicy.DEFAULT)) {
            Stages stages = new Stages();
            p.publisher.addCycleListener(stages);
            List<Long> announced = new ArrayList<>();
            p.publisher.addListener(revision -> announced.add(revision.revision()));
            p.apply(lines(new CatalogueGenerator(20).generate(5)));
            List<String> expected = new ArrayList<>();
            for (Publisher.Stage stage : Publisher.Stage.values()) {
                expected.add("1 " + stage + " started");
                expected.add("1 " + stage + " completed");
            }
            expected.add("1 completed");
            assertThat(stages.heard).containsExactlyElementsOf(expected);
            assertThat(announced).containsExactly(1L);
        }
    }

    @Test
    void aCycleThatFailsBeforeItsCommitLeavesTheHeadDeletesWhatItWroteAndTheNextCycleTakesItsRevision() throws Exception {
        FailingObjects objects = new FailingObjects(memory);
        // Every change set outgrows the last snapshot, so each revision writes its delta and then its own snapshot.
        try (Publishing p = new Publishing(new SnapshotPolicy(1000, 0.001, 5), objects)) {
            CatalogueGenerator generator = new CatalogueGenerator(21);
            p.apply(lines(generator.generate(30)));
            Head before = p.publisher.head();
            Set<String> objectsBefore = objects.list();
            Stages stages = new Stages();
            p.publisher.addCycleListener(stages);

            objects.failFrom = objects.puts.get() + 2;   // the delta is written, the snapshot's first chunk is not
            List<String> change = lines(generator.generate(10));
            assertThatThrownBy(() -> p.apply(change)).isInstanceOf(IOException.class).hasMessageContaining("disk full");
            assertThat(stages.heard).contains("2 OBJECTS started").doesNotContain("2 OBJECTS completed", "2 SIGN started")
                    .last().asString().startsWith("2 failed at OBJECTS: disk full");
            assertThat(p.publisher.head().revision()).isEqualTo(before.revision());
            assertThat(p.publisher.head().manifestDigest()).isEqualTo(before.manifestDigest());
            assertThat(objects.list()).as("the failed cycle's delta is deleted again").isEqualTo(objectsBefore);

            objects.failFrom = Integer.MAX_VALUE;
            assertThat(p.apply(change).getRevision()).isEqualTo(2);
            assertThat(p.publisher.head().manifest().getPreviousManifestDigest().toByteArray()).isEqualTo(before.manifestDigest());
            assertThat(p.publisher.head().entryCount()).isEqualTo(40);
        }
        try (Publishing p = new Publishing(new SnapshotPolicy(1000, 0.001, 5), objects)) {
            assertThat(p.publisher.head().revision()).as("the revision after the failure survives a restart").isEqualTo(2);
        }
    }

    @Test
    void aPublisherPublishesNothingBeforeItIsInitialised() throws Exception {
        try (CatalogueStore store = CatalogueStore.open(tmp.resolve("catalogue"))) {
            Publisher publisher = new Publisher("h", store, memory, tmp.resolve("scratch"), new ManifestSigner(signing), Clock.systemUTC(),
                    SnapshotPolicy.DEFAULT, new SimpleMeterRegistry());
            assertThatThrownBy(() -> new Ingest(publisher, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).apply(lines(new CatalogueGenerator(23).generate(1))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not initialised");
            assertThatThrownBy(publisher::resign).isInstanceOf(IllegalStateException.class);
            assertThat(store.head()).isEmpty();
            assertThat(memory.list()).isEmpty();
            publisher.close();
        }
    }

    @Test
    void aClosedPublisherPublishesNothing() throws Exception {
        Publishing p = open(SnapshotPolicy.DEFAULT);
        p.publisher.close();
        assertThatThrownBy(() -> p.apply(lines(new CatalogueGenerator(22).generate(1)))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(p.publisher.head().revision()).isEqualTo(0);
        p.store.close();
    }
}
