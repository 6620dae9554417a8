package dk.spejl.hub.cli;

import dk.spejl.hub.Hub;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.SignedManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dk.spejl.hub.cli.CliFixture.Run;

import static dk.spejl.hub.cli.CliFixture.cli;
import static dk.spejl.hub.cli.CliFixture.freePort;
import static dk.spejl.hub.cli.CliFixture.initWithAdminPort;
import static dk.spejl.hub.cli.CliFixture.rootKey;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code spejl-hub backup} of a hub that goes on publishing, over its real TLS admin service, and {@code restore}. */
class BackupRestoreTest {
    @TempDir
    Path tmp;

    @Test
    void aBackupTakenWhilePublishingRestoresToAStateEqualToASignedRevision() throws Exception {
        Path dir = tmp.resolve("hub");
        Path conf = initWithAdminPort(tmp, dir, freePort());
        // An operator who left copies of the root key beside the hub: the backup must not carry them away, encrypted
        // under any name in the TLS directory, or unencrypted under the name of an online key.
        Files.copy(rootKey(tmp), dir.resolve("tls/root.key"));
        Files.copy(rootKey(tmp), dir.resolve("keys/root.key"));
        dk.spejl.signing.Ed25519.PrivateKey rootPrivate = dk.spejl.signing.RootKeyFile.read(rootKey(tmp),
                Files.readString(CliFixture.passphrase(tmp)).trim().toCharArray());
        dk.spejl.signing.KeyFiles.writePrivate(dir.resolve("keys/signing-0000000000000000.key"), rootPrivate);
        HubConfig c = HubConfig.read(conf);
        Path backup = tmp.resolve("backup");
        List<SignedManifest> published = new ArrayList<>();
        long before;
        long after;
        try (Hub hub = c.toBuilder().start()) {
            CatalogueGenerator generator = new CatalogueGenerator(2001);
            // A delta over 4 MB is kept as a file, which the backup links rather than finds in the catalogue's database.
            hub.ingest().apply(lines(generator, 14_000));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread publisher = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        hub.ingest().apply(lines(generator, 20));
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            before = hub.publisher().head().revision();
            publisher.start();
            Run took;
            try {
                while (hub.publisher().head().revision() < before + 3) {
                    Thread.sleep(5);
                }
                took = cli("backup", backup.toString(), "--config", conf.toString());
                Thread.sleep(100);
            } finally {
                stop.set(true);
                publisher.join();
            }
            assertThat(failed.get()).isNull();
            assertThat(took.code()).as(took.err()).isZero();
            after = hub.publisher().head().revision();
            for (long rev : hub.catalogue().manifests().revisions()) {
                published.add(hub.catalogue().manifests().get(rev).orElseThrow());
            }
            Run again = cli("backup", backup.toString(), "--config", conf.toString());
            assertThat(again.code()).as("a backup is never written over").isEqualTo(2);
            assertThat(again.err()).contains("refusing to write into");
        }
        assertThat(after).as("the hub went on publishing during the backup").isGreaterThan(before + 3);

        // No file of the backup is the root key, however it was named; every one is its owner's alone.
        byte[] root = Files.readAllBytes(rootKey(tmp));
        byte[] plainRoot = Files.readAllBytes(dir.resolve("keys/signing-0000000000000000.key"));
        int objectFiles = 0;
        try (Stream<Path> files = Files.walk(backup)) {
            for (Path file : files.toList()) {
                if (Files.isDirectory(file)) {
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                            .isEqualTo("rwx------");
                    continue;
                }
                assertThat(Arrays.equals(Files.readAllBytes(file), root)).as(file + " is the root key").isFalse();
                assertThat(Arrays.equals(Files.readAllBytes(file), plainRoot)).as(file + " is the root key").isFalse();
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                        .isEqualTo("rw-------");
                objectFiles += backup.relativize(file).toString().startsWith("data/objects/") ? 1 : 0;
            }
        }
        assertThat(objectFiles).as("object files linked into the backup").isPositive();
        assertThat(backup.resolve("keys/access-log.key")).exists();
        assertThat(backup.resolve("keys/delegation.bin")).exists();
        assertThat(backup.resolve("tls/ca.key")).exists();

        // A damaged copy is refused before anything is written.
        Path damaged = tmp.resolve("damaged");
        copyTree(backup, damaged);
        Path sst;
        try (Stream<Path> files = Files.walk(damaged.resolve("data/catalogue"))) {
            sst = files.filter(f -> f.toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(sst);
        bytes[bytes.length / 2] ^= 1;
        Files.write(sst, bytes);
        Run refused = cli("restore", damaged.toString(), "--dir", tmp.resolve("from-damaged").toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("is damaged; nothing restored", sst.getFileName().toString(), "SHA-256");
        assertThat(tmp.resolve("from-damaged")).doesNotExist();

        Path restoredDir = tmp.resolve("restored");
        Run restored = cli("restore", backup.toString(), "--dir", restoredDir.toString());
        assertThat(restored.code()).as(restored.out() + restored.err()).isZero();
        long revision;
        try (CatalogueStore store = CatalogueStore.openReadOnly(restoredDir.resolve("data/catalogue"))) {
            Head head = store.head().orElseThrow();
            revision = head.revision();
            // The restored head is one the hub signed and published, byte for byte, between the start and the end of the backup.
            assertThat(revision).isBetween(before + 3, after);
            SignedManifest signed = published.stream().filter(m -> parse(m).getRevision() == head.revision()).findFirst().orElseThrow();
            assertThat(head.manifestDigest()).isEqualTo(ManifestSigner.digest(signed));
        }
        assertThat(restored.out()).contains("restored hub ngc-test", "checked: the records add up to the signed state of revision " + revision);
        assertThat(cli("restore", backup.toString(), "--dir", restoredDir.toString()).code()).as("never over a hub").isEqualTo(2);
        assertThat(restoredDir.resolve(RestoreCommand.STAGING)).doesNotExist();
        for (Path key : List.of(restoredDir.resolve("keys/access-log.key"), restoredDir.resolve("tls/ca.key"), restoredDir.resolve("tls/hub.key"))) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString())
                    .isEqualTo("rw-------");
        }
        Path halfWay = tmp.resolve("half-way");
        Files.createDirectories(halfWay.resolve(RestoreCommand.STAGING));
        Run again = cli("restore", backup.toString(), "--dir", halfWay.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("an earlier restore into " + halfWay + " stopped half-way");

        // The restored directory runs as a hub: it serves at that revision and publishes on from it.
        Path restoredConf = restoredDir.resolve("hub.conf");
        assertThat(Files.readString(restoredConf)).contains("data.dir = data", "keys.dir = keys", "tls.certificate = tls/hub.pem");
        try (Hub hub = HubConfig.read(restoredConf).toBuilder().start()) {
            assertThat(hub.publisher().head().revision()).isEqualTo(revision);
            assertThat(hub.ingest().apply(lines(new CatalogueGenerator(2002), 5)).getRevision()).isEqualTo(revision + 1);
            Run status = cli("status", "--config", restoredConf.toString());
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains("revision " + (revision + 1));
        }
        Run check = cli("check", "--config", restoredConf.toString());
        assertThat(check.code()).as(check.err()).isZero();
    }

    @Test
    void aBackupOfAHubThatIsDownFailsWithOneLineAndLeavesNothing() throws Exception {
        Path conf = initWithAdminPort(tmp, tmp.resolve("hub"), freePort());
        Run run = cli("backup", tmp.resolve("nothing").toString(), "--config", conf.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("no backup: cannot reach the hub");
        assertThat(tmp.resolve("nothing")).doesNotExist();
        Run notABackup = cli("restore", tmp.resolve("hub").toString(), "--dir", tmp.resolve("elsewhere").toString());
        assertThat(notABackup.code()).isEqualTo(2);
        assertThat(notABackup.err()).contains("not a finished backup");
    }

    private static List<String> lines(CatalogueGenerator generator, int count) {
        return generator.generate(count).stream().map(CatalogueGenerator::putLine).toList();
    }

    private static dk.spejl.wire.Manifest parse(SignedManifest signed) {
        try {
            return dk.spejl.wire.Manifest.parseFrom(signed.getManifest());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
