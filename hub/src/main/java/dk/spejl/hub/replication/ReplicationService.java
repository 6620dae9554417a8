package dk.spejl.hub.replication;

import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.tls.Caller;
import dk.spejl.wire.GetObjectRequest;
import dk.spejl.wire.ObjectChunk;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The gRPC face of replication: translates calls to the feed and the object store. */
public final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {
    /** Bytes per GetObject message; well under gRPC's 4 MiB message limit. */
    public static final int CHUNK_BYTES = 64 * 1024;

    private final ManifestFeed feed;
    private final ObjectStore objects;
    private final Counter bytesServed;

    public ReplicationService(ManifestFeed feed, ObjectStore objects, MeterRegistry metrics) {
        this.feed = feed;
        this.objects = objects;
        this.bytesServed = Counter.builder("spejl_hub_object_bytes_served_total").description("object bytes sent to spokes").register(metrics);
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> responses) {
        Caller caller = Caller.current().orElseThrow(() -> new IllegalStateException("Watch is served behind the identity check"));
        feed.watch(request, (ServerCallStreamObserver<WatchEvent>) responses, caller.identity(), String.valueOf(caller.address()));
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
        if (request.getOffset() > reader.size()) {
            close(reader);
            stream.onError(Status.OUT_OF_RANGE.withDescription("offset " + request.getOffset() + " is past the object's "
                    + reader.size() + " bytes").asRuntimeException());
            return;
        }
        Pump pump = new Pump(stream, reader, request.getOffset());
        stream.setOnCancelHandler(() -> close(reader));
        stream.setOnReadyHandler(pump::run);
        pump.run();
    }

    /** Sends while the stream is ready; gRPC calls it again when the spoke has room (flow control). */
    private final class Pump {
        private final ServerCallStreamObserver<ObjectChunk> stream;
        private final ObjectStore.Reader reader;
        private long offset;
        private boolean done;

        Pump(ServerCallStreamObserver<ObjectChunk> stream, ObjectStore.Reader reader, long offset) {
            this.stream = stream;
            this.reader = reader;
            this.offset = offset;
        }

        synchronized void run() {
            try {
                while (!done && stream.isReady() && !stream.isCancelled()) {
                    var data = reader.read(offset, CHUNK_BYTES);
                    if (!data.isEmpty()) {
                        stream.onNext(ObjectChunk.newBuilder().setOffset(offset).setData(data).setTotalSize(reader.size()).build());
                        offset += data.size();
                        bytesServed.increment(data.size());
                    }
                    if (offset >= reader.size()) {
                        done = true;
                        close(reader);
                        stream.onCompleted();
                    }
                }
            } catch (IOException e) {
                done = true;
                close(reader);
                stream.onError(Status.INTERNAL.withDescription("reading object: " + e.getMessage()).asRuntimeException());
            }
        }
    }

    private static void close(ObjectStore.Reader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
