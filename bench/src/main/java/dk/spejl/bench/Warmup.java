package dk.spejl.bench;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * When a latency run has warmed up: after at least the minimum number of revisions, and once the
 * JIT compilers have settled, that is, they spent under {@link #SETTLED} of the wall time of the
 * last {@link #WINDOW} revisions compiling. A hub and a spoke run for days; until the compilers
 * settle, a two-core machine measures them competing with the compiler rather than the steady
 * state. The run gives up waiting after the maximum and says so.
 */
final class Warmup {
    static final int WINDOW = 250;
    static final double SETTLED = 0.02;

    private final int minimum;
    private final int maximum;
    private final LongSupplier compileMillis;
    private int revisions;
    private long windowStartNanos = System.nanoTime();
    private long windowStartCompile;
    private double lastShare = Double.NaN;

    /** @param compileMillis total compilation time so far in every JVM the run involves */
    Warmup(int minimum, int maximum, LongSupplier compileMillis) {
        this.minimum = minimum;
        this.maximum = Math.max(minimum, maximum);
        this.compileMillis = compileMillis;
        this.windowStartCompile = compileMillis.getAsLong();
    }

    /** Compilation time of this JVM. */
    static long ownCompileMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** Counts one warm-up revision; returns true when measuring may start. */
    boolean warmedAfter() {
        revisions++;
        if (revisions % WINDOW == 0) {
            long now = System.nanoTime();
            long compile = compileMillis.getAsLong();
            lastShare = (compile - windowStartCompile) / ((now - windowStartNanos) / 1e6);
            windowStartNanos = now;
            windowStartCompile = compile;
        }
        if (revisions < minimum) {
            return false;
        }
        return revisions >= maximum || (revisions % WINDOW == 0 && lastShare < SETTLED);
    }

    String describe() {
        return String.format("%,d warm-up revisions, %s", revisions,
                lastShare < SETTLED ? String.format("JIT settled (%.1f%% of the last %d compiling)", lastShare * 100, WINDOW)
                        : String.format("JIT not settled at the limit (%.1f%% compiling)", lastShare * 100));
    }
}
