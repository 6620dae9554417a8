package dk.spejl.spoke.sync;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One server-streaming call (Watch, GetObject), read as a blocking iterator. gRPC's own blocking
 * iterator runs each message through the channel's shared executor before the reading thread sees
 * it; here the transport thread hands the message straight to the reader: one thread switch fewer
 * on every revision's way from the hub to the replica, and on every piece of a fetched object.
 * Flow control is the same: one message is requested at a time, when the reader takes the
 * previous one, so a spoke that is busy (say, bootstrapping) holds the hub back rather than
 * buffering.
 *
 * <p>The call belongs to the {@link io.grpc.Context} it is opened in: cancelling that context
 * ends it, and the reader then sees {@code CANCELLED}.
 */
final class ServerStream<Req, Resp> {
    private static final Object END = new Object();

    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final ClientCall<Req, Resp> call;
    private Object next;
    private boolean ended;

    private ServerStream(ClientCall<Req, Resp> call) {
        this.call = call;
    }

    static <Req, Resp> ServerStream<Req, Resp> open(Channel channel, MethodDescriptor<Req, Resp> method, Req request,
                                                     long deadlineMillis) {
        // A direct executor: the listener only queues, so it never blocks the transport thread.
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).withExecutor(Runnable::run);
        ServerStream<Req, Resp> stream = new ServerStream<>(channel.newCall(method, options));
        stream.call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Resp message) {
                stream.arrived.add(message);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                stream.arrived.add(status.isOk() ? END : status.asRuntimeException(trailers));
            }
        }, new Metadata());
        stream.call.sendMessage(request);
        stream.call.halfClose();
        stream.call.request(1);
        return stream;
    }

    /**
     * Waits for the next event. Returns false when the hub ended the stream normally; throws
     * the call's status when it failed or was cancelled.
     */
    boolean hasNext() throws InterruptedException {
        if (next == null && !ended) {
            next = arrived.take();
        }
        if (next == END) {
            ended = true;
            next = null;
        }
        if (next instanceof StatusRuntimeException failed) {
            next = null;
            ended = true;
            throw failed;
        }
        return !ended;
    }

    @SuppressWarnings("unchecked")
    Resp next() throws InterruptedException {
        if (!hasNext()) {
            throw new NoSuchElementException("the stream has ended");
        }
        Resp event = (Resp) next;
        next = null;
        call.request(1);
        return event;
    }

    /** Ends the call from the spoke's side (when the reader stops reading for any reason). */
    void cancel(String why) {
        call.cancel(why, null);
    }
}
