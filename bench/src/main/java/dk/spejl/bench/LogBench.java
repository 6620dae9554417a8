package dk.spejl.bench;

import dk.spejl.log.MerkleLog;
import dk.spejl.signing.Ed25519;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The browse log's append with its durability (issue 14): concurrent appenders of entries the size of a search's,
 * each waiting for its synced group commit, in a RocksDB on this machine's disk. Prints append latency and the
 * appends per sync for each level of concurrency.
 */
@Command(name = "log-bench", mixinStandardHelpOptions = true)
public final class LogBench implements Callable<Integer> {
    @Option(names = "--appends", defaultValue = "4000", description = "Appends per level (default: ${DEFAULT-VALUE}).")
    int appends;
    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,64", description = "Concurrent appenders (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;
    @Option(names = "--dir", description = "Where the log is written (default: a temporary directory under /tmp).")
    Path dir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LogBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? dir : Files.createTempDirectory("spejl-log-bench");
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        // An entry like a search's: who, the query, 50 ids shown.
        StringBuilder entry = new StringBuilder("{\"at\":\"2026-12-01T12:00:00Z\",\"who\":{\"user\":\"anna.h\",\"role\":\"clinician\",\"mode\":\"local\"},"
                + "\"action\":\"search\",\"what\":{\"path\":\"/api/v1/records\",\"query\":{\"file_format\":[\"cram\"]}},\"hits\":12345,\"shown\":[");
        for (int i = 0; i < 50; i++) {
            entry.append(i == 0 ? "" : ",").append("\"ngcf-").append(String.format("%016x", i * 7919L)).append('"');
        }
        byte[] bytes = entry.append("],\"outcome\":200,\"revision\":4711}").toString().getBytes(StandardCharsets.UTF_8);
        System.out.printf("## Browse-log appends, %d-byte entries, synced group commit, %d cores, %s%n%n", bytes.length,
                Runtime.getRuntime().availableProcessors(), java.time.LocalDate.now());
        System.out.println("| appenders | appends/s | p50 ms | p99 ms | max ms | appends per sync |\n|---|---|---|---|---|---|");
        for (int c : concurrency) {
            Path at = root.resolve("c" + c);
            try (MerkleLog log = MerkleLog.open(at, "bench/browse", key, new MerkleLog.Policy(1_000, Duration.ofMinutes(1)), Clock.systemUTC())) {
                double[] ms = new double[appends];
                List<Thread> threads = new ArrayList<>();
                int each = appends / c;
                for (int t = 0; t < c; t++) {
                    int from = t * each;
                    threads.add(new Thread(() -> {
                        for (int i = from; i < from + each; i++) {
                            long t0 = System.nanoTime();
                            try {
                                log.append(bytes);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            ms[i] = (System.nanoTime() - t0) / 1e6;
                        }
                    }));
                }
                long t0 = System.nanoTime();
                threads.forEach(Thread::start);
                for (Thread t : threads) {
                    t.join();
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                double[] done = Arrays.copyOf(ms, each * c);
                Arrays.sort(done);
                System.out.printf("| %d | %.0f | %.2f | %.2f | %.1f | %.1f |%n", c, done.length / wall, SpejlBench.pct(done, 0.5),
                        SpejlBench.pct(done, 0.99), done[done.length - 1], (double) log.size() / log.commits());
                if (!log.verify().ok()) {
                    throw new IllegalStateException("the log does not verify after the run");
                }
            }
        }
        SearchBench.deleteTree(root);
        return 0;
    }
}
