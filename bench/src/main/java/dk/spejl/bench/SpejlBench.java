package dk.spejl.bench;

import dk.spejl.deploy.DaemonProcess;
import dk.spejl.deploy.LocalCluster;
import dk.spejl.hub.Hub;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.publish.Published;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.spoke.Spoke;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measures what issue 2 asks of replication and prints the figures as Markdown:
 * (a) bootstrap of an empty spoke, (b) publish-to-applied latency with 1 and N spokes,
 * (c) wire bytes per changed record, (d) delta verify+apply time at two catalogue sizes,
 * (e) a spoke process's resident memory. Everything runs on loopback with TLS.
 */
@Command(name = "spejl-bench", mixinStandardHelpOptions = true, description = "Replication benchmarks; prints Markdown.")
public final class SpejlBench implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "1000000", description = "Large catalogue size (default: ${DEFAULT-VALUE}).")
    int records;
    @Option(names = "--small", defaultValue = "10000", description = "Small catalogue size (default: ${DEFAULT-VALUE}).")
    int small;
    @Option(names = "--samples", defaultValue = "1000", description = "Revisions measured per latency run (default: ${DEFAULT-VALUE}).")
    int samples;
    @Option(names = "--warmup", defaultValue = "500", description = "Fewest revisions published before measuring; measuring starts once the JIT has settled too (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--max-warmup", defaultValue = "20000", description = "Most warm-up revisions a latency run waits for the JIT to settle (default: ${DEFAULT-VALUE}).")
    int maxWarmup;
    @Option(names = "--spoke-jvm", split = ",", description = "Extra JVM options for the spoke processes, e.g. -XX:+UseZGC (default: none).")
    List<String> spokeJvm = List.of();
    @Option(names = "--only-latency", description = "Run (b) only, for quick looks at latency; a full run records every figure.")
    boolean onlyLatency;
    @Option(names = "--only-bootstrap", description = "Run (a) only: publish the large catalogue and bootstrap spokes from it.")
    boolean onlyBootstrap;
    @Option(names = "--bootstraps", defaultValue = "3", description = "Spokes bootstrapped one after another in fresh JVMs of their own for (a) (default: ${DEFAULT-VALUE}).")
    int bootstraps;
    @Option(names = "--spokes", defaultValue = "20", description = "Spokes in the fan-out latency run (default: ${DEFAULT-VALUE}).")
    int spokes;

    private Path dir;
    /** The 1-spoke latency run split into hub, transit and spoke, printed under the (b) table. */
    private String breakdown = "";
    /** How each latency run warmed up, printed under the (b) table. */
    private final List<String> warmups = new ArrayList<>();
    private TlsFiles tls;
    /** The root key: every benchmark hub gets a key delegation signed by it, and spokes pin it. */
    private Ed25519.PrivateKey key;
    private final SplittableRandom random = new SplittableRandom(17);

    public static void main(String[] args) {
        System.exit(new CommandLine(new SpejlBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        dir = Files.createTempDirectory("spejl-bench");
        tls = ServerPki.create(dir.resolve("tls"), "bench", List.of("localhost"), List.of("127.0.0.1"));
        key = Ed25519.generate(new SecureRandom());
        System.out.printf("# Spejl replication benchmark%n%nmachine: %d cores, Java %s, %s%n%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), java.time.Instant.now());
        handoffFloor();
        diskFloor();
        try {
            double[] smallApply = null;
            Wire smallWire = null;
            // The small hub runs the default snapshot policy: routine snapshots are written in the background
            // while revisions are measured.
            if (!onlyBootstrap) {
                try (Hub hub = hub("small", SnapshotPolicy.DEFAULT)) {
                    List<HubRecord> catalogue = new CatalogueGenerator(1).generate(small);
                    publish(hub, catalogue);
                    System.out.println("## (b) publish -> applied-and-verified latency (" + small + " records, single-record revisions, "
                            + samples + " samples after the warm-up below)\n");
                    System.out.println("From the publish call (including the hub's synced commit and signature) and from the commit");
                    System.out.println("(the revision is durable at the hub; comparable to \"a committed row visible at a subscriber\"):\n");
                    System.out.println("| spokes | p50 ms | p99 ms | max ms | p99 of the slowest spoke per revision ms | p50 from commit ms | p99 from commit ms |");
                    System.out.println("|---|---|---|---|---|---|---|");
                    smallApply = latency(hub, catalogue, 1, "b1");
                    latencyAcrossProcesses(hub, catalogue);
                    latency(hub, catalogue, spokes, "b" + spokes);
                    System.out.println();
                    System.out.println("Warm-up (measuring starts after at least " + warmup + " revisions, once the JIT compilers spent under "
                            + Math.round(Warmup.SETTLED * 100) + "% of the last " + Warmup.WINDOW + " revisions' time compiling): "
                            + String.join("; ", warmups) + ".\n");
                    System.out.println(breakdown);
                    if (onlyLatency) {
                        return 0;
                    }
                    smallWire = wireBytes(hub, catalogue, 100, "c-small");
                }
            }
            // The large hub writes no routine snapshot during the runs, so that the spoke-side figures are not
            // mixed with the hub snapshotting a million records on the same two cores.
            try (Hub hub = hub("large", new SnapshotPolicy(100_000, 0.25, 2))) {
                List<HubRecord> catalogue = new CatalogueGenerator(2).generate(records);
                long t0 = System.nanoTime();
                publish(hub, catalogue);
                System.out.printf("%nhub: published %,d records as one revision (with its snapshot) in %.1f s%n%n", records, (System.nanoTime() - t0) / 1e9);

                System.out.println("## (a) bootstrap of an empty spoke\n");
                long started = System.nanoTime();
                List<Long> largeApplyNanos = java.util.Collections.synchronizedList(new ArrayList<>());
                try (Spoke spoke = spokeBuilder("a", hub.replicationPort()).onApplied((revision, bootstrap, nanos) -> {
                    if (!bootstrap) {
                        largeApplyNanos.add(nanos);
                    }
                }).start()) {
                    if (!spoke.awaitRevision(1, Duration.ofMinutes(5))) {
                        throw new IllegalStateException("bootstrap did not finish");
                    }
                    double seconds = (System.nanoTime() - started) / 1e9;
                    System.out.printf("| records | spoke | wall s | records/s |%n|---|---|---|---|%n| %,d | in the benchmark's JVM | %.2f | %,.0f |%n",
                            records, seconds, records / seconds);
                    bootstrapInOwnProcess(hub);
                    if (onlyBootstrap) {
                        return 0;
                    }

                    System.out.println("## (d) verify + apply time of a 1-record delta\n");
                    System.out.println("| catalogue | p50 ms | p99 ms |\n|---|---|---|");
                    System.out.printf("| %,d | %.3f | %.3f |%n", small, smallApply[0], smallApply[1]);
                    double[] largeApply = applyTimes(hub, catalogue, spoke, largeApplyNanos);
                    System.out.printf("| %,d | %.3f | %.3f |%n%n", records, largeApply[0], largeApply[1]);
                    System.out.printf("ratio p50 %,d / %,d records: %.2f (target <= 2)%n%n", records, small, largeApply[0] / smallApply[0]);
                }

                System.out.println("## (c) bytes on the wire per changed record (TLS included, both directions)\n");
                System.out.println("| catalogue | changes | wire bytes/record | JSON bytes/record | ratio |\n|---|---|---|---|---|");
                smallWire.print(small, 100);
                for (int changes : new int[] {100, 10_000}) {
                    wireBytes(hub, catalogue, changes, "c" + changes).print(records, changes);
                }
                System.out.println();

                System.out.println("## (e) spoke resident memory\n");
                residentMemory(hub);
            }
        } finally {
            deleteTree(dir);
        }
        return 0;
    }

    /**
     * The machine's own floor: how long it takes one thread to wake another, sampled like the
     * latency runs (one handoff, then a 2 ms pause). A revision crosses at least three threads
     * (publisher, hub event loop, spoke event loop, spoke sync thread), so on a machine where this
     * floor is high, the end-to-end p99 is too.
     */
    private void handoffFloor() throws Exception {
        java.util.concurrent.SynchronousQueue<Long> queue = new java.util.concurrent.SynchronousQueue<>();
        List<Double> wakeups = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread receiver = new Thread(() -> {
            try {
                while (true) {
                    long sent = queue.take();
                    if (sent < 0) {
                        return;
                    }
                    wakeups.add((System.nanoTime() - sent) / 1e6);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "handoff-receiver");
        receiver.start();
        for (int i = 0; i < 2000; i++) {
            queue.put(System.nanoTime());
            Thread.sleep(2);
        }
        queue.put(-1L);
        receiver.join();
        double[] w = wakeups.stream().skip(500).mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("scheduling floor (one thread waking another, 1,500 samples): p50 %.3f ms, p99 %.3f ms, max %.3f ms%n%n",
                pct(w, 0.5), pct(w, 0.99), w[w.length - 1]);
    }

    /**
     * The disk's floor, sampled like the latency runs: a 1.5 KB append forced with fdatasync, then a
     * 2 ms pause. The hub syncs each revision before it announces it (a revision announced and then
     * lost in a crash would be published again, differently, under the same number), so the p99 from
     * the publish call rests on the disk's p99; the disk's speed changes within minutes, though, and
     * the synced write measured during the run is the closer figure.
     */
    private void diskFloor() throws Exception {
        Path file = dir.resolve("disk-floor.bin");
        double[] synced = new double[1500];
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(1536);
            for (int i = -500; i < synced.length; i++) {
                block.clear();
                long started = System.nanoTime();
                channel.write(block);
                channel.force(false);
                if (i >= 0) {
                    synced[i] = (System.nanoTime() - started) / 1e6;
                }
                Thread.sleep(2);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        java.util.Arrays.sort(synced);
        System.out.printf("disk floor (a 1.5 KB append forced with fdatasync, as the hub's commit is at its smallest, 1,500 samples): "
                + "p50 %.3f ms, p99 %.3f ms, max %.3f ms%n%n", pct(synced, 0.5), pct(synced, 0.99), synced[synced.length - 1]);
    }

    private Hub hub(String name, SnapshotPolicy policy) throws Exception {
        Path keys = dir.resolve(name + "-keys");
        if (!Files.exists(keys)) {
            HubKeys.create(keys, key, "bench", java.time.Duration.ofDays(365), java.time.Clock.systemUTC());
        }
        return Hub.builder().dataDir(dir.resolve(name)).hubId("bench").keys(keys, key.publicKey().fingerprint()).tls(tls)
                .snapshotPolicy(policy).start();
    }

    private Spoke spoke(Hub hub, String name, int port) throws Exception {
        return spokeBuilder(name, port).start();
    }

    private Spoke.Builder spokeBuilder(String name, int port) {
        Path spokeDir = dir.resolve("spoke-" + name + "-" + System.nanoTime());
        try {
            return Spoke.builder().name(name).dataDir(spokeDir)
                    .hub(new InetSocketAddress("127.0.0.1", port)).hubAuthority("localhost")
                    .rootFingerprint(key.publicKey().fingerprint())
                    .tls(ServerPki.enrol(dir.resolve("tls"), PeerIdentity.spokeSubject(name, "midtjylland"), spokeDir.resolve("tls"), "spoke"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void publish(Hub hub, List<HubRecord> records) throws Exception {
        List<ChangeSet.Put> puts = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            puts.add(new ChangeSet.Put(i + 1, records.get(i)));
        }
        hub.publisher().publish(new ChangeSet(puts, List.of()));
    }

    /** Publishes single-record revisions and times each from publish() to applied at every spoke. */
    private double[] latency(Hub hub, List<HubRecord> catalogue, int spokeCount, String label) throws Exception {
        Map<Long, CountDownLatch> waiting = new ConcurrentHashMap<>();
        Map<Long, long[]> appliedAt = new ConcurrentHashMap<>();
        List<Long> applyNanos = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Long, Long> firstSpokeApply = new ConcurrentHashMap<>();
        List<Spoke> running = new ArrayList<>();
        long head = hub.publisher().head().revision();
        try {
            for (int s = 0; s < spokeCount; s++) {
                int index = s;
                Spoke spoke = spokeBuilder(label + "-" + s, hub.replicationPort()).onApplied((revision, bootstrap, nanos) -> {
                    long now = System.nanoTime();
                    long[] times = appliedAt.get(revision);
                    if (times != null) {
                        times[index] = now;
                        if (index == 0 && !bootstrap) {
                            applyNanos.add(nanos);
                            firstSpokeApply.put(revision, nanos);
                        }
                    }
                    CountDownLatch latch = waiting.get(revision);
                    if (latch != null) {
                        latch.countDown();
                    }
                }).start();
                running.add(spoke);
            }
            for (Spoke spoke : running) {
                spoke.awaitRevision(head, Duration.ofMinutes(2));
            }
            List<Double> all = new ArrayList<>();
            List<Double> fromCommit = new ArrayList<>();
            List<Double> slowest = new ArrayList<>();
            List<Double> toCommit = new ArrayList<>();
            List<Double> transit = new ArrayList<>();
            List<Double> spokeWork = new ArrayList<>();
            List<Double> synced = new ArrayList<>();
            CatalogueGenerator generator = new CatalogueGenerator(99);
            Warmup warm = new Warmup(warmup, maxWarmup, Warmup::ownCompileMillis);
            boolean measuring = false;
            for (int measured = 0; measured < samples; ) {
                long revision = hub.publisher().head().revision() + 1;
                CountDownLatch latch = new CountDownLatch(spokeCount);
                waiting.put(revision, latch);
                long[] times = new long[spokeCount];
                appliedAt.put(revision, times);
                HubRecord changed = generator.modify(catalogue.get(random.nextInt(catalogue.size())));
                long t0 = System.nanoTime();
                Published published = hub.publisher().publish(new ChangeSet(List.of(new ChangeSet.Put(1, changed)), List.of()));
                long committed = published.committedNanos();
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("revision " + revision + " did not reach every spoke");
                }
                if (!measuring) {
                    measuring = warm.warmedAfter();
                    if (measuring) {
                        applyNanos.clear();
                    }
                } else {
                    measured++;
                    double worst = 0;
                    for (long t : times) {
                        double ms = (t - t0) / 1e6;
                        all.add(ms);
                        fromCommit.add((t - committed) / 1e6);
                        worst = Math.max(worst, ms);
                    }
                    slowest.add(worst);
                    Long work = firstSpokeApply.get(revision);
                    if (work != null) {
                        toCommit.add((committed - t0) / 1e6);
                        synced.add(published.commitNanos() / 1e6);
                        spokeWork.add(work / 1e6);
                        transit.add((times[0] - committed - work) / 1e6);
                    }
                }
                Thread.sleep(2);
            }
            double[] a = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] w = slowest.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] c = fromCommit.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", spokeCount, pct(a, 0.5), pct(a, 0.99), a[a.length - 1],
                    pct(w, 0.99), pct(c, 0.5), pct(c, 0.99));
            warmups.add(spokeCount + " spoke" + (spokeCount == 1 ? "" : "s") + ": " + warm.describe());
            if (spokeCount == 1) {
                double[] h = toCommit.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double[] d = synced.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double[] t = transit.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double[] v = spokeWork.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                breakdown = String.format("Where the time goes with 1 spoke (p50 / p99 ms; percentiles of parts do not add up): "
                                + "publish call to durable commit %.2f / %.2f (of which the synced RocksDB write %.2f / %.2f), "
                                + "commit to the spoke starting to verify %.2f / %.2f, spoke verify + apply %.2f / %.2f.",
                        pct(h, 0.5), pct(h, 0.99), pct(d, 0.5), pct(d, 0.99), pct(t, 0.5), pct(t, 0.99), pct(v, 0.5), pct(v, 0.99));
            }
            double[] apply = applyNanos.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
            return new double[] {pct(apply, 0.5), pct(apply, 0.99)};
        } finally {
            running.forEach(Spoke::close);
        }
    }

    /**
     * The deployed topology: the spoke in its own JVM, so hub and spoke do not share a heap,
     * a garbage collector or safepoints. Times are CLOCK_MONOTONIC in both processes.
     */
    private void latencyAcrossProcesses(Hub hub, List<HubRecord> catalogue) throws Exception {
        TlsFiles client = ServerPki.enrol(dir.resolve("tls"), PeerIdentity.spokeSubject("probe", "nordjylland"), dir.resolve("probe-tls"), "spoke");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(DaemonProcess.jvmOptions(DaemonProcess.SPOKE_JVM, spokeJvm));
        command.addAll(List.of("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
                "-cp", System.getProperty("java.class.path"), SpokeProbe.class.getName(),
                dir.resolve("spoke-probe").toString(), Integer.toString(hub.replicationPort()), tls.trustedCa().toString(),
                key.publicKey().fingerprint(), client.certificate().toString(), client.privateKey().toString()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<Long, Long> appliedAt = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicLong probeCompileMillis = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.BlockingQueue<Long> arrivals = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    String[] parts = line.split(" ");
                    if (parts.length == 5 && parts[0].equals("applied")) {
                        probeCompileMillis.set(Long.parseLong(parts[4]));
                        appliedAt.put(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                        arrivals.add(Long.parseLong(parts[1]));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "probe-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            long head = hub.publisher().head().revision();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!appliedAt.containsKey(head) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<Double> all = new ArrayList<>();
            List<Double> fromCommit = new ArrayList<>();
            CatalogueGenerator generator = new CatalogueGenerator(97);
            // Both JVMs compile: the spoke process reports its compilation time with every revision.
            Warmup warm = new Warmup(warmup, maxWarmup, () -> Warmup.ownCompileMillis() + probeCompileMillis.get());
            boolean measuring = false;
            for (int measured = 0; measured < samples; ) {
                long revision = hub.publisher().head().revision() + 1;
                HubRecord changed = generator.modify(catalogue.get(random.nextInt(catalogue.size())));
                long t0 = System.nanoTime();
                long committed = hub.publisher().publish(new ChangeSet(List.of(new ChangeSet.Put(1, changed)), List.of())).committedNanos();
                while (!appliedAt.containsKey(revision)) {
                    // Blocks rather than spins: on two cores a spinning driver would steal the spoke's CPU.
                    if (arrivals.poll(30, TimeUnit.SECONDS) == null) {
                        throw new IllegalStateException("revision " + revision + " did not reach the spoke process");
                    }
                }
                if (!measuring) {
                    measuring = warm.warmedAfter();
                } else {
                    measured++;
                    all.add((appliedAt.get(revision) - t0) / 1e6);
                    fromCommit.add((appliedAt.get(revision) - committed) / 1e6);
                }
                Thread.sleep(2);
            }
            double[] a = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] c = fromCommit.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("| 1 (own JVM) | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", pct(a, 0.5), pct(a, 0.99), a[a.length - 1],
                    pct(a, 0.99), pct(c, 0.5), pct(c, 0.99));
            warmups.add("1 spoke in its own JVM: " + warm.describe());
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * (a) as deployed: empty spokes, one after another, each in a fresh JVM of its own
     * ({@code bin/spejl-spoke serve} with its default heap), cold JIT included. For each, from its log: the
     * time from process start to serving HTTP (JVM, TLS and RocksDB set up), to watching the hub
     * (connected, key delegation checked), its bootstrap, and from process start to holding the
     * revision as its HTTP status reports it.
     */
    private void bootstrapInOwnProcess(Hub hub) throws Exception {
        long head = hub.publisher().head().revision();
        for (int i = 0; i < bootstraps; i++) {
            Path log;
            java.time.Instant started;
            double total;
            try (SpokeProcess spoke = spokeProcess(hub, "cold" + i, "hovedstaden")) {
                started = spoke.startedAt();
                spoke.awaitRevision(head);
                total = Duration.between(started, java.time.Instant.now()).toNanos() / 1e9;
                log = spoke.process().log();
            }
            String text = Files.readString(log);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bootstrapped revision \\d+ from snapshot: .*?, (\\d+) ms").matcher(text);
            double bootstrap = m.find() ? Long.parseLong(m.group(1)) / 1e3 : Double.NaN;
            System.out.printf("| %,d | own process %d (%s, fresh JVM, %s, %s): its bootstrap | %.2f | %,.0f |%n", records, i + 1,
                    Files.exists(SPOKE_SCRIPT) ? "bin/spejl-spoke" : "java -cp", String.join(" ", DaemonProcess.SPOKE_JVM),
                    text.contains("started from the class archive") ? "from the class archive" : "no class archive", bootstrap, records / bootstrap);
            System.out.printf("| %,d | own process %d: process start to holding the revision (serving HTTP after %.2f s, watching after %.2f s) | %.2f | %,.0f |%n",
                    records, i + 1, secondsUntil(text, "serving HTTP", started), secondsUntil(text, "watching hub", started), total, records / total);
        }
        System.out.println();
    }

    /** Seconds from {@code started} to the first log line holding {@code text}, by the line's timestamp. */
    private static double secondsUntil(String log, String text, java.time.Instant started) {
        for (String line : log.split("\n")) {
            if (line.contains(text)) {
                return Duration.between(started, java.time.Instant.parse(line.substring(0, line.indexOf(' ')))).toMillis() / 1e3;
            }
        }
        return Double.NaN;
    }

    /** Verify + apply times at the spoke for single-record revisions. */
    private double[] applyTimes(Hub hub, List<HubRecord> catalogue, Spoke spoke, List<Long> applyNanos) throws Exception {
        // Measured as in the 1-spoke latency run: the spoke's own verify + apply time per revision, after a warm-up,
        // with the same pause between revisions.
        CatalogueGenerator generator = new CatalogueGenerator(98);
        for (int i = 0; i < warmup + samples; i++) {
            long revision = hub.publisher().head().revision() + 1;
            hub.publisher().publish(new ChangeSet(List.of(new ChangeSet.Put(1, generator.modify(catalogue.get(random.nextInt(catalogue.size()))))), List.of()));
            spoke.awaitRevision(revision, Duration.ofSeconds(30));
            if (i == warmup - 1) {
                applyNanos.clear();
            }
            Thread.sleep(2);
        }
        double[] apply = applyNanos.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
        return new double[] {pct(apply, 0.5), pct(apply, 0.99)};
    }

    /** Bytes a spoke exchanges with the hub for one revision of {@code changes} updated records. */
    record Wire(double perRecord, double jsonPerRecord) {
        void print(int catalogue, int changes) {
            System.out.printf("| %,d | %,d | %.0f | %.0f | %.2f |%n", catalogue, changes, perRecord, jsonPerRecord, perRecord / jsonPerRecord);
        }
    }

    private Wire wireBytes(Hub hub, List<HubRecord> catalogue, int changes, String label) throws Exception {
        try (CountingProxy proxy = new CountingProxy(new InetSocketAddress("127.0.0.1", hub.replicationPort()));
             Spoke spoke = spoke(hub, label, proxy.port())) {
            spoke.awaitRevision(hub.publisher().head().revision(), Duration.ofMinutes(5));
            Thread.sleep(300);
            long before = proxy.total();
            CatalogueGenerator generator = new CatalogueGenerator(77);
            List<ChangeSet.Put> puts = new ArrayList<>();
            long json = 0;
            int[] picks = random.ints(0, catalogue.size()).distinct().limit(changes).toArray();
            for (int p : picks) {
                HubRecord changed = generator.modify(catalogue.get(p));
                puts.add(new ChangeSet.Put(puts.size() + 1, changed));
                json += CatalogueGenerator.putLine(changed).length() + 1;
            }
            long revision = hub.publisher().publish(new ChangeSet(puts, List.of())).revision();
            spoke.awaitRevision(revision, Duration.ofMinutes(1));
            Thread.sleep(300);
            return new Wire((proxy.total() - before) / (double) changes, json / (double) changes);
        }
    }

    private void residentMemory(Hub hub) throws Exception {
        long head = hub.publisher().head().revision();
        long started = System.nanoTime();
        try (SpokeProcess spoke = spokeProcess(hub, "rss", "sjaelland")) {
            spoke.awaitRevision(head);
            double bootstrap = (System.nanoTime() - started) / 1e9;
            HttpClient http = spoke.http();
            int httpPort = spoke.httpPort();
            String bearer = BenchLogin.bearer(dk.spejl.spoke.SpokeConfig.read(dir.resolve("spoke-rss").resolve("spoke.conf")).dataDir());
            List<HubRecord> sample = new CatalogueGenerator(2).generate(20_000);
            int found = 0;
            for (int i = 0; i < 10_000; i++) {
                String id = sample.get(random.nextInt(sample.size())).getRecord().getId();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/v1/records/" + id))
                                .header("Authorization", bearer).build(),
                        HttpResponse.BodyHandlers.ofString());
                found += r.statusCode() == 200 ? 1 : 0;
            }
            Map<String, Long> memory = procStatus(spoke.process().pid());
            System.out.println("| records | JVM heap limit | VmRSS MB | VmHWM (peak) MB | process start to caught up s | lookups (found) |");
            System.out.println("|---|---|---|---|---|---|");
            System.out.printf("| %,d | 256 MB | %.0f | %.0f | %.1f | 10,000 (%,d) |%n%n", records, memory.get("VmRSS") / 1024.0,
                    memory.get("VmHWM") / 1024.0, bootstrap, found);
        }
    }

    /** The distribution bench/run.sh builds; without it, spokes run on the benchmark's class path. */
    private static final Path DISTRIBUTION = Path.of("deploy/target/spejl");
    private static final Path SPOKE_SCRIPT = DISTRIBUTION.resolve("bin/spejl-spoke");

    /** {@code spejl-spoke serve} in a JVM of its own (its default heap, and --spoke-jvm), enrolled with the benchmark's CA. */
    private SpokeProcess spokeProcess(Hub hub, String name, String region) throws Exception {
        int httpPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            httpPort = socket.getLocalPort();
        }
        Path conf = LocalCluster.enrolSpoke(dir.resolve("spoke-" + name), name, region, "127.0.0.1:" + hub.replicationPort(), dir.resolve("tls"),
                key.publicKey().fingerprint(), "127.0.0.1:" + httpPort);
        java.time.Instant started = java.time.Instant.now();
        DaemonProcess process = DaemonProcess.spoke(DISTRIBUTION, name, dir.resolve("spoke-" + name + ".log"), spokeJvm,
                "serve", "--config", conf.toString());
        return new SpokeProcess(process, started, httpPort, HttpClient.newHttpClient());
    }

    private record SpokeProcess(DaemonProcess process, java.time.Instant startedAt, int httpPort, HttpClient http) implements AutoCloseable {
        /** Waits until the spoke's HTTP status reports {@code revision}, for at most five minutes. */
        void awaitRevision(long revision) throws Exception {
            if (LocalCluster.awaitRevision(http, "http://127.0.0.1:" + httpPort + "/api/v1/status", revision, Duration.ofMinutes(5)) < revision) {
                throw new IllegalStateException("the spoke process did not reach revision " + revision + "; see " + process.log());
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /** VmRSS and VmHWM of a process, in kB, from /proc. */
    static Map<String, Long> procStatus(long pid) throws Exception {
        Map<String, Long> values = new ConcurrentHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String[] parts = line.split("\\s+");
            if (parts.length >= 2 && (parts[0].equals("VmRSS:") || parts[0].equals("VmHWM:"))) {
                values.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
            }
        }
        return values;
    }

    /** The p-th quantile of sorted values (nearest rank). */
    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void deleteTree(Path path) throws Exception {
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

}
