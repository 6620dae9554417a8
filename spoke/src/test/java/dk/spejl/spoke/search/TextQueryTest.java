package dk.spejl.spoke.search;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.Record;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Free text finds an id or pseudonym whatever its case, exactly or by prefix (one in lower case is indexed only once). */
class TextQueryTest {
    @Test
    void aPseudonymWithCapitalsIsFoundInLowerCaseExactlyAndByPrefix() throws Exception {
        Record lower = new CatalogueGenerator(3).generate(1).get(0).getRecord();
        Record capitals = lower.toBuilder().setId(lower.getId().replace('1', '2') + "b").setSubjectPseudonym("SP-Mixed01Case")
                .setSamplePseudonym("Sa.Upper-77").build();
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory();
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(RecordDocuments.analyzer()))) {
            writer.addDocument(RecordDocuments.document(lower));
            writer.addDocument(RecordDocuments.document(capitals));
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                assertThat(find(searcher, "sp-mixed01case")).containsExactly(capitals.getId());
                assertThat(find(searcher, "sp-mix")).containsExactly(capitals.getId());
                assertThat(find(searcher, "sa.upper-77")).containsExactly(capitals.getId());
                assertThat(find(searcher, lower.getSubjectPseudonym().toLowerCase())).contains(lower.getId());
                assertThat(find(searcher, lower.getSamplePseudonym().substring(0, 6).toLowerCase())).contains(lower.getId());
                assertThat(find(searcher, lower.getId())).containsExactly(lower.getId());
                assertThat(find(searcher, "sp-mixed01casex")).isEmpty();
            }
        }
    }

    @Test
    void anExactPseudonymRanksBeforeAPrefixWhichRanksBeforeAWordOfTheText() throws Exception {
        Record base = new CatalogueGenerator(5).generate(1).get(0).getRecord();
        Record word = base.toBuilder().setId("ngcf-00000000000000c1").setSubjectPseudonym("sp-other01").setOwnerUnit("sp-rank").build();
        Record prefix = base.toBuilder().setId("ngcf-00000000000000b1").setSubjectPseudonym("sp-rankings").build();
        Record exact = base.toBuilder().setId("ngcf-00000000000000a1").setSubjectPseudonym("sp-rank").build();
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory();
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(RecordDocuments.analyzer()))) {
            for (Record r : List.of(word, prefix, exact)) { // the index's order is the opposite of the ranking's
                writer.addDocument(RecordDocuments.document(r));
            }
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertThat(find(new IndexSearcher(reader), "sp-rank")).containsExactly(exact.getId(), prefix.getId(), word.getId());
            }
        }
    }

    @Test
    void cachedAnalysisReplaysExactlyTheAnalysersTokens() throws Exception {
        for (var analyser : List.of(new org.apache.lucene.analysis.da.DanishAnalyzer(), new org.apache.lucene.analysis.en.EnglishAnalyzer())) {
            AnalysedText cached = new AnalysedText(analyser, "f");
            for (var generated : new CatalogueGenerator(4).generate(300)) {
                Record r = generated.getRecord();
                String text = String.join(" ", r.getPipeline(), r.getInstrumentModel(), r.getBasecaller(), r.getOwnerUnit(), "the og");
                List<String> expected = drain(analyser.tokenStream("f", text));
                assertThat(expected).isNotEmpty();
                assertThat(drain(cached.of(text))).as(text).isEqualTo(expected);
                assertThat(drain(cached.of(text))).as(text + ", from the cache").isEqualTo(expected);
            }
        }
    }

    private static List<String> drain(org.apache.lucene.analysis.TokenStream stream) throws Exception {
        List<String> tokens = new ArrayList<>();
        try (stream) {
            var term = stream.addAttribute(org.apache.lucene.analysis.tokenattributes.CharTermAttribute.class);
            var increment = stream.addAttribute(org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute.class);
            var offset = stream.addAttribute(org.apache.lucene.analysis.tokenattributes.OffsetAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                tokens.add(term + "/" + increment.getPositionIncrement() + "/" + offset.startOffset() + "-" + offset.endOffset());
            }
            stream.end();
            tokens.add("end/" + increment.getPositionIncrement() + "/" + offset.endOffset());
        }
        return tokens;
    }

    private static List<String> find(IndexSearcher searcher, String word) throws Exception {
        List<String> ids = new ArrayList<>();
        for (ScoreDoc hit : searcher.search(TextQuery.word(word), 10).scoreDocs) {
            ids.add(Search.idsOf(searcher, new int[] {hit.doc})[0]);
        }
        return ids;
    }
}
