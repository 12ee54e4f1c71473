package dev.switchboard.jetty;

import static dev.switchboard.jetty.DashboardBrowser.open;
import static dev.switchboard.jetty.DashboardBrowser.page;
import static dev.switchboard.jetty.DashboardBrowser.textContains;
import static dev.switchboard.jetty.DashboardBrowser.textIs;
import static dev.switchboard.jetty.DashboardBrowser.until;
import static dev.switchboard.jetty.DashboardBrowser.visible;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * SPEC section 14's other pages in Chromium: Try (the decision step by step, and a real test request with its
 * status, headers and answer), Experiments (per-arm numbers, charts over time, the sample-ratio check and the
 * comparison verdicts of a split whose second target is known to be slower and wordier) and Status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class DashboardPagesBrowserTest {

    private static final int REQUESTS_PER_ARM = 40;

    @TempDir
    static Path dir;
    private DashboardGateway gw;
    private WebDriver driver;

    @BeforeAll
    void start() throws Exception {
        driver = DashboardBrowser.get();
        gw = new DashboardGateway(dir, """
                - {source: smart, target: up/gpt-small, user_paths: [/acme/ml], description: for the ML team}
                - {source: ab, strategy: round_robin, targets: [up/gpt-small, up/gpt-large]}
                """);
        // Traffic for the experiment: round robin gives each arm exactly half; 8 callers at once.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            // A cold gateway's first requests take hundreds of milliseconds (class loading, the JIT): sent into the
            // experiment, they hid its planted 38 ms difference in a busy hour ("no difference"). Warmed outside it.
            for (int i = 0; i < 16; i++) {
                assertThat(gw.chat("up/gpt-5", null).statusCode()).isEqualTo(200);
            }
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 0; i < 2 * REQUESTS_PER_ARM; i++) {
                sent.add(pool.submit(() -> gw.chat("ab", null).statusCode()));
            }
            for (Future<Integer> f : sent) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldExplainTheDecisionStepByStepForAUserPath() {
        open(gw.base, DashboardGateway.TOKEN, "/try");
        page("Try a model");
        driver.findElement(By.id("try-model")).sendKeys("smart");
        driver.findElement(By.id("try-user-path")).sendKeys("/acme/ml/alice", Keys.ENTER);
        textIs(By.id("try-verdict"), "Allowed");
        List<String> steps = visible(By.id("try-steps")).findElements(By.tagName("li")).stream().map(WebElement::getText).toList();
        assertThat(steps).hasSizeGreaterThanOrEqualTo(2);
        assertThat(String.join("\n", steps)).contains("smart").contains("up/gpt-small");
        assertThat(driver.findElement(By.id("try-decision")).getText()).contains("Concrete model\nup/gpt-small");
        // The address keeps the question: a reload asks again.
        assertThat(driver.getCurrentUrl()).contains("#/try?model=smart&user_path=%2Facme%2Fml%2Falice");

        // Outside the redirect's paths the name is not redirected: the steps say so.
        WebElement path = driver.findElement(By.id("try-user-path"));
        path.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        path.sendKeys("/elsewhere", Keys.ENTER);
        // (Wait for the new decision itself: "Resolving…" comes first.)
        textContains(By.id("try-decision"), "Redirect\nnone");
        assertThat(driver.findElement(By.id("try-decision")).getText()).doesNotContain("Concrete model\nup/gpt-small");
    }

    @Test
    void shouldSendATestRequestAndShowTheAnswer() {
        open(gw.base, DashboardGateway.TOKEN, "/try?model=smart&user_path=/acme/ml/alice");
        textIs(By.id("try-verdict"), "Allowed");
        driver.findElement(By.id("try-send")).click();
        textContains(By.id("try-status"), "HTTP 200");
        textIs(By.id("try-answer"), "Hello from gpt-small");
        assertThat(driver.findElement(By.id("try-headers")).getText()).contains("content-type");
        assertThat(driver.findElement(By.id("try-body")).getText()).contains("\"completion_tokens\": 5");
    }

    @Test
    void shouldShowAnExperimentWithChartsAndVerdicts() {
        open(gw.base, DashboardGateway.TOKEN, "/experiments/ab");
        page("Experiments");
        textContains(By.id("exp-title"), "ab");
        WebElement arms = visible(By.id("exp-arms"));
        assertThat(arms.getText()).contains("up/gpt-small (baseline)", "up/gpt-large", "Requests (share)",
                REQUESTS_PER_ARM + " (50%)", "Failed over (taken by another candidate) 0 0",
                // Callers who send no identity are not "0 callers" (a statistics probe): unknown, and counted apart.
                "Distinct callers unknown (and " + REQUESTS_PER_ARM + " requests without an identity)");
        textContains(By.id("exp-srm"), "Sample ratio as configured.");
        for (String chart : List.of("chart-latency", "chart-first-byte", "chart-tokens", "chart-errors")) {
            WebElement figure = driver.findElement(By.id(chart));
            assertThat(figure.findElements(By.cssSelector("svg circle"))).as(chart).isNotEmpty();
        }
        // The planted differences: the large model is slower and answers more tokens; errors do not differ.
        assertThat(verdict("up/gpt-large", "latency_ms")).isEqualTo("higher");
        assertThat(verdict("up/gpt-large", "output_tokens")).isEqualTo("higher");
        assertThat(verdict("up/gpt-large", "error_rate")).isIn("no difference", "not enough data");
        WebElement body = driver.findElement(By.id("exp-body"));
        DashboardBrowser.fullPageScreenshot("dashboard-experiment");
        assertThat(body.getText()).contains("Compared with the baseline up/gpt-small");
        assertThat(DashboardBrowser.fitsWidth()).isTrue();
    }

    /** Writes a round-robin split of {@code source} over up/gpt-small and up/gpt-5: an experiment. */
    private void split(String source) throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"" + source + "\",\"strategy\":\"round_robin\",\"targets\":"
                + "[{\"model\":\"up/gpt-small\"},{\"model\":\"up/gpt-5\"}]}").statusCode()).isEqualTo(200);
    }

    private String verdict(String target, String metric) {
        return driver.findElement(By.cssSelector("#exp-comparisons tr[data-target='" + target + "'][data-metric='" + metric + "'] .badge"))
                .getText();
    }

    @Test
    void shouldKeepTheKeyboardFocusWhereItWasWhenTheNumbersRefresh() {
        open(gw.base, DashboardGateway.TOKEN, "/experiments/ab");
        page("Experiments");
        WebElement reset = visible(By.id("exp-reset"));
        // A keyboard user tabbed to "Start the numbers over" (or into a chart's numbers) and reads.
        DashboardBrowser.script("arguments[0].focus();", reset);
        String before = driver.findElement(By.id("exp-updated")).getText();
        // The next automatic refresh (every 5 s) draws the experiment again.
        until(d -> !d.findElement(By.id("exp-updated")).getText().equals(before));
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("exp-reset");
    }

    @Test
    void shouldStartTheNumbersOverAfterAConfirmation() throws Exception {
        // Its own experiment, so the one above keeps its numbers whatever the order.
        split("fresh");
        for (int i = 0; i < 4; i++) {
            assertThat(gw.chat("fresh", null).statusCode()).isEqualTo(200);
        }
        open(gw.base, DashboardGateway.TOKEN, "/experiments/fresh");
        textContains(By.id("exp-arms"), "2 (50%)");
        driver.findElement(By.id("exp-reset")).click();
        visible(By.id("confirm-ok")).click();
        until(d -> d.findElement(By.id("exp-arms")).getText().contains("0 (–)"));
    }

    // Regression: the reset's address kept a `..` segment, which the browser resolved: "x/../dotted" reset "dotted".
    @Test
    void shouldStartOverTheExperimentItShowsWhenItsNameHasADotDotSegment() throws Exception {
        split("dotted");
        for (int i = 0; i < 4; i++) {
            assertThat(gw.chat("dotted", null).statusCode()).isEqualTo(200);
        }

        startOverFromItsPage("x/../dotted");

        assertThat(gw.admin("GET", "experiments/dotted", null).body()).contains("\"requests\":2");
    }

    // Regression: the reset went to /admin/experiments/canary-10%25/reset, which Jetty refuses (400): "Not reset".
    @Test
    void shouldStartOverAnExperimentWhoseNameHoldsAPercentSign() throws Exception {
        startOverFromItsPage("canary-10%");

        assertThat(driver.findElements(By.cssSelector(".error-box"))).isEmpty();
    }

    /** Makes a split of {@code source} with 2 exchanges per arm, opens its page, starts it over there and sees 0. */
    private void startOverFromItsPage(String source) throws Exception {
        split(source);
        for (int i = 0; i < 4; i++) {
            assertThat(gw.chat(source, null).statusCode()).isEqualTo(200);
        }
        open(gw.base, DashboardGateway.TOKEN, "/experiments/" + java.net.URLEncoder.encode(source,
                java.nio.charset.StandardCharsets.UTF_8));
        textContains(By.cssSelector(".exp-list a[aria-current='true']"), source);
        textContains(By.id("exp-arms"), "2 (50%)");

        driver.findElement(By.id("exp-reset")).click();
        visible(By.id("confirm-ok")).click();

        until(d -> d.findElement(By.id("exp-arms")).getText().contains("0 (–)"));
    }

    @Test
    void shouldWriteTheSampleRatiosPValueAsItsComparison() throws Exception {
        // A sticky 50/50 split (it assigns callers) whose 40 callers are all ones it sends to up/gpt-small: far from
        // the weights.
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"skewed\",\"strategy\":\"sticky\",\"targets\":"
                + "[{\"model\":\"up/gpt-small\"},{\"model\":\"up/gpt-5\"}]}").statusCode()).isEqualTo(200);
        int sent = 0;
        for (int i = 0; sent < 40; i++) {
            assertThat(i).as("callers tried").isLessThan(1_000);
            String resolved = gw.admin("GET", "resolve?model=skewed&user_path=/acme/u" + i, null).body();
            if (resolved.contains("\"target\":\"up/gpt-small\"")) {
                assertThat(gw.chat("skewed", "/acme/u" + i).statusCode()).isEqualTo(200);
                sent++;
            }
        }
        open(gw.base, DashboardGateway.TOKEN, "/experiments/skewed");
        textContains(By.id("exp-srm"), "Sample ratio mismatch.");
        assertThat(driver.findElement(By.id("exp-srm")).getText()).contains("(chi-square p < 0.0001)").doesNotContain("p = <")
                .contains("Expected shares 50% / 50% of callers (sticky: each caller stays on one arm), observed 100% / 0%");
        // A p-value that is a number reads "p = ...".
        open(gw.base, DashboardGateway.TOKEN, "/experiments/ab");
        textContains(By.id("exp-srm"), "(chi-square p = 1).");
    }

    @Test
    void shouldRefreshTheListsMarksWithTheNumbers() throws Exception {
        split("drifting");
        open(gw.base, DashboardGateway.TOKEN, "/experiments/drifting");
        textContains(By.id("exp-arms"), "0 (–)");
        By link = By.cssSelector(".exp-list a[href='#/experiments/drifting']");
        // No requests yet, too few to compare: the list marks it.
        assertThat(driver.findElement(link).getText()).isEqualTo("drifting ⚠");
        for (int i = 0; i < 60; i++) {
            assertThat(gw.chat("drifting", null).statusCode()).isEqualTo(200);
        }
        // The next refresh brings the numbers, and with them the list's mark: nothing to warn about any more.
        textContains(By.id("exp-arms"), "30 (50%)");
        assertThat(driver.findElement(link).getText()).isEqualTo("drifting");
    }

    // From a review: the page stopped refreshing for good when the shown experiment ended (its redirect deleted here or
    // on another node), still showing its numbers as current, and an experiment begun meanwhile never joined the list.
    @Test
    void shouldSayAnExperimentEndedAndKeepTheListCurrent() throws Exception {
        split("ending");
        open(gw.base, DashboardGateway.TOKEN, "/experiments/ending");
        textContains(By.id("exp-title"), "ending");

        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"ending\"}").statusCode()).isEqualTo(204);
        split("begun");

        textContains(By.id("exp-ended"), "The experiment on ending has ended");
        assertThat(driver.findElements(By.id("exp-arms"))).as("its numbers are not shown as current").isEmpty();
        assertThat(driver.findElements(By.cssSelector(".exp-list a[href='#/experiments/ending']"))).isEmpty();
        assertThat(driver.findElement(By.cssSelector(".exp-list a[href='#/experiments/begun']")).getText()).startsWith("begun");
        // And it goes on refreshing.
        String before = driver.findElement(By.id("exp-updated")).getText();
        until(d -> !d.findElement(By.id("exp-updated")).getText().equals(before));
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"begun\"}").statusCode()).isEqualTo(204);
    }

    // From the second review: drawing the list again (an experiment begun) dropped a keyboard user's focus to the page.
    @Test
    void shouldKeepTheFocusInTheListWhenItIsDrawnAgain() throws Exception {
        open(gw.base, DashboardGateway.TOKEN, "/experiments/ab");
        textContains(By.id("exp-title"), "ab");
        WebElement link = driver.findElement(By.cssSelector(".exp-list a[href='#/experiments/ab']"));
        DashboardBrowser.script("arguments[0].focus();", link);

        split("joining");
        until(d -> !d.findElements(By.cssSelector(".exp-list a[href='#/experiments/joining']")).isEmpty());

        assertThat(driver.switchTo().activeElement().getAttribute("href")).endsWith("#/experiments/ab");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"joining\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldShowTheStatus() {
        open(gw.base, DashboardGateway.TOKEN, "/status");
        page("Status");
        assertThat(driver.findElement(By.id("status-version")).getText()).contains("Switchboard version");
        assertThat(driver.findElement(By.id("status-files")).getText()).contains("switchboard.yaml");
        textContains(By.id("status-error"), "None");
        driver.findElement(By.id("status-reload")).click();
        textContains(By.cssSelector("main [role=status]"), "Reloaded");
    }

    // admin.store_snapshot: a node that started without its database serves its snapshot's rows, and the page says whose
    // rows they are and how old, not that it refuses everything.
    @Test
    void shouldSayTheNodeServesItsSnapshotWhileItCannotReadItsStore(@TempDir Path snapshotDir) throws Exception {
        Files.writeString(snapshotDir.resolve("rows.json"), "{\"store\":\"postgresql://127.0.0.1:1/nowhere\",\"revision\":\"7\","
                + "\"saved_at\":\"2026-12-07T04:04:00Z\",\"rows\":[{\"source\":\"fast\",\"targets\":[{\"model\":\"up/gpt-small\","
                + "\"weight\":1}]}]}");
        DashboardGateway serving = new DashboardGateway(snapshotDir, "[]", ", store: \"postgresql://127.0.0.1:1/nowhere\","
                + " store_user: sb, store_password: not-used, store_snapshot: rows.json");
        try {
            open(serving.base, DashboardGateway.TOKEN, "/status");
            page("Status");
            textContains(By.id("status-snapshot"), "This node started while its admin store could not be read: it serves the"
                    + " rows of its snapshot " + snapshotDir.resolve("rows.json") + " (revision 7, read from the store ");
            assertThat(driver.findElement(By.id("status-error")).getText()).doesNotContain("refuses every request")
                    .contains("postgresql://127.0.0.1:1/nowhere: cannot be reached (connection refused)");
            driver.findElement(By.id("status-reload")).click();
            textContains(By.cssSelector("main [role=alert]"), "The admin store cannot be read: the rows of its snapshot stay in force.");
        } finally {
            serving.close();
        }
    }

    // From a review: a node that has not read its PostgreSQL store since it started (nothing listens at its address)
    // refuses every request, but the page said "the last good configuration serves on".
    @Test
    void shouldSayTheNodeRefusesEverythingWhileItWaitsForItsStore(@TempDir Path waitingDir) throws Exception {
        DashboardGateway waiting = new DashboardGateway(waitingDir, "[]", ", store: \"postgresql://127.0.0.1:1/nowhere\","
                + " store_user: sb, store_password: not-used");
        try {
            open(waiting.base, DashboardGateway.TOKEN, "/status");
            page("Status");
            textContains(By.id("status-error"), "This node has not read its rules from the admin store since it started:"
                    + " it refuses every request (503 store_unavailable) until it can.");
            assertThat(driver.findElement(By.id("status-error")).getText()).doesNotContain("last good configuration")
                    .contains("postgresql://127.0.0.1:1/nowhere: cannot be reached (connection refused)");
            driver.findElement(By.id("status-reload")).click();
            textContains(By.cssSelector("main [role=alert]"), "The admin store cannot be read: this node still refuses every request.");
        } finally {
            waiting.close();
        }
    }
}
