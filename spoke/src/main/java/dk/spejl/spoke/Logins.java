package dk.spejl.spoke;

import java.time.Duration;

/**
 * How people sign in to the spoke ({@code auth.*} in {@code spoke.conf}).
 *
 * @param local            local users ({@code users.json}, managed with {@code spejl-spoke users}); false only for a spoke
 *                         built in a test, where everyone is let in as anonymous
 * @param idle             a session ends after this long without a request
 * @param absolute         and this long after its login, whatever happens
 * @param concurrentHashes Argon2id hashes computed at once (each takes 19 MiB)
 */
public record Logins(boolean local, Duration idle, Duration absolute, int concurrentHashes) {
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    public static final Duration DEFAULT_ABSOLUTE = Duration.ofHours(12);
    public static final int DEFAULT_CONCURRENT_HASHES = 2;
    static final int MAX_SESSIONS = 10_000;

    /** Nobody signs in and everyone is let in: for tests and benchmarks only; no config file can choose it. */
    public static final Logins NONE = new Logins(false, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES);
    public static final Logins LOCAL = new Logins(true, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES);

    public Logins {
        if (idle.isNegative() || idle.isZero() || absolute.compareTo(idle) < 0) {
            throw new IllegalArgumentException("auth.session.idle is positive and no longer than auth.session.absolute");
        }
        if (concurrentHashes < 1) {
            throw new IllegalArgumentException("auth.login.concurrent is at least 1");
        }
    }
}
