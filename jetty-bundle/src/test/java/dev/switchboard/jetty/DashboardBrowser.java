package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The one headless Chromium the dashboard's browser tests share (Debian's {@code chromium} driven by its
 * {@code chromedriver}, both from {@code /usr/bin}), started on first use and quit when the JVM ends. Without them
 * every browser test is skipped, with one loud line; with the environment variable {@code CI} set, a missing
 * browser fails the test instead, so CI always runs them ({@code .ci/run} installs both). Plus the few steps every
 * browser test takes: sign in, wait, screenshot. Not thread-safe: JUnit runs these classes one after another.
 */
final class DashboardBrowser {

    static final Path CHROMIUM = Path.of(System.getProperty("switchboard.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("switchboard.chromedriver", "/usr/bin/chromedriver"));
    /** Where screenshots go (the README's come from here). */
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** The widths the page must be readable at (SPEC section 14 and issue 16). */
    static final int WIDE = 1280;
    static final int NARROW = 800;
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** Selenium warns that it has no CDP bindings for this Chromium: the tests use WebDriver only, so keep it quiet. */
    private static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");
    private static WebDriver driver;
    private static boolean skipSaid;

    private DashboardBrowser() {
    }

    /**
     * @return the shared browser, at {@link #WIDE}
     * @throws org.opentest4j.TestAbortedException without a browser (outside CI)
     * @throws AssertionError without a browser in CI
     */
    static synchronized WebDriver get() {
        if (driver == null) {
            boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
            if (!present) {
                String why = "no " + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM)
                        + " (apt-get install chromium chromium-driver)";
                if (isCi()) {
                    throw new AssertionError("dashboard browser tests cannot run in CI: " + why);
                }
                if (!skipSaid) {
                    skipSaid = true;
                    System.err.println("!!!!! DASHBOARD BROWSER TESTS SKIPPED: " + why
                            + "; they run (and CI=true requires them) where a browser is installed !!!!!");
                }
                Assumptions.abort("no browser: " + why);
            }
            SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    "--window-size=" + WIDE + ",900", "--lang=en-GB");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort().build();
            driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(WAIT);
            WebDriver started = driver;
            Runtime.getRuntime().addShutdownHook(new Thread(started::quit, "chromium-quit"));
        }
        width(WIDE);
        return driver;
    }

    static boolean isCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /** Sets the viewport's width (the height stays 900). */
    static void width(int px) {
        Dimension now = driver.manage().window().getSize();
        if (now.getWidth() != px) {
            driver.manage().window().setSize(new Dimension(px, 900));
        }
    }

    /** Waits for {@code condition}; an element replaced meanwhile (the page re-rendered) is looked up again. */
    static <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(condition::apply);
    }

    static WebElement visible(By by) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    static void textIs(By by, String text) {
        until(d -> {
            List<WebElement> found = d.findElements(by);
            return !found.isEmpty() && found.get(0).getText().equals(text);
        });
    }

    static void textContains(By by, String text) {
        until(d -> {
            List<WebElement> found = d.findElements(by);
            return !found.isEmpty() && found.get(0).getText().contains(text);
        });
    }

    /** Opens the dashboard of the gateway at {@code base} on {@code route}, signing in first when it asks. */
    static void open(String base, String token, String route) {
        // A full load every time (a bare hash change would leave the previous page's heading in place).
        driver.get("about:blank");
        driver.get(base + "/admin/#" + route);
        until(d -> !d.findElements(By.id("signin-form")).isEmpty() || !d.findElements(By.cssSelector("main h1")).isEmpty());
        if (!driver.findElements(By.id("signin-form")).isEmpty()) {
            WebElement input = visible(By.id("token"));
            input.clear();
            input.sendKeys(token);
            driver.findElement(By.id("signin-submit")).click();
            visible(By.id("sign-out"));
        }
        until(d -> !d.findElements(By.cssSelector("main h1")).isEmpty());
    }

    /** Waits for the page of {@code heading} to be drawn. */
    static void page(String heading) {
        textIs(By.cssSelector("main h1"), heading);
    }

    /** @return whether the page needs no sideways scrolling at the current width */
    static boolean fitsWidth() {
        Object r = ((JavascriptExecutor) driver).executeScript(
                "return document.documentElement.scrollWidth <= window.innerWidth;");
        return Boolean.TRUE.equals(r);
    }

    /** Saves a screenshot as {@code target/screenshots/<name>.png}. */
    static Path screenshot(String name) {
        byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, png);
            assertThat(png).hasSizeGreaterThan(1000);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a screenshot of the whole page, as tall as it is (then the window is as before). */
    static Path fullPageScreenshot(String name) {
        Dimension before = driver.manage().window().getSize();
        long height = (Long) script("return Math.ceil(document.documentElement.scrollHeight);");
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(4000, height + 140)));
        try {
            return screenshot(name);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** Runs {@code script} in the page (an async script: it calls {@code arguments[arguments.length - 1]}). */
    static Object async(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    static Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }
}
