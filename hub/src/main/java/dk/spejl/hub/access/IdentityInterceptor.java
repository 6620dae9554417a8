package dk.spejl.hub.access;

import dk.spejl.tls.Caller;
import dk.spejl.tls.PeerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Admits a call only from a client whose mutual-TLS certificate (already chained to the hub's
 * CA by the TLS handshake) names the required role and is not revoked, and puts that identity
 * into the call's context as its {@link Caller} (docs/design.md, "Identity").
 */
public final class IdentityInterceptor implements ServerInterceptor {
    private final PeerIdentity.Role role;
    private final Predicate<PeerIdentity> revoked;
    private final PeerRejections rejections;

    public IdentityInterceptor(PeerIdentity.Role role, Predicate<PeerIdentity> revoked, PeerRejections rejections) {
        this.role = role;
        this.revoked = revoked;
        this.rejections = rejections;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Optional<PeerIdentity> identity = identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (identity.isEmpty() || identity.get().role() != role) {
            rejections.refused("wrong_role", identity.map(PeerIdentity::toString).orElse("(no recognised certificate)") + " at " + remote,
                    call.getMethodDescriptor().getBareMethodName() + " needs a " + role.name().toLowerCase() + " certificate");
            call.close(Status.PERMISSION_DENIED.withDescription("this service needs a " + role.name().toLowerCase() + " certificate"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (revoked.test(identity.get())) {
            rejections.refused("revoked_certificate", identity.get() + " at " + remote,
                    call.getMethodDescriptor().getBareMethodName() + " from a revoked " + identity.get().role().name().toLowerCase());
            call.close(Status.PERMISSION_DENIED.withDescription("the certificate for " + identity.get().name() + " is revoked"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context context = Context.current().withValue(Caller.KEY, new Caller(identity.get(), remote));
        return Contexts.interceptCall(context, call, headers, next);
    }

    private static Optional<PeerIdentity> identity(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            var certificates = session.getPeerCertificates();
            return certificates.length > 0 && certificates[0] instanceof X509Certificate x509 ? PeerIdentity.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
