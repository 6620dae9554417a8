package dk.spejl.spoke.search;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaView;
import dk.spejl.wire.Record;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopScoreDocCollectorManager;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the search API asks of the index, each answer read from one {@link SearchView}: the hits'
 * records from its replica view, so that a response is never ahead of or behind the revision it reports.
 */
public final class Search {
    /** How long a revision stays searchable for the cursors made at it, from the last page given out. */
    public static final Duration CURSOR_LIFETIME = CursorViews.LIFETIME;
    /** A subject's records beyond this many are not listed (no subject has nearly so many files). */
    static final int SUBJECT_RECORDS = 2_000;
    static final int DERIVATIVES = 500;

    private final SearchIndex index;
    private final Cursors cursors;
    private final CursorViews held;

    /** The index is being built: what to tell the client. */
    public static final class NotReady extends Exception {
        private final SearchIndex.Progress progress;

        NotReady(SearchIndex.Progress progress) {
            super("the search index is being built");
            this.progress = progress;
        }

        public SearchIndex.Progress progress() {
            return progress;
        }
    }

    /** A cursor whose revision is no longer held: restart the search. */
    public static final class Gone extends Exception {
        Gone(String message) {
            super(message);
        }
    }

    /** One facet value and how many records of the search have it. */
    public record FacetValue(String value, long count) {
    }

    /** A page of hits: their records, in order, the total, every field's facets, and the cursor to the next page. */
    public record Page(long revision, Instant indexedAt, List<Record> hits, long total, boolean totalExact,
                       Map<String, List<FacetValue>> facets, Optional<String> next) {
    }

    /** A subject's records at one revision (none when the revision holds none). */
    public record Subject(long revision, List<Record> records) {
    }

    /**
     * One record at one revision (empty when the revision does not hold it), and the records that name it in their
     * {@code derived_from}, or empty when the index cannot say yet.
     */
    public record Lineage(long revision, Optional<Record> record, Optional<List<String>> derivatives, Map<String, Record> related) {
        Lineage(long revision, Optional<Record> record, Optional<List<String>> derivatives) {
            this(revision, record, derivatives, Map.of());
        }
    }

    /** How far up {@code derived_from} a page's lineage goes (FASTQ → CRAM → VCF is two steps), and how many records it shows. */
    static final int LINEAGE_DEPTH = 4;
    static final int LINEAGE_RECORDS = 64;

    /** How many records, samples and subjects a search selects. */
    public record Counts(long revision, long records, long samples, long subjects) {
    }

    /** What a search at one revision selects, counted once: its total and every field's facets. */
    record Counted(long total, boolean exact, Map<String, List<FacetValue>> facets) {
    }

    public Search(SearchIndex index, Path cursorKey, Clock clock) throws IOException {
        this.index = index;
        this.cursors = Cursors.keyIn(cursorKey);
        this.held = new CursorViews(clock);
    }

    public SearchIndex index() {
        return index;
    }

    public Page records(SearchQuery query) throws NotReady, Gone, SearchQuery.BadQuery {
        Cursors.Position position = null;
        if (query.cursor().isPresent()) {
            try {
                position = cursors.decode(query.cursor().get());
            } catch (Cursors.BadCursor e) {
                throw new SearchQuery.BadQuery("cursor", e.getMessage());
            }
            if (!Arrays.equals(position.fingerprint(), query.fingerprint())) {
                throw new SearchQuery.BadQuery("cursor", "made for another search; give the cursor with the same q, filters, ranges and sort");
            }
        }
        SearchView view = position == null ? current() : cursorView(position.revision());
        try {
            return page(view, query, position == null ? null : position.after());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            view.release();
        }
    }

    private Page page(SearchView view, SearchQuery query, FieldDoc after) throws IOException {
        IndexSearcher searcher = view.searcher();
        boolean scores = query.sort().key() == SearchQuery.SortKey.RELEVANCE;
        if (view.documents() == 0) {
            // The revision holds no records at all.
            return new Page(view.revision(), view.publishedAt(), List.of(), 0, true, FacetCounts.sideways(new long[0],
                    view.tuples(), Map.of()).facets(), Optional.empty());
        }
        // The counts of a selection are counted once per revision (a revision's counts never change), and a first
        // page's hits are searched for once; records are read from the view's replica snapshot for every answer.
        String selection = query.selection();
        Counted counts = view.counted(selection);
        if (counts == null) {
            long[] histogram = query.hasBase() ? FacetCounts.of(view, query.base()) : view.all();
            counts = FacetCounts.sideways(histogram, view.tuples(), query.filters());
            view.count(selection, counts);
        }
        // By relevance, ties go by index order, as Lucene's own top-hits search breaks them: it can then skip every
        // block of hits that cannot beat the page's last score, where a tie-break by id would have to visit them all.
        // The order is stable for as long as a cursor pages through the revision, which is the view's.
        // The total is known from the counts, so the top hits need count no more hits than they keep: every hit past
        // that which cannot make the page may be skipped. The index is sorted newest first (the default order), so
        // pages in that order end in each segment as soon as they are full.
        int wanted = query.limit() + 1;
        org.apache.lucene.util.IOSupplier<TopDocs> searching = () -> scores
                ? searcher.search(query.filtered(), new TopScoreDocCollectorManager(wanted, after, wanted))
                : searcher.search(query.filtered(), new TopFieldCollectorManager(query.sort().lucene(), wanted, after, wanted));
        // A first page is searched for once per revision (the view keeps its hits); pages after a cursor each time.
        TopDocs hits = after == null ? view.firstPage(selection + query.sort() + '\n' + query.limit(), searching) : searching.get();
        // One hit more than the page is asked for, to know whether there is a next page.
        int shown = Math.min(hits.scoreDocs.length, query.limit());
        List<Record> records = new ArrayList<>(shown);
        for (String id : idsOf(searcher, docs(hits, shown))) {
            records.add(record(view, id));
        }
        Optional<String> next = Optional.empty();
        if (hits.scoreDocs.length > query.limit()) {
            ScoreDoc at = hits.scoreDocs[shown - 1];
            FieldDoc last = at instanceof FieldDoc field ? field : new FieldDoc(at.doc, at.score, new Object[0]);
            held.retain(view);
            next = Optional.of(cursors.encode(new Cursors.Position(view.revision(), query.fingerprint(), last)));
        }
        return new Page(view.revision(), view.publishedAt(), records, counts.total(), counts.exact(), counts.facets(), next);
    }

    /** A subject's records at the revision searched. */
    public Subject subject(String pseudonym) throws NotReady {
        SearchView view = current();
        try {
            List<Record> records = new ArrayList<>();
            IndexSearcher searcher = view.searcher();
            TopDocs hits = searcher.search(new TermQuery(new Term(RecordDocuments.SUBJECT, pseudonym)), SUBJECT_RECORDS,
                    new Sort(new org.apache.lucene.search.SortField(RecordDocuments.ID, org.apache.lucene.search.SortField.Type.STRING)));
            for (String id : idsOf(searcher, docs(hits, hits.scoreDocs.length))) {
                records.add(record(view, id));
            }
            return new Subject(view.revision(), records);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            view.release();
        }
    }

    /**
     * A record and what derives from it. Never waits for the index: while it is built, the record is read from the
     * replica alone and the derivatives are left out.
     */
    public Optional<Lineage> record(String id, Replica replica) throws IOException {
        return record(id, replica, false);
    }

    /**
     * @param related whether to read, from the same revision, the records of its lineage: its ancestors up to
     *                {@link #LINEAGE_DEPTH} steps up {@code derived_from}, and its derivatives
     */
    public Optional<Lineage> record(String id, Replica replica, boolean related) throws IOException {
        Optional<SearchView> searchable = index.acquire();
        if (searchable.isEmpty()) {
            Optional<ReplicaView> taken = replica.view();
            if (taken.isEmpty()) {
                return Optional.empty(); // the replica holds no revision at all
            }
            try (ReplicaView view = taken.get()) {
                byte[] canonical = view.get(id);
                return Optional.of(new Lineage(view.revision(), Optional.ofNullable(canonical).map(Search::parse), Optional.empty()));
            }
        }
        SearchView view = searchable.get();
        try {
            byte[] canonical = view.records().get(id);
            if (canonical == null) {
                return Optional.of(new Lineage(view.revision(), Optional.empty(), Optional.empty()));
            }
            IndexSearcher searcher = view.searcher();
            TopDocs hits = searcher.search(new TermQuery(new Term(RecordDocuments.DERIVED_FROM, id)), DERIVATIVES,
                    new Sort(new org.apache.lucene.search.SortField(RecordDocuments.ID, org.apache.lucene.search.SortField.Type.STRING)));
            List<String> derivatives = new ArrayList<>(List.of(idsOf(searcher, docs(hits, hits.scoreDocs.length))));
            Record record = parse(canonical);
            return Optional.of(new Lineage(view.revision(), Optional.of(record), Optional.of(derivatives),
                    related ? related(view, record, derivatives) : Map.of()));
        } finally {
            view.release();
        }
    }

    /** The records of {@code record}'s lineage at the view's revision, by id: ancestors, then derivatives, as far as the bounds allow. */
    private static Map<String, Record> related(SearchView view, Record record, List<String> derivatives) throws IOException {
        Map<String, Record> related = new LinkedHashMap<>();
        List<String> level = record.getDerivedFromList();
        for (int depth = 0; depth < LINEAGE_DEPTH && !level.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String parent : level) {
                if (related.size() >= LINEAGE_RECORDS || related.containsKey(parent) || parent.equals(record.getId())) {
                    continue;
                }
                byte[] canonical = view.records().get(parent);
                if (canonical != null) {
                    Record r = parse(canonical);
                    related.put(parent, r);
                    next.addAll(r.getDerivedFromList());
                }
            }
            level = next;
        }
        for (String child : derivatives) {
            if (related.size() >= LINEAGE_RECORDS) {
                break;
            }
            byte[] canonical = view.records().get(child);
            if (canonical != null) {
                related.putIfAbsent(child, parse(canonical));
            }
        }
        return related;
    }

    /** How many records, samples and subjects {@code query} selects. */
    public Counts counts(SearchQuery query) throws NotReady {
        SearchView view = current();
        try {
            Query q = query.filtered();
            Set<BytesRef> samples = new HashSet<>();
            Set<BytesRef> subjects = new HashSet<>();
            long[] records = {0};
            view.searcher().search(q, new SimpleCollector() {
                private BinaryDocValues sample;
                private BinaryDocValues subject;

                @Override
                protected void doSetNextReader(LeafReaderContext context) throws IOException {
                    sample = context.reader().getBinaryDocValues(RecordDocuments.SAMPLE);
                    subject = context.reader().getBinaryDocValues(RecordDocuments.SUBJECT);
                }

                @Override
                public void collect(int doc) throws IOException {
                    records[0]++;
                    if (sample != null && sample.advanceExact(doc)) {
                        samples.add(BytesRef.deepCopyOf(sample.binaryValue()));
                    }
                    if (subject != null && subject.advanceExact(doc)) {
                        subjects.add(BytesRef.deepCopyOf(subject.binaryValue()));
                    }
                }

                @Override
                public ScoreMode scoreMode() {
                    return ScoreMode.COMPLETE_NO_SCORES;
                }
            });
            return new Counts(view.revision(), records[0], samples.size(), subjects.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            view.release();
        }
    }

    private SearchView current() throws NotReady {
        held.sweep();
        return index.acquire().orElseThrow(() -> new NotReady(index.progress()));
    }

    /** The view a cursor pages through, with a reference for the caller. */
    private SearchView cursorView(long revision) throws Gone {
        return held.acquire(revision).orElseThrow(() -> new Gone("the cursor pages through revision " + revision
                + ", which this spoke no longer holds for paging (cursors last " + CURSOR_LIFETIME.toMinutes()
                + " minutes); start the search again"));
    }

    /** Releases every view kept for cursors. */
    public void close() {
        held.close();
    }

    /**
     * The record ids of hits {@code docs}, in their order, from the id's binary doc values (nothing is stored in the
     * index but what it searches by): each segment's ids are read in one pass, in document order.
     */
    static String[] idsOf(IndexSearcher searcher, int[] docs) throws IOException {
        Integer[] order = new Integer[docs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(docs[a], docs[b]));
        String[] ids = new String[docs.length];
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = null;
        BinaryDocValues values = null;
        for (int i : order) {
            int doc = docs[i];
            if (leaf == null || doc >= leaf.docBase + leaf.reader().maxDoc()) {
                leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves));
                values = leaf.reader().getBinaryDocValues(RecordDocuments.ID_VALUE);
                if (values == null) {
                    throw new IllegalStateException("segment " + leaf.ord + " of the index has no record ids");
                }
            }
            if (!values.advanceExact(doc - leaf.docBase)) {
                throw new IllegalStateException("document " + doc + " of the index has no record id");
            }
            ids[i] = values.binaryValue().utf8ToString();
        }
        return ids;
    }

    /** The doc ids of the first {@code n} hits. */
    private static int[] docs(TopDocs hits, int n) {
        int[] docs = new int[n];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = hits.scoreDocs[i].doc;
        }
        return docs;
    }

    private static Record record(SearchView view, String id) {
        byte[] canonical = view.records().get(id);
        if (canonical == null) {
            // The index and the replica's view are of one revision: a hit the view does not hold is a bug, not a race.
            throw new IllegalStateException("record " + id + " is in the index at revision " + view.revision() + " but not in the replica");
        }
        return parse(canonical);
    }

    private static Record parse(byte[] canonical) {
        try {
            return Record.parseFrom(canonical);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored record does not parse", e);
        }
    }
}
