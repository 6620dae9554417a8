package dk.spejl.spoke.sync;

import dk.spejl.digest.LtHash;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ChunkTable;
import dk.spejl.verify.TrustChain;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.ChunkRef;
import dk.spejl.wire.SnapshotIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builds a replica from a snapshot on the side: fetch the index and have the trust chain verify it
 * against the signed manifest, stream each chunk (an SST file) to disk, hashing it as it comes,
 * and check it against the index, and hand the lot to
 * {@link Replica#install}, which ingests them and switches the new replica in atomically. The manifest's
 * state digest is adopted, not recomputed: signed digests reach every chunk.
 */
final class Bootstrapper {
    private static final Logger log = LoggerFactory.getLogger(Bootstrapper.class);

    private final Replica replica;
    private final ObjectFetcher fetcher;
    private final Clock clock;
    private final int parallelism;

    Bootstrapper(Replica replica, ObjectFetcher fetcher, Clock clock, int parallelism) {
        this.replica = replica;
        this.fetcher = fetcher;
        this.clock = clock;
        this.parallelism = parallelism;
    }

    void bootstrap(TrustChain.Next manifest, TrustChain chain) throws VerificationException, IOException, InterruptedException {
        long started = System.nanoTime();
        // 1. The index is the object the signed manifest names, and its lattice is the signed state.
        SnapshotIndex index = chain.snapshotIndex(manifest, fetcher.fetch(manifest.manifest().snapshotIndex()));
        Path build = replica.newBuildDir(manifest.revision());
        long fetched;
        try {
            fetched = build(manifest, index, build);
        } catch (VerificationException | IOException | InterruptedException | RuntimeException e) {
            replica.abandonBuild(build);
            throw e;
        }
        long done = System.nanoTime();
        log.info("bootstrapped revision {} from snapshot: {} records in {} chunks, {} ms ({} ms fetching and checking, {} ms installing)",
                manifest.revision(), index.getEntryCount(), index.getChunksCount(), (done - started) / 1_000_000,
                (fetched - started) / 1_000_000, (done - fetched) / 1_000_000);
    }

    /** Steps 2 and 3 in {@code build}; returns when (System.nanoTime) the fetching and checking ended. */
    private long build(TrustChain.Next manifest, SnapshotIndex index, Path build)
            throws VerificationException, IOException, InterruptedException {
        // 2. Each chunk is the object the index names, in id order; each becomes one SST file.
        List<Path> files = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "spoke-bootstrap");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Path>> written = new ArrayList<>();
            for (int i = 0; i < index.getChunksCount(); i++) {
                ChunkRef ref = index.getChunks(i);
                Path file = build.resolve(String.format("chunk-%06d.sst", i));
                written.add(pool.submit(() -> {
                    // The fetch checks the digest the signed index names; the table check, that it is the table the index describes.
                    fetcher.fetchTo(ref.getObject(), file);
                    ChunkTable.check(file, ref);
                    return file;
                }));
            }
            for (Future<Path> f : written) {
                files.add(f.get());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof VerificationException v) {
                throw v;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("bootstrap failed: " + e.getCause(), e.getCause());
        } finally {
            // A chunk still being written must not land in a build directory that a failure is about to delete.
            pool.shutdownNow();
            if (!pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("chunk fetches of revision {} did not stop within 30 s; the build directory may be deleted under them",
                        manifest.revision());
            }
        }
        // 3. Switch the new replica in; until this returns, the old one is what is served.
        long fetched = System.nanoTime();
        replica.install(build, files, manifest.manifest(), LtHash.fromBytes(index.getLattice().toByteArray()), manifest.key(), clock.instant());
        return fetched;
    }
}
