package dk.spejl.hub.cli;

import dk.spejl.hub.trust.Passphrase;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.RootKeyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;

@Command(name = "create-root", mixinStandardHelpOptions = true,
        description = {"Creates a root key, protected by a passphrase, and prints the fingerprint spokes pin.",
                "Run it on the machine that will keep the key offline."})
final class KeysCreateRootCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "The file to write; it must not exist.")
    Path out;
    @Option(names = "--passphrase-file", description = "A file whose first line is the passphrase (default: ask on the terminal, twice).")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        RootKeyFile.write(out, key, Passphrase.read(passphraseFile, "new passphrase for " + out, true));
        System.out.println("created root key " + out);
        System.out.println("fingerprint (spokes pin this): " + key.publicKey().fingerprint());
        return 0;
    }
}
