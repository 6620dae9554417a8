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
        // A word of the text scores the same in every record that has it, in Danish, in English or in both: the
        // fields are a handful of names, where BM25's term frequencies and lengths say nothing. Ties then go in index
        // order (newest first), and once a page of text hits is found only a better match (an id or a pseudonym) can
        // enter it, so the top hits skip the rest of the word's records. Scored per language, a record with the word
        // in both outranked one with it in one, and the top hits went through every record with the word (300,000 for
        // a common one) to find them: 6 ms at the median over the one segment of a merged index.
        BooleanQuery.Builder text = new BooleanQuery.Builder();
        boolean danish = analysed(text, DANISH, RecordDocuments.TEXT_DA, word);
        boolean english = analysed(text, ENGLISH, RecordDocuments.TEXT_EN, word);
        if (danish || english) {
            any.add(new ConstantScoreQuery(text.build()), BooleanClause.Occur.SHOULD);
        }
        return any.build();
    }

    private static boolean analysed(BooleanQuery.Builder any, Analyzer analyzer, String field, String word) {
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
            return false;
        }
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        terms.forEach(t -> all.add(new TermQuery(new Term(field, t)), BooleanClause.Occur.MUST));
        any.add(all.build(), BooleanClause.Occur.SHOULD);
        return true;
    }
}
