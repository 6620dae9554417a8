package dk.spejl.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** The search benchmark's throughput levels: closed-loop clients at each concurrency, after an uncounted warm-up. */
final class ThroughputLevels {
    private final List<Integer> concurrency;
    private final int seconds;
    private final int warmupSeconds;
    private final SplittableRandom random;

    ThroughputLevels(List<Integer> concurrency, int seconds, int warmupSeconds, SplittableRandom random) {
        this.concurrency = concurrency;
        this.seconds = seconds;
        this.warmupSeconds = warmupSeconds;
        this.random = random;
    }

    /** (2) Closed-loop clients, each with its own connection, for {@code seconds} per level; (6) the spoke's memory meanwhile. */
    List<double[]> run(String name, List<SearchBench.Query> mix, SearchBench.RunnerFactory clients, long pid) throws Exception {
        System.out.println("### " + (pid > 0 ? "(2) " : "(3c) ") + name + ": searches/s by concurrency (target ≥ 2,000/s at p99 ≤ 50 ms)\n");
        int most = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (warmupSeconds > 0) {
            // A spoke serves for days: its rate is the one after the JIT has compiled the paths that many clients
            // at once take (a profile of the first level had the compiler at 14 % of the spoke's CPU).
            double[] warm = level(most, warmupSeconds, mix, clients);
            System.out.printf("Warm-up, not counted: %d s at %d clients, %.0f searches/s.%n%n", warmupSeconds, most, warm[1]);
        }
        System.out.println(pid > 0 ? "| clients | searches/s | p50 ms | p99 ms | spoke VmRSS MB | VmHWM MB |\n|---|---|---|---|---|---|"
                : "| clients | searches/s | p50 ms | p99 ms |\n|---|---|---|---|");
        List<double[]> levels = new ArrayList<>();
        for (int c : concurrency) {
            double[] level = level(c, seconds, mix, clients);
            levels.add(level);
            if (pid > 0) {
                Map<String, Long> memory = SpejlBench.procStatus(pid);
                System.out.printf("| %d | %.0f | %.2f | %.2f | %.0f | %.0f |%n", c, level[1], level[2], level[3],
                        memory.get("VmRSS") / 1024.0, memory.get("VmHWM") / 1024.0);
            } else {
                System.out.printf("| %d | %.0f | %.2f | %.2f |%n", c, level[1], level[2], level[3]);
            }
        }
        System.out.println();
        return levels;
    }

    /** {@code c} clients searching for {@code secs} seconds: {clients, searches/s, p50 ms, p99 ms}. */
    private double[] level(int c, int secs, List<SearchBench.Query> mix, SearchBench.RunnerFactory clients) throws Exception {
        List<List<Double>> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        for (int t = 0; t < c; t++) {
            List<Double> times = new ArrayList<>();
            perClient.add(times);
            SearchBench.Runner runner = clients.create();
            SplittableRandom own = random.split();
            Thread thread = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        runner.run(mix.get(own.nextInt(mix.size())));
                        times.add((System.nanoTime() - t0) / 1e6);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads.add(thread);
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] all = perClient.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).sorted().toArray();
        return new double[] {c, all.length / wall, SpejlBench.pct(all, 0.5), SpejlBench.pct(all, 0.99)};
    }
}
