package dk.spejl.spoke.search;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A revision's refresh writes nothing to disk; a commit makes all of it durable; a build's segments are told apart. */
class RevisionCacheTest {
    @TempDir
    Path dir;

    /** The disk under the cache, recording every file created on it. */
    static final class RecordingDisk extends FilterDirectory {
        final List<String> created = new CopyOnWriteArrayList<>();

        RecordingDisk(Directory in) {
            super(in);
        }

        @Override
        public IndexOutput createOutput(String name, IOContext context) throws IOException {
            created.add(name);
            return super.createOutput(name, context);
        }

        @Override
        public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
            IndexOutput out = super.createTempOutput(prefix, suffix, context);
            created.add(out.getName());
            return out;
        }
    }

    @Test
    void aRevisionsRefreshCreatesNoFileOnDiskAndACommitMakesEveryRevisionDurable() throws Exception {
        List<HubRecord> records = new CatalogueGenerator(5).generate(300);
        RecordingDisk disk = new RecordingDisk(FSDirectory.open(dir));
        FacetTuples facets = new FacetTuples();
        try (RevisionCache cache = new RevisionCache(disk);
             IndexWriter writer = new IndexWriter(cache, IndexStore.config(IndexWriterConfig.OpenMode.CREATE, facets))) {
            for (HubRecord r : records.subList(0, 200)) {
                writer.addDocument(RecordDocuments.document(r.getRecord()));
            }
            writer.commit();
            disk.created.clear();
            DirectoryReader reader = DirectoryReader.open(writer);
            for (HubRecord r : records.subList(200, 300)) {
                // One revision: a new record, an updated one, then the refresh that makes them searchable.
                writer.addDocument(RecordDocuments.document(r.getRecord()));
                Record updated = records.get(r.hashCode() & 127).getRecord();
                writer.updateDocument(new Term(RecordDocuments.ID, updated.getId()), RecordDocuments.document(updated));
                DirectoryReader next = DirectoryReader.openIfChanged(reader, writer);
                assertThat(next).isNotNull();
                reader.close();
                reader = next;
            }
            assertThat(reader.numDocs()).isEqualTo(300);
            assertThat(disk.created).as("files the refreshes created on disk (field infos, sorted stored fields' temporary files)").isEmpty();
            reader.close();
            writer.commit();
            assertThat(disk.created).as("a commit writes what it makes durable").isNotEmpty();
            // Before the cache closes (which would copy whatever it still holds): every file of the commit is on disk.
            for (String file : org.apache.lucene.index.SegmentInfos.readLatestCommit(cache).files(true)) {
                assertThat(java.nio.file.Files.exists(dir.resolve(file))).as(file + " on disk").isTrue();
            }
        }
        try (Directory reopened = FSDirectory.open(dir); DirectoryReader committed = DirectoryReader.open(reopened)) {
            assertThat(committed.numDocs()).isEqualTo(300);
            assertThat(committed.maxDoc()).isGreaterThan(300); // the updates' old documents, deleted, were committed too
        }
    }

    @Test
    void anIndexAsABuildLeavesItIsToldApartFromAMergedOneWithSmallSegments() throws Exception {
        List<HubRecord> records = new CatalogueGenerator(6).generate(400);
        FacetTuples facets = new FacetTuples();
        try (Directory directory = new RevisionCache(FSDirectory.open(dir));
             IndexWriter writer = new IndexWriter(directory, IndexStore.config(IndexWriterConfig.OpenMode.CREATE, facets))) {
            assertThat(IndexStore.unmerged(directory)).as("no index yet").isFalse();
            for (int segment = 0; segment < 3; segment++) {
                for (HubRecord r : records.subList(segment * 100, segment * 100 + 100)) {
                    writer.addDocument(RecordDocuments.document(r.getRecord()));
                }
                writer.flush();
            }
            writer.commit(); // three segments are fewer than Lucene's policy merges by itself
            assertThat(IndexStore.unmerged(directory)).as("three segments of 100 records each").isTrue();
            writer.forceMerge(1);
            for (HubRecord r : records.subList(300, 310)) {
                writer.addDocument(RecordDocuments.document(r.getRecord()));
                writer.flush(); // ten revisions' small segments beside the merged one
            }
            writer.commit();
            assertThat(IndexStore.unmerged(directory)).as("one segment of 300 and ten of one record").isFalse();
        }
    }
}
