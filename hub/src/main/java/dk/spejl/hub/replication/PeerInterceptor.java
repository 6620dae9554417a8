package dk.spejl.hub.replication;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.net.SocketAddress;

/**
 * Puts the caller's transport address into the call context for logs and lag metrics. With
 * mutual TLS this is where the spoke's certificate identity enters the call.
 */
public final class PeerInterceptor implements ServerInterceptor {
    public static final Context.Key<SocketAddress> PEER = Context.key("spejl-peer");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return Contexts.interceptCall(Context.current().withValue(PEER, remote), call, headers, next);
    }
}
