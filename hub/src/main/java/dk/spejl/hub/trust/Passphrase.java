package dk.spejl.hub.trust;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Where the root key's passphrase comes from: the first line of a file, or the terminal. */
public final class Passphrase {
    private Passphrase() {
    }

    /**
     * @param file    a file whose first line is the passphrase, or null to ask on the terminal
     * @param confirm ask twice (for a new key)
     */
    public static char[] read(Path file, String prompt, boolean confirm) throws IOException {
        if (file != null) {
            try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
                return lines.findFirst().orElse("").toCharArray();
            }
        }
        Console console = System.console();
        if (console == null) {
            throw new IOException("no passphrase: give --passphrase-file, or run on a terminal to be asked");
        }
        char[] first = console.readPassword("%s: ", prompt);
        if (confirm) {
            char[] again = console.readPassword("the same again: ");
            if (!Arrays.equals(first, again)) {
                throw new IOException("the two passphrases differ; nothing was written");
            }
        }
        return first;
    }
}
