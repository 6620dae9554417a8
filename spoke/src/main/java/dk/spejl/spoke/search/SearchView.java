package dk.spejl.spoke.search;

import dk.spejl.spoke.replica.ReplicaView;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One revision, exactly: a searcher over the index at revision N, the replica's view at N that the
 * hits' records are read from, and N itself (docs/design.md, "Search at the spoke"). Only the index's
 * writer thread makes one, after it has applied all of N; requests, and cursors that page through N,
 * hold a reference. The last release closes the reader and the replica's view.
 */
public final class SearchView {
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final SortedSetDocValuesReaderState facetState;
    private final ReplicaView records;
    private final Instant publishedAt;
    /** The index's writer holds one reference while this is the current view. */
    private final AtomicInteger refs = new AtomicInteger(1);
    /** Facet counts and totals of searches at this revision, by what they select: a revision's counts never change. */
    private final java.util.Map<String, Search.Counted> counted = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int COUNTED = 512;

    SearchView(DirectoryReader reader, ReplicaView records, Instant publishedAt) throws IOException {
        this.reader = reader;
        this.searcher = new IndexSearcher(reader);
        this.searcher.setQueryCache(null); // a view lives for one revision; caching its queries pays back rarely
        // An index with no records (an empty catalogue, or every record deleted) has no facet field to read.
        org.apache.lucene.index.FieldInfo facets = org.apache.lucene.index.FieldInfos.getMergedFieldInfos(reader)
                .fieldInfo(FacetsConfig.DEFAULT_INDEX_FIELD_NAME);
        this.facetState = facets != null && facets.getDocValuesType() == org.apache.lucene.index.DocValuesType.SORTED_SET
                ? new DefaultSortedSetDocValuesReaderState(reader, RecordDocuments.FACETS) : null;
        this.records = records;
        this.publishedAt = publishedAt;
    }

    DirectoryReader reader() {
        return reader;
    }

    public long revision() {
        return records.revision();
    }

    public ReplicaView records() {
        return records;
    }

    public IndexSearcher searcher() {
        return searcher;
    }

    /** The facets' ordinals, or null when no record of the revision has a facet value. */
    SortedSetDocValuesReaderState facetState() {
        return facetState;
    }

    /** When the writer published it. */
    public Instant publishedAt() {
        return publishedAt;
    }

    public int documents() {
        return reader.numDocs();
    }

    /** The counts of a search that selects {@code selection}, if one was counted at this revision. */
    Search.Counted counted(String selection) {
        return counted.get(selection);
    }

    void count(String selection, Search.Counted counts) {
        if (counted.size() >= COUNTED) {
            counted.clear(); // a bounded cache; the next searches count again
        }
        counted.put(selection, counts);
    }

    /** Takes a reference, unless the view has been released for good. */
    boolean tryAcquire() {
        for (int n = refs.get(); n > 0; n = refs.get()) {
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    public void release() {
        if (refs.decrementAndGet() == 0) {
            try {
                reader.decRef();
            } catch (IOException e) {
                // a reader that fails to close has nothing left to give; its files go with the next commit
            } finally {
                records.close();
            }
        }
    }
}
