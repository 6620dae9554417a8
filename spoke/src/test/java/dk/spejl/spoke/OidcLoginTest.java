package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.auth.OidcLogin;
import dk.spejl.spoke.http.HttpTls;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenID Connect against a loopback provider made with Nimbus, all over HTTPS: the code flow with PKCE, state and
 * nonce, and every way an answer can be wrong (state, nonce, audience, expiry, signing key, a code meant for another
 * browser, a callback replayed, no role).
 */
class OidcLoginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Cluster cluster;
    static Spoke spoke;
    static TestOidcProvider idp;
    static TlsFiles https;

    @BeforeAll
    static void start() throws Exception {
        cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2));
        long revision = cluster.put(new CatalogueGenerator(11).generate(30));
        https = ServerPki.create(tmp.resolve("https"), "oidc", List.of("localhost"), List.of("127.0.0.1"));
        idp = new TestOidcProvider(https);
        int port = Nginx.freePort();
        OidcLogin.Settings settings = new OidcLogin.Settings(URI.create(idp.issuer), TestOidcProvider.CLIENT_ID, TestOidcProvider.CLIENT_SECRET,
                URI.create("https://127.0.0.1:" + port + "/auth/callback"), "roles", "sub",
                Optional.of(URI.create("https://127.0.0.1:" + port + "/login?bye=1")), Optional.of(HttpTls.trusting(https.trustedCa())));
        spoke = cluster.spokeBuilder("oidc").logins(Logins.oidc(settings)).httpTls(https)
                .http(new java.net.InetSocketAddress("127.0.0.1", port)).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    static void stop() {
        if (idp != null) {
            idp.close();
        }
        cluster.close();
    }

    @AfterEach
    void behave() {
        idp.signWith = idp.key;
        idp.user = "anna";
        idp.roles = List.of("clinician");
        idp.nonceOverride = null;
        idp.audienceOverride = null;
        idp.expired = false;
    }

    /** To the provider and back: the callback's path and query, as the provider sends the browser. */
    static String throughProvider(WebClient c, String next) throws Exception {
        HttpResponse<String> login = c.get("/login?next=" + java.net.URLEncoder.encode(next, "UTF-8"));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
        String authorize = login.headers().firstValue("Location").orElseThrow();
        assertThat(authorize).startsWith(idp.issuer + "/authorize?").contains("code_challenge_method=S256").contains("nonce=").contains("state=");
        HttpResponse<String> back = c.http.send(HttpRequest.newBuilder(URI.create(authorize)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        URI callback = URI.create(back.headers().firstValue("Location").orElseThrow());
        return callback.getRawPath() + "?" + callback.getRawQuery();
    }

    static WebClient client() throws Exception {
        return new WebClient(spoke.httpAddress().getPort(), https.trustedCa());
    }

    @Test
    void aPersonSignsInAtTheProviderAndComesBackWithASession() throws Exception {
        WebClient c = client();
        assertThat(c.get("/search").headers().firstValue("Location")).contains("/login?next=%2Fsearch");
        HttpResponse<String> done = c.get(throughProvider(c, "/search?file_format=cram"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("url=/search?file_format=cram");
        String set = done.headers().allValues("set-cookie").stream().filter(s -> s.startsWith("spejl_session=")).findFirst().orElseThrow();
        assertThat(set).contains("HttpOnly").contains("SameSite=Strict").contains("Secure");
        HttpResponse<String> page = c.get("/search?file_format=cram");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("anna (kliniker)").contains("action=\"/logout\"");
        MerkleLog log = spoke.browseLog().merkleLog();
        JsonNode last = JSON.readTree(log.entry(log.size() - 1).orElseThrow());
        assertThat(last.path("who").path("user").asText()).isEqualTo("anna");
        assertThat(last.path("who").path("mode").asText()).isEqualTo("oidc");
        // The callback works once: replayed with its cookie, the provider will not give tokens for the same code again.
        WebClient again = client();
        String callback = throughProvider(again, "/search");
        String pending = again.cookies.get(OidcLogin.PENDING_COOKIE);
        assertThat(again.get(callback).statusCode()).isEqualTo(200);
        again.cookies.put(OidcLogin.PENDING_COOKIE, pending);
        HttpResponse<String> replayed = again.get(callback);
        assertThat(replayed.statusCode()).as("replayed").isEqualTo(401);
        assertThat(replayed.body()).contains("token_refused");
        // A forged login in progress (not signed by this spoke) is none.
        again.cookies.put(OidcLogin.PENDING_COOKIE, pending.substring(0, pending.lastIndexOf('~')) + "~forged");
        assertThat(again.get(callback).body()).contains("no_login_in_progress");
    }

    @Test
    void logoutEndsTheProvidersSessionTooAndSigningInAgainAsksAgain() throws Exception {
        WebClient c = client();
        assertThat(c.get(throughProvider(c, "/search")).statusCode()).isEqualTo(200);
        String page = c.get("/search").body();
        HttpResponse<String> out = c.post("/logout", "csrf", WebClient.csrf(page).orElseThrow());
        assertThat(out.statusCode()).isEqualTo(200);
        String to = out.body().replaceAll("(?s).*url=([^\"]*)\".*", "$1").replace("&amp;", "&");
        assertThat(to).startsWith(idp.issuer + "/logout?id_token_hint=").contains("post_logout_redirect_uri=");
        HttpResponse<String> back = c.http.send(HttpRequest.newBuilder(URI.create(to)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(back.headers().firstValue("Location").orElseThrow()).endsWith("/login?bye=1");
        assertThat(idp.loggedOut).isNotEmpty();
        assertThat(c.get("/login?bye=1").body()).contains("id=\"bye\"").contains("/login?fresh=1");
        assertThat(c.get("/login?fresh=1").headers().firstValue("Location").orElseThrow()).contains("prompt=login");
        assertThat(c.get("/search").statusCode()).isEqualTo(303);
    }

    @Test
    void theNextPageAfterALoginStaysOnThisSpokeWhateverItIsSpeltAs() throws Exception {
        WebClient c = client();
        HttpResponse<String> done = c.get(throughProvider(c, "/&#47;evil.example"));
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("url=/&amp;#47;evil.example").doesNotContain("url=/&#47;");
        WebClient d = client();
        HttpResponse<String> elsewhere = d.get(throughProvider(d, "//evil.example/"));
        assertThat(elsewhere.body()).contains("url=/search\"");
    }

    @Test
    void aWrongIdTokenSignsNobodyIn() throws Exception {
        String[] reasons = {"bad_id_token", "bad_id_token", "bad_id_token", "bad_id_token", "no_role"};
        Runnable[] wrongs = {
            () -> idp.nonceOverride = "another-nonce",
            () -> idp.audienceOverride = "another-client",
            () -> idp.expired = true,
            () -> {
                try {
                    idp.signWith = new RSAKeyGenerator(2048).keyID("k1").algorithm(JWSAlgorithm.RS256).generate();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            },
            () -> idp.roles = List.of("researcher"),
        };
        for (int i = 0; i < wrongs.length; i++) {
            behave();
            wrongs[i].run();
            WebClient c = client();
            HttpResponse<String> done = c.get(throughProvider(c, "/search"));
            assertThat(done.statusCode()).as("wrong " + i + ": " + done.body()).isEqualTo(401);
            assertThat(done.body()).as("wrong " + i).contains("(" + reasons[i] + ")");
            assertThat(c.cookies).as("wrong " + i).doesNotContainKey("spejl_session");
            assertThat(c.get("/search").statusCode()).as("wrong " + i).isEqualTo(303);
        }
    }

    @Test
    void anAnswerMeantForAnotherBrowserIsRefused() throws Exception {
        WebClient victim = client();
        WebClient attacker = client();
        String victims = throughProvider(victim, "/search");
        String attackers = throughProvider(attacker, "/search");
        // The attacker's callback, taken by the victim's browser: the state is not the victim's.
        assertThat(victim.get(attackers).statusCode()).isEqualTo(401);
        // The victim's state with the attacker's code: the state fits, but PKCE does not (the code was issued for the
        // attacker's challenge, and the spoke sends the victim's verifier).
        WebClient third = client();
        String thirds = throughProvider(third, "/search");
        String code = attackers.replaceAll(".*code=([^&]*).*", "$1");
        String forged = thirds.replaceAll("code=[^&]*", "code=" + code);
        HttpResponse<String> mixed = third.get(forged);
        assertThat(mixed.statusCode()).isEqualTo(401);
        assertThat(mixed.body()).contains("token_refused").contains("invalid_grant");
        assertThat(third.cookies).doesNotContainKey("spejl_session");
        assertThat(victims).isNotEqualTo(attackers);
    }

    @Test
    void inABrowserTheLoginGoesToTheProviderAndBackAndLogoutEndsTheSession() throws Exception {
        Chromium.require();
        org.openqa.selenium.WebDriver browser = Chromium.start(tmp.resolve("chromium"));
        try {
            String base = "https://127.0.0.1:" + spoke.httpAddress().getPort();
            browser.get(base + "/search?sample_kind=tumour");
            new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("user")));
            assertThat(browser.getCurrentUrl()).isEqualTo(base + "/search?sample_kind=tumour");
            assertThat(browser.findElement(org.openqa.selenium.By.id("user")).getText()).isEqualTo("anna (kliniker)");
            Chromium.screenshot(browser, "20-oidc-signed-in");
            String session = browser.manage().getCookieNamed("spejl_session").getValue();
            browser.findElement(org.openqa.selenium.By.id("logout")).click();
            new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("bye")));
            assertThat(browser.manage().getCookieNamed("spejl_session")).as("the session cookie is gone").isNull();
            // Back to the search: through the provider again (which signs in at once, as one with a live sign-on would), to a new session.
            browser.get(base + "/search");
            new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("user")));
            assertThat(browser.manage().getCookieNamed("spejl_session").getValue()).isNotEqualTo(session);
        } finally {
            browser.quit();
        }
    }
}
