package dk.spejl.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;

import javax.net.ssl.SSLException;
import java.nio.file.Path;

/**
 * TLS material on disk and the gRPC contexts built from it. Client certificates (mutual TLS)
 * are a matter of passing a certificate and key here, not of changing the servers' shape.
 */
public record TlsFiles(Path certificate, Path privateKey, Path trustedCa) {

    /** TLS 1.3 with a required client certificate issued by {@link #trustedCa()} (mutual TLS). */
    public SslContext serverContext() throws SSLException {
        return GrpcSslContexts.forServer(certificate.toFile(), privateKey.toFile())
                .trustManager(trustedCa.toFile())
                .clientAuth(io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE)
                .protocols("TLSv1.3")
                .build();
    }

    /** A client context trusting only {@link #trustedCa()}, presenting the certificate when there is one. */
    public SslContext clientContext() throws SSLException {
        var builder = GrpcSslContexts.forClient().trustManager(trustedCa.toFile());
        if (certificate != null && privateKey != null) {
            builder.keyManager(certificate.toFile(), privateKey.toFile());
        }
        return builder.build();
    }
}
