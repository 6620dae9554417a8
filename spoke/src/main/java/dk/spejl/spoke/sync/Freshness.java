package dk.spejl.spoke.sync;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the spoke's data may be called fresh (invariant 3): only while the newest verified
 * heartbeat is unexpired and younger than the spoke's own freshness window. The newest accepted
 * heartbeat is kept on disk, so a replay cannot refresh a restarted spoke either.
 */
public final class Freshness {
    private static final Logger log = LoggerFactory.getLogger(Freshness.class);

    private final Clock clock;
    private final Duration window;
    private final Path file;
    private final Instant started;
    private volatile Heartbeat newest;
    private volatile Instant loggedStaleSince;

    public Freshness(Clock clock, Duration window, Path file) throws IOException {
        this.clock = clock;
        this.window = window;
        this.file = file;
        this.started = clock.instant();
        if (Files.exists(file)) {
            try {
                newest = Heartbeat.parseFrom(SignedHeartbeat.parseFrom(Files.readAllBytes(file)).getHeartbeat());
            } catch (InvalidProtocolBufferException e) {
                log.warn("ignoring unreadable {}: {}", file, e.getMessage());
            }
        }
    }

    public Optional<Heartbeat> newest() {
        return Optional.ofNullable(newest);
    }

    /** Records a verified heartbeat. */
    void accept(SignedHeartbeat signed, Heartbeat heartbeat) throws IOException {
        dk.spejl.io.DurableFile.write(file, signed.toByteArray());
        newest = heartbeat;
        if (loggedStaleSince != null) {
            log.info("fresh again: heartbeat of head revision {} valid until {}", heartbeat.getHeadRevision(),
                    Instant.ofEpochMilli(heartbeat.getExpiresAtMillis()));
            loggedStaleSince = null;
        }
    }

    /** Since when the data has been stale, or empty while it is fresh. */
    public Optional<Instant> staleSince() {
        Heartbeat h = newest;
        Instant freshUntil = h == null
                ? started.plus(window)
                : Instant.ofEpochMilli(Math.min(h.getExpiresAtMillis(), h.getIssuedAtMillis() + window.toMillis()));
        if (clock.instant().isBefore(freshUntil)) {
            return Optional.empty();
        }
        if (!freshUntil.equals(loggedStaleSince)) {
            loggedStaleSince = freshUntil;
            log.warn("STALE since {}: no valid heartbeat from the hub; still serving revision as last verified", freshUntil);
        }
        return Optional.of(freshUntil);
    }
}
