package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** An upstream listing in pages (Anthropic's {@code has_more}, {@code last_id}, {@code after_id}) is listed whole. */
final class ModelCatalogPagesTest {

    private static final Pattern ID = Pattern.compile("\"id\":\"(up/[^\"]+)\"");

    // Regression: only the first page was read, and Anthropic's holds 20 models unless asked for more: every model past
    // the twentieth was missing from GET /v1/models, with no word.
    @Test
    void shouldListEveryModelOfAListingInPages() throws Exception {
        List<String> queries = new CopyOnWriteArrayList<>();
        Server upstream = ServletServer.start(new Pages(45, 20, true, queries));
        try {
            assertThat(listed(upstream)).hasSize(45).contains("up/claude-00", "up/claude-20", "up/claude-44");
            // Asked for the most a page holds, then page after page from the last id of each.
            assertThat(queries).containsExactly("limit=1000", "limit=1000&after_id=claude-19",
                    "limit=1000&after_id=claude-39");
        } finally {
            upstream.stop();
        }
    }

    @Test
    void shouldListTheFirstPageOfAListingThatSaysThereIsMoreButNotWhere() throws Exception {
        List<String> queries = new CopyOnWriteArrayList<>();
        Server upstream = ServletServer.start(new Pages(45, 20, false, queries));
        try {
            assertThat(listed(upstream)).hasSize(20);
            assertThat(queries).containsExactly("limit=1000");
        } finally {
            upstream.stop();
        }
    }

    @Test
    void shouldStopAfterTenPagesAndSaySo() throws Exception {
        List<String> queries = new CopyOnWriteArrayList<>();
        Server upstream = ServletServer.start(new Pages(45, 2, true, queries));
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ModelCatalog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            assertThat(listed(upstream)).hasSize(2 * ModelCatalog.MAX_PAGES);
            assertThat(queries).hasSize(ModelCatalog.MAX_PAGES);
            assertThat(events.list).extracting(e -> e.getFormattedMessage())
                    .contains("provider up: /v1/models has more than 10 pages; the list shows the first 20 models");
        } finally {
            log.detachAppender(events);
            upstream.stop();
        }
    }

    // Regression (probe): a provider whose listing failed was asked again by every GET /v1/models, and one that hung
    // made every caller wait the 10 s bound; callers at once each asked it too.
    @Test
    void shouldAskAProviderOnceForCallersAtOnceAndRememberAFailureForAWhile() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Server upstream = ServletServer.start(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                asked.incrementAndGet();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resp.setStatus(failing.get() ? 500 : 200);
                resp.setContentType("application/json");
                resp.getOutputStream().write("{\"data\":[{\"type\":\"model\",\"id\":\"m\"}],\"has_more\":false}"
                        .getBytes(StandardCharsets.UTF_8));
            }
        });
        Gateway gateway = TestGateway.start("providers:\n  up: {type: anthropic, base_url: \"http://127.0.0.1:"
                + ServletServer.port(upstream) + "\", api_key: k}\ndefault_provider: up\n");
        try {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/models")).build();
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> atOnce = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                atOnce.add(client.sendAsync(list, HttpResponse.BodyHandlers.ofString()));
            }
            for (java.util.concurrent.CompletableFuture<HttpResponse<String>> r : atOnce) {
                assertThat(r.get(20, java.util.concurrent.TimeUnit.SECONDS).body()).doesNotContain("up/m");
            }
            assertThat(asked.get()).as("five callers at once, one listing").isEqualTo(1);

            failing.set(false);
            long started = System.nanoTime();
            HttpResponse<String> again = client.send(list, HttpResponse.BodyHandlers.ofString());
            // The failure is remembered: answered at once, without the provider, which is not asked.
            assertThat(again.body()).doesNotContain("up/m");
            assertThat((System.nanoTime() - started) / 1_000_000).as("ms").isLessThan(400);
            assertThat(asked.get()).isEqualTo(1);
        } finally {
            gateway.stop();
            upstream.stop();
        }
    }

    // Probe: a provider that ignores after_id answered the same page ten times per refresh.
    @Test
    void shouldReadAPageThatComesBackTheSameOnce() throws Exception {
        List<String> queries = new CopyOnWriteArrayList<>();
        Server upstream = ServletServer.start(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                queries.add(String.valueOf(req.getQueryString()));
                resp.setContentType("application/json");
                resp.getOutputStream().write(("{\"data\":[{\"type\":\"model\",\"id\":\"a\"},{\"type\":\"model\",\"id\":\"b\"}],"
                        + "\"has_more\":true,\"last_id\":\"b\"}").getBytes(StandardCharsets.UTF_8));
            }
        });
        try {
            assertThat(listed(upstream)).containsExactly("up/a", "up/b");
            assertThat(queries).containsExactly("limit=1000", "limit=1000&after_id=b");
        } finally {
            upstream.stop();
        }
    }

    // Regression: the gateway's own Anthropic-shaped list ignored limit and after_id (one page of everything).
    @Test
    void shouldPageTheGatewaysAnthropicListAsAnSdkWalksIt() throws Exception {
        Server upstream = ServletServer.start(new Pages(45, 20, true, new CopyOnWriteArrayList<>()));
        Gateway gateway = TestGateway.start("""
                providers:
                  up: {type: anthropic, base_url: "http://127.0.0.1:%d", api_key: k}
                default_provider: up
                """.formatted(ServletServer.port(upstream)));
        try {
            HttpClient client = HttpClient.newHttpClient();
            List<String> walked = new java.util.ArrayList<>();
            List<Integer> pages = new java.util.ArrayList<>();
            String query = "limit=20";
            while (query != null) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/models?" + query)).header("anthropic-version", "2023-06-01").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Matcher m = ID.matcher(r.body());
                int n = 0;
                while (m.find()) {
                    walked.add(m.group(1));
                    n++;
                }
                pages.add(n);
                Matcher last = Pattern.compile("\"last_id\":\"([^\"]+)\"").matcher(r.body());
                query = r.body().contains("\"has_more\":true") && last.find() ? "limit=20&after_id=" + last.group(1) : null;
            }
            assertThat(pages).containsExactly(20, 20, 5);
            assertThat(walked).hasSize(45).doesNotHaveDuplicates().startsWith("up/claude-00").endsWith("up/claude-44");
        } finally {
            gateway.stop();
            upstream.stop();
        }
    }

    // A soak probe (2026-12-07): a listing was kept for every provider name ever configured (1,800 renames, 1,800
    // listings, each with its provider's key).
    @Test
    void shouldKeepNoListingOfAProviderNoLongerDeclared() throws Exception {
        Server upstream = ServletServer.start(new Pages(3, 20, true, new CopyOnWriteArrayList<>()));
        org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
        client.start();
        try {
            ModelCatalog catalog = new ModelCatalog(client, java.time.Clock.systemUTC());
            for (int i = 0; i < 5; i++) {
                dev.switchboard.rules.Rules rules = new dev.switchboard.config.ConfigLoader().parse("""
                        providers:
                          p%d: {type: anthropic, base_url: "http://127.0.0.1:%d", api_key: k}
                        """.formatted(i, ServletServer.port(upstream))).rules();
                assertThat(catalog.listing(rules, java.time.Duration.ofMinutes(5)).data()).hasSize(3);
            }
            assertThat(catalog.cachedProviders()).as("the last one's alone").isEqualTo(1);
        } finally {
            client.stop();
            upstream.stop();
        }
    }

    private static List<String> listed(Server upstream) throws Exception {
        Gateway gateway = TestGateway.start("""
                providers:
                  up: {type: anthropic, base_url: "http://127.0.0.1:%d", api_key: k}
                default_provider: up
                """.formatted(ServletServer.port(upstream)));
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            List<String> ids = new java.util.ArrayList<>();
            Matcher m = ID.matcher(r.body());
            while (m.find()) {
                ids.add(m.group(1));
            }
            return ids;
        } finally {
            gateway.stop();
        }
    }

    /** Anthropic's listing: {@code size} models, at most {@code page} a page whatever the limit asked. */
    private static final class Pages extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final int size;
        private final int page;
        private final boolean lastId;
        private final transient List<String> queries;

        Pages(int size, int page, boolean lastId, List<String> queries) {
            this.size = size;
            this.page = page;
            this.lastId = lastId;
            this.queries = queries;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            queries.add(String.valueOf(req.getQueryString()));
            String after = req.getParameter("after_id");
            int from = after == null ? 0 : Integer.parseInt(after.substring("claude-".length())) + 1;
            int to = Math.min(size, from + page);
            StringBuilder data = new StringBuilder();
            for (int i = from; i < to; i++) {
                data.append(i == from ? "" : ",").append("{\"type\":\"model\",\"id\":\"claude-%02d\",\"display_name\":\"C\","
                        .formatted(i)).append("\"created_at\":\"2025-01-01T00:00:00Z\"}");
            }
            String body = "{\"data\":[" + data + "],\"has_more\":" + (to < size)
                    + (lastId ? ",\"first_id\":\"claude-%02d\",\"last_id\":\"claude-%02d\"".formatted(from, to - 1) : "") + "}";
            resp.setContentType("application/json");
            resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
