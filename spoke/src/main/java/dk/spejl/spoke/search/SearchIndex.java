package dk.spejl.spoke.search;

import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaView;
import dk.spejl.wire.Record;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The spoke's search index, derived from the replica and never ahead of or behind it (docs/design.md,
 * "Search at the spoke"). One writer thread applies all of revision N to the index after the replica
 * has committed it, refreshes the reader, and only then publishes a {@link SearchView} that pairs the
 * searcher with the replica's view at N. Nothing else refreshes the reader.
 *
 * <p>The index keeps the revision (and its manifest digest) it holds in its commit data. On start, an
 * index that holds the replica's revision is used as it is; any other is rebuilt from the replica,
 * since the replica keeps no history to catch up from. While it is built, searches answer 503 with the
 * progress; record look-ups never wait for it. A bootstrap of the replica rebuilds it too.
 */
public final class SearchIndex implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SearchIndex.class);
    private static final long COMMIT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Where the index stands: building (how far) or serving. */
    public record Progress(boolean building, long done, long total, long revision) {
    }

    private final Replica replica;
    private final org.apache.lucene.store.Directory directory;
    private final IndexWriter writer;
    /** Every record's facet values as tuples, and each segment's column of them: how facets are counted. */
    private final FacetTuples facets;
    /** Base queries' histograms over the large segments, kept across revisions: how searches at a new one count fast. */
    private final SegmentHistograms histograms = new SegmentHistograms();
    private final Clock clock;
    private final ChangeQueue changes = new ChangeQueue();
    private final AtomicReference<SearchView> current = new AtomicReference<>();
    private final Thread thread;
    private final Timer applyTimer;
    private final AtomicLong indexRevision = new AtomicLong(-1);
    private volatile Progress progress = new Progress(true, 0, 0, -1);
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Runnable beforeBuild = () -> { };
    private final List<java.util.function.LongConsumer> published = new java.util.concurrent.CopyOnWriteArrayList<>();

    // Writer thread only:
    private long indexedRevision;
    private byte[] indexedManifest;
    private DirectoryReader reader;
    /** Whether the index holds exactly {@link #indexedRevision}, so that the changes since can be applied to it. */
    private boolean usable;
    private boolean uncommitted;
    private long lastCommit = System.nanoTime();

    private final java.util.function.Consumer<Replica.Change> listener = changes::add;

    private SearchIndex(Path dir, Replica replica, MeterRegistry metrics, Clock clock, boolean create) throws IOException {
        this.replica = replica;
        this.facets = new FacetTuples();
        this.clock = clock;
        IndexStore.Opened opened = IndexStore.open(dir, facets, create);
        this.directory = opened.directory();
        this.writer = opened.writer();
        this.indexedRevision = opened.revision();
        this.indexedManifest = opened.manifest();
        this.applyTimer = Timer.builder("spejl.spoke.index.apply").description("Time to apply one revision to the search index and publish it")
                .publishPercentiles(0.5, 0.99).register(metrics);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_index_revision", indexRevision, AtomicLong::get)
                .description("the revision searches are answered at").register(metrics);
        io.micrometer.core.instrument.Gauge.builder("spejl.spoke.index.merging.segments", writer, w -> w.getMergingSegments().size())
                .description("Segments of the search index being merged in the background (searches are answered meanwhile)").register(metrics);
        histograms.register(metrics);
        io.micrometer.core.instrument.Gauge.builder("spejl.spoke.index.segments", current, c -> {
            SearchView view = c.get();
            return view == null ? 0 : view.reader().leaves().size();
        }).description("Segments that searches at the served revision read").register(metrics);
        this.thread = new Thread(this::run, "spoke-index");
        thread.setDaemon(true);
    }

    /** Opens (or creates) the index in {@code dir} for {@code replica}; {@link #start} begins following it. */
    public static SearchIndex open(Path dir, Replica replica, MeterRegistry metrics, Clock clock) throws IOException {
        return new SearchIndex(dir, replica, metrics, clock, false);
    }

    /** Runs {@code hook} on the writer thread before each build, once the progress says building: for tests of what a client sees meanwhile. */
    public void beforeBuild(Runnable hook) {
        this.beforeBuild = hook;
    }

    /** Tells {@code listener}, on the writer thread, of each revision as soon as searches are answered at it. */
    public void onPublished(java.util.function.LongConsumer listener) {
        published.add(listener);
    }

    /** Starts the writer thread, which catches up with the replica (or rebuilds) and then follows it. */
    public void start() {
        // Listening first: a change between the two steps makes the index look unusable, and it is rebuilt (never missed).
        replica.onChange(listener);
        usable = replica.state().map(s -> s.revision() == indexedRevision && java.util.Arrays.equals(indexedManifest, s.manifestDigest()))
                .orElse(false);
        if (usable) {
            log.info("search index holds revision {}, as the replica does; it follows the replica from there", indexedRevision);
            try {
                if (IndexStore.unmerged(directory)) {
                    IndexStore.mergeToOne(writer); // as a build (or `reindex`) left it
                }
            } catch (IOException e) {
                log.warn("could not read the search index's segments: {}; they are merged as Lucene's policy decides", e.toString());
            }
        }
        thread.start();
    }

    /** The view to search now, with a reference the caller releases; empty while the index is built. */
    public Optional<SearchView> acquire() {
        while (true) {
            SearchView view = current.get();
            if (view == null || progress.building()) {
                return Optional.empty();
            }
            if (view.tryAcquire()) {
                return Optional.of(view);
            }
        }
    }

    public Progress progress() {
        return progress;
    }

    /** The revision the index holds and serves, or −1. */
    public long revision() {
        return indexRevision.get();
    }

    /** Waits until searches are answered at {@code revision} or later. */
    public boolean awaitRevision(long revision, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (indexRevision.get() < revision || progress.building()) {
            if (System.nanoTime() > deadline || failure != null) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private void run() {
        long backoffMillis = 1_000;
        try {
            while (!closed) {
                if (!changes.await(1)) {
                    return;
                }
                try {
                    step();
                    // Merges are changes too: committed, a restart need not merge again.
                    if ((uncommitted || (usable && writer.hasUncommittedChanges())) && System.nanoTime() - lastCommit > COMMIT_EVERY_NANOS) {
                        commit();
                    }
                    if (failure != null) {
                        log.info("the search index is working again, at revision {}", indexedRevision);
                        failure = null;
                    }
                    backoffMillis = 1_000;
                } catch (ChangeQueue.Stopping stopping) {
                    return;
                } catch (IOException | RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    // Searches answer 503 meanwhile (record look-ups are unaffected); the next try rebuilds from the replica.
                    failure = e;
                    usable = false;
                    progress = new Progress(true, 0, 0, indexRevision.get());
                    log.error("the search index failed: {}; searches answer 503, and it is rebuilt from the replica in {} s",
                            e.toString(), backoffMillis / 1000, e);
                    Thread.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, 60_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why searches cannot be answered now, if they cannot: a failure being retried. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Brings the index to the replica's revision, if it is not there. */
    private void step() throws IOException, InterruptedException {
        if (usable && current.get() != null && replica.state().map(s -> s.revision() == indexedRevision).orElse(true)) {
            changes.appliedUpTo(indexedRevision);
            if (!reader.isCurrent()) {
                republish(); // a background merge has finished: searches go to its segment, and the merged ones can go
            }
            return;
        }
        Optional<ReplicaView> taken = replica.view();
        if (taken.isEmpty()) {
            return;
        }
        ReplicaView view = taken.get();
        long started = System.nanoTime();
        try {
            long target = view.revision();
            List<String> changed = List.of(); // what the published view differs in from the current one; null: anything
            if (!(usable && target == indexedRevision && java.util.Arrays.equals(indexedManifest, view.state().manifestDigest()))) {
                List<String> ids = usable ? changes.changesUpTo(indexedRevision, target) : null;
                changed = ids;
                if (ids == null) {
                    rebuild(view);
                } else {
                    for (String id : ids) {
                        byte[] canonical = view.get(id);
                        if (canonical == null) {
                            writer.deleteDocuments(new Term(RecordDocuments.ID, id));
                        } else {
                            writer.updateDocument(new Term(RecordDocuments.ID, id), RecordDocuments.document(Record.parseFrom(canonical)));
                        }
                    }
                }
                indexedRevision = target;
                indexedManifest = view.state().manifestDigest();
                uncommitted = true;
            }
            ReplicaView owned = view;
            view = null; // from here the view is publish's: it is the new search view's, or closed by publish if that fails
            publish(owned, started, changed, true);
        } finally {
            if (view != null) {
                view.close();
            }
        }
    }

    /** Publishes the revision the index serves once more, over the writer's segments as they are now. */
    private void republish() throws IOException {
        Optional<ReplicaView> taken = replica.view();
        if (taken.isEmpty()) {
            return;
        }
        if (taken.get().revision() != indexedRevision) {
            taken.get().close(); // a revision has come meanwhile: the next step applies it, and refreshes anyway
            return;
        }
        publish(taken.get(), System.nanoTime(), List.of(), false);
    }

    private void rebuild(ReplicaView view) throws IOException {
        long total = view.state().entryCount();
        long started = System.nanoTime();
        log.info("building the search index at revision {} from the replica: {} records", view.revision(), total);
        usable = false;
        progress = new Progress(true, 0, total, indexRevision.get());
        beforeBuild.run();
        writer.deleteAll();
        long done = IndexBuild.addAll(writer, view, n -> progress = new Progress(true, n, total, indexRevision.get()), () -> closed,
                new ChangeQueue.Stopping());
        if (done != total) {
            // A scan that ended early (a read error) must not pass for the whole revision.
            throw new IOException("indexed " + done + " records of revision " + view.revision() + ", which holds " + total);
        }
        indexedRevision = view.revision();
        indexedManifest = view.state().manifestDigest();
        usable = true;
        commit();
        IndexStore.mergeToOne(writer);
        log.info("search index built at revision {}: {} records in {} ms", view.revision(), done, (System.nanoTime() - started) / 1_000_000);
    }

    /** Refreshes the reader and publishes the view of {@code records}, which is the new search view's (or closed, if that fails). */
    private void publish(ReplicaView records, long started, List<String> changed, boolean announce) throws IOException {
        SearchView view;
        try {
            DirectoryReader next;
            if (reader == null) {
                next = DirectoryReader.open(writer);
            } else {
                next = DirectoryReader.openIfChanged(reader, writer);
                if (next == null) {
                    reader.incRef();
                    next = reader;
                }
            }
            try {
                view = new SearchView(next, facets, histograms, records, clock.instant(), current.get(), changed);
            } catch (IOException | RuntimeException e) {
                next.decRef();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            records.close();
            throw e;
        }
        reader = view.reader();
        SearchView old = current.getAndSet(view);
        indexRevision.set(view.revision());
        progress = new Progress(false, view.documents(), view.documents(), view.revision());
        if (old != null) {
            old.retire();
            old.release();
        }
        if (!announce) {
            return; // the same revision as before, over merged segments
        }
        applyTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        for (var listener : published) {
            try {
                listener.accept(view.revision());
            } catch (RuntimeException e) {
                log.warn("a search index listener failed at revision {}: {}", view.revision(), e.toString());
            }
        }
    }

    /** Whether the index is merging segments in the background, or has merges waiting to start. */
    public boolean merging() {
        return writer.hasPendingMerges() || !writer.getMergingSegments().isEmpty();
    }

    private void commit() throws IOException {
        IndexStore.commit(writer, indexedRevision, indexedManifest);
        uncommitted = false;
        lastCommit = System.nanoTime();
    }

    /**
     * Rebuilds the index in {@code dir} from the replica, with no spoke running: {@code spejl-spoke reindex}.
     * Returns the number of records indexed.
     */
    public static long reindex(Path dir, Replica replica) throws IOException {
        // An index a running spoke holds is locked: opening a writer on it fails, and nothing is changed.
        SearchIndex index = new SearchIndex(dir, replica, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), Clock.systemUTC(), true);
        try (ReplicaView view = replica.view().orElseThrow(() -> new IOException("the replica is empty: there is nothing to index"))) {
            index.rebuild(view); // fails unless every record of the revision was indexed
            return view.state().entryCount();
        } finally {
            index.closeWriter();
        }
    }

    @Override
    public void close() {
        closed = true;
        changes.stop();
        replica.removeChangeListener(listener);
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean stopped = !thread.isAlive();
        if (!stopped) {
            log.warn("the search index's writer did not stop within 60 s; its index is rebuilt at the next start");
        }
        SearchView view = current.getAndSet(null);
        try {
            if (stopped && failure == null && usable && thread.getState() != Thread.State.NEW && indexedRevision >= 0 && (uncommitted || writer.hasUncommittedChanges())) {
                commit(); // the next start finds the index at the revision the replica holds, and need not rebuild
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not commit the search index at revision {}: {}; it is rebuilt at the next start", indexedRevision, e.toString());
        } finally {
            if (view != null) {
                view.release();
            }
            closeWriter();
        }
    }

    private void closeWriter() {
        try {
            reader = null; // its references belong to the views, released by now
            writer.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
