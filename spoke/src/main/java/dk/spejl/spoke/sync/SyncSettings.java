package dk.spejl.spoke.sync;

import java.time.Duration;

/**
 * How the spoke fetches objects and bootstraps: the deadline of one object transfer, how many times
 * an interrupted transfer is resumed, and how many snapshot chunks are fetched at once.
 */
public record SyncSettings(Duration fetchDeadline, int fetchAttempts, int bootstrapParallelism) {
    public static final SyncSettings DEFAULT = new SyncSettings(Duration.ofSeconds(120), 5, 3);

    public SyncSettings {
        if (fetchDeadline.isNegative() || fetchDeadline.isZero()) {
            throw new IllegalArgumentException("the fetch deadline must be positive, got " + fetchDeadline);
        }
        if (fetchAttempts < 1 || bootstrapParallelism < 1) {
            throw new IllegalArgumentException("fetch attempts and bootstrap parallelism are at least 1, got "
                    + fetchAttempts + " and " + bootstrapParallelism);
        }
    }
}
