package dk.spejl.spoke.search;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaView;
import dk.spejl.wire.Record;
import org.apache.lucene.facet.DrillSideways;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.Facets;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
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
import org.apache.lucene.search.TotalHits;
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
    public record Lineage(long revision, Optional<Record> record, Optional<List<String>> derivatives) {
    }

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
        Sort sort = query.sort().lucene();
        boolean scores = query.sort().key() == SearchQuery.SortKey.RELEVANCE;
        TopDocs hits;
        Counted counts;
        if (view.facetState() == null) {
            // No record has a facet value: the revision holds no records at all.
            return new Page(view.revision(), view.publishedAt(), List.of(), 0, true, facets(null), Optional.empty());
        }
        String selection = query.selection();
        Counted known = view.counted(selection);
        if (query.matchesAll()) {
            // Every record of the revision: its facets are counted once per revision, its total is the document count.
            hits = searcher.searchAfter(after, query.base(), query.limit() + 1, sort, scores);
            if (known == null) {
                synchronized (view) {
                    known = view.counted(selection);
                    if (known == null) {
                        FacetsCollector all = searcher.search(new MatchAllDocsQuery(), new FacetsCollectorManager());
                        known = new Counted(view.documents(), true, facets(new SortedSetDocValuesFacetCounts(view.facetState(), all)));
                        view.count(selection, known);
                    }
                }
            }
            counts = known;
        } else if (known != null) {
            // Counted at this revision already (a revision's counts never change): only the page is searched for.
            hits = searcher.searchAfter(after, query.drillDown(), query.limit() + 1, sort, scores);
            counts = known;
        } else {
            DrillSideways.DrillSidewaysResult result = new DrillSideways(searcher, RecordDocuments.FACETS, view.facetState())
                    .search(query.drillDown(), null, after, query.limit() + 1, sort, scores);
            hits = result.hits;
            counts = new Counted(hits.totalHits.value, hits.totalHits.relation == TotalHits.Relation.EQUAL_TO, facets(result.facets));
        }
        if (known == null) {
            view.count(selection, counts);
        }
        // One hit more than the page is asked for, to know whether there is a next page.
        int shown = Math.min(hits.scoreDocs.length, query.limit());
        List<Record> records = new ArrayList<>(shown);
        for (int i = 0; i < shown; i++) {
            records.add(record(view, idOf(searcher, hits.scoreDocs[i].doc)));
        }
        Optional<String> next = Optional.empty();
        if (hits.scoreDocs.length > query.limit()) {
            FieldDoc last = (FieldDoc) hits.scoreDocs[shown - 1];
            held.retain(view);
            next = Optional.of(cursors.encode(new Cursors.Position(view.revision(), query.fingerprint(), last)));
        }
        return new Page(view.revision(), view.publishedAt(), records, counts.total(), counts.exact(), counts.facets(), next);
    }

    private static Map<String, List<FacetValue>> facets(Facets facets) throws IOException {
        Map<String, List<FacetValue>> out = new LinkedHashMap<>();
        for (String dimension : RecordDocuments.names()) {
            List<FacetValue> values = new ArrayList<>();
            FacetResult result;
            try {
                result = facets == null ? null : facets.getAllChildren(dimension);
            } catch (IllegalArgumentException noSuchValueYet) {
                result = null; // no record of the revision has a value in this field
            }
            if (result != null) {
                for (LabelAndValue lv : result.labelValues) {
                    if (lv.value.longValue() > 0) {
                        values.add(new FacetValue(lv.label, lv.value.longValue()));
                    }
                }
            }
            values.sort((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.value().compareTo(b.value()));
            out.put(dimension, values);
        }
        return out;
    }

    /** A subject's records at the revision searched. */
    public Subject subject(String pseudonym) throws NotReady {
        SearchView view = current();
        try {
            List<Record> records = new ArrayList<>();
            IndexSearcher searcher = view.searcher();
            TopDocs hits = searcher.search(new TermQuery(new Term(RecordDocuments.SUBJECT, pseudonym)), SUBJECT_RECORDS,
                    new Sort(new org.apache.lucene.search.SortField(RecordDocuments.ID, org.apache.lucene.search.SortField.Type.STRING)));
            for (ScoreDoc hit : hits.scoreDocs) {
                records.add(record(view, idOf(searcher, hit.doc)));
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
            List<String> derivatives = new ArrayList<>();
            for (ScoreDoc hit : hits.scoreDocs) {
                derivatives.add(idOf(searcher, hit.doc));
            }
            return Optional.of(new Lineage(view.revision(), Optional.of(parse(canonical)), Optional.of(derivatives)));
        } finally {
            view.release();
        }
    }

    /** How many records, samples and subjects {@code query} selects. */
    public Counts counts(SearchQuery query) throws NotReady {
        SearchView view = current();
        try {
            Query q = query.filters().isEmpty() ? query.base() : query.drillDown();
            Set<BytesRef> samples = new HashSet<>();
            Set<BytesRef> subjects = new HashSet<>();
            long[] records = {0};
            view.searcher().search(q, new SimpleCollector() {
                private SortedDocValues sample;
                private SortedDocValues subject;

                @Override
                protected void doSetNextReader(LeafReaderContext context) throws IOException {
                    sample = context.reader().getSortedDocValues(RecordDocuments.SAMPLE);
                    subject = context.reader().getSortedDocValues(RecordDocuments.SUBJECT);
                }

                @Override
                public void collect(int doc) throws IOException {
                    records[0]++;
                    if (sample != null && sample.advanceExact(doc)) {
                        samples.add(BytesRef.deepCopyOf(sample.lookupOrd(sample.ordValue())));
                    }
                    if (subject != null && subject.advanceExact(doc)) {
                        subjects.add(BytesRef.deepCopyOf(subject.lookupOrd(subject.ordValue())));
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

    /** A hit's record id, from the id's doc values (nothing is stored in the index but what it searches by). */
    static String idOf(IndexSearcher searcher, int doc) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(doc, leaves));
        SortedDocValues ids = leaf.reader().getSortedDocValues(RecordDocuments.ID);
        if (ids == null || !ids.advanceExact(doc - leaf.docBase)) {
            throw new IllegalStateException("document " + doc + " of the index has no record id");
        }
        return ids.lookupOrd(ids.ordValue()).utf8ToString();
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
