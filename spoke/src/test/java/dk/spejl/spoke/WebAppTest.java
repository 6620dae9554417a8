package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.auth.Lockout;
import dk.spejl.wire.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web app and its logins over real HTTPS on loopback, against a real hub and spoke: who may see what without a
 * login, the login form and its CSRF token, sessions and their cookies, logout, lockout, the pages' security headers
 * and escaping, and the browse log's record of who looked.
 */
class WebAppTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static WebFixture web;

    @BeforeAll
    static void start() throws Exception {
        web = new WebFixture(tmp, 300, Duration.ofSeconds(60), Duration.ofMinutes(5));
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    @Test
    void withoutALoginOnlyHealthReadinessMetricsAndStatusAnswer() throws Exception {
        WebClient anyone = web.client();
        for (String open : List.of("/healthz", "/readyz", "/metrics", "/api/v1/status")) {
            assertThat(anyone.get(open).statusCode()).as(open).isEqualTo(200);
        }
        String id = web.records.get(0).getRecord().getId();
        String subject = web.records.get(0).getRecord().getSubjectPseudonym();
        for (String api : List.of("/api/v1/records", "/api/v1/records/" + id, "/api/v1/subjects/" + subject, "/api/v1/counts")) {
            HttpResponse<String> r = anyone.get(api);
            assertThat(r.statusCode()).as(api).isEqualTo(401);
            assertThat(r.body()).as(api).doesNotContain(id);
            assertThat(r.headers().firstValue("WWW-Authenticate")).as(api).contains("Bearer realm=\"spejl\"");
        }
        for (String page : List.of("/search", "/search?q=" + subject, "/records/" + id, "/subjects/" + subject, "/admin/log")) {
            HttpResponse<String> r = anyone.get(page);
            assertThat(r.statusCode()).as(page).isEqualTo(303);
            assertThat(r.headers().firstValue("Location").orElseThrow()).as(page).startsWith("/login?next=");
            assertThat(r.body()).as(page).doesNotContain(id);
        }
        // A made-up session cookie is no session.
        anyone.cookies.put("spejl_session", "A".repeat(43));
        assertThat(anyone.get("/search").statusCode()).isEqualTo(303);
    }

    @Test
    void aLoginGivesANewHttpOnlyStrictSecureSessionAndLogoutEndsIt() throws Exception {
        WebClient c = web.client();
        HttpResponse<String> form = c.get("/login?next=%2Fsubjects%2Fx");
        assertThat(form.statusCode()).isEqualTo(200);
        String pre = c.cookies.get("spejl_pre");
        assertThat(pre).as("the login form's own cookie").isNotBlank();
        HttpResponse<String> in = c.post("/login", "csrf", WebClient.csrf(form.body()).orElseThrow(), "next", "/search?q=x",
                "name", "klinik", "password", WebFixture.PASSWORD);
        assertThat(in.statusCode()).as(in.body()).isEqualTo(303);
        assertThat(in.headers().firstValue("Location")).contains("/search?q=x");
        String setCookie = in.headers().allValues("set-cookie").stream().filter(s -> s.startsWith("spejl_session=")).findFirst().orElseThrow();
        assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict").contains("Secure").contains("Path=/");
        String session = c.cookies.get("spejl_session");
        assertThat(session).isNotEqualTo(pre);
        assertThat(c.cookies).doesNotContainKey("spejl_pre");

        HttpResponse<String> page = c.get("/search");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("klinik (kliniker)").contains("Region Syddanmark").contains("Revision " + web.revision);
        // The API takes the session too.
        assertThat(c.get("/api/v1/records?limit=1").statusCode()).isEqualTo(200);

        // Logging out needs the form's token; without it nothing happens.
        assertThat(c.post("/logout", "csrf", "forged").statusCode()).isEqualTo(403);
        assertThat(c.get("/search").statusCode()).as("still signed in").isEqualTo(200);
        HttpResponse<String> out = c.post("/logout", "csrf", WebClient.csrf(page.body()).orElseThrow());
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(c.cookies).doesNotContainKey("spejl_session");
        // The old id is dead, even if someone kept it.
        c.cookies.put("spejl_session", session);
        assertThat(c.get("/search").statusCode()).isEqualTo(303);
    }

    @Test
    void aNewLoginEndsTheSessionItCameWithAndAChangedUserEndsAllOfTheirs() throws Exception {
        WebClient c = web.client();
        assertThat(c.login("admin", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        String first = c.cookies.get("spejl_session");
        String token = WebClient.csrf(c.get("/login?next=%2Fsearch").body()).orElse(null);
        assertThat(token).as("a signed-in browser is sent on from the login form").isNull();
        c.cookies.put("spejl_pre", "planted");
        c.post("/login", "csrf", new dk.spejl.spoke.auth.Sessions(java.time.Clock.systemUTC(), Duration.ofMinutes(1), Duration.ofMinutes(1), 1)
                .csrfToken("planted"), "name", "admin", "password", WebFixture.PASSWORD);
        assertThat(c.cookies.get("spejl_session")).as("a token made under another spoke's key signs nobody in").isEqualTo(first);
        WebClient again = web.client();
        String form = WebClient.csrf(again.get("/login").body()).orElseThrow();
        again.cookies.put("spejl_session", first); // a browser that still holds a session signs in again
        assertThat(again.post("/login", "csrf", form, "name", "admin", "password", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        assertThat(again.cookies.get("spejl_session")).isNotEqualTo(first);
        c.cookies.put("spejl_session", first);
        assertThat(c.get("/search").statusCode()).as("the session presented at the login has ended").isEqualTo(303);
        assertThat(again.get("/search").statusCode()).isEqualTo(200);

        // A new password (by the admin's command, say) ends the user's sessions at their next request.
        dk.spejl.spoke.auth.UserStore users = new dk.spejl.spoke.auth.UserStore(tmp.resolve("spoke-web"), java.time.Clock.systemUTC());
        users.setPassword("admin", users.find("admin").orElseThrow().passwordHash());
        assertThat(again.get("/search").statusCode()).isEqualTo(303);
    }

    @Test
    void loginsSentInParallelAreCheckedNoMoreOftenThanTheLockAllows() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                WebClient c = web.client();
                String token = WebClient.csrf(c.get("/login").body()).orElseThrow();
                int n = i;
                answers.add(pool.submit(() -> c.post("/login", "csrf", token, "name", "parallel", "password", "guess-" + n).statusCode()));
            }
            int refused = 0;
            int locked = 0;
            for (var a : answers) {
                int status = a.get();
                assertThat(status).isIn(401, 429, 503);
                refused += status == 401 ? 1 : 0;
                locked += status == 429 ? 1 : 0;
            }
            assertThat(locked).as("the lock came while the burst was still going").isGreaterThan(0);
            assertThat(refused).as("passwords checked and found wrong before the lock").isLessThanOrEqualTo(Lockout.FREE - 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLoginFormWithoutItsTokenIsRefusedAndSignsNobodyIn() throws Exception {
        WebClient c = web.client();
        HttpResponse<String> form = c.get("/login");
        String token = WebClient.csrf(form.body()).orElseThrow();
        HttpResponse<String> none = c.post("/login", "next", "/search", "name", "klinik", "password", WebFixture.PASSWORD);
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("Formularen er udløbet");
        HttpResponse<String> forged = c.post("/login", "csrf", token.substring(1) + "x", "name", "klinik", "password", WebFixture.PASSWORD);
        assertThat(forged.statusCode()).isEqualTo(403);
        // Another browser's token does not fit this browser's cookie.
        WebClient other = web.client();
        String othersToken = WebClient.csrf(other.get("/login").body()).orElseThrow();
        assertThat(c.post("/login", "csrf", othersToken, "name", "klinik", "password", WebFixture.PASSWORD).statusCode()).isEqualTo(403);
        assertThat(c.cookies).doesNotContainKey("spejl_session");
        assertThat(c.get("/search").statusCode()).isEqualTo(303);
    }

    @Test
    void repeatedFailuresLockTheAccountEvenForTheRightPassword() throws Exception {
        WebClient c = web.client();
        for (int i = 1; i < Lockout.FREE; i++) {
            HttpResponse<String> wrong = c.login("laast", "not-the-password-" + i);
            assertThat(wrong.statusCode()).as("failure " + i).isEqualTo(401);
            assertThat(wrong.body()).contains("Forkert brugernavn eller adgangskode");
        }
        HttpResponse<String> locking = c.login("laast", "not-the-password");
        assertThat(locking.statusCode()).isEqualTo(429);
        assertThat(locking.body()).contains("For mange forkerte forsøg");
        HttpResponse<String> right = c.login("laast", WebFixture.PASSWORD);
        assertThat(right.statusCode()).as("locked, whatever the password").isEqualTo(429);
        assertThat(c.cookies).doesNotContainKey("spejl_session");
        // A name that is no user locks the same way: a lock says nothing about who exists.
        for (int i = 0; i < Lockout.FREE; i++) {
            c.login("ingen-saadan", "x" + i);
        }
        assertThat(c.login("ingen-saadan", "y").statusCode()).isEqualTo(429);
        assertThat(web.spoke.metrics().get("spejl_spoke_logins_total").tag("outcome", "locked").counter().count()).isGreaterThanOrEqualTo(2);
        assertThat(web.spoke.metrics().get("spejl_spoke_logins_total").tag("outcome", "wrong_password").counter().count())
                .isGreaterThanOrEqualTo(Lockout.FREE);
    }

    @Test
    void pagesCarryASecurityPolicyAndEscapeWhatTheyAreGiven() throws Exception {
        WebClient c = web.client();
        assertThat(c.login("klinik", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        Record r = web.records.get(3).getRecord();
        for (String path : List.of("/search", "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/records/" + r.getId(),
                "/subjects/" + r.getSubjectPseudonym(), "/login")) {
            HttpResponse<String> page = path.equals("/login") ? web.client().get(path) : c.get(path);
            assertThat(page.headers().firstValue("Content-Type").orElseThrow()).as(path).startsWith("text/html");
            String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).as(path).contains("default-src 'none'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline");
            assertThat(page.headers().firstValue("X-Content-Type-Options")).as(path).contains("nosniff");
            assertThat(page.headers().firstValue("Referrer-Policy")).as(path).contains("no-referrer");
            assertThat(page.headers().firstValue("Strict-Transport-Security")).as(path + " over TLS").contains("max-age=31536000");
            assertThat(page.body()).as(path + ": no inline script").doesNotContainPattern(Pattern.compile("<script(?![^>]*\\bsrc=)"))
                    .doesNotContainPattern(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE));
            assertThat(page.body()).as(path).doesNotContain("<script>alert");
            for (String f : page.body().split("<form")) {
                if (f.contains("method=\"post\"")) {
                    assertThat(f).as(path + ": every posted form carries a CSRF token").contains("name=\"csrf\" value=\"");
                }
            }
        }
        assertThat(c.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").body()).contains("value=\"&lt;script>alert(1)&lt;/script>\"");
        HttpResponse<String> bad = c.get("/search?colour=red");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("colour");
        assertThat(c.get("/records/not%20an%20id").statusCode()).isEqualTo(400);
        assertThat(c.get("/records/ngcf-0000000000000000").statusCode()).as("a well-formed id the revision does not hold").isEqualTo(404);
        assertThat(c.get("/static/..%2F..%2Fetc%2Fpasswd").statusCode()).isEqualTo(404);
        assertThat(c.get("/static/spejl.css").headers().firstValue("Cache-Control")).contains("max-age=300");
        assertThat(c.get("/static/spejl.css").body()).contains("--ink");
    }

    @Test
    void afterALoginTheNextPageStaysOnThisSpoke() throws Exception {
        for (String elsewhere : List.of("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)")) {
            WebClient c = web.client();
            String token = WebClient.csrf(c.get("/login").body()).orElseThrow();
            HttpResponse<String> in = c.post("/login", "csrf", token, "next", elsewhere, "name", "klinik", "password", WebFixture.PASSWORD);
            assertThat(in.headers().firstValue("Location")).as(elsewhere).contains("/search");
        }
    }

    @Test
    void theBrowseLogSaysWhoLookedAndHowTheySignedIn() throws Exception {
        WebClient c = web.client();
        assertThat(c.login("klinik", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        Record r = web.records.get(5).getRecord();
        assertThat(c.get("/records/" + r.getId()).statusCode()).isEqualTo(200);
        MerkleLog log = web.spoke.browseLog().merkleLog();
        JsonNode last = JSON.readTree(log.entry(log.size() - 1).orElseThrow());
        assertThat(last.path("who").path("user").asText()).isEqualTo("klinik");
        assertThat(last.path("who").path("mode").asText()).isEqualTo("local");
        assertThat(last.path("who").path("roles").asText()).isEqualTo("clinician");
        assertThat(last.path("action").asText()).isEqualTo("record");
        assertThat(last.path("shown").toString()).contains(r.getId());

        // The admin page lists the log; a clinician may not see it.
        assertThat(c.get("/admin/log").statusCode()).isEqualTo(403);
        WebClient admin = web.client();
        assertThat(admin.login("admin", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        HttpResponse<String> page = admin.get("/admin/log");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/records/" + r.getId()).contains("klinik");
    }

    @Test
    void englishIsOneClickAwayAndStays() throws Exception {
        WebClient c = web.client();
        assertThat(c.login("klinik", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        assertThat(c.get("/search").body()).contains("lang=\"da\"").contains("Søg i kataloget");
        HttpResponse<String> to = c.get("/language?to=en&back=%2Fsearch%3Fq%3Dcram");
        assertThat(to.headers().firstValue("Location")).contains("/search?q=cram");
        String page = c.get("/search").body();
        assertThat(page).contains("lang=\"en\"").contains("Search the catalogue").contains("klinik (clinician)");
        assertThat(c.get("/language?to=da&back=https%3A%2F%2Fevil.example").headers().firstValue("Location")).contains("/search");
    }

    @Test
    void aScriptUsesTheApiWithABearerTokenWhileItsUserMayAndTheLogSaysSo() throws Exception {
        java.nio.file.Path data = tmp.resolve("spoke-web");
        dk.spejl.spoke.auth.TokenStore tokens = new dk.spejl.spoke.auth.TokenStore(data, java.time.Clock.systemUTC());
        String token = tokens.create("klinik", "test", java.util.Optional.of(Duration.ofDays(1))).token();
        WebClient script = web.client();
        java.util.function.Function<String, HttpResponse<String>> get = auth -> {
            try {
                return script.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(script.base + "/api/v1/records?limit=2"))
                        .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        HttpResponse<String> ok = get.apply("Bearer " + token);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        MerkleLog log = web.spoke.browseLog().merkleLog();
        JsonNode last = JSON.readTree(log.entry(log.size() - 1).orElseThrow());
        assertThat(last.path("who").path("user").asText()).isEqualTo("klinik");
        assertThat(last.path("who").path("mode").asText()).isEqualTo("token");
        long entries = log.size();
        for (String bad : List.of("Bearer " + token.substring(0, token.length() - 2) + "xx", "Bearer spejl_000000000000_" + "A".repeat(43),
                "Bearer nonsense", "Basic a2xpbmlrOmtvcnJla3Q=")) {
            HttpResponse<String> refused = get.apply(bad);
            assertThat(refused.statusCode()).as(bad).isEqualTo(401);
            assertThat(refused.body()).as(bad).doesNotContain("\"hits\"");
        }
        assertThat(log.size()).as("a refused request shows nothing, so logs no view").isEqualTo(entries);
        // Disabling the user stops the token at once; enabling starts it again; revoking ends it.
        dk.spejl.spoke.auth.UserStore users = new dk.spejl.spoke.auth.UserStore(data, java.time.Clock.systemUTC());
        users.setDisabled("klinik", true);
        try {
            assertThat(get.apply("Bearer " + token).statusCode()).isEqualTo(401);
        } finally {
            users.setDisabled("klinik", false);
        }
        assertThat(get.apply("Bearer " + token).statusCode()).isEqualTo(200);
        tokens.revoke(token.substring(6, 18));
        assertThat(get.apply("Bearer " + token).statusCode()).isEqualTo(401);
    }

    @Test
    void theRecordPageShowsEveryMirroredField() throws Exception {
        WebClient c = web.client();
        assertThat(c.login("klinik", WebFixture.PASSWORD).statusCode()).isEqualTo(303);
        for (int n = 0; n < 20; n++) {
            Record r = web.records.get(n).getRecord();
            String page = c.get("/records/" + r.getId()).body();
            for (var field : r.getAllFields().entrySet()) {
                String name = field.getKey().getName();
                Object value = field.getValue();
                List<String> expected = switch (name) {
                    case "status", "sample_kind", "file_format", "platform", "owner_region" -> List.of(); // shown as words, below
                    case "size_bytes" -> List.of(String.format(java.util.Locale.forLanguageTag("da"), "%,d", r.getSizeBytes()).replace('\u00a0', '.'));
                    case "read_length" -> List.of(Integer.toString(r.getReadLength()));
                    case "checksums" -> r.getChecksumsList().stream().map(dk.spejl.wire.Checksum::getValue).toList();
                    case "derived_from", "data_use" -> ((List<?>) value).stream().map(Object::toString).toList();
                    default -> List.of(value.toString());
                };
                for (String v : expected) {
                    assertThat(page).as(r.getId() + " " + name).contains(v);
                }
            }
            dk.spejl.spoke.web.MessagesAccess m = new dk.spejl.spoke.web.MessagesAccess("da");
            assertThat(page).as(r.getId() + " status").contains(m.value("status", dk.spejl.spoke.browse.RecordJson.spell(r.getStatus().getValueDescriptor())));
            assertThat(page).as(r.getId() + " owner").contains(m.value("owner_region", r.getOwnerRegion()));
            assertThat(page).as(r.getId() + " kind").contains(m.value("sample_kind", dk.spejl.spoke.browse.RecordJson.spell(r.getSampleKind().getValueDescriptor())));
        }
    }
}
