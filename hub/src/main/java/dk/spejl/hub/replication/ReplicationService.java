package dk.spejl.hub.replication;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.tls.Caller;
import dk.spejl.wire.GetObjectRequest;
import dk.spejl.wire.ObjectChunk;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.SpokeReport;
import dk.spejl.wire.SpokeReportAck;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/** The gRPC face of replication: translates calls to the feed and the object store. */
public final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {
    /** Bytes per GetObject message; well under gRPC's 4 MiB message limit. */
    public static final int CHUNK_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(ReplicationService.class);

    private final ManifestFeed feed;
    private final ObjectStore objects;
    private final Counter bytesServed;
    private final Counter corrupt;
    /** Transfers under way, by the spoke name their certificate carries: a revocation ends them at once. */
    private final java.util.concurrent.ConcurrentMap<String, java.util.Set<Pump>> transfers = new java.util.concurrent.ConcurrentHashMap<>();
    /** Spokes cut off: a transfer admitted just before the revocation, and registered just after it, is cut off too. */
    private final java.util.Set<String> cut = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final SpokeRegistry spokes;

    public ReplicationService(ManifestFeed feed, ObjectStore objects, SpokeRegistry spokes, MeterRegistry metrics) {
        this.spokes = spokes;
        this.feed = feed;
        this.objects = objects;
        this.bytesServed = Counter.builder("spejl_hub_object_bytes_served_total").description("object bytes sent to spokes").register(metrics);
        this.corrupt = Counter.builder("spejl_hub_corrupt_objects_served_total")
                .description("object transfers ended with DATA_LOSS: the stored bytes no longer hash to the object's name").register(metrics);
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> responses) {
        Caller caller = Caller.current().orElseThrow(() -> new IllegalStateException("Watch is served behind the identity check"));
        feed.watch(request, (ServerCallStreamObserver<WatchEvent>) responses, caller.identity(), String.valueOf(caller.address()));
    }

    @Override
    public void report(SpokeReport request, StreamObserver<SpokeReportAck> responses) {
        Caller caller = Caller.current().orElseThrow(() -> new IllegalStateException("Report is served behind the identity check"));
        try {
            spokes.reported(caller.identity(), request);
            responses.onNext(SpokeReportAck.getDefaultInstance());
            responses.onCompleted();
        } catch (IOException e) {
            log.warn("could not keep the report of spoke {}: {}", caller.identity(), e.toString());
            responses.onError(Status.UNAVAILABLE.withDescription("the hub could not keep the report").asRuntimeException());
        }
    }

    @Override
    public void getObject(GetObjectRequest request, StreamObserver<ObjectChunk> responses) {
        ServerCallStreamObserver<ObjectChunk> stream = (ServerCallStreamObserver<ObjectChunk>) responses;
        if (request.getDigest().size() != 32) {
            stream.onError(Status.INVALID_ARGUMENT.withDescription("an object digest has 32 bytes").asRuntimeException());
            return;
        }
        Optional<ObjectStore.Reader> opened;
        try {
            opened = objects.open(request.getDigest().toByteArray());
        } catch (IOException e) {
            stream.onError(Status.INTERNAL.withDescription("object store: " + e.getMessage()).asRuntimeException());
            return;
        }
        if (opened.isEmpty()) {
            stream.onError(Status.NOT_FOUND.withDescription("no such object (it may have been garbage-collected)").asRuntimeException());
            return;
        }
        ObjectStore.Reader reader = opened.get();
        // The offset is a uint64: from 2^63 on it reads as a negative long, and is as far out of range as it looks.
        if (request.getOffset() < 0 || request.getOffset() > reader.size()) {
            close(reader);
            stream.onError(Status.OUT_OF_RANGE.withDescription("offset " + Long.toUnsignedString(request.getOffset())
                    + " is past the object's " + reader.size() + " bytes").asRuntimeException());
            return;
        }
        Pump pump;
        try {
            pump = new Pump(stream, reader, request.getDigest().toByteArray(), request.getOffset());
        } catch (IOException e) {
            close(reader);
            stream.onError(Status.INTERNAL.withDescription("reading object: " + e.getMessage()).asRuntimeException());
            return;
        }
        String spoke = Caller.current().map(c -> c.identity().name()).orElse("");
        java.util.Set<Pump> mine = transfers.computeIfAbsent(spoke, name -> java.util.concurrent.ConcurrentHashMap.newKeySet());
        mine.add(pump);
        pump.onEnd = () -> mine.remove(pump);
        if (cut.contains(spoke)) {
            pump.cutOff(spoke);
            return;
        }
        stream.setOnCancelHandler(pump::cancelled);
        stream.setOnReadyHandler(pump::run);
        pump.run();
    }

    /**
     * Sends while the stream is ready; gRPC calls it again when the spoke has room (flow control).
     * It hashes what it sends (and, for a resumed transfer, what came before it): an object whose
     * bytes no longer hash to its name ends with {@code DATA_LOSS} instead of completing, so the hub
     * notices, logs and counts it, and never vouches for it by completing the stream (invariant 4).
     */
    private final class Pump {
        private final ServerCallStreamObserver<ObjectChunk> stream;
        private final ObjectStore.Reader reader;
        private final byte[] name;
        private final MessageDigest sha256;
        private long offset;
        private boolean done;
        private volatile Runnable onEnd = () -> { };

        Pump(ServerCallStreamObserver<ObjectChunk> stream, ObjectStore.Reader reader, byte[] name, long offset) throws IOException {
            this.stream = stream;
            this.reader = reader;
            this.name = name;
            this.offset = offset;
            this.sha256 = Sha256.newDigest();
            for (long at = 0; at < offset; ) {
                var before = reader.read(at, (int) Math.min(CHUNK_BYTES, offset - at));
                if (before.isEmpty()) {
                    break;
                }
                sha256.update(before.asReadOnlyByteBuffer());
                at += before.size();
            }
        }

        /** The spoke went away. */
        synchronized void cancelled() {
            if (!done) {
                done = true;
                close(reader);
            }
            onEnd.run();
        }

        /** The spoke was revoked: the transfer ends now, not when it would have finished. */
        synchronized void cutOff(String name) {
            if (!done) {
                done = true;
                close(reader);
                onEnd.run();
                try {
                    stream.onError(Status.PERMISSION_DENIED.withDescription("the certificate for " + name + " is revoked").asRuntimeException());
                } catch (IllegalStateException alreadyClosed) {
                    // the spoke went away first
                }
            }
        }

        synchronized void run() {
            try {
                while (!done && stream.isReady() && !stream.isCancelled()) {
                    var data = reader.read(offset, CHUNK_BYTES);
                    if (!data.isEmpty()) {
                        sha256.update(data.asReadOnlyByteBuffer());
                        stream.onNext(ObjectChunk.newBuilder().setOffset(offset).setData(data).setTotalSize(reader.size()).build());
                        offset += data.size();
                        bytesServed.increment(data.size());
                    }
                    if (offset >= reader.size()) {
                        done = true;
                        close(reader);
                        onEnd.run();
                        if (MessageDigest.isEqual(sha256.digest(), name)) {
                            stream.onCompleted();
                        } else {
                            corrupt.increment();
                            log.error("object {} is corrupt: its stored bytes do not hash to its name; ended the transfer with DATA_LOSS",
                                    Sha256.hex(name));
                            stream.onError(Status.DATA_LOSS.withDescription("object " + Sha256.shortHex(name)
                                    + " is corrupt at the hub").asRuntimeException());
                        }
                    }
                }
            } catch (IOException e) {
                done = true;
                close(reader);
                onEnd.run();
                stream.onError(Status.INTERNAL.withDescription("reading object: " + e.getMessage()).asRuntimeException());
            }
        }
    }

    /** Ends every object transfer to the spoke of this name at once (it has been revoked); returns how many there were. */
    public int cutOff(String spokeName) {
        cut.add(spokeName);
        java.util.Set<Pump> pumps = transfers.get(spokeName);
        if (pumps == null) {
            return 0;
        }
        List<Pump> ending = List.copyOf(pumps);
        ending.forEach(pump -> pump.cutOff(spokeName));
        return ending.size();
    }

    private static void close(ObjectStore.Reader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            log.warn("closing an object reader failed: {}", e.toString());
        }
    }
}
