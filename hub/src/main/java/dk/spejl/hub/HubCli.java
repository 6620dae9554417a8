package dk.spejl.hub;

import com.google.protobuf.ByteString;
import dk.spejl.config.ConfigFile;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.hub.keys.HubKeys;
import dk.spejl.hub.keys.Passphrase;
import dk.spejl.signing.RootKeyFile;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.IngestError;
import dk.spejl.wire.IngestLine;
import dk.spejl.wire.IngestResult;
import dk.spejl.wire.SpokeLag;
import dk.spejl.wire.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;

/** {@code spejl-hub}: the NGC operators' command line. */
@Command(name = "spejl-hub", mixinStandardHelpOptions = true, version = "spejl-hub 0.1.0",
        description = "Runs and operates the Spejl hub, which publishes signed revisions of the genome catalogue.",
        subcommands = {HubCli.Init.class, HubCli.Serve.class, HubCli.Ingest.class, HubCli.Status.class,
                HubCli.Enroll.class, HubCli.RevokeSpoke.class, HubCli.Keys.class, HubCli.Generate.class, HubCli.Fingerprint.class,
                CommandLine.HelpCommand.class})
public final class HubCli {
    public static void main(String[] args) {
        dk.spejl.config.Daemons.beforeStart();
        System.exit(commandLine().execute(args));
    }

    /** The command line as main runs it: a failure prints one clear line and exits with 2. */
    public static CommandLine commandLine() {
        return new CommandLine(new HubCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("spejl-hub " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Creates a hub directory: hub.conf, the first online signing key and its key delegation, and TLS",
                    "material (a CA, a server certificate and an operator certificate).",
                    "The delegation is signed by the root key at --root-key, which is created there if the file does not exist.",
                    "The hub never needs the root key while it runs: move it offline afterwards (docs/security.md, key ceremony)."})
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "Directory to create the hub in.")
        Path dir;
        @Option(names = "--hub-id", required = true, description = "The hub's id, e.g. ngc-prod.")
        String hubId;
        @Option(names = "--dns", split = ",", defaultValue = "localhost", description = "DNS names for the server certificate (default: ${DEFAULT-VALUE}).")
        List<String> dns;
        @Option(names = "--ip", split = ",", defaultValue = "127.0.0.1,::1", description = "IP addresses for the server certificate (default: ${DEFAULT-VALUE}).")
        List<String> ips;
        @Option(names = "--replication-address", defaultValue = "0.0.0.0:7443", description = "Where spokes will connect (default: ${DEFAULT-VALUE}).")
        String replicationAddress;
        @Option(names = "--admin-address", defaultValue = "127.0.0.1:7444", description = "Operators' service address (default: ${DEFAULT-VALUE}).")
        String adminAddress;
        @CommandLine.Mixin
        RootKeyOptions root;

        @Override
        public Integer call() throws Exception {
            Path conf = dir.resolve("hub.conf");
            if (Files.exists(conf)) {
                System.err.println("refusing to overwrite " + conf + ": this directory already holds a hub");
                return 2;
            }
            if (!hubId.matches("[a-z0-9][a-z0-9-]{1,62}")) {
                System.err.println("hub id must be 2-63 of a-z 0-9 -, got '" + hubId + "'");
                return 2;
            }
            root.checkValidity();
            Files.createDirectories(dir.resolve("keys"));
            boolean created = !Files.exists(root.rootKey);
            Ed25519.PrivateKey rootKey = root.readOrCreate();
            HubKeys.Active keys = HubKeys.create(dir.resolve("keys"), rootKey, hubId, java.time.Duration.ofDays(root.validDays),
                    java.time.Clock.systemUTC());
            ServerPki.create(dir.resolve("tls"), hubId, dns, ips);
            ServerPki.enrol(dir.resolve("tls"), PeerIdentity.operatorSubject("operator"), dir.resolve("tls"), "operator");
            Files.writeString(conf, "# Spejl hub configuration. Every setting:\n" + HubConfig.documentation() + "\n"
                    + "hub.id = " + hubId + "\n"
                    + "trust.root_fingerprint = " + rootKey.publicKey().fingerprint() + "\n"
                    + "data.dir = data\n"
                    + "replication.address = " + replicationAddress + "\n"
                    + "admin.address = " + adminAddress + "\n");
            System.out.println("created hub '" + hubId + "' in " + dir);
            System.out.println((created ? "created root key " : "used root key ") + root.rootKey + ": move it offline now;"
                    + " the hub runs without it, 'spejl-hub keys rotate' needs it");
            System.out.println("spokes pin this root key fingerprint: " + rootKey.publicKey().fingerprint());
            System.out.println("key delegation version 1 names signing key " + keys.signingKeyId() + ", valid until "
                    + Instant.ofEpochMilli(keys.trusted().expiresAtMillis()));
            System.out.println("spokes trust this CA: " + dir.resolve("tls/ca.pem"));
            System.out.println("start it with: spejl-hub serve --config " + conf);
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Runs the hub until stopped (SIGTERM or Ctrl-C).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            HubConfig c = HubConfig.read(config);
            Hub hub = c.toBuilder().start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                hub.close();
                stopped.countDown();
            }, "hub-shutdown"));
            System.out.println("hub " + c.hubId() + " ready: replication port " + hub.replicationPort() + ", admin port " + hub.adminPort());
            stopped.await();
            return 0;
        }
    }

    /** Options for commands that talk to a running hub's admin service. */
    static final class AdminTarget {
        @Option(names = "--config", required = true, description = "The hub's config file (for the admin address and CA).")
        Path config;
        @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for the hub (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        static AdminTarget of(Path config) {
            AdminTarget target = new AdminTarget();
            target.config = config;
            return target;
        }

        ManagedChannel channel() throws ConfigFile.ConfigException, IOException {
            HubConfig c = HubConfig.read(config);
            String host = c.adminAddress().getHostString();
            return NettyChannelBuilder.forAddress(host.equals("0.0.0.0") ? "127.0.0.1" : host, c.adminAddress().getPort())
                    .sslContext(c.operator().clientContext())
                    .overrideAuthority("localhost").maxInboundMessageSize(16 << 20).build();
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = {"Sends a change set to the running hub and prints the new revision.",
                    "FILE is JSON Lines: {\"op\":\"put\",\"record\":{...}} or {\"op\":\"delete\",\"id\":\"...\"}.",
                    "One bad line refuses the whole file: every error is printed with its line number and nothing is published.",
                    "Exit codes: 0 published, 1 refused, 2 could not reach the hub or read the file."})
    static final class Ingest implements Callable<Integer> {
        @CommandLine.Mixin
        AdminTarget target;
        @Parameters(index = "0", description = "The JSON Lines file, or - for standard input.")
        String file;

        @Override
        public Integer call() throws Exception {
            ManagedChannel channel = target.channel();
            try (BufferedReader in = file.equals("-")
                    ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                CompletableFuture<IngestResult> done = new CompletableFuture<>();
                StreamObserver<IngestLine> lines = AdminGrpc.newStub(channel).withDeadlineAfter(target.timeoutSeconds, TimeUnit.SECONDS)
                        .withWaitForReady().ingest(new StreamObserver<>() {
                            @Override
                            public void onNext(IngestResult value) {
                                done.complete(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
                String line;
                long count = 0;
                while ((line = in.readLine()) != null && !done.isDone()) {
                    lines.onNext(IngestLine.newBuilder().setText(ByteString.copyFromUtf8(line)).build());
                    count++;
                }
                lines.onCompleted();
                IngestResult result = done.get();
                if (result.getPublished()) {
                    System.out.println("published revision " + result.getRevision() + " (" + result.getPuts() + " puts, "
                            + result.getDeletes() + " deletes, " + count + " lines)");
                    return 0;
                }
                System.err.println("refused: nothing was published. " + result.getErrorsCount() + " error(s):");
                for (IngestError error : result.getErrorsList()) {
                    System.err.println(error.getLine() > 0 ? "  line " + error.getLine() + ": " + error.getMessage() : "  " + error.getMessage());
                }
                return 1;
            } catch (java.util.concurrent.ExecutionException e) {
                System.err.println("the hub did not take the file: " + describe(e.getCause()));
                return 2;
            } catch (IOException e) {
                System.err.println("cannot read " + file + ": " + e.getMessage());
                return 2;
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Prints the running hub's head revision and its watching spokes.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        AdminTarget target;

        @Override
        public Integer call() throws Exception {
            try {
                HubStatus s = fetchStatus(target.config);
                System.out.printf("hub %s%nrevision %d (published %s)%nentries %d%nstate digest %s%nmanifest digest %s%nlatest snapshot revision %d%n",
                        s.getHubId(), s.getRevision(), Instant.ofEpochMilli(s.getPublishedAtMillis()), s.getEntryCount(),
                        s.getStateDigest(), s.getManifestDigest(), s.getSnapshotRevision());
                System.out.printf("signing key %s under key delegation version %d, valid until %s%nroot %s%n", s.getSigningKeyId(),
                        s.getDelegationVersion(), Instant.ofEpochMilli(s.getDelegationExpiresAtMillis()), s.getRootFingerprint());
                if (s.getRejectionsCount() > 0) {
                    System.out.println("clients refused since start: " + s.getRejectionsMap().entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
                }
                System.out.println("spokes watching: " + s.getSpokesCount());
                for (SpokeLag spoke : s.getSpokesList()) {
                    System.out.printf("  %-14s %-12s %-22s sent revision %d (%d behind)%n", spoke.getName(), spoke.getRegion(),
                            spoke.getPeer(), spoke.getRevision(), s.getRevision() - spoke.getRevision());
                }
                return 0;
            } catch (StatusRuntimeException e) {
                System.err.println("cannot reach the hub: " + describe(e));
                return 2;
            }
        }
    }

    @Command(name = "enroll", mixinStandardHelpOptions = true,
            description = {"Issues a spoke's client certificate from the hub's CA and writes the bundle its admin installs:",
                    "spoke.pem, spoke.key, ca.pem and a spoke.conf with the hub's address and root key fingerprint.",
                    "The region is written into the certificate; the hub takes a spoke's region from there and nowhere else."})
    static final class Enroll implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;
        @Option(names = "--region", required = true, description = "The spoke's region: one of nordjylland, midtjylland, syddanmark, sjaelland, hovedstaden.")
        String region;
        @Option(names = "--name", required = true, description = "The spoke's name, unique per hub, e.g. rm-hpc-1.")
        String name;
        @Option(names = "--hub-address", required = true, description = "host:port at which the spoke reaches the hub.")
        String hubAddress;
        @Option(names = "--out", required = true, description = "Directory to write the bundle to.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (!dk.spejl.hub.catalogue.Regions.isRegion(region)) {
                System.err.println("region must be one of " + String.join(", ", dk.spejl.hub.catalogue.Regions.ALL) + ", got '" + region + "'");
                return 2;
            }
            if (!name.matches("[a-z0-9][a-z0-9._-]{1,62}")) {
                System.err.println("spoke name must be 2-63 of a-z 0-9 . _ -, got '" + name + "'");
                return 2;
            }
            HubConfig c = HubConfig.read(config);
            ConfigFile.parseAddress(hubAddress, "--hub-address");
            TlsFiles client = ServerPki.enrol(c.tls().trustedCa().getParent(), PeerIdentity.spokeSubject(name, region), out, "spoke");
            String fingerprint = c.rootFingerprint();
            Files.writeString(out.resolve("spoke.conf"), "# Spejl spoke configuration, written by 'spejl-hub enroll'. Every setting:\n"
                    + ConfigFile.documentation(dk.spejl.config.SpokeSettings.NAMES) + "\n"
                    + "spoke.name = " + name + "\n"
                    + "hub.address = " + hubAddress + "\n"
                    + "hub.ca = ca.pem\n"
                    + "hub.root_fingerprint = " + fingerprint + "\n"
                    + "tls.certificate = spoke.pem\n"
                    + "tls.private_key = spoke.key\n"
                    + "data.dir = data\n");
            System.out.println("enrolled spoke " + name + " for region " + region + ": bundle in " + out
                    + " (certificate " + client.certificate() + ")");
            System.out.println("hand the directory to the region's HPC admin; start with: spejl-spoke serve --config " + out.resolve("spoke.conf"));
            return 0;
        }
    }

    @Command(name = "revoke-spoke", mixinStandardHelpOptions = true,
            description = {"Refuses a spoke from now on: its open Watch stream is closed at once and every later call is refused.",
                    "The name stays revoked across hub restarts; enrol a replacement under a new name."})
    static final class RevokeSpoke implements Callable<Integer> {
        @CommandLine.Mixin
        AdminTarget target;
        @Parameters(index = "0", description = "The spoke's name, as given to enroll.")
        String name;

        @Override
        public Integer call() throws Exception {
            ManagedChannel channel = target.channel();
            try {
                var result = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .revokeSpoke(dk.spejl.wire.RevokeSpokeRequest.newBuilder().setName(name).build());
                System.out.println((result.getNewlyRevoked() ? "revoked " : "already revoked: ") + name + "; "
                        + result.getStreamsClosed() + " open stream(s) closed");
                return 0;
            } catch (StatusRuntimeException e) {
                System.err.println("not revoked: " + describe(e));
                return 2;
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** Where the root key is and how to unlock it. */
    static final class RootKeyOptions {
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

    @Command(name = "keys", mixinStandardHelpOptions = true, description = "Manages the root key and the online signing keys (docs/security.md).",
            subcommands = {KeysCreateRoot.class, KeysRotate.class, KeysShow.class})
    static final class Keys {
    }

    @Command(name = "create-root", mixinStandardHelpOptions = true,
            description = {"Creates a root key, protected by a passphrase, and prints the fingerprint spokes pin.",
                    "Run it on the machine that will keep the key offline."})
    static final class KeysCreateRoot implements Callable<Integer> {
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

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Creates a new online signing key and a key delegation one version higher, signed by the root key,",
                    "then tells the running hub to sign with it. Watching spokes take it up without restarting.",
                    "The previous keys are left out of the new delegation, that is revoked, unless --keep-previous:",
                    "spokes refuse anything signed by a revoked key from then on. Use this after a leak or loss of the online key,",
                    "and before the delegation expires. Exit codes: 0 rotated, 2 refused (nothing changed) or rotated but not reloaded."})
    static final class KeysRotate implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;
        @CommandLine.Mixin
        RootKeyOptions root;
        @Option(names = "--keep-previous", description = "Keep the current keys valid next to the new one (a planned rotation with overlap).")
        boolean keepPrevious;

        @Override
        public Integer call() throws Exception {
            root.checkValidity();
            HubConfig c = HubConfig.read(config);
            Ed25519.PrivateKey rootKey = root.read();
            if (!rootKey.publicKey().fingerprint().equalsIgnoreCase(c.rootFingerprint())) {
                System.err.println("refused: " + root.rootKey + " is root " + rootKey.publicKey().fingerprint() + ", the hub trusts root "
                        + c.rootFingerprint() + "; nothing changed");
                return 2;
            }
            HubKeys.Rotation rotation = HubKeys.rotate(c.keysDir(), rootKey, c.hubId(), java.time.Duration.ofDays(root.validDays),
                    keepPrevious, java.time.Clock.systemUTC());
            System.out.println("key delegation version " + rotation.version() + ": signing key " + rotation.newKeyId()
                    + (rotation.kept().isEmpty() ? "" : ", still valid " + String.join(", ", rotation.kept()))
                    + (rotation.revoked().isEmpty() ? "" : ", revoked " + String.join(", ", rotation.revoked()))
                    + ", valid until " + rotation.expiresAt());
            ManagedChannel channel = AdminTarget.of(config).channel();
            try {
                var result = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .reloadKeys(dk.spejl.wire.ReloadKeysRequest.getDefaultInstance());
                System.out.println("the running hub now signs with key " + result.getSigningKeyId() + " under delegation version "
                        + result.getDelegationVersion() + (result.getResignedRevision() > 0
                        ? "; it published revision " + result.getResignedRevision() + " under the new key" : ""));
                return 0;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
                    System.out.println("the hub is not running; it signs with the new key when it starts");
                    return 0;
                }
                System.err.println("the delegation is written, but the running hub did not take it up: " + describe(e));
                return 2;
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Prints the key delegation in the hub's keys directory.")
    static final class KeysShow implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            HubConfig c = HubConfig.read(config);
            HubKeys.Active keys = HubKeys.load(c.keysDir(), c.rootFingerprint(), c.hubId(), java.util.Optional.empty(),
                    dk.spejl.verify.DelegationVerifier.ANY_TIME);
            var d = keys.parsed();
            long now = System.currentTimeMillis();
            System.out.printf("key delegation version %d for hub %s, root %s%nissued %s, valid until %s%s%n", d.getVersion(), d.getHubId(),
                    c.rootFingerprint(), Instant.ofEpochMilli(d.getIssuedAtMillis()), Instant.ofEpochMilli(d.getExpiresAtMillis()),
                    d.getExpiresAtMillis() <= now ? " (EXPIRED: rotate now)" : "");
            for (var key : d.getKeysList()) {
                System.out.println("  key " + key.getKeyId() + (key.getKeyId().equals(keys.signingKeyId()) ? " (signs)" : ""));
            }
            for (String revoked : d.getRevokedKeyIdsList()) {
                System.out.println("  revoked " + revoked);
            }
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Writes a deterministic synthetic catalogue as an ingest file (no real patient data).")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--seed", defaultValue = "1", description = "Seed; the same seed and size give the same file (default: ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--records", required = true, description = "How many records.")
        long records;
        @Option(names = "--out", description = "Output file (default: standard output).")
        Path out;

        @Override
        public Integer call() throws Exception {
            try (PrintWriter writer = new PrintWriter(new BufferedWriter(out == null
                    ? new OutputStreamWriter(System.out, StandardCharsets.UTF_8)
                    : Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16))) {
                new CatalogueGenerator(seed).generate(records, r -> writer.println(CatalogueGenerator.putLine(r)));
            }
            return 0;
        }
    }

    @Command(name = "fingerprint", mixinStandardHelpOptions = true, description = "Prints the root key fingerprint that spokes pin.")
    static final class Fingerprint implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            System.out.println(HubConfig.read(config).rootFingerprint());
            return 0;
        }
    }

    /** Asks the running hub named by {@code config} for its status. */
    public static HubStatus fetchStatus(Path config) throws ConfigFile.ConfigException, IOException {
        ManagedChannel channel = AdminTarget.of(config).channel();
        try {
            return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    static String describe(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
        }
        return String.valueOf(t);
    }

}
