package dk.spejl.spoke.auth;

import dk.spejl.spoke.http.Gate;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Local users' gate: a request's caller is the user of the bearer token it sends ({@code Authorization: Bearer}, for
 * scripts), or of the session its cookie names (people). Either way the user must exist and be enabled now: a session
 * whose user has since been removed, disabled or changed in any way (a new password, new roles) ends at its next request;
 * a token carries its user's current roles.
 * A bearer header with no live token is refused outright (401), not treated as no login.
 */
public final class LocalGate implements Gate {
    public static final String SESSION_COOKIE = "spejl_session";

    private final Sessions sessions;
    private final UserStore users;
    private final TokenStore tokens;

    public LocalGate(Sessions sessions, UserStore users, TokenStore tokens) {
        this.sessions = sessions;
        this.users = users;
        this.tokens = tokens;
    }

    @Override
    public Identity identify(HttpRequest request) {
        Optional<String> authorization = request.header("authorization");
        if (authorization.isPresent()) {
            return BearerTokens.identify(authorization.get(), tokens, users);
        }
        Optional<String> id = request.cookie(SESSION_COOKIE);
        if (id.isEmpty()) {
            return Identity.NONE;
        }
        Optional<Sessions.Session> session = sessions.find(id.get());
        if (session.isEmpty()) {
            return Identity.NONE;
        }
        Caller caller = session.get().caller();
        try {
            Optional<UserStore.User> user = users.find(caller.name());
            if (user.isEmpty() || user.get().disabled() || !user.get().changed().equals(session.get().version())) {
                sessions.end(id.get()); // removed, disabled, or changed (a new password, new roles) since the login
                return Identity.NONE;
            }
            return Identity.of(caller);
        } catch (IOException e) {
            return Identity.refused(HttpResponse.error(503, "the spoke cannot read its users (" + e.getMessage() + ")"));
        }
    }

    @Override
    public HttpResponse challenge(HttpRequest request) {
        if (request.path().startsWith("/api/")) {
            return BearerTokens.challenge("send a bearer token made with 'spejl-spoke tokens create'");
        }
        return HttpResponse.redirect("/login?next=" + URLEncoder.encode(here(request), StandardCharsets.UTF_8));
    }

    /** A path on this spoke to go to next; anything else (another site, a scheme, {@code //host}) is not. */
    public static boolean isLocal(String next) {
        return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") && next.chars().noneMatch(c -> c < 0x20 || c == '\\' || c == '"');
    }

    /** The request's path and query, as a link back to it. */
    public static String here(HttpRequest request) {
        StringBuilder b = new StringBuilder(request.path());
        char sep = '?';
        for (var e : request.query().entrySet()) {
            for (String v : e.getValue()) {
                b.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        return b.toString();
    }
}
