package dk.spejl.bench;

import dk.spejl.hub.Hub;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.cli.HubCli;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Issue 16's backup at scale: a hub holding N records (default a million) is backed up by {@code spejl-hub backup}
 * over its admin service while revisions are published one after another, and the backup restored by
 * {@code spejl-hub restore} (which checks the restored catalogue as {@code spejl-hub check} does). Reports the
 * backup's time and size, the publish latency before and during it, and the restore's time. Prints Markdown.
 * Loopback only; bounded in count and time.
 */
@Command(name = "spejl-backup-bench", mixinStandardHelpOptions = true, description = "Hub backup and restore benchmark; prints Markdown.")
public final class BackupBench implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "1000000", description = "Records in the hub's catalogue (default: ${DEFAULT-VALUE}).")
    int records;
    @Option(names = "--changes", defaultValue = "10", description = "Records changed per revision published meanwhile (default: ${DEFAULT-VALUE}).")
    int changes;
    @Option(names = "--baseline", defaultValue = "100", description = "Revisions timed before the backup (default: ${DEFAULT-VALUE}).")
    int baseline;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BackupBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("spejl-backup-bench");
        try {
            return run(dir);
        } finally {
            SearchBench.deleteTree(dir);
        }
    }

    private int run(Path dir) throws Exception {
        Path passphrase = dir.resolve("passphrase");
        Files.writeString(passphrase, "a passphrase for the backup benchmark only\n");
        int admin;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            admin = s.getLocalPort();
        }
        if (HubCli.commandLine().execute("init", "--dir", dir.resolve("hub").toString(), "--hub-id", "backup-bench", "--replication-address",
                "127.0.0.1:0", "--admin-address", "127.0.0.1:" + admin, "--ops-address", "off",
                "--root-key", dir.resolve("root.key").toString(), "--passphrase-file", passphrase.toString()) != 0) {
            return 2;
        }
        Path conf = dir.resolve("hub/hub.conf");
        System.out.printf("## Backup and restore: a hub of %,d records, %d cores, %s%n%n", records, Runtime.getRuntime().availableProcessors(),
                java.time.LocalDate.now());
        System.out.printf("Command: `bench/backup.sh --records %d --changes %d --baseline %d`. The hub runs in this process; `backup`"
                + " and `restore` are the operators' commands, the backup streamed over the admin service's mutual TLS.%n%n", records, changes, baseline);
        CatalogueGenerator generator = new CatalogueGenerator(16);
        try (Hub hub = HubConfig.read(conf).toBuilder().start()) {
            List<HubRecord> generated = generator.generate(records);
            List<ChangeSet.Put> puts = new ArrayList<>(records);
            for (int i = 0; i < generated.size(); i++) {
                puts.add(new ChangeSet.Put(i + 1, generated.get(i)));
            }
            long t0 = System.nanoTime();
            hub.publisher().publish(new ChangeSet(puts, List.of()));
            puts = null;
            generated = null;
            hub.publisher().awaitSnapshots();
            System.out.printf("- published %,d records in %.1f s%n", records, (System.nanoTime() - t0) / 1e9);

            double[] before = new double[baseline];
            for (int i = 0; i < baseline; i++) {
                before[i] = publish(hub, generator);
            }
            List<Double> during = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> failed = new AtomicReference<>();
            Thread publisher = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        double ms = publish(hub, generator);
                        synchronized (during) {
                            during.add(ms);
                        }
                    }
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "bench-publisher");
            long headBefore = hub.publisher().head().revision();
            publisher.start();
            Path backup = dir.resolve("backup");
            long b0 = System.nanoTime();
            int code = HubCli.commandLine().execute("backup", backup.toString(), "--config", conf.toString());
            double backupSeconds = (System.nanoTime() - b0) / 1e9;
            stop.set(true);
            publisher.join();
            if (code != 0 || failed.get() != null) {
                System.err.println("backup failed (" + code + "): " + failed.get());
                return 1;
            }
            long bytes;
            long files;
            try (var walk = Files.walk(backup)) {
                List<Path> all = walk.filter(Files::isRegularFile).toList();
                files = all.size();
                bytes = 0;
                for (Path f : all) {
                    bytes += Files.size(f);
                }
            }
            double[] meanwhile;
            synchronized (during) {
                meanwhile = during.stream().mapToDouble(Double::doubleValue).toArray();
            }
            System.out.printf("- backup: %.1f s, %,d files, %,d MB, while %d revisions of %d records were published (head %d → %d)%n",
                    backupSeconds, files, bytes >> 20, meanwhile.length, changes, headBefore, hub.publisher().head().revision());
            System.out.printf("- publish latency before the backup: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d revisions)%n",
                    pct(before, 50), pct(before, 99), pct(before, 100), before.length);
            System.out.printf("- publish latency during the backup: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d revisions)%n",
                    pct(meanwhile, 50), pct(meanwhile, 99), pct(meanwhile, 100), meanwhile.length);
        }
        long r0 = System.nanoTime();
        int code = HubCli.commandLine().execute("restore", dir.resolve("backup").toString(), "--dir", dir.resolve("restored").toString());
        System.out.printf("- restore, including its check of every object and record: %.1f s (exit %d)%n", (System.nanoTime() - r0) / 1e9, code);
        return code;
    }

    private double publish(Hub hub, CatalogueGenerator generator) throws Exception {
        List<String> lines = generator.generate(changes).stream().map(CatalogueGenerator::putLine).toList();
        long t = System.nanoTime();
        var result = hub.ingest().apply(lines);
        if (!result.getPublished()) {
            throw new IllegalStateException("not published: " + result.getErrorsList());
        }
        return (System.nanoTime() - t) / 1e6;
    }

    private static double pct(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
