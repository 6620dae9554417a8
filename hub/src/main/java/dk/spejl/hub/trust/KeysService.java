package dk.spejl.hub.trust;

import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.ReloadKeysRequest;
import dk.spejl.wire.ReloadKeysResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The operators' {@code Admin.ReloadKeys} call, over {@link HubTrust}. A keys directory the hub
 * may not move to is {@code FAILED_PRECONDITION} (the operator fixes the directory; nothing
 * changed); a failure of the hub itself while moving is {@code INTERNAL}.
 */
public final class KeysService implements AdminGrpc.AsyncService {
    private static final Logger log = LoggerFactory.getLogger(KeysService.class);

    private final HubTrust trust;

    public KeysService(HubTrust trust) {
        this.trust = trust;
    }

    @Override
    public void reloadKeys(ReloadKeysRequest request, StreamObserver<ReloadKeysResult> response) {
        try {
            response.onNext(trust.reload());
            response.onCompleted();
        } catch (HubKeys.KeysException e) {
            log.warn("key reload refused: {}", e.getMessage());
            response.onError(Status.FAILED_PRECONDITION.withDescription("keys not reloaded: " + e.getMessage()).asRuntimeException());
        } catch (IOException | RuntimeException e) {
            log.warn("key reload failed: {}", e.toString());
            response.onError(Status.INTERNAL.withDescription("keys not reloaded: " + e.getMessage()).asRuntimeException());
        }
    }
}
