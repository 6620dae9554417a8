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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import dk.spejl.verify.Position;

/**
 * Whether the spoke's data may be called fresh (invariant 3, docs/design.md). Fresh means holding
 * the head, as signed heartbeats name it. The data is stale from the earliest of:
 * <ul>
 *   <li>the newest verified heartbeat expiring, or growing older than the freshness window (a frozen feed);</li>
 *   <li>a head that a verified heartbeat named staying unreached for the freshness window (a stuck spoke);</li>
 *   <li>a heartbeat naming the held revision under another manifest (hub and spoke disagree), until a heartbeat agrees.</li>
 * </ul>
 * The newest accepted heartbeat is kept on disk, so a replay cannot refresh a restarted spoke either;
 * so is the earliest head not yet reached and since when it was known ({@code behind.txt} beside it), so a
 * spoke that restarts more often than the window still turns stale.
 */
public final class Freshness {
    private static final Logger log = LoggerFactory.getLogger(Freshness.class);

    private final Clock clock;
    private final Duration window;
    private final Path file;
    private final Supplier<Optional<Position>> held;
    private final Instant started;
    private volatile SignedHeartbeat newestSigned;
    private volatile Heartbeat newest;
    /** Heads named by accepted heartbeats above the held revision, each with when this spoke first heard of it. */
    private final TreeMap<Long, Instant> headsAhead = new TreeMap<>();
    private volatile Instant disagreeingSince;
    /** The held revision the hub disagreed about. */
    private volatile long disagreeingAt = -1;
    private volatile String loggedStale;
    private final Path behindFile;
    /** The earliest unreached head as last written to {@link #behindFile}; guarded by headsAhead. */
    private Map.Entry<Long, Instant> persisted;

    /** How far the spoke is behind the head the hub names, and since when it has known. */
    public record Behind(long revisions, long head, Instant since) {
    }

    /**
     * @param held the signed revision the replica holds now, if any
     */
    public Freshness(Clock clock, Duration window, Path file, Supplier<Optional<Position>> held) throws IOException {
        this.clock = clock;
        this.window = window;
        this.file = file;
        this.held = held;
        this.started = clock.instant();
        this.behindFile = file.resolveSibling("behind.txt");
        readBehind();
        if (Files.exists(file)) {
            try {
                SignedHeartbeat signed = SignedHeartbeat.parseFrom(Files.readAllBytes(file));
                newest = Heartbeat.parseFrom(signed.getHeartbeat());
                newestSigned = signed;
                noteHead(newest);
            } catch (InvalidProtocolBufferException e) {
                log.warn("ignoring unreadable {}: {}", file, e.getMessage());
            }
        }
    }

    public Optional<Heartbeat> newest() {
        return Optional.ofNullable(newest);
    }

    /** Whether this is, byte for byte, the newest heartbeat accepted: a reconnect sends it again, and that is no replay. */
    boolean isNewest(SignedHeartbeat signed) {
        return signed.equals(newestSigned);
    }

    /** Records a verified heartbeat. */
    void accept(SignedHeartbeat signed, Heartbeat heartbeat) throws IOException {
        dk.spejl.io.DurableFile.write(file, signed.toByteArray());
        newest = heartbeat;
        newestSigned = signed;
        Optional<Position> now = held.get();
        if (now.isPresent() && heartbeat.getHeadRevision() == now.get().revision()
                && java.util.Arrays.equals(heartbeat.getHeadManifestDigest().toByteArray(), now.get().manifestDigest())) {
            disagreeingSince = null; // the hub agrees with what the spoke holds
        }
        noteHead(heartbeat);
    }

    /** Remembers a head above the held revision, known of since the heartbeat was issued (or since now, if that is earlier). */
    private void noteHead(Heartbeat heartbeat) {
        long heldRevision = held.get().map(Position::revision).orElse(-1L);
        Instant issued = Instant.ofEpochMilli(heartbeat.getIssuedAtMillis());
        Instant now = clock.instant();
        synchronized (headsAhead) {
            if (heartbeat.getHeadRevision() > heldRevision) {
                headsAhead.merge(heartbeat.getHeadRevision(), issued.isBefore(now) ? issued : now, (a, b) -> a.isBefore(b) ? a : b);
                persistEarliest();
            }
        }
    }

    /** Reads back the earliest unreached head a previous run knew of, and since when. */
    private void readBehind() {
        if (!Files.exists(behindFile)) {
            return;
        }
        try {
            String[] parts = Files.readString(behindFile).trim().split(" ");
            long head = Long.parseLong(parts[0]);
            Instant since = Instant.ofEpochMilli(Long.parseLong(parts[1]));
            synchronized (headsAhead) {
                if (head > held.get().map(Position::revision).orElse(-1L)) {
                    headsAhead.put(head, since);
                    persisted = Map.entry(head, since);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring unreadable {}: {}", behindFile, e.toString());
        }
    }

    /** Keeps the earliest unreached head on disk when it changes (at most once per new head); guarded by headsAhead. */
    private void persistEarliest() {
        Map.Entry<Long, Instant> earliest = headsAhead.isEmpty() ? null : Map.entry(headsAhead.firstKey(), headsAhead.firstEntry().getValue());
        if (java.util.Objects.equals(earliest, persisted)) {
            return;
        }
        try {
            if (earliest == null) {
                Files.deleteIfExists(behindFile);
            } else {
                dk.spejl.io.DurableFile.write(behindFile, (earliest.getKey() + " " + earliest.getValue().toEpochMilli() + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            persisted = earliest;
        } catch (IOException e) {
            log.warn("could not keep {}: {}", behindFile, e.toString());
        }
    }

    /**
     * A heartbeat named the held revision under another manifest: stale from now until a heartbeat names that
     * revision with the held manifest, or the spoke holds another revision.
     */
    void disagrees() {
        if (disagreeingSince == null) {
            disagreeingSince = clock.instant();
            disagreeingAt = held.get().map(Position::revision).orElse(-1L);
        }
    }

    /** How far behind the newest head a heartbeat named the spoke is; empty while it holds that head. */
    public Optional<Behind> behind() {
        long held = this.held.get().map(Position::revision).orElse(-1L);
        synchronized (headsAhead) {
            headsAhead.headMap(held, true).clear();
            persistEarliest();
            if (headsAhead.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Behind(headsAhead.lastKey() - held, headsAhead.lastKey(), headsAhead.firstEntry().getValue()));
        }
    }

    /** Since when the data has been stale, or empty while it is fresh. */
    public Optional<Instant> staleSince() {
        Instant now = clock.instant();
        Heartbeat h = newest;
        Instant freshUntil = h == null
                ? started.plus(window)
                : Instant.ofEpochMilli(Math.min(h.getExpiresAtMillis(), h.getIssuedAtMillis() + window.toMillis()));
        Map.Entry<Instant, String> stale = null;
        if (!now.isBefore(freshUntil)) {
            stale = Map.entry(freshUntil, "no valid heartbeat from the hub");
        }
        Optional<Behind> behind = behind();
        if (behind.isPresent() && !now.isBefore(behind.get().since().plus(window))) {
            Instant since = behind.get().since().plus(window);
            if (stale == null || since.isBefore(stale.getKey())) {
                stale = Map.entry(since, "the hub's head is revision " + behind.get().head() + ", " + behind.get().revisions()
                        + " ahead of this spoke, since " + behind.get().since());
            }
        }
        if (disagreeingSince != null && held.get().map(Position::revision).orElse(-1L) != disagreeingAt) {
            disagreeingSince = null; // the revision in dispute is no longer held
        }
        Instant disagreeing = disagreeingSince;
        if (disagreeing != null && (stale == null || disagreeing.isBefore(stale.getKey()))) {
            stale = Map.entry(disagreeing, "the hub's heartbeat names the held revision under another manifest");
        }
        if (stale == null) {
            if (loggedStale != null) {
                log.info("fresh again: holding the head the hub names");
                loggedStale = null;
            }
            return Optional.empty();
        }
        String line = stale.getKey() + ": " + stale.getValue();
        if (!line.equals(loggedStale)) {
            loggedStale = line;
            log.warn("STALE since {}; still serving the last verified revision", line);
        }
        return Optional.of(stale.getKey());
    }
}
