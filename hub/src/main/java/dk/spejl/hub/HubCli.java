package dk.spejl.hub;

import com.google.protobuf.ByteString;
import dk.spejl.config.ConfigFile;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
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
                HubCli.Enroll.class, HubCli.RevokeSpoke.class, HubCli.Generate.class, HubCli.Fingerprint.class,
                CommandLine.HelpCommand.class})
public final class HubCli {
    public static void main(String[] args) {
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
            description = "Creates a hub directory: hub.conf, the manifest signing key, and TLS material (a CA and a server certificate).")
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
            Files.createDirectories(dir.resolve("keys"));
            Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
            KeyFiles.writePrivate(dir.resolve("keys/signing.key"), key);
            KeyFiles.writePublic(dir.resolve("keys/signing.pub"), key.publicKey());
            ServerPki.create(dir.resolve("tls"), hubId, dns, ips);
            ServerPki.enrol(dir.resolve("tls"), PeerIdentity.operatorSubject("operator"), dir.resolve("tls"), "operator");
            Files.writeString(conf, "# Spejl hub configuration. Every setting:\n" + HubConfig.documentation() + "\n"
                    + "hub.id = " + hubId + "\n"
                    + "data.dir = data\n"
                    + "replication.address = " + replicationAddress + "\n"
                    + "admin.address = " + adminAddress + "\n");
            System.out.println("created hub '" + hubId + "' in " + dir);
            System.out.println("spokes pin this signing key fingerprint: " + key.publicKey().fingerprint());
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
                    "spoke.pem, spoke.key, ca.pem and a spoke.conf with the hub's address and signing key fingerprint.",
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
            String fingerprint = KeyFiles.readPrivate(c.signingKey()).publicKey().fingerprint();
            Files.writeString(out.resolve("spoke.conf"), "# Spejl spoke configuration, written by 'spejl-hub enroll'. Every setting:\n"
                    + ConfigFile.documentation(dk.spejl.config.SpokeSettings.NAMES) + "\n"
                    + "spoke.name = " + name + "\n"
                    + "hub.address = " + hubAddress + "\n"
                    + "hub.ca = ca.pem\n"
                    + "hub.key_fingerprint = " + fingerprint + "\n"
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

    @Command(name = "fingerprint", mixinStandardHelpOptions = true, description = "Prints the signing key fingerprint that spokes pin.")
    static final class Fingerprint implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            System.out.println(KeyFiles.readPrivate(HubConfig.read(config).signingKey()).publicKey().fingerprint());
            return 0;
        }
    }

    /** Asks the running hub named by {@code config} for its status. */
    public static HubStatus fetchStatus(Path config) throws ConfigFile.ConfigException, IOException {
        AdminTarget target = new AdminTarget();
        target.config = config;
        ManagedChannel channel = target.channel();
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
