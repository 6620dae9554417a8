package dk.spejl.spoke.search;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Facet tuples over a real Lucene index in a temporary directory, written as the spoke's index writes: each
 * document's column names a tuple with exactly its record's values, through many small refreshes, updates and
 * merges, and a segment's column goes when the segment does.
 */
class FacetTuplesTest {
    @TempDir
    Path dir;

    @Test
    void everyDocumentsTupleHoldsItsRecordsValuesThroughRefreshesUpdatesAndMerges() throws Exception {
        FacetTuples facets = new FacetTuples();
        List<HubRecord> generated = new CatalogueGenerator(7).generate(400);
        Map<String, Record> live = new HashMap<>();
        try (FSDirectory directory = FSDirectory.open(dir);
             IndexWriter writer = new IndexWriter(directory, IndexStore.config(IndexWriterConfig.OpenMode.CREATE, facets))) {
            DirectoryReader reader = null;
            CatalogueGenerator changes = new CatalogueGenerator(8);
            for (int round = 0; round < 80; round++) {
                // Five new records a round, and from the tenth on, five changed ones: deletes in older segments.
                for (int i = 0; i < 5; i++) {
                    Record r = generated.get(round * 5 + i).getRecord();
                    writer.addDocument(RecordDocuments.document(r));
                    live.put(r.getId(), r);
                }
                if (round >= 10) {
                    for (int i = 0; i < 5; i++) {
                        Record old = generated.get((round * 7 + i * 13) % (round * 5)).getRecord();
                        Record changed = changes.modify(HubRecord.newBuilder().setRecord(live.get(old.getId())).build()).getRecord();
                        writer.updateDocument(new Term(RecordDocuments.ID, changed.getId()), RecordDocuments.document(changed));
                        live.put(changed.getId(), changed);
                    }
                }
                DirectoryReader next = reader == null ? DirectoryReader.open(writer) : DirectoryReader.openIfChanged(reader, writer);
                if (reader != null) {
                    reader.close();
                }
                reader = next;
                assertEveryTupleIsItsRecords(facets, reader, live);
            }
            writer.forceMerge(1);
            DirectoryReader merged = DirectoryReader.openIfChanged(reader, writer);
            reader.close();
            assertThat(merged.leaves()).hasSize(1);
            assertEveryTupleIsItsRecords(facets, merged, live);
            // Only the merged segment is open now: every other segment's column went with it.
            assertThat(facets.columns()).isEqualTo(1);
            merged.close();
        }
        assertThat(facets.columns()).isZero();
    }

    private static void assertEveryTupleIsItsRecords(FacetTuples facets, DirectoryReader reader, Map<String, Record> live) throws Exception {
        int[][] columns = new int[reader.leaves().size()][];
        for (LeafReaderContext leaf : reader.leaves()) {
            columns[leaf.ord] = facets.column(leaf.reader());
        }
        FacetTuples.Snapshot snapshot = facets.snapshot();
        int seen = 0;
        for (LeafReaderContext leaf : reader.leaves()) {
            SortedDocValues ids = leaf.reader().getSortedDocValues(RecordDocuments.ID);
            var liveDocs = leaf.reader().getLiveDocs();
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if (liveDocs != null && !liveDocs.get(doc)) {
                    continue;
                }
                assertThat(ids.advanceExact(doc)).isTrue();
                Record r = live.get(ids.lookupOrd(ids.ordValue()).utf8ToString());
                int[][] tuple = snapshot.tuples()[columns[leaf.ord][doc]];
                for (int d = 0; d < FacetTuples.DIMENSIONS; d++) {
                    RecordDocuments.Dimension dimension = RecordDocuments.DIMENSIONS.get(d);
                    List<String> values = new ArrayList<>();
                    for (int code : tuple[d]) {
                        values.add(snapshot.labels()[d][code]);
                    }
                    List<String> expected = dimension.values().apply(r).stream().filter(v -> !v.isEmpty() && !v.endsWith("_unspecified"))
                            .sorted().toList();
                    assertThat(values.stream().sorted().toList()).as(dimension.name() + " of " + r.getId()).isEqualTo(expected);
                }
                seen++;
            }
        }
        assertThat(seen).isEqualTo(live.size());
    }
}
