package dk.spejl.spoke.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web app's signed-in sessions, held in memory (a restarted spoke asks everyone to sign in again). A session id is
 * 32 random bytes; a new one is made at every login, so an id planted before the login is worth nothing after it. A
 * session ends at logout, after {@code idle} without a request, or {@code absolute} after its login, whichever is first.
 *
 * <p>Forms carry a CSRF token derived from the cookie they travel with (an HMAC under a key made at start): a page
 * from another site cannot read the cookie, so it cannot make the token.
 */
public final class Sessions {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Clock clock;
    private final Duration idle;
    private final Duration absolute;
    private final int max;
    private final SecureRandom random = new SecureRandom();
    private final byte[] csrfKey = new byte[32];
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** One signed-in session. */
    public static final class Session {
        private final String id;
        private final Caller caller;
        private final Instant version;
        private final Instant started;
        private final Optional<String> idToken;
        private volatile Instant seen;

        Session(String id, Caller caller, Instant version, Instant started, Optional<String> idToken) {
            this.id = id;
            this.caller = caller;
            this.version = version;
            this.started = started;
            this.idToken = idToken;
            this.seen = started;
        }

        /** The ID token an OpenID Connect login gave, for the provider's logout. */
        public Optional<String> idToken() {
            return idToken;
        }

        /** When the user was last changed, as of the login: any change since (password, roles, disabling) ends the session. */
        public Instant version() {
            return version;
        }

        public String id() {
            return id;
        }

        public Caller caller() {
            return caller;
        }

        public Instant started() {
            return started;
        }
    }

    /** No room for another session: the spoke holds {@code max} already. */
    public static final class Full extends Exception {
        Full(int max) {
            super("the spoke holds " + max + " sessions already; try again when some have ended");
        }
    }

    public Sessions(Clock clock, Duration idle, Duration absolute, int max) {
        if (idle.isNegative() || idle.isZero() || absolute.compareTo(idle) < 0) {
            throw new IllegalArgumentException("a session's idle timeout is positive and no longer than its absolute timeout");
        }
        this.clock = clock;
        this.idle = idle;
        this.absolute = absolute;
        this.max = max;
        random.nextBytes(csrfKey);
    }

    /** Sessions one user may hold at once; a login beyond ends that user's oldest, so no one user fills the table. */
    public static final int PER_USER = 20;

    /** A new session for {@code caller}, with a new id; {@code version} is when the user was last changed. */
    public Session start(Caller caller, Instant version) throws Full {
        return start(caller, version, Optional.empty());
    }

    /** As {@link #start(Caller, Instant)}, keeping the ID token of an OpenID Connect login. */
    public Session start(Caller caller, Instant version, Optional<String> idToken) throws Full {
        List<Session> own = sessions.values().stream().filter(s -> s.caller().name().equals(caller.name()))
                .sorted(java.util.Comparator.comparing(Session::started)).toList();
        for (int i = 0; i <= own.size() - PER_USER; i++) {
            sessions.remove(own.get(i).id());
        }
        if (sessions.size() >= max) {
            sweep();
            if (sessions.size() >= max) {
                throw new Full(max);
            }
        }
        Session session = new Session(newId(), caller, version, clock.instant(), idToken);
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session with this id, its idle time restarted; empty (and ended) when it has timed out. */
    public Optional<Session> find(String id) {
        Session session = sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (expired(session, now)) {
            sessions.remove(id, session);
            return Optional.empty();
        }
        session.seen = now;
        return Optional.of(session);
    }

    public void end(String id) {
        sessions.remove(id);
    }

    /** Ends every session of {@code user}. */
    public void endAll(String user) {
        sessions.values().removeIf(s -> s.caller().name().equals(user));
    }

    public int size() {
        return sessions.size();
    }

    private boolean expired(Session session, Instant now) {
        return !now.isBefore(session.seen.plus(idle)) || !now.isBefore(session.started.plus(absolute));
    }

    private void sweep() {
        Instant now = clock.instant();
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            if (expired(it.next(), now)) {
                it.remove();
            }
        }
    }

    /**
     * A session's {@code Set-Cookie}: never readable by scripts, never sent from another site's page, and only over TLS
     * when the spoke serves TLS. A {@code maxAge} of 0 deletes the cookie; below 0 it lasts until the browser closes.
     */
    public static String cookie(boolean secure, String name, String value, int maxAge) {
        return name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" + (maxAge >= 0 ? "; Max-Age=" + maxAge : "") + (secure ? "; Secure" : "");
    }

    /** A fresh random value for a cookie: a session id, or the login form's pre-session cookie. */
    public String newId() {
        byte[] id = new byte[32];
        random.nextBytes(id);
        return B64.encodeToString(id);
    }

    /** The CSRF token for forms sent with the cookie {@code cookieValue}. */
    public String csrfToken(String cookieValue) {
        return mac("csrf\0" + cookieValue);
    }

    /** {@code payload} with an HMAC under this spoke's key: a value a browser may carry but not make or change. */
    public String sign(String payload) {
        return payload + "~" + mac("signed\0" + payload);
    }

    /** The payload of a value {@link #sign} made, or empty for any other. */
    public Optional<String> unsign(String signed) {
        int at = signed.lastIndexOf('~');
        if (at < 0) {
            return Optional.empty();
        }
        String payload = signed.substring(0, at);
        return MessageDigest.isEqual(mac("signed\0" + payload).getBytes(StandardCharsets.US_ASCII),
                signed.substring(at + 1).getBytes(StandardCharsets.UTF_8)) ? Optional.of(payload) : Optional.empty();
    }

    private String mac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(csrfKey, "HmacSHA256"));
            return B64.encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code token} is the CSRF token for {@code cookieValue}, compared in constant time. */
    public boolean csrfMatches(String cookieValue, String token) {
        return MessageDigest.isEqual(csrfToken(cookieValue).getBytes(StandardCharsets.US_ASCII), token.getBytes(StandardCharsets.UTF_8));
    }
}
