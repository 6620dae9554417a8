package dk.spejl.spoke;

import com.google.protobuf.ByteString;
import dk.spejl.hub.Hub;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.GetObjectRequest;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ManifestEvent;
import dk.spejl.wire.ObjectChunk;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.TrustInfo;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A hostile hub for attack tests: it speaks the real protocol over real TLS, replays what a
 * genuine hub published, and lets a test script what is pushed and tamper with what is served.
 */
final class FakeHub implements AutoCloseable {
    private final Hub genuine;
    private final Server server;
    volatile TrustInfo trust;
    private volatile List<ManifestEvent> script = List.of();
    private final java.util.Set<StreamObserver<WatchEvent>> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile UnaryOperator<byte[]> tamperObjects = UnaryOperator.identity();
    private dk.spejl.wire.SignedHeartbeat lastHeartbeat;

    FakeHub(Hub genuine, TlsFiles tls, TrustInfo trust) throws IOException {
        this.genuine = genuine;
        this.trust = trust;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(tls.serverContext())
                .addService(new ReplicationGrpc.ReplicationImplBase() {
                    @Override
                    public void watch(WatchRequest request, StreamObserver<WatchEvent> events) {
                        events.onNext(WatchEvent.newBuilder().setTrust(FakeHub.this.trust).build());
                        synchronized (FakeHub.this) {
                            if (lastHeartbeat != null) {
                                // As the real hub does: the newest heartbeat right after the keys.
                                events.onNext(WatchEvent.newBuilder().setHeartbeat(lastHeartbeat).build());
                            }
                            for (ManifestEvent event : script) {
                                events.onNext(WatchEvent.newBuilder().setManifest(event).build());
                            }
                            // Left open, as a real hub would leave it, for later pushes.
                            open.add(events);
                        }
                    }

                    @Override
                    public void getObject(GetObjectRequest request, StreamObserver<ObjectChunk> chunks) {
                        try {
                            byte[] bytes = tamperObjects.apply(genuine.objects().readAll(request.getDigest().toByteArray()));
                            for (int off = (int) request.getOffset(); off < bytes.length; off += 65536) {
                                int len = Math.min(65536, bytes.length - off);
                                chunks.onNext(ObjectChunk.newBuilder().setOffset(off).setTotalSize(bytes.length)
                                        .setData(ByteString.copyFrom(bytes, off, len)).build());
                            }
                            chunks.onCompleted();
                        } catch (IOException e) {
                            chunks.onError(Status.NOT_FOUND.asRuntimeException());
                        }
                    }
                }).build().start();
    }

    /** Sends events on every open stream, and to every spoke that connects later. */
    synchronized void push(List<ManifestEvent> events) {
        script = List.copyOf(events);
        for (StreamObserver<WatchEvent> stream : open) {
            try {
                for (ManifestEvent event : events) {
                    stream.onNext(WatchEvent.newBuilder().setManifest(event).build());
                }
            } catch (RuntimeException closed) {
                open.remove(stream);
            }
        }
    }

    /** Sends a heartbeat on every open stream, and to every spoke that connects later. */
    synchronized void pushHeartbeat(dk.spejl.wire.SignedHeartbeat heartbeat) {
        lastHeartbeat = heartbeat;
        for (StreamObserver<WatchEvent> stream : open) {
            try {
                stream.onNext(WatchEvent.newBuilder().setHeartbeat(heartbeat).build());
            } catch (RuntimeException closed) {
                open.remove(stream);
            }
        }
    }

    /** Sends a key delegation on every open stream, and to every spoke that connects later. */
    synchronized void pushTrust(TrustInfo next) {
        trust = next;
        for (StreamObserver<WatchEvent> stream : open) {
            try {
                stream.onNext(WatchEvent.newBuilder().setTrust(next).build());
            } catch (RuntimeException closed) {
                open.remove(stream);
            }
        }
    }

    /** Ends every open stream, so spokes reconnect and hear the hub's (new) keys. */
    synchronized void dropStreams() {
        open.forEach(stream -> {
            try {
                stream.onCompleted();
            } catch (RuntimeException alreadyClosed) {
                // gone already
            }
        });
        open.clear();
    }

    int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** What the genuine hub published as {@code revision}, with or without its delta inline. */
    ManifestEvent genuine(long revision, boolean inline) throws IOException {
        SignedManifest signed = genuine.catalogue().manifests().get(revision).orElseThrow();
        ManifestEvent.Builder event = ManifestEvent.newBuilder().setManifest(signed);
        if (inline) {
            Manifest manifest = Manifest.parseFrom(signed.getManifest());
            event.setInlineDelta(ByteString.copyFrom(genuine.objects().readAll(manifest.getDelta().getDigest().toByteArray())));
        }
        return event.build();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
