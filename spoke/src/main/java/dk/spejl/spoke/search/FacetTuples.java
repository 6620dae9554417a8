package dk.spejl.spoke.search;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The facet values of every record, as combinations (docs/design.md, "Search at the spoke"). A record's values
 * across the ten filter fields form one <em>tuple</em>; a catalogue of a million records has a few thousand
 * distinct ones, because units, formats, roles and references go together. Each segment of the index gets a
 * column, built once from the tuples' spellings in its doc values ({@link RecordDocuments#TUPLE}), that names
 * each document's tuple. A search's facet counts are
 * then a histogram of its hits over tuples, and drill-sideways counting runs over the histogram's few thousand
 * cells instead of over every hit and near miss (see {@link FacetCounts}).
 *
 * <p>Tuple and value numbers only grow, for the life of the index; readers see an immutable {@link Snapshot}.
 * Columns are built on the merge threads (Lucene's merged-segment warmer) and on the index's writer thread, and
 * dropped when their segment is closed.
 */
final class FacetTuples {
    static final int DIMENSIONS = RecordDocuments.DIMENSIONS.size();

    /** Tuple id → dimension → the value codes (ascending) a record of the tuple has in that dimension. */
    record Snapshot(int[][][] tuples, String[][] labels) {
        int size() {
            return tuples.length;
        }
    }

    private final List<Map<String, Integer>> codes = new ArrayList<>();
    private final List<List<String>> labels = new ArrayList<>();
    private final Map<Key, Integer> ids = new HashMap<>();
    private final List<int[][]> tuples = new ArrayList<>();
    private final Map<Object, int[]> columns = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot = new Snapshot(new int[0][][], new String[DIMENSIONS][0]);

    FacetTuples() {
        for (int d = 0; d < DIMENSIONS; d++) {
            codes.add(new HashMap<>());
            labels.add(new ArrayList<>());
        }
    }

    /** What searches read: every tuple and value numbered so far. */
    Snapshot snapshot() {
        return snapshot;
    }

    /** The tuple of each document of {@code leaf} (deleted ones included), built once per segment. */
    int[] column(LeafReader leaf) throws IOException {
        IndexReader.CacheHelper core = leaf.getCoreCacheHelper();
        int[] column = core == null ? null : columns.get(core.getKey());
        if (column != null) {
            return column;
        }
        column = build(leaf);
        if (core != null && columns.putIfAbsent(core.getKey(), column) == null) {
            core.addClosedListener(columns::remove);
        }
        return column;
    }

    /** How many segments have a column now: for tests that segments' columns go with them. */
    int columns() {
        return columns.size();
    }

    private int[] build(LeafReader leaf) throws IOException {
        int[] column = new int[leaf.maxDoc()];
        SortedDocValues spelt = leaf.getSortedDocValues(RecordDocuments.TUPLE);
        int none;
        int[] tupleOf = new int[spelt == null ? 0 : spelt.getValueCount()];
        synchronized (this) {
            // The segment's few thousand spellings are numbered under the lock; its documents are read outside it.
            none = intern(new int[DIMENSIONS][0]);
            for (int ord = 0; ord < tupleOf.length; ord++) {
                tupleOf[ord] = intern(tuple(RecordDocuments.parseTuple(spelt.lookupOrd(ord).utf8ToString())));
            }
            publishSnapshot();
        }
        Arrays.fill(column, none);
        if (spelt != null) {
            for (int doc = spelt.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = spelt.nextDoc()) {
                column[doc] = tupleOf[spelt.ordValue()];
            }
        }
        return column;
    }

    private int[][] tuple(List<List<String>> values) {
        if (values.size() != DIMENSIONS) {
            throw new IllegalStateException("a facet tuple of " + values.size() + " fields, not " + DIMENSIONS);
        }
        int[][] tuple = new int[DIMENSIONS][];
        for (int d = 0; d < DIMENSIONS; d++) {
            List<String> field = values.get(d);
            tuple[d] = new int[field.size()];
            for (int i = 0; i < tuple[d].length; i++) {
                tuple[d][i] = code(d, field.get(i));
            }
            Arrays.sort(tuple[d]);
        }
        return tuple;
    }

    private int code(int dimension, String value) {
        Integer known = codes.get(dimension).get(value);
        if (known != null) {
            return known;
        }
        int code = labels.get(dimension).size();
        codes.get(dimension).put(value, code);
        labels.get(dimension).add(value);
        return code;
    }

    private int intern(int[][] tuple) {
        long[] flat = flatten(tuple);
        Key key = new Key(flat);
        Integer known = ids.get(key);
        if (known != null) {
            return known;
        }
        int id = tuples.size();
        ids.put(key, id);
        tuples.add(tuple);
        return id;
    }

    private static long[] flatten(int[][] tuple) {
        int n = 0;
        for (int[] values : tuple) {
            n += values.length + 1;
        }
        long[] flat = new long[n];
        int i = 0;
        for (int[] values : tuple) {
            flat[i++] = values.length;
            for (int v : values) {
                flat[i++] = v;
            }
        }
        return flat;
    }

    /** Called with this object's lock held, once a column is built: what it numbered becomes visible at once. */
    private void publishSnapshot() {
        if (snapshot.tuples().length == tuples.size() && sameLabels()) {
            return;
        }
        String[][] names = new String[DIMENSIONS][];
        for (int d = 0; d < DIMENSIONS; d++) {
            names[d] = labels.get(d).toArray(String[]::new);
        }
        snapshot = new Snapshot(tuples.toArray(int[][][]::new), names);
    }

    private boolean sameLabels() {
        for (int d = 0; d < DIMENSIONS; d++) {
            if (snapshot.labels()[d].length != labels.get(d).size()) {
                return false;
            }
        }
        return true;
    }

    private record Key(long[] ords) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ords, k.ords);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ords);
        }
    }
}
