package dk.spejl.spoke;

import dk.spejl.wire.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web app in a real browser: Debian's headless Chromium driven by Selenium, over HTTPS on loopback, against a real
 * hub and spoke. Each step saves a screenshot under {@code target/screenshots/}. Without Chromium the tests are skipped,
 * unless {@code SPEJL_SYSTEM_TESTS=required} (as {@code .ci/run} sets it), when they fail.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserTest {
    @TempDir
    static Path tmp;
    static WebFixture web;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Chromium.require();
        // Heartbeats every second and a three-second window, so that the stale banner comes soon after the hub goes.
        web = new WebFixture(tmp.resolve("cluster"), 300, Duration.ofSeconds(1), Duration.ofSeconds(3));
        browser = Chromium.start(tmp.resolve("chromium"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (web != null) {
            web.close();
        }
    }

    static void open(String path) {
        browser.get(web.base() + path);
    }

    static void screenshot(String name) throws Exception {
        Chromium.screenshot(browser, name);
    }

    static WebElement find(String css) {
        return Chromium.find(browser, css);
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    static void signIn(String name, String password) {
        open("/login");
        find("#name").sendKeys(name);
        find("#password").sendKeys(password);
        js("document.documentElement.dataset.answered = 'not yet';");
        find("#login-button").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> js("return document.readyState === 'complete' "
                + "&& document.documentElement.dataset.answered === undefined;")); // the answer's page has loaded
    }

    @Test
    @Order(1)
    void aClinicianSignsInSearchesFiltersPagesAndFollowsASubjectsFiles() throws Exception {
        open("/search");
        assertThat(browser.getCurrentUrl()).contains("/login?next=");
        screenshot("01-login");
        signIn("klinik", WebFixture.PASSWORD);
        find("#results");
        assertThat(browser.getCurrentUrl()).endsWith("/search");
        assertThat(find("#user").getText()).isEqualTo("klinik (kliniker)");
        assertThat(find("#freshness").getText()).contains("Revision " + web.revision).contains("opdateret for");
        assertThat(find("#results-heading").getText()).isEqualTo("300 filer");
        screenshot("02-search");

        // Tick a filter: the search runs at once, and the URL says so.
        WebElement cram = browser.findElements(By.cssSelector("input[name=file_format]")).stream()
                .filter(e -> "cram".equals(e.getDomAttribute("value"))).findFirst().orElseThrow();
        cram.click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("file_format=cram"));
        long crams = web.records.stream().filter(r -> r.getRecord().getFileFormat() == dk.spejl.wire.FileFormat.CRAM).count();
        assertThat(find("#results-heading").getText()).isEqualTo(crams + " filer");
        for (WebElement format : browser.findElements(By.cssSelector("#results tbody td:nth-child(4)"))) {
            assertThat(format.getText()).isEqualTo("CRAM");
        }
        screenshot("03-filtered");

        // Sort by size, then page.
        open("/search");
        browser.findElement(By.linkText("Størrelse")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("sort=size_bytes"));
        List<String> firstPage = ids();
        find("#next-page").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("cursor="));
        List<String> secondPage = ids();
        assertThat(firstPage).hasSize(50);
        assertThat(secondPage).hasSize(50).doesNotContainAnyElementsOf(firstPage);
        screenshot("04-page-two");

        // A record with lineage: follow it to its parent, then to the subject.
        Record derived = web.records.stream().map(r -> r.getRecord()).filter(r -> r.getDerivedFromCount() > 0).findFirst().orElseThrow();
        open("/records/" + derived.getId());
        assertThat(find("#record-id").getDomProperty("value")).isEqualTo(derived.getId());
        assertThat(find("#lineage").getText()).contains(derived.getDerivedFrom(0)).contains(derived.getId());
        find("#copy-id").click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.textToBe(By.cssSelector(".copied"), "Kopieret"));
        screenshot("05-record");
        find("#lineage a").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("/records/" + derived.getDerivedFrom(0)));
        assertThat(find("#lineage .current").getText()).contains(derived.getDerivedFrom(0));
        assertThat(find("#lineage").getText()).as("the parent shows its derivative").contains(derived.getId());
        browser.findElement(By.linkText(derived.getSubjectPseudonym())).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("/subjects/"));
        long files = web.records.stream().filter(r -> r.getRecord().getSubjectPseudonym().equals(derived.getSubjectPseudonym())).count();
        assertThat(browser.findElements(By.cssSelector("section.sample tbody tr"))).hasSize((int) files);
        screenshot("06-subject");
    }

    private static List<String> ids() {
        List<String> ids = new ArrayList<>();
        browser.findElements(By.cssSelector("a.record-link")).forEach(a -> ids.add(a.getText()));
        return ids;
    }

    @Test
    @Order(2)
    void theSearchPageWorksFromTheKeyboardWithVisibleFocus() throws Exception {
        open("/search");
        find("#results");
        js("document.activeElement.blur(); window.scrollTo(0, 0);");
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            new Actions(browser).sendKeys(Keys.TAB).perform();
            WebElement focused = browser.switchTo().activeElement();
            String id = focused.getDomAttribute("id");
            reached.add(id != null ? "#" + id : focused.getTagName() + "." + focused.getDomAttribute("class"));
            String outline = (String) js("var s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth;");
            assertThat(outline).as("visible focus on " + reached.get(i)).doesNotStartWith("none").doesNotEndWith(" 0px");
        }
        assertThat(reached.get(0)).as("the first tab reaches the skip link").isEqualTo("a.skip");
        for (WebElement control : browser.findElements(By.cssSelector("input:not([type=hidden]), button, select, a[href]"))) {
            assertThat(control.getAccessibleName()).as("every control has a name: " + control.getTagName() + "#" + control.getDomAttribute("id"))
                    .isNotBlank();
        }
        assertThat(reached).as("tabbing reaches the free text, the search button, the filters and the results")
                .contains("#q", "#search-button", "#language", "#logout").anyMatch(r -> r.startsWith("#f-file_format"));
        screenshot("07-keyboard");
        // The free text from the keyboard alone.
        WebElement q = find("#q");
        q.clear();
        q.sendKeys(web.records.get(0).getRecord().getSubjectPseudonym(), Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("q="));
        assertThat(ids()).contains(web.records.get(0).getRecord().getId());
        // A filter ticked with the space bar.
        open("/search");
        WebElement box = find("input[name=sample_kind]");
        js("arguments[0].focus();", box);
        new Actions(browser).sendKeys(Keys.SPACE).perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("sample_kind="));
    }

    @Test
    @Order(3)
    void textHasAaContrastAndThePagesFitALaptopAndATablet() throws Exception {
        String record = web.records.get(1).getRecord().getId();
        String subject = web.records.get(1).getRecord().getSubjectPseudonym();
        for (Dimension size : List.of(new Dimension(1366, 768), new Dimension(820, 1180))) {
            browser.manage().window().setSize(size);
            for (String path : List.of("/search", "/records/" + record, "/subjects/" + subject)) {
                open(path);
                find("main");
                Number overflow = (Number) js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
                assertThat(overflow.intValue()).as(path + " at " + size + ": no sideways scrolling").isLessThanOrEqualTo(0);
                String worst = (String) js(CONTRAST);
                assertThat(Double.parseDouble(worst.split(" ", 2)[0])).as(path + " at " + size + ": lowest contrast, " + worst)
                        .isGreaterThanOrEqualTo(4.5);
                screenshot("08-" + size.getWidth() + "-" + path.split("/")[1]);
            }
        }
        browser.manage().window().setSize(new Dimension(1366, 768));
    }

    /** The lowest contrast ratio (WCAG 2.x) of any visible text on the page against its background, and where. */
    static final String CONTRAST = """
            function rgb(c) { var m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0,0,0,0]; }
            function lum(c) { var v = c.slice(0,3).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
              return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
            function bg(e) { for (; e; e = e.parentElement) { var c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; }
              return [255,255,255,1]; }
            var worst = 99, where = '';
            document.querySelectorAll('body *').forEach(function (e) {
              var text = Array.from(e.childNodes).some(function (n) { return n.nodeType === 3 && n.textContent.trim(); });
              if (!text || !e.getClientRects().length || e.closest('.skip')) return;
              var a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
              var r = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
              if (r < worst) { worst = r; where = e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 40); }
            });
            return worst.toFixed(2) + ' ' + where;""";

    @Test
    @Order(4)
    void englishIsOneClickAwayAndTheSearchStaysAsItWas() throws Exception {
        open("/search?file_format=vcf");
        find("#language").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.textToBe(By.cssSelector("#language"), "Dansk"));
        assertThat(browser.getCurrentUrl()).contains("file_format=vcf");
        assertThat(find("html").getDomAttribute("lang")).isEqualTo("en");
        assertThat(find("#user").getText()).isEqualTo("klinik (clinician)");
        assertThat(find("#results-heading").getText()).endsWith("files");
        screenshot("09-english");
        find("#language").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.textToBe(By.cssSelector("#language"), "English"));
    }

    @Test
    @Order(5)
    void aFormWithAForgedTokenDoesNothingAndLogoutEndsTheSession() throws Exception {
        open("/search");
        js("document.querySelector('form[action=\"/logout\"] input[name=csrf]').value = 'forged';");
        find("#logout").click();
        assertThat(find("h1").getText()).isEqualTo("Formularen er udløbet");
        screenshot("10-csrf-refused");
        open("/search");
        assertThat(find("#user").getText()).as("still signed in").startsWith("klinik");
        find("#logout").click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("/login"));
        assertThat(find(".notice").getText()).isEqualTo("Du er logget ud.");
        open("/search");
        assertThat(browser.getCurrentUrl()).as("signed out").contains("/login");
    }

    @Test
    @Order(6)
    void repeatedWrongPasswordsLockTheAccount() throws Exception {
        for (int i = 0; i < dk.spejl.spoke.auth.Lockout.FREE; i++) {
            signIn("laast", "forkert-" + i);
        }
        assertThat(find("#login-error").getText()).startsWith("For mange forkerte forsøg");
        signIn("laast", WebFixture.PASSWORD);
        assertThat(find("#login-error").getText()).startsWith("For mange forkerte forsøg");
        screenshot("11-locked");
    }

    @Test
    @Order(7)
    void whenTheHubGoesAwayTheStaleBannerSaysSinceWhen() throws Exception {
        signIn("klinik", WebFixture.PASSWORD);
        find("#results");
        assertThat(browser.findElements(By.id("stale"))).as("fresh while the hub beats").isEmpty();
        web.cluster.stopHub();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (browser.findElements(By.id("stale")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            open("/search");
        }
        assertThat(find("#stale").getText()).startsWith("Data er forældede siden");
        assertThat(find("#results-heading").getText()).as("the last verified revision is still shown").isEqualTo("300 filer");
        screenshot("12-stale");
    }

}
