package dk.spejl.spoke;

import dk.spejl.spoke.auth.HeaderLogin;
import dk.spejl.spoke.auth.OidcLogin;

import java.time.Duration;
import java.util.Optional;

/**
 * How people sign in to the spoke ({@code auth.*} in {@code spoke.conf}).
 *
 * @param mode             {@code LOCAL}: local users ({@code users.json}, managed with {@code spejl-spoke users});
 *                         {@code HEADER}: the region's single sign-on proxy names the user in a header; {@code NONE}
 *                         only for a spoke built in a test, where everyone is let in as anonymous
 * @param idle             a session ends after this long without a request
 * @param absolute         and this long after its login, whatever happens
 * @param concurrentHashes Argon2id hashes computed at once (each takes 19 MiB)
 * @param header           the headers and proxies of {@code HEADER} mode
 * @param oidc             the identity provider and client of {@code OIDC} mode
 */
public record Logins(Mode mode, Duration idle, Duration absolute, int concurrentHashes, Optional<HeaderLogin.Settings> header,
                     Optional<OidcLogin.Settings> oidc) {
    public enum Mode { NONE, LOCAL, HEADER, OIDC }

    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    public static final Duration DEFAULT_ABSOLUTE = Duration.ofHours(12);
    public static final int DEFAULT_CONCURRENT_HASHES = 2;
    static final int MAX_SESSIONS = 10_000;

    /** Nobody signs in and everyone is let in: for tests and benchmarks only; no config file can choose it. */
    public static final Logins NONE = new Logins(Mode.NONE, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES, Optional.empty(), Optional.empty());
    public static final Logins LOCAL = new Logins(Mode.LOCAL, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES, Optional.empty(), Optional.empty());

    /** Behind a single sign-on proxy with these settings. */
    public static Logins header(HeaderLogin.Settings settings) {
        return new Logins(Mode.HEADER, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES, Optional.of(settings), Optional.empty());
    }

    /** Through an OpenID Connect provider with these settings. */
    public static Logins oidc(OidcLogin.Settings settings) {
        return new Logins(Mode.OIDC, DEFAULT_IDLE, DEFAULT_ABSOLUTE, DEFAULT_CONCURRENT_HASHES, Optional.empty(), Optional.of(settings));
    }

    public Logins {
        if (idle.isNegative() || idle.isZero() || absolute.compareTo(idle) < 0) {
            throw new IllegalArgumentException("auth.session.idle is positive and no longer than auth.session.absolute");
        }
        if (concurrentHashes < 1) {
            throw new IllegalArgumentException("auth.login.concurrent is at least 1");
        }
        if ((mode == Mode.HEADER) != header.isPresent()) {
            throw new IllegalArgumentException("header settings go with auth.mode = header, and only with it");
        }
        if ((mode == Mode.OIDC) != oidc.isPresent()) {
            throw new IllegalArgumentException("OpenID Connect settings go with auth.mode = oidc, and only with it");
        }
    }
}
