package dk.spejl.hub.cli;

import dk.spejl.config.ConfigFile;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.Backup;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.CatalogueCheck;
import dk.spejl.hub.publish.SmallObjectStore;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.publish.fs.FileObjectStore;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.log.MerkleLog;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.wire.BackupFile;
import dk.spejl.wire.BackupSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Brings a backup made by 'spejl-hub backup' up as a hub directory (hub.conf, data/, keys/, tls/) on this machine.",
                "Every file is checked against BACKUP.json first, and nothing is written from a damaged backup; then the restored",
                "catalogue is checked as 'spejl-hub check' does. Start the hub as usual afterwards. Its spokes will usually hold",
                "revisions it lost (those published after the backup): when each reconnects, the hub checks the signature of the",
                "manifest it holds and publishes a new revision above the newest, with a snapshot, chained to it; every spoke moves",
                "there by itself. No other step is needed (docs/operations.md, 'Back up and restore').",
                "Exit codes: 0 restored and checked, 1 restored but the check found problems (printed), 2 nothing restored."})
final class RestoreCommand implements Callable<Integer> {
    /** Settings naming TLS files, which the restored hub.conf points at tls/ when the backup holds the file. */
    private static final List<String> TLS_SETTINGS = List.of("tls.certificate", "tls.private_key", "tls.ca", "tls.ca_key",
            "admin.client_certificate", "admin.client_key");

    @Parameters(index = "0", paramLabel = "BACKUP", description = "The directory 'spejl-hub backup' wrote.")
    Path backup;
    @Option(names = "--dir", required = true, description = "The hub directory to create (its hub.conf, data, keys and tls must not exist).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path description = backup.resolve(Backup.DESCRIPTION);
        if (!Files.isRegularFile(description)) {
            System.err.println("no " + Backup.DESCRIPTION + " in " + backup + ": not a finished backup (it is written last)");
            return 2;
        }
        BackupSummary.Builder parsed = BackupSummary.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().ignoringUnknownFields().merge(Files.readString(description), parsed);
        BackupSummary summary = parsed.build();
        Path staging = dir.resolve(STAGING);
        if (Files.exists(staging)) {
            System.err.println("an earlier restore into " + dir + " stopped half-way (" + staging + " is there): delete " + staging
                    + " and whichever of hub.conf, data, keys and tls it had moved into " + dir + ", then restore again");
            return 2;
        }
        for (String part : PARTS) {
            if (Files.exists(dir.resolve(part))) {
                System.err.println("refusing to restore into " + dir + ": " + dir.resolve(part) + " exists");
                return 2;
            }
        }
        // Everything is checked before anything is written.
        List<String> damaged = new ArrayList<>();
        for (BackupFile file : summary.getFilesList()) {
            Path source = backup.resolve(file.getPath()).normalize();
            if (!source.startsWith(backup.normalize()) || !RESTORED_PATH.matcher(file.getPath()).matches() || file.getPath().contains("..")) {
                damaged.add(file.getPath() + ": not a path inside the backup");
            } else if (!Files.isRegularFile(source)) {
                damaged.add(file.getPath() + ": missing");
            } else if (Files.size(source) != file.getSize()) {
                damaged.add(file.getPath() + ": " + Files.size(source) + " bytes, " + file.getSize() + " were backed up");
            } else if (!Sha256.hex(hash(source)).equals(file.getSha256())) {
                damaged.add(file.getPath() + ": its SHA-256 is not the one backed up");
            }
        }
        if (summary.getFilesList().stream().noneMatch(f -> f.getPath().equals("hub.conf"))) {
            damaged.add("hub.conf: not in the backup");
        }
        if (!damaged.isEmpty()) {
            System.err.println("the backup in " + backup + " is damaged; nothing restored:");
            damaged.stream().limit(20).forEach(d -> System.err.println("  " + d));
            return 2;
        }
        ConfigFile backedUp = ConfigFile.read(backup.resolve("hub.conf"), HubConfig.SETTINGS);
        if (!backedUp.required("hub.id").equals(summary.getHubId())) {
            System.err.println("the backup's hub.conf is for hub '" + backedUp.required("hub.id") + "', its data for '" + summary.getHubId() + "'");
            return 2;
        }

        // Everything is written into a staging directory first, owner-only and forced to disk, with the mark that says
        // the hub was restored; then moved into place, the catalogue last, so that no catalogue appears without its mark.
        Files.createDirectories(dir);
        Files.createDirectory(staging, OWNER_ONLY_DIR);
        try {
            for (BackupFile file : summary.getFilesList()) {
                if (file.getPath().equals("hub.conf")) {
                    continue;
                }
                copyDurably(backup.resolve(file.getPath()), staging.resolve(file.getPath()));
            }
        } catch (IOException | RuntimeException e) {
            deleteTree(staging); // nothing was moved into place yet
            throw e;
        }
        Map<String, String> settings = new LinkedHashMap<>(backedUp.values());
        settings.put("data.dir", "data");
        settings.put("keys.dir", "keys");
        List<String> notBackedUp = new ArrayList<>();
        for (String key : TLS_SETTINGS) {
            Path named = backedUp.path(key, defaultTls(key));
            Path restored = Path.of("tls").resolve(named.getFileName());
            if (Files.exists(staging.resolve(restored))) {
                settings.put(key, restored.toString());
            } else if (settings.containsKey(key)) {
                notBackedUp.add(key + " = " + settings.get(key));
            }
        }
        // The mark that tells the hub it was restored: it learns from its spokes how far it had published (docs/operations.md).
        new dk.spejl.hub.replication.HeldManifests.Restored(summary.getRevision(), summary.getTakenAtMillis(), System.currentTimeMillis())
                .write(staging.resolve("data"));
        dk.spejl.io.DurableFile.writePrivate(staging.resolve("hub.conf"), ConfigFile.render("Spejl hub configuration, restored from a backup of revision "
                + summary.getRevision() + " taken " + Instant.ofEpochMilli(summary.getTakenAtMillis()) + ". Every setting:",
                HubConfig.SETTINGS, settings).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (var dirs = Files.walk(staging)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                dk.spejl.io.DurableFile.forceDirectory(d);
            }
        }
        // hub.conf last: until it is there no hub starts on a part of the restore (and data/ carries its mark).
        for (String part : List.of("keys", "tls", "data", "hub.conf")) {
            if (Files.exists(staging.resolve(part))) {
                Files.move(staging.resolve(part), dir.resolve(part), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        dk.spejl.io.DurableFile.forceDirectory(dir);
        Files.delete(staging);

        HubConfig restored = HubConfig.read(dir.resolve("hub.conf"));
        CatalogueCheck.Outcome outcome;
        try (CatalogueStore store = CatalogueStore.openReadOnly(restored.dataDir().resolve("catalogue"))) {
            outcome = CatalogueCheck.run(store, new TieredObjectStore(new SmallObjectStore(store.database()),
                    new FileObjectStore(restored.dataDir().resolve("objects"))), HubKeys.load(restored.keysDir(), restored.rootFingerprint(),
                    restored.hubId(), Optional.empty(), DelegationVerifier.ANY_TIME).trusted());
        }
        long accessEntries;
        try (MerkleLog accessLog = dk.spejl.hub.access.AccessLog.openReadOnly(restored.dataDir(),
                restored.keysDir().resolve(HubKeys.AUDIT_LOG_KEY), restored.hubId())) {
            var verification = accessLog.verify();
            if (!verification.ok()) {
                outcome = new CatalogueCheck.Outcome(append(outcome.problems(), "the access log, from entry " + verification.firstBad() + ": " + verification.problem()), outcome.revision(),
                        outcome.records(), outcome.objects(), outcome.bytes());
            }
            accessEntries = accessLog.size();
        }
        System.out.printf("restored hub %s in %s: revision %d (backup taken %s), %d records, %d objects; access log of %d entries%n",
                summary.getHubId(), dir, summary.getRevision(), Instant.ofEpochMilli(summary.getTakenAtMillis()), outcome.records(),
                outcome.objects(), accessEntries);
        notBackedUp.forEach(s -> System.out.println("not in the backup, left as it was: " + s));
        if (!outcome.ok()) {
            System.err.println("NOT ok: the restored hub has " + outcome.problems().size() + " problem(s):");
            outcome.problems().forEach(p -> System.err.println("  " + p));
            return 1;
        }
        System.out.println("checked: the records add up to the signed state of revision " + outcome.revision());
        System.out.println("start it with: spejl-hub serve --config " + dir.resolve("hub.conf"));
        System.out.println("spokes holding revisions above " + summary.getRevision() + " will be moved to a new revision above the newest"
                + " they hold; access decisions taken after the backup are lost, and the spokes' witnesses will say so");
        return 0;
    }

    /** Where a restore is written before it is moved into place. */
    static final String STAGING = ".restoring";
    private static final List<String> PARTS = List.of("hub.conf", "data", "keys", "tls");
    private static final java.util.regex.Pattern RESTORED_PATH = java.util.regex.Pattern.compile("hub\\.conf|" + Backup.PATH.pattern());
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private static void deleteTree(Path root) {
        try {
            dk.spejl.io.FileTrees.delete(root);
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage() + "; delete it by hand before restoring again");
        }
    }

    /** Copies a file owner-only (the restore holds private keys) and forces it to disk. */
    private static void copyDurably(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent(), OWNER_ONLY_DIR);
        try (InputStream in = Files.newInputStream(source);
             java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(target,
                     java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE), OWNER_ONLY_FILE)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            out.force(true);
        }
    }

    private static String defaultTls(String key) {
        return switch (key) {
            case "tls.certificate" -> "tls/hub.pem";
            case "tls.private_key" -> "tls/hub.key";
            case "tls.ca" -> "tls/ca.pem";
            case "tls.ca_key" -> "tls/ca.key";
            case "admin.client_certificate" -> "tls/operator.pem";
            case "admin.client_key" -> "tls/operator.key";
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static byte[] hash(Path file) throws IOException {
        MessageDigest sha256 = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
        }
        return sha256.digest();
    }

    private static List<String> append(List<String> list, String more) {
        List<String> out = new ArrayList<>(list);
        out.add(more);
        return out;
    }
}
