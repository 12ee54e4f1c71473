package dev.switchboard.jetty;

import static dev.switchboard.jetty.DashboardBrowser.NARROW;
import static dev.switchboard.jetty.DashboardBrowser.WIDE;
import static dev.switchboard.jetty.DashboardBrowser.fitsWidth;
import static dev.switchboard.jetty.DashboardBrowser.open;
import static dev.switchboard.jetty.DashboardBrowser.page;
import static dev.switchboard.jetty.DashboardBrowser.textContains;
import static dev.switchboard.jetty.DashboardBrowser.textIs;
import static dev.switchboard.jetty.DashboardBrowser.until;
import static dev.switchboard.jetty.DashboardBrowser.visible;
import static dev.switchboard.jetty.DashboardBrowser.width;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * SPEC section 14's Models page and its form in Chromium: every provider model and virtual model, search and kind
 * filter; New virtual model with two weighted targets and the sentence that says what saving will do, then a
 * request through the gateway that uses it; editing weights; an access policy; shadowing a real model; delete
 * with a confirmation; validation errors at the field with the API's messages; config-file rows read-only; the
 * whole form by keyboard; readable at 1280 and 800 px.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class DashboardModelsBrowserTest {

    private static final By SENTENCE = By.id("vm-sentence");

    @TempDir
    static Path dir;
    private DashboardGateway gw;
    private WebDriver driver;

    @BeforeAll
    void start() throws Exception {
        driver = DashboardBrowser.get();
        gw = new DashboardGateway(dir, """
                - {source: managed-alias, target: up/gpt-small, description: from the config file}
                - {source: up/gpt-5, user_paths: [/acme]}
                """);
    }

    @AfterAll
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @AfterEach
    void wide() {
        width(WIDE);
    }

    private void models() {
        open(gw.base, DashboardGateway.TOKEN, "/models");
        page("Models");
        visible(By.cssSelector("#models-table tbody tr"));
    }

    /** The names in the table, read at once (the table is redrawn as the operator types). */
    @SuppressWarnings("unchecked")
    private List<String> listedNames() {
        return (List<String>) DashboardBrowser.script("return [...document.querySelectorAll('#models-table tbody tr[data-name]')]"
                + ".map(r => r.dataset.name);");
    }

    @SuppressWarnings("unchecked")
    private List<String> listedKinds() {
        return (List<String>) DashboardBrowser.script("return [...new Set([...document.querySelectorAll("
                + "'#models-table tbody tr[data-name]')].map(r => r.dataset.kind))];");
    }

    private WebElement row(String name) {
        return visible(By.cssSelector("#models-table tbody tr[data-name='" + name + "']"));
    }

    /** The text of a row once it is drawn (looked up again when the table is redrawn meanwhile). */
    private String rowText(String name) {
        return until(d -> row(name).getText());
    }

    private void newVirtualModel() {
        models();
        driver.findElement(By.id("new-virtual-model")).click();
        page("New virtual model");
    }

    /** Opens the form for a new virtual model and types its source and its first target. */
    private void newVirtualModel(String source, String target) {
        newVirtualModel();
        type(driver.findElement(By.id("vm-source")), source);
        type(driver.findElement(By.id("vm-target-0-model")), target);
    }

    private static void type(WebElement input, String text) {
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        input.sendKeys(text);
    }

    private void save() {
        driver.findElement(By.id("vm-save")).click();
    }

    private void saved(String source) {
        page("Models");
        textContains(By.id("models-flash"), "Saved " + source + ".");
    }

    @Test
    void shouldListEveryProviderModelAndVirtualModelAndFilterThem() {
        models();
        assertThat(listedNames()).contains("up/gpt-small", "up/gpt-large", "up/gpt-5", "managed-alias");
        assertThat(rowText("managed-alias")).contains("redirect", "up/gpt-small", "everyone", "config file (read-only)");
        assertThat(row("up/gpt-5").findElements(By.cssSelector(".badge")).stream().map(WebElement::getText).toList())
                .contains("access policy");

        WebElement search = driver.findElement(By.id("model-search"));
        type(search, "large");
        until(d -> listedNames().equals(List.of("up/gpt-large")));
        textContains(By.id("model-count"), "1 of ");

        type(search, "");
        new Select(driver.findElement(By.id("model-kind"))).selectByVisibleText("Redirects");
        until(d -> listedKinds().equals(List.of("redirect")));
        assertThat(listedNames()).contains("managed-alias");
        new Select(driver.findElement(By.id("model-kind"))).selectByVisibleText("Access policies");
        until(d -> listedKinds().equals(List.of("policy")));
        new Select(driver.findElement(By.id("model-kind"))).selectByVisibleText("Provider models");
        until(d -> listedKinds().equals(List.of("provider")));
        assertThat(listedNames()).containsExactly("up/gpt-5", "up/gpt-large", "up/gpt-small");
        type(search, "small");
        until(d -> listedNames().equals(List.of("up/gpt-small")));
        // The filter is in the address: a reload keeps it.
        driver.navigate().refresh();
        until(d -> listedNames().equals(List.of("up/gpt-small")));
        assertThat(driver.findElement(By.id("model-search")).getAttribute("value")).isEqualTo("small");
    }

    @Test
    void shouldCreateARedirectWithTwoWeightedTargetsThatTheGatewayUses() throws Exception {
        newVirtualModel();
        textIs(SENTENCE, "Type a source to see what saving will do.");
        type(driver.findElement(By.id("vm-source")), "smarter");
        // A target only some callers may use says what the others get (the policy up/gpt-5: [/acme]).
        type(driver.findElement(By.id("vm-target-0-model")), "up/gpt-5");
        textIs(SENTENCE, "smarter will send every request to up/gpt-5. up/gpt-5 is only for callers under /acme: other"
                + " callers' requests for it are refused (403).");
        type(driver.findElement(By.id("vm-target-0-model")), "up/gpt-small");
        textIs(SENTENCE, "smarter will send every request to up/gpt-small.");
        type(driver.findElement(By.id("vm-target-0-weight")), "3");
        driver.findElement(By.id("vm-add-target")).click();
        // The new row's model field has the focus.
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("vm-target-1-model");
        driver.switchTo().activeElement().sendKeys("up/gpt-large");
        textIs(SENTENCE, "smarter will send 75% to up/gpt-small and 25% to up/gpt-large (sticky: each caller always gets the same one).");
        type(driver.findElement(By.id("vm-target-1-weight")), "1");
        new Select(driver.findElement(By.id("vm-strategy"))).selectByValue("round_robin");
        textIs(SENTENCE, "smarter will send 75% to up/gpt-small and 25% to up/gpt-large in turn, request by request.");
        DashboardBrowser.screenshot("dashboard-new-virtual-model");
        save();
        saved("smarter");
        assertThat(rowText("smarter")).contains("redirect", "up/gpt-small weight 3 (75%)", "up/gpt-large weight 1 (25%)",
                "round_robin", "admin store");

        // Through the gateway: four requests in turn, three to the small model and one to the large.
        int small = 0;
        int large = 0;
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = gw.chat("smarter", null);
            assertThat(r.statusCode()).isEqualTo(200);
            String model = DashboardGateway.model(r.body());
            small += "gpt-small".equals(model) ? 1 : 0;
            large += "gpt-large".equals(model) ? 1 : 0;
        }
        assertThat(small).isEqualTo(3);
        assertThat(large).isEqualTo(1);

        // Edit the weights: 1 and 1.
        row("smarter").findElement(By.linkText("Edit")).click();
        page("Edit smarter");
        textIs(SENTENCE, "smarter will send 75% to up/gpt-small and 25% to up/gpt-large in turn, request by request.");
        type(driver.findElement(By.id("vm-target-0-weight")), "1");
        textIs(SENTENCE, "smarter will send 50% to up/gpt-small and 50% to up/gpt-large in turn, request by request.");
        save();
        saved("smarter");
        assertThat(rowText("smarter")).contains("up/gpt-small weight 1 (50%)", "up/gpt-large weight 1 (50%)");
        assertThat(gw.admin("GET", "virtual-models", null).body())
                .contains("{\"source\":\"smarter\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"up/gpt-small\",\"weight\":1},"
                        + "{\"model\":\"up/gpt-large\",\"weight\":1}],\"strategy\":\"round_robin\"");
    }

    @Test
    void shouldCreateAnAccessPolicyByLeavingTargetEmpty() throws Exception {
        newVirtualModel();
        type(driver.findElement(By.id("vm-source")), "up/gpt-large");
        driver.findElement(By.id("vm-target-0-remove")).click();
        textIs(By.id("vm-kind-note"), "No target: this is an access policy.");
        textIs(SENTENCE, "This access policy lets every caller use up/gpt-large (no user paths: everyone is admitted).");
        type(driver.findElement(By.id("vm-user-paths")), "/acme/ml");
        textIs(SENTENCE, "Only callers under /acme/ml may use up/gpt-large; everyone else is refused (403).");
        save();
        saved("up/gpt-large");
        assertThat(rowText("up/gpt-large")).contains("access policy");
        assertThat(gw.chat("up/gpt-large", "/acme/ml/alice").statusCode()).isEqualTo(200);
        assertThat(gw.chat("up/gpt-large", "/other").statusCode()).isEqualTo(403);
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"up/gpt-large\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldWarnWhenARedirectShadowsARealModel() throws Exception {
        models();
        // The Shadow button of a provider model opens the form with that model as the source.
        row("up/gpt-small").findElement(By.linkText("Shadow")).click();
        page("New virtual model");
        assertThat(driver.findElement(By.id("vm-source")).getAttribute("value")).isEqualTo("up/gpt-small");
        driver.findElement(By.id("vm-add-target")).click();
        driver.switchTo().activeElement().sendKeys("up/gpt-large");
        textIs(SENTENCE, "up/gpt-small will send every request to up/gpt-large. It shadows the real model up/gpt-small:"
                + " callers asking for it get the target instead.");
        assertThat(driver.findElement(SENTENCE).findElements(By.cssSelector(".warn"))).isNotEmpty();
        save();
        saved("up/gpt-small");
        assertThat(rowText("up/gpt-small")).contains("shadowed by the redirect up/gpt-small");
        assertThat(DashboardGateway.model(gw.chat("up/gpt-small", null).body())).isEqualTo("gpt-large");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"up/gpt-small\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldDeleteOnlyAfterAConfirmation() throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"doomed\",\"target_model\":\"up/gpt-5\"}").statusCode()).isEqualTo(200);
        models();
        row("doomed").findElement(By.cssSelector("button[aria-label='Delete doomed']")).click();
        WebElement dialog = visible(By.id("confirm"));
        assertThat(dialog.getText()).contains("Delete doomed? Callers asking for doomed will no longer be redirected.");
        // The safe choice has the focus; Escape cancels.
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("confirm-cancel");
        driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        until(d -> !d.findElement(By.id("confirm")).isDisplayed());
        assertThat(listedNames()).contains("doomed");

        row("doomed").findElement(By.cssSelector("button[aria-label='Delete doomed']")).click();
        visible(By.id("confirm-ok")).click();
        until(d -> !listedNames().contains("doomed"));
        assertThat(gw.admin("GET", "virtual-models", null).body()).doesNotContain("doomed");
        // It says so, and the focus is not lost with the row's button: it is on the page's heading.
        textContains(By.id("models-flash"), "Deleted doomed.");
        assertThat(driver.switchTo().activeElement().getTagName()).isEqualTo("h1");
    }

    @Test
    void shouldShowTheApisValidationErrorsAtTheirFields() throws Exception {
        String body = "{\"source\":\"broken\",\"targets\":[{\"model\":\"up/gpt-small\",\"weight\":0}],\"user_paths\":[\"/acme/../x\"]}";
        HttpResponse<String> api = gw.admin("PUT", "virtual-models", body);
        assertThat(api.statusCode()).isEqualTo(400);
        Matcher m = Pattern.compile("\"message\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(api.body());
        assertThat(m.find()).isTrue();
        String message = m.group(1).replace("\\\"", "\"");

        newVirtualModel("broken", "up/gpt-small");
        type(driver.findElement(By.id("vm-target-0-weight")), "0");
        type(driver.findElement(By.id("vm-user-paths")), "/acme/../x");
        save();
        WebElement weightError = visible(By.id("vm-target-0-error"));
        WebElement pathError = visible(By.id("vm-user-paths-error"));
        // The API's message, split at its fields: each part under the field it names, nothing else added.
        assertThat(message).contains(weightError.getText()).contains(pathError.getText());
        assertThat(weightError.getText()).contains("must be");
        assertThat(pathError.getText()).contains("'..' segments are not allowed");
        refusedAt("broken", "vm-target-0-weight", "vm-user-paths");
    }

    // A dashboard probe (2026-12-07): a weight of "2-" reads as "" in a number field; the form sent no weight, the
    // gateway stored 1, and the page said "Saved" while the field still showed "2-".
    @Test
    void shouldRefuseAWeightTheBrowserCannotReadAsANumber() throws Exception {
        newVirtualModel("unreadable-weight", "up/gpt-small");
        type(driver.findElement(By.id("vm-target-0-weight")), "2-");
        save();

        WebElement error = visible(By.id("vm-target-0-error"));
        assertThat(error.getText()).isEqualTo("This weight is not a number: type a whole number of at least 1.");
        refusedAt("unreadable-weight", "vm-target-0-weight");
    }

    /**
     * A Save the form refused: each field marked invalid, the first of them focused, and nothing of {@code source}
     * stored.
     */
    private void refusedAt(String source, String... fields) throws Exception {
        for (String field : fields) {
            assertThat(driver.findElement(By.id(field)).getAttribute("aria-invalid")).as(field).isEqualTo("true");
        }
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo(fields[0]);
        assertThat(gw.admin("GET", "virtual-models", null).body()).doesNotContain(source);
    }

    // The same probe: a Save to a gateway that could not be reached said "Not saved: Failed to fetch".
    @Test
    void shouldSayTheGatewayCannotBeReachedAndKeepWhatWasTyped() throws Exception {
        newVirtualModel("while-offline", "up/gpt-small");
        org.openqa.selenium.chromium.ChromiumNetworkConditions offline = new org.openqa.selenium.chromium.ChromiumNetworkConditions();
        offline.setOffline(true);
        ((org.openqa.selenium.chrome.ChromeDriver) driver).setNetworkConditions(offline);
        try {
            save();
            textContains(By.id("vm-form-error"), "the gateway cannot be reached");
        } finally {
            ((org.openqa.selenium.chrome.ChromeDriver) driver).deleteNetworkConditions();
        }
        assertThat(driver.findElement(By.id("vm-source")).getAttribute("value")).isEqualTo("while-offline");
        assertThat(driver.findElement(By.id("vm-save")).getText()).isEqualTo("Save");
        save();
        saved("while-offline");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"while-offline\"}").statusCode()).isEqualTo(204);
    }

    // The same probe: a failover redirect's targets were shown as shares ("25% to a and 75% to b"), though failover
    // sends every request to the first and ignores weights.
    @Test
    void shouldDescribeAFailoverRedirectAsAnOrderNotAsShares() throws Exception {
        newVirtualModel("in-order", "up/gpt-small");
        driver.findElement(By.id("vm-add-target")).click();
        driver.switchTo().activeElement().sendKeys("up/gpt-large");
        type(driver.findElement(By.id("vm-target-1-weight")), "3");
        new Select(driver.findElement(By.id("vm-strategy"))).selectByValue("failover");
        textIs(SENTENCE, "in-order will send every request to up/gpt-small first, and to up/gpt-large only when the one"
                + " before fails (failover: in this order, weights unused).");
        save();
        saved("in-order");
        assertThat(rowText("in-order")).contains("up/gpt-small first", "up/gpt-large when the one before fails",
                "failover").doesNotContain("%");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"in-order\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldShowAFallbacksErrorAtItsRowWhenABlankRowCameBefore() throws Exception {
        newVirtualModel("fb-rows", "up/gpt-small");
        driver.findElement(By.id("vm-add-fallback")).click();
        driver.findElement(By.id("vm-add-fallback")).click();
        type(driver.findElement(By.id("vm-fallback-1-model")), "up/gpt-small");
        save();

        // The blank first row is not sent, so the API names the second row fallbacks[0]: the error is the second's.
        WebElement error = visible(By.id("vm-fallback-1-error"));
        assertThat(error.getText()).contains("'up/gpt-small' is already a target of this redirect");
        assertThat(driver.findElement(By.id("vm-fallback-0-error")).getText()).isEmpty();
        assertThat(driver.findElement(By.id("vm-fallback-1-model")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(gw.admin("GET", "virtual-models", null).body()).doesNotContain("fb-rows");
    }

    @Test
    void shouldFindAVirtualModelByAModelThatIsOnlyItsFallback() throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"with-fallback\",\"targets\":[{\"model\":\"up/gpt-small\"}],"
                + "\"fallbacks\":[\"up/gpt-large\"]}").statusCode()).isEqualTo(200);
        try {
            models();
            type(driver.findElement(By.id("model-search")), "gpt-large");
            until(d -> listedNames().equals(List.of("up/gpt-large", "with-fallback")));
        } finally {
            assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"with-fallback\"}").statusCode()).isEqualTo(204);
        }
    }

    @Test
    void shouldComeBackToTheSameFilterAfterCancel() {
        models();
        type(driver.findElement(By.id("model-search")), "small");
        new Select(driver.findElement(By.id("model-kind"))).selectByVisibleText("Provider models");
        until(d -> listedNames().equals(List.of("up/gpt-small")));
        row("up/gpt-small").findElement(By.linkText("Shadow")).click();
        page("New virtual model");
        driver.findElement(By.id("vm-cancel")).click();
        page("Models");
        until(d -> listedNames().equals(List.of("up/gpt-small")));
        assertThat(driver.findElement(By.id("model-search")).getAttribute("value")).isEqualTo("small");
        assertThat(new Select(driver.findElement(By.id("model-kind"))).getFirstSelectedOption().getText()).isEqualTo("Provider models");
        assertThat(driver.getCurrentUrl()).endsWith("#/models?q=small&kind=provider");
    }

    @Test
    void shouldOfferTryOnlyForNamesACallerCanAskFor() throws Exception {
        for (String selector : List.of("/", "up/")) {
            assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"" + selector + "\"}").statusCode()).isEqualTo(200);
        }
        try {
            models();
            // A selector is no model: there is nothing to try.
            for (String selector : List.of("/", "up/")) {
                assertThat(row(selector).findElements(By.linkText("Try"))).as(selector).isEmpty();
                assertThat(row(selector).findElements(By.linkText("Edit"))).as(selector).hasSize(1);
            }
            for (String name : List.of("up/gpt-5", "managed-alias", "up/gpt-small")) {
                assertThat(row(name).findElements(By.linkText("Try"))).as(name).hasSize(1);
            }
        } finally {
            for (String selector : List.of("/", "up/")) {
                assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"" + selector + "\"}").statusCode()).isEqualTo(204);
            }
        }
    }

    @Test
    void shouldShowARefusalAboutTheNodeAboveTheButtonsNotAtTheSource() throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"stored-first\",\"target_model\":\"up/gpt-5\"}").statusCode())
                .isEqualTo(200);
        Path config = dir.resolve("switchboard.yaml");
        Path store = dir.resolve("virtual-models.admin.yaml");
        String good = Files.readString(config);
        String rows = Files.readString(store);
        // The node cannot apply the store as it is now (a hand edit left a row no config can take): a write is refused
        // with 409, also the page's own with its If-Match, and that answer is about the node, not about the row sent.
        // (A broken config file alone no longer does it: the last good file stands in.)
        newVirtualModel("node-refused", "up/gpt-small");
        Files.writeString(store, "virtual_models:\n  - {source: by-hand, target: up/gpt-5}\n  - {source: ''}\n");
        try {
            save();
            textContains(By.id("vm-form-error"), "Not saved: this node cannot apply the admin store as it is now");
            assertThat(driver.findElement(By.id("vm-source-error")).getText()).isEmpty();
            assertThat(driver.findElement(By.id("vm-source")).getAttribute("aria-invalid")).isNull();
        } finally {
            Files.writeString(config, good);
            Files.writeString(store, rows);
            assertThat(gw.admin("POST", "reload", null).statusCode()).isEqualTo(200);
        }

        // A refusal about the row itself stays at its field (the store is back as the form read it: no 412).
        type(driver.findElement(By.id("vm-source")), "managed-alias");
        save();
        textContains(By.id("vm-source-error"), "virtual model managed-alias is managed by config");
        assertThat(driver.findElement(By.id("vm-form-error")).isDisplayed()).isFalse();
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"stored-first\"}").statusCode()).isEqualTo(204);
    }

    // Regression: Delete sent no If-Match, so a tab read before another operator turned the row into a deny policy
    // deleted that policy unseen.
    @Test
    void shouldNotDeleteARowThatChangedSinceTheListWasRead() throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"changing\",\"target_model\":\"up/gpt-5\"}").statusCode()).isEqualTo(200);
        models();
        assertThat(rowText("changing")).contains("redirect");
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"changing\",\"enabled\":false,\"description\":\"INCIDENT\"}")
                .statusCode()).isEqualTo(200);

        row("changing").findElement(By.cssSelector("button[aria-label='Delete changing']")).click();
        visible(By.id("confirm-ok")).click();

        textContains(By.id("models-flash"), "Not deleted: the virtual models changed since this page read them.");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("INCIDENT");
        // The list is redrawn as it is now: deleting again, with that in view, deletes it.
        assertThat(rowText("changing")).contains("INCIDENT");
        row("changing").findElement(By.cssSelector("button[aria-label='Delete changing']")).click();
        visible(By.id("confirm-ok")).click();
        until(d -> !listedNames().contains("changing"));
        assertThat(gw.admin("GET", "virtual-models", null).body()).doesNotContain("changing");
    }

    // Regression: a sign-in elsewhere (another tab sharing the cookie) left this tab's CSRF token the old session's:
    // every write was refused, and Sign out failed unseen, the session still live.
    @Test
    void shouldWriteAndSignOutAfterASignInInAnotherTab() throws Exception {
        newVirtualModel();
        Object signedIn = DashboardBrowser.async("const done = arguments[arguments.length - 1];"
                + "fetch('session', {method: 'POST', headers: {'Content-Type': 'application/json'},"
                + " body: JSON.stringify({token: arguments[0]}), credentials: 'same-origin'}).then(r => done(r.status));",
                DashboardGateway.TOKEN);
        assertThat(signedIn).isEqualTo(200L);
        type(driver.findElement(By.id("vm-source")), "two-tabs");
        type(driver.findElement(By.id("vm-target-0-model")), "up/gpt-small");

        save();

        saved("two-tabs");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("two-tabs");
        String session = driver.manage().getCookieNamed("switchboard_admin_session").getValue();
        driver.findElement(By.id("sign-out")).click();
        visible(By.id("signin-form"));
        HttpResponse<String> after = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(gw.base + "/admin/status")).header("Cookie", "switchboard_admin_session=" + session).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"two-tabs\"}").statusCode()).isEqualTo(204);
    }

    // Regression: the editor split user paths at commas (re-saved, "/acme,labs" became "/acme" and "/labs": wider), and
    // its text field dropped a description's line breaks, both when another field was saved.
    @Test
    void shouldKeepAPathsCommaAndADescriptionsLineBreaksWhenAnotherFieldIsSaved() throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"kept-as-is\",\"target_model\":\"up/gpt-5\","
                + "\"user_paths\":[\"/acme,labs\"],\"description\":\"Owner: team-a\\nTicket: OPS-1\"}").statusCode()).isEqualTo(200);
        open(gw.base, DashboardGateway.TOKEN, "/models/edit/kept-as-is");
        page("Edit kept-as-is");

        driver.findElement(By.id("vm-enabled")).click();
        save();

        saved("kept-as-is");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("\"user_paths\":[\"/acme,labs\"]",
                "\"description\":\"Owner: team-a\\nTicket: OPS-1\"", "\"enabled\":false");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"kept-as-is\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldForgetAKeptDraftAtSignOut() {
        newVirtualModel("left-behind", "up/gpt-small");
        driver.manage().deleteAllCookies();
        save();
        // The draft is kept for the form; the operator signs in elsewhere in the page, then signs out.
        visible(By.id("token"));
        open(gw.base, DashboardGateway.TOKEN, "/status");
        page("Status");
        driver.findElement(By.id("sign-out")).click();
        visible(By.id("signin-form"));
        // Whoever signs in next in this tab does not get it.
        open(gw.base, DashboardGateway.TOKEN, "/models/new");
        page("New virtual model");
        assertThat(driver.findElements(By.id("vm-draft-note"))).isEmpty();
        assertThat(driver.findElement(By.id("vm-source")).getAttribute("value")).isEmpty();
    }

    @Test
    void shouldAskBeforeLeavingAChangedFormForAnotherPage() {
        // Unchanged: nothing to lose, no question.
        newVirtualModel();
        driver.findElement(By.cssSelector("header nav a[data-page='try']")).click();
        page("Try a model");
        assertThat(driver.findElement(By.id("confirm")).isDisplayed()).isFalse();

        newVirtualModel();
        type(driver.findElement(By.id("vm-source")), "half-done");
        driver.findElement(By.cssSelector("header nav a[data-page='try']")).click();
        textContains(By.id("confirm"), "Leave this form?");
        assertThat(driver.findElement(By.id("confirm-text")).getText()).contains("not saved");
        // Cancel keeps the form as it was, at its address.
        driver.findElement(By.id("confirm-cancel")).click();
        until(d -> !d.findElement(By.id("confirm")).isDisplayed());
        page("New virtual model");
        assertThat(driver.findElement(By.id("vm-source")).getAttribute("value")).isEqualTo("half-done");
        assertThat(driver.getCurrentUrl()).endsWith("#/models/new");

        driver.findElement(By.cssSelector("header nav a[data-page='try']")).click();
        visible(By.id("confirm-ok")).click();
        page("Try a model");
    }

    @Test
    void shouldAskBeforeClosingOrReloadingTheTabOnAChangedForm() {
        newVirtualModel();
        assertThat(leavingAsks()).isFalse();
        type(driver.findElement(By.id("vm-description")), "half a thought");
        assertThat(leavingAsks()).isTrue();
        // Back as it was opened: nothing to lose again.
        type(driver.findElement(By.id("vm-description")), "");
        assertThat(leavingAsks()).isFalse();
    }

    /** Whether closing or reloading the tab now would ask first: the page's answer to {@code beforeunload}. */
    private boolean leavingAsks() {
        return (Boolean) DashboardBrowser.script("const e = new Event('beforeunload', {cancelable: true});"
                + " window.dispatchEvent(e); return e.defaultPrevented;");
    }

    /** Stores a redirect of that name to up/gpt-small and opens its form. */
    private void editStored(String source) throws Exception {
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"" + source + "\",\"targets\":[{\"model\":\"up/gpt-small\"}]}")
                .statusCode()).isEqualTo(200);
        open(gw.base, DashboardGateway.TOKEN, "/models/edit/" + source);
        page("Edit " + source);
    }

    @Test
    void shouldSayWhatChangedMeanwhileAndKeepWhatWasTyped() throws Exception {
        editStored("contested");
        // Another operator (or another tab) saves first.
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"contested\",\"targets\":[{\"model\":\"up/gpt-5\"}],"
                + "\"description\":\"theirs\"}").statusCode()).isEqualTo(200);
        type(driver.findElement(By.id("vm-description")), "mine");
        save();
        // Refused (If-Match), and the form says what is stored now: nothing is overwritten unseen.
        textContains(By.id("vm-form-error"), "changed since this form was opened");
        assertThat(driver.findElement(By.id("vm-form-error")).getText())
                .contains("Stored now: contested will send every request to up/gpt-5.", "theirs", "What you typed is still here");
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("vm-form-error");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("theirs").doesNotContain("\"description\":\"mine\"");
        // What was typed is kept; Save, pressed again knowing what it replaces, stores it.
        assertThat(driver.findElement(By.id("vm-description")).getAttribute("value")).isEqualTo("mine");
        save();
        saved("contested");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("\"description\":\"mine\"").doesNotContain("theirs");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"contested\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldSayWhenTheConfigFileOnDiskIsBroken() throws Exception {
        Path config = dir.resolve("switchboard.yaml");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("type: openai-compatible", "type: openai-compatibel"));
        try {
            assertThat(gw.admin("POST", "reload", null).statusCode()).isEqualTo(422);
            // The rows shown are the last good file's, and a fix in the file is not in force yet: both pages say so.
            models();
            textContains(By.id("reload-error-note"), "A newer configuration could not be loaded since");
            open(gw.base, DashboardGateway.TOKEN, "/models/edit/managed-alias");
            page("Virtual model managed-alias");
            textContains(By.id("reload-error-note"), "last good configuration");
        } finally {
            Files.writeString(config, good);
            assertThat(gw.admin("POST", "reload", null).statusCode()).isEqualTo(200);
        }
        models();
        assertThat(driver.findElements(By.id("reload-error-note"))).isEmpty();
    }

    @Test
    void shouldGiveBackWhatWasTypedWhenTheSessionEndedBeforeSave() throws Exception {
        newVirtualModel("typed-before-expiry", "up/gpt-small");
        type(driver.findElement(By.id("vm-description")), "long thought");
        // The session ends meanwhile (30 minutes idle, or a new admin token): Save meets the sign-in page.
        driver.manage().deleteAllCookies();
        save();
        WebElement token = visible(By.id("token"));
        textContains(By.id("signin-note"), "Your session ended");
        token.sendKeys(DashboardGateway.TOKEN, Keys.ENTER);
        page("New virtual model");
        textContains(By.id("vm-draft-note"), "not saved yet");
        assertThat(driver.findElement(By.id("vm-source")).getAttribute("value")).isEqualTo("typed-before-expiry");
        assertThat(driver.findElement(By.id("vm-target-0-model")).getAttribute("value")).isEqualTo("up/gpt-small");
        assertThat(driver.findElement(By.id("vm-description")).getAttribute("value")).isEqualTo("long thought");
        save();
        saved("typed-before-expiry");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"typed-before-expiry\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldNotLetAKeptDraftOverwriteAChangeMadeWhileTheSessionHadEnded() throws Exception {
        editStored("drafted");
        type(driver.findElement(By.id("vm-description")), "mine");
        // Another operator saves the row while this one's session ends; then this Save meets the sign-in page.
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"drafted\",\"targets\":[{\"model\":\"up/gpt-large\"}],"
                + "\"description\":\"theirs\"}").statusCode()).isEqualTo(200);
        driver.manage().deleteAllCookies();
        save();
        visible(By.id("token")).sendKeys(DashboardGateway.TOKEN, Keys.ENTER);
        textContains(By.id("vm-draft-note"), "not saved yet");
        save();

        // The draft was read before their change: the save is refused and shows it, their row stays.
        textContains(By.id("vm-form-error"), "changed since this form was opened");
        assertThat(driver.findElement(By.id("vm-form-error")).getText()).contains("up/gpt-large");
        assertThat(gw.admin("GET", "virtual-models", null).body()).contains("\"description\":\"theirs\"");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"drafted\"}").statusCode()).isEqualTo(204);
    }

    @Test
    void shouldShowConfigFileRowsReadOnlyAndSayWhy() {
        models();
        assertThat(row("managed-alias").findElements(By.cssSelector("button"))).isEmpty();
        row("managed-alias").findElement(By.linkText("View")).click();
        page("Virtual model managed-alias");
        textContains(By.id("vm-managed-note"), "managed-alias is defined in the config file");
        assertThat(driver.findElement(By.id("vm-managed-note")).getText()).contains("switchboard.yaml", "read-only here");
        for (String id : List.of("vm-source", "vm-target-0-model", "vm-target-0-weight", "vm-user-paths", "vm-description", "vm-enabled")) {
            assertThat(driver.findElement(By.id(id)).isEnabled()).as(id).isFalse();
        }
        assertThat(driver.findElements(By.id("vm-save"))).isEmpty();
        assertThat(driver.findElements(By.id("vm-delete"))).isEmpty();
        textContains(SENTENCE, "Saving is refused: managed-alias is defined in the config file");
    }

    @Test
    void shouldCreateAVirtualModelByKeyboardAlone() throws Exception {
        models();
        // From the search field, Tab reaches the kind filter, then New virtual model.
        driver.findElement(By.id("model-search")).click();
        WebElement active = driver.switchTo().activeElement();
        active.sendKeys(Keys.TAB);
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("model-kind");
        driver.switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("new-virtual-model");
        driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        page("New virtual model");
        // The page's heading has the focus; Tab walks the form in reading order.
        tabTo("vm-source").sendKeys("by-keys");
        tabTo("vm-target-0-model").sendKeys("up/gpt-5");
        tabTo("vm-target-0-weight");
        tabTo("vm-add-target").sendKeys(Keys.ENTER);
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("vm-target-1-model");
        driver.switchTo().activeElement().sendKeys("up/gpt-small");
        textIs(SENTENCE, "by-keys will send 50% to up/gpt-5 and 50% to up/gpt-small (sticky: each caller always gets the same"
                + " one). up/gpt-5 is only for callers under /acme: other callers' requests for it go to the next target or fallback the"
                + " caller may use.");
        // Reorder by keyboard: the second target moves up.
        tabTo("vm-target-1-up").sendKeys(Keys.ENTER);
        assertThat(driver.findElement(By.id("vm-target-0-model")).getAttribute("value")).isEqualTo("up/gpt-small");
        textIs(SENTENCE, "by-keys will send 50% to up/gpt-small and 50% to up/gpt-5 (sticky: each caller always gets the same"
                + " one). up/gpt-5 is only for callers under /acme: other callers' requests for it go to the next target or fallback the"
                + " caller may use.");
        tabTo("vm-description").sendKeys("typed, never clicked", Keys.ENTER);
        saved("by-keys");
        assertThat(rowText("by-keys")).contains("up/gpt-small", "up/gpt-5", "typed, never clicked");
        assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"by-keys\"}").statusCode()).isEqualTo(204);
    }

    /** Presses Tab until the element of {@code id} has the focus (at most 40 times). */
    private WebElement tabTo(String id) {
        for (int i = 0; i < 40; i++) {
            WebElement active = driver.switchTo().activeElement();
            if (id.equals(active.getAttribute("id"))) {
                return active;
            }
            active.sendKeys(Keys.TAB);
        }
        throw new AssertionError("Tab never reaches #" + id);
    }

    @ParameterizedTest
    @ValueSource(ints = {WIDE, NARROW})
    void shouldBeReadableWithoutSidewaysScrolling(int px) {
        width(px);
        models();
        assertThat(fitsWidth()).as("Models at %d px", px).isTrue();
        WebElement table = driver.findElement(By.id("models-table"));
        assertThat(table.getRect().getX() + table.getRect().getWidth()).isLessThanOrEqualTo(px);
        if (px == WIDE) {
            DashboardBrowser.screenshot("dashboard-models");
        } else {
            DashboardBrowser.screenshot("dashboard-models-800");
        }
        driver.findElement(By.id("new-virtual-model")).click();
        page("New virtual model");
        assertThat(fitsWidth()).as("form at %d px", px).isTrue();
        for (String page : List.of("/try", "/status", "/experiments")) {
            open(gw.base, DashboardGateway.TOKEN, page);
            until(d -> !d.findElement(By.cssSelector("main h1")).getText().isEmpty());
            assertThat(fitsWidth()).as("%s at %d px", page, px).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {WIDE, NARROW})
    void shouldWrapALongNameRatherThanScrollSideways(int px) throws Exception {
        String name = "long-" + "x".repeat(150);
        assertThat(gw.admin("PUT", "virtual-models", "{\"source\":\"" + name + "\",\"targets\":[{\"model\":\"up/gpt-small\"},"
                + "{\"model\":\"up/gpt-large\"}]}").statusCode()).isEqualTo(200);
        try {
            width(px);
            // Its heading, its steps on Try, its link among the experiments: each wraps within the window.
            for (var route : List.of(List.of("/models/edit/" + name, "vm-form"), List.of("/try?model=" + name, "try-steps"),
                    List.of("/experiments/" + name, "exp-title"))) {
                open(gw.base, DashboardGateway.TOKEN, route.get(0));
                visible(By.id(route.get(1)));
                assertThat(fitsWidth()).as("%s at %d px", route.get(0), px).isTrue();
            }
        } finally {
            assertThat(gw.admin("DELETE", "virtual-models", "{\"source\":\"" + name + "\"}").statusCode()).isEqualTo(204);
        }
    }
}
