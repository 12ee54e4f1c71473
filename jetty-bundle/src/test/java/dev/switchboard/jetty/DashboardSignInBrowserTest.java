package dev.switchboard.jetty;

import static dev.switchboard.jetty.DashboardBrowser.async;
import static dev.switchboard.jetty.DashboardBrowser.open;
import static dev.switchboard.jetty.DashboardBrowser.page;
import static dev.switchboard.jetty.DashboardBrowser.textContains;
import static dev.switchboard.jetty.DashboardBrowser.until;
import static dev.switchboard.jetty.DashboardBrowser.visible;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;

/**
 * SPEC section 14 in Chromium: signing in and out, nothing but the sign-in page without a session, and the page's
 * writes refused without the CSRF token or from another origin (403).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class DashboardSignInBrowserTest {

    @TempDir
    static Path dir;
    private DashboardGateway gw;
    private WebDriver driver;
    /** Another origin on the same host (another port): same site, so the Strict cookie is sent, but not our origin. */
    private HttpServer elsewhere;

    @BeforeAll
    void start() throws Exception {
        driver = DashboardBrowser.get();
        gw = new DashboardGateway(dir, "- {source: managed-alias, target: up/gpt-small}");
        elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/", exchange -> {
            byte[] page = ("<!doctype html><title>elsewhere</title><form id=f method=post action='" + gw.base
                    + "/admin/reload'><input name=x value=1><button id=go>go</button></form>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        elsewhere.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (elsewhere != null) {
            elsewhere.stop(0);
        }
        if (gw != null) {
            gw.close();
        }
    }

    @BeforeEach
    void signedOut() {
        driver.get(gw.base + "/admin/ui/favicon.svg");
        driver.manage().deleteAllCookies();
    }

    @Test
    void shouldShowOnlyTheSignInPageWithoutASession() {
        driver.get(gw.base + "/admin/#/models");
        visible(By.id("signin-form"));
        assertThat(driver.findElements(By.tagName("nav"))).isEmpty();
        assertThat(driver.findElements(By.id("sign-out"))).isEmpty();
        // The application's files and the API answer 401 without a session, whatever the page does.
        Object status = async("fetch('ui/models.js').then(r => arguments[0](r.status))");
        assertThat(status).isEqualTo(401L);
        Object api = async("fetch('virtual-models').then(r => arguments[0](r.status))");
        assertThat(api).isEqualTo(401L);
    }

    // Regression: the form had no method and its field a name, so a form sent before its script ran (a slow link) or
    // without scripts went as GET /admin/?token=..., the token in the history and in a proxy's access log.
    @Test
    void shouldNeverPutTheTokenInAnAddressWhenTheFormIsSentWithoutItsScript() {
        driver.get(gw.base + "/admin/");
        visible(By.id("token")).sendKeys(DashboardGateway.TOKEN);

        // submit() sends the form as the browser would on its own: the script's submit handler does not run.
        DashboardBrowser.script("document.getElementById('signin-form').submit();");

        until(d -> !d.getCurrentUrl().endsWith("/admin/"));
        assertThat(driver.getCurrentUrl()).isEqualTo(gw.base + "/admin/session").doesNotContain(DashboardGateway.TOKEN);
        assertThat(driver.getPageSource()).doesNotContain(DashboardGateway.TOKEN);
        assertThat(driver.manage().getCookieNamed("switchboard_admin_session")).isNull();
    }

    @Test
    void shouldRefuseAWrongTokenAndSignInWithTheRightOneByKeyboard() {
        driver.get(gw.base + "/admin/");
        visible(By.id("token"));
        // The token field has the focus: type and press Enter.
        driver.switchTo().activeElement().sendKeys("not-the-token", Keys.ENTER);
        textContains(By.id("signin-error"), "missing or invalid admin token");
        assertThat(driver.manage().getCookies()).isEmpty();

        driver.switchTo().activeElement().sendKeys(DashboardGateway.TOKEN, Keys.ENTER);
        page("Models");
        var cookie = driver.manage().getCookieNamed("switchboard_admin_session");
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/admin");
        // HttpOnly: the page's scripts cannot read it.
        assertThat(DashboardBrowser.script("return document.cookie;")).isEqualTo("");
    }

    @Test
    void shouldSignOut() {
        open(gw.base, DashboardGateway.TOKEN, "/models");
        page("Models");
        driver.findElement(By.id("sign-out")).click();
        visible(By.id("signin-form"));
        assertThat(driver.manage().getCookieNamed("switchboard_admin_session")).isNull();
        // The session is gone on the server too: the application does not come back.
        driver.get(gw.base + "/admin/#/status");
        visible(By.id("signin-form"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldRefuseAPageWriteWithoutTheCsrfToken() {
        open(gw.base, DashboardGateway.TOKEN, "/models");
        page("Models");
        String put = "fetch('virtual-models', {method: 'PUT', headers: %s,"
                + " body: JSON.stringify({source: 'sneaky', target_model: 'up/gpt-5'})})"
                + ".then(async r => arguments[0]({status: r.status, body: await r.text()}))";
        Map<String, Object> without = (Map<String, Object>) async(put.formatted("{'Content-Type': 'application/json'}"));
        assertThat(without.get("status")).isEqualTo(403L);
        assertThat((String) without.get("body")).contains("this write needs the session's CSRF token in X-CSRF-Token");

        // The same write with the session's token (as the page sends it) is admitted: the token is what differs.
        Map<String, Object> with = (Map<String, Object>) async("fetch('session').then(r => r.json()).then(s => "
                + put.formatted("{'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token}") + ")");
        assertThat(with.get("status")).isEqualTo(200L);
        Map<String, Object> delete = (Map<String, Object>) async("fetch('session').then(r => r.json()).then(s => "
                + "fetch('virtual-models', {method: 'DELETE', headers: {'X-CSRF-Token': s.csrf_token},"
                + " body: JSON.stringify({source: 'sneaky'})})).then(r => arguments[0]({status: r.status}))");
        assertThat(delete.get("status")).isEqualTo(204L);
    }

    @Test
    void shouldRefuseAWriteFromAnotherOrigin() {
        open(gw.base, DashboardGateway.TOKEN, "/models");
        page("Models");
        // A page of another origin (same host, another port) posts a form to the admin API with the operator's cookie.
        driver.get("http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/");
        driver.findElement(By.id("go")).click();
        until(d -> d.getCurrentUrl().endsWith("/admin/reload"));
        String answer = driver.findElement(By.tagName("body")).getText();
        assertThat(answer).contains("\"code\":\"forbidden\"").contains("a write from another origin is refused");
        // The session itself is still fine for its own page.
        open(gw.base, DashboardGateway.TOKEN, "/status");
        page("Status");
        assertThat(List.of(driver.findElement(By.id("status-version")).getText())).anyMatch(t -> t.contains("version"));
    }
}
