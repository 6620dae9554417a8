package dk.spejl.spoke.sync;

import com.google.protobuf.ByteString;
import dk.spejl.verify.Position;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Freshness on its own, with a clock the test moves (invariant 3). */
class FreshnessTest {
    @TempDir
    Path tmp;

    private Instant now = Instant.parse("2026-12-01T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final AtomicReference<Optional<Position>> held = new AtomicReference<>(Optional.of(new Position(3, digest(3))));
    private static final Duration WINDOW = Duration.ofMinutes(5);

    private static byte[] digest(long revision) {
        byte[] d = new byte[32];
        d[0] = (byte) revision;
        return d;
    }

    private Freshness freshness() throws Exception {
        return new Freshness(clock, WINDOW, tmp.resolve("heartbeat.bin"), held::get);
    }

    private Heartbeat heartbeat(long head, Instant issued) {
        return Heartbeat.newBuilder().setHubId("h").setHeadRevision(head).setHeadManifestDigest(ByteString.copyFrom(digest(head)))
                .setIssuedAtMillis(issued.toEpochMilli()).setExpiresAtMillis(issued.plus(Duration.ofMinutes(10)).toEpochMilli()).build();
    }

    private static SignedHeartbeat signed(Heartbeat heartbeat) {
        return SignedHeartbeat.newBuilder().setHeartbeat(heartbeat.toByteString()).build();
    }

    @Test
    void aSpokeThatRestartsMoreOftenThanTheWindowStillTurnsStaleWhenItNeverReachesTheHead() throws Exception {
        Freshness first = freshness();
        Heartbeat ahead = heartbeat(5, now);
        first.accept(signed(ahead), ahead);
        assertThat(first.staleSince()).isEmpty();
        // Restart after restart, each within the window, with fresh heartbeats naming head 5 all along.
        for (int i = 1; i <= 4; i++) {
            now = now.plus(Duration.ofMinutes(2));
            Freshness restarted = freshness();
            Heartbeat again = heartbeat(5, now);
            restarted.accept(signed(again), again);
            if (i >= 3) {
                assertThat(restarted.staleSince()).as("behind head 5 since the first heartbeat named it, 6+ minutes ago")
                        .contains(Instant.parse("2026-12-01T10:05:00Z"));
            }
        }
    }

    @Test
    void aDisagreementAboutTheHeldRevisionLastsUntilAHeartbeatAgreesOrTheSpokeMovesOn() throws Exception {
        Freshness freshness = freshness();
        Heartbeat agreeing = heartbeat(3, now);
        freshness.accept(signed(agreeing), agreeing);
        freshness.disagrees();
        assertThat(freshness.staleSince()).contains(now);
        now = now.plusSeconds(30);
        Heartbeat higher = heartbeat(4, now);
        freshness.accept(signed(higher), higher);
        assertThat(freshness.staleSince()).as("a heartbeat about another head settles nothing").isPresent();
        now = now.plusSeconds(30);
        Heartbeat agrees = heartbeat(3, now).toBuilder().setHeadRevision(3).build();
        freshness.accept(signed(agrees), agrees);
        assertThat(freshness.staleSince()).as("named the held revision with the held manifest").isEmpty();

        freshness.disagrees();
        assertThat(freshness.staleSince()).isPresent();
        held.set(Optional.of(new Position(4, digest(4))));
        assertThat(freshness.staleSince()).as("the revision in dispute is no longer held, and the spoke holds the head").isEmpty();
    }
}
