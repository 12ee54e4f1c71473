package dev.switchboard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.admin.AdminServlet;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC section 14's session rules over HTTP, without a browser: the admin API and the dashboard in one Jetty on port
 * 0, with a hand-moved clock. What a browser would see: statuses, cookie attributes, security headers, bodies.
 * (The browser tests in the bundle walk the same rules through Chromium.)
 */
final class DashboardHttpTest {

    private static final String TOKEN = "adm-dash-4411";
    private static final Pattern COOKIE = Pattern.compile(Dashboard.COOKIE + "=([^;]*)");
    private static final Pattern CSRF = Pattern.compile("\"csrf_token\":\"([^\"]+)\"");

    @TempDir
    static Path dir;
    private static Server server;
    private static Server secureServer;
    private static URI base;
    private static URI secureBase;
    private static LiveConfig live;
    private static Dashboard dashboard;
    /** Moved by hand: idle expiry without waiting. */
    private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private static final AtomicReference<String> TOKEN_IN_FORCE = new AtomicReference<>(TOKEN);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("switchboard.yaml"), """
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:9", api_key: k}
                default_provider: up
                admin: {token: %s}
                reload: {poll_interval: 1h}
                """.formatted(TOKEN));
        live = LiveConfig.load(dir.resolve("switchboard.yaml"), new ConfigLoader(name -> null));
        dashboard = new Dashboard(TOKEN_IN_FORCE::get, CLOCK, Dashboard.IDLE_TIMEOUT);
        server = serve(dashboard, false);
        base = URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
        secureServer = serve(dashboard, true);
        secureBase = URI.create("http://127.0.0.1:" + ((ServerConnector) secureServer.getConnectors()[0]).getLocalPort());
    }

    /** One context with the admin API and the dashboard; {@code secure} plays a request that arrived over HTTPS. */
    private static Server serve(Dashboard dashboard, boolean secure) throws Exception {
        Server s = new Server();
        HttpConfiguration http = new HttpConfiguration();
        if (secure) {
            http.addCustomizer((request, responseHeaders) -> new Request.Wrapper(request) {
                @Override
                public boolean isSecure() {
                    return true;
                }
            });
        }
        ServerConnector connector = new ServerConnector(s, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        s.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new AdminServlet(live, List.of(), dashboard.authenticator())), "/admin/*");
        ServletHolder page = new ServletHolder(dashboard.servlet());
        for (String m : Dashboard.MAPPINGS) {
            context.getServletHandler().addServletWithMapping(page, m);
        }
        s.setHandler(context);
        s.start();
        return s;
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        secureServer.stop();
        live.close();
    }

    private record Signed(String cookie, String csrf, String setCookie) {
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(URI root, String method, String path, String body) {
        return HttpRequest.newBuilder(root.resolve(path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private Signed signIn(URI root) throws Exception {
        HttpResponse<String> r = send(request(root, "POST", "/admin/session", "{\"token\":\"" + TOKEN + "\"}")
                .header("Content-Type", "application/json").header("Origin", root.toString()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        Matcher c = COOKIE.matcher(setCookie);
        Matcher t = CSRF.matcher(r.body());
        assertThat(c.find()).isTrue();
        assertThat(t.find()).isTrue();
        return new Signed(c.group(1), t.group(1), setCookie);
    }

    private HttpRequest.Builder withSession(Signed s, String method, String path, String body) {
        return request(base, method, path, body).header("Cookie", Dashboard.COOKIE + "=" + s.cookie());
    }

    @Test
    void shouldSetASessionCookieThatScriptsAndOtherSitesCannotUse() throws Exception {
        Signed s = signIn(base);
        assertThat(s.setCookie()).isEqualTo(Dashboard.COOKIE + "=" + s.cookie() + "; Path=/admin; HttpOnly; SameSite=Strict");
        assertThat(s.cookie()).hasSize(43);
    }

    @Test
    void shouldMarkTheCookieSecureOverHttps() throws Exception {
        Signed s = signIn(secureBase);
        assertThat(s.setCookie()).endsWith("; HttpOnly; SameSite=Strict; Secure");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"token":"wrong"}     | 401
            {"token":""}          | 401
            {}                    | 401
            not json              | 400
            []                    | 400
            {"token":1}           | 401
            """)
    void shouldRefuseASignInWithoutTheAdminToken(String body, int status) throws Exception {
        HttpResponse<String> r = send(request(base, "POST", "/admin/session", body));
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.body()).contains(status == 401 ? "\"code\":\"invalid_admin_token\""
                : "{\"error\":{\"message\":\"the sign-in body must be a JSON object {\\\"token\\\": \\\"...\\\"}\","
                        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_request\"}}");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void shouldSignInWithATokenPastedWithTheLineEndOfItsFile() throws Exception {
        // As the bearer header's token is read (stripped): a token copied from a file comes with its line end.
        HttpResponse<String> r = send(request(base, "POST", "/admin/session", "{\"token\":\" " + TOKEN + "\\n\"}")
                .header("Content-Type", "application/json").header("Origin", base.toString()));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith(Dashboard.COOKIE + "="));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"token\":\"wrong\",\"token\":\"TOKEN\"}", "{\"token\":\"TOKEN\",\"token\":\"wrong\"}"})
    void shouldRefuseASignInThatSendsTheTokenTwice(String body) throws Exception {
        // Readers differ on which copy counts (the last in Python and Node, the first in some): neither does here.
        HttpResponse<String> r = send(request(base, "POST", "/admin/session", body.replace("TOKEN", TOKEN)));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"invalid_request\"").contains("token: appears more than once in the request body");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void shouldServeOnlyTheSignInPageWithoutASession() throws Exception {
        HttpResponse<String> page = send(request(base, "GET", "/admin/", null));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("signin.js").doesNotContain("app.js");
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(DashboardServlet.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(send(request(base, "GET", "/admin/ui/app.js", null)).statusCode()).isEqualTo(401);
        assertThat(send(request(base, "GET", "/admin/ui/signin.js", null)).statusCode()).isEqualTo(200);
        assertThat(send(request(base, "GET", "/admin/virtual-models", null)).statusCode()).isEqualTo(401);
        HttpResponse<String> redirect = send(request(base, "GET", "/admin", null));
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location").orElseThrow()).endsWith("/admin/");

        Signed s = signIn(base);
        HttpResponse<String> app = send(withSession(s, "GET", "/admin/", null));
        assertThat(app.body()).contains("app.js");
        HttpResponse<String> js = send(withSession(s, "GET", "/admin/ui/app.js", null));
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).contains("text/javascript;charset=utf-8");
        assertThat(send(withSession(s, "GET", "/admin/ui/../index.html", null)).statusCode()).isEqualTo(404);
        assertThat(send(withSession(s, "GET", "/admin/ui/index.html", null)).statusCode()).isEqualTo(404);
    }

    // HEAD answers as GET without the body on the page, its files and, admitted by the session, the admin API.
    @ParameterizedTest
    @CsvSource(textBlock = """
            /admin/
            /admin/ui/app.js
            /admin/ui/signin.js
            /admin/virtual-models
            /admin/status
            /admin/session
            """)
    void shouldAnswerHeadAsGetWithoutTheBodyForASession(String path) throws Exception {
        Signed s = signIn(base);

        HttpResponse<String> get = send(withSession(s, "GET", path, null));
        HttpResponse<String> head = send(withSession(s, "HEAD", path, null));
        HttpResponse<String> anonymous = send(request(base, "HEAD", path, null));

        assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length"))
                .hasValue(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
        for (String name : List.of("Content-Type", "ETag", "Cache-Control", "X-Content-Type-Options",
                "Content-Security-Policy")) {
            assertThat(head.headers().allValues(name)).as(name).isEqualTo(get.headers().allValues(name));
        }
        assertThat(anonymous.statusCode()).isEqualTo(path.equals("/admin/") || path.endsWith("signin.js") ? 200 : 401);
        assertThat(anonymous.body()).isEmpty();
    }

    @Test
    void shouldRefuseAWriteWithoutTheCsrfTokenOrFromAnotherOrigin() throws Exception {
        Signed s = signIn(base);
        String body = "{\"source\":\"csrf-test\",\"target_model\":\"up/m\"}";
        HttpResponse<String> read = send(withSession(s, "GET", "/admin/virtual-models", null));
        assertThat(read.statusCode()).isEqualTo(200);

        HttpResponse<String> noToken = send(withSession(s, "PUT", "/admin/virtual-models", body).header("Origin", base.toString()));
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).isEqualTo("{\"error\":{\"message\":\"this write needs the session's CSRF token in "
                + "X-CSRF-Token\",\"type\":\"permission_error\",\"param\":null,\"code\":\"forbidden\"}}");

        HttpResponse<String> wrongToken = send(withSession(s, "PUT", "/admin/virtual-models", body)
                .header(Dashboard.CSRF_HEADER, s.csrf() + "x"));
        assertThat(wrongToken.statusCode()).isEqualTo(403);

        HttpResponse<String> otherOrigin = send(withSession(s, "PUT", "/admin/virtual-models", body)
                .header(Dashboard.CSRF_HEADER, s.csrf()).header("Origin", "http://evil.example"));
        assertThat(otherOrigin.statusCode()).isEqualTo(403);
        assertThat(otherOrigin.body()).contains("a write from another origin is refused");

        HttpResponse<String> crossSite = send(withSession(s, "POST", "/admin/reload", null)
                .header(Dashboard.CSRF_HEADER, s.csrf()).header("Sec-Fetch-Site", "same-site"));
        assertThat(crossSite.statusCode()).isEqualTo(403);

        assertThat(send(withSession(s, "GET", "/admin/virtual-models", null)).body()).doesNotContain("csrf-test");
        HttpResponse<String> ok = send(withSession(s, "PUT", "/admin/virtual-models", body)
                .header(Dashboard.CSRF_HEADER, s.csrf()).header("Origin", base.toString()));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> delete = send(withSession(s, "DELETE", "/admin/virtual-models", "{\"source\":\"csrf-test\"}")
                .header(Dashboard.CSRF_HEADER, s.csrf()));
        assertThat(delete.statusCode()).isEqualTo(204);
    }

    @Test
    void shouldKeepBearerTokensUnchangedForScripts() throws Exception {
        Signed s = signIn(base);
        HttpResponse<String> bearer = send(request(base, "PUT", "/admin/virtual-models", "{\"source\":\"script\",\"target_model\":\"up/m\"}")
                .header("Authorization", "Bearer " + TOKEN).header("Origin", "http://evil.example"));
        assertThat(bearer.statusCode()).isEqualTo(200);
        // A wrong bearer token is 401 even with a live session: the header alone decides.
        HttpResponse<String> wrong = send(withSession(s, "GET", "/admin/virtual-models", null).header("Authorization", "Bearer nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"switchboard-admin\"");
        assertThat(send(request(base, "DELETE", "/admin/virtual-models", "{\"source\":\"script\"}")
                .header("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(204);
    }

    @Test
    void shouldEndASessionAtSignOut() throws Exception {
        Signed s = signIn(base);
        assertThat(send(withSession(s, "DELETE", "/admin/session", null)).statusCode()).isEqualTo(403);
        HttpResponse<String> out = send(withSession(s, "DELETE", "/admin/session", null).header(Dashboard.CSRF_HEADER, s.csrf()));
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(send(withSession(s, "GET", "/admin/virtual-models", null)).statusCode()).isEqualTo(401);
        assertThat(send(withSession(s, "GET", "/admin/", null)).body()).contains("signin.js");
    }

    @Test
    void shouldFindTheSessionAmongSeveralCookiesOfItsName() throws Exception {
        Signed s = signIn(base);
        // A page on a sibling host of the same site can set a cookie of this name for the parent domain and a longer
        // path, which the browser then sends first. Regression: only the first was read, so every request of the
        // operator's live session was 401 and signing in again did not help.
        String cookies = Dashboard.COOKIE + "=planted-by-a-sibling; " + Dashboard.COOKIE + "=" + s.cookie();

        HttpResponse<String> page = send(request(base, "GET", "/admin/", null).header("Cookie", cookies));
        HttpResponse<String> js = send(request(base, "GET", "/admin/ui/app.js", null).header("Cookie", cookies));
        HttpResponse<String> list = send(request(base, "GET", "/admin/virtual-models", null).header("Cookie", cookies));
        HttpResponse<String> reload = send(request(base, "POST", "/admin/reload", null).header("Cookie", cookies)
                .header(Dashboard.CSRF_HEADER, s.csrf()));
        HttpResponse<String> out = send(request(base, "DELETE", "/admin/session", null).header("Cookie", cookies)
                .header(Dashboard.CSRF_HEADER, s.csrf()));

        assertThat(page.body()).contains("app.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(send(withSession(s, "GET", "/admin/virtual-models", null)).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldExpireASessionAfterThirtyIdleMinutesNotCountingBackgroundRefreshes() throws Exception {
        Signed s = signIn(base);
        CLOCK.advance(Duration.ofMinutes(20));
        assertThat(send(withSession(s, "GET", "/admin/status", null)).statusCode()).isEqualTo(200);
        CLOCK.advance(Duration.ofMinutes(20));
        // 40 minutes after sign-in, 20 after the operator's last request: alive. A refresh does not count.
        assertThat(send(withSession(s, "GET", "/admin/status", null).header(Dashboard.POLL_HEADER, "1")).statusCode()).isEqualTo(200);
        CLOCK.advance(Duration.ofMinutes(10));
        assertThat(send(withSession(s, "GET", "/admin/status", null).header(Dashboard.POLL_HEADER, "1")).statusCode()).isEqualTo(401);
        assertThat(send(withSession(s, "GET", "/admin/session", null)).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldEndEverySessionWhenTheAdminTokenChanges() throws Exception {
        Signed s = signIn(base);
        TOKEN_IN_FORCE.set("rotated");
        try {
            assertThat(send(withSession(s, "GET", "/admin/session", null)).statusCode()).isEqualTo(401);
        } finally {
            TOKEN_IN_FORCE.set(TOKEN);
        }
        assertThat(send(withSession(s, "GET", "/admin/session", null)).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldNotReviveASessionWhenTheTokenChangesBackBeforeItIsUsedAgain() throws Exception {
        Signed s = signIn(base);
        assertThat(send(withSession(s, "GET", "/admin/session", null)).statusCode()).isEqualTo(200);

        // Two reloads, the token rotated and rolled back (or turned off and on), with no request in between.
        dashboard.tokenInForce("rotated");
        dashboard.tokenInForce(TOKEN);

        assertThat(send(withSession(s, "GET", "/admin/session", null)).statusCode()).isEqualTo(401);
        assertThat(send(withSession(signIn(base), "GET", "/admin/session", null)).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldKeepTheWholeUiUnder300KilobytesWithNothingFromTheNetwork() throws IOException {
        long total = 0;
        // The module's own classes folder (tests run before the jar is built).
        Path folder = Path.of(URI.create(Objects.requireNonNull(getClass().getClassLoader().getResource(Assets.ROOT)).toString()));
        List<String> names;
        try (var files = Files.list(folder)) {
            names = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertThat(names).contains("index.html", "signin.html", "app.js", "style.css");
        for (String name : names) {
            Assets.Asset a = new Assets(getClass().getClassLoader()).get(name);
            assertThat(a).as(name).isNotNull();
            total += a.bytes().length;
            String text = new String(a.bytes(), StandardCharsets.UTF_8);
            // The one absolute URL allowed is the SVG namespace (a name, never fetched).
            assertThat(text.replace("http://www.w3.org/2000/svg", "")).as(name).doesNotContain("http://", "https://");
        }
        assertThat(total).isLessThan(300 * 1024);
    }
}
