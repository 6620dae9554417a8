package dk.spejl.spoke.search;

import dk.spejl.spoke.replica.ReplicaView;
import dk.spejl.wire.Record;
import org.apache.lucene.index.IndexWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Adds every record of a replica's view to an index writer, in batches on one thread per core (the writer takes
 * documents from several threads at once), while the calling thread reads the view in id order.
 */
final class IndexBuild {
    private static final int BATCH = 1_000;

    private IndexBuild() {
    }

    /**
     * @param indexed  told the running count after each batch
     * @param stopping checked before each record; when it says so, the build ends with an exception
     * @return how many records were added
     */
    static long addAll(IndexWriter writer, ReplicaView view, LongConsumer indexed, BooleanSupplier stopping, RuntimeException stop)
            throws IOException {
        AtomicLong done = new AtomicLong();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "spoke-index-build");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(threads * 2);
        List<Future<?>> futures = new ArrayList<>();
        try {
            List<byte[]> batch = new ArrayList<>(BATCH);
            view.forEach((id, canonical) -> {
                if (stopping.getAsBoolean()) {
                    throw stop;
                }
                batch.add(canonical);
                if (batch.size() == BATCH) {
                    futures.add(submit(pool, inFlight, writer, List.copyOf(batch), done, indexed));
                    batch.clear();
                }
            });
            if (!batch.isEmpty()) {
                futures.add(submit(pool, inFlight, writer, List.copyOf(batch), done, indexed));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the search index", e);
        } catch (ExecutionException e) {
            throw new IOException("building the search index failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS); // no addDocument may run on after the build is given up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return done.get();
    }

    private static Future<?> submit(ExecutorService pool, Semaphore inFlight, IndexWriter writer, List<byte[]> batch, AtomicLong done,
                                    LongConsumer indexed) {
        inFlight.acquireUninterruptibly();
        return pool.submit(() -> {
            try {
                for (byte[] canonical : batch) {
                    writer.addDocument(RecordDocuments.document(Record.parseFrom(canonical)));
                }
                indexed.accept(done.addAndGet(batch.size()));
                return null;
            } finally {
                inFlight.release();
            }
        });
    }
}
