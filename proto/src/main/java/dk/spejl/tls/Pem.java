package dk.spejl.tls;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM files as Netty reads them: private keys as PKCS#8 ("BEGIN PRIVATE KEY"), see STACK.md. */
public final class Pem {
    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** The key algorithms a TLS key may use, tried in this order. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA");

    private Pem() {
    }

    /**
     * Reads an unencrypted PKCS#8 private key ("BEGIN PRIVATE KEY") with the JDK alone. Other PEM
     * forms get an error that says how to convert them.
     */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        Matcher m = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new IOException(file + " holds no PEM private key");
        }
        if (!m.group(1).equals("PRIVATE KEY")) {
            throw new IOException(file + " holds a \"" + m.group(1) + "\"; a TLS key must be unencrypted PKCS#8 (\"PRIVATE KEY\"): "
                    + "convert it with openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the private key is not valid base64: " + e.getMessage());
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new IOException(file + " holds a PKCS#8 key that is neither " + String.join(" nor ", KEY_ALGORITHMS));
    }

    /** Reads every certificate in a PEM file, in order (a leaf and its issuers). */
    public static X509Certificate[] readCertificates(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            X509Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                throw new IOException(file + " holds no certificate");
            }
            return chain;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    public static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        }
        dk.spejl.io.DurableFile.write(file, out.toString().getBytes(StandardCharsets.US_ASCII));
    }

    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new JcaPKCS8Generator(key, null));
        }
        // Owner-only from its creation on, forced to disk, renamed into place, directory forced: a crash leaves the old key or the new.
        dk.spejl.io.DurableFile.writePrivate(file, out.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
