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
import org.apache.lucene.search.ConstantScoreQuery;
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
     * One word of free text: an id or pseudonym exactly (ranked first) or by prefix (next), or a word of the
     * pipeline, instrument, basecaller or unit, in Danish or English.
     */
    static Query word(String word) {
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        // An id or pseudonym in lower case is indexed once, in its exact field; one with capitals also in lower case.
        String[] fields = {RecordDocuments.ID, RecordDocuments.ID_LOWER, RecordDocuments.SUBJECT, RecordDocuments.SUBJECT_LOWER,
                RecordDocuments.SAMPLE, RecordDocuments.SAMPLE_LOWER};
        for (String field : fields) {
            any.add(new BoostQuery(new TermQuery(new Term(field, word)), 8), BooleanClause.Occur.SHOULD);
            any.add(new BoostQuery(new PrefixQuery(new Term(field, word)), 4), BooleanClause.Occur.SHOULD);
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
        // A word of the text scores the same in every record that has it: the fields are a handful of names, where
        // BM25's term frequencies and lengths say nothing. Ties then go in index order (newest first within a segment), and the
        // top hits stop as soon as a page of them is found instead of scoring every record with the word.
        any.add(new ConstantScoreQuery(all.build()), BooleanClause.Occur.SHOULD);
    }
}
