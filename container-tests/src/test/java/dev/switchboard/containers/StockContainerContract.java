package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What an operator sees in a stock container's own log (SPEC section 13): Switchboard's start lines, why a
 * deployment with an invalid config did not start, and, after a broken edit of a config file, the reload
 * error with the YAML path; never a stack trace. Both for the WAR ({@code jetty-bundle/target/switchboard.war},
 * configured by a context parameter) and for the filter in an ordinary webapp ({@code examples/tomcat-webapp},
 * configured by its {@code /WEB-INF/switchboard.yaml}, bringing no SLF4J provider); and that the filter denies
 * the host's disabled model however the client spells the webapp's context path. One container process
 * per class, on a free port, always stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StockContainerContract {

    /** Reloads are seen within about a second (file events) and 3 s at worst (the poll); slack for a loaded machine. */
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(15);
    private static final String ADMIN_TOKEN = "it-admin-token";
    /** SWITCHBOARD_ADMIN_TOKEN in the container's environment: what the WAR's built-in config reads. */
    static final String ENV_ADMIN_TOKEN = "env-admin-token";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private StockContainer container;
    private Path warConfig;
    private Path filterConfig;
    private Path brokenWarConfig;
    private Path waitingWarConfig;
    private Path brokenFilterConfig;
    private String version;
    /** An upstream that sends half of an answer, then resets the connection. */
    private java.net.ServerSocket cutting;
    /** An upstream that reads a request and never answers; it notes when the gateway closes the connection. */
    private java.net.ServerSocket silent;
    /** An upstream whose answer carries one header of as many bytes as the request's model says. */
    private java.net.ServerSocket bigHeaders;
    /** An upstream that streams 40 SSE events, 100 ms apart. */
    private java.net.ServerSocket streaming;
    /** When {@link #silent} read a request, then when its connection closed (System.nanoTime). */
    private final java.util.concurrent.BlockingQueue<Long> silentEvents = new java.util.concurrent.LinkedBlockingQueue<>();

    /** The container, in a new empty base folder. */
    abstract StockContainer create(Path base) throws Exception;

    /**
     * @return whether the WAR in this container notices a client that left before its answer (it reads the client's
     *     connection: Jetty), rather than only when the answer is written (Tomcat)
     */
    abstract boolean noticesAClientThatLeft();

    /** @return the most bytes of an upstream's response headers the WAR passes on in this container */
    abstract int upstreamHeaderBound();

    /**
     * @return the status the container answers a TRACE with before any filter: 405 (Tomcat's connector refuses it), or
     *     403 with no body (Jetty's default descriptor forbids it by a security constraint)
     */
    int traceStatus() {
        return 405;
    }

    @BeforeAll
    final void deployAndStart() throws Exception {
        version = property("switchboard.version");
        cutting = cuttingUpstream();
        silent = silentUpstream(silentEvents);
        bigHeaders = bigHeadersUpstream();
        streaming = streamingUpstream();
        Path run = Path.of("target", "it", getClass().getSimpleName()).toAbsolutePath();
        deleteRecursively(run);
        Files.createDirectories(run);
        warConfig = run.resolve("gateway.yaml");
        Files.writeString(warConfig, """
                providers:
                  demo: {type: echo}
                  cutting: {type: openai-compatible, base_url: "http://127.0.0.1:%d"}
                  silent: {type: openai-compatible, base_url: "http://127.0.0.1:%d"}
                  big: {type: openai-compatible, base_url: "http://127.0.0.1:%d"}
                  streaming: {type: openai-compatible, base_url: "http://127.0.0.1:%d"}
                default_provider: demo
                virtual_models:
                  - {source: fast, target: demo/echo-small}
                admin:
                  token: %s
                """.formatted(cutting.getLocalPort(), silent.getLocalPort(), bigHeaders.getLocalPort(),
                        streaming.getLocalPort(), ADMIN_TOKEN),
                UTF_8);
        brokenWarConfig = run.resolve("broken.yaml");
        Files.writeString(brokenWarConfig, "server:\n  prot: 8080\n", UTF_8);
        waitingWarConfig = run.resolve("waiting.yaml");
        Files.writeString(waitingWarConfig, """
                providers:
                  demo: {type: echo}
                default_provider: demo
                admin:
                  token: %s
                  store: postgresql://127.0.0.1:1/switchboard
                """.formatted(ADMIN_TOKEN), UTF_8);
        container = create(run.resolve("base"));
        container.deployWar(file("switchboard.war"), "/switchboard", "switchboard.config", warConfig.toString());
        container.deployWar(file("switchboard.war"), "/broken", "switchboard.config", brokenWarConfig.toString());
        container.deployWar(file("switchboard.war"), "/waiting", "switchboard.config", waitingWarConfig.toString());
        container.deployWar(file("switchboard.war"), "/builtin", "unrelated", "x");
        filterConfig = container.deployExploded(file("example.war"), "/app").resolve("WEB-INF/switchboard.yaml");
        brokenFilterConfig = container.deployExploded(file("example.war"), "/broken-app").resolve("WEB-INF/switchboard.yaml");
        assertThat(filterConfig).isRegularFile();
        Files.writeString(brokenFilterConfig, "virtual_models:\n  - source: a\n    target: a\n", UTF_8);
        // The filter's web.xml without its config, and with an unknown-paths it does not know.
        Path unset = container.deployExploded(file("example.war"), "/unset-app").resolve("WEB-INF/web.xml");
        Files.writeString(unset, Files.readString(unset, UTF_8).replace("<param-name>config</param-name>",
                "<param-name>not-config</param-name>"), UTF_8);
        Path bogus = container.deployExploded(file("example.war"), "/bogus-app").resolve("WEB-INF/web.xml");
        Files.writeString(bogus, Files.readString(bogus, UTF_8).replace("<param-name>config</param-name>",
                "<param-name>unknown-paths</param-name><param-value>bogus</param-value></init-param><init-param>"
                + "<param-name>config</param-name>"), UTF_8);
        container.start();
    }

    @AfterAll
    final void stop() throws Exception {
        if (container != null) {
            container.stop();
        }
        if (cutting != null) {
            cutting.close();
        }
        if (silent != null) {
            silent.close();
        }
        if (bigHeaders != null) {
            bigHeaders.close();
        }
        if (streaming != null) {
            streaming.close();
        }
    }

    @Test
    void shouldStopTheUpstreamCallOfAClientThatLeftBeforeItsAnswerWhereTheContainerAllows() throws Exception {
        // An SDK's timeout or a stop button while a long answer is prepared: in Jetty the WAR reads the client's
        // connection (by reflection: a stock Jetty hides its server classes from a webapp) and aborts the upstream
        // call within about two seconds; Tomcat has no such read, and the call runs on (README, Known limits).
        String body = "{\"model\":\"silent/m\",\"messages\":[]}";
        silentEvents.clear();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", container.port())) {
            socket.getOutputStream().write(("POST /switchboard/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(UTF_8));
            socket.getOutputStream().flush();
            assertThat(silentEvents.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("the upstream got the request")
                    .isNotNull();
        }
        long left = System.nanoTime();

        Long closed = silentEvents.poll(4, java.util.concurrent.TimeUnit.SECONDS);

        if (noticesAClientThatLeft()) {
            assertThat(closed).as("the upstream call was aborted").isNotNull();
            assertThat(Duration.ofNanos(closed - left)).as("within about two watches").isLessThan(Duration.ofMillis(3_500));
            // The exchange ends where the abort is handled, a moment after the upstream's close: its access-log line.
            awaitInLog("\"requested_model\":\"silent/m\"");
            // And no failure logged after it, where the abort ends the request.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(container.log()).doesNotContain("\tat "));
        } else {
            assertThat(closed).as("the upstream call runs on: only a write tells this container the client left").isNull();
        }
    }

    // Regression (a probe of 2026-12-07): in Tomcat a client that left a stream was logged as a success (status 200, no
    // error, no attempt) seven times in eight, with stack traces: Tomcat ended the request on its own (the async
    // listeners' onError) and recycled it while the proxy still used it.
    @Test
    void shouldEndAStreamWhoseClientLeftAsItsLeavingWithoutAStackTrace() throws Exception {
        for (int i = 0; i < 3; i++) {
            String body = "{\"model\":\"streaming/left" + i + "\",\"stream\":true,\"messages\":[]}";
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", container.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /switchboard/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(UTF_8));
                socket.getOutputStream().flush();
                // The first event arrives; the client leaves (a stop button) while the stream goes on.
                StringBuilder got = new StringBuilder();
                byte[] buffer = new byte[4096];
                while (!got.toString().contains("data: ")) {
                    int n = socket.getInputStream().read(buffer);
                    assertThat(n).as("the stream's first event").isPositive();
                    got.append(new String(buffer, 0, n, UTF_8));
                }
            }
            String model = "\"requested_model\":\"streaming/left" + i + "\"";
            awaitInLog(model);
            String line = container.log().lines().filter(l -> l.contains(model)).findFirst().orElseThrow();
            assertThat(line).contains("\"status\":200", "\"error_code\":\"client_disconnected\"", "\"attempts\":1");
        }
        // Nothing logged after it either: the request's end is the proxy's once the container ended it.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(container.log()).doesNotContain("\tat "));
    }

    @Test
    void shouldCutAnAnswerTheUpstreamBrokeSoThatItNeverLooksWhole() throws Exception {
        // The Servlet API has no abort: the gateway closes the connection as each container allows (Jetty's
        // sendError(-1), Tomcat's CLOSE_NOW). A terminating chunk after half an answer would look like a whole one.
        String body = "{\"model\":\"cutting/m\",\"messages\":[]}";
        byte[] got;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", container.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /switchboard/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(UTF_8));
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                    all.write(buffer, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // The cut may arrive as a reset: what came before it is what the client has.
            }
            got = all.toByteArray();
        }
        String text = new String(got, UTF_8);
        assertThat(text).startsWith("HTTP/1.1 200 ").contains("Hello Hello Hello");
        assertThat(text).as("no terminating chunk after half an answer").doesNotEndWith("\r\n0\r\n\r\n");
    }

    // Regression: in Tomcat an upstream's 8-12 KiB of headers passed the proxy's bound and overflowed Tomcat's own
    // 8 KiB: the client got an empty reply (a SEVERE stack trace in the log, status 200 in the access log).
    @Test
    void shouldAnswerA502ForUpstreamHeadersLargerThanTheContainerWrites() throws Exception {
        int bound = upstreamHeaderBound();
        HttpResponse<String> fits = post("/switchboard/v1/chat/completions",
                "{\"model\":\"big/" + (bound - 1000) + "\",\"messages\":[]}");
        HttpResponse<String> tooLarge = post("/switchboard/v1/chat/completions",
                "{\"model\":\"big/" + (bound + 1000) + "\",\"messages\":[]}");

        assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
        assertThat(fits.headers().firstValue("X-Big")).hasValueSatisfying(v -> assertThat(v).hasSize(bound - 1000));
        assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(502);
        assertThat(tooLarge.body()).contains("\"code\":\"upstream_unavailable\"");
    }

    // Regression: Tomcat failed the read itself and answered with its HTML "Exception Report", the EOFException's stack
    // (Switchboard's frames included) and its version; the WAR's error page now answers in the JSON shape.
    @Test
    void shouldAnswerABodyThatEndsBeforeItsLengthInJson() throws Exception {
        String body = "{\"model\":\"fast\"}";
        String text;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", container.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /switchboard/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" + body).getBytes(UTF_8));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            text = new String(socket.getInputStream().readAllBytes(), UTF_8);
        }

        assertThat(text).startsWith("HTTP/1.1 400 ");
        assertThat(text.toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/json");
        assertThat(text).contains("\r\n\r\n{\"error\":{\"message\":").contains("\"type\":\"invalid_request_error\"")
                .doesNotContain("Exception").doesNotContain("dev.switchboard").doesNotContain("<html");
        HttpResponse<String> direct = send(HttpRequest.newBuilder(uri("/switchboard/.switchboard-error")));
        assertThat(direct.statusCode()).as("not a page of its own").isEqualTo(404);
    }

    // Regression (a probe): Tomcat refuses TRACE itself, with its own "Allow: OPTIONS" (GET is allowed there), and the
    // error page called it invalid_request; a path the container hides (WEB-INF) was invalid_request too.
    @Test
    void shouldAnswerTheContainersOwnRefusalsWithTheApisCodesAndMethods() throws Exception {
        HttpResponse<String> trace = send(HttpRequest.newBuilder(uri("/switchboard/v1/files"))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()));
        assertThat(trace.statusCode()).isEqualTo(traceStatus());
        assertThat(trace.body()).doesNotContain("<html");
        if (traceStatus() == 405) {
            assertThat(trace.headers().firstValue("Allow")).hasValue("POST, GET, HEAD");
            assertThat(trace.body()).startsWith("{\"error\":{").contains("\"code\":\"method_not_allowed\"");
        }

        HttpResponse<String> hidden = send(HttpRequest.newBuilder(uri("/switchboard/WEB-INF/web.xml")));
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(hidden.body()).contains("\"type\":\"not_found_error\"").contains("\"code\":\"unknown_path\"")
                .doesNotContain("<web-app");
    }

    @Test
    void shouldWriteTheStartLinesWithTheVersionToTheContainerLog() {
        assertThat(container.log())
                .contains("Switchboard " + version + " gateway in /switchboard: config " + warConfig)
                .contains("Switchboard " + version + " filter: 4 virtual models from /WEB-INF/switchboard.yaml");
    }

    @Test
    void shouldKeepTheAdminApiOffWhenTheWarRunsOnItsBuiltInConfig() throws Exception {
        // No file to keep admin edits beside: they would land in the container's working directory and vanish.
        HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/builtin/admin/status"))
                .header("Authorization", "Bearer " + ENV_ADMIN_TOKEN));
        assertThat(status.statusCode()).isEqualTo(404);
        HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/builtin/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"regular\",\"messages\":[]}")));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(container.log()).contains("Switchboard: the admin API is off: the WAR runs on its built-in config, "
                + "which has no folder to keep admin edits in; set the context parameter switchboard.config to a YAML file");
    }

    @Test
    void shouldWriteWhyTheWarDidNotStartToTheContainerLog() {
        assertThat(container.log())
                .contains("Switchboard " + version + ": invalid configuration " + brokenWarConfig + "; /broken is not started:\n"
                        + "  server.prot: unknown key (did you mean 'port'?)")
                .doesNotContain("\tat ");
    }

    // A WAR whose database was down when the container started stayed undeployed until someone redeployed it.
    @Test
    void shouldDeployAWarWhoseDatabaseCannotBeReachedAndRefuseRequestsUntilItCan() throws Exception {
        assertThat(container.log()).contains("Switchboard: the admin store of " + waitingWarConfig + " cannot be read at"
                + " the start: postgresql://127.0.0.1:1/switchboard: cannot be reached (connection refused); this node"
                + " refuses every request with 503 store_unavailable until it can, and keeps trying");
        HttpResponse<String> ready = send(HttpRequest.newBuilder(uri("/waiting/readyz")));
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).isEqualTo("waiting for the admin store");
        assertThat(send(HttpRequest.newBuilder(uri("/waiting/healthz"))).statusCode()).isEqualTo(200);
        HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/waiting/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo/echo-small\",\"messages\":[]}")));
        assertThat(chat.statusCode()).isEqualTo(503);
        assertThat(chat.headers().firstValue("Retry-After")).contains("5");
        assertThat(chat.body()).isEqualTo("{\"error\":{\"message\":\"the admin store is unavailable: postgresql://127.0.0.1:1/"
                + "switchboard: cannot be reached (connection refused); this node has not read its rules since it started,"
                + " retry in a moment\",\"type\":\"api_error\",\"param\":null,\"code\":\"store_unavailable\"}}");
        HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/waiting/admin/status"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN));
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).contains("\"store\":{\"kind\":\"postgresql\",\"location\":\"postgresql://127.0.0.1:1/"
                + "switchboard\",\"revision\":null,\"last_sync\":null,\"from_snapshot\":null}");
    }

    @Test
    void shouldWriteWhyTheFilterDidNotStartToTheContainerLog() {
        assertThat(container.log())
                .contains("Switchboard " + version + ": invalid configuration " + brokenFilterConfig
                        + "; the filter is not started:\n  virtual_models[0].target: virtual model 'a' cannot target itself (line 3)")
                .doesNotContain("\tat ");
    }

    /** Only the container's "one or more filters failed to start" was in its own log (Tomcat's catalina.out). */
    @Test
    void shouldWriteWhyAFilterWithoutAConfigDidNotStartToTheContainerLog() {
        assertThat(container.log())
                .contains("Switchboard " + version + ": no configuration; set the filter init-param 'config', the context "
                        + "parameter or system property 'switchboard.config', or SWITCHBOARD_CONFIG; the filter is not started")
                .contains("Switchboard " + version + ": init-param unknown-paths must be refuse or pass, was 'bogus'; "
                        + "the filter is not started")
                .doesNotContain("\tat ");
    }

    @Test
    void shouldWriteTheWarsReloadErrorToTheContainerLog() throws Exception {
        Files.writeString(warConfig, "server:\n  prot: 8080\n", UTF_8);

        awaitInLog("keeping the last good configuration of " + warConfig + "; the new one is invalid:\n"
                + "  server.prot: unknown key (did you mean 'port'?)");
        // The last good rules still serve.
        HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/switchboard/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fast\",\"messages\":[]}")));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.headers().firstValue("X-Switchboard-Model")).hasValue("demo/echo-small");
    }

    @Test
    void shouldWriteTheFiltersReloadErrorToTheContainerLog() throws Exception {
        Files.writeString(filterConfig, "virtual_models:\n  - source: a\n    target: a\n", UTF_8);

        awaitInLog("keeping the last good configuration of " + filterConfig + "; the new one is invalid:\n"
                + "  virtual_models[0].target: virtual model 'a' cannot target itself (line 3)");
    }

    @Test
    void shouldReportTheReleaseVersionInAdminStatus() throws Exception {
        HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/switchboard/admin/status"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN));

        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).startsWith("{\"version\":\"" + version + "\",\"config_version\":\"");
    }

    @Test
    void shouldDenyTheHostsDisabledModelWhateverTheSpellingOfItsContextPath() throws Exception {
        // The container normalises these to /app/v1/chat/completions before it picks the webapp; the filter must too.
        for (String path : List.of("/app/v1/chat/completions", "/app/../app/v1/chat/completions",
                "/x/../app/v1/chat/completions", "/appx/../app/v1/chat/completions")) {
            HttpResponse<String> chat = send(HttpRequest.newBuilder(uri(path))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"legacy-model\",\"messages\":[]}")));
            assertThat(chat.statusCode()).as(path + ": " + chat.body()).isEqualTo(403);
            assertThat(chat.body()).as(path).contains("\"code\":\"model_access_denied\"");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** @param events gets the time a request was read, then the time its connection closed, for each connection */
    private static java.net.ServerSocket silentUpstream(java.util.concurrent.BlockingQueue<Long> events) throws IOException {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    java.net.Socket s = server.accept();
                    Thread each = new Thread(() -> {
                        try (s) {
                            java.io.InputStream in = s.getInputStream();
                            if (!readRequest(in)) {
                                return;
                            }
                            events.add(System.nanoTime());
                            // Never answers: waits for the gateway to close the connection (or the test's end).
                            while (in.read() >= 0) {
                                // a close ends the loop
                            }
                            events.add(System.nanoTime());
                        } catch (IOException e) {
                            events.add(System.nanoTime());
                        }
                    });
                    each.setDaemon(true);
                    each.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
        return server;
    }

    /** Answers each request with the headers of a chunked 200 JSON answer and 60 KB of it, then a reset. */
    private static java.net.ServerSocket bigHeadersUpstream() throws IOException {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try (java.net.Socket s = server.accept()) {
                    String request = readWhole(s.getInputStream());
                    java.util.regex.Matcher model = java.util.regex.Pattern.compile("\"model\":\"(\\d+)\"").matcher(request);
                    int size = model.find() ? Integer.parseInt(model.group(1)) : 1;
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                            + "Connection: close\r\nX-Big: " + "a".repeat(size) + "\r\n\r\n{}").getBytes(UTF_8));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // closed, or the gateway left
                }
            }
        }, "big-headers-upstream");
        accept.setDaemon(true);
        accept.start();
        return server;
    }

    /** @return one request's head and body (of its Content-Length), as text */
    private static String readWhole(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return head.toString();
            }
            head.append((char) c);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        return head + new String(in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0), UTF_8);
    }

    private static java.net.ServerSocket cuttingUpstream() throws IOException {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try (java.net.Socket s = server.accept()) {
                    readRequest(s.getInputStream());
                    String half = "{\"choices\":[{\"message\":{\"content\":\"" + "Hello ".repeat(10_000);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                            + "\r\n\r\n" + Integer.toHexString(half.length()) + "\r\n" + half + "\r\n").getBytes(UTF_8));
                    s.getOutputStream().flush();
                    Thread.sleep(100);
                    s.setSoLinger(true, 0);
                } catch (IOException e) {
                    // closed, or the gateway left
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cutting-upstream");
        accept.setDaemon(true);
        accept.start();
        return server;
    }

    private static java.net.ServerSocket streamingUpstream() throws IOException {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    java.net.Socket s = server.accept();
                    Thread stream = new Thread(() -> {
                        try (s) {
                            readRequest(s.getInputStream());
                            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(UTF_8));
                            for (int i = 0; i < 40; i++) {
                                String event = "data: {\"choices\":[{\"delta\":{\"content\":\"" + i + "\"}}]}\n\n";
                                s.getOutputStream().write((Integer.toHexString(event.length()) + "\r\n" + event + "\r\n")
                                        .getBytes(UTF_8));
                                s.getOutputStream().flush();
                                Thread.sleep(100);
                            }
                            s.getOutputStream().write("0\r\n\r\n".getBytes(UTF_8));
                        } catch (IOException | InterruptedException e) {
                            // the gateway left (it stopped the call of a client that left)
                        }
                    }, "streaming-upstream-answer");
                    stream.setDaemon(true);
                    stream.start();
                } catch (IOException e) {
                    // closed
                }
            }
        }, "streaming-upstream");
        accept.setDaemon(true);
        accept.start();
        return server;
    }

    /**
     * Reads one request the gateway sent an upstream: its head, then a body of its Content-Length.
     *
     * @return whether its head was whole (the connection did not end first)
     */
    private static boolean readRequest(java.io.InputStream in) throws IOException {
        return readWhole(in).contains("\r\n\r\n");
    }

    /** Waits until the log holds the text; an expected error is a message, never a stack trace. */
    private void awaitInLog(String text) {
        await().atMost(RELOAD_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(container.log()).contains(text));
        assertThat(container.log()).doesNotContain("\tat ");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + container.port() + path);
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path file(String property) {
        Path file = Path.of(property(property)).toAbsolutePath().normalize();
        assertThat(file).as("%s (build jetty-bundle and examples/tomcat-webapp first)", file).isRegularFile();
        return file;
    }

    static Path home(String property) {
        return Path.of(property(property)).toAbsolutePath().normalize();
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by failsafe)", name).isNotBlank();
        return value;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
