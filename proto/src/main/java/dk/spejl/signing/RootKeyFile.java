package dk.spejl.signing;

import dk.spejl.io.DurableFile;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.SecureRandom;

/**
 * The root key's file: an encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"), AES-256-CBC under a
 * key derived from the passphrase with PBKDF2-HMAC-SHA256. It is the standard format, so
 * {@code openssl pkey -in root.key} can read it too. The hub never needs it while it runs.
 */
public final class RootKeyFile {
    /** PBKDF2 rounds: about half a second here, once per ceremony. */
    static final int ITERATIONS = 600_000;
    public static final int MIN_PASSPHRASE = 12;
    private static final Provider BC = new BouncyCastleProvider();

    private RootKeyFile() {
    }

    /** Thrown for a wrong passphrase or a damaged file, which cannot be told apart. */
    public static final class WrongPassphraseException extends IOException {
        WrongPassphraseException(Path file) {
            super("cannot decrypt " + file + ": wrong passphrase, or the file is damaged");
        }
    }

    /** Writes the key, readable by its owner only; refuses to replace an existing file. */
    public static void write(Path file, Ed25519.PrivateKey key, char[] passphrase) throws IOException {
        if (passphrase.length < MIN_PASSPHRASE) {
            throw new IOException("a root key passphrase needs at least " + MIN_PASSPHRASE + " characters");
        }
        if (Files.exists(file)) {
            throw new IOException("refusing to overwrite " + file);
        }
        StringWriter pem = new StringWriter();
        try (PemWriter writer = new PemWriter(pem)) {
            // The RFC 8410 form, seed only: BouncyCastle's default adds the public key (a v2 structure) that
            // OpenSSL 3.0 does not read.
            PrivateKeyInfo info = new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DEROctetString(key.seed()));
            var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(BC)
                    .setRandom(new SecureRandom()).setPRF(PKCS8Generator.PRF_HMACSHA256).setIterationCount(ITERATIONS)
                    .setPassword(passphrase).build();
            writer.writeObject(new PKCS8Generator(info, encryptor));
        } catch (OperatorCreationException e) {
            throw new IOException("cannot encrypt the root key: " + e.getMessage(), e);
        }
        DurableFile.writePrivate(file, pem.toString().getBytes(StandardCharsets.US_ASCII));
    }

    public static Ed25519.PrivateKey read(Path file, char[] passphrase) throws IOException {
        Object parsed;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(in)) {
            parsed = pem.readObject();
        }
        if (!(parsed instanceof PKCS8EncryptedPrivateKeyInfo encrypted)) {
            throw new IOException(file + " is not an encrypted private key (ENCRYPTED PRIVATE KEY PEM)");
        }
        try {
            PrivateKeyInfo info = encrypted.decryptPrivateKeyInfo(
                    new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(passphrase));
            if (!(PrivateKeyFactory.createKey(info) instanceof Ed25519PrivateKeyParameters ed)) {
                throw new IOException(file + " holds a private key that is not Ed25519");
            }
            return new Ed25519.PrivateKey(ed.getEncoded());
        } catch (PKCSException | OperatorCreationException | IllegalArgumentException e) {
            throw new WrongPassphraseException(file);
        }
    }
}
