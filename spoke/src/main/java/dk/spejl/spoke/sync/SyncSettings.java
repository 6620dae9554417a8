package dk.spejl.spoke.sync;

import java.time.Duration;

/**
 * How the spoke follows its hub: the deadline of one object transfer, how many times an
 * interrupted transfer is resumed, how many snapshot chunks are fetched at once, and how far ahead
 * of the spoke's clock a heartbeat may have been issued.
 */
public record SyncSettings(Duration fetchDeadline, int fetchAttempts, int bootstrapParallelism, Duration maxClockSkew) {
    public static final SyncSettings DEFAULT = new SyncSettings(Duration.ofSeconds(120), 5, 3,
            dk.spejl.verify.HeartbeatVerifier.DEFAULT_MAX_CLOCK_SKEW);

    public SyncSettings withMaxClockSkew(Duration skew) {
        return new SyncSettings(fetchDeadline, fetchAttempts, bootstrapParallelism, skew);
    }

    public SyncSettings {
        if (maxClockSkew.isNegative()) {
            throw new IllegalArgumentException("the clock skew allowed cannot be negative, got " + maxClockSkew);
        }
        if (fetchDeadline.isNegative() || fetchDeadline.isZero()) {
            throw new IllegalArgumentException("the fetch deadline must be positive, got " + fetchDeadline);
        }
        if (fetchAttempts < 1 || bootstrapParallelism < 1) {
            throw new IllegalArgumentException("fetch attempts and bootstrap parallelism are at least 1, got "
                    + fetchAttempts + " and " + bootstrapParallelism);
        }
    }
}
