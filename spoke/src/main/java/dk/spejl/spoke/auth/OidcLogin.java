package dk.spejl.spoke.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dk.spejl.spoke.http.Gate;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.PlainPage;
import dk.spejl.spoke.http.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSocketFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.net.URLEncoder;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * OpenID Connect ({@code auth.mode = oidc}), as a region's identity provider or Life Science AAI offers it: the
 * authorisation code flow with PKCE (S256), state and nonce, through Nimbus. The ID token is validated for its
 * signature (by the provider's JWKS), issuer, audience, expiry and nonce; the roles come from a configured claim. A
 * signed-in person then has a session like a local user's; scripts use bearer tokens of local users.
 */
public final class OidcLogin implements Gate {
    private static final Logger log = LoggerFactory.getLogger(OidcLogin.class);
    /** The browser's cookie naming its login in progress; Lax, since the provider sends the browser back from another site. */
    public static final String PENDING_COOKIE = "spejl_oidc";
    static final Duration PENDING_LIFETIME = Duration.ofMinutes(10);

    /**
     * @param issuer       the provider's issuer URL (its discovery document is at {@code /.well-known/openid-configuration})
     * @param redirectUri  this spoke's {@code /auth/callback}, as registered with the provider
     * @param roleClaim    the ID token claim holding the user's roles (a string or a list: clinician, steward, admin)
     * @param tls          how to reach the provider over TLS; empty for the JVM's trusted CAs
     */
    public record Settings(URI issuer, String clientId, String clientSecret, URI redirectUri, String roleClaim, String userClaim,
                           Optional<URI> postLogoutRedirectUri, Optional<SSLSocketFactory> tls) {
    }

    /** A login in progress, carried by the browser in a cookie signed by the spoke, so that no one can fill the spoke's memory with them. */
    private record Pending(State state, Nonce nonce, CodeVerifier verifier, String next, Instant started) {
        String spell() {
            Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
            return String.join(".", b.encodeToString(state.getValue().getBytes(StandardCharsets.UTF_8)),
                    b.encodeToString(nonce.getValue().getBytes(StandardCharsets.UTF_8)),
                    b.encodeToString(verifier.getValue().getBytes(StandardCharsets.UTF_8)),
                    b.encodeToString(next.getBytes(StandardCharsets.UTF_8)), Long.toString(started.toEpochMilli()));
        }

        static Optional<Pending> parse(String spelt) {
            String[] f = spelt.split("\\.", -1);
            if (f.length != 5) {
                return Optional.empty();
            }
            try {
                Base64.Decoder d = Base64.getUrlDecoder();
                return Optional.of(new Pending(new State(utf8(d.decode(f[0]))), new Nonce(utf8(d.decode(f[1]))),
                        new CodeVerifier(utf8(d.decode(f[2]))), utf8(d.decode(f[3])), Instant.ofEpochMilli(Long.parseLong(f[4]))));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        private static String utf8(byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** A user name from the provider's claim: printable, nothing a log line could be split on. */
    private static final java.util.regex.Pattern USER = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+:-]{0,127}");

    private final Settings settings;
    private final Sessions sessions;
    private final TokenStore tokens;
    private final UserStore users;
    private final MeterRegistry metrics;
    private final Clock clock;
    private volatile OIDCProviderMetadata provider;
    private volatile IDTokenValidator validator;

    public OidcLogin(Settings settings, Sessions sessions, TokenStore tokens, UserStore users, MeterRegistry metrics, Clock clock) {
        this.settings = settings;
        this.sessions = sessions;
        this.tokens = tokens;
        this.users = users;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Routes register(Routes routes) {
        return routes.openGet("/login", "oidc_login", this::begin).openGet("/auth/callback", "oidc_callback", this::callback);
    }

    @Override
    public Identity identify(HttpRequest request) {
        Optional<String> authorization = request.header("authorization");
        if (authorization.isPresent()) {
            return BearerTokens.identify(authorization.get(), tokens, users);
        }
        return request.cookie(LocalGate.SESSION_COOKIE).flatMap(sessions::find).map(s -> Identity.of(s.caller())).orElse(Identity.NONE);
    }

    @Override
    public HttpResponse challenge(HttpRequest request) {
        if (request.path().startsWith("/api/")) {
            return BearerTokens.challenge("send a bearer token made with 'spejl-spoke tokens create'");
        }
        return HttpResponse.redirect("/login?next=" + java.net.URLEncoder.encode(LocalGate.here(request), StandardCharsets.UTF_8));
    }

    /** {@code GET /login}: off to the provider, with a fresh state, nonce and PKCE verifier kept for the browser's return. */
    HttpResponse begin(HttpRequest request) {
        if (request.query("bye").isPresent()) { // just signed out: not straight back to the provider, which may sign in again at once
            return PlainPage.of(200, "<p id=\"bye\">Du er logget ud. / You are signed out.</p>"
                    + "<p><a href=\"/login?fresh=1\">Log ind igen / Sign in again</a></p>");
        }
        String next = request.query("next").filter(LocalGate::isLocal).orElse("/search");
        OIDCProviderMetadata op;
        try {
            op = provider();
        } catch (Exception e) {
            log.warn("the identity provider {} cannot be reached: {}", settings.issuer(), e.toString());
            return PlainPage.of(503, "<p>Identitetsudbyderen svarer ikke; prøv igen om lidt. / The identity provider does not answer; try again shortly.</p>");
        }
        Pending p = new Pending(new State(), new Nonce(), new CodeVerifier(), next, clock.instant());
        AuthenticationRequest.Builder authorise = new AuthenticationRequest.Builder(new ResponseType(ResponseType.Value.CODE),
                new Scope("openid", "profile"), new ClientID(settings.clientId()), settings.redirectUri()).endpointURI(op.getAuthorizationEndpointURI())
                .state(p.state()).nonce(p.nonce()).codeChallenge(p.verifier(), CodeChallengeMethod.S256);
        if (request.query("fresh").isPresent()) {
            authorise.prompt(new Prompt(Prompt.Type.LOGIN)); // after a logout: the provider asks again, whatever its own session
        }
        return HttpResponse.redirect(authorise.build().toURI().toString()).withCookie(PENDING_COOKIE + "=" + sessions.sign(p.spell()) + "; Path="
                + callbackPath() + "; HttpOnly; SameSite=Lax; Max-Age=" + PENDING_LIFETIME.toSeconds() + (request.secure() ? "; Secure" : ""));
    }

    private String callbackPath() {
        String path = settings.redirectUri().getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /**
     * Where a browser goes after its session ends here: to the provider's logout (with the ID token as the hint), so
     * that its own session ends too and the next person at the workstation is asked to sign in; or, for a provider
     * without one, to the page that signs in again only with {@code prompt=login}.
     */
    public String afterLogout(Sessions.Session session) {
        OIDCProviderMetadata op = provider;
        if (op == null || op.getEndSessionEndpointURI() == null || session.idToken().isEmpty()) {
            return "/login?bye=1";
        }
        StringBuilder to = new StringBuilder(op.getEndSessionEndpointURI().toString());
        to.append(to.indexOf("?") < 0 ? '?' : '&').append("id_token_hint=").append(URLEncoder.encode(session.idToken().get(), StandardCharsets.UTF_8))
                .append("&client_id=").append(URLEncoder.encode(settings.clientId(), StandardCharsets.UTF_8));
        settings.postLogoutRedirectUri().ifPresent(u -> to.append("&post_logout_redirect_uri=").append(URLEncoder.encode(u.toString(), StandardCharsets.UTF_8)));
        return to.toString();
    }

    /** {@code GET /auth/callback}: the code for tokens, the ID token checked, and a session; or a refusal that says why. */
    HttpResponse callback(HttpRequest request) {
        // The code itself is good once only, at the provider; the cookie is cleared by the answer below.
        Pending p = request.cookie(PENDING_COOKIE).flatMap(sessions::unsign).flatMap(Pending::parse).orElse(null);
        if (p == null || !clock.instant().isBefore(p.started().plus(PENDING_LIFETIME))) {
            return refused("no_login_in_progress", "this browser has no login in progress, or it took too long; start again at /login");
        }
        String state = request.query("state").orElse("");
        if (!MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), p.state().getValue().getBytes(StandardCharsets.UTF_8))) {
            return refused("state_mismatch", "the answer does not belong to this browser's login (state differs)");
        }
        if (request.query("error").isPresent() || request.query("code").isEmpty()) {
            String error = request.query("error").filter(e -> e.matches("[a-z_]{1,40}")).orElse("no code");
            return refused("provider_refused", "the identity provider refused the login: " + error);
        }
        try {
            OIDCProviderMetadata op = provider();
            TokenRequest tr = new TokenRequest(op.getTokenEndpointURI(), new ClientSecretBasic(new ClientID(settings.clientId()),
                    new Secret(settings.clientSecret())), new AuthorizationCodeGrant(new AuthorizationCode(request.query("code").get()),
                    settings.redirectUri(), p.verifier()));
            TokenResponse response = OIDCTokenResponseParser.parse(configure(tr.toHTTPRequest()).send());
            if (!response.indicatesSuccess()) {
                String code = String.valueOf(response.toErrorResponse().getErrorObject().getCode());
                return refused("token_refused", "the identity provider would not give tokens: " + (code.matches("[a-z_]{1,40}") ? code : "?"));
            }
            IDTokenClaimsSet claims = validator().validate(((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken(),
                    p.nonce());
            Set<Role> roles = roles(claims.getClaim(settings.roleClaim()));
            if (roles.isEmpty()) {
                return refused("no_role", "the identity provider gave this user no role in the claim " + settings.roleClaim());
            }
            Object claimed = settings.userClaim().equals("sub") ? claims.getSubject().getValue() : claims.getClaim(settings.userClaim());
            String name = claimed instanceof String n ? n : "";
            if (!USER.matcher(name).matches()) {
                return refused("bad_user", "the ID token's " + settings.userClaim() + " is not a user name this spoke takes");
            }
            Sessions.Session session = sessions.start(new Caller(name, roles, "oidc"), Instant.EPOCH,
                    Optional.of(((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDTokenString()));
            count("signed_in");
            log.info("{} signed in by OpenID Connect ({})", name, roles);
            // A page, not a redirect: the browser came from the provider's site, and would not send a SameSite=Strict
            // cookie on a redirect chain that began there; a navigation from this page is the spoke's own.
            return PlainPage.onwards(p.next(), "continue", "Fortsæt / Continue")
                    .withCookie(Sessions.cookie(request.secure(), LocalGate.SESSION_COOKIE, session.id(), -1))
                    .withCookie(PENDING_COOKIE + "=; Path=" + callbackPath() + "; HttpOnly; SameSite=Lax; Max-Age=0");
        } catch (Sessions.Full e) {
            return HttpResponse.text(503, "text/plain; charset=utf-8", e.getMessage());
        } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
            log.info("an ID token did not verify: {}", printable(e.getMessage()));
            return refused("bad_id_token", "the ID token does not verify");
        } catch (Exception e) {
            log.warn("OpenID Connect login failed: {}", printable(e.toString()));
            return refused("failed", "the login could not be finished");
        }
    }

    private static Set<Role> roles(Object claim) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        List<?> values = claim instanceof List<?> l ? l : claim instanceof String s ? List.of(s.split("[,\\s]+")) : List.of();
        for (Object v : values) {
            try {
                roles.add(Role.parse(String.valueOf(v).toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException unknown) {
                // a role of some other system: not Spejl's
            }
        }
        return roles;
    }

    /** A refusal: its reason (a fixed word, counted) and a sentence of this class's own, never the provider's text. */
    private HttpResponse refused(String reason, String message) {
        count(reason);
        log.info("OpenID Connect login refused ({}): {}", reason, message);
        return PlainPage.of(401, "<p id=\"refused\">Login afvist. / Login refused (" + reason + "): " + PlainPage.escape(message) + ".</p>"
                + "<p><a href=\"/login?fresh=1\">Prøv igen / Try again</a></p>");
    }

    private static String printable(String s) {
        return s == null ? "" : s.replaceAll("[\\p{Cntrl}]", "?");
    }

    private void count(String outcome) {
        Counter.builder("spejl_spoke_logins_total").description("web logins by outcome").tag("outcome", outcome).register(metrics).increment();
    }

    private HTTPRequest configure(HTTPRequest request) {
        request.setConnectTimeout(5_000);
        request.setReadTimeout(5_000);
        settings.tls().ifPresent(request::setSSLSocketFactory);
        return request;
    }

    /** The provider's metadata, fetched at the first login (a provider down at start does not stop the spoke). */
    private OIDCProviderMetadata provider() throws Exception {
        OIDCProviderMetadata op = provider;
        if (op == null) {
            op = OIDCProviderMetadata.resolve(new Issuer(settings.issuer()), this::configure);
            provider = op;
        }
        return op;
    }

    private IDTokenValidator validator() throws Exception {
        IDTokenValidator v = validator;
        if (v == null) {
            v = new IDTokenValidator(new Issuer(settings.issuer()), new ClientID(settings.clientId()), JWSAlgorithm.RS256,
                    provider().getJWKSetURI().toURL(), new DefaultResourceRetriever(5_000, 5_000, 64 * 1024, true, settings.tls().orElse(null)));
            validator = v;
        }
        return v;
    }
}
