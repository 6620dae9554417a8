package dk.spejl.bench;

import dk.spejl.spoke.auth.Passwords;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a login costs (issue 14): one Argon2id check at the spoke's parameters (m=19 MiB, t=2, p=1), alone and in
 * a burst, and how many logins a second the hashing semaphore lets through, with what the rest are told (busy).
 * Prints Markdown; runs for a bounded count and time.
 */
@Command(name = "spejl-login-bench", mixinStandardHelpOptions = true, description = "Login (Argon2id) benchmark; prints Markdown.")
public final class LoginBench implements Callable<Integer> {
    @Option(names = "--logins", defaultValue = "100", description = "Logins timed one at a time (default: ${DEFAULT-VALUE}).")
    int logins;
    @Option(names = "--seconds", defaultValue = "10", description = "Seconds of the burst at each concurrency (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--permits", defaultValue = "2", description = "Hashes at once, as auth.login.concurrent (default: ${DEFAULT-VALUE}).")
    int permits;
    @Option(names = "--clients", split = ",", defaultValue = "1,2,8,32", description = "Concurrent logins in the bursts (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoginBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Passwords passwords = new Passwords(permits, 2_000); // as the spoke: a login waits up to 2 s for its turn
        String stored = passwords.hash("korrekt-hest-batteri".toCharArray());
        for (int i = 0; i < 10; i++) {
            passwords.verify("warm-up-password".toCharArray(), stored);
        }
        double[] ms = new double[logins];
        for (int i = 0; i < logins; i++) {
            long t = System.nanoTime();
            passwords.verify("korrekt-hest-batteri".toCharArray(), stored);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("## Login benchmark: Argon2id m=%d KiB, t=%d, p=%d, %d cores, %s%n%n", Passwords.MEMORY_KIB, Passwords.ITERATIONS,
                Passwords.PARALLELISM, Runtime.getRuntime().availableProcessors(), java.time.LocalDate.now());
        System.out.printf("One login at a time (%d): p50 %.1f ms, p99 %.1f ms, max %.1f ms.%n%n", logins, SpejlBench.pct(ms, 0.5),
                SpejlBench.pct(ms, 0.99), ms[ms.length - 1]);
        System.out.printf("Bursts, %d hashes at once (auth.login.concurrent), %d s each:%n%n", permits, seconds);
        System.out.println("| concurrent logins | checked/s | p50 ms | p99 ms | told busy (waited 2 s) |\n|---|---|---|---|---|");
        for (int n : clients) {
            ExecutorService pool = Executors.newFixedThreadPool(n);
            AtomicLong busy = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Future<List<Double>>> work = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                work.add(pool.submit(() -> {
                    List<Double> times = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        try {
                            passwords.verify("korrekt-hest-batteri".toCharArray(), stored);
                            times.add((System.nanoTime() - t) / 1e6);
                        } catch (Passwords.Busy e) {
                            busy.incrementAndGet();
                        }
                    }
                    return times;
                }));
            }
            List<Double> all = new ArrayList<>();
            for (Future<List<Double>> f : work) {
                all.addAll(f.get());
            }
            pool.shutdown();
            double[] t = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("| %d | %.1f | %.0f | %.0f | %d |%n", n, t.length / (double) seconds, SpejlBench.pct(t, 0.5), SpejlBench.pct(t, 0.99),
                    busy.get());
        }
        System.out.println();
        return 0;
    }
}
