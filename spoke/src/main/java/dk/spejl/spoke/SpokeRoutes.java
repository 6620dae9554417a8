package dk.spejl.spoke;

import dk.spejl.spoke.auth.HeaderLogin;
import dk.spejl.spoke.auth.LocalGate;
import dk.spejl.spoke.auth.LocalLogin;
import dk.spejl.spoke.auth.OidcLogin;
import dk.spejl.spoke.auth.Lockout;
import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Sessions;
import dk.spejl.spoke.auth.TokenStore;
import dk.spejl.spoke.auth.UserStore;
import dk.spejl.spoke.browse.BrowseApi;
import dk.spejl.spoke.browse.BrowseLog;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.search.Search;
import dk.spejl.spoke.search.SearchApi;
import dk.spejl.spoke.search.SearchIndex;
import dk.spejl.spoke.sync.Freshness;
import dk.spejl.spoke.web.WebApp;
import dk.spejl.tls.TlsFiles;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/** The spoke's HTTP side assembled: the gate, the web app, the search and browse APIs, metrics, and what the builder adds. */
final class SpokeRoutes {
    private SpokeRoutes() {
    }

    /** The spoke's HTTP routes: the browse API, the web app, metrics, and whatever the builder was given, behind the gate. */
    static Routes assemble(Spoke.Builder b, Replica replica, Freshness freshness, SearchIndex index, Search search, BrowseLog browseLog,
                           PrometheusMeterRegistry metrics, dk.spejl.spoke.access.HubAccess access,
                           dk.spejl.spoke.access.AccessFeed feed, dk.spejl.spoke.sync.AuditWitness witness) {
        BrowseApi.Staleness staleness = new BrowseApi.Staleness() {
            @Override
            public Optional<Instant> staleSince() {
                return freshness.staleSince();
            }

            @Override
            public Optional<Freshness.Behind> behind() {
                return freshness.behind();
            }

            @Override
            public void describe(com.fasterxml.jackson.databind.node.ObjectNode status) {
                SearchIndex.Progress p = index.progress();
                com.fasterxml.jackson.databind.node.ObjectNode i = status.putObject("index");
                i.put("revision", p.revision()).put("building", p.building());
                if (p.building()) {
                    i.put("indexed", p.done()).put("total", p.total());
                }
                // Only whether the hub was caught rewriting its access log: the sizes say how busy it is, and are in the metrics.
                com.fasterxml.jackson.databind.node.ObjectNode audit = status.putObject("access_log");
                witness.alarm().ifPresentOrElse(a -> audit.put("alarm", a), () -> audit.putNull("alarm"));
            }
        };
        SearchApi searchApi = new SearchApi(search, replica, staleness, b.counts, browseLog);
        Sessions sessions = new Sessions(b.clock, b.logins.idle(), b.logins.absolute(), Logins.MAX_SESSIONS);
        Routes routes = new Routes();
        Optional<LocalLogin> login = Optional.empty();
        java.util.function.Function<Sessions.Session, String> afterLogout = session -> "/login?bye=1";
        UserStore users = new UserStore(b.dataDir, b.clock);
        TokenStore tokens = new TokenStore(b.dataDir, b.clock);
        switch (b.logins.mode()) {
            case LOCAL -> {
                login = Optional.of(new LocalLogin(users, new Passwords(b.logins.concurrentHashes(), 2_000), new Lockout(b.clock), metrics));
                routes.gate(new LocalGate(sessions, users, tokens));
            }
            case HEADER -> routes.gate(new HeaderLogin(b.logins.header().orElseThrow(), tokens, users, metrics));
            case OIDC -> {
                OidcLogin oidc = new OidcLogin(b.logins.oidc().orElseThrow(), sessions, tokens, users, metrics, b.clock);
                routes.gate(oidc);
                oidc.register(routes);
                afterLogout = oidc::afterLogout;
            }
            case NONE -> { } // everyone is let in as anonymous: a spoke built in a test
        }
        WebApp web = new WebApp(search, replica, webFacts(b, replica, freshness, witness), sessions, login,
                b.logins.header().flatMap(HeaderLogin.Settings::logoutUrl), afterLogout, browseLog, b.clock);
        web.registerAccess(web.register(routes), access, feed, witness);
        searchApi.register(new BrowseApi(replica, staleness).register(routes))
                .get("/api/v1/records/{id}", "record", searchApi::record)
                .openGet("/metrics", "metrics", request -> b.metricsFrom.isEmpty() || b.metricsFrom.contains(request.remote().getAddress())
                        ? HttpResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())
                        : HttpResponse.error(403, "metrics are served only to the addresses in http.metrics_from"));
        new dk.spejl.spoke.access.AccessApi(access).register(routes);
        b.routes.accept(routes);
        return routes;
    }

    /** What the web app's pages say about this spoke: its region (from its certificate), its revision and how fresh it is. */
    private static WebApp.Facts webFacts(Spoke.Builder b, Replica replica, Freshness freshness, dk.spejl.spoke.sync.AuditWitness witness) {
        String region = regionOf(b.tls).orElse(b.name);
        return new WebApp.Facts() {
            @Override
            public String region() {
                return region;
            }

            @Override
            public Optional<Long> revision() {
                return replica.state().map(s -> s.revision());
            }

            @Override
            public Optional<Instant> published() {
                return replica.state().map(s -> Instant.ofEpochMilli(s.manifest().getPublishedAtMillis()));
            }

            @Override
            public Optional<Instant> updated() {
                return freshness.newest().map(h -> Instant.ofEpochMilli(h.getIssuedAtMillis()));
            }

            @Override
            public Optional<Instant> staleSince() {
                return freshness.staleSince();
            }

            @Override
            public Optional<Freshness.Behind> behind() {
                return freshness.behind();
            }

            @Override
            public Optional<String> auditAlarm() {
                return witness.alarm();
            }
        };
    }

    /** The region written into this spoke's certificate by {@code spejl-hub enroll}. */
    private static Optional<String> regionOf(TlsFiles tls) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(tls.certificate())) {
            java.security.cert.X509Certificate certificate = (java.security.cert.X509Certificate)
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            return dk.spejl.tls.PeerIdentity.of(certificate).map(dk.spejl.tls.PeerIdentity::region).filter(r -> r != null && !r.isEmpty());
        } catch (IOException | java.security.cert.CertificateException e) {
            LoggerFactory.getLogger(SpokeRoutes.class).warn("cannot read the region from {}: {}", tls.certificate(), e.toString());
            return Optional.empty();
        }
    }

}
