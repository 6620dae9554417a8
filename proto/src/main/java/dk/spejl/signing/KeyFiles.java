package dk.spejl.signing;

import dk.spejl.digest.Sha256;
import dk.spejl.io.DurableFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Key files: one line, "ed25519-private:" or "ed25519-public:" and the hex of the key. */
public final class KeyFiles {
    private static final String PRIVATE = "ed25519-private:";
    private static final String PUBLIC = "ed25519-public:";

    private KeyFiles() {
    }

    public static void writePrivate(Path file, Ed25519.PrivateKey key) throws IOException {
        DurableFile.writePrivate(file, (PRIVATE + Sha256.hex(key.seed()) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    public static void writePublic(Path file, Ed25519.PublicKey key) throws IOException {
        Files.writeString(file, PUBLIC + Sha256.hex(key.encoded()) + "\n", StandardCharsets.US_ASCII);
    }

    public static Ed25519.PrivateKey readPrivate(Path file) throws IOException {
        return new Ed25519.PrivateKey(Sha256.parseHex(read(file, PRIVATE)));
    }

    public static Ed25519.PublicKey readPublic(Path file) throws IOException {
        return new Ed25519.PublicKey(Sha256.parseHex(read(file, PUBLIC)));
    }

    private static String read(Path file, String prefix) throws IOException {
        String line = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!line.startsWith(prefix)) {
            throw new IOException(file + " is not an " + prefix.replace(":", "") + " key file");
        }
        return line.substring(prefix.length());
    }
}
