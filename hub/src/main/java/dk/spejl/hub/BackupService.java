package dk.spejl.hub;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.BackupChunk;
import dk.spejl.wire.BackupFile;
import dk.spejl.wire.BackupRequest;
import dk.spejl.wire.BackupSummary;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The operators' {@code Admin.Backup} call: gathers a {@link Backup} and streams it, file after file, each closed by its
 * SHA-256, then the summary. It sends only as fast as the operator's end reads, on a thread of its own, one backup at a
 * time; the gathered copy is deleted when the stream ends, however it ends.
 */
final class BackupService implements AdminGrpc.AsyncService, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupService.class);
    private static final int CHUNK_BYTES = 1 << 20;

    private final Supplier<Backup.Parts> hub;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Held while a backup is gathered from the hub's databases, which must not close meanwhile; guards closed. */
    private final Object gathering = new Object();
    private boolean closed;

    BackupService(Supplier<Backup.Parts> hub) {
        this.hub = hub;
    }

    @Override
    public void backup(BackupRequest request, StreamObserver<BackupChunk> response) {
        ServerCallStreamObserver<BackupChunk> out = (ServerCallStreamObserver<BackupChunk>) response;
        if (!running.compareAndSet(false, true)) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("a backup is being taken already; try again when it is done").asRuntimeException());
            return;
        }
        Object ready = new Object();
        out.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        out.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        Thread sender = new Thread(() -> {
            try {
                send(out, ready);
            } finally {
                running.set(false);
            }
        }, "hub-backup");
        sender.setDaemon(true);
        sender.start();
    }

    private void send(ServerCallStreamObserver<BackupChunk> out, Object ready) {
        long started = System.nanoTime();
        try (Backup backup = gather()) {
            BackupSummary.Builder summary = backup.summary().toBuilder();
            long bytes = 0;
            for (Backup.Source source : backup.files()) {
                MessageDigest sha256 = Sha256.newDigest();
                long offset = 0;
                byte[] digest;
                try (InputStream in = Files.newInputStream(source.file())) {
                    byte[] buffer = new byte[CHUNK_BYTES];
                    while (true) {
                        // A file that ends on a chunk boundary gets an empty last chunk, which carries its digest.
                        int n = in.readNBytes(buffer, 0, buffer.length);
                        sha256.update(buffer, 0, n);
                        boolean last = n < buffer.length;
                        BackupChunk.Builder chunk = BackupChunk.newBuilder().setPath(source.path()).setOffset(offset)
                                .setData(ByteString.copyFrom(buffer, 0, n));
                        digest = last ? sha256.digest() : null;
                        if (last) {
                            chunk.setSha256(ByteString.copyFrom(digest));
                        }
                        if (!await(out, ready)) {
                            log.info("backup abandoned by the operator's end after {} bytes", bytes + offset);
                            return;
                        }
                        out.onNext(chunk.build());
                        offset += n;
                        if (last) {
                            break;
                        }
                    }
                }
                bytes += offset;
                summary.addFiles(BackupFile.newBuilder().setPath(source.path()).setSize(offset).setSha256(Sha256.hex(digest)));
            }
            summary.setBytes(bytes).setFileCount(backup.files().size());
            if (!await(out, ready)) {
                return;
            }
            out.onNext(BackupChunk.newBuilder().setSummary(summary).build());
            out.onCompleted();
            log.info("backup sent: revision {}, {} files, {} bytes, in {} s", summary.getRevision(), backup.files().size(), bytes,
                    String.format("%.1f", (System.nanoTime() - started) / 1e9));
        } catch (IOException | RuntimeException e) {
            log.warn("backup failed: {}", e.toString());
            try {
                out.onError(Status.INTERNAL.withDescription("backup failed: " + e.getMessage()).asRuntimeException());
            } catch (IllegalStateException closed) {
                // the operator's end went away first
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.UNAVAILABLE.withDescription("the hub is stopping").asRuntimeException());
        }
    }

    private Backup gather() throws IOException {
        synchronized (gathering) {
            if (closed) {
                throw new IOException("the hub is stopping");
            }
            return Backup.gather(hub.get());
        }
    }

    /**
     * Waits for a backup being gathered (its checkpoints read the databases), and refuses any later one: after this
     * the hub's databases may close. A backup being sent goes on from its own copy until the admin service stops.
     */
    @Override
    public void close() {
        synchronized (gathering) {
            closed = true;
        }
    }

    /** Waits until the stream takes more; false once the operator's end has gone. */
    private static boolean await(ServerCallStreamObserver<BackupChunk> out, Object ready) throws InterruptedException {
        synchronized (ready) {
            while (!out.isReady() && !out.isCancelled()) {
                ready.wait(1000);
            }
        }
        return !out.isCancelled();
    }
}
