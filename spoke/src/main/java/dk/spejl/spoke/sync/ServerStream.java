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
import java.util.function.Predicate;

/**
 * One server-streaming call (Watch, GetObject), read as a blocking iterator. gRPC's own blocking
 * iterator runs each message through the channel's shared executor before the reading thread sees
 * it; here the transport thread hands the message straight to the reader: one thread switch fewer
 * on every revision's way from the hub to the replica, and on every piece of a fetched object.
 * Flow control is the same: one message is requested at a time, when the reader takes the
 * previous one, so a spoke that is busy (say, bootstrapping) holds the hub back rather than
 * buffering.
 *
 * <p>A stream may also be given an inline handler, which the transport thread offers each message
 * to while the reader is idle, waiting for one: a message it takes is not queued, which saves the
 * switch to the reader altogether. The handler must be quick and must not block; it declines
 * (returns false) whatever it cannot finish, and that message is queued for the reader as usual.
 * Handler and reader never run at the same time: the handler is only offered a message while the
 * reader waits on an empty queue, and only the transport thread fills the queue.
 *
 * <p>The call belongs to the {@link io.grpc.Context} it is opened in: cancelling that context
 * ends it, and the reader then sees {@code CANCELLED}.
 */
final class ServerStream<Req, Resp> {
    private static final Object END = new Object();

    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final ClientCall<Req, Resp> call;
    private final Predicate<Resp> inline;
    private Object next;
    private boolean ended;
    /** Guarded by this: the reader is blocked on an empty queue. */
    private boolean readerIdle;

    private ServerStream(ClientCall<Req, Resp> call, Predicate<Resp> inline) {
        this.call = call;
        this.inline = inline;
    }

    static <Req, Resp> ServerStream<Req, Resp> open(Channel channel, MethodDescriptor<Req, Resp> method, Req request,
                                                     long deadlineMillis) {
        return open(channel, method, request, deadlineMillis, message -> false);
    }

    static <Req, Resp> ServerStream<Req, Resp> open(Channel channel, MethodDescriptor<Req, Resp> method, Req request,
                                                     long deadlineMillis, Predicate<Resp> inline) {
        // A direct executor: the listener queues or runs the quick inline handler, so it never blocks the transport thread.
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).withExecutor(Runnable::run);
        ServerStream<Req, Resp> stream = new ServerStream<>(channel.newCall(method, options), inline);
        stream.call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Resp message) {
                if (stream.readerIdle() && stream.inline.test(message)) {
                    stream.call.request(1);
                } else {
                    stream.arrived.add(message);
                }
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
            next = arrived.poll();
            if (next == null) {
                synchronized (this) {
                    readerIdle = true;
                }
                try {
                    next = arrived.take();
                } finally {
                    synchronized (this) {
                        readerIdle = false;
                    }
                }
            }
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

    private synchronized boolean readerIdle() {
        return readerIdle && arrived.isEmpty();
    }

    /** Ends the call from the spoke's side (when the reader stops reading for any reason). */
    void cancel(String why) {
        call.cancel(why, null);
    }
}
