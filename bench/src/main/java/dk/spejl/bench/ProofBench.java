package dk.spejl.bench;

import dk.spejl.log.Merkle;
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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Issue 15's audit-log point: appends of access-log-sized entries (synced group commits) up to a million, then the
 * sizes and verify times of inclusion and consistency proofs at growing tree sizes, which must grow with log n.
 */
@Command(name = "proof-bench", mixinStandardHelpOptions = true)
public final class ProofBench implements Callable<Integer> {
    @Option(names = "--entries", defaultValue = "1000000", description = "Entries appended (default: ${DEFAULT-VALUE}).")
    int entries;
    @Option(names = "--appenders", defaultValue = "64", description = "Concurrent appenders (default: ${DEFAULT-VALUE}).")
    int appenders;
    @Option(names = "--proofs", defaultValue = "2000", description = "Proofs made and verified per tree size (default: ${DEFAULT-VALUE}).")
    int proofs;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProofBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("spejl-proof-bench");
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        // An access-log entry: a submit approved by a grant.
        byte[] entry = ("{\"at\":\"2026-12-01T12:00:00Z\",\"action\":\"SUBMIT\",\"user\":\"klinik-ouh\",\"role\":\"CLINICIAN\",\"region\":\"syddanmark\","
                + "\"spoke\":\"ouh\",\"record\":\"ngcf-00000000deadbeef\",\"owner\":\"hovedstaden\",\"checksum\":\"" + "ab".repeat(32)
                + "\",\"purpose\":\"DUO:0000043\",\"episode\":\"forløb 2026-4411\",\"justification\":\"Behandlingsvalg ved recidiv.\","
                + "\"clientRequestId\":\"c-000001\",\"grant\":\"grant-17\",\"reason\":\"approved by grant grant-17\","
                + "\"expires\":\"2026-12-15T12:00:00Z\",\"outcome\":\"APPROVED\"}").getBytes(StandardCharsets.UTF_8);
        System.out.printf("## Access audit log at %,d entries: appends, and proof sizes and verify times, %d cores, %s%n%n", entries,
                Runtime.getRuntime().availableProcessors(), java.time.LocalDate.now());
        try (MerkleLog log = MerkleLog.open(dir.resolve("log"), "bench/access", key, new MerkleLog.Policy(1_000, Duration.ofSeconds(10)),
                Clock.systemUTC())) {
            double[] ms = new double[entries];
            List<Thread> threads = new ArrayList<>();
            int each = entries / appenders;
            long started = System.nanoTime();
            for (int t = 0; t < appenders; t++) {
                int from = t * each;
                int to = t == appenders - 1 ? entries : from + each;
                threads.add(new Thread(() -> {
                    for (int i = from; i < to; i++) {
                        long t0 = System.nanoTime();
                        try {
                            log.append(entry);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            java.util.Arrays.sort(ms);
            System.out.printf("%,d appends of %d bytes by %d appenders in %.1f s: %,.0f/s; append p50 %.2f ms, p99 %.2f ms, max %.1f ms;"
                            + " %,d syncs%n%n", entries, entry.length, appenders, seconds, entries / seconds, SpejlBench.pct(ms, 0.5),
                    SpejlBench.pct(ms, 0.99), ms[ms.length - 1], log.commits());
            System.out.println("| tree size | inclusion proof hashes | bytes | make µs | verify µs | consistency (from half) hashes | bytes | make µs | verify µs |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            SplittableRandom random = new SplittableRandom(15);
            byte[] leaf = Merkle.leafHash(entry);
            for (long size = 1_000; size <= entries; size *= 10) {
                byte[] root = log.root(size);
                byte[] half = log.root(size / 2);
                long hashes = 0;
                long make = 0;
                long verify = 0;
                long consistencyHashes = 0;
                long cMake = 0;
                long cVerify = 0;
                for (int p = 0; p < proofs; p++) {
                    long index = random.nextLong(size);
                    long t0 = System.nanoTime();
                    List<byte[]> path = log.inclusionProof(index, size);
                    long t1 = System.nanoTime();
                    Merkle.verifyInclusion(leaf, index, size, path, root); // every entry is the same bytes, so one leaf hash
                    long t2 = System.nanoTime();
                    List<byte[]> proof = log.consistencyProof(size / 2, size);
                    long t3 = System.nanoTime();
                    Merkle.verifyConsistency(size / 2, size, half, root, proof);
                    long t4 = System.nanoTime();
                    hashes += path.size();
                    make += t1 - t0;
                    verify += t2 - t1;
                    consistencyHashes += proof.size();
                    cMake += t3 - t2;
                    cVerify += t4 - t3;
                }
                System.out.printf("| %,d | %.1f | %.0f | %.1f | %.1f | %.1f | %.0f | %.1f | %.1f |%n", size, hashes / (double) proofs,
                        hashes * 32.0 / proofs, make / 1e3 / proofs, verify / 1e3 / proofs, consistencyHashes / (double) proofs,
                        consistencyHashes * 32.0 / proofs, cMake / 1e3 / proofs, cVerify / 1e3 / proofs);
                if (size * 10 > entries && size != entries) {
                    size = entries / 10; // end at the log's own size
                }
            }
            var check = log.verify();
            System.out.printf("%nThe log afterwards: %,d entries, %d signed checkpoints, %s.%n", check.entries(), check.checkpoints(),
                    check.ok() ? "verified" : "NOT verified: " + check.problem());
        } finally {
            SearchBench.deleteTree(dir);
        }
        return 0;
    }
}
