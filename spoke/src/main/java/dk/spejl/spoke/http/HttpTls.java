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

    /** Client sockets that trust only the CA certificates in this PEM file (an identity provider's, say). */
    public static javax.net.ssl.SSLSocketFactory trusting(Path caFile) throws IOException {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (java.security.cert.X509Certificate ca : Pem.readCertificates(caFile)) {
                trust.setCertificateEntry("ca" + i++, ca);
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot trust the CA in " + caFile + ": " + e.getMessage(), e);
        }
    }
}
