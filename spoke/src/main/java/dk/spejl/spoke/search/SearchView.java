package dk.spejl.spoke.search;

import dk.spejl.spoke.replica.ReplicaView;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
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
    /** Each segment's column of facet tuples, by the segment's place among the reader's leaves. */
    private final int[][] columns;
    private final FacetTuples.Snapshot tuples;
    private final SegmentHistograms histograms;
    /** Each kept segment's deleted documents at this revision, in order, listed by the first search that needs them. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<int[]> deleted;
    /** The histogram of every live record over tuples, counted by the first search that needs it. */
    private volatile long[] all;
    private final ReplicaView records;
    private final Instant publishedAt;
    /** The index's writer holds one reference while this is the current view. */
    private final AtomicInteger refs = new AtomicInteger(1);
    /** Facet counts and totals of searches at this revision, by what they select: a revision's counts never change. */
    private final RecentlyUsed<Search.Counted> counted;
    /**
     * The hits of first pages at this revision, by what they select, their order and limit: a revision's first page
     * never changes, and the pages clinicians open most (every search form's first answer, a popular filter) are
     * searched for once. Doc ids are this reader's own, so a view over merged segments starts without them.
     */
    private final RecentlyUsed<org.apache.lucene.search.TopDocs> firstPages = RecentlyUsed.pages();

    /**
     * @param previous the view this one follows, and {@code changed} the ids of every record whose document the writer
     *                 touched since: the whole revision's histogram is then moved by those records rather than counted
     *                 anew. Both null after a rebuild.
     */
    SearchView(DirectoryReader reader, FacetTuples facets, SegmentHistograms histograms, ReplicaView records, Instant publishedAt,
               SearchView previous, java.util.Collection<String> changed) throws IOException {
        this.reader = reader;
        this.histograms = histograms;
        this.searcher = new IndexSearcher(reader);
        this.searcher.setQueryCache(null); // a view lives for one revision; caching its queries pays back rarely
        this.columns = new int[reader.leaves().size()][];
        this.deleted = new java.util.concurrent.atomic.AtomicReferenceArray<>(reader.leaves().size());
        for (LeafReaderContext leaf : reader.leaves()) {
            columns[leaf.ord] = facets.column(leaf.reader());
        }
        this.tuples = facets.snapshot(); // after the columns: it numbers every tuple they name
        this.records = records;
        this.publishedAt = publishedAt;
        // The same revision published again (over merged segments) has the same counts.
        this.counted = previous != null && previous.revision() == records.revision() ? previous.counted.copy() : RecentlyUsed.counts();
        long[] before = previous == null || changed == null ? null : previous.all;
        if (before != null) {
            long[] moved = java.util.Arrays.copyOf(before, tuples.size());
            for (String id : changed) {
                int was = previous.tupleOf(id);
                if (was >= 0) {
                    moved[was]--;
                }
                int is = tupleOf(id);
                if (is >= 0) {
                    moved[is]++;
                }
            }
            this.all = moved;
        }
    }

    /** The tuple of record {@code id}'s live document, or −1 when the view has none. */
    private int tupleOf(String id) throws IOException {
        org.apache.lucene.util.BytesRef term = new org.apache.lucene.util.BytesRef(id);
        for (LeafReaderContext leaf : reader.leaves()) {
            org.apache.lucene.index.Terms terms = leaf.reader().terms(RecordDocuments.ID);
            if (terms == null) {
                continue;
            }
            org.apache.lucene.index.TermsEnum ids = terms.iterator();
            if (!ids.seekExact(term)) {
                continue;
            }
            org.apache.lucene.index.PostingsEnum docs = ids.postings(null, org.apache.lucene.index.PostingsEnum.NONE);
            org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
            for (int doc = docs.nextDoc(); doc != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                if (live == null || live.get(doc)) {
                    return columns[leaf.ord][doc];
                }
            }
        }
        return -1;
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

    FacetTuples.Snapshot tuples() {
        return tuples;
    }

    /** The facet tuple of each document of the reader's leaf {@code ord}. */
    int[] column(int ord) {
        return columns[ord];
    }

    SegmentHistograms histograms() {
        return histograms;
    }

    /** The deleted documents of the reader's leaf {@code ord}, ascending. */
    int[] deleted(int ord) {
        int[] listed = deleted.get(ord);
        if (listed == null) {
            listed = FacetCounts.deletedDocs(reader.leaves().get(ord).reader());
            deleted.set(ord, listed); // racing searches list the same documents
        }
        return listed;
    }

    /** How many live records of the revision have each tuple, counted once. */
    long[] all() {
        long[] counted = all;
        if (counted == null) {
            synchronized (this) {
                counted = all;
                if (counted == null) {
                    all = counted = FacetCounts.all(this);
                }
            }
        }
        return counted;
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
        counted.put(selection, counts);
    }

    /**
     * The hits of the first page {@code page} (what it selects, its order and its limit) at this revision: those kept,
     * or {@code search}'s, then kept. Racing searches for one page may both search; they find the same hits.
     */
    org.apache.lucene.search.TopDocs firstPage(String page, org.apache.lucene.util.IOSupplier<org.apache.lucene.search.TopDocs> search)
            throws IOException {
        org.apache.lucene.search.TopDocs hits = firstPages.get(page);
        if (hits == null) {
            hits = search.get();
            firstPages.put(page, hits);
        }
        return hits;
    }

    /**
     * This view is no longer the current one: it keeps only the counts its cursors are likely to page with, and
     * no first pages (a first page is always searched in the current view).
     */
    void retire() {
        counted.retire();
        firstPages.retire();
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
