package dk.spejl.bench;

import dk.spejl.deploy.DaemonProcess;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.cli.HubCli;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.sync.AuditWitness;
import dk.spejl.spoke.sync.Follower;
import dk.spejl.spoke.sync.Freshness;
import dk.spejl.spoke.sync.HeldDelegation;
import dk.spejl.spoke.sync.SyncMetrics;
import dk.spejl.spoke.sync.SyncSettings;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 16's scale point: one hub (the distribution's main class, in a process of its own, so that its RSS and CPU
 * are its own) watched by N spokes simulated in this process, each with its own mutual-TLS Watch stream, verifier and
 * RocksDB replica (no search index or HTTP side: replication is what is measured). Publishes a series of revisions and
 * reports publish → applied at every spoke (p50, p99, max), the hub's RSS and CPU per publish, and the time for all
 * spokes to come back after a hub restart. Prints Markdown. Loopback only; bounded in count and time.
 */
@Command(name = "spejl-fanout-bench", mixinStandardHelpOptions = true, description = "Hub fan-out benchmark; prints Markdown.")
public final class FanoutBench implements Callable<Integer> {
    @Option(names = "--spokes", defaultValue = "200", description = "Spokes watching (default: ${DEFAULT-VALUE}).")
    int spokes;
    @Option(names = "--records", defaultValue = "5000", description = "Records in the catalogue they bootstrap (default: ${DEFAULT-VALUE}).")
    int records;
    @Option(names = "--publishes", defaultValue = "20", description = "Revisions published and timed (default: ${DEFAULT-VALUE}).")
    int publishes;
    @Option(names = "--changes", defaultValue = "100", description = "Records changed per revision (default: ${DEFAULT-VALUE}).")
    int changes;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FanoutBench()).execute(args));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** utime + stime of a process, in clock ticks (100 a second). */
    private static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long rssKib(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(-1L);
    }

    private record Simulated(Replica replica, ManagedChannel channel, Follower follower) {
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("spejl-fanout-bench");
        try {
            return run(dir);
        } finally {
            SearchBench.deleteTree(dir); // hundreds of megabytes of replicas
        }
    }

    private int run(Path dir) throws Exception {
        int replication = freePort();
        int admin = freePort();
        Path passphrase = dir.resolve("passphrase");
        Files.writeString(passphrase, "a passphrase for the fan-out benchmark only\n");
        if (HubCli.commandLine().execute("init", "--dir", dir.resolve("hub").toString(), "--hub-id", "fanout", "--replication-address",
                "127.0.0.1:" + replication, "--admin-address", "127.0.0.1:" + admin, "--ops-address", "off",
                "--root-key", dir.resolve("root.key").toString(), "--passphrase-file", passphrase.toString()) != 0) {
            return 2;
        }
        Path conf = dir.resolve("hub/hub.conf");
        HubConfig config = HubConfig.read(conf);
        List<String> hubHeap = List.of("-Xmx1g");
        DaemonProcess hub = DaemonProcess.hub(null, "hub", dir.resolve("hub.log"), hubHeap, "serve", "--config", conf.toString());
        if (!hub.awaitLog("ready:", Duration.ofSeconds(60))) {
            throw new IllegalStateException("the hub did not start; see " + hub.log());
        }
        CatalogueGenerator generator = new CatalogueGenerator(1606);
        Path first = dir.resolve("first.jsonl");
        Files.write(first, generator.generate(records).stream().map(CatalogueGenerator::putLine).toList());
        HubCli.commandLine().execute("ingest", "--config", conf.toString(), first.toString());

        // The spokes, all in this process.
        Map<Long, List<Long>> appliedMillis = new ConcurrentHashMap<>();
        List<Simulated> all = new ArrayList<>();
        Clock clock = Clock.systemUTC();
        long startAll = System.nanoTime();
        for (int i = 0; i < spokes; i++) {
            String name = "s" + i;
            Path data = Files.createDirectories(dir.resolve("spokes").resolve(name));
            TlsFiles tls = ServerPki.enrol(dir.resolve("hub/tls"), PeerIdentity.spokeSubject(name, "midtjylland"), data.resolve("tls"), "spoke");
            Replica replica = Replica.open(data.resolve("replica"), false);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", replication).sslContext(tls.clientContext())
                    .overrideAuthority("localhost").build();
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            Freshness freshness = new Freshness(clock, Duration.ofMinutes(5), data.resolve("heartbeat.bin"), () -> replica.state().map(s -> s.position()));
            Follower follower = new Follower(replica, channel, new HeldDelegation(data.resolve("trust.bin"), config.rootFingerprint()), name,
                    clock, new SyncMetrics(metrics, replica, clock), Duration.ofMinutes(30), freshness,
                    (revision, bootstrap, nanos) -> {
                        long published = replica.state().map(s -> s.manifest().getPublishedAtMillis()).orElse(0L);
                        appliedMillis.computeIfAbsent(revision, r -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                .add(System.currentTimeMillis() - published);
                    }, SyncSettings.DEFAULT, e -> e.printStackTrace(), new AuditWitness(data, metrics, clock));
            follower.start();
            all.add(new Simulated(replica, channel, follower));
        }
        long head = 1;
        awaitAll(all, head, Duration.ofMinutes(10));
        System.out.printf("## Fan-out: one hub, %d spokes in one process, %d cores, %s%n%n", spokes, Runtime.getRuntime().availableProcessors(),
                java.time.LocalDate.now());
        System.out.printf("Command: `bench/fanout.sh --spokes %d --records %d --publishes %d --changes %d`. The hub runs in its own process "
                + "(-Xmx1g); each spoke has its own mutual-TLS Watch stream, verifier and RocksDB replica.%n%n", spokes, records, publishes, changes);
        System.out.printf("- %d spokes bootstrapped %d records each in %.1f s%n", spokes, records, (System.nanoTime() - startAll) / 1e9);

        long cpuBefore = cpuTicks(hub.pid());
        List<Long> latencies = new ArrayList<>();
        long maxRss = rssKib(hub.pid());
        for (int p = 0; p < publishes; p++) {
            Path change = dir.resolve("change-" + p + ".jsonl");
            Files.write(change, generator.generate(changes).stream().map(CatalogueGenerator::putLine).toList());
            HubCli.commandLine().execute("ingest", "--config", conf.toString(), change.toString());
            head++;
            awaitAll(all, head, Duration.ofMinutes(2));
            // The listener is told just after the replica moves: wait for every spoke's sample, the slowest too.
            long sampleEnd = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (appliedMillis.getOrDefault(head, List.of()).size() < spokes && System.nanoTime() < sampleEnd) {
                Thread.sleep(5);
            }
            latencies.addAll(appliedMillis.getOrDefault(head, List.of()));
            maxRss = Math.max(maxRss, rssKib(hub.pid()));
        }
        long cpuTicks = cpuTicks(hub.pid()) - cpuBefore;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("- signed → applied, each spoke's sample pooled, over %d publishes of %d new records (%d applies): p50 %d ms, p99 %d ms, "
                        + "max %d ms%n", publishes, changes, sorted.length, sorted[sorted.length / 2],
                sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)], sorted[sorted.length - 1]);
        System.out.printf("- hub: RSS %.0f MB at most; CPU %.0f ms per publish (ingest over the admin port, publish, and %d streams fed)%n",
                maxRss / 1024.0, cpuTicks * 10.0 / publishes, spokes);

        // The hub restarts: how long until every spoke has its stream back.
        hub.requestStop();
        hub.waitFor(Duration.ofSeconds(60));
        long down = System.nanoTime();
        hub = DaemonProcess.hub(null, "hub", dir.resolve("hub.log"), hubHeap, "serve", "--config", conf.toString());
        hub.awaitLog("ready:", Duration.ofSeconds(60));
        long up = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (all.stream().anyMatch(s -> !s.follower().connected()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long back = all.stream().filter(s -> s.follower().connected()).count();
        System.out.printf("- hub restart: %d of %d spokes watching again %.1f s after the new hub was ready (%.1f s after the old one stopped; "
                + "spokes back off up to 10 s between tries)%n", back, spokes, (System.nanoTime() - up) / 1e9, (System.nanoTime() - down) / 1e9);
        for (Simulated s : all) {
            s.follower().close();
            s.channel().shutdownNow();
            s.replica().close();
        }
        hub.requestStop();
        hub.waitFor(Duration.ofSeconds(60));
        return back == spokes ? 0 : 1;
    }

    private static void awaitAll(List<Simulated> all, long revision, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (all.stream().anyMatch(s -> s.replica().state().map(st -> st.revision() < revision).orElse(true))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not every spoke reached revision " + revision + " within " + timeout);
            }
            Thread.sleep(5);
        }
    }
}
