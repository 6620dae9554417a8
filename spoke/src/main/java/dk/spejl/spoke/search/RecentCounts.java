package dk.spejl.spoke.search;

import java.util.LinkedHashMap;

/**
 * A view's facet counts and totals by what each search selects (a revision's counts never change), the least
 * recently used going first. A few KB each: the current view keeps {@link #CURRENT}; a view that cursors still
 * page through, once a newer one is served, {@link #RETIRED}.
 */
final class RecentCounts {
    static final int CURRENT = 2048;
    static final int RETIRED = 32;

    private final LinkedHashMap<String, Search.Counted> counts = new LinkedHashMap<>(256, 0.75f, true);
    private int limit;

    RecentCounts() {
        this(CURRENT);
    }

    RecentCounts(int limit) {
        this.limit = limit;
    }

    synchronized Search.Counted get(String selection) {
        return counts.get(selection);
    }

    synchronized void put(String selection, Search.Counted counted) {
        counts.put(selection, counted);
        trim();
    }

    /** The same counts, for a view of the same revision (one published again over merged segments). */
    synchronized RecentCounts copy() {
        RecentCounts copy = new RecentCounts(CURRENT);
        copy.counts.putAll(counts);
        copy.trim();
        return copy;
    }

    /** Keeps only the {@link #RETIRED} most recently used from now on. */
    synchronized void retire() {
        limit = Math.min(limit, RETIRED);
        trim();
    }

    synchronized int size() {
        return counts.size();
    }

    private void trim() {
        for (var eldest = counts.entrySet().iterator(); counts.size() > limit && eldest.hasNext(); ) {
            eldest.next();
            eldest.remove();
        }
    }
}
