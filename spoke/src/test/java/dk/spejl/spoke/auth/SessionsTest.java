package dk.spejl.spoke.auth;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sessions end when idle, at their absolute limit, and at logout; each login gets a new id; CSRF tokens fit one cookie. */
class SessionsTest {
    /** A clock a test moves by hand. */
    static final class HandClock extends Clock {
        Instant now = Instant.parse("2026-12-01T08:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final Caller KLINIK = new Caller("klinik", Set.of(Role.CLINICIAN), "local");

    @Test
    void anIdleSessionEndsAndABusyOneEndsAtItsAbsoluteLimit() throws Exception {
        HandClock clock = new HandClock();
        Sessions sessions = new Sessions(clock, Duration.ofMinutes(30), Duration.ofHours(2), 10);
        Sessions.Session idle = sessions.start(KLINIK, Instant.EPOCH);
        Sessions.Session busy = sessions.start(KLINIK, Instant.EPOCH);
        assertThat(idle.id()).isNotEqualTo(busy.id()).hasSize(43);
        for (int i = 0; i < 7; i++) { // a request every 20 minutes keeps "busy" going, not past two hours
            clock.now = clock.now.plus(Duration.ofMinutes(20));
            assertThat(sessions.find(busy.id())).as("busy after " + (i + 1) * 20 + " min").isEqualTo(i < 5 ? java.util.Optional.of(busy)
                    : java.util.Optional.empty());
        }
        assertThat(sessions.find(idle.id())).as("idle for more than 30 minutes").isEmpty();
        assertThat(sessions.size()).isZero();
    }

    @Test
    void logoutAndDisablingEndSessionsAndTheTableIsBounded() throws Exception {
        HandClock clock = new HandClock();
        Sessions sessions = new Sessions(clock, Duration.ofMinutes(30), Duration.ofHours(2), 3);
        Sessions.Session a = sessions.start(KLINIK, Instant.EPOCH);
        Sessions.Session b = sessions.start(new Caller("other", Set.of(Role.STEWARD), "local"), Instant.EPOCH);
        sessions.end(a.id());
        assertThat(sessions.find(a.id())).isEmpty();
        sessions.start(KLINIK, Instant.EPOCH);
        sessions.start(KLINIK, Instant.EPOCH);
        assertThatThrownBy(() -> sessions.start(KLINIK, Instant.EPOCH)).isInstanceOf(Sessions.Full.class);
        sessions.endAll("klinik");
        assertThat(sessions.size()).isEqualTo(1);
        assertThat(sessions.find(b.id())).isPresent();
        clock.now = clock.now.plus(Duration.ofHours(3)); // expired sessions make room
        sessions.start(KLINIK, Instant.EPOCH);
        sessions.start(KLINIK, Instant.EPOCH);
        sessions.start(KLINIK, Instant.EPOCH);
    }

    @Test
    void oneUserCannotFillTheTable() throws Exception {
        HandClock clock = new HandClock();
        Sessions sessions = new Sessions(clock, Duration.ofMinutes(30), Duration.ofHours(2), 100);
        Sessions.Session other = sessions.start(new Caller("other", Set.of(Role.CLINICIAN), "local"), Instant.EPOCH);
        java.util.List<Sessions.Session> mine = new java.util.ArrayList<>();
        for (int i = 0; i < Sessions.PER_USER + 5; i++) {
            clock.now = clock.now.plusSeconds(1);
            mine.add(sessions.start(KLINIK, Instant.EPOCH));
        }
        assertThat(sessions.size()).isEqualTo(Sessions.PER_USER + 1);
        assertThat(sessions.find(mine.get(0).id())).as("the oldest made way").isEmpty();
        assertThat(sessions.find(mine.get(mine.size() - 1).id())).isPresent();
        assertThat(sessions.find(other.id())).as("another user's session stays").isPresent();
    }

    @Test
    void aCsrfTokenFitsOnlyItsOwnCookieAndOnlyThisSpoke() {
        Sessions one = new Sessions(Clock.systemUTC(), Duration.ofMinutes(30), Duration.ofHours(2), 10);
        Sessions another = new Sessions(Clock.systemUTC(), Duration.ofMinutes(30), Duration.ofHours(2), 10);
        String cookie = one.newId();
        String token = one.csrfToken(cookie);
        assertThat(one.csrfMatches(cookie, token)).isTrue();
        assertThat(one.csrfMatches(one.newId(), token)).isFalse();
        assertThat(one.csrfMatches(cookie, token.substring(0, token.length() - 1))).isFalse();
        assertThat(one.csrfMatches(cookie, "")).isFalse();
        assertThat(another.csrfMatches(cookie, token)).as("a token made under another key").isFalse();
    }

    @Test
    void lockoutGrowsWithEachFailureAndALoginClearsIt() {
        HandClock clock = new HandClock();
        Lockout lockout = new Lockout(clock);
        for (int i = 1; i < Lockout.FREE; i++) {
            assertThat(lockout.failed("x")).as("failure " + i).isEmpty();
        }
        assertThat(lockout.failed("x")).contains(clock.now.plus(Lockout.FIRST_LOCK));
        assertThat(lockout.failed("x")).contains(clock.now.plus(Lockout.FIRST_LOCK.multipliedBy(2)));
        assertThat(lockout.failed("x")).contains(clock.now.plus(Lockout.FIRST_LOCK.multipliedBy(4)));
        for (int i = 0; i < 30; i++) {
            lockout.failed("x");
        }
        assertThat(lockout.lockedUntil("x")).contains(clock.now.plus(Lockout.LONGEST_LOCK));
        clock.now = clock.now.plus(Lockout.LONGEST_LOCK);
        assertThat(lockout.lockedUntil("x")).isEmpty();
        lockout.succeeded("x");
        assertThat(lockout.failed("x")).as("counting starts again").isEmpty();
        assertThat(lockout.lockedUntil("y")).isEmpty();
    }

    @Test
    void attemptsAreCountedAsTheyBeginSoParallelOnesCannotSlipPast() {
        HandClock clock = new HandClock();
        Lockout lockout = new Lockout(clock);
        for (int i = 0; i < Lockout.FREE; i++) {
            assertThat(lockout.begin("z")).as("attempt " + (i + 1) + " may be checked").isEmpty();
        }
        // None of the five has finished, yet a sixth is refused.
        assertThat(lockout.begin("z")).contains(clock.now.plus(Lockout.FIRST_LOCK));
        lockout.succeeded("z");
        assertThat(lockout.begin("z")).as("a success clears the count").isEmpty();
    }
}
