package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.UserStore;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Working copies in a real browser: a clinician at Region Syddanmark's spoke asks, a steward at Region Hovedstaden's
 * spoke (the owner) decides, grants and revokes, over HTTPS against a real hub. The two spokes are reached by different
 * host names (127.0.0.1 and localhost), so one browser holds both sessions. Screenshots go to target/screenshots/.
 */
class AccessBrowserTest {
    private static final String PASSWORD = "korrekt-hest-batteri";
    /** The heading of the page a form without its session's token gets. */
    private static final String CSRF_REFUSED = dk.spejl.spoke.web.MessagesAccess.lookup("da", "error.csrf");
    @TempDir
    static Path tmp;
    static Cluster cluster;
    static WebDriver browser;
    static String clinic;
    static String owner;
    static List<String> records;

    @BeforeAll
    static void start() throws Exception {
        Chromium.require();
        cluster = new Cluster(tmp.resolve("cluster"), new SnapshotPolicy(1000, 0.25, 2), b -> b.accessCheckpoints(1, Duration.ofMillis(50)));
        List<HubRecord> generated = new CatalogueGenerator(5150).generate(150);
        long revision = cluster.put(generated);
        records = generated.stream().map(HubRecord::getRecord).filter(r -> r.getOwnerRegion().equals("hovedstaden"))
                .filter(r -> r.getStatus() != dk.spejl.wire.Status.WITHDRAWN).map(dk.spejl.wire.Record::getId).toList();
        clinic = "https://127.0.0.1:" + spoke("ouh", "syddanmark", "klinik", Role.CLINICIAN, revision).httpAddress().getPort();
        owner = "https://localhost:" + spoke("rh", "hovedstaden", "forvalter", Role.STEWARD, revision).httpAddress().getPort();
        browser = Chromium.start(tmp.resolve("chromium"));
    }

    private static Spoke spoke(String name, String region, String user, Role role, long revision) throws Exception {
        Path data = cluster.dir.resolve("spoke-" + name);
        new UserStore(data, Clock.systemUTC()).add(user, Set.of(role), new Passwords(1, 10_000).hash(PASSWORD.toCharArray()));
        TlsFiles https = ServerPki.create(tmp.resolve("https-" + name), name, List.of("localhost"), List.of("127.0.0.1"));
        Spoke spoke = cluster.spokeBuilder(name).tls(cluster.enrol(name, region)).logins(Logins.LOCAL).httpTls(https).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
        return spoke;
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static WebElement find(String css) {
        return Chromium.find(browser, css);
    }

    static void signIn(String base, String name) {
        browser.get(base + "/login");
        find("#name").sendKeys(name);
        find("#password").sendKeys(PASSWORD);
        ((JavascriptExecutor) browser).executeScript("document.documentElement.dataset.answered = 'not yet';");
        find("#login-button").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> ((JavascriptExecutor) d).executeScript(
                "return document.readyState === 'complete' && document.documentElement.dataset.answered === undefined;"));
    }

    /** Clicks and waits for the page it leads to. */
    static void submit(String css) {
        WebElement button = find(css);
        button.click();
        awaitGone(button);
    }

    static void awaitGone(WebElement element) {
        Chromium.awaitGone(browser, element);
    }

    /** The clinician asks for record {@code n}; returns the request's page address. */
    static String ask(int n, String justification) throws Exception {
        browser.get(clinic + "/records/" + records.get(n));
        submit("#ask-copy");
        find("#episode").sendKeys("forløb 2026-" + n);
        find("#justification").sendKeys(justification);
        submit("#request-submit");
        assertThat(browser.getCurrentUrl()).contains("/requests/req-");
        return browser.getCurrentUrl().substring(clinic.length());
    }

    static void decide(String request, String decision, String reason) {
        browser.get(owner + request);
        if (reason != null) {
            find("#reason").sendKeys(reason);
        }
        submit("#" + decision);
    }

    static String state(String base, String request) {
        browser.get(base + request);
        return find("#state").getText();
    }

    @Test
    void aClinicianAsksAndTheOwnersStewardDecidesGrantsAndRevokes() throws Exception {
        signIn(clinic, "klinik");
        signIn(owner, "forvalter");

        // Request → inbox → approve.
        String first = ask(0, "Recidiv, behandling planlægges.");
        assertThat(find("#state").getText()).isEqualTo("afventer afgørelse");
        Chromium.screenshot(browser, "access-01-requested");
        browser.get(owner + "/inbox");
        assertThat(find("#inbox").getText()).contains(first.substring("/requests/".length()), "afventer afgørelse", "klinik (Region Syddanmark)");
        Chromium.screenshot(browser, "access-02-inbox");
        browser.get(owner + first);
        Chromium.screenshot(browser, "access-03-decide");
        decide(first, "approve", null);
        assertThat(find("#state").getText()).isEqualTo("godkendt");
        assertThat(state(clinic, first)).isEqualTo("godkendt");
        browser.get(clinic + "/requests");
        assertThat(find("#mine").getText()).contains(first.substring("/requests/".length()), "godkendt");
        Chromium.screenshot(browser, "access-04-mine");

        // Deny, with a reason the clinician reads.
        String second = ask(1, "Second opinion.");
        decide(second, "deny", "Ikke nødvendigt for behandlingen.");
        assertThat(state(clinic, second)).isEqualTo("afvist");
        assertThat(find("#history").getText()).contains("afvist", "Ikke nødvendigt for behandlingen.");
        Chromium.screenshot(browser, "access-05-denied");

        // Return → amend → approve.
        String third = ask(2, "Kort.");
        decide(third, "return", "Angiv hvilken analyse der er brug for.");
        assertThat(state(clinic, third)).isEqualTo("sendt tilbage");
        assertThat(find("#history").getText()).contains("Angiv hvilken analyse der er brug for.");
        Chromium.screenshot(browser, "access-06-returned");
        find("#amend-form #justification").clear();
        find("#amend-form #justification").sendKeys("Variantkald af tumorprøven til MDT-konference.");
        submit("#amend-submit");
        assertThat(find("#state").getText()).isEqualTo("afventer afgørelse");
        decide(third, "approve", null);
        assertThat(state(clinic, third)).isEqualTo("godkendt");
        assertThat(find("#justification-shown").getText()).isEqualTo("Variantkald af tumorprøven til MDT-konference.");

        // A grant: the next request it covers is approved at once.
        browser.get(owner + "/grants");
        find("#grantee_region option[value=syddanmark]").click();
        find("#record_ids").sendKeys(records.get(3));
        ((JavascriptExecutor) browser).executeScript("document.getElementById('valid_to').value = arguments[0];",
                LocalDate.now().plusDays(60).toString());
        find("#grant-reason").sendKeys("Fælles sarkomforløb.");
        submit("#grant-submit");
        assertThat(find("#grants").getText()).contains("Region Syddanmark", records.get(3), "forvalter@hovedstaden");
        String grant = browser.findElement(By.cssSelector("#grants tbody tr td")).getText();
        Chromium.screenshot(browser, "access-07-grants");
        String fourth = ask(3, "Dækket af tilladelse.");
        assertThat(find("#state").getText()).isEqualTo("godkendt");
        assertThat(find("#grant-shown").getText()).isEqualTo(grant);
        Chromium.screenshot(browser, "access-08-by-grant");

        // Revoking the grant revokes the approval it made.
        browser.get(owner + "/grants");
        find("#revoke-reason-" + grant).sendKeys("Forløbet er afsluttet.");
        submit("#revoke-" + grant);
        assertThat(find("#row-" + grant).getText()).contains("Tilbagekaldt");
        assertThat(state(clinic, fourth)).isEqualTo("tilbagekaldt");

        // The steward's access history: every entry about the region's records, each in the witnessed log.
        browser.get(owner + "/access-history");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> {
            d.navigate().refresh();
            return !d.findElements(By.cssSelector(".proof-verified")).isEmpty() && d.findElements(By.cssSelector(".proof-pending")).isEmpty();
        });
        assertThat(find("#witnessed").getText()).startsWith("Bevidnet kontrolpost:");
        assertThat(browser.findElements(By.cssSelector("#access-history tbody tr"))).hasSizeGreaterThanOrEqualTo(10);
        assertThat(browser.findElements(By.cssSelector(".proof-failed"))).isEmpty();
        Chromium.screenshot(browser, "access-09-history");

        // A clinician cannot open the stewards' pages.
        for (String page : List.of("/inbox", "/grants", "/access-history")) {
            browser.get(clinic + page);
            assertThat(find("h1").getText()).as(page).isEqualTo("Ingen adgang");
            assertThat(find("#error-detail").getText()).contains("dataansvarlig");
        }
        Chromium.screenshot(browser, "access-10-forbidden");

        // A form without the session's token changes nothing, nor does a clinician's post of a steward's form; the
        // requester's own form, with its token, cancels.
        String fifth = ask(4, "Til annullering.");
        String token = browser.findElement(By.cssSelector("#cancel-form input[name=csrf]")).getDomAttribute("value");
        assertThat(post(fifth + "/cancel", "csrf", "forfalsket")).isEqualTo(CSRF_REFUSED);
        assertThat(post(fifth + "/cancel")).isEqualTo(CSRF_REFUSED);
        assertThat(post(fifth + "/decision", "csrf", token, "decision", "approve")).isEqualTo("Ingen adgang");
        assertThat(post("/grants", "csrf", token, "grantee_region", "syddanmark", "valid_to", "2030-01-01", "reason", "x")).isEqualTo("Ingen adgang");
        assertThat(state(clinic, fifth)).isEqualTo("afventer afgørelse");
        submit("#cancel");
        assertThat(find("#state").getText()).isEqualTo("trukket tilbage");
    }

    /** Posts a form made on the current page (as another site's page would make it); returns the heading of the answer. */
    static String post(String path, String... fields) {
        WebElement html = browser.findElement(By.tagName("html"));
        ((JavascriptExecutor) browser).executeScript("const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
                + "const v = arguments[1]; for (let i = 0; i < v.length; i += 2) { const e = document.createElement('input');"
                + " e.type = 'hidden'; e.name = v[i]; e.value = v[i + 1]; f.appendChild(e); } document.body.appendChild(f); f.submit();",
                path, List.of(fields));
        awaitGone(html);
        return find("h1").getText();
    }
}
