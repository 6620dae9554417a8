package dk.spejl.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * Creates a hub's TLS material in one directory: a CA ({@code ca.pem}, {@code ca.key}) and a
 * server certificate it issues ({@code hub.pem}, {@code hub.key}) for the given names. Spokes
 * trust {@code ca.pem}.
 */
public final class ServerPki {
    private ServerPki() {
    }

    public static TlsFiles create(Path dir, String hubId, List<String> dnsNames, List<String> ipAddresses) throws IOException {
        Files.createDirectories(dir);
        try {
            SecureRandom random = new SecureRandom();
            CertificateAuthority ca = CertificateAuthority.create("Spejl CA for hub " + hubId, Duration.ofDays(3650), random);
            CertificateAuthority.Issued server = ca.issueServer("hub " + hubId, dnsNames, ipAddresses, Duration.ofDays(825));
            Pem.writeCertificate(dir.resolve("ca.pem"), ca.certificate());
            Pem.writePrivateKey(dir.resolve("ca.key"), ca.keyPair().getPrivate());
            Pem.writeCertificate(dir.resolve("hub.pem"), server.certificate());
            Pem.writePrivateKey(dir.resolve("hub.key"), server.keyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IOException("could not create TLS material: " + e.getMessage(), e);
        }
        return serverFiles(dir);
    }

    /** The files a hub serves with. */
    public static TlsFiles serverFiles(Path dir) {
        return new TlsFiles(dir.resolve("hub.pem"), dir.resolve("hub.key"), dir.resolve("ca.pem"));
    }

    /** What a spoke needs to trust the hub (no client certificate yet). */
    public static TlsFiles trustOnly(Path caFile) {
        return new TlsFiles(null, null, caFile);
    }
}
