package dk.spejl.spoke.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Failed logins by user name. After {@link #FREE} failures in a row the name is locked for {@link #FIRST_LOCK}, and each
 * further failure doubles that, up to {@link #LONGEST_LOCK}; a login that succeeds clears the count. Names that are
 * not users are counted the same way, so that a lock says nothing about whether a user exists.
 */
public final class Lockout {
    public static final int FREE = 5;
    public static final Duration FIRST_LOCK = Duration.ofSeconds(30);
    public static final Duration LONGEST_LOCK = Duration.ofHours(1);
    /** Names remembered at most; the longest untouched is forgotten first. */
    private static final int REMEMBERED = 100_000;

    private final Clock clock;

    private record State(int failures, Instant lockedUntil) {
    }

    private final Map<String, State> states = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
            return size() > REMEMBERED;
        }
    };

    public Lockout(Clock clock) {
        this.clock = clock;
    }

    /** Until when {@code name} is locked, if it is now. */
    public synchronized Optional<Instant> lockedUntil(String name) {
        State s = states.get(name);
        return s != null && s.lockedUntil().isAfter(clock.instant()) ? Optional.of(s.lockedUntil()) : Optional.empty();
    }

    /**
     * Starts a login attempt for {@code name}: until when it is locked, if it is (and the attempt must not go on);
     * otherwise the attempt is counted as a failure before its password is checked, so that attempts sent in
     * parallel cannot all pass this check before any is counted. {@link #succeeded} clears the count.
     */
    public synchronized Optional<Instant> begin(String name) {
        Optional<Instant> locked = lockedUntil(name);
        if (locked.isPresent()) {
            return locked;
        }
        failed(name);
        return Optional.empty();
    }

    /** Counts a failed login; returns until when the name is now locked, if it is. */
    public synchronized Optional<Instant> failed(String name) {
        State before = states.get(name);
        int failures = before == null ? 1 : before.failures() + 1;
        Instant until = Instant.EPOCH;
        if (failures >= FREE) {
            long factor = 1L << Math.min(failures - FREE, 20);
            Duration lock = FIRST_LOCK.multipliedBy(factor);
            until = clock.instant().plus(lock.compareTo(LONGEST_LOCK) > 0 ? LONGEST_LOCK : lock);
        }
        states.put(name, new State(failures, until));
        return until.isAfter(clock.instant()) ? Optional.of(until) : Optional.empty();
    }

    /** Takes back the failure {@link #begin} counted, for an attempt that was never checked. */
    public synchronized void uncount(String name) {
        State s = states.get(name);
        if (s != null && s.failures() > 0 && !s.lockedUntil().isAfter(clock.instant())) {
            states.put(name, new State(s.failures() - 1, s.lockedUntil()));
        }
    }

    public synchronized void succeeded(String name) {
        states.remove(name);
    }
}
