package dk.spejl.spoke.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A text field's tokens, analysed once per distinct text. A record's free text is its pipeline, instrument,
 * basecaller and unit, and a catalogue has a few hundred such combinations; analysing each in Danish and English
 * for every record was a sixth of the index build. The tokens replayed are the analyser's own, term, position
 * and offsets alike.
 */
final class AnalysedText {
    /** Beyond this many distinct texts the cache starts again (a catalogue of unusual variety costs analysis, not memory). */
    private static final int CACHED = 20_000;

    private record Tokens(String[] terms, int[] increments, int[] starts, int[] ends, int length, int finalIncrement) {
    }

    private final Analyzer analyzer;
    private final String field;
    private final Map<String, Tokens> cache = new ConcurrentHashMap<>();

    AnalysedText(Analyzer analyzer, String field) {
        this.analyzer = analyzer;
        this.field = field;
    }

    /** A new stream of {@code text}'s tokens, for one field of one document. */
    TokenStream of(String text) {
        Tokens tokens = cache.get(text);
        if (tokens == null) {
            tokens = analyse(text);
            if (cache.size() >= CACHED) {
                cache.clear();
            }
            cache.put(text, tokens);
        }
        return new Replay(tokens);
    }

    private Tokens analyse(String text) {
        List<String> terms = new ArrayList<>();
        List<int[]> at = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute increment = stream.addAttribute(PositionIncrementAttribute.class);
            OffsetAttribute offset = stream.addAttribute(OffsetAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                terms.add(term.toString());
                at.add(new int[] {increment.getPositionIncrement(), offset.startOffset(), offset.endOffset()});
            }
            stream.end();
            int length = offset.endOffset();
            int finalIncrement = increment.getPositionIncrement();
            int n = terms.size();
            int[] increments = new int[n];
            int[] starts = new int[n];
            int[] ends = new int[n];
            for (int i = 0; i < n; i++) {
                increments[i] = at.get(i)[0];
                starts[i] = at.get(i)[1];
                ends[i] = at.get(i)[2];
            }
            return new Tokens(terms.toArray(String[]::new), increments, starts, ends, length, finalIncrement);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String is read without I/O
        }
    }

    private static final class Replay extends TokenStream {
        private final Tokens tokens;
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute increment = addAttribute(PositionIncrementAttribute.class);
        private final OffsetAttribute offset = addAttribute(OffsetAttribute.class);
        private int next;

        Replay(Tokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public boolean incrementToken() {
            if (next == tokens.terms().length) {
                return false;
            }
            clearAttributes();
            term.setEmpty().append(tokens.terms()[next]);
            increment.setPositionIncrement(tokens.increments()[next]);
            offset.setOffset(tokens.starts()[next], tokens.ends()[next]);
            next++;
            return true;
        }

        @Override
        public void end() throws IOException {
            super.end();
            offset.setOffset(tokens.length(), tokens.length());
            increment.setPositionIncrement(tokens.finalIncrement());
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            next = 0;
        }
    }
}
