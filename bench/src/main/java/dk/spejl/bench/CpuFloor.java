package dk.spejl.bench;

import java.util.SplittableRandom;

/** A line for the benchmarks' output that says how fast the host is. */
final class CpuFloor {
    /** Where the work's result goes, so that it is not optimised away. */
    private static volatile byte floorSink;

    private CpuFloor() {
    }

    /**
     * The host's own speed, for comparing runs on different days: the VM moves between hosts, and the same build
     * measured 10.3 s for {@code reindex} on one and 15.7 s on another. One thread, fixed work, best of five:
     * SHA-256 over 64 MB, and sorting 4,000,000 seeded longs.
     */
    static void print() throws Exception {
        byte[] block = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(block);
        long[] seeded = new SplittableRandom(2).longs(4_000_000).toArray();
        double hash = Double.MAX_VALUE;
        double sort = Double.MAX_VALUE;
        byte sink = 0;
        for (int round = 0; round < 5; round++) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            long t0 = System.nanoTime();
            for (int i = 0; i < 64; i++) {
                sha.update(block);
            }
            sink ^= sha.digest()[0];
            hash = Math.min(hash, (System.nanoTime() - t0) / 1e6);
            long[] copy = seeded.clone();
            t0 = System.nanoTime();
            java.util.Arrays.sort(copy);
            sort = Math.min(sort, (System.nanoTime() - t0) / 1e6);
            sink ^= (byte) copy[copy.length / 2];
        }
        floorSink = sink;
        System.out.printf("cpu floor (one thread, best of 5): SHA-256 of 64 MB %.0f ms, sorting 4,000,000 longs %.0f ms%n%n", hash, sort);
    }
}
