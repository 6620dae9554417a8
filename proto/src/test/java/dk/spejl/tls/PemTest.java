package dk.spejl.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS keys and certificates are read with the JDK alone; what it cannot read gets an error that says what to do. */
class PemTest {
    @TempDir
    Path tmp;

    /** A PEM file in the temporary directory: one block with this label around this base64 body. */
    private Path pem(String name, String label, String base64) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n");
        return file;
    }

    @Test
    void aWrittenKeyAndCertificateReadBackAsTheyWere() throws Exception {
        TlsFiles files = ServerPki.create(tmp, "pem", List.of("localhost"), List.of("127.0.0.1"));
        PrivateKey key = Pem.readPrivateKey(files.privateKey());
        X509Certificate[] chain = Pem.readCertificates(files.certificate());
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(chain).hasSize(1);
        assertThat(chain[0].getSubjectX500Principal().getName()).contains("hub pem");
        // The key is the one the certificate certifies: a signature made with it verifies under the certificate.
        var signer = java.security.Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        var verifier = java.security.Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(chain[0]);
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();
    }

    @Test
    void anRsaKeyIsReadToo() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        PrivateKey rsa = generator.generateKeyPair().getPrivate();
        Path file = tmp.resolve("rsa.key");
        Pem.writePrivateKey(file, rsa);
        assertThat(Pem.readPrivateKey(file)).isEqualTo(rsa);
    }

    @Test
    void aKeyAfterACertificateInTheSameFileIsFound() throws Exception {
        TlsFiles files = ServerPki.create(tmp, "pem", List.of("localhost"), List.of("127.0.0.1"));
        Path both = tmp.resolve("both.pem");
        Files.writeString(both, Files.readString(files.certificate()) + Files.readString(files.privateKey()));
        assertThat(Pem.readPrivateKey(both)).isEqualTo(Pem.readPrivateKey(files.privateKey()));
    }

    @Test
    void anEcKeyInSec1FormIsRefusedWithTheWayToConvertIt() throws Exception {
        Path file = pem("sec1.key", "EC PRIVATE KEY", "MHcCAQEEIBsm");
        assertThatThrownBy(() -> Pem.readPrivateKey(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("EC PRIVATE KEY").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void anEncryptedKeyIsRefused() throws Exception {
        Path file = pem("enc.key", "ENCRYPTED PRIVATE KEY", "MIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkq");
        assertThatThrownBy(() -> Pem.readPrivateKey(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("ENCRYPTED PRIVATE KEY").hasMessageContaining("unencrypted PKCS#8");
    }

    @Test
    void aFileWithoutAKeyOrWithAKeyOfNoKnownAlgorithmIsRefused() throws Exception {
        TlsFiles files = ServerPki.create(tmp, "pem", List.of("localhost"), List.of("127.0.0.1"));
        assertThatThrownBy(() -> Pem.readPrivateKey(files.certificate())).isInstanceOf(IOException.class).hasMessageContaining("no PEM private key");
        byte[] der = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate().getEncoded();
        Path ed = pem("ed.key", "PRIVATE KEY", Base64.getMimeEncoder().encodeToString(der));
        assertThatThrownBy(() -> Pem.readPrivateKey(ed)).isInstanceOf(IOException.class).hasMessageContaining("neither EC nor RSA");
        Path garbage = pem("garbage.key", "PRIVATE KEY", "AAAA");
        assertThatThrownBy(() -> Pem.readPrivateKey(garbage)).isInstanceOf(IOException.class);
    }

    @Test
    void aCertificateFileWithoutACertificateIsRefused() throws Exception {
        Path empty = tmp.resolve("empty.pem");
        Files.writeString(empty, "");
        assertThatThrownBy(() -> Pem.readCertificates(empty)).isInstanceOf(IOException.class).hasMessageContaining("no certificate");
    }

    @Test
    void theKeyManagerOffersTheKeyOnlyForItsOwnKeyType() throws Exception {
        TlsFiles files = ServerPki.create(tmp, "pem", List.of("localhost"), List.of("127.0.0.1"));
        FixedKeyManager manager = new FixedKeyManager(Pem.readPrivateKey(files.privateKey()), Pem.readCertificates(files.certificate()));
        assertThat(manager.chooseEngineServerAlias("EC", null, null)).isEqualTo(FixedKeyManager.ALIAS);
        assertThat(manager.chooseEngineServerAlias("EC_RSA", null, null)).isEqualTo(FixedKeyManager.ALIAS);
        assertThat(manager.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(manager.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null)).isEqualTo(FixedKeyManager.ALIAS);
        assertThat(manager.chooseEngineClientAlias(new String[] {"RSA"}, null, null)).isNull();
        assertThat(manager.getCertificateChain("other")).isNull();
        assertThat(manager.getPrivateKey("other")).isNull();
        assertThat(manager.getPrivateKey(FixedKeyManager.ALIAS)).isEqualTo(Pem.readPrivateKey(files.privateKey()));
    }
}
