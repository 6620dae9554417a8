package dk.spejl.hub.access;

import dk.spejl.tls.Caller;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.wire.RevokeOperatorRequest;
import dk.spejl.wire.RevokeOperatorResult;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.RevokeSpokeRequest;
import dk.spejl.wire.RevokeSpokeResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.io.IOException;

/** The operators' {@code Admin.RevokeSpoke} and {@code Admin.RevokeOperator} calls, over {@link Revocations}. */
public final class RevocationService implements AdminGrpc.AsyncService {
    private final Revocations revocations;

    public RevocationService(Revocations revocations) {
        this.revocations = revocations;
    }

    @Override
    public void revokeOperator(RevokeOperatorRequest request, StreamObserver<RevokeOperatorResult> response) {
        try {
            PeerIdentity caller = Caller.current().map(Caller::identity)
                    .orElseThrow(() -> new IllegalStateException("the admin service is served behind the identity check"));
            boolean newly = revocations.revokeOperator(request.getName(), caller, request.getForce());
            response.onNext(RevokeOperatorResult.newBuilder().setNewlyRevoked(newly).build());
            response.onCompleted();
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (IllegalStateException e) {
            response.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
        } catch (java.util.NoSuchElementException e) {
            response.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException e) {
            response.onError(Status.INTERNAL.withDescription("revocation not recorded: " + e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void revokeSpoke(RevokeSpokeRequest request, StreamObserver<RevokeSpokeResult> response) {
        try {
            Revocations.Revoked revoked = revocations.revoke(request.getName(), Caller.current().map(Object::toString).orElse("(unknown)"),
                    request.getForce());
            response.onNext(RevokeSpokeResult.newBuilder().setNewlyRevoked(revoked.newly()).setStreamsClosed(revoked.streamsClosed()).build());
            response.onCompleted();
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (java.util.NoSuchElementException e) {
            response.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException e) {
            response.onError(Status.INTERNAL.withDescription("revocation not recorded: " + e.getMessage()).asRuntimeException());
        }
    }
}
