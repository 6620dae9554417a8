package dk.spejl.spoke.sync;

import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.ReplicationGrpc;
import dk.spejl.wire.SignedHeartbeat;
import dk.spejl.wire.WatchEvent;
import dk.spejl.wire.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The spoke's stream reader over real TLS: every message reaches either the inline handler or
 * the reader, in order, and the handler never runs while the reader is busy.
 */
class ServerStreamTest {
    private static final int MESSAGES = 200;

    @TempDir
    Path dir;
    private Server server;
    private ManagedChannel channel;
    /** Lets the server's stream go on from message 1 to the rest once the test says so. */
    private final CountDownLatch restMayFollow = new CountDownLatch(1);
    private volatile Status ending = Status.OK;

    @BeforeEach
    void serve() throws Exception {
        TlsFiles hubTls = ServerPki.create(dir.resolve("ca"), "hub", List.of("localhost"), List.of("127.0.0.1"));
        TlsFiles spokeTls = ServerPki.enrol(dir.resolve("ca"), PeerIdentity.spokeSubject("s", "midtjylland"), dir.resolve("s"), "spoke");
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(hubTls.serverContext())
                .addService(new ReplicationGrpc.ReplicationImplBase() {
                    @Override
                    public void watch(WatchRequest request, StreamObserver<WatchEvent> events) {
                        new Thread(() -> {
                            try {
                                events.onNext(numbered(0));
                                restMayFollow.await(10, TimeUnit.SECONDS);
                                for (int i = 1; i < MESSAGES; i++) {
                                    events.onNext(numbered(i));
                                }
                                if (ending.isOk()) {
                                    events.onCompleted();
                                } else {
                                    events.onError(ending.asRuntimeException());
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }).start();
                    }
                }).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).overrideAuthority("localhost")
                .sslContext(spokeTls.clientContext()).build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    /** Message i carries i as its heartbeat's signature length, which is all these tests need. */
    private static WatchEvent numbered(int i) {
        return WatchEvent.newBuilder().setHeartbeat(SignedHeartbeat.newBuilder().setSignature(com.google.protobuf.ByteString.copyFrom(new byte[i]))).build();
    }

    private static int number(WatchEvent event) {
        return event.getHeartbeat().getSignature().size();
    }

    @Test
    void everyMessageReachesTheInlineHandlerOrTheReaderInOrder() throws Exception {
        List<Integer> handled = new CopyOnWriteArrayList<>();
        List<Integer> offered = new CopyOnWriteArrayList<>();
        List<Integer> read = new ArrayList<>();
        AtomicBoolean readerBusy = new AtomicBoolean(true);
        AtomicInteger handledWhileBusy = new AtomicInteger();
        // Takes multiples of three after the first message, declines the rest.
        ServerStream<WatchRequest, WatchEvent> stream = ServerStream.open(channel, ReplicationGrpc.getWatchMethod(),
                WatchRequest.getDefaultInstance(), 10_000, event -> {
                    if (readerBusy.get()) {
                        handledWhileBusy.incrementAndGet();
                    }
                    offered.add(number(event));
                    if (number(event) > 0 && number(event) % 3 == 0) {
                        handled.add(number(event));
                        return true;
                    }
                    return false;
                });
        readerBusy.set(false);
        boolean first = true;
        while (true) {
            if (!stream.hasNext()) {
                break;
            }
            WatchEvent event = stream.next();
            readerBusy.set(true);
            read.add(number(event));
            if (first) {
                // Busy with the first message while the rest arrive: none of them may be handled inline meanwhile.
                first = false;
                restMayFollow.countDown();
                Thread.sleep(300);
            }
            readerBusy.set(false);
        }

        assertThat(handledWhileBusy.get()).isZero();
        List<Integer> all = new ArrayList<>(read);
        all.addAll(handled);
        assertThat(all).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, MESSAGES).boxed().toList());
        assertThat(read).isSorted();
        assertThat(handled).isSorted();
        // What the handler took never reaches the reader, what it declined always does; a message that arrives while
        // the reader is busy is not offered at all and goes to the reader, whatever the handler would have said.
        assertThat(read).startsWith(0).doesNotContainAnyElementsOf(handled);
        assertThat(read).containsAll(offered.stream().filter(n -> !handled.contains(n)).toList());
        assertThat(handled).isNotEmpty().allMatch(n -> n % 3 == 0);
    }

    @Test
    void aFailedCallReachesTheReaderAsItsStatus() throws Exception {
        ending = Status.DATA_LOSS.withDescription("gone");
        restMayFollow.countDown();
        ServerStream<WatchRequest, WatchEvent> stream = ServerStream.open(channel, ReplicationGrpc.getWatchMethod(),
                WatchRequest.getDefaultInstance(), 10_000, event -> true);
        assertThatThrownBy(() -> {
            while (stream.hasNext()) {
                stream.next();
            }
        }).isInstanceOf(StatusRuntimeException.class).hasMessageContaining("DATA_LOSS");
    }
}
