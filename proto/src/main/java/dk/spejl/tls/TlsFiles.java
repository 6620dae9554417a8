package dk.spejl.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.KeyManagerFactoryWrapper;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.nio.file.Path;

/**
 * TLS material on disk and the gRPC contexts built from it. Client certificates (mutual TLS)
 * are a matter of passing a certificate and key here, not of changing the servers' shape.
 */
public record TlsFiles(Path certificate, Path privateKey, Path trustedCa) {

    /** Told of each client certificate the TLS handshake refuses, before the handshake fails. */
    @FunctionalInterface
    public interface RefusedClients {
        /**
         * @param reason  "expired_certificate" or "untrusted_certificate"
         * @param subject the certificate's subject, as the client presented it (not to be trusted)
         */
        void refused(String reason, String subject, String detail);
    }

    /** TLS 1.3 with a required client certificate issued by {@link #trustedCa()} (mutual TLS). */
    public SslContext serverContext() throws SSLException {
        return serverContext((reason, subject, detail) -> { });
    }

    /** As {@link #serverContext()}, telling {@code refused} of every client certificate that does not verify. */
    public SslContext serverContext(RefusedClients refused) throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManagers()))
                .trustManager(new ReportingTrustManager(trustManager(), refused))
                .clientAuth(io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE)
                .protocols("TLSv1.3")
                .build();
    }

    /** The certificate and key, read with the JDK and offered without a key store ({@link FixedKeyManager}). */
    private KeyManagerFactory keyManagers() throws SSLException {
        try {
            return new KeyManagerFactoryWrapper(new FixedKeyManager(Pem.readPrivateKey(privateKey), Pem.readCertificates(certificate)));
        } catch (java.io.IOException e) {
            throw new SSLException("cannot read the TLS certificate and key: " + e.getMessage(), e);
        }
    }

    private X509ExtendedTrustManager trustManager() throws SSLException {
        try (var in = java.nio.file.Files.newInputStream(trustedCa)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (var manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 trust manager for " + trustedCa);
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new SSLException("cannot read the trusted CA " + trustedCa + ": " + e.getMessage(), e);
        }
    }

    /** Delegates every check; reports a refused client certificate, then refuses it all the same. */
    private static final class ReportingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final RefusedClients refused;

        ReportingTrustManager(X509ExtendedTrustManager delegate, RefusedClients refused) {
            this.delegate = delegate;
            this.refused = refused;
        }

        private void report(X509Certificate[] chain, CertificateException e) {
            String reason = "untrusted_certificate";
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                    reason = "expired_certificate";
                }
            }
            refused.refused(reason, chain.length > 0 ? chain[0].getSubjectX500Principal().getName() : "(none)", e.getMessage());
        }

        /** A client check of the JDK's trust manager. */
        private interface ClientCheck {
            void run() throws CertificateException;
        }

        private void reported(X509Certificate[] chain, ClientCheck check) throws CertificateException {
            try {
                check.run();
            } catch (CertificateException e) {
                report(chain, e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            reported(chain, () -> delegate.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            reported(chain, () -> delegate.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            reported(chain, () -> delegate.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** A client context trusting only {@link #trustedCa()}, presenting the certificate when there is one. */
    public SslContext clientContext() throws SSLException {
        var builder = GrpcSslContexts.forClient().trustManager(trustManager());
        if (certificate != null && privateKey != null) {
            builder.keyManager(keyManagers());
        }
        return builder.build();
    }
}
