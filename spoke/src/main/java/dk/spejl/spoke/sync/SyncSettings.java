package dk.spejl.spoke.sync;

import java.time.Duration;

/**
 * How the spoke follows its hub: the deadline of one object transfer, how many times an
 * interrupted transfer is resumed, how many snapshot chunks are fetched at once, and how far ahead
 * of the spoke's clock a heartbeat may have been issued; and how often, at the least, it tells the hub where it is
 * (besides after each revision applied and each heartbeat accepted).
 */
public record SyncSettings(Duration fetchDeadline, int fetchAttempts, int bootstrapParallelism, Duration maxClockSkew, Duration reportEvery) {
    public static final SyncSettings DEFAULT = new SyncSettings(Duration.ofSeconds(120), 5, 3,
            dk.spejl.verify.HeartbeatVerifier.DEFAULT_MAX_CLOCK_SKEW, Duration.ofSeconds(30));

    public SyncSettings withMaxClockSkew(Duration skew) {
        return new SyncSettings(fetchDeadline, fetchAttempts, bootstrapParallelism, skew, reportEvery);
    }

    public SyncSettings withReportEvery(Duration every) {
        return new SyncSettings(fetchDeadline, fetchAttempts, bootstrapParallelism, maxClockSkew, every);
    }

    public SyncSettings {
        if (maxClockSkew.isNegative()) {
            throw new IllegalArgumentException("the clock skew allowed cannot be negative, got " + maxClockSkew);
        }
        if (fetchDeadline.isNegative() || fetchDeadline.isZero()) {
            throw new IllegalArgumentException("the fetch deadline must be positive, got " + fetchDeadline);
        }
        if (reportEvery.isNegative() || reportEvery.isZero()) {
            throw new IllegalArgumentException("the report interval must be positive, got " + reportEvery);
        }
        if (fetchAttempts < 1 || bootstrapParallelism < 1) {
            throw new IllegalArgumentException("fetch attempts and bootstrap parallelism are at least 1, got "
                    + fetchAttempts + " and " + bootstrapParallelism);
        }
    }
}
