package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deploys {@code target/switchboard.war}, as built, into an embedded Tomcat 11 twice: with the
 * built-in default config (demo echo provider) and with a config file given as context parameter
 * that proxies to a {@link FakeUpstream}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class WarDeploymentIT {

    /**
     * What a stock Tomcat shows its webapps: no SLF4J provider. This test's class path has Logback (the
     * bundle's), which the WAR's own SLF4J would find and fail to use ("not a subtype").
     */
    private static final ClassLoader CONTAINER = new URLClassLoader(new URL[0], WarDeploymentIT.class.getClassLoader()) {
        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            if (name.equals("META-INF/services/jakarta.servlet.ServletContainerInitializer")) {
                // The test's class path holds the jar's Jetty WebSocket server, whose initializer a Tomcat would run
                // (and fail in); the WAR itself leaves those jars out.
                return Collections.enumeration(Collections.list(super.getResources(name)).stream()
                        .filter(u -> !u.toString().contains("/org/eclipse/jetty/")).toList());
            }
            return name.startsWith("META-INF/services/org.slf4j.") ? Collections.emptyEnumeration() : super.getResources(name);
        }
    };

    private Tomcat tomcat;
    /** A context undeployed by a test. */
    private Context leaving;
    /** The config file of the contexts but the demo's. */
    private Path config;
    private int port;
    private FakeUpstream upstream;
    private FaultyUpstream faulty;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void deploy() throws Exception {
        Path war = Path.of(System.getProperty("switchboard.war")).toAbsolutePath();
        assertThat(war).exists();
        upstream = new FakeUpstream();
        faulty = new FaultyUpstream();
        Path base = Files.createTempDirectory("war-tomcat");
        Files.createDirectories(base.resolve("webapps"));
        config = base.resolve("switchboard.yaml");
        Files.writeString(config, """
                providers:
                  local: {type: openai-compatible, base_url: %s, api_key: sk-upstream}
                  faulty: {type: openai-compatible, base_url: %s}
                default_provider: local
                virtual_models:
                  - {source: fast, target: local/tiny}
                  - {source: local/forbidden, enabled: false}
                admin: {token: war-admin}
                """.formatted(upstream.url(), faulty.url()));
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        tomcat.getHost().setAppBase(base.resolve("webapps").toString());
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context demo = tomcat.addWebapp("/demo", war.toString());
        Context proxied = tomcat.addWebapp("/gw", war.toString());
        proxied.addParameter("switchboard.config", config.toString());
        leaving = tomcat.addWebapp("/leaving", war.toString());
        leaving.addParameter("switchboard.config", config.toString());
        demo.setParentClassLoader(CONTAINER);
        proxied.setParentClassLoader(CONTAINER);
        leaving.setParentClassLoader(CONTAINER);
        if (leaving instanceof org.apache.catalina.core.StandardContext standard) {
            // Tomcat waits up to unloadDelay (2 s) for requests in flight before it stops the servlets: the test needs
            // the stop, not the wait.
            standard.setUnloadDelay(200);
        }
        tomcat.start();
        port = connector.getLocalPort();
    }

    @AfterAll
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        upstream.stop();
        faulty.stop();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeAChatCompletionFromTheBuiltInDemoConfig() throws Exception {
        HttpResponse<String> r = post("/demo/v1/chat/completions",
                "{\"model\":\"regular\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"object\":\"chat.completion\"", "\"model\":\"echo-small\"",
                "echo from echo-small: hello");
        assertThat(r.headers().firstValue("X-Switchboard-Virtual-Model")).hasValue("regular");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/demo/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.body()).isEqualTo("ok");
    }

    @Test
    void shouldProxyToTheProviderOfTheContextParameterConfig() throws Exception {
        HttpResponse<String> r = post("/gw/v1/chat/completions", "{\"model\":\"fast\",\"n\":1}");
        assertThat(r.statusCode()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.text()).isEqualTo("{\"model\":\"tiny\",\"n\":1}");
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-upstream");
        assertThat(got.headers()).doesNotContainKeys("x-forwarded-for", "via", "forwarded");
        HttpResponse<String> denied = post("/gw/v1/chat/completions", "{\"model\":\"local/forbidden\"}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("\"code\":\"model_access_denied\"");
    }

    @Test
    void shouldServeTheDashboardFromTheWarUnderItsContextPath() throws Exception {
        String root = "http://127.0.0.1:" + port + "/gw/admin/";
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(root)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"ui/signin.js\"></script>");
        HttpResponse<String> signIn = client.send(HttpRequest.newBuilder(URI.create(root + "session"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"war-admin\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(200);
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("; Path=/gw/admin; HttpOnly; SameSite=Strict");
        HttpResponse<String> app = client.send(HttpRequest.newBuilder(URI.create(root + "ui/app.js"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("Content-Type")).hasValue("text/javascript;charset=utf-8");
        // The demo context has no admin token: no dashboard either.
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/admin/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    // The Servlet API cannot abort a response; in Tomcat the gateway closes the connection its own way (TomcatAbort), so
    // a broken stream ends with the SSE error event and a cut, as in Jetty.
    @Test
    void shouldCutAStreamThatBrokeAfterTheErrorEventInTomcat() throws Exception {
        String event = "data: {\"n\":1}\n\n";
        faulty.next(FaultyUpstream.Script.of(FaultyUpstream.End.RST, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", Integer.toHexString(event.length()) + "\r\n" + event + "\r\n"));

        RawClient.Received r = RawClient.post(port, "/gw/v1/chat/completions", "{\"model\":\"faulty/m\",\"stream\":true}",
                10_000);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.head().split("\r\n")).filteredOn(h -> h.regionMatches(true, 0, "Transfer-Encoding:", 0, 18)).hasSize(1);
        assertThat(r.body()).isEqualTo(event + "event: error\ndata: {\"error\":{\"message\":\"provider faulty ended the "
                + "response before it was complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}\n\n");
        assertThat(r.complete()).as("no terminating chunk: a cut").isFalse();
    }

    // The stream-end check in Tomcat (a probe with the official SDKs, 2026-12-07): a chat stream the upstream ends
    // cleanly before [DONE] or a finish reason is cut with the error event; one whose [DONE] came before a reset ends.
    @Test
    void shouldCutAStreamEndedBeforeItSaidSoAndEndOneWhoseLastEventCameInTomcat() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        String event = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n";
        String chunk = Integer.toHexString(event.length()) + "\r\n" + event + "\r\n";
        faulty.next(FaultyUpstream.Script.of(FaultyUpstream.End.FIN, head, chunk, "0\r\n\r\n"));

        RawClient.Received early = RawClient.post(port, "/gw/v1/chat/completions", "{\"model\":\"faulty/m\","
                + "\"stream\":true}", 10_000);

        assertThat(early.status()).isEqualTo(200);
        assertThat(early.body()).isEqualTo(event + "event: error\ndata: {\"error\":{\"message\":\"provider faulty ended"
                + " the response before it was complete\",\"type\":\"api_error\",\"param\":null,\"code\":"
                + "\"upstream_unavailable\"}}\n\n");
        assertThat(early.complete()).as("no terminating chunk: a cut").isFalse();

        String done = "data: [DONE]\n\n";
        faulty.next(FaultyUpstream.Script.of(FaultyUpstream.End.RST, head, chunk, Integer.toHexString(done.length())
                + "\r\n" + done + "\r\n"));

        RawClient.Received whole = RawClient.post(port, "/gw/v1/chat/completions", "{\"model\":\"faulty/m\","
                + "\"stream\":true}", 10_000);

        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(event + done);
        assertThat(whole.complete()).as("its last event came: a clean end").isTrue();
    }

    // Regression (a probe of 2026-12-07): the WAR took a reloaded upstream_idle_timeout silently (it reads it at its
    // start) while the jar said so; now it says so too.
    @Test
    void shouldSayThatAReloadedStartOnlySettingWaitsForTheNextDeployment() throws Exception {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.switchboard.jetty.StartOnly");
        jul.addHandler(capture);
        String before = Files.readString(config);
        try {
            Files.writeString(config, before + "server: {upstream_idle_timeout: 3s}\n");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> assertThat(lines)
                    .anyMatch(l -> l.startsWith("WARNING Switchboard: reloaded, but server.upstream_idle_timeout 3s (in use: ")
                            && l.endsWith(") takes effect at the next deployment only")));
        } finally {
            jul.removeHandler(capture);
            Files.writeString(config, before);
        }
    }

    // Regression (a probe of 2026-12-07): a WAR undeployed with a stream in flight told its client that the provider
    // ended the response; the provider was fine, the gateway was going away.
    @Test
    void shouldEndAStreamInFlightWhenTheWarIsUndeployedAsTheGatewaysStop() throws Exception {
        String event = "data: {\"n\":1}\n\n";
        faulty.next(FaultyUpstream.Script.of(FaultyUpstream.End.STALL, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", Integer.toHexString(event.length()) + "\r\n" + event + "\r\n"));
        java.util.concurrent.CompletableFuture<Void> undeploy = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            tomcat.getHost().removeChild(leaving);
        });

        RawClient.Received r = RawClient.post(port, "/leaving/v1/chat/completions", "{\"model\":\"faulty/m\",\"stream\":true}",
                20_000);

        undeploy.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(event + "event: error\ndata: {\"error\":{\"message\":\"the gateway shut down before the"
                + " response was complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"shutting_down\"}}\n\n");
        assertThat(r.complete()).as("no terminating chunk: a cut").isFalse();
    }

    @Test
    void shouldCutAnAnswerThatBrokeInTomcatSoThatItNeverLooksWhole() throws Exception {
        // A JSON answer, chunked, reset half-way: the client must not get a terminating chunk after half an answer.
        // Past the response buffer, so that the client has the status and part of the body (before that, a 502).
        String half = "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"" + "Hello ".repeat(10_000);
        faulty.next(FaultyUpstream.Script.of(FaultyUpstream.End.RST, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", Integer.toHexString(half.length()) + "\r\n" + half + "\r\n"));

        RawClient.Received r = RawClient.post(port, "/gw/v1/chat/completions", "{\"model\":\"faulty/m\"}", 10_000);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(half);
        assertThat(r.complete()).as("no terminating chunk: a cut").isFalse();
    }
}
