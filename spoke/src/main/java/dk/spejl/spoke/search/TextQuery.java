package dk.spejl.spoke.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The Lucene query for one word of a search's free text. */
final class TextQuery {
    private TextQuery() {
    }

    private static final Analyzer DANISH = new DanishAnalyzer();
    private static final Analyzer ENGLISH = new EnglishAnalyzer();

    /**
     * One word of free text: an id or pseudonym exactly (ranked first) or by prefix, or a word of the pipeline,
     * instrument, basecaller or unit, in Danish or English.
     */
    static Query word(String word) {
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (String[] field : new String[][] {{RecordDocuments.ID_LOWER}, {RecordDocuments.SUBJECT_LOWER}, {RecordDocuments.SAMPLE_LOWER}}) {
            any.add(new BoostQuery(new TermQuery(new Term(field[0], word)), 8), BooleanClause.Occur.SHOULD);
            any.add(new BoostQuery(new PrefixQuery(new Term(field[0], word)), 4), BooleanClause.Occur.SHOULD);
        }
        analysed(any, DANISH, RecordDocuments.TEXT_DA, word);
        analysed(any, ENGLISH, RecordDocuments.TEXT_EN, word);
        return any.build();
    }

    private static void analysed(BooleanQuery.Builder any, Analyzer analyzer, String field, String word) {
        List<String> terms = new ArrayList<>();
        try (TokenStream tokens = analyzer.tokenStream(field, word)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                terms.add(term.toString());
            }
            tokens.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (terms.isEmpty()) {
            return;
        }
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        terms.forEach(t -> all.add(new TermQuery(new Term(field, t)), BooleanClause.Occur.MUST));
        any.add(all.build(), BooleanClause.Occur.SHOULD);
    }
}
