package dk.spejl.spoke.search;

import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A search's total and drill-sideways facet counts, from the histogram of its base query's hits over
 * {@link FacetTuples} (docs/design.md, "Search at the spoke"). A field that is filtered on is counted over the
 * records that pass every <em>other</em> filter, so that a clinician sees what choosing another value would give;
 * a field that is not is counted over the hits. Within a field the values are ORed, across fields ANDed.
 */
final class FacetCounts {
    private FacetCounts() {
    }

    /** How many live documents of the view have each tuple: the histogram of a search without free text or ranges. */
    static long[] all(SearchView view) {
        long[] histogram = new long[view.tuples().size()];
        List<LeafReaderContext> leaves = view.reader().leaves();
        for (LeafReaderContext leaf : leaves) {
            int[] column = view.column(leaf.ord);
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = 0; doc < column.length; doc++) {
                if (live == null || live.get(doc)) {
                    histogram[column[doc]]++;
                }
            }
        }
        return histogram;
    }

    /**
     * How many hits of {@code base} have each tuple. A segment that {@link SegmentHistograms} keeps is counted once
     * over all its documents, deleted ones included, and each search then subtracts the matches among its deleted
     * ones (a few, next to the segment's size); the other segments are counted hit by hit.
     */
    static long[] of(SearchView view, Query base) throws IOException {
        return of(view.searcher(), view.tuples().size(), view::column, view::deleted, view.histograms(), base);
    }

    /**
     * @param columns each leaf's column of tuples, by the leaf's ord
     * @param deleted each leaf's deleted documents, ascending ({@link #deletedDocs}), by the leaf's ord
     */
    static long[] of(IndexSearcher searcher, int tuples, IntFunction<int[]> columns, IntFunction<int[]> deleted, SegmentHistograms kept,
                     Query base) throws IOException {
        long[] histogram = new long[tuples];
        Weight weight = searcher.createWeight(searcher.rewrite(base), ScoreMode.COMPLETE_NO_SCORES, 1f);
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            int[] column = columns.apply(leaf.ord);
            if (!kept.keeps(leaf.reader())) {
                countLive(weight, leaf, column, histogram);
                continue;
            }
            int[] whole = kept.get(leaf.reader(), base);
            if (whole == null) {
                whole = countAll(weight, leaf, column, histogram.length);
                kept.put(leaf.reader(), base, whole);
            }
            for (int t = 0; t < whole.length; t++) {
                histogram[t] += whole[t];
            }
            int[] gone = deleted.apply(leaf.ord);
            if (gone.length > 0) {
                Scorer scorer = weight.scorer(leaf);
                if (scorer != null) {
                    // Scorers ignore deletions: a deleted document is matched as it was written.
                    DocIdSetIterator matches = scorer.iterator();
                    for (int doc : gone) {
                        if (matches.docID() < doc) {
                            matches.advance(doc);
                        }
                        if (matches.docID() == doc) {
                            histogram[column[doc]]--;
                        }
                    }
                }
            }
        }
        return histogram;
    }

    /** The deleted documents of {@code leaf}, ascending. */
    static int[] deletedDocs(LeafReader leaf) {
        Bits live = leaf.getLiveDocs();
        int[] listed = new int[leaf.numDeletedDocs()];
        int n = 0;
        for (int doc = 0; live != null && n < listed.length && doc < leaf.maxDoc(); doc++) {
            if (!live.get(doc)) {
                listed[n++] = doc;
            }
        }
        return listed;
    }

    /** The histogram of {@code weight}'s matches among every document of {@code leaf}, deleted or not. */
    private static int[] countAll(Weight weight, LeafReaderContext leaf, int[] column, int tuples) throws IOException {
        int[] whole = new int[tuples];
        Scorer scorer = weight.scorer(leaf);
        if (scorer != null) {
            DocIdSetIterator matches = scorer.iterator();
            for (int doc = matches.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = matches.nextDoc()) {
                whole[column[doc]]++;
            }
        }
        return whole;
    }

    private static void countLive(Weight weight, LeafReaderContext leaf, int[] column, long[] histogram) throws IOException {
        BulkScorer scorer = weight.bulkScorer(leaf);
        if (scorer == null) {
            return;
        }
        scorer.score(new LeafCollector() {
            @Override
            public void setScorer(Scorable scorable) {
            }

            @Override
            public void collect(int doc) {
                histogram[column[doc]]++;
            }
        }, leaf.reader().getLiveDocs());
    }

    /** The total and every field's facets of the hits in {@code histogram} that pass {@code filters}. */
    static Search.Counted sideways(long[] histogram, FacetTuples.Snapshot snapshot, Map<String, List<String>> filters) {
        int dimensions = FacetTuples.DIMENSIONS;
        String[][] labels = snapshot.labels();
        int[] filtered = new int[filters.size()];
        boolean[][] allowed = new boolean[filters.size()][];
        int f = 0;
        for (int d = 0; d < dimensions; d++) {
            List<String> values = filters.get(RecordDocuments.DIMENSIONS.get(d).name());
            if (values != null) {
                filtered[f] = d;
                allowed[f] = new boolean[labels[d].length];
                for (int code = 0; code < labels[d].length; code++) {
                    allowed[f][code] = values.contains(labels[d][code]);
                }
                f++;
            }
        }
        long[][] counts = new long[dimensions][];
        for (int d = 0; d < dimensions; d++) {
            counts[d] = new long[labels[d].length];
        }
        long total = 0;
        int[][][] tuples = snapshot.tuples();
        for (int t = 0; t < histogram.length; t++) {
            long n = histogram[t];
            if (n == 0) {
                continue;
            }
            int[][] tuple = tuples[t];
            int misses = 0;
            int missed = -1;
            for (int i = 0; i < filtered.length && misses < 2; i++) {
                if (!any(tuple[filtered[i]], allowed[i])) {
                    misses++;
                    missed = filtered[i];
                }
            }
            if (misses == 0) {
                total += n;
                for (int d = 0; d < dimensions; d++) {
                    for (int code : tuple[d]) {
                        counts[d][code] += n;
                    }
                }
            } else if (misses == 1) {
                // A near miss: it counts only for the one field whose filter it fails.
                for (int code : tuple[missed]) {
                    counts[missed][code] += n;
                }
            }
        }
        Map<String, List<Search.FacetValue>> facets = new LinkedHashMap<>();
        for (int d = 0; d < dimensions; d++) {
            List<Search.FacetValue> values = new ArrayList<>();
            for (int code = 0; code < counts[d].length; code++) {
                if (counts[d][code] > 0) {
                    values.add(new Search.FacetValue(labels[d][code], counts[d][code]));
                }
            }
            values.sort((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.value().compareTo(b.value()));
            facets.put(RecordDocuments.DIMENSIONS.get(d).name(), values);
        }
        return new Search.Counted(total, true, facets);
    }

    private static boolean any(int[] codes, boolean[] allowed) {
        for (int code : codes) {
            if (allowed[code]) {
                return true;
            }
        }
        return false;
    }
}
