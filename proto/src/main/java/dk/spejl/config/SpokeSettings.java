package dk.spejl.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a spoke's config file, with its meaning and default. It lives here because two
 * programs must agree on it: the spoke reads the file, and the hub's {@code enroll} writes it.
 */
public final class SpokeSettings {
    public static final Map<String, String> NAMES;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("spoke.name", "required. This spoke's name; the hub knows it by the name in its certificate.");
        m.put("hub.address", "required. host:port of the hub's replication service.");
        m.put("hub.ca", "required. The CA certificate (PEM) the hub's TLS certificate must chain to.");
        m.put("hub.root_fingerprint", "required. SHA256:... fingerprint of the hub's root key. The spoke accepts only keys that a "
                + "delegation signed by this root names, and nothing signed by any other key.");
        m.put("hub.authority", "optional. The name to check in the hub's certificate, when it differs from hub.address's host.");
        m.put("tls.certificate", "required. This spoke's client certificate from 'spejl-hub enroll' (mutual TLS; it carries the region).");
        m.put("tls.private_key", "required. Its private key.");
        m.put(LogFormat.KEY, LogFormat.DOCUMENTATION);
        m.put("data.dir", "default 'data'. Where the replica (RocksDB) and its search index (Lucene) live.");
        m.put("http.address", "default '127.0.0.1:8080'. The browse API, metrics and health endpoints.");
        m.put("http.tls.certificate", "optional. A PEM certificate chain: with http.tls.private_key, the HTTP port speaks only HTTPS, "
                + "and session cookies are marked Secure. Leave both unset only behind a TLS-terminating proxy or on loopback.");
        m.put("http.behind_tls_proxy", "default false. true when the HTTP port is reached only through a TLS-terminating proxy: session "
                + "cookies are then marked Secure, as when the spoke serves TLS itself.");
        m.put("http.tls.private_key", "optional. The PEM private key of http.tls.certificate.");
        m.put("http.metrics_from", "optional. IP addresses, comma-separated, that may read /metrics (a Prometheus server's); others get 403. Default: anyone.");
        m.put("http.idle_timeout", "default 60s. An HTTP connection that sends nothing for this long is closed.");
        m.put("http.max_connections", "default 256. HTTP connections open at once; one more is answered 503 and closed.");
        m.put("freshness.window", "default 5m. The oldest signed heartbeat the spoke counts as fresh (it also honours the heartbeat's own expiry).");
        m.put("freshness.max_clock_skew", "default 5m. How far ahead of this spoke's clock a heartbeat may have been issued; one "
                + "further ahead is refused (it would keep the spoke 'fresh' after the feed stopped).");
        m.put("replica.sync_writes", "default true. Force each applied revision to disk before serving it, so that even a power cut "
                + "never makes the spoke serve a lower revision than it served. false trades that for a little "
                + "latency: a power cut can then lose the newest revisions (never mix them), which the spoke fetches again, and until it "
                + "has, it serves a lower revision than before the cut.");
        m.put("search.counts.granularity", "default count. What /api/v1/counts may say: 'count' (how many records, samples and subjects) "
                + "or 'boolean' (only whether any match).");
        m.put("search.counts.min_cell", "default 5. A count from 1 to one below this is given only as 'fewer than' it.");
        m.put("auth.mode", "default local. How people sign in to the web app and the API: 'local' (users managed with "
                + "'spejl-spoke users') or 'header' (the region's single sign-on proxy names the user and roles in headers) or 'oidc' (OpenID Connect). Scripts use "
                + "bearer tokens of local users in both. Without a login only /healthz, /readyz, /metrics and /api/v1/status answer.");
        m.put("auth.header.user", "default X-Remote-User. In header mode, the header in which the proxy names the signed-in user.");
        m.put("auth.header.roles", "default X-Remote-Roles. In header mode, the header listing the user's roles (clinician, steward, admin; comma-separated).");
        m.put("auth.header.proxies", "required in header mode. The proxy's IP addresses, comma-separated: the headers from any other address "
                + "are refused and counted (spejl_spoke_untrusted_login_headers_total).");
        m.put("auth.oidc.issuer", "required in oidc mode. The OpenID Connect provider's issuer URL (its discovery document is under it).");
        m.put("auth.oidc.client_id", "required in oidc mode. This spoke's client id at the provider.");
        m.put("auth.oidc.client_secret_file", "required in oidc mode. A file (mode 0600) holding the client secret.");
        m.put("auth.oidc.redirect_uri", "required in oidc mode. This spoke's https://.../auth/callback, as registered at the provider.");
        m.put("auth.oidc.role_claim", "default roles. The ID token claim holding the user's roles (clinician, steward, admin).");
        m.put("auth.oidc.user_claim", "default sub. The ID token claim that names the user in pages and the browse log (stable and unique: "
                + "sub, or a claim such as an employee number; not one a user can edit).");
        m.put("auth.oidc.post_logout_redirect_uri", "optional. Where the provider sends the browser after its logout (as registered there), "
                + "e.g. https://spoke.example/login?bye=1.");
        m.put("auth.oidc.ca", "optional. A PEM file of the CAs to trust for the provider; default the JVM's.");
        m.put("auth.header.logout_url", "optional. In header mode, where the proxy signs people out; every page links to it.");
        m.put("auth.session.idle", "default 30m. A signed-in session ends after this long without a request.");
        m.put("auth.session.absolute", "default 12h. A session ends this long after its login, however busy.");
        m.put("auth.login.concurrent", "default 2. Password hashes (Argon2id, 19 MiB each) checked at once; more logins wait up to 2 s, then are told to retry.");
        NAMES = Collections.unmodifiableMap(m);
    }

    private SpokeSettings() {
    }
}
