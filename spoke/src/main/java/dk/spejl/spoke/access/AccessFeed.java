package dk.spejl.spoke.access;

import com.google.protobuf.ByteString;
import dk.spejl.log.Checkpoint;
import dk.spejl.log.Merkle;
import dk.spejl.wire.AccessEventsRequest;
import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessLogEntry;
import dk.spejl.wire.ProofsRequest;
import dk.spejl.wire.ProofsResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hub's access events for this spoke's region, held here: one {@code Events} stream kept open on a thread of its
 * own, each entry stored (in {@code <data>/access-events}) with the next index to ask for, so that a spoke that was
 * away or restarted resumes where it stopped and misses nothing. Stewards and requesters read changes from here
 * without anyone polling the hub. Each stored entry can be checked against the hub's checkpoint this spoke witnessed
 * ({@link #check}): the entry as the hub sent it must be the one the signed log holds.
 */
public final class AccessFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessFeed.class);
    public static final String DIR = "access-events";
    private static final byte[] NEXT = {'n'};
    private static final int PROOF_BATCH = 1_000;

    static {
        RocksDB.loadLibrary();
    }

    /** One entry of the hub's access log, at its index there. */
    public record Entry(long index, byte[] bytes) {
    }

    /** Where an entry stands against the witnessed checkpoint. */
    public enum Proof {
        /** In the log the witnessed checkpoint signs, as sent. */
        VERIFIED,
        /** After the witnessed checkpoint: checked when the next one comes. */
        PENDING,
        /** Not what the signed log holds at its index: the hub sent an altered entry. */
        FAILED,
        /** Not checked: the hub could not be asked for the proofs. */
        UNCHECKED
    }

    private final RocksDB db;
    private final Options options;
    private final WriteOptions writes = new WriteOptions();
    private final AccessGrpc.AccessBlockingStub hub;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Context.CancellableContext session;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile long next;
    private static final java.time.Duration STREAM_DEADLINE = java.time.Duration.ofMinutes(30);
    /** When the current stream was opened (nanoTime). */
    private volatile long opened;
    private final io.micrometer.core.instrument.Counter failures;

    public AccessFeed(Path dataDir, Channel channel, MeterRegistry metrics) throws IOException {
        this.options = new Options().setCreateIfMissing(true);
        try {
            this.db = RocksDB.open(options, dataDir.resolve(DIR).toString());
            byte[] stored = db.get(NEXT);
            this.next = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the access events at " + dataDir.resolve(DIR) + ": " + e.getMessage(), e);
        }
        this.hub = AccessGrpc.newBlockingStub(channel);
        this.failures = io.micrometer.core.instrument.Counter.builder("spejl_spoke_audit_entry_failures_total")
                .description("access events from the hub that its signed log does not hold as sent").register(metrics);
        Gauge.builder("spejl_spoke_access_events_next_index", this, f -> f.next)
                .description("the next index of the hub's access log this spoke asks for (all before it are held)").register(metrics);
        this.thread = new Thread(this::run, "spoke-access-events");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Whether the stream to the hub is open. */
    public boolean connected() {
        return connected;
    }

    /** The next index to ask the hub for: every entry of this region before it is held. */
    public long next() {
        return next;
    }

    /** The entries held, oldest first. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(new byte[] {'e'}); it.isValid() && it.key()[0] == 'e'; it.next()) {
                entries.add(new Entry(ByteBuffer.wrap(it.key(), 1, 8).getLong(), it.value()));
            }
        }
        return entries;
    }

    /** Waits until every entry before {@code index} is held. */
    public boolean awaitNext(long index, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (next < index) {
            if (System.currentTimeMillis() > end) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * Checks each entry against {@code witnessed}: its inclusion proof, asked of the hub, must lead from the entry as
     * held here to the root that the checkpoint signs. Entries after the checkpoint are pending.
     */
    public List<Proof> check(List<Entry> entries, Optional<Checkpoint> witnessed) throws IOException {
        List<Proof> proofs = new ArrayList<>();
        for (int from = 0; from < entries.size(); from += PROOF_BATCH) {
            List<Entry> batch = entries.subList(from, Math.min(entries.size(), from + PROOF_BATCH));
            List<Entry> covered = batch.stream().filter(e -> witnessed.isPresent() && e.index() < witnessed.get().size()).toList();
            java.util.Map<Long, List<byte[]>> paths = new java.util.HashMap<>();
            if (!covered.isEmpty()) {
                ProofsResponse response;
                try {
                    response = hub.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS).proofs(ProofsRequest.newBuilder()
                            .setTreeSize(witnessed.get().size()).addAllIndexes(covered.stream().map(Entry::index).toList()).build());
                } catch (StatusRuntimeException e) {
                    throw new IOException("the hub did not give the inclusion proofs: " + e.getStatus(), e);
                }
                for (ProofsResponse.Proof p : response.getProofsList()) {
                    paths.put(p.getIndex(), p.getPathList().stream().map(ByteString::toByteArray).toList());
                }
            }
            for (Entry e : batch) {
                if (witnessed.isEmpty() || e.index() >= witnessed.get().size()) {
                    proofs.add(Proof.PENDING);
                    continue;
                }
                try {
                    List<byte[]> path = paths.get(e.index());
                    if (path == null) {
                        throw new Merkle.ProofException("the hub gave no proof for index " + e.index());
                    }
                    Merkle.verifyInclusion(Merkle.leafHash(e.bytes()), e.index(), witnessed.get().size(), path, witnessed.get().root());
                    proofs.add(Proof.VERIFIED);
                } catch (Merkle.ProofException failed) {
                    log.error("access log entry {} as the hub sent it is not in the log its checkpoint of {} entries signs: {}",
                            e.index(), witnessed.get().size(), failed.getMessage());
                    failures.increment();
                    proofs.add(Proof.FAILED);
                }
            }
        }
        return proofs;
    }

    /**
     * A consistency proof between two sizes of the hub's log, for the witness: empty when the hub cannot be reached
     * now; refused when it answers that it cannot give one.
     */
    public Optional<List<byte[]>> consistency(long first, long second) throws dk.spejl.spoke.sync.AuditWitness.Refused {
        try {
            return Optional.of(hub.withDeadlineAfter(10, TimeUnit.SECONDS).consistency(dk.spejl.wire.ConsistencyRequest.newBuilder()
                    .setFirst(first).setSecond(second).build()).getProofList().stream().map(ByteString::toByteArray).toList());
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNAUTHENTICATED, RESOURCE_EXHAUSTED -> Optional.empty();
                default -> throw new dk.spejl.spoke.sync.AuditWitness.Refused(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            };
        }
    }

    private void run() {
        long backoffMillis = 100;
        while (!closed) {
            Context.CancellableContext ctx = Context.current().withCancellation();
            session = ctx;
            if (closed) { // closed between the loop's check and the session's publishing: close() may have missed it
                ctx.cancel(null);
                return;
            }
            try {
                boolean progressed = ctx.call(this::follow);
                if (progressed) {
                    backoffMillis = 100;
                }
            } catch (StatusRuntimeException e) {
                // The stream's own end, after its half hour, reopens at once; anything else is said and backed off.
                boolean ownEnd = e.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED
                        && System.nanoTime() - opened > STREAM_DEADLINE.toNanos() - java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
                if (!closed && !ownEnd) {
                    log.info("access events stream ended: {}", e.getStatus());
                }
                if (ownEnd) {
                    backoffMillis = 100;
                }
            } catch (Exception e) {
                if (!closed) {
                    log.warn("access events failed: {}", e.toString());
                }
            } finally {
                connected = false;
                ctx.cancel(null);
            }
            try {
                if (closing.await(backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, 10_000);
        }
    }

    /** One stream, from the next index on; returns whether anything came. */
    private boolean follow() throws IOException {
        long from = next;
        // A stream lasts half an hour at most; the next resumes from the index it lacks, as after any reconnect.
        opened = System.nanoTime();
        Iterator<AccessLogEntry> stream = hub.withDeadlineAfter(STREAM_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .events(AccessEventsRequest.newBuilder().setFromIndex(from).build());
        connected = true;
        log.info("following the hub's access events from index {}", from);
        boolean progressed = false;
        while (!closed && stream.hasNext()) {
            AccessLogEntry entry = stream.next();
            if (entry.getIndex() < next) {
                continue; // sent again after a reconnect
            }
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(ByteBuffer.allocate(9).put((byte) 'e').putLong(entry.getIndex()).array(), entry.getEntry().toByteArray());
                batch.put(NEXT, ByteBuffer.allocate(8).putLong(entry.getIndex() + 1).array());
                db.write(writes, batch);
            } catch (RocksDBException e) {
                throw new IOException("cannot store access event " + entry.getIndex() + ": " + e.getMessage(), e);
            }
            next = entry.getIndex() + 1;
            progressed = true;
        }
        return progressed;
    }

    @Override
    public void close() {
        closed = true;
        closing.countDown();
        Context.CancellableContext s = session;
        if (s != null) {
            s.cancel(null);
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.error("the access events thread did not stop within 5 s; its database is left open");
            return;
        }
        writes.close();
        db.close();
        options.close();
    }
}
