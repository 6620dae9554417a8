package dk.spejl.spoke;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's headless Chromium, driven by its own chromedriver (paths set, so that Selenium never fetches a driver),
 * quiet on the network. Without Chromium a test is skipped, unless {@code SPEJL_SYSTEM_TESTS=required} (as
 * {@code .ci/run} sets it), when it fails.
 */
final class Chromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target/screenshots");

    private Chromium() {
    }

    /** Skips the calling test class when there is no Chromium (or fails it where one is required). */
    static void require() {
        boolean present = Files.isExecutable(BINARY) && Files.isExecutable(DRIVER);
        if (!present && "required".equals(System.getenv("SPEJL_SYSTEM_TESTS"))) {
            throw new IllegalStateException("browser tests need " + BINARY + " and " + DRIVER + ": apt-get install -y chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "no Chromium here (apt-get install -y chromium chromium-driver); browser tests skipped");
    }

    /** A browser at 1366×768 with a profile in {@code dir}; it accepts the tests' own CA's certificates. */
    static WebDriver start(Path dir) throws Exception {
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--ignore-certificate-errors", "--user-data-dir=" + Files.createDirectories(dir));
        WebDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
        return browser;
    }

    /**
     * Waits up to 10 s for a visible element matching {@code css}. While a page gives way to the next, Chromium may
     * answer that a node just found "does not belong to the document" (as well as calling it stale): that is the old
     * page going, and the element is looked for again.
     */
    static WebElement find(WebDriver browser, String css) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            try {
                return ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)).apply(d);
            } catch (WebDriverException e) {
                if (leftTheDocument(e)) {
                    return null;
                }
                throw e;
            }
        });
    }

    /** Waits until {@code element} has left the document, as the page it was on gives way to the next. */
    static void awaitGone(WebDriver browser, WebElement element) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            try {
                element.isEnabled();
                return false;
            } catch (StaleElementReferenceException e) {
                return true;
            } catch (WebDriverException e) {
                if (leftTheDocument(e)) {
                    return true;
                }
                throw e;
            }
        });
    }

    private static boolean leftTheDocument(WebDriverException e) {
        return String.valueOf(e.getMessage()).contains("does not belong to the document");
    }

    static void screenshot(WebDriver browser, String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
