package dk.spejl.hub.access;

import dk.spejl.tls.Caller;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.RevokeSpokeRequest;
import dk.spejl.wire.RevokeSpokeResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.io.IOException;

/** The operators' {@code Admin.RevokeSpoke} call, over {@link Revocations}. */
public final class RevocationService implements AdminGrpc.AsyncService {
    private final Revocations revocations;

    public RevocationService(Revocations revocations) {
        this.revocations = revocations;
    }

    @Override
    public void revokeSpoke(RevokeSpokeRequest request, StreamObserver<RevokeSpokeResult> response) {
        try {
            Revocations.Revoked revoked = revocations.revoke(request.getName(), Caller.current().map(Object::toString).orElse("(unknown)"));
            response.onNext(RevokeSpokeResult.newBuilder().setNewlyRevoked(revoked.newly()).setStreamsClosed(revoked.streamsClosed()).build());
            response.onCompleted();
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException e) {
            response.onError(Status.INTERNAL.withDescription("revocation not recorded: " + e.getMessage()).asRuntimeException());
        }
    }
}
