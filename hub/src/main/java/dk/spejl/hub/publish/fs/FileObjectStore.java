package dk.spejl.hub.publish.fs;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.wire.ObjectRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Objects as files: {@code <root>/ab/abcdef...}. A put writes a temporary file, forces it to
 * disk and renames it into place, so an object is either whole or absent after a crash.
 */
public final class FileObjectStore implements ObjectStore {
    private final Path root;

    public FileObjectStore(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    @Override
    public ObjectRef put(byte[] bytes) throws IOException {
        byte[] digest = Sha256.of(bytes);
        Path target = path(Sha256.hex(digest));
        if (!Files.exists(target)) {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + Thread.currentThread().getId());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // The rename is durable only once its directory is: the manifest that names the object may be synced next.
            dk.spejl.io.DurableFile.forceDirectory(target.getParent());
        }
        return ObjectRef.newBuilder().setDigest(ByteString.copyFrom(digest)).setSize(bytes.length).build();
    }

    @Override
    public Optional<Reader> open(byte[] digest) throws IOException {
        if (digest.length != Sha256.BYTES) {
            return Optional.empty();
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path(Sha256.hex(digest)), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        long size = channel.size();
        return Optional.of(new Reader() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public ByteString read(long offset, int max) throws IOException {
                int length = (int) Math.max(0, Math.min(max, size - offset));
                ByteBuffer buffer = ByteBuffer.allocate(length);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new IOException("object shrank while being read");
                    }
                }
                buffer.flip();
                return ByteString.copyFrom(buffer);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        });
    }

    @Override
    public Set<String> list() throws IOException {
        Set<String> names = new HashSet<>();
        try (Stream<Path> files = Files.walk(root, 2)) {
            files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.length() == 64 && !n.contains(".")).forEach(names::add);
        }
        return names;
    }

    @Override
    public void delete(String hexDigest) throws IOException {
        Files.deleteIfExists(path(hexDigest));
    }

    private Path path(String hex) {
        return root.resolve(hex.substring(0, 2)).resolve(hex);
    }
}
