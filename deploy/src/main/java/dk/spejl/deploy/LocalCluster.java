package dk.spejl.deploy;

import dk.spejl.hub.HubConfig;
import dk.spejl.hub.access.EnrolmentBundle;
import dk.spejl.hub.cli.AdminTarget;
import dk.spejl.hub.cli.HubCli;
import dk.spejl.naming.Regions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command for a newcomer: a hub and the five regional spokes on loopback, each its own
 * process, with a synthetic catalogue. Stops them all cleanly on Ctrl-C.
 */
@Command(name = "spejl-local-cluster", mixinStandardHelpOptions = true,
        description = {"Starts a hub and five regional spokes (nordjylland, midtjylland, syddanmark, sjaelland, hovedstaden)",
                "on loopback, loads a synthetic catalogue, prints where each spoke answers, and stops everything on Ctrl-C.",
                "Re-running with the same --dir continues from the data already there."})
public final class LocalCluster implements Callable<Integer> {
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

    @Option(names = "--dir", defaultValue = "run/local-cluster", description = "Working directory (default: ${DEFAULT-VALUE}).")
    Path dir;
    @Option(names = "--records", defaultValue = "20000", description = "Synthetic records to load into a new hub (default: ${DEFAULT-VALUE}).")
    long records;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic catalogue (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--hub-port", defaultValue = "7443", description = "Hub replication port; the admin port is the next one (default: ${DEFAULT-VALUE}).")
    int hubPort;
    @Option(names = "--http-port", defaultValue = "8081", description = "First spoke HTTP port; spokes take five in a row (default: ${DEFAULT-VALUE}).")
    int httpPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalCluster()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path hubDir = dir.resolve("hub");
        Path conf = hubDir.resolve("hub.conf");
        if (!Files.exists(conf)) {
            // A local cluster keeps its root key beside the hub, with a random passphrase in a file; a real
            // hub's root key lives offline (docs/security.md, key ceremony).
            Path offline = Files.createDirectories(dir.resolve("offline"));
            Path passphrase = offline.resolve("passphrase");
            if (!Files.exists(passphrase)) {
                byte[] random = new byte[18];
                new java.security.SecureRandom().nextBytes(random);
                Files.writeString(passphrase, java.util.Base64.getUrlEncoder().encodeToString(random) + "\n");
            }
            int code = HubCli.commandLine().execute("init", "--dir", hubDir.toString(), "--hub-id", "ngc-local",
                    "--replication-address", "127.0.0.1:" + hubPort, "--admin-address", "127.0.0.1:" + (hubPort + 1), "--ops-address", "127.0.0.1:" + (hubPort + 2),
                    "--root-key", offline.resolve("root.key").toString(), "--passphrase-file", passphrase.toString());
            if (code != 0) {
                return code;
            }
        }
        List<DaemonProcess> processes = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping spokes and hub ...");
            // All spokes at once, then the hub: each may write its class archive as it exits.
            for (int i = processes.size() - 1; i >= 1; i--) {
                processes.get(i).requestStop();
            }
            for (int i = processes.size() - 1; i >= 0; i--) {
                try {
                    processes.get(i).close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            System.out.println("stopped. Data stays in " + dir + "; run again to continue from it.");
            stopped.countDown();
        }));
        Path logs = dir.resolve("logs");
        // From the distribution (bin/spejl-local-cluster sets spejl.home), hub and spokes run through its scripts.
        Path home = System.getProperty("spejl.home") == null ? null : Path.of(System.getProperty("spejl.home"));
        DaemonProcess hub = DaemonProcess.hub(home, "hub", logs.resolve("hub.log"), List.of("-Xmx1g"), "serve", "--config", conf.toString());
        processes.add(hub);
        if (!hub.awaitLog("ready:", Duration.ofSeconds(60))) {
            System.err.println("the hub did not start; see " + hub.log());
            return 1;
        }
        if (AdminTarget.fetchStatus(conf).getRevision() == 0) {
            Path sample = dir.resolve("sample-catalogue.jsonl");
            System.out.println("generating " + records + " synthetic records (seed " + seed + ") ...");
            HubCli.commandLine().execute("generate", "--seed", Long.toString(seed), "--records", Long.toString(records),
                    "--out", sample.toString());
            int code = HubCli.commandLine().execute("ingest", "--config", conf.toString(), sample.toString());
            if (code != 0) {
                return code;
            }
        }
        String fingerprint = HubConfig.read(conf).rootFingerprint();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < Regions.ALL.size(); i++) {
            String region = Regions.ALL.get(i);
            Path spokeDir = dir.resolve("spoke-" + region);
            Path spokeConf = Files.exists(spokeDir.resolve("spoke.conf")) ? spokeDir.resolve("spoke.conf")
                    : enrolSpoke(spokeDir, region, region, "127.0.0.1:" + hubPort, hubDir.resolve("tls"), fingerprint, "127.0.0.1:" + (httpPort + i));
            demoUsers(dk.spejl.spoke.SpokeConfig.read(spokeConf).dataDir(), demoPassword(dir));
            DaemonProcess spoke = DaemonProcess.spoke(home, region, logs.resolve(region + ".log"), List.of(), "serve", "--config", spokeConf.toString());
            processes.add(spoke);
            urls.add("http://127.0.0.1:" + (httpPort + i) + "/api/v1/status");
        }
        HttpClient http = HttpClient.newHttpClient();
        long head = AdminTarget.fetchStatus(conf).getRevision();
        for (int i = 0; i < urls.size(); i++) {
            awaitRevision(http, urls.get(i), head, Duration.ofSeconds(120));
        }
        System.out.println();
        System.out.println("Spejl local cluster is up: hub ngc-local at revision " + head + ", logs in " + logs);
        for (int i = 0; i < urls.size(); i++) {
            System.out.printf("  %-12s %s%n", Regions.ALL.get(i), urls.get(i));
        }
        System.out.println();
        System.out.println("Sign in to a spoke's web app, e.g. http://127.0.0.1:" + httpPort + "/, as klinik (clinician) or admin, with the password in "
                + dir.resolve(DEMO_PASSWORD));
        System.out.println();
        System.out.println("Ingest a change and watch it arrive:");
        System.out.println("  deploy/target/spejl/bin/spejl-hub generate --seed 99 --records 3 --out /tmp/change.jsonl");
        System.out.println("  deploy/target/spejl/bin/spejl-hub ingest --config " + conf + " /tmp/change.jsonl");
        System.out.println("  curl -s " + urls.get(0));
        System.out.println("Rotate the hub's signing key; the spokes follow without a restart:");
        System.out.println("  deploy/target/spejl/bin/spejl-hub keys rotate --config " + conf + " --root-key " + dir.resolve("offline/root.key")
                + " --passphrase-file " + dir.resolve("offline/passphrase"));
        System.out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /**
     * Enrols a spoke with the CA in {@code hubTlsDir} (as {@code spejl-hub enroll} does), writes its
     * certificate, key, CA and config file into {@code spokeDir}, and returns the config file.
     */
    public static Path enrolSpoke(Path spokeDir, String name, String region, String hubAddress, Path hubTlsDir, String fingerprint,
                                  String httpAddress) throws IOException {
        EnrolmentBundle.forSpoke(name, region).hub(hubAddress, fingerprint)
                .with("hub.authority", "localhost").with("http.address", httpAddress)
                .writeTo(hubTlsDir, spokeDir);
        return spokeDir.resolve(EnrolmentBundle.CONFIG_FILE);
    }

    /** Polls a spoke's status until it holds {@code revision}; returns the last revision seen. */
    public static long awaitRevision(HttpClient http, String url, long revision, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = REVISION.matcher(body);
                if (m.find()) {
                    seen = Long.parseLong(m.group(1));
                    if (seen >= revision) {
                        return seen;
                    }
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return seen;
    }

    /** The local cluster's sign-in password, made once and kept beside its data (mode 0600). */
    static final String DEMO_PASSWORD = "demo-password.txt";

    private static String demoPassword(Path dir) throws java.io.IOException {
        Path file = dir.resolve(DEMO_PASSWORD);
        if (!Files.exists(file)) {
            byte[] random = new byte[12];
            new java.security.SecureRandom().nextBytes(random);
            String password = java.util.HexFormat.of().formatHex(random);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, password + "\n");
        }
        return Files.readString(file).trim();
    }

    /** A clinician "klinik" and an admin "admin" at a spoke of the demo cluster, if it has no users yet. */
    private static void demoUsers(Path spokeData, String password) throws Exception {
        dk.spejl.spoke.auth.UserStore users = new dk.spejl.spoke.auth.UserStore(spokeData, java.time.Clock.systemUTC());
        if (!users.list().isEmpty()) {
            return;
        }
        dk.spejl.spoke.auth.Passwords passwords = new dk.spejl.spoke.auth.Passwords(1, 60_000);
        users.add("klinik", java.util.Set.of(dk.spejl.spoke.auth.Role.CLINICIAN), passwords.hash(password.toCharArray()));
        users.add("admin", java.util.EnumSet.of(dk.spejl.spoke.auth.Role.ADMIN, dk.spejl.spoke.auth.Role.CLINICIAN),
                passwords.hash(password.toCharArray()));
    }
}
