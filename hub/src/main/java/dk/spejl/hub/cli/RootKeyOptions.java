package dk.spejl.hub.cli;

import dk.spejl.hub.trust.Passphrase;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.RootKeyFile;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/** Where the root key is and how to unlock it. */
final class RootKeyOptions {
    @Option(names = "--root-key", required = true, description = "The root key file (encrypted PKCS#8 PEM), e.g. on removable media.")
    Path rootKey;
    @Option(names = "--passphrase-file", description = "A file whose first line is the root key's passphrase (default: ask on the terminal).")
    Path passphraseFile;
    @Option(names = "--valid-days", defaultValue = "365", description = "How long the new key delegation is valid (default: ${DEFAULT-VALUE}).")
    int validDays;

    Ed25519.PrivateKey read() throws IOException {
        return RootKeyFile.read(rootKey, Passphrase.read(passphraseFile, "passphrase for " + rootKey, false));
    }

    Ed25519.PrivateKey readOrCreate() throws IOException {
        if (Files.exists(rootKey)) {
            return read();
        }
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        RootKeyFile.write(rootKey, key, Passphrase.read(passphraseFile, "new passphrase for " + rootKey, true));
        return key;
    }

    void checkValidity() {
        if (validDays < 1 || validDays > 3 * 365) {
            throw new IllegalArgumentException("--valid-days must be 1 to 1095, got " + validDays);
        }
    }
}
