package dk.spejl.hub.cli;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.Backup;
import dk.spejl.io.DurableFile;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.BackupChunk;
import dk.spejl.wire.BackupFile;
import dk.spejl.wire.BackupRequest;
import dk.spejl.wire.BackupSummary;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Takes a consistent backup of the running hub into DIR, while it goes on publishing: a checkpoint of the",
                "catalogue (as of one signed revision) and of the access log, every object the catalogue names, the keys (never the",
                "root key) and the TLS material, with hub.conf. Every file is checked against the SHA-256 the hub sent; BACKUP.json,",
                "written last, lists them all. Copy DIR off the hub's machine; 'spejl-hub restore' brings it up on another.",
                "Exit codes: 0 backed up, 2 not (nothing is left in DIR)."})
final class BackupCommand implements Callable<Integer> {
    /** What a path sent by the hub may look like: under data/, keys/ or tls/, no '..' and nothing odd. */
    private static final Pattern PATH = Backup.PATH;
    /** A backup holds the hub's private keys: everything in it is its owner's alone. */
    static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY_DIR = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY_FILE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    @Parameters(index = "0", paramLabel = "DIR", description = "Where to write the backup; must not exist, or be empty.")
    Path dir;
    @CommandLine.Mixin
    AdminTarget target;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir) && (!Files.isDirectory(dir) || hasEntries(dir))) {
            System.err.println("refusing to write into " + dir + ": it exists and is not an empty directory");
            return 2;
        }
        boolean created = !Files.exists(dir);
        Files.createDirectories(dir, OWNER_ONLY_DIR);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------")); // it holds private keys
        long seconds = target.seconds(3600);
        ManagedChannel channel = target.channel();
        try {
            BackupSummary summary = receive(AdminGrpc.newBlockingStub(channel).withDeadlineAfter(seconds, TimeUnit.SECONDS)
                    .backup(BackupRequest.getDefaultInstance()));
            byte[] confBytes = Files.readAllBytes(target.config);
            DurableFile.writePrivate(dir.resolve("hub.conf"), confBytes);
            summary = summary.toBuilder().addFiles(BackupFile.newBuilder().setPath("hub.conf").setSize(confBytes.length)
                    .setSha256(Sha256.hex(Sha256.of(confBytes)))).build();
            DurableFile.writePrivate(dir.resolve(Backup.DESCRIPTION), com.google.protobuf.util.JsonFormat.printer()
                    .preservingProtoFieldNames().print(summary).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            System.out.printf("backed up hub %s at revision %d (manifest %s), taken %s: %d files, %d bytes; access log of %d entries;"
                            + " key delegation version %d%n", summary.getHubId(), summary.getRevision(), summary.getManifestDigest().substring(0, 12),
                    Instant.ofEpochMilli(summary.getTakenAtMillis()), summary.getFilesCount(), summary.getBytes(), summary.getAccessLogSize(),
                    summary.getDelegationVersion());
            System.out.println("in " + dir + ": copy it off this machine; it holds the hub's private keys and the CA's key");
            return 0;
        } catch (StatusRuntimeException e) {
            clear(created);
            System.err.println("no backup: " + target.explain(e, seconds));
            return 2;
        } catch (IOException | RuntimeException e) {
            clear(created);
            System.err.println("no backup: " + e.getMessage());
            return 2;
        } finally {
            channel.shutdownNow();
        }
    }

    /** Writes each file as it comes and checks it against the digest the hub sent; returns the summary. */
    private BackupSummary receive(Iterator<BackupChunk> chunks) throws IOException {
        Map<String, String> written = new LinkedHashMap<>();
        String path = null;
        FileChannel out = null;
        MessageDigest sha256 = null;
        long offset = 0;
        try {
            while (chunks.hasNext()) {
                BackupChunk chunk = chunks.next();
                if (chunk.hasSummary()) {
                    BackupSummary summary = chunk.getSummary();
                    if (out != null) {
                        throw new IOException("the hub ended the backup in the middle of " + path);
                    }
                    for (BackupFile file : summary.getFilesList()) {
                        if (!file.getSha256().equals(written.get(file.getPath()))) {
                            throw new IOException("the hub's summary lists " + file.getPath() + ", which was not received as listed");
                        }
                    }
                    if (written.size() != summary.getFilesCount() || written.size() != summary.getFileCount()) {
                        throw new IOException("received " + written.size() + " files, the hub's summary lists " + summary.getFilesCount());
                    }
                    return summary;
                }
                if (out == null) {
                    if (!PATH.matcher(chunk.getPath()).matches() || chunk.getPath().contains("..") || written.containsKey(chunk.getPath())
                            || chunk.getOffset() != 0) {
                        throw new IOException("the hub sent an unexpected file '" + chunk.getPath() + "' at offset " + chunk.getOffset());
                    }
                    path = chunk.getPath();
                    Path file = dir.resolve(path);
                    Files.createDirectories(file.getParent(), OWNER_ONLY_DIR);
                    out = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY_FILE);
                    sha256 = Sha256.newDigest();
                    offset = 0;
                } else if (!chunk.getPath().equals(path) || chunk.getOffset() != offset) {
                    throw new IOException("the hub sent " + chunk.getPath() + " at " + chunk.getOffset() + " while " + path + " was at " + offset);
                }
                sha256.update(chunk.getData().asReadOnlyByteBuffer());
                var data = chunk.getData().asReadOnlyByteBuffer();
                while (data.hasRemaining()) {
                    out.write(data);
                }
                offset += chunk.getData().size();
                if (!chunk.getSha256().isEmpty()) {
                    byte[] digest = sha256.digest();
                    if (!MessageDigest.isEqual(digest, chunk.getSha256().toByteArray())) {
                        throw new IOException(path + " arrived damaged: its SHA-256 is not the one the hub sent");
                    }
                    out.force(true);
                    out.close();
                    out = null;
                    written.put(path, Sha256.hex(digest));
                }
            }
            throw new IOException("the hub's stream ended without its summary");
        } finally {
            if (out != null) {
                out.close();
            }
        }
    }

    private void clear(boolean created) {
        try {
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (!p.equals(dir) || created) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("could not clear the unfinished backup in " + dir + ": " + e.getMessage() + "; delete it by hand");
        }
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }
}
