package dk.spejl.spoke.search;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Histograms kept per large segment across revisions, over a real Lucene index in a temporary directory written as
 * the spoke's index writes: through updates and deletes in the large segment, new small segments and a merge, every
 * base query's histogram equals the one counted hit by hit over the live documents, and the large segment's are
 * counted once and then taken.
 */
class SegmentHistogramsTest {
    @TempDir
    Path dir;

    @Test
    void aKeptHistogramLessTheDeletedMatchesIsTheLiveCountAtEveryRevision() throws Exception {
        FacetTuples facets = new FacetTuples();
        SegmentHistograms kept = new SegmentHistograms(500, SegmentHistograms.BUDGET_INTS, SegmentHistograms.MAX_ENTRIES);
        SegmentHistograms none = new SegmentHistograms(Integer.MAX_VALUE, SegmentHistograms.BUDGET_INTS, SegmentHistograms.MAX_ENTRIES);
        List<Record> records = new CatalogueGenerator(31).generate(2_000).stream().map(HubRecord::getRecord).toList();
        Map<String, Record> live = new LinkedHashMap<>();
        records.forEach(r -> live.put(r.getId(), r));
        Record some = records.get(17);
        Map<String, Query> bases = new LinkedHashMap<>();
        for (String q : List.of("onkologi", "sarek", "novaseq", some.getSubjectPseudonym(), some.getId().substring(0, 7))) {
            bases.put("q=" + q, SearchQuery.parse(Map.of("q", List.of(q))).base());
        }
        bases.put("size_bytes", SearchQuery.parse(Map.of("size_bytes", List.of("..20000000000"))).base());
        bases.put("q and produced_on", SearchQuery.parse(Map.of("q", List.of("onkologi"), "produced_on", List.of("2022-01..2024-12"))).base());
        // No merges until the end (the policy's would come when they may), so that the large segment stays.
        IndexWriterConfig config = IndexStore.config(IndexWriterConfig.OpenMode.CREATE, facets).setMergePolicy(NoMergePolicy.INSTANCE);
        try (FSDirectory directory = FSDirectory.open(dir);
             IndexWriter writer = new IndexWriter(directory, config)) {
            for (Record r : records) {
                writer.addDocument(RecordDocuments.document(r));
            }
            writer.commit();
            // The large segment has deletions before its histograms are first counted, as after a restart.
            for (int i = 0; i < 30; i++) {
                String gone = records.get(i * 61).getId();
                writer.deleteDocuments(new Term(RecordDocuments.ID, gone));
                live.remove(gone);
            }
            DirectoryReader reader = DirectoryReader.open(writer);
            assertThat(reader.leaves()).hasSize(1);
            assertThat(reader.leaves().get(0).reader().numDeletedDocs()).isEqualTo(30);
            CatalogueGenerator changes = new CatalogueGenerator(32);
            Random random = new Random(3);
            long countedAfterFirst = -1;
            for (int revision = 0; revision < 30; revision++) {
                if (revision > 0) {
                    // Updates and deletes in the large segment: its documents stay, some are marked deleted.
                    for (int i = 0; i < 7; i++) {
                        Record old = records.get(random.nextInt(records.size()));
                        if (!live.containsKey(old.getId())) {
                            continue;
                        }
                        Record changed = changes.modify(HubRecord.newBuilder().setRecord(live.get(old.getId())).build()).getRecord();
                        writer.updateDocument(new Term(RecordDocuments.ID, changed.getId()), RecordDocuments.document(changed));
                        live.put(changed.getId(), changed);
                    }
                    String gone = records.get(random.nextInt(records.size())).getId();
                    writer.deleteDocuments(new Term(RecordDocuments.ID, gone));
                    live.remove(gone);
                    DirectoryReader next = DirectoryReader.openIfChanged(reader, writer);
                    reader.close();
                    reader = next;
                }
                assertThat(reader.numDocs()).isEqualTo(live.size());
                assertKeptEqualsCounted(reader, facets, kept, none, bases, "revision " + revision);
                if (revision == 0) {
                    countedAfterFirst = kept.counted();
                    assertThat(countedAfterFirst).as("the large segment's histograms were kept").isEqualTo(bases.size());
                }
            }
            assertThat(reader.leaves().size()).as("each revision added a small segment").isGreaterThan(20);
            assertThat(reader.leaves().get(0).reader().numDeletedDocs()).as("the large segment has deletions").isGreaterThan(50);
            assertThat(kept.counted()).as("later revisions took the large segment's histograms, not counting it again").isEqualTo(countedAfterFirst);

            // Merged away, the large segment's histograms go with it; the merged one's are counted anew, and agree.
            writer.getConfig().setMergePolicy(new TieredMergePolicy());
            writer.forceMerge(1);
            DirectoryReader merged = DirectoryReader.openIfChanged(reader, writer);
            reader.close();
            assertKeptEqualsCounted(merged, facets, kept, none, bases, "merged");
            assertThat(kept.size()).isEqualTo(bases.size());
            assertThat(kept.counted()).isEqualTo(2L * bases.size());
            merged.close();
        }
        assertThat(kept.size()).as("every segment's histograms went with it").isZero();
    }

    @Test
    void theLeastRecentlyUsedGoFirstOnceTheBudgetOrTheCountIsSpent() throws Exception {
        FacetTuples facets = new FacetTuples();
        try (FSDirectory directory = FSDirectory.open(dir);
             IndexWriter writer = new IndexWriter(directory, IndexStore.config(IndexWriterConfig.OpenMode.CREATE, facets)
                     .setMergePolicy(NoMergePolicy.INSTANCE))) {
            List<HubRecord> generated = new CatalogueGenerator(5).generate(600);
            for (HubRecord r : generated) {
                writer.addDocument(RecordDocuments.document(r.getRecord()));
            }
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertThat(reader.leaves()).hasSize(1);
                columns(reader, facets);
                int tuples = facets.snapshot().size();
                var leaf = reader.leaves().get(0).reader();
                List<Query> queries = new ArrayList<>();
                for (String q : List.of("onkologi", "sarek", "novaseq", "genomics", "illumina")) {
                    queries.add(SearchQuery.parse(Map.of("q", List.of(q))).base());
                }
                SegmentHistograms byInts = new SegmentHistograms(100, 3L * tuples, 100);
                SegmentHistograms byCount = new SegmentHistograms(100, Long.MAX_VALUE, 3);
                for (SegmentHistograms kept : List.of(byInts, byCount)) {
                    kept.put(leaf, queries.get(0), new int[tuples]);
                    kept.put(leaf, queries.get(1), new int[tuples]);
                    kept.put(leaf, queries.get(2), new int[tuples]);
                    assertThat(kept.get(leaf, queries.get(0))).isNotNull(); // used: now the most recent
                    kept.put(leaf, queries.get(3), new int[tuples]);
                    assertThat(kept.size()).isEqualTo(3);
                    assertThat(kept.get(leaf, queries.get(1))).as("the least recently used went").isNull();
                    assertThat(kept.get(leaf, queries.get(0))).as("the one used since stayed").isNotNull();
                    assertThat(kept.get(leaf, queries.get(3))).isNotNull();
                }
            }
            // A segment with more than a quarter of its documents deleted is counted hit by hit instead.
            for (int i = 0; i < 140; i++) {
                writer.deleteDocuments(new Term(RecordDocuments.ID, generated.get(i).getRecord().getId()));
            }
            SegmentHistograms kept = new SegmentHistograms(100, Long.MAX_VALUE, 100);
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertThat(kept.keeps(reader.leaves().get(0).reader())).isTrue(); // 140 of 600
            }
            for (int i = 140; i < 160; i++) {
                writer.deleteDocuments(new Term(RecordDocuments.ID, generated.get(i).getRecord().getId()));
            }
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertThat(kept.keeps(reader.leaves().get(0).reader())).isFalse(); // 160 of 600
            }
        }
    }

    private static void assertKeptEqualsCounted(DirectoryReader reader, FacetTuples facets, SegmentHistograms kept, SegmentHistograms none,
                                                Map<String, Query> bases, String when) throws Exception {
        int[][] columns = columns(reader, facets);
        int tuples = facets.snapshot().size();
        int[][] deleted = new int[columns.length][];
        for (LeafReaderContext leaf : reader.leaves()) {
            deleted[leaf.ord] = FacetCounts.deletedDocs(leaf.reader());
        }
        IndexSearcher searcher = new IndexSearcher(reader);
        for (Map.Entry<String, Query> base : bases.entrySet()) {
            long[] expected = FacetCounts.of(searcher, tuples, o -> columns[o], o -> deleted[o], none, base.getValue());
            long[] actual = FacetCounts.of(searcher, tuples, o -> columns[o], o -> deleted[o], kept, base.getValue());
            assertThat(actual).as(base.getKey() + " at " + when).isEqualTo(expected);
            assertThat(java.util.Arrays.stream(expected).sum()).as(base.getKey() + " matches something").isPositive();
        }
    }

    private static int[][] columns(DirectoryReader reader, FacetTuples facets) throws Exception {
        int[][] columns = new int[reader.leaves().size()][];
        for (LeafReaderContext leaf : reader.leaves()) {
            columns[leaf.ord] = facets.column(leaf.reader());
        }
        return columns;
    }
}
