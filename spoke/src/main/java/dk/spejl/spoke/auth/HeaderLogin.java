package dk.spejl.spoke.auth;

import dk.spejl.spoke.http.Gate;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gate behind a region's single sign-on proxy ({@code auth.mode = header}): the proxy signs people in and names
 * the user and their roles in two headers. They are believed only from the configured proxy addresses; the same
 * headers from anywhere else are refused (403) and counted in {@code spejl_spoke_untrusted_login_headers_total},
 * since only someone going round the proxy sends them. Scripts still use bearer tokens of local users.
 */
public final class HeaderLogin implements Gate {
    private static final Logger log = LoggerFactory.getLogger(HeaderLogin.class);
    /** A user name from the proxy: printable, no spaces or separators that a log line could be split on. */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

    /**
     * @param userHeader  the header naming the user (lower case)
     * @param rolesHeader the header listing the user's roles, comma-separated (clinician, steward, admin)
     * @param proxies     the addresses the proxy connects from; no other address may send the headers
     * @param logoutUrl   where the proxy signs people out, linked from every page, if it has such a page
     */
    public record Settings(String userHeader, String rolesHeader, Set<InetAddress> proxies, Optional<String> logoutUrl) {
        public Settings {
            userHeader = userHeader.toLowerCase(Locale.ROOT);
            rolesHeader = rolesHeader.toLowerCase(Locale.ROOT);
            proxies = Set.copyOf(proxies);
            if (proxies.isEmpty()) {
                throw new IllegalArgumentException("auth.header.proxies: name the single sign-on proxy's address");
            }
        }
    }

    private final Settings settings;
    private final TokenStore tokens;
    private final UserStore users;
    private final MeterRegistry metrics;

    public HeaderLogin(Settings settings, TokenStore tokens, UserStore users, MeterRegistry metrics) {
        this.settings = settings;
        this.tokens = tokens;
        this.users = users;
        this.metrics = metrics;
    }

    @Override
    public Identity identify(HttpRequest request) {
        Optional<String> user = request.header(settings.userHeader());
        Optional<String> roles = request.header(settings.rolesHeader());
        boolean fromProxy = settings.proxies().contains(request.remote().getAddress());
        if (!fromProxy && (user.isPresent() || roles.isPresent())) {
            Counter.builder("spejl_spoke_untrusted_login_headers_total")
                    .description("requests carrying the single sign-on proxy's login headers from an address that is not the proxy's")
                    .register(metrics).increment();
            log.warn("refused login headers from {}, which is not a configured proxy", request.remote().getAddress().getHostAddress());
            return Identity.refused(HttpResponse.error(403, "login headers are accepted only from the region's single sign-on proxy"));
        }
        Optional<String> authorization = request.header("authorization");
        if (authorization.isPresent() && user.isEmpty()) {
            return BearerTokens.identify(authorization.get(), tokens, users);
        }
        if (user.isEmpty()) {
            return Identity.NONE;
        }
        if (request.headerCount(settings.userHeader()) > 1 || request.headerCount(settings.rolesHeader()) > 1) {
            // One copy came from the client: the proxy added its own instead of replacing the client's.
            return Identity.refused(HttpResponse.error(403, "the login headers came more than once; the single sign-on proxy must "
                    + "replace them, not add to them"));
        }
        if (!USER.matcher(user.get()).matches()) {
            return Identity.refused(HttpResponse.error(403, "the single sign-on proxy named a user this spoke cannot take: 1-128 of "
                    + "A-Z a-z 0-9 . _ @ + -"));
        }
        Set<Role> parsed = EnumSet.noneOf(Role.class);
        try {
            for (String r : List.of(roles.orElse("").split("[,\\s]+"))) {
                if (!r.isEmpty()) {
                    parsed.add(Role.parse(r.toLowerCase(Locale.ROOT)));
                }
            }
        } catch (IllegalArgumentException e) {
            return Identity.refused(HttpResponse.error(403, "the single sign-on proxy sent a role this spoke does not know: " + e.getMessage()));
        }
        if (parsed.isEmpty()) {
            return Identity.refused(HttpResponse.error(403, "the single sign-on proxy sent no role for " + user.get()
                    + " (clinician, steward or admin, in " + settings.rolesHeader() + ")"));
        }
        return Identity.of(new Caller(user.get(), parsed, "header"));
    }

    @Override
    public HttpResponse challenge(HttpRequest request) {
        if (request.path().startsWith("/api/")) {
            return BearerTokens.challenge("send a bearer token made with 'spejl-spoke tokens create', or come through the region's single sign-on");
        }
        return HttpResponse.text(401, "text/plain; charset=utf-8",
                "Log ind gennem regionens single sign-on. / Sign in through the region's single sign-on.");
    }
}
