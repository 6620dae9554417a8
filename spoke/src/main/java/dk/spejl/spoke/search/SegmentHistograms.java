package dk.spejl.spoke.search;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.Query;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * For each large segment of the index, the histogram over facet tuples of a base query's matches among
 * <em>all</em> the segment's documents, deleted ones included (docs/design.md, "Search at the spoke"). A segment's
 * documents never change once it is written; only which of them are deleted does. So a histogram counted once
 * holds for every later revision that still has the segment: a search there takes it, and subtracts the matches
 * among the few documents deleted since ({@link FacetCounts#of}). Without it, every revision's first search of a
 * common word counted its hundreds of thousands of hits again, and under a steady stream of revisions nearly every
 * search was such a first one.
 *
 * <p>The least recently used go first once the histograms hold {@link #BUDGET_INTS} counts in all, or number
 * {@link #MAX_ENTRIES}; a segment's go with it when it is closed (merged away).
 */
final class SegmentHistograms {
    /** Segments with fewer documents are counted directly: a revision's small segments come and go with merges. */
    static final int MIN_DOCS = 8_192;
    /** About 16 MB of counts: a million records have about 8,000 tuples, so some 500 base queries over the large segment. */
    static final long BUDGET_INTS = 4L << 20;
    /** And at most this many: each also holds its query (a word's prefix queries hold automata of some KB). */
    static final int MAX_ENTRIES = 512;

    private final int minDocs;
    private final long budgetInts;
    private final int maxEntries;
    private final LinkedHashMap<Key, int[]> histograms = new LinkedHashMap<>(64, 0.75f, true);
    private final Set<Object> watched = Collections.newSetFromMap(new IdentityHashMap<>());
    private long ints;
    private long counted;

    SegmentHistograms() {
        this(MIN_DOCS, BUDGET_INTS, MAX_ENTRIES);
    }

    SegmentHistograms(int minDocs, long budgetInts, int maxEntries) {
        this.minDocs = minDocs;
        this.budgetInts = budgetInts;
        this.maxEntries = maxEntries;
    }

    private record Key(Object core, Query base) {
    }

    /** Whether {@code leaf}'s histograms are kept: large enough, and with at most a quarter of its documents deleted. */
    boolean keeps(LeafReader leaf) {
        return leaf.getCoreCacheHelper() != null && leaf.maxDoc() >= minDocs && leaf.numDeletedDocs() * 4L <= leaf.maxDoc();
    }

    /** The histogram of {@code base} over every document of {@code leaf}, if one was counted. */
    synchronized int[] get(LeafReader leaf, Query base) {
        return histograms.get(new Key(leaf.getCoreCacheHelper().getKey(), base));
    }

    void put(LeafReader leaf, Query base, int[] histogram) {
        IndexReader.CacheHelper core = leaf.getCoreCacheHelper();
        boolean listen;
        synchronized (this) {
            int[] old = histograms.put(new Key(core.getKey(), base), histogram);
            ints += histogram.length - (old == null ? 0 : old.length);
            counted++;
            trim();
            listen = watched.add(core.getKey());
        }
        if (listen) {
            core.addClosedListener(this::dropSegment);
        }
    }

    /** Says, as metrics, how many histograms are kept and how many were counted. */
    void register(MeterRegistry metrics) {
        Gauge.builder("spejl.spoke.index.kept.histograms", this, SegmentHistograms::size)
                .description("Base queries' facet histograms kept over the index's large segments, for searches at later revisions")
                .register(metrics);
        FunctionCounter.builder("spejl.spoke.index.histograms.counted", this, SegmentHistograms::counted)
                .description("Base queries' facet histograms counted over a large segment (every other search over it took a kept one)")
                .register(metrics);
    }

    /** How many histograms are kept now, and how many were counted in all. */
    synchronized int size() {
        return histograms.size();
    }

    synchronized long counted() {
        return counted;
    }

    private synchronized void dropSegment(Object core) {
        watched.remove(core);
        for (Iterator<Map.Entry<Key, int[]>> it = histograms.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, int[]> e = it.next();
            if (e.getKey().core() == core) {
                ints -= e.getValue().length;
                it.remove();
            }
        }
    }

    private void trim() {
        Iterator<Map.Entry<Key, int[]>> eldest = histograms.entrySet().iterator();
        while ((ints > budgetInts || histograms.size() > maxEntries) && eldest.hasNext()) {
            ints -= eldest.next().getValue().length;
            eldest.remove();
        }
    }
}
