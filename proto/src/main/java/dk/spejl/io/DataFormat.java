package dk.spejl.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The format version of a daemon's data directory, in its file {@code FORMAT} ({@code spejl-hub 1}, say). A daemon
 * refuses a directory written in a newer format than it knows, with a message that says so, before it opens anything
 * in it; an older one it upgrades in place (or, a spoke, rebuilds from the hub: its replica can always be had again),
 * and says which. A directory from before format files were kept is format 1, today's layout, and is marked as such.
 */
public final class DataFormat {
    private static final Logger log = LoggerFactory.getLogger(DataFormat.class);
    public static final String FILE = "FORMAT";
    /** Held by the daemon that uses the directory, from its format check until it stops. */
    public static final String LOCK = "FORMAT.lock";

    /** What a daemon does with a directory of an older format it knows; empty for none to do. */
    @FunctionalInterface
    public interface Upgrade {
        /**
         * Brings {@code dir} from format {@code from} to the next; returns what was done, for the log. A step must be
         * safe to run again: a crash after it and before the format file is rewritten repeats it.
         */
        String step(Path dir, int from) throws IOException;
    }

    /** The directory was written in a format this daemon does not know. */
    public static final class NewerFormat extends IOException {
        public NewerFormat(String message) {
            super(message);
        }
    }

    private DataFormat() {
    }

    /**
     * Checks (and, for a new or unmarked directory, writes) the format of {@code dir}, written by daemon {@code kind}
     * ({@code spejl-hub}, {@code spejl-spoke}) that knows formats up to {@code current}.
     *
     * @return the format the directory was in when found
     */
    public static int check(Path dir, String kind, int current, Upgrade upgrade) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        int found;
        if (!Files.exists(file)) {
            boolean empty;
            try (Stream<Path> entries = Files.list(dir)) {
                empty = entries.filter(p -> !p.getFileName().toString().equals(LOCK)).findAny().isEmpty();
            }
            // Another daemon's directory, unmarked because it predates format files, is not taken over.
            for (String foreign : kind.equals("spejl-hub") ? List.of("replica", "trust.bin") : List.of("catalogue", "keys")) {
                if (Files.exists(dir.resolve(foreign))) {
                    throw new IOException(dir + " holds " + foreign + ": it is not a " + kind + " data directory; check data.dir");
                }
            }
            found = 1; // new, or written before format files were kept: today's layout either way
            if (!empty) {
                log.info("data directory {} has no {} file: written before formats were kept, that is format 1; marked so", dir, FILE);
            }
        } else {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            String[] parts = text.split(" ");
            if (parts.length != 2 || !parts[0].equals(kind)) {
                throw new IOException(file + " says '" + text + "': this is not a " + kind + " data directory");
            }
            try {
                found = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException(file + " says '" + text + "': the format is not a number");
            }
            if (found > current) {
                throw new NewerFormat("data directory " + dir + " is in " + kind + " format " + found + ", written by a newer Spejl; this one "
                        + "reads formats up to " + current + ". Run the newer version, or restore a backup taken before the upgrade.");
            }
            if (found < 1) {
                throw new IOException(file + " says format " + found + ", which no Spejl ever wrote");
            }
        }
        for (int f = found; f < current; f++) {
            String done = upgrade.step(dir, f);
            log.warn("data directory {}: upgraded from format {} to {}: {}", dir, f, f + 1, done);
            write(file, kind, f + 1);
        }
        if (!Files.exists(file) || found != current) {
            write(file, kind, current);
        }
        return found;
    }

    /**
     * Takes the directory for this process: a second daemon (or a newer version started beside a running one) is
     * refused before it checks, let alone upgrades, anything. Close it when the daemon stops.
     */
    public static java.io.Closeable lock(Path dir) throws IOException {
        Files.createDirectories(dir);
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.resolve(LOCK),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock held;
        try {
            held = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            channel.close();
            throw new IOException("data directory " + dir + " is in use by another process (it holds " + dir.resolve(LOCK) + ")");
        }
        java.nio.channels.FileLock lock = held;
        return () -> {
            lock.release();
            channel.close();
        };
    }

    private static void write(Path file, String kind, int format) throws IOException {
        DurableFile.write(file, (kind + " " + format + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
