package dk.spejl.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The hub's certificate authority for gRPC TLS. Keys are ECDSA P-256: BoringSSL inside
 * grpc-netty-shaded refuses Ed25519 certificates (STACK.md); Ed25519 stays for signatures.
 */
public final class CertificateAuthority {
    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final SecureRandom random;

    public CertificateAuthority(KeyPair keyPair, X509Certificate certificate, SecureRandom random) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.random = random;
    }

    public static CertificateAuthority create(String name, Duration validity, SecureRandom random) throws GeneralSecurityException {
        KeyPair pair = newKeyPair(random);
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(random),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(pair, sign(builder, pair), random);
        } catch (java.io.IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("could not build the CA certificate", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** A server certificate valid for the given DNS names and IP addresses. */
    public Issued issueServer(String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity)
            throws GeneralSecurityException {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        return issue(commonName, names, KeyPurposeId.id_kp_serverAuth, validity);
    }

    /** A client certificate; its subject is what the hub reads a client's identity from. */
    public Issued issueClient(String subjectDn, Duration validity) throws GeneralSecurityException {
        Instant now = Instant.now();
        return issueClient(subjectDn, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** A client certificate valid from {@code notBefore} to {@code notAfter}. */
    public Issued issueClient(String subjectDn, Instant notBefore, Instant notAfter) throws GeneralSecurityException {
        return issue(subjectDn, List.of(), KeyPurposeId.id_kp_clientAuth, notBefore, notAfter);
    }

    /** Loads a CA written by {@link ServerPki}. */
    public static CertificateAuthority load(Path certificateFile, Path keyFile, SecureRandom random) throws IOException {
        try (PEMParser certs = new PEMParser(Files.newBufferedReader(certificateFile));
             PEMParser keys = new PEMParser(Files.newBufferedReader(keyFile))) {
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) certs.readObject());
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) keys.readObject());
            return new CertificateAuthority(new KeyPair(certificate.getPublicKey(), key), certificate, random);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IOException("cannot load the CA from " + certificateFile + " and " + keyFile + ": " + e.getMessage(), e);
        }
    }

    public record Issued(KeyPair keyPair, X509Certificate certificate) {
    }

    private Issued issue(String subject, List<GeneralName> names, KeyPurposeId purpose, Duration validity)
            throws GeneralSecurityException {
        Instant now = Instant.now();
        return issue(subject, names, purpose, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    private Issued issue(String subject, List<GeneralName> names, KeyPurposeId purpose, Instant notBefore, Instant notAfter)
            throws GeneralSecurityException {
        KeyPair pair = newKeyPair(random);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X500Name subjectName = new X500Name(subject.contains("=") ? subject : "CN=" + subject);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X509CertificateHolder(certificate.getEncoded()).getSubject(), serial(random),
                    Date.from(notBefore), Date.from(notAfter), subjectName, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new Issued(pair, sign(builder, keyPair));
        } catch (java.io.IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("could not issue a certificate for " + subject, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static KeyPair newKeyPair(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }
}
