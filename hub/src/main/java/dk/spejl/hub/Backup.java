package dk.spejl.hub;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.hub.publish.SmallObjectStore;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.KeyFiles;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.BackupSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A consistent backup of a running hub, gathered in {@code <data>/backup/} while the hub goes on publishing, then
 * streamed to the operator's {@code spejl-hub backup} and deleted:
 * <ul>
 *   <li>a RocksDB checkpoint of the catalogue: its records, manifests, snapshot records and small objects, as of one
 *       committed revision (a publish is one atomic batch, so no checkpoint holds half of one);</li>
 *   <li>every object file that checkpoint names, hard-linked while no object can be collected, so what it names is
 *       still there when it is sent;</li>
 *   <li>a checkpoint of the access log;</li>
 *   <li>the keys directory's delegation, online signing keys and access-log key (never the root key: a file holding
 *       it is left out and logged);</li>
 *   <li>the TLS material: the hub's certificate and key, the CA, its key and its register of what it issued.</li>
 * </ul>
 */
public final class Backup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Backup.class);
    /** Where backups are gathered, under the data directory; whatever a stopped hub left here is deleted at its start. */
    public static final String DIR = "backup";
    /** What a path in a backup looks like: under data/, keys/ or tls/, each name plain (no hidden or editor's files). */
    public static final java.util.regex.Pattern PATH = java.util.regex.Pattern.compile("(data|keys|tls)(/[A-Za-z0-9][A-Za-z0-9._-]*)+");
    /** The description a finished backup carries, written last (JSON of {@link BackupSummary}). */
    public static final String DESCRIPTION = "BACKUP.json";

    /** One file of the backup: where it goes in the backup, and where it is read from now. */
    public record Source(String path, Path file) {
    }

    private final Path gathered;
    private final List<Source> files;
    private final BackupSummary summary;

    private Backup(Path gathered, List<Source> files, BackupSummary summary) {
        this.gathered = gathered;
        this.files = files;
        this.summary = summary;
    }

    /** The files to send, in order; the summary lacks the per-file list and digests, which the sender adds as it reads. */
    public List<Source> files() {
        return files;
    }

    public BackupSummary summary() {
        return summary;
    }

    /** What the hub is, as a backup needs it. */
    record Parts(String hubId, Path dataDir, Path keysDir, String rootFingerprint, TlsFiles tls, CatalogueStore store,
                 ObjectStore objects, Publisher publisher, MerkleLog accessLog, long delegationVersion, java.time.Clock clock) {
    }

    /** Gathers a backup of the running hub; close it when sent, which deletes what was gathered. */
    static Backup gather(Parts hub) throws IOException {
        Path root = Files.createDirectories(hub.dataDir().resolve(DIR));
        Path gathered = Files.createTempDirectory(root, "taking-");
        try {
            Path data = Files.createDirectories(gathered.resolve("data"));
            BackupSummary.Builder summary = BackupSummary.newBuilder().setHubId(hub.hubId()).setTakenAtMillis(hub.clock().millis())
                    .setDelegationVersion(hub.delegationVersion());
            int[] linked = new int[1];
            hub.publisher().holdingObjects(() -> {
                hub.store().database().checkpoint(data.resolve("catalogue"));
                try (CatalogueStore copy = CatalogueStore.openReadOnly(data.resolve("catalogue"))) {
                    Head head = copy.head().orElseThrow(() -> new IOException("the catalogue holds no revision"));
                    summary.setRevision(head.revision()).setManifestDigest(Sha256.hex(head.manifestDigest()));
                    ObjectStore inCopy = new SmallObjectStore(copy.database());
                    Set<String> named = Publisher.namedObjects(copy, new TieredObjectStore(inCopy, hub.objects()));
                    for (String name : named) {
                        byte[] digest = HexFormat.of().parseHex(name);
                        if (inCopy.open(digest).isPresent()) {
                            continue; // a small object, in the checkpoint itself
                        }
                        Path target = data.resolve("objects").resolve(name.substring(0, 2)).resolve(name);
                        Files.createDirectories(target.getParent());
                        Path file = hub.dataDir().resolve("objects").resolve(name.substring(0, 2)).resolve(name);
                        if (Files.isRegularFile(file)) {
                            Files.createLink(target, file); // objects are immutable: a link is a copy
                        } else {
                            // Kept by another kind of object store: copied through it.
                            Files.write(target, hub.objects().readAll(digest));
                        }
                        linked[0]++;
                    }
                }
                return null;
            });
            hub.accessLog().checkpoint(data.resolve(dk.spejl.hub.access.AccessLog.DIR));
            try (MerkleLog copy = MerkleLog.openReadOnly(data.resolve(dk.spejl.hub.access.AccessLog.DIR), hub.accessLog().origin(),
                    hub.accessLog().checkpointKey().publicKey())) {
                summary.setAccessLogSize(copy.size());
            }
            Files.copy(hub.dataDir().resolve(dk.spejl.io.DataFormat.FILE), data.resolve(dk.spejl.io.DataFormat.FILE));

            // The keys and the TLS material as they are now, copied beside the rest: a rotation or an enrolment while the
            // backup is sent changes nothing in it.
            for (Source source : keys(hub.keysDir(), hub.rootFingerprint())) {
                copyInto(gathered, source);
            }
            for (Source source : tls(hub.tls(), hub.rootFingerprint())) {
                copyInto(gathered, source);
            }
            List<Source> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(gathered)) {
                walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString))
                        .forEach(f -> files.add(new Source(slashed(gathered.relativize(f)), f)));
            }
            log.info("backup gathered: revision {}, {} object files linked, access log of {} entries, {} files", summary.getRevision(),
                    linked[0], summary.getAccessLogSize(), files.size());
            return new Backup(gathered, List.copyOf(files), summary.build());
        } catch (IOException | RuntimeException e) {
            delete(gathered);
            throw e;
        }
    }

    /** The delegation, the online keys and the access-log key; never the root key, whatever the directory holds. */
    private static List<Source> keys(Path keysDir, String rootFingerprint) throws IOException {
        List<Source> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(keysDir)) {
            for (Path file : list.sorted().toList()) {
                String name = file.getFileName().toString();
                boolean known = name.equals(HubKeys.DELEGATION) || name.equals(HubKeys.AUDIT_LOG_KEY)
                        || (name.startsWith("signing-") && name.endsWith(".key"));
                if (!known || !Files.isRegularFile(file)) {
                    log.info("backup: {} is not one of the hub's keys; left out", file);
                    continue;
                }
                if (holdsRoot(file, rootFingerprint)) {
                    continue;
                }
                if (name.endsWith(".key")) {
                    try {
                        KeyFiles.readPrivate(file);
                    } catch (IOException | RuntimeException e) {
                        log.error("backup: {} is not a key the hub can read ({}); left out", file, e.getMessage());
                        continue;
                    }
                }
                files.add(new Source("keys/" + name, file));
            }
        }
        return files;
    }

    /**
     * The CA's directory (its certificate, key and register) and the hub's own certificate and key; never a file that
     * holds the root key, whoever put it there.
     */
    private static List<Source> tls(TlsFiles tls, String rootFingerprint) throws IOException {
        List<Source> files = new ArrayList<>();
        Path caDir = tls.trustedCa().toAbsolutePath().getParent();
        try (Stream<Path> walk = Files.walk(caDir, 2)) {
            for (Path f : walk.filter(Files::isRegularFile)
                    .filter(f -> f.getParent().equals(caDir) || f.getParent().getFileName().toString().equals(ServerPki.REGISTER))
                    .sorted(Comparator.comparing(Path::toString)).toList()) {
                String path = "tls/" + slashed(caDir.relativize(f));
                if (!PATH.matcher(path).matches()) {
                    log.info("backup: {} is not a file a hub keeps ({}); left out", f, "an editor's or a hidden file");
                } else if (!holdsRoot(f, rootFingerprint)) {
                    files.add(new Source(path, f));
                }
            }
        }
        for (Path own : List.of(tls.certificate().toAbsolutePath(), tls.privateKey().toAbsolutePath())) {
            if (!own.getParent().equals(caDir)) {
                String name = "tls/" + own.getFileName();
                if (files.stream().anyMatch(f -> f.path().equals(name))) {
                    throw new IOException("the hub's " + own + " has the name of a file in the CA's directory " + caDir
                            + ": rename one of them, or keep the hub's certificate and key beside the CA");
                }
                files.add(new Source(name, own));
            }
        }
        return files;
    }

    /**
     * Whether {@code file} may hold the root key: an encrypted private key (the root key's file is the only one Spejl
     * encrypts; the hub reads none), or an Ed25519 private key file whose key is the root's.
     */
    private static boolean holdsRoot(Path file, String rootFingerprint) {
        try {
            if (Files.size(file) < 64 * 1024 && Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                log.error("backup: {} is an encrypted private key, as the ROOT key's file is; left out (the root key belongs offline)", file);
                return true;
            }
            if (KeyFiles.readPrivate(file).publicKey().fingerprint().equals(rootFingerprint)) {
                log.error("backup: {} holds the ROOT key; left out (the root key belongs offline, never beside the hub)", file);
                return true;
            }
        } catch (IOException | RuntimeException notAnEd25519Key) {
            // a certificate, a TLS key: not the root
        }
        return false;
    }

    /** Copies a small file into the gathered backup, owner-only. */
    private static void copyInto(Path gathered, Source source) throws IOException {
        Path target = gathered.resolve(source.path());
        Files.createDirectories(target.getParent());
        Files.copy(source.file(), target);
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private static String slashed(Path relative) {
        return relative.toString().replace(java.io.File.separatorChar, '/');
    }

    /** Deletes leftovers of backups a stopped hub was gathering. */
    static void clearLeftovers(Path dataDir) throws IOException {
        Path root = dataDir.resolve(DIR);
        if (Files.isDirectory(root)) {
            delete(root);
            log.info("deleted the unfinished backup a stopped hub left in {}", root);
        }
    }

    static void delete(Path dir) throws IOException {
        dk.spejl.io.FileTrees.delete(dir);
    }

    @Override
    public void close() {
        try {
            delete(gathered);
        } catch (IOException e) {
            log.warn("could not delete the gathered backup {}: {}; the hub deletes it at its next start", gathered, e.toString());
        }
    }
}
