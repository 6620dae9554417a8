package dk.spejl.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    /**
     * Issues a client certificate from the CA in {@code dir} and writes {@code <file>.pem} and
     * {@code <file>.key} into {@code out}; returns the files a client connects with.
     */
    public static TlsFiles enrol(Path dir, String subject, Path out, String file, java.time.Instant notBefore,
                                 java.time.Instant notAfter) throws IOException {
        return enrol(dir.resolve("ca.pem"), dir.resolve("ca.key"), subject, out, file, notBefore, notAfter);
    }

    /**
     * Issues a client certificate from the CA whose certificate and private key are the given files
     * (the key may live apart from the certificate, offline), as {@link #enrol(Path, String, Path, String, java.time.Instant, java.time.Instant)}.
     */
    public static TlsFiles enrol(Path caCertificate, Path caKey, String subject, Path out, String file, java.time.Instant notBefore,
                                 java.time.Instant notAfter) throws IOException {
        Files.createDirectories(out);
        if (!Files.isReadable(caKey)) {
            throw new IOException("cannot read the CA's private key at " + caKey + " (tls.ca_key)");
        }
        Path dir = caCertificate.toAbsolutePath().getParent();
        try {
            CertificateAuthority ca = CertificateAuthority.load(caCertificate, caKey, new SecureRandom());
            CertificateAuthority.Issued issued = ca.issueClient(subject, notBefore, notAfter);
            Pem.writeCertificate(out.resolve(file + ".pem"), issued.certificate());
            // The CA's register of what it issued: the hub refuses to revoke a name it never issued a certificate for.
            Optional<PeerIdentity> identity = PeerIdentity.of(issued.certificate());
            if (identity.isPresent()) {
                Files.createDirectories(dir.resolve(REGISTER));
                Pem.writeCertificate(registered(dir, identity.get().role(), identity.get().name()), issued.certificate());
            }
            Pem.writePrivateKey(out.resolve(file + ".key"), issued.keyPair().getPrivate());
            if (!out.toAbsolutePath().normalize().equals(dir.normalize())) {
                Files.copy(caCertificate, out.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("could not issue a certificate for " + subject + ": " + e.getMessage(), e);
        }
        return new TlsFiles(out.resolve(file + ".pem"), out.resolve(file + ".key"), out.resolve("ca.pem"));
    }

    /** The directory beside the CA's certificate that holds a copy of every certificate it issued. */
    public static final String REGISTER = "issued";

    private static Path registered(Path caDir, PeerIdentity.Role role, String name) {
        return caDir.resolve(REGISTER).resolve(role.name().toLowerCase(java.util.Locale.ROOT) + "-" + name + ".pem");
    }

    /**
     * Whether the CA beside {@code caCertificate} issued a certificate for this role and name; empty when it keeps no
     * register (its certificates were all issued before registers were kept).
     */
    public static Optional<Boolean> issued(Path caCertificate, PeerIdentity.Role role, String name) {
        Path caDir = caCertificate.toAbsolutePath().getParent();
        if (!Files.isDirectory(caDir.resolve(REGISTER))) {
            return Optional.empty();
        }
        return Optional.of(Files.exists(registered(caDir, role, name)));
    }

    /**
     * Everyone of {@code role} the CA beside {@code caCertificate} enrolled, as their certificates name them (the
     * newest certificate of a name counts); empty when it keeps no register.
     */
    public static java.util.List<PeerIdentity> enrolled(Path caCertificate, PeerIdentity.Role role) throws IOException {
        Path register = caCertificate.toAbsolutePath().getParent().resolve(REGISTER);
        if (!Files.isDirectory(register)) {
            return java.util.List.of();
        }
        String prefix = role.name().toLowerCase(java.util.Locale.ROOT) + "-";
        java.util.List<PeerIdentity> out = new java.util.ArrayList<>();
        try (var files = Files.list(register)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.toString().endsWith(".pem")).sorted().toList()) {
                try {
                    PeerIdentity.of(Pem.readCertificates(file)[0]).filter(p -> p.role() == role).ifPresent(out::add);
                } catch (IOException | RuntimeException unreadable) {
                    // One damaged copy in the register must not hide every other spoke.
                    org.slf4j.LoggerFactory.getLogger(ServerPki.class).warn("skipped {} in the CA's register: {}", file, unreadable.toString());
                }
            }
        }
        return out;
    }

    /** Enrols for the usual validity: 397 days from now. */
    public static TlsFiles enrol(Path dir, String subject, Path out, String file) throws IOException {
        return enrol(dir.resolve("ca.pem"), dir.resolve("ca.key"), subject, out, file);
    }

    /** Enrols for the usual validity, with the CA's key where {@code caKey} says. */
    public static TlsFiles enrol(Path caCertificate, Path caKey, String subject, Path out, String file) throws IOException {
        java.time.Instant now = java.time.Instant.now();
        return enrol(caCertificate, caKey, subject, out, file, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(397)));
    }

    /** The files a hub serves with. */
    public static TlsFiles serverFiles(Path dir) {
        return new TlsFiles(dir.resolve("hub.pem"), dir.resolve("hub.key"), dir.resolve("ca.pem"));
    }

    /** Trust in the hub's CA only, without a client certificate (the hub refuses such clients). */
    public static TlsFiles trustOnly(Path caFile) {
        return new TlsFiles(null, null, caFile);
    }
}
