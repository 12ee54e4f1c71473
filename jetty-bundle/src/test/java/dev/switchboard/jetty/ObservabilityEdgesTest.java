package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the exchange record (SPEC section 9) says of traffic as real clients and providers send it: the SDKs' own
 * headers, answers that are not the textbook shape, requests refused before any routing.
 */
final class ObservabilityEdgesTest extends FakeUpstreamTests {

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private final Map<String, String> lines = new ConcurrentHashMap<>();
    private final ExchangeListener recording = new ExchangeListener() {
        @Override
        public void onComplete(Exchange exchange, Completion completion) {
            lines.put(exchange.id(), dev.switchboard.observe.AccessLog.line(exchange, completion));
            completions.put(exchange.id(), completion);
        }
    };
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    String config() {
        return """
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up, models: [ok]}
                default_provider: up
                virtual_models:
                  - {source: alias, target: up/ok}
                """;
    }

    @Override
    ExchangeListener[] listeners() {
        return new ExchangeListener[] {recording};
    }

    @Test
    void shouldReadTheUsageOfAnSdkRequestThatAcceptsGzip() throws Exception {
        // openai-python (httpx), openai-node and the Anthropic SDKs all send Accept-Encoding: gzip, and the providers
        // compress JSON answers when asked: the usage of such an answer must still be read, not left unknown.
        upstream.received.clear();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Accept-Encoding", "gzip, deflate")
                .header("X-Scenario", "usage-gzip").header("X-Request-Id", "sdk-gzip-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"alias\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.take().header("Accept-Encoding")).isEqualTo("identity");
        Completion c = completion("sdk-gzip-1");
        assertThat(c.usage().inputTokens()).isEqualTo(19L);
        assertThat(c.usage().outputTokens()).isEqualTo(10L);
        assertThat(c.usage().finishReason()).isEqualTo("stop");
        // The client still gets an answer it can read: the JSON itself, or gzip it said it accepts.
        byte[] body = r.body();
        if ("gzip".equals(r.headers().firstValue("Content-Encoding").orElse(null))) {
            body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
        }
        assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(FakeUpstream.USAGE_JSON);
    }

    @Test
    void shouldAskForIdentityHoweverTheClientSpelledItsAcceptEncoding() throws Exception {
        // Two headers, in two cases and with q-values: none of them may reach the upstream beside identity.
        upstream.received.clear();
        RawClient.Received r = RawClient.post(gateway.port(), "/v1/chat/completions", "{\"model\":\"alias\",\"messages\":[]}",
                10_000, "Content-Type: application/json", "Accept-Encoding: gzip;q=1.0, deflate", "ACCEPT-ENCODING: br",
                "X-Scenario: usage-gzip", "X-Request-Id: sdk-gzip-2");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Encoding")).isNull();
        assertThat(upstream.take().header("Accept-Encoding")).isEqualTo("identity");
        assertThat(completion("sdk-gzip-2").usage().inputTokens()).isEqualTo(19L);
    }

    @Test
    void shouldLabelAClientThatLeftAStreamAsTheReadmeSays() throws Exception {
        // A dashboard built from the README's list of error_type values must find the clients that left.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            byte[] body = "{\"model\":\"alias\",\"stream\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "X-Scenario: endless\r\nX-Request-Id: left-1\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            s.getInputStream().read(new byte[512]);
        }
        assertThat(upstream.clientGone.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Completion c = completion("left-1");
        assertThat(c.errorCode()).isEqualTo("client_disconnected");

        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String metricsSection = readme.substring(readme.indexOf("The GenAI labels:"), readme.indexOf("**Label values come only"));
        assertThat(metricsSection).as("README's error_type values").contains("`client_disconnected`");
        // The metrics listener runs after the test's: the scrape is awaited, not read at once.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape())
                .contains("gen_ai_server_request_duration_seconds_count{error_type=\"client_disconnected\""));
    }

    @Test
    void shouldNotCountTheUsageThatAStoredObjectReports() throws Exception {
        // A batch, a stored response or completion fetched by id states the usage of work done earlier: a client that
        // polls its batch every few seconds must not add the batch's millions of tokens to the metrics at each poll.
        for (String path : List.of("/v1/batches/batch_1", "/v1/responses/resp_1", "/v1/chat/completions/chatcmpl_1")) {
            String id = "stored" + path.replace('/', '-');
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(path)).header("X-Scenario", "usage")
                    .header("X-Request-Id", id).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).isEqualTo(FakeUpstream.USAGE_JSON);
            assertThat(completion(id).usage()).as(path).isEqualTo(dev.switchboard.exchange.Usage.UNKNOWN);
            assertThat(lines.get(id)).as(path).contains("\"input_tokens\":null,\"output_tokens\":null");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape())
                .contains("gen_ai_server_request_duration_seconds_count{error_type=\"\",gen_ai_operation_name=\"other\"")
                .doesNotContain("gen_ai_client_token_usage_tokens_count{error_type=\"\",gen_ai_operation_name=\"other\""));
    }

    @Test
    void shouldRecordAnErrorAnUpstreamSentInsideA200StreamAsAnError() throws Exception {
        // Anthropic answers 200, starts the message, then sends overloaded_error: the client reads the error as sent,
        // and the access log, the metrics and the experiments must count a failure, not the 200.
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"alias\",\"max_tokens\":5,\"stream\":true}"))
                .header("Content-Type", "application/json").header("X-Scenario", "overloaded-sse")
                .header("X-Request-Id", "overloaded-1").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FakeUpstream.OVERLOADED_SSE);
        Completion c = completion("overloaded-1");
        assertThat(c.errorCode()).isEqualTo(Completion.UPSTREAM_ERROR_EVENT);
        assertThat(c.cut()).isFalse();
        assertThat(c.usage().inputTokens()).isEqualTo(25L);
        assertThat(c.usage().outputTokens()).isNull();
        assertThat(lines.get("overloaded-1")).contains("\"status\":200,\"error_code\":\"upstream_error_event\"")
                .as("the attempt says why too").contains("\"status\":200,\"error\":\"upstream_error_event\"");
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo(Completion.UPSTREAM_ERROR_EVENT));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape())
                .contains("gen_ai_server_request_duration_seconds_count{error_type=\"upstream_error_event\""));
    }

    private String scrape() throws Exception {
        return client.send(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void shouldNotChargeAPathOfNoApiToTheDefaultProvider() throws Exception {
        // Scanners probe every gateway. Their 404s never go upstream (SPEC section 13), so they are no provider's
        // errors: an error-rate panel per provider must not move when someone probes /wp-login.php.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/wp-login.php")).header("X-Request-Id", "probe-" + i)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
        }
        completion("probe-2");
        assertThat(lines.get("probe-0")).contains("\"error_code\":\"unknown_path\"").contains("\"provider\":null");
        assertThat(upstream.received).noneMatch(r -> r.path().contains("wp-login"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape()
                .lines().filter(l -> l.startsWith("gen_ai_server_request_duration_seconds_count{")
                && l.contains("error_type=\"unknown_path\""))).singleElement().satisfies(l -> assertThat(l)
                .contains("gen_ai_provider_name=\"\"").endsWith(" 3")));
    }

    @Test
    void shouldRecordARequestWhoseBodyBrokeOff() throws Exception {
        // A malformed chunk: the client is answered 400 with its request id, so the access log must have that id.
        String malformed = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "X-Request-Id: broken-chunk\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\nzz\r\n\r\n";
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(malformed.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("X-Switchboard-Request-Id: broken-chunk");
        }
        Completion chunk = completion("broken-chunk");
        assertThat(chunk.status()).isEqualTo(400);
        assertThat(chunk.errorCode()).isEqualTo("invalid_body");

        // An upload the client gave up on half-way: no answer to give, but the exchange still ends and is counted.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "X-Request-Id: gave-up\r\nContent-Length: 1000\r\n\r\n{\"model\":\"alias\",\"messages\":[")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(200);
        }
        assertThat(completion("gave-up").errorCode()).isEqualTo("invalid_body");
        assertThat(upstream.received).noneMatch(r -> r.text().contains("messages\":["));
    }

    @Test
    void shouldChargeARequestRefusedBeforeItsModelWasDecidedToNoProvider() throws Exception {
        // The gateway's own 400s, 401s and 405s go nowhere, and a request that names its model in its body would not
        // have gone to the default provider either: charged to it, they showed on its error-rate panel as its failures
        // (a gateway 401 under a provider's name reads as that provider refusing its key).
        Gateway keyed = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up, models: [ok]}
                default_provider: up
                models: {enabled_by_default: false}
                identity:
                  clients:
                    - {name: alice, key_sha256: 4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7}
                """.formatted(upstream.url()), recording);
        try {
            upstream.received.clear();
            String alice = "Bearer sk-alice-demo";
            record Case(String id, String method, String path, String body, String authorization, int status, String code) {
            }
            List<Case> refused = List.of(
                    new Case("no-key-files", "GET", "/v1/files", null, null, 401, "invalid_api_key"),
                    new Case("no-key-chat", "POST", "/v1/chat/completions", "{\"model\":\"ok\"}", null, 401, "invalid_api_key"),
                    new Case("get-embeddings", "GET", "/v1/embeddings", null, alice, 405, "method_not_allowed"),
                    new Case("cut-json", "POST", "/v1/chat/completions", "{\"model\":", alice, 400, "invalid_json"),
                    new Case("no-model", "POST", "/v1/chat/completions", "{\"messages\":[]}", alice, 400, "missing_model"),
                    new Case("denied-files", "GET", "/v1/files", null, alice, 403, "model_access_denied"));
            for (Case c : refused) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + keyed.port() + c.path()))
                        .header("X-Request-Id", c.id()).header("Content-Type", "application/json")
                        .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(c.body()));
                if (c.authorization() != null) {
                    b.header("Authorization", c.authorization());
                }
                HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(c.id() + ": " + r.body()).isEqualTo(c.status());
                assertThat(r.body()).as(c.id()).contains("\"code\":\"" + c.code() + "\"");
                completion(c.id());
                // Only the request without a model that the policies on its provider refuse is that provider's.
                assertThat(lines.get(c.id())).as(c.id())
                        .contains(c.id().equals("denied-files") ? "\"provider\":\"up\"" : "\"provider\":null");
            }
            assertThat(upstream.received).isEmpty();
            URI metrics = URI.create("http://127.0.0.1:" + keyed.port() + "/metrics");
            // The metrics listener runs after the test's: the scrape is awaited, not read at once.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.send(HttpRequest.newBuilder(metrics)
                    .build(), HttpResponse.BodyHandlers.ofString()).body().lines()
                    .filter(l -> l.startsWith("gen_ai_server_request_duration_seconds_count{") && l.contains("gen_ai_provider_name=\"up\"")))
                    .singleElement().satisfies(l -> assertThat(l).contains("error_type=\"model_access_denied\"")));
        } finally {
            keyed.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"slow:8000", "sse:1:8000"})
    void shouldAbortTheUpstreamCallOfAClientThatLeftBeforeItsAnswer(String scenario) throws Exception {
        // An SDK's timeout or a user's stop button while a long answer is prepared: the upstream call is aborted
        // within about two watches, not left to run to its end and be paid for. Also after the answer's status and
        // headers (sse): a stream's server (vLLM, Ollama, a FastAPI StreamingResponse) sends them at once and its first
        // token after the prompt is read or a queue moves, which can take minutes.
        String id = "left-" + scenario.replace(':', '-');
        // Jetty's client reports a listener's failure at INFO, which the jar's logging leaves out: heard here.
        ch.qos.logback.classic.Logger jetty = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty");
        ch.qos.logback.classic.Level level = jetty.getLevel();
        jetty.setLevel(ch.qos.logback.classic.Level.INFO);
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        root.addAppender(log);
        long left;
        Completion c;
        try {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
                s.getOutputStream().write(rawRequest(id, scenario));
                s.getOutputStream().flush();
                await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.received.isEmpty());
                // The sse upstream flushed its headers on receipt: the gateway holds them (nothing reached this client).
                Thread.sleep(300);
                left = System.nanoTime();
            }
            c = completion(id);
        } finally {
            root.detachAppender(log);
            jetty.setLevel(level);
        }

        assertThat(log.list).as("no stack trace in the log (an abort's end may not fail)")
                .noneMatch(e -> e.getThrowableProxy() != null);
        assertThat(Duration.ofNanos(System.nanoTime() - left))
                .as("noticed within two watches, not when the upstream answers after 8 s")
                .isLessThan(Duration.ofMillis(2 * GatewayProxyServlet.CLIENT_WATCH_MILLIS + 1000));
        assertThat(c.errorCode()).isEqualTo("client_disconnected");
        assertThat(c.status()).as("the client got no status").isZero();
        assertThat(c.cut()).isFalse();
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("client_disconnected"));
        assertThat(upstream.received).as("never sent again elsewhere").hasSize(1);
    }

    @Test
    void shouldAnswerAClientThatWaitsLongerThanTheWatchAndKeepItsConnectionUsable() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(rawRequest("stays-1", "slow:2500"));
            s.getOutputStream().flush();
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ").endsWith("{\"slow\":true}");
            // The same connection again: the looks at it read nothing of what the client sends next.
            s.getOutputStream().write(rawRequest("stays-2", "json"));
            s.getOutputStream().flush();
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
        assertThat(completion("stays-1").errorCode()).isNull();
        assertThat(completion("stays-1").status()).isEqualTo(200);
        assertThat(completion("stays-2").status()).isEqualTo(200);
        assertThat(upstream.received).hasSize(2);
    }

    @Test
    void shouldAnswerAStreamWhoseFirstTokenComesAfterTheWatchAndKeepItsConnectionUsable() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(rawRequest("stream-stays-1", "sse:2:2500"));
            s.getOutputStream().flush();
            String first = readChunked(s.getInputStream());
            assertThat(first).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("connection: close")
                    .contains("data: {\"n\":0}").contains("data: {\"n\":1}");
            // The same connection again: the looks at it while the first token was awaited read nothing of it.
            s.getOutputStream().write(rawRequest("stream-stays-2", "json"));
            s.getOutputStream().flush();
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
        assertThat(completion("stream-stays-1").status()).isEqualTo(200);
        assertThat(completion("stream-stays-1").errorCode()).isNull();
        assertThat(completion("stream-stays-2").status()).isEqualTo(200);
        assertThat(upstream.received).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"slow:2500", "sse:1:3500"})
    void shouldCloseTheConnectionOfAClientThatSentItsNextRequestBeforeItsAnswer(String scenario) throws Exception {
        // HTTP pipelining, which no LLM SDK does: a look at the connection reads the next request's first byte, which
        // cannot be put back. The answer says Connection: close and the connection ends after it (the client sends
        // that request again, as RFC 9112 asks of a pipelining client), before the status or between it and the body.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(rawRequest("pipelined-1", scenario));
            s.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.received.isEmpty());
            Thread.sleep(300);
            s.getOutputStream().write(rawRequest("pipelined-2", "json"));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(all).startsWith("HTTP/1.1 200 ").containsIgnoringCase("\r\nconnection: close\r\n");
            assertThat(all.split("HTTP/1.1 ", -1)).as("one response, then the close").hasSize(2);
        }
        assertThat(completion("pipelined-1").status()).isEqualTo(200);
        assertThat(completion("pipelined-1").errorCode()).isNull();
        assertThat(upstream.received).as("the second request was not served from a broken start").hasSize(1);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A chat request for {@code alias} with its request id and the upstream's scenario, as bytes for a raw socket. */
    private static byte[] rawRequest(String id, String scenario) {
        String body = "{\"model\":\"alias\",\"messages\":[]}";
        return ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Scenario: " + scenario
                + "\r\nX-Request-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        String head = readUntil(in, "\r\n\r\n", "the response ended inside its head");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertThat(m.find()).as(head).isTrue();
        return head + new String(in.readNBytes(Integer.parseInt(m.group(1))), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Reads one response with a chunked body, up to its last chunk. */
    private static String readChunked(java.io.InputStream in) throws java.io.IOException {
        StringBuilder all = new StringBuilder(readUntil(in, "\r\n\r\n", "the response ended inside its head"));
        assertThat(all.toString()).containsIgnoringCase("transfer-encoding: chunked");
        while (true) {
            int n = Integer.parseInt(readUntil(in, "\r\n", "the body ended inside a chunk size").trim(), 16);
            byte[] chunk = in.readNBytes(n + 2);
            assertThat(chunk).as("a whole chunk").hasSize(n + 2);
            all.append(new String(chunk, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            if (n == 0) {
                return all.toString();
            }
        }
    }

    /** @return the bytes read up to and with {@code end}, as Latin-1; failing with {@code why} if the stream ends first */
    private static String readUntil(java.io.InputStream in, String end, String why) throws java.io.IOException {
        StringBuilder read = new StringBuilder();
        while (!read.toString().endsWith(end)) {
            int b = in.read();
            assertThat(b).as(why + ": " + read).isNotNegative();
            read.append((char) b);
        }
        return read.toString();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    private Completion completion(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey(id));
        return completions.get(id);
    }
}
