package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.auth.HeaderLogin;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Header mode as a region runs it: Debian's nginx in front of the spoke, signing people in (HTTP basic here, standing in
 * for the region's single sign-on) and naming the user and roles in headers. nginx connects to the spoke from
 * 127.0.0.2, the only address configured as the proxy; this test's own requests come from 127.0.0.1, as someone going
 * round the proxy would. Everything is HTTPS.
 */
class HeaderLoginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Cluster cluster;
    static Spoke spoke;
    static Nginx nginx;
    static int proxyPort;
    static WebClient client;
    static List<HubRecord> records;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(Nginx.BINARY);
        if (!present && "required".equals(System.getenv("SPEJL_SYSTEM_TESTS"))) {
            throw new IllegalStateException("this test needs " + Nginx.BINARY + ": apt-get install -y nginx-light");
        }
        Assumptions.assumeTrue(present, "no nginx here (apt-get install -y nginx-light); header-mode test skipped");
        cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2));
        records = new CatalogueGenerator(7).generate(40);
        long revision = cluster.put(records);
        TlsFiles https = ServerPki.create(tmp.resolve("https"), "spoke-sso", List.of("localhost"), List.of("127.0.0.1"));
        HeaderLogin.Settings sso = new HeaderLogin.Settings("X-Remote-User", "X-Remote-Roles", Set.of(InetAddress.getByName("127.0.0.2")),
                Optional.of("/sso/logout"));
        spoke = cluster.spokeBuilder("sso").logins(Logins.header(sso)).httpTls(https).metricsFrom(Set.of(InetAddress.getByName("127.0.0.1")))
                .start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
        Files.writeString(tmp.resolve("htpasswd"), "klinik:{PLAIN}sso-password-1\nukendt:{PLAIN}sso-password-2\n");
        proxyPort = Nginx.freePort();
        nginx = new Nginx(tmp.resolve("nginx"), """
                  map $remote_user $spejl_roles { default ""; klinik clinician; }
                  server {
                    listen 127.0.0.1:%d ssl;
                    ssl_certificate %s; ssl_certificate_key %s;
                    auth_basic "Region"; auth_basic_user_file %s;
                    location / {
                      proxy_pass https://127.0.0.1:%d;
                      proxy_bind 127.0.0.2;
                      proxy_set_header X-Remote-User $remote_user;
                      proxy_set_header X-Remote-Roles $spejl_roles;
                      proxy_set_header Authorization "";
                    }
                  }""".formatted(proxyPort, https.certificate(), https.privateKey(), tmp.resolve("htpasswd"), spoke.httpAddress().getPort()),
                proxyPort);
        client = new WebClient(spoke.httpAddress().getPort(), https.trustedCa());
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static HttpResponse<String> viaProxy(String path, String user, String password, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxyPort + path));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> direct(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(client.base + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static double untrusted() {
        var c = spoke.metrics().find("spejl_spoke_untrusted_login_headers_total").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void throughTheProxyTheUserItNamesSeesThePagesAndIsLoggedAsSignedInByHeader() throws Exception {
        HttpResponse<String> page = viaProxy("/search", "klinik", "sso-password-1");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("klinik (kliniker)").contains("href=\"/sso/logout\"").doesNotContain("action=\"/logout\"");
        String id = records.get(0).getRecord().getId();
        assertThat(viaProxy("/api/v1/records/" + id, "klinik", "sso-password-1").statusCode()).isEqualTo(200);
        MerkleLog log = spoke.browseLog().merkleLog();
        JsonNode last = JSON.readTree(log.entry(log.size() - 1).orElseThrow());
        assertThat(last.path("who").path("user").asText()).isEqualTo("klinik");
        assertThat(last.path("who").path("mode").asText()).isEqualTo("header");
        assertThat(last.path("shown").toString()).contains(id);
    }

    @Test
    void behindTheProxyAFormIsTakenOnlyFromTheSpokesOwnPages() throws Exception {
        String id = records.stream().map(HubRecord::getRecord).filter(r -> r.getStatus() != dk.spejl.wire.Status.WITHDRAWN)
                .findFirst().orElseThrow().getId();
        java.util.function.Function<String[], HttpResponse<String>> post = headers -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxyPort + "/records/" + id + "/request"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("klinik:sso-password-1".getBytes()))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("episode=forl%C3%B8b+7&justification=Behandling.&client_request_id=sso-1"));
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            try {
                return client.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        HttpResponse<String> crossSite = post.apply(new String[] {"Sec-Fetch-Site", "cross-site"});
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(post.apply(new String[0]).statusCode()).as("no word from the browser where it came from").isEqualTo(403);
        assertThat(cluster.hub.access().requests()).as("nothing reached the hub").isEmpty();
        HttpResponse<String> own = post.apply(new String[] {"Sec-Fetch-Site", "same-origin"});
        assertThat(own.statusCode()).as(own.body()).isEqualTo(303);
        assertThat(own.headers().firstValue("Location").orElseThrow()).startsWith("/requests/req-");
        assertThat(cluster.hub.access().requests()).hasSize(1);
    }

    @Test
    void aClientCannotNameAnotherUserThroughTheProxy() throws Exception {
        HttpResponse<String> page = viaProxy("/search", "klinik", "sso-password-1", "X-Remote-User", "admin", "X-Remote-Roles", "admin");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("klinik (kliniker)").doesNotContain("admin (");
        assertThat(viaProxy("/admin/log", "klinik", "sso-password-1", "X-Remote-Roles", "admin").statusCode()).isEqualTo(403);
        assertThat(viaProxy("/search", null, null).statusCode()).as("the proxy signs nobody in without credentials").isEqualTo(401);
    }

    @Test
    void theHeadersFromAnywhereButTheProxyAreRefusedAndCounted() throws Exception {
        double before = untrusted();
        HttpResponse<String> forged = direct("/search", "X-Remote-User", "klinik", "X-Remote-Roles", "admin");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("single sign-on proxy").doesNotContain(records.get(0).getRecord().getId());
        assertThat(direct("/api/v1/records", "X-Remote-User", "klinik").statusCode()).isEqualTo(403);
        assertThat(direct("/api/v1/status", "X-Remote-Roles", "clinician").statusCode()).as("even on an open route").isEqualTo(403);
        assertThat(untrusted()).isEqualTo(before + 3);
        // Without the headers, straight to the spoke: no login.
        assertThat(direct("/search").statusCode()).isEqualTo(401);
        assertThat(direct("/api/v1/records").statusCode()).isEqualTo(401);
        assertThat(direct("/api/v1/status").statusCode()).isEqualTo(200);
        assertThat(direct("/login").statusCode()).as("no local login form in header mode").isEqualTo(404);
    }

    @Test
    void metricsGoOnlyToTheAddressesAllowedThem() throws Exception {
        HttpResponse<String> refused = viaProxy("/metrics", "klinik", "sso-password-1"); // nginx connects from 127.0.0.2
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain("spejl_spoke");
        HttpResponse<String> allowed = direct("/metrics"); // this test connects from 127.0.0.1, the address allowed
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("spejl_spoke_revision");
    }

    @Test
    void loginHeadersThatCameTwiceAreRefusedEvenFromTheProxy() throws Exception {
        HeaderLogin gate = new HeaderLogin(new HeaderLogin.Settings("X-Remote-User", "X-Remote-Roles", Set.of(InetAddress.getByName("127.0.0.2")),
                Optional.empty()), new dk.spejl.spoke.auth.TokenStore(tmp, java.time.Clock.systemUTC()),
                new dk.spejl.spoke.auth.UserStore(tmp, java.time.Clock.systemUTC()), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        java.net.InetSocketAddress proxy = new java.net.InetSocketAddress("127.0.0.2", 40000);
        java.util.function.Function<java.util.Map<String, List<String>>, dk.spejl.spoke.http.Gate.Identity> from = headers -> gate.identify(
                new dk.spejl.spoke.http.HttpRequest("GET", "/search", java.util.Map.of(), headers, java.util.Map.of(), Optional.empty(), "", proxy, true));
        assertThat(from.apply(java.util.Map.of("x-remote-user", List.of("klinik"), "x-remote-roles", List.of("clinician"))).caller())
                .map(c -> c.name()).contains("klinik");
        assertThat(from.apply(java.util.Map.of("x-remote-user", List.of("admin", "klinik"), "x-remote-roles", List.of("clinician")))
                .refusal()).isPresent();
        assertThat(from.apply(java.util.Map.of("x-remote-user", List.of("klinik"), "x-remote-roles", List.of("admin", "clinician")))
                .refusal()).isPresent();
        assertThat(from.apply(java.util.Map.of("x-remote-user", List.of("klinik\nforged"), "x-remote-roles", List.of("clinician")))
                .refusal()).as("a name a log line could be split on").isPresent();
    }

    @Test
    void aUserTheProxyGivesNoRoleIsRefused() throws Exception {
        HttpResponse<String> page = viaProxy("/search", "ukendt", "sso-password-2");
        assertThat(page.statusCode()).isEqualTo(403);
        assertThat(page.body()).contains("no role");
        HttpResponse<String> forged = viaProxy("/search", "ukendt", "sso-password-2", "X-Remote-Roles", "admin");
        assertThat(forged.statusCode()).as("the proxy replaces a role the client sends").isEqualTo(403);
        assertThat(forged.body()).contains("no role");
    }

    @Test
    void inABrowserThroughTheProxyThePagesNameTheUserAndLinkToTheProxysLogout() throws Exception {
        Chromium.require();
        org.openqa.selenium.WebDriver browser = Chromium.start(tmp.resolve("chromium"));
        try {
            // The proxy's sign-on here is HTTP basic; the browser sends the credentials from the URL.
            browser.get("https://klinik:sso-password-1@127.0.0.1:" + proxyPort + "/search");
            assertThat(browser.findElement(org.openqa.selenium.By.id("user")).getText()).isEqualTo("klinik (kliniker)");
            assertThat(browser.findElement(org.openqa.selenium.By.id("logout")).getDomAttribute("href")).isEqualTo("/sso/logout");
            assertThat(browser.findElements(org.openqa.selenium.By.cssSelector("#results tbody tr"))).hasSize(records.size());
            Chromium.screenshot(browser, "21-header-mode");
        } finally {
            browser.quit();
        }
    }
}
