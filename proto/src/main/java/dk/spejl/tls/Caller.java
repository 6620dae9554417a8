package dk.spejl.tls;

import io.grpc.Context;

import java.net.SocketAddress;
import java.util.Optional;

/**
 * The client of the gRPC call being served, as the hub's identity check admitted it: who its
 * mutual-TLS certificate names and where it connected from. The check puts it into the call's
 * context; the services read it from there and nowhere else.
 */
public record Caller(PeerIdentity identity, SocketAddress address) {
    public static final Context.Key<Caller> KEY = Context.key("spejl-caller");

    /** The caller of the current call; empty outside a call the identity check admitted. */
    public static Optional<Caller> current() {
        return Optional.ofNullable(KEY.get());
    }

    @Override
    public String toString() {
        return identity + " at " + address;
    }
}
