package dk.spejl.hub.publish;

import dk.spejl.digest.LtHash;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.RecordStore;
import dk.spejl.wire.ObjectRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the publisher does beside publishing, on one thread at the lowest priority: routine snapshots
 * and garbage collection. It never takes the publish lock: a publish waiting for a thread the
 * scheduler hardly runs would stall for tens of milliseconds. A finished snapshot is handed over
 * through {@link #takeFinished()}, and the next manifest names it.
 */
final class BackgroundWork {
    private static final Logger log = LoggerFactory.getLogger(BackgroundWork.class);

    /** A snapshot written and recorded that no manifest names yet. */
    record Finished(long revision, ObjectRef index, long bytes) {
    }

    private final String hubId;
    private final CatalogueStore store;
    private final ObjectStore objects;
    private final Path scratch;
    private final GarbageCollector gc;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            BackgroundPriority.lowerCurrentThread();
            r.run();
        }, "hub-snapshot");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Finished> finished = new AtomicReference<>();
    private volatile boolean snapshotRunning;
    private volatile boolean abandoning;

    BackgroundWork(String hubId, CatalogueStore store, ObjectStore objects, Path scratch, GarbageCollector gc) {
        this.hubId = hubId;
        this.store = store;
        this.objects = objects;
        this.scratch = scratch;
        this.gc = gc;
    }

    boolean snapshotRunning() {
        return snapshotRunning;
    }

    /** The snapshot finished since the last call, if any. */
    Optional<Finished> takeFinished() {
        return Optional.ofNullable(finished.getAndSet(null));
    }

    /**
     * Writes the snapshot of {@code revision} from {@code stored}, a consistent view the caller took
     * under the publish lock, while publishing goes on; closes the view when done.
     */
    void snapshot(long revision, LtHash lattice, long entryCount, RecordStore.RecordCursor stored) {
        snapshotRunning = true;
        thread.execute(() -> {
            long started = System.nanoTime();
            try {
                ObjectRef index = SnapshotWriter.write(objects, scratch, hubId, revision, lattice, entryCount, stored, new TreeMap<>(), Set.of(),
                        () -> abandoning);
                store.snapshots().record(revision, index);
                finished.set(new Finished(revision, index, SnapshotWriter.chunkBytes(objects, index)));
                log.info("snapshot of revision {} written in the background: {} entries in {} ms; the next manifest names it",
                        revision, entryCount, (System.nanoTime() - started) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                log.warn("snapshot of revision {} not written: {}", revision, e.toString());
            } finally {
                stored.close();
                snapshotRunning = false;
            }
        });
    }

    /** Collects what the snapshot the head names replaces; see {@link GarbageCollector}. */
    void collect(long headSnapshotRevision) {
        thread.execute(() -> {
            if (abandoning) {
                return;
            }
            try {
                gc.collect(headSnapshotRevision);
            } catch (IOException | RuntimeException e) {
                log.warn("garbage collection failed: {}", e.toString());
            }
        });
    }

    /** False if work is still under way after {@code timeout}. */
    boolean await(Duration timeout) throws InterruptedException {
        try {
            thread.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A snapshot under way stops at its next chunk, and no collection starts. */
    void abandon() {
        abandoning = true;
    }

    /** Waits for the work under way to stop. */
    void close() {
        abandon();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("background snapshot work did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
