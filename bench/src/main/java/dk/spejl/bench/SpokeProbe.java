package dk.spejl.bench;

import dk.spejl.spoke.Spoke;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A spoke in its own JVM, as deployed, that prints "applied REVISION NANOTIME APPLY_NANOS
 * COMPILE_MILLIS" for each revision it verifies and applies (the last is this JVM's total JIT
 * compilation time, so the benchmark can wait for it to settle). System.nanoTime reads CLOCK_MONOTONIC on Linux, which every process
 * on the machine shares, so the benchmark can subtract its own publish time.
 * Arguments: dataDir hubPort caFile fingerprint clientCertificate clientKey.
 */
public final class SpokeProbe {
    public static void main(String[] args) throws Exception {
        java.lang.management.CompilationMXBean compilation = java.lang.management.ManagementFactory.getCompilationMXBean();
        Spoke spoke = Spoke.builder().name("probe").dataDir(Path.of(args[0]))
                .hub(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))).hubAuthority("localhost")
                .tls(new dk.spejl.tls.TlsFiles(Path.of(args[4]), Path.of(args[5]), Path.of(args[2]))).rootFingerprint(args[3])
                .onApplied((revision, bootstrap, nanos) -> {
                    long now = System.nanoTime();
                    synchronized (System.out) {
                        System.out.println("applied " + revision + " " + now + " " + nanos + " " + compilation.getTotalCompilationTime());
                        System.out.flush();
                    }
                }).start();
        Runtime.getRuntime().addShutdownHook(new Thread(spoke::close));
        Thread.currentThread().join();
    }
}
