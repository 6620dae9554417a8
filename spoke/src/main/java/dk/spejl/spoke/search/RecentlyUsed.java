package dk.spejl.spoke.search;

import java.util.LinkedHashMap;

/**
 * What a view has worked out once for its revision, by key, the least recently used going first: a revision's
 * answers never change. The current view keeps up to {@code current}; a view that cursors still page through,
 * once a newer one is served, {@code retired}.
 */
final class RecentlyUsed<V> {
    /** Facet counts and totals, a few KB each, by what a search selects. */
    static final int COUNTS = 2048;
    static final int COUNTS_RETIRED = 32;
    /**
     * First pages' hits (up to {@link SearchQuery#MAX_LIMIT} + 1 documents, about 8 KB at the default limit), by
     * what a search selects, its order and its limit. A retired view is asked only for the pages after a cursor.
     */
    static final int PAGES = 256;
    static final int PAGES_RETIRED = 0;

    private final LinkedHashMap<String, V> kept = new LinkedHashMap<>(256, 0.75f, true);
    private final int current;
    private final int retired;
    private int limit;

    RecentlyUsed(int current, int retired) {
        this.current = current;
        this.retired = retired;
        this.limit = current;
    }

    static <V> RecentlyUsed<V> counts() {
        return new RecentlyUsed<>(COUNTS, COUNTS_RETIRED);
    }

    static <V> RecentlyUsed<V> pages() {
        return new RecentlyUsed<>(PAGES, PAGES_RETIRED);
    }

    synchronized V get(String key) {
        return kept.get(key);
    }

    synchronized void put(String key, V value) {
        kept.put(key, value);
        trim();
    }

    /** The same entries, for a view of the same revision (one published again over merged segments). */
    synchronized RecentlyUsed<V> copy() {
        RecentlyUsed<V> copy = new RecentlyUsed<>(current, retired);
        copy.kept.putAll(kept);
        copy.trim();
        return copy;
    }

    /** Keeps only the {@code retired} most recently used from now on. */
    synchronized void retire() {
        limit = Math.min(limit, retired);
        trim();
    }

    synchronized int size() {
        return kept.size();
    }

    private void trim() {
        for (var eldest = kept.entrySet().iterator(); kept.size() > limit && eldest.hasNext(); ) {
            eldest.next();
            eldest.remove();
        }
    }
}
