package dk.spejl.signing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RootKeyFileTest {
    @TempDir
    Path tmp;

    private final Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
    private final char[] passphrase = "correct horse battery staple".toCharArray();

    @Test
    void roundTripsUnderItsPassphraseAndHoldsNoPlainKey() throws Exception {
        Path file = tmp.resolve("root.key");
        RootKeyFile.write(file, root, passphrase);
        String pem = Files.readString(file);
        assertThat(pem).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertThat(pem.toLowerCase()).doesNotContain(dk.spejl.digest.Sha256.hex(root.seed()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(RootKeyFile.read(file, passphrase).publicKey().fingerprint()).isEqualTo(root.publicKey().fingerprint());
    }

    @Test
    void openSslReadsTheFileAndGetsTheSameKey() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("openssl"), "openssl is not installed");
        Path file = tmp.resolve("root.key");
        RootKeyFile.write(file, root, passphrase);
        Path pass = tmp.resolve("pass");
        Files.writeString(pass, new String(passphrase) + "\n");
        Process p = new ProcessBuilder("openssl", "pkey", "-in", file.toString(), "-passin", "file:" + pass, "-pubout",
                "-outform", "DER").redirectErrorStream(true).start();
        byte[] der = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as(new String(der)).isZero();
        // SubjectPublicKeyInfo for Ed25519 is a 12-byte header and the 32-byte key.
        assertThat(java.util.Arrays.copyOfRange(der, der.length - 32, der.length)).isEqualTo(root.publicKey().encoded());
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aWrongPassphraseSaysSoAndNothingElse() throws Exception {
        Path file = tmp.resolve("root.key");
        RootKeyFile.write(file, root, passphrase);
        assertThatThrownBy(() -> RootKeyFile.read(file, "correct horse battery stapler".toCharArray()))
                .isInstanceOf(RootKeyFile.WrongPassphraseException.class).hasMessageContaining("wrong passphrase");
    }

    @Test
    void refusesAShortPassphraseAnExistingFileAndAnUnencryptedKey() throws Exception {
        assertThatThrownBy(() -> RootKeyFile.write(tmp.resolve("a.key"), root, "short".toCharArray()))
                .hasMessageContaining("at least 12");
        assertThat(tmp.resolve("a.key")).doesNotExist();
        Path file = tmp.resolve("root.key");
        RootKeyFile.write(file, root, passphrase);
        String before = Files.readString(file);
        assertThatThrownBy(() -> RootKeyFile.write(file, Ed25519.generate(new SecureRandom()), passphrase))
                .hasMessageContaining("refusing to overwrite");
        assertThat(Files.readString(file)).isEqualTo(before);
        Path plain = tmp.resolve("plain.key");
        KeyFiles.writePrivate(plain, root);
        assertThatThrownBy(() -> RootKeyFile.read(plain, passphrase)).hasMessageContaining("not an encrypted private key");
    }
}
