package dk.spejl.spoke.auth;

import dk.spejl.spoke.http.Gate;
import dk.spejl.spoke.http.HttpResponse;

import java.io.IOException;
import java.util.Optional;

/** The {@code Authorization: Bearer} check every login mode shares: a live token of an enabled local user, or a 401. */
final class BearerTokens {
    private BearerTokens() {
    }

    static Gate.Identity identify(String authorization, TokenStore tokens, UserStore users) {
        String[] parts = authorization.trim().split("\\s+", 2);
        Optional<TokenStore.Token> token = Optional.empty();
        try {
            if (parts.length == 2 && parts[0].equalsIgnoreCase("Bearer")) {
                token = tokens.verify(parts[1]);
            }
            Optional<UserStore.User> user = token.isPresent() ? users.find(token.get().user()) : Optional.empty();
            if (user.isEmpty() || user.get().disabled()) {
                return Gate.Identity.refused(HttpResponse.error(401, "the bearer token is not one this spoke knows, or it has expired, "
                        + "been revoked, or its user is disabled").withHeader("WWW-Authenticate", "Bearer realm=\"spejl\", error=\"invalid_token\""));
            }
            return Gate.Identity.of(new Caller(user.get().name(), user.get().roles(), "token"));
        } catch (IOException e) {
            return Gate.Identity.refused(HttpResponse.error(503, "the spoke cannot read its tokens or users (" + e.getMessage() + ")"));
        }
    }

    /** What a request without a caller gets from the API. */
    static HttpResponse challenge(String how) {
        return HttpResponse.error(401, "sign in first: " + how).withHeader("WWW-Authenticate", "Bearer realm=\"spejl\"");
    }
}
