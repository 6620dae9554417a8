package dk.spejl.spoke.auth;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small file of secrets beside the spoke's data (users, tokens), mode 0600. Changes are read-modify-write under
 * {@link #lock()}, so that the spoke and any number of CLI runs can change it at once without losing each other's
 * change; each write goes to a new file that is renamed into place, so a reader sees the old file or the new one,
 * never half of one, and a crash loses at most the change being made.
 */
final class PrivateFile<T> {
    /** A file lock is the process's: two holders in one process would overlap, so they queue here first. */
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    /** Reads the file's bytes (none when it does not exist) into what the file holds. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(byte[] bytes) throws IOException;
    }

    private final Path file;
    private final Parser<T> parser;
    private volatile Cached<T> cached;

    private record Cached<T>(Object key, java.nio.file.attribute.FileTime modified, long size, T value) {
    }

    /** A file changed this recently may change again within its time stamp's resolution: it is read again. */
    private static final long SETTLED_MILLIS = 2_000;

    PrivateFile(Path file, Parser<T> parser) {
        this.file = file.toAbsolutePath().normalize();
        this.parser = parser;
    }

    Path path() {
        return file;
    }

    /** What the file holds now, parsed again only when it has changed since the last read (a new file, or a new size or time). */
    T read() throws IOException {
        if (!Files.exists(file)) {
            return parser.parse(null);
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Cached<T> c = cached;
        boolean settled = System.currentTimeMillis() - a.lastModifiedTime().toMillis() > SETTLED_MILLIS;
        if (settled && c != null && Objects.equals(c.key(), a.fileKey()) && c.modified().equals(a.lastModifiedTime()) && c.size() == a.size()) {
            return c.value();
        }
        T value = parser.parse(Files.readAllBytes(file));
        cached = new Cached<>(a.fileKey(), a.lastModifiedTime(), a.size(), value);
        return value;
    }

    /** What the file holds, read afresh (under the lock, before a change). */
    T readFresh() throws IOException {
        return parser.parse(Files.exists(file) ? Files.readAllBytes(file) : null);
    }

    /** An exclusive lock on {@code <file>.lock}, held for one read-modify-write. */
    Lock lock() throws IOException {
        Files.createDirectories(file.getParent());
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
        local.lock();
        try {
            FileChannel channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.lock();
                return new Lock(channel, local);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    /** Held for one change; closing it releases the file lock, then the process's. */
    record Lock(FileChannel channel, ReentrantLock local) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                local.unlock();
            }
        }
    }

    /** Replaces the file with {@code bytes}, durably: a temporary file (0600), forced, renamed, and the rename forced. */
    void write(byte[] bytes) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself survives a crash
        }
    }
}
