package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.jetty.FaultyUpstream.End;
import dev.switchboard.jetty.FaultyUpstream.Script;
import dev.switchboard.jetty.RawClient.Ending;
import dev.switchboard.jetty.RawClient.Received;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A response that breaks after it started must reach the client broken (README "Faults"): an upstream
 * that closes (FIN) or resets (RST) at a chosen byte, or goes silent, behind the real {@link Gateway};
 * raw-socket clients check every byte they get and how the connection ends. A cut is never a clean end:
 * no terminating chunk, no short body the client could take for a whole one; a stream cut between events
 * gets an SSE {@code error} event first. The exchange record counts it as an error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class CutResponseTest {

    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    /**
     * For an answer ended cleanly and then closed: a connection the upstream closes after an answer without saying so
     * goes back to the gateway's pool, and a request sent right after may meet its close (status 0, "unreachable").
     */
    private static final String SSE_CLOSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String JSON_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String EVENT_1 = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":"
            + "{\"content\":\"Hel\"}}]}\n\n";
    private static final String EVENT_2 = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":"
            + "{\"content\":\"lo\"}}]}\n\n";
    private static final String OPENAI_CUT_EVENT = "event: error\ndata: {\"error\":{\"message\":\"provider up ended the "
            + "response before it was complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}\n\n";

    /** The gateway's own error for an answer whose headers came and whose body broke before any of it was sent. */
    private static final String CUT_ERROR = "{\"error\":{\"message\":\"provider up ended the response before it was "
            + "complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}";

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private FaultyUpstream upstream;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        upstream = new FaultyUpstream();
        SwitchboardConfig config = TestGateway.config("""
                server: {upstream_idle_timeout: 1500ms, client_idle_timeout: 1s}
                providers:
                  up: {type: openai-compatible, base_url: %s}
                  claude: {type: anthropic, base_url: %s, api_key: sk-test}
                default_provider: up
                virtual_models:
                  - {source: with-fallback, target: up/first, fallbacks: [up/second]}
                  - {source: guarded, target: up/only}
                  - {source: guarded-empty, target: up/only-empty}
                """.formatted(upstream.url(), upstream.url()));
        ExchangeListener recording = new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.put(exchange.id(), completion);
            }
        };
        gateway = TestGateway.start(config, recording);
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        upstream.stop();
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    private Received chat(String id, String body) throws Exception {
        return RawClient.post(gateway.port(), "/v1/chat/completions", body, 10_000, "X-Request-Id: " + id);
    }

    /**
     * Connects {@code socket} with a small receive buffer (a reader the gateway's writes soon wait on) and sends a
     * streamed chat request.
     *
     * @return when the request began to be sent ({@link System#nanoTime})
     */
    private static long sendStreamFromSlowReader(Socket socket, int port, String id) throws IOException {
        String body = "{\"model\":\"up/gpt-x\",\"stream\":true}";
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        long start = System.nanoTime();
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return start;
    }

    private Completion completion(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey(id));
        return completions.get(id);
    }

    private static void assertCut(Received r) {
        assertThat(r.ending()).as("the connection ends, it does not wait").isNotEqualTo(Ending.TIMEOUT);
        assertThat(r.complete()).as("a cut response must not look complete: " + r.rawBody()).isFalse();
        assertThat(r.rawBody()).doesNotContain("0\r\n\r\n");
    }

    @ParameterizedTest
    @EnumSource(value = End.class, names = {"FIN", "RST"})
    void shouldCutTheClientWithAnErrorEventWhenAStreamBreaksBetweenEvents(End end) throws Exception {
        upstream.next(Script.of(end, SSE_HEAD, chunk(EVENT_1), chunk(EVENT_2)));

        Received r = chat("sse-" + end, "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
        assertThat(r.body()).isEqualTo(EVENT_1 + EVENT_2 + OPENAI_CUT_EVENT);
        assertCut(r);
        Completion c = completion("sse-" + end);
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.cut()).isTrue();
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.error()).isEqualTo("upstream_unavailable");
        });
    }

    @Test
    void shouldChunkAStreamEvenForAClientThatAskedToCloseSoThatItsCutShows() throws Exception {
        // Without chunking, a Connection: close response ends at the close: a cut and a clean end look the same.
        upstream.next(Script.of(End.FIN, SSE_HEAD, chunk(EVENT_1)));

        Received r = RawClient.post(gateway.port(), "/v1/chat/completions", "{\"model\":\"up/gpt-x\",\"stream\":true}",
                10_000, "X-Request-Id: close-cut", "Connection: close");

        assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(r.body()).isEqualTo(EVENT_1 + OPENAI_CUT_EVENT);
        assertCut(r);
    }

    @Test
    void shouldCutAStreamThatBreaksInsideAnEventExactlyThereWithoutAnErrorEvent() throws Exception {
        // The upstream dies 7 bytes into its second event: an error event now would be glued to half an event.
        String half = EVENT_2.substring(0, 7);
        upstream.next(Script.of(End.RST, SSE_HEAD, chunk(EVENT_1), chunk(EVENT_2).substring(0, 4 + 7)));

        Received r = chat("sse-mid", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(EVENT_1 + half);
        assertCut(r);
        assertThat(completion("sse-mid").cut()).isTrue();
    }

    @Test
    void shouldCutAnAnthropicStreamWithAnErrorEventInTheAnthropicShape() throws Exception {
        String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n";
        String delta = "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n";
        upstream.next(Script.of(End.FIN, SSE_HEAD, chunk(start), chunk(delta)));

        Received r = RawClient.post(gateway.port(), "/v1/messages", "{\"model\":\"claude/claude-x\",\"stream\":true}",
                10_000, "X-Request-Id: anthropic-cut");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(start + delta + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                + "\"api_error\",\"message\":\"provider claude ended the response before it was complete\"}}\n\n");
        assertCut(r);
        assertThat(completion("anthropic-cut").errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldRecordAResponsesStreamCutAfterItsStartAsEndedNoWayTheUpstreamSaid() throws Exception {
        // response.created says "in_progress": the response has not ended, so that is no way it ended. A cut
        // counted in the experiments' finish reasons as "in_progress" hid among the answers that ended.
        String created = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\","
                + "\"status\":\"in_progress\",\"usage\":null}}\n\n";
        String delta = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n";
        upstream.next(Script.of(End.FIN, SSE_HEAD, chunk(created), chunk(delta)));

        Received r = RawClient.post(gateway.port(), "/v1/responses", "{\"model\":\"up/gpt-x\",\"stream\":true}", 10_000,
                "X-Request-Id: responses-cut");

        assertThat(r.body()).isEqualTo(created + delta + OPENAI_CUT_EVENT);
        assertCut(r);
        Completion c = completion("responses-cut");
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(c.usage()).isEqualTo(dev.switchboard.exchange.Usage.UNKNOWN);
    }

    @ParameterizedTest
    @EnumSource(value = End.class, names = {"FIN", "RST"})
    void shouldCutAChunkedJsonBodyAfterItsLastByteWithoutAddingAny(End end) throws Exception {
        // Larger than the gateway's output buffer: the response is on its way to the client when the upstream dies.
        String part = "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"content\":\"" + "Hello ".repeat(20_000);
        upstream.next(Script.of(end, JSON_HEAD, chunk(part)));

        Received r = chat("json-" + end, "{\"model\":\"up/gpt-x\"}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(part);
        assertCut(r);
        assertThat(completion("json-" + end).errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldNeverCompleteABodyShorterThanItsContentLength() throws Exception {
        String part = "{\"id\":\"chatcmpl-2\",\"choices\":[" + " ".repeat(100_000);
        upstream.next(Script.of(End.FIN, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n",
                part));

        Received r = chat("length", "{\"model\":\"up/gpt-x\"}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Length")).isEqualTo("200000");
        assertThat(r.body()).isEqualTo(part);
        assertCut(r);
        assertThat(completion("length").cut()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = End.class, names = {"FIN", "RST"})
    void shouldAnswer502WhenAJsonBodyBreaksBeforeAnyOfItReachedTheClient(End end) throws Exception {
        // Small enough to sit in the gateway's buffer: nothing was sent, so an honest error can still be.
        upstream.next(Script.of(end, JSON_HEAD, chunk("{\"id\":\"chatcmpl-3\",")));

        Received r = chat("json-small-" + end, "{\"model\":\"up/gpt-x\"}");

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).isEqualTo(CUT_ERROR);
        assertThat(r.complete()).isTrue();
        Completion c = completion("json-small-" + end);
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(c.firstByteNanos()).as("the client's first byte is the gateway's own error's: none").isEqualTo(-1);
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.error()).isEqualTo("upstream_unavailable");
        });
    }

    @Test
    void shouldCutAStreamWhoseUpstreamGoesSilentPastTheIdleTimeout() throws Exception {
        upstream.next(Script.of(End.STALL, SSE_HEAD, chunk(EVENT_1)));

        Received r = chat("stall", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.body()).isEqualTo(EVENT_1 + "event: error\ndata: {\"error\":{\"message\":\"provider up went silent "
                + "in the middle of the response\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_timeout\"}}\n\n");
        assertCut(r);
        assertThat(r.millis()).as("cut after the 1.5 s idle timeout").isBetween(1400L, 6000L);
        Completion c = completion("stall");
        assertThat(c.errorCode()).isEqualTo("upstream_timeout");
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("upstream_timeout"));
    }

    @Test
    void shouldCutAStreamWhoseClientReadsNothingForTheClientIdleTimeout() throws Exception {
        // 4 MiB the client does not read: the gateway's write to it cannot finish.
        String big = "data: " + "x".repeat(4 * 1024 * 1024) + "\n\n";
        upstream.next(Script.of(End.STALL, SSE_HEAD, chunk(EVENT_1), chunk(big)));

        try (Socket socket = new Socket()) {
            long start = sendStreamFromSlowReader(socket, gateway.port(), "slow-reader");
            assertThat(socket.getInputStream().read()).as("the response starts").isEqualTo('H');
            // Read nothing more until the gateway has given up on this client.
            Completion c = completion("slow-reader");
            long gaveUp = (System.nanoTime() - start) / 1_000_000;
            assertThat(c.cut()).isTrue();
            assertThat(c.errorCode()).isEqualTo("client_timeout");
            assertThat(gaveUp).as("after the 1 s client idle timeout").isBetween(900L, 6000L);

            // Now read fast what the gateway managed to send before it gave up.
            socket.setReceiveBufferSize(4 << 20);
            Received r = RawClient.read(socket, 10_000, start);
            assertThat(r.ending()).isIn(Ending.EOF, Ending.RESET);
            assertThat(r.text()).doesNotEndWith("0\r\n\r\n");
        }
    }

    // A probe of 2026-12-07: with upstream_idle_timeout under client_idle_timeout, a client that paused its reading had
    // its stream cut as the provider's silence (upstream_timeout, a failure for the target's breaker), while the
    // provider's connection only waited with the gateway, which cannot read it while it cannot write to the client.
    @Test
    void shouldBlameAClientThatPausedItsReadingNotTheProviderWhoseConnectionWaitedWithIt() throws Exception {
        Gateway strict = TestGateway.start(TestGateway.config("""
                server: {upstream_idle_timeout: 1s, client_idle_timeout: 10s}
                providers:
                  up: {type: openai-compatible, base_url: %s}
                default_provider: up
                """.formatted(upstream.url())), new ExchangeListener() {
                    @Override
                    public void onComplete(Exchange exchange, Completion completion) {
                        completions.put(exchange.id(), completion);
                    }
                });
        String big = "data: " + "x".repeat(4 * 1024 * 1024) + "\n\n";
        upstream.next(Script.of(End.FIN, SSE_HEAD, chunk(EVENT_1), chunk(big), chunk(EVENT_2) + "0\r\n\r\n"));
        try (Socket socket = new Socket()) {
            long start = sendStreamFromSlowReader(socket, strict.port(), "paused-reader");
            assertThat(socket.getInputStream().read()).as("the response starts").isEqualTo('H');
            // A pause three times the provider's idle timeout, well within the client's.
            Thread.sleep(3_000);
            socket.setReceiveBufferSize(4 << 20);
            RawClient.read(socket, 10_000, start);
            Completion c = completion("paused-reader");
            assertThat(c.cut()).isTrue();
            assertThat(c.errorCode()).isEqualTo("client_timeout");
            assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("client_timeout"));
        } finally {
            strict.stop();
        }
    }

    @Test
    void shouldKeepAStreamWhoseGapsAreLongerThanTheClientIdleTimeoutWhileTheClientReads() throws Exception {
        // 1.25 s between events, a 1 s client idle timeout (1.5 s upstream): a client waiting for tokens is not idle.
        upstream.next(Script.dripped(1250, End.FIN, SSE_HEAD + chunk(EVENT_1), chunk(EVENT_2 + "data: [DONE]\n\n")
                + "0\r\n\r\n"));

        Received r = chat("gaps", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.body()).isEqualTo(EVENT_1 + EVENT_2 + "data: [DONE]\n\n");
        assertThat(r.complete()).isTrue();
        assertThat(completion("gaps").errorCode()).isNull();
    }

    @Test
    void shouldAnswer502WhenTheUpstreamBreaksBeforeAnyByteOfTheBodyWasSent() throws Exception {
        upstream.next(Script.of(End.RST, SSE_HEAD));

        Received r = chat("before-body", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).isEqualTo(CUT_ERROR);
        assertThat(r.complete()).isTrue();
        Completion c = completion("before-body");
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldAnswerTheGatewaysOwnErrorWithoutTheHeadersOfTheUpstreamResponseThatBroke() throws Exception {
        // The upstream's headers arrived, then it died before any byte of its body: the client gets the gateway's
        // JSON error, which these headers do not describe (a gzip-encoded body, an hour in caches, a cookie).
        upstream.next(Script.of(End.RST, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                + "Content-Length: 500\r\nCache-Control: max-age=3600\r\nSet-Cookie: upstream=1\r\n"
                + "X-Upstream-Trace: t-1\r\n\r\n"));

        Received r = chat("before-body-headers", "{\"model\":\"up/gpt-x\"}");

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).isEqualTo(CUT_ERROR);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Content-Encoding")).as("the error body is not gzip").isNull();
        assertThat(r.header("Cache-Control")).isNull();
        assertThat(r.header("Set-Cookie")).isNull();
        assertThat(r.header("X-Upstream-Trace")).isNull();
        assertThat(r.header("X-Switchboard-Request-Id")).isEqualTo("before-body-headers");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.complete()).isTrue();
    }

    @Test
    void shouldPassACompleteStreamWithItsCleanEnd() throws Exception {
        upstream.next(Script.of(End.FIN, SSE_HEAD, chunk(EVENT_1), chunk("data: [DONE]\n\n"), "0\r\n\r\n"));

        Received r = chat("complete", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.body()).isEqualTo(EVENT_1 + "data: [DONE]\n\n");
        assertThat(r.complete()).isTrue();
        assertThat(r.ending()).as("kept alive for the next request").isEqualTo(Ending.OPEN);
        Completion c = completion("complete");
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isNull();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> streamsEndedEarly() {
        String created = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\","
                + "\"status\":\"in_progress\"}}\n\n";
        String delta = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n";
        String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n";
        String block = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n";
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("/v1/chat/completions", EVENT_1 + EVENT_2, OPENAI_CUT_EVENT),
                org.junit.jupiter.params.provider.Arguments.of("/v1/responses", created + delta, OPENAI_CUT_EVENT),
                org.junit.jupiter.params.provider.Arguments.of("/v1/messages", start + block, "event: error\ndata: "
                        + "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"provider claude ended the "
                        + "response before it was complete\"}}\n\n"));
    }

    // A probe with the official SDKs (2026-12-07): an upstream that ended its stream cleanly (the terminating chunk)
    // after two of five deltas, without [DONE], response.completed or message_stop, reached the client as a clean end:
    // the SDKs' iterators ended normally with half an answer, and the access log said 200, no error.
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("streamsEndedEarly")
    void shouldCutAStreamTheUpstreamEndedCleanlyBeforeItSaidItEnded(String path, String events, String errorEvent)
            throws Exception {
        upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, chunk(events), "0\r\n\r\n"));
        String id = "early" + path.replace('/', '-');
        String model = path.equals("/v1/messages") ? "claude/claude-x" : "up/gpt-x";

        Received r = RawClient.post(gateway.port(), path, "{\"model\":\"" + model + "\",\"stream\":true}", 10_000,
                "X-Request-Id: " + id);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(events + errorEvent);
        assertCut(r);
        Completion c = completion(id);
        assertThat(c.cut()).isTrue();
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("upstream_unavailable"));
    }

    // A review of the change: an upstream whose streams all end so (a quirk of its format) had its breaker opened by
    // them, which then refused its other requests too.
    @Test
    void shouldNotCountAStreamEndedBeforeItSaidSoAgainstItsTargetsBreaker() throws Exception {
        for (int i = 0; i < 6; i++) {
            upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, chunk(EVENT_1), "0\r\n\r\n"));
            // A redirect's target, which has a breaker (a model only clients name has none).
            assertCut(chat("early-breaker-" + i, "{\"model\":\"guarded\",\"stream\":true}"));
        }
        upstream.next(Script.of(End.FIN, JSON_HEAD.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
                chunk("{\"id\":\"chatcmpl-4\"}"), "0\r\n\r\n"));

        Received r = chat("after-early", "{\"model\":\"guarded\"}");

        assertThat(r.status()).as("the breaker (5 failures) stays closed: " + r.body()).isEqualTo(200);
    }

    // The second review: a target answering every stream with nothing (a 200 and no event) never opened its breaker,
    // and every request paid a round trip to it before its fallback.
    @Test
    void shouldCountAStreamWithNothingInItAgainstItsTargetsBreaker() throws Exception {
        for (int i = 0; i < 5; i++) {
            upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, "0\r\n\r\n"));
            assertThat(chat("empty-breaker-" + i, "{\"model\":\"guarded-empty\",\"stream\":true}").status())
                    .isEqualTo(502);
        }

        Received r = chat("after-empty", "{\"model\":\"guarded-empty\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("no candidate may be called now: the circuit breaker of 'up/only-empty' is open");
        assertThat(upstream.requests).as("the open breaker let nothing through").hasSize(5);
    }

    @Test
    void shouldPassACleanEndOfAStreamInAServersOwnFormat() throws Exception {
        // An old llama.cpp streamed its own chunks on /v1/completions: no choices, no finish reason, no [DONE].
        String own = "data: {\"content\":\"Hi\",\"stop\":false}\n\ndata: {\"content\":\"\",\"stop\":true}\n\n";

        assertPassedWhole("/v1/completions", "{\"model\":\"up/llama\",\"prompt\":\"x\",\"stream\":true}", own,
                "own-format");
    }

    @Test
    void shouldFailOverAStreamThatEndedWithNothingInIt() throws Exception {
        // Nothing of the first reached the client: the fallback takes the request.
        upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, "0\r\n\r\n"));
        upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, chunk(EVENT_1 + "data: [DONE]\n\n"), "0\r\n\r\n"));

        Received r = chat("empty-then-fallback", "{\"model\":\"with-fallback\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(EVENT_1 + "data: [DONE]\n\n");
        assertThat(r.header("X-Switchboard-Attempts")).isEqualTo("2");
        Completion c = completion("empty-then-fallback");
        assertThat(c.errorCode()).isNull();
        assertThat(c.attempts()).extracting(a -> a.error()).containsExactly("upstream_unavailable", null);
    }

    @Test
    void shouldPassACleanEndOfAStreamThatGaveItsFinishReasonWithoutDone() throws Exception {
        // Some OpenAI-compatible servers end a chat stream without [DONE]; its finish reason says it ended.
        String last = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";

        assertPassedWhole("/v1/chat/completions", "{\"model\":\"up/gpt-x\",\"stream\":true}", EVENT_1 + last,
                "finish-no-done");
    }

    @Test
    void shouldPassACleanEndOfAStreamOfAnotherApiWhateverItsLastEvent() throws Exception {
        // Only the APIs whose streams say when they end are judged: a speech stream's events are its own.
        String audio = "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n";

        assertPassedWhole("/v1/audio/speech", "{\"model\":\"up/tts-x\",\"input\":\"hi\",\"stream_format\":\"sse\"}",
                audio, "speech-sse");
    }

    /**
     * An upstream answers {@code stream} as an SSE stream and ends it cleanly: the client gets it whole, with its clean
     * end, and the exchange is no error.
     */
    private void assertPassedWhole(String path, String body, String stream, String id) throws Exception {
        upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, chunk(stream), "0\r\n\r\n"));

        Received r = RawClient.post(gateway.port(), path, body, 10_000, "X-Request-Id: " + id);

        assertThat(r.body()).isEqualTo(stream);
        assertThat(r.complete()).isTrue();
        Completion c = completion(id);
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isNull();
    }

    @Test
    void shouldAnswer502WhenAStreamEndsCleanlyWithoutAnyEvent() throws Exception {
        // Nothing of it reached the client (a stream's headers wait for its first byte): an honest error still can.
        upstream.next(Script.of(End.FIN, SSE_CLOSE_HEAD, "0\r\n\r\n"));

        Received r = chat("empty-stream", "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).isEqualTo(CUT_ERROR);
        assertThat(r.header("x-request-id")).as("the SDKs' request id").isEqualTo("empty-stream");
        assertThat(r.complete()).isTrue();
        assertThat(completion("empty-stream").errorCode()).isEqualTo("upstream_unavailable");
    }

    // The same probe: a whole stream, its last event included, then a close without the terminating chunk (or a reset)
    // was cut with an error event after [DONE] or message_stop: the SDKs raised an error over a complete answer.
    @ParameterizedTest
    @EnumSource(value = End.class, names = {"FIN", "RST"})
    void shouldEndAStreamWhoseLastEventCameBeforeTheUpstreamBroke(End end) throws Exception {
        upstream.next(Script.of(end, SSE_HEAD, chunk(EVENT_1), chunk("data: [DONE]\n\n")));

        Received r = chat("whole-" + end, "{\"model\":\"up/gpt-x\",\"stream\":true}");

        assertThat(r.body()).isEqualTo(EVENT_1 + "data: [DONE]\n\n");
        assertThat(r.complete()).as("a clean end: " + r.rawBody()).isTrue();
        Completion c = completion("whole-" + end);
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isNull();
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isNull());
    }

    @Test
    void shouldEndAnAnthropicStreamWhoseMessageStopCameBeforeTheUpstreamWentSilent() throws Exception {
        String stop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        upstream.next(Script.of(End.STALL, SSE_HEAD, chunk(stop)));

        Received r = RawClient.post(gateway.port(), "/v1/messages", "{\"model\":\"claude/claude-x\",\"stream\":true}",
                10_000, "X-Request-Id: whole-silent");

        assertThat(r.body()).isEqualTo(stop);
        assertThat(r.complete()).isTrue();
        assertThat(completion("whole-silent").errorCode()).isNull();
    }
}
