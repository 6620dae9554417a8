package dk.spejl.hub;

import dk.spejl.wire.AdminGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;

import java.util.Map;

/**
 * The operators' {@code Admin} gRPC service, assembled from one thin adapter per domain (ingest
 * in {@code publish}, keys in {@code trust}, revocation in {@code access}, status here), each
 * answering its own calls. Building fails if a call of the service has no adapter.
 */
final class AdminServices {
    private AdminServices() {
    }

    static ServerServiceDefinition bind(Map<MethodDescriptor<?, ?>, AdminGrpc.AsyncService> adapters) {
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(AdminGrpc.getServiceDescriptor());
        adapters.forEach((method, adapter) ->
                service.addMethod(AdminGrpc.bindService(adapter).getMethod(method.getFullMethodName())));
        return service.build();
    }
}
