package dk.spejl.spoke.http;

import dk.spejl.tls.Pem;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.IOException;
import java.nio.file.Path;

/** TLS for the spoke's HTTP port ({@code http.tls.certificate} and {@code http.tls.private_key}): TLS 1.3 and 1.2, no client certificate. */
public final class HttpTls {
    private HttpTls() {
    }

    /** A server context for the PEM certificate chain and private key in these files. */
    public static SslContext server(Path certificate, Path privateKey) throws IOException {
        try {
            return SslContextBuilder.forServer(Pem.readPrivateKey(privateKey), Pem.readCertificates(certificate))
                    .protocols("TLSv1.3", "TLSv1.2").build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IOException("cannot serve HTTP over TLS with " + certificate + " and " + privateKey + ": " + e.getMessage(), e);
        }
    }
}
