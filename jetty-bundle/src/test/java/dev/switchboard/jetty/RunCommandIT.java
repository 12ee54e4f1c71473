package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar switchboard.jar} as an operator runs it: the real jar in a child JVM. */
final class RunCommandIT {

    /** A Logback appender of the user's: its lines on stderr, each starting with MINE. */
    private static final String MINE_ON_STDERR = """
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <target>System.err</target>
              <encoder><pattern>MINE %level [%logger] %msg%n</pattern></encoder>
            </appender>
            """;
    private static final Pattern LISTENING = Pattern.compile("Switchboard listening on http://([^:]+):(\\d+)");

    @TempDir
    Path work;
    private Process process;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private int start(String... args) throws Exception {
        return start(List.of(), args);
    }

    private int start(List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", System.getProperty("switchboard.jar")));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).directory(work.toFile()).redirectError(work.resolve("stderr.txt").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String first = line.get(30, TimeUnit.SECONDS);
        assertThat(first).as(Files.readString(work.resolve("stderr.txt"))).isNotNull();
        Matcher m = LISTENING.matcher(first);
        assertThat(m.matches()).as(first).isTrue();
        return Integer.parseInt(m.group(2));
    }

    /** @return the demo's answer to a chat completion of {@code regular} saying "hi" */
    private HttpResponse<String> chatHi(int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"regular\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void shouldServeTheBuiltInDemoWithoutAnyConfigOrKey() throws Exception {
        int port = start("--port", "0", "--host", "127.0.0.1");
        assertThat(port).isPositive();
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok");
        HttpResponse<String> chat = chatHi(port);
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("echo from echo-small: hi");
        assertThat(Files.readString(work.resolve("stderr.txt"))).containsPattern(
                "Switchboard \\S+ started: config the built-in default \\(demo echo provider\\), listening on http://127\\.0\\.0\\.1:\\d+");
        assertThat(Files.readString(work.resolve("stderr.txt"))).as("no SLF4J or Logback notice").doesNotContain("SLF4J", "logback");
    }

    @Test
    void shouldLogThroughALogbackConfigurationOfTheUsersWhenNamed() throws Exception {
        // README "Logs and version": the jar's own provider (LoggingProvider) hands such a configuration to Logback.
        Path mine = work.resolve("mine.xml");
        Files.writeString(mine, "<configuration>\n" + MINE_ON_STDERR + "<root level=\"INFO\"><appender-ref ref=\"OUT\"/></root>\n"
                + "</configuration>\n");
        int port = start(List.of("-Dlogback.configurationFile=" + mine), "--port", "0", "--host", "127.0.0.1");
        HttpResponse<String> chat = chatHi(port);
        assertThat(chat.statusCode()).isEqualTo(200);
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertThat(stderr).containsPattern("MINE INFO \\[dev\\.switchboard\\.jetty\\.Cli\\] Switchboard \\S+ started: ");
        // Its access lines too, through its own appender (the jar's batching one is not set up).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(work.resolve("stderr.txt")))
                .contains("MINE INFO [dev.switchboard.access] {\"request_id\"").doesNotContain(" INFO  Cli: "));
    }

    @Test
    void shouldSayWhyWhenLogbackCannotUseTheUsersConfigurationAndLogAsWithoutOne() throws Exception {
        // Logback refuses a configuration file that is not .xml by throwing: the jar still starts, says why in one
        // line, and logs as it does by default rather than not at all.
        Path mine = work.resolve("mine.txt");
        Files.writeString(mine, "not a logback configuration\n");
        start(List.of("-Dlogback.configurationFile=" + mine), "--port", "0", "--host", "127.0.0.1");
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertThat(stderr).contains("SLF4J(E): Logback could not use the logging configuration (", "mine.txt",
                "); logging as the jar does without one");
        assertThat(stderr).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Cli: Switchboard \\S+ started: ")
                .doesNotContain("\tat ");
    }

    @Test
    void shouldKeepAUsersConfigurationWhoseOneAppenderFailsAndSayWhyOnStderr() throws Exception {
        // From a review: any error status made the jar drop the user's logging; one appender that cannot open its file
        // leaves the rest working, as Logback leaves it, and its status goes to stderr (stdout: the listening line).
        Path mine = work.resolve("partial.xml");
        Files.writeString(mine, "<configuration>\n" + MINE_ON_STDERR + """
                  <appender name="F" class="ch.qos.logback.core.FileAppender">
                    <file>/proc/nope/app.log</file>
                    <encoder><pattern>%msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/><appender-ref ref="F"/></root>
                </configuration>
                """);
        start(List.of("-Dlogback.configurationFile=" + mine), "--port", "0", "--host", "127.0.0.1");
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertThat(stderr).containsPattern("MINE INFO \\[dev\\.switchboard\\.jetty\\.Cli\\] Switchboard \\S+ started: ")
                .contains("/proc/nope/app.log").doesNotContain("SLF4J(E)");
    }

    @Test
    void shouldSayWhyAndLogAsWithoutOneWhenTheNamedXmlIsMissingOrBroken() throws Exception {
        // Neither makes Logback throw: a missing file left it to its basic configurator (DEBUG lines on stdout, before
        // the listening line), a broken one to a context with no appender (a stack trace, then nothing logged at all).
        Path broken = work.resolve("broken.xml");
        Files.writeString(broken, "<configuration><appender");
        for (Path mine : List.of(work.resolve("missing.xml"), broken)) {
            Files.deleteIfExists(work.resolve("stderr.txt"));
            int port = start(List.of("-Dlogback.configurationFile=" + mine), "--port", "0", "--host", "127.0.0.1");
            assertThat(chatHi(port).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(work.resolve("stderr.txt")))
                    .contains("SLF4J(E): Logback could not use the logging configuration (", mine.getFileName().toString(),
                            "); logging as the jar does without one")
                    .containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Cli: Switchboard \\S+ started: ")
                    .containsPattern("INFO  access: \\{\"request_id\"")
                    .doesNotContain("\tat ", "DEBUG"));
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void shouldStartFromTheClassDataArchiveTheBuildMakesAsTheReadmeRunsIt() throws Exception {
        // The README's first command maps the archive the build made beside the jar (README "Start-up");
        // -Xshare:on: a JVM that cannot map it refuses to start, where the README's command would start without it.
        Path archive = Path.of(System.getProperty("switchboard.jar")).resolveSibling("switchboard.jsa");
        assertThat(archive).as("the build's class-data archive (-Dswitchboard.cds.skip leaves it out)").isRegularFile();
        Path classes = work.resolve("classes.log");
        int port = start(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info:file=" + classes),
                "--port", "0", "--host", "127.0.0.1");
        HttpResponse<String> chat = chatHi(port);
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("echo from echo-small: hi");
        // The jar's classes, Jetty's and the exchange's own come from the archive, not from the jar.
        assertThat(Files.readString(classes)).contains(
                "dev.switchboard.jetty.Cli source: shared objects file (top)",
                "org.eclipse.jetty.server.Server source: shared objects file (top)",
                "dev.switchboard.servlet.VirtualModelFilter source: shared objects file (top)",
                "dev.switchboard.jetty.GatewayProxyServlet source: shared objects file (top)");
    }

    @Test
    void shouldFailTheTrainingRunLoudlyWhenItCannotServe() throws Exception {
        // The build runs the training (pom.xml): when it cannot serve its demo (here: no temporary directory for its
        // config file) it must fail the build with the reason, not leave a build that silently lacks the archive.
        Process run = new ProcessBuilder(javaBin(), "-Djava.io.tmpdir=" + work.resolve("missing"), "-cp",
                System.getProperty("switchboard.jar"), "dev.switchboard.jetty.ClassDataTraining")
                .redirectErrorStream(true).start();
        String said = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(said).isEqualTo(1);
        assertThat(said).startsWith("error: the class-data training run failed: ").contains("missing");
    }

    // Regression: bodies held whole while they are checked had no bound in total: a dozen 30 MB uploads at once ran a
    // 256 MB heap out, and the OutOfMemoryErrors killed the acceptor and the pool's threads; the process lived on and
    // accepted nothing (probe). Now a body that would pass an eighth of the heap (one body always) is a 503 at once.
    @Test
    void shouldRefuseABodyPastWhatTheHeapHoldsAndKeepServing() throws Exception {
        int port = start(List.of("-Xmx64m"), "--port", "0", "--host", "127.0.0.1");
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 20000000\r\n\r\n";
        try (Socket held = new Socket("127.0.0.1", port); Socket refused = new Socket("127.0.0.1", port)) {
            // The first body, larger than an eighth of the heap, is taken in alone; it stalls half way.
            held.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            held.getOutputStream().write(("{\"model\":\"regular\",\"pad\":\"" + "a".repeat(1_000_000)).getBytes(StandardCharsets.US_ASCII));
            held.getOutputStream().flush();
            Thread.sleep(500);

            refused.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            refused.getOutputStream().flush();
            RawClient.Received r = RawClient.read(refused, 10_000, System.nanoTime());

            assertThat(r.status()).as(r.text()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"the gateway holds as many request bodies at once as its"
                    + " memory allows; retry in a moment\",\"type\":\"api_error\",\"param\":null,\"code\":\"overloaded\"}}");
        }
        // The held body's request ended with its connection: its bytes are free again.
        await().atMost(Duration.ofSeconds(10)).until(() -> chatHi(port).statusCode() == 200);
        assertThat(chatHi(port).body()).contains("echo from echo-small: hi");
        assertThat(Files.readString(work.resolve("stderr.txt"))).doesNotContain("OutOfMemoryError", "Exception");
    }

    // Regression: the body gate reserved a body's declared length before its credentials were looked at. With gateway
    // keys set, a client without one that declared a large body and sent it at the minimum rate (or not at all, for
    // request_body_timeout) held the memory bodies are held in, and every caller's body was 503 overloaded meanwhile;
    // an unauthenticated admin write likewise. Now such a request is refused at once, its body unread and not held.
    @Test
    void shouldHoldNoBodyOfARequestRefusedForItsCredentials() throws Exception {
        Path config = work.resolve("switchboard.yaml");
        Files.writeString(config, """
                providers:
                  echo: {type: echo}
                default_provider: echo
                identity:
                  clients:
                    - {name: app, key_sha256: 816cc088903c2212b63adf33e2e66c3b4c7ad801f341525470a1fa1603ffe379}
                admin: {token: admin-secret}
                """);
        int port = start(List.of("-Xmx64m"), "--config", config.toString(), "--port", "0", "--host", "127.0.0.1");
        String large = "Content-Type: application/json\r\nContent-Length: 20000000\r\n\r\n";
        List<Socket> stalled = new ArrayList<>();
        try {
            for (String[] c : new String[][] {
                    {"POST /v1/chat/completions", "", "invalid_api_key"},
                    {"POST /v1/chat/completions", "Authorization: Bearer sk-gw-nope\r\n", "invalid_api_key"},
                    {"PUT /admin/virtual-models", "", "invalid_admin_token"},
                    {"PUT /admin/virtual-models", "Authorization: Bearer nope\r\n", "invalid_admin_token"},
                    {"PUT /admin/virtual-models", "Cookie: switchboard_admin_session=forged\r\n", "invalid_admin_token"},
                    // The dashboard's sign-in reads its body for the token: held up to its own bound (8 KiB) only.
                    {"POST /admin/session", "", "request_too_large"}}) {
                // Each declares 20 MB, more than the 8 MB of bodies a 64 MB heap holds at once, and sends none of it.
                Socket s = new Socket("127.0.0.1", port);
                stalled.add(s);
                s.getOutputStream().write((c[0] + " HTTP/1.1\r\nHost: x\r\n" + c[1] + large).getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                RawClient.Received r = RawClient.read(s, 5_000, System.nanoTime());
                assertThat(r.status()).as(c[0] + " " + c[1] + r.text()).isEqualTo(c[2].equals("request_too_large") ? 413 : 401);
                assertThat(r.body()).contains("\"code\":\"" + c[2] + "\"");
            }
            // Meanwhile (their connections open, their bodies unsent) a caller with a key is served, body and all, and
            // an admin write with the token.
            RawClient.Received admin = jsonOnItsOwnConnection(port, "PUT /admin/virtual-models", "admin-secret",
                    "{\"source\":\"x\",\"target_model\":\"echo/m\"}");
            assertThat(admin.status()).as(admin.text()).isIn(200, 201);
            RawClient.Received keyed = jsonOnItsOwnConnection(port, "POST /v1/chat/completions", "sk-gw-app",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(keyed.status()).as(keyed.text()).isEqualTo(200);
            assertThat(keyed.body()).contains("hi");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** @return the answer to a JSON request with a bearer token, sent on a connection of its own */
    private static RawClient.Received jsonOnItsOwnConnection(int port, String requestLine, String bearer, String body)
            throws java.io.IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return RawClient.read(s, 10_000, System.nanoTime());
        }
    }

    // Regression: a SIGTERM while the gateway started (a rolling update that changed its mind) ended the JVM with 143
    // and not a line: the stop's hook was registered only once the gateway served. Now the start ends, then the drain.
    @Test
    void shouldFinishTheStartThenStopWhenASigtermComesWhileItStartsAndExitZero() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        process = new ProcessBuilder(javaBin(), "-jar", System.getProperty("switchboard.jar"), "--port",
                Integer.toString(port)).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("output.txt").toFile()).start();
        // The port opens before the webapp starts; /readyz says "starting" until it is in (about half a second).
        HttpResponse<String> ready = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .ignoreExceptionsInstanceOf(java.io.IOException.class)
                .until(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString()), r -> true);
        process.destroy(); // SIGTERM

        assertThat(ready.statusCode()).as("caught while starting").isEqualTo(503);
        assertThat(ready.body()).contains("starting");
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(work.resolve("output.txt"));
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).containsPattern("(?s)Switchboard \\S+ started: .*Switchboard \\S+ stopped\\R")
                .doesNotContain("stopped while starting").doesNotContain("Exception");
    }

    @Test
    void shouldFinishInFlightRequestsOnSigterm() throws Exception {
        FakeUpstream upstream = new FakeUpstream();
        try {
            Files.writeString(work.resolve("gw.yaml"), """
                    server: {host: 127.0.0.1, port: 0}
                    providers:
                      slow: {type: openai-compatible, base_url: %s}
                    default_provider: slow
                    """.formatted(upstream.url()));
            int port = start("--config", "gw.yaml");
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("X-Scenario", "slow:1500")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}")).build(), HttpResponse.BodyHandlers.ofString());
            upstream.take();
            process.destroy(); // SIGTERM
            HttpResponse<String> r = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"slow\":true}");
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            // A stop that was asked for and drained is a success (not 143): systemd must not mark the unit failed.
            assertThat(process.exitValue()).isZero();
            String stderr = Files.readString(work.resolve("stderr.txt"));
            assertThat(stderr).doesNotContain("Exception").containsPattern("Switchboard \\S+ stopped");
            // The access log is written by a thread of its own: the line of the exchange the drain finished is
            // still written before the process ends.
            assertThat(stderr).containsPattern("INFO  access: \\{\"request_id\":\"" + r.headers()
                    .firstValue("X-Switchboard-Request-Id").orElseThrow() + "\".*\"status\":200,");
        } finally {
            upstream.stop();
        }
    }

    @Test
    void shouldCutAStreamStillOpenWhenTheDrainTimeEndsAndStillExitZero() throws Exception {
        FaultyUpstream upstream = new FaultyUpstream();
        try {
            Files.writeString(work.resolve("gw.yaml"), """
                    server: {host: 127.0.0.1, port: 0, drain_timeout: 1s}
                    providers:
                      up: {type: openai-compatible, base_url: %s}
                    default_provider: up
                    """.formatted(upstream.url()));
            int port = start("--config", "gw.yaml");
            String event = "data: {\"n\":1}\n\n";
            upstream.next(FaultyUpstream.Script.of(FaultyUpstream.End.STALL, "HTTP/1.1 200 OK\r\nContent-Type: "
                    + "text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", Integer.toHexString(event.length())
                    + "\r\n" + event + "\r\n"));
            String body = "{\"model\":\"m\",\"stream\":true}";
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                InputStream in = socket.getInputStream();
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains(event)) {
                    seen.append((char) in.read());
                }
                long start = System.nanoTime();
                process.destroy(); // SIGTERM, with the stream open

                RawClient.Received rest = RawClient.read(socket, 20_000, start);
                assertThat(rest.text()).contains("event: error\ndata: {\"error\":{\"message\":\"the gateway shut down "
                        + "before the response was complete\"").doesNotContain("0\r\n\r\n");
                assertThat(rest.ending()).isIn(RawClient.Ending.EOF, RawClient.Ending.RESET);
                assertThat(rest.millis()).as("cut when the 1 s drain ends").isBetween(800L, 10_000L);
            }
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(Files.readString(work.resolve("stderr.txt")))
                    .contains("the drain time ran out and 1 response(s) still in flight were cut").doesNotContain("Exception");
        } finally {
            upstream.stop();
        }
    }

    @Test
    void shouldExitOneWithTheErrorsOfAnInvalidConfig() throws Exception {
        Files.writeString(work.resolve("bad.yaml"), "virtual_models:\n  - source: a\n    target: a\n");
        process = new ProcessBuilder(javaBin(), "-jar", System.getProperty("switchboard.jar"), "--config", "bad.yaml")
                .directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output).contains("error: virtual_models[0].target: virtual model 'a' cannot target itself (line 3)")
                .doesNotContain("Exception");
    }
}
