package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.live.MutableClock;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.jetty.ScriptedUpstream.Behaviour;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failover through the bundled proxy (SPEC section 11), against real upstreams on port 0 that refuse, reset,
 * answer 429/500/503/529, stall before their headers, or break mid-stream. Every test asserts what the client
 * got and what each upstream received. Timeouts are short (300 ms for headers, 1 s idle), so nothing sleeps long.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FailoverTest {

    private static final String CHAT = "/v1/chat/completions";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    /** The {@code onAttempt} events of each exchange, in the order they came. */
    private final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
    /** What the breaker tests move by hand. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    private ScriptedUpstream a;
    private ScriptedUpstream b;
    private ScriptedUpstream c;
    private ScriptedUpstream d;
    private Gateway gateway;
    /** A gateway whose breakers open after 2 failures, on {@link #clock}. */
    private Gateway breaking;

    @BeforeAll
    void start() throws Exception {
        a = new ScriptedUpstream("a");
        b = new ScriptedUpstream("b");
        c = new ScriptedUpstream("c");
        d = new ScriptedUpstream("d");
        ExchangeListener recording = new ExchangeListener() {
            @Override
            public void onAttempt(Exchange exchange, Attempt attempt) {
                attempts.computeIfAbsent(exchange.id(), id -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(attempt);
            }

            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.put(exchange.id(), completion);
            }
        };
        gateway = start(config(1000), recording);
        breaking = start(config(2), recording);
    }

    private Gateway start(SwitchboardConfig config, ExchangeListener listener) throws Exception {
        return Gateway.start(() -> config, null, config.server(), List.of(listener), clock);
    }

    private SwitchboardConfig config(int breakerFailures) {
        return config(breakerFailures, "300ms");
    }

    private SwitchboardConfig config(int breakerFailures, String connectTimeout) {
        return TestGateway.config("""
                server: {upstream_connect_timeout: %s, upstream_idle_timeout: 1s}
                providers:
                  a: {type: openai-compatible, base_url: %s}
                  b: {type: openai-compatible, base_url: %s}
                  c: {type: openai-compatible, base_url: %s}
                  d: {type: openai-compatible, base_url: %s}
                default_provider: a
                observability: {access_log: true}
                failover:
                  max_attempts: 3
                  circuit_breaker: {failures: %d, open_for: 30s}
                virtual_models:
                  - source: chat
                    targets: [a/m-a, b/m-b]
                    strategy: failover
                    fallbacks: [c/m-c]
                  - source: four
                    targets: [a/m-a, b/m-b, c/m-c, d/m-d]
                    strategy: failover
                  - source: guarded
                    targets: [a/m-a, b/m-staff]
                    strategy: failover
                    fallbacks: [c/m-c]
                  - source: b/m-staff
                    user_paths: [/staff]
                  - source: slow-first
                    targets: [c/m-c]
                    fallbacks: [d/m-d]
                  - source: d-only
                    target: d/m-d
                  - source: primary-off
                    targets: [a/m-off, b/m-b]
                    strategy: failover
                  - source: a/m-off
                    enabled: false
                  - source: staff-first
                    target: b/m-staff
                    fallbacks: [c/m-c]
                  - source: odd-fallback
                    target: a/m-a
                    fallbacks: ["c/m%%2Dc"]
                """.formatted(connectTimeout, a.url(), b.url(), c.url(), d.url(), breakerFailures));
    }

    @BeforeEach
    void reset() throws IOException {
        for (ScriptedUpstream u : List.of(a, b, c, d)) {
            u.reset();
        }
        completions.clear();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        breaking.stop();
        for (ScriptedUpstream u : List.of(a, b, c, d)) {
            u.stop();
        }
    }

    /** A chat body with odd spacing and a key after the model: every byte but the model must arrive as sent. */
    private static String body(String model, boolean stream) {
        return "{ \"messages\" : [{\"role\":\"user\",\"content\":\"h\\u00e9llo\"}],\n  \"model\":\"" + model
                + "\" , \"stream\":" + stream + ", \"user\":\"u-1\" }";
    }

    private HttpResponse<String> post(Gateway g, String body, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + CHAT))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Completion completion(HttpResponse<?> r) {
        String id = r.headers().firstValue("X-Switchboard-Request-Id").orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey(id));
        return completions.get(id);
    }

    /** Makes an upstream fail one way (stall: a streamed request, so the header deadline applies). */
    private static void fail(ScriptedUpstream u, String how) throws IOException {
        switch (how) {
            case "refuse" -> u.answer(Behaviour.REFUSE);
            case "reset" -> u.answer(Behaviour.RESET);
            case "stall" -> u.answer(Behaviour.STALL);
            case "headers-reset" -> u.answer(Behaviour.HEADERS_THEN_RESET);
            case "overloaded-first" -> u.answer(Behaviour.OVERLOADED_FIRST);
            default -> u.answer(Integer.parseInt(how));
        }
    }

    private static int expectedReceived(String how) {
        return how.equals("refuse") ? 0 : 1;
    }

    static Stream<String> failures() {
        return Stream.of("refuse", "reset", "stall", "headers-reset", "overloaded-first", "429", "500", "502", "503", "504", "529");
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldFailOverToTheNextTargetWhenTheFirstFailsBeforeAnswering(String how) throws Exception {
        fail(a, how);
        b.answer(Behaviour.STREAM);

        HttpResponse<String> r = post(gateway, body("chat", true));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("{\"from\":\"b\"}").doesNotContain("\"a\"");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("b/m-b");
        assertThat(r.headers().firstValue("X-Upstream")).as("a header of the response that broke").isEmpty();
        assertThat(a.received).hasSize(expectedReceived(how));
        assertThat(b.received).hasSize(1);
        assertThat(c.received).isEmpty();
        Completion done = completion(r);
        assertThat(done.attempts()).extracting(x -> x.candidate().model()).containsExactly("a/m-a", "b/m-b");
        assertThat(done.attempts().get(1).status()).isEqualTo(200);
        List<Attempt> events = attempts.get(r.headers().firstValue("X-Switchboard-Request-Id").orElseThrow());
        assertThat(events).extracting(Attempt::number).containsExactly(1, 2);
        Attempt failed = events.get(0);
        if (how.equals("headers-reset") || how.equals("overloaded-first")) {
            assertThat(failed.status()).as("its headers came (else this is the reset case again)").isEqualTo(200);
        }
        assertThat(failed.error() != null ? failed.error() : String.valueOf(failed.status()))
                .isEqualTo(switch (how) {
                    case "refuse", "reset", "headers-reset" -> "upstream_unavailable";
                    case "overloaded-first" -> "upstream_error_event";
                    case "stall" -> "upstream_timeout";
                    default -> how;
                });
    }

    // A probe of 2026-12-07: an answer that is not streamed broke after half its body, all of it still in the gateway's
    // buffer, and the client got 502 while the fallback was never tried (SPEC section 11: before any byte reached the
    // client, the next candidate takes the request).
    @Test
    void shouldFailOverAnAnswerThatBrokeWhileItsBodyWasStillInTheGatewaysBuffer() throws Exception {
        a.answer(Behaviour.HALF_BODY_THEN_RESET);
        b.answer(Behaviour.OK);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(b.okBody());
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        assertThat(r.headers().firstValue("X-Upstream")).as("a header of the response that broke").isEmpty();
        assertThat(b.received).hasSize(1);
        Completion done = completion(r);
        assertThat(done.attempts()).extracting(x -> x.candidate().model()).containsExactly("a/m-a", "b/m-b");
        assertThat(done.attempts().get(0).error()).isEqualTo("upstream_unavailable");
    }

    // Regression: the usage the failed attempt's half body stated was the exchange's, under the model that answered.
    @Test
    void shouldNotCountTheUsageOfAnAttemptItFailedOverFrom() throws Exception {
        a.answer(Behaviour.HALF_BODY_WITH_USAGE_THEN_RESET);
        b.answer(Behaviour.OK);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(b.okBody());
        Completion done = completion(r);
        assertThat(done.attempts()).extracting(x -> x.candidate().model()).containsExactly("a/m-a", "b/m-b");
        // b's answer states no usage: unknown, not a's 99 and 77.
        assertThat(done.usage()).isEqualTo(dev.switchboard.exchange.Usage.UNKNOWN);
    }

    // The only attempt's broken answer: the client gets the gateway's 502, and the usage is what its provider stated.
    @Test
    void shouldKeepTheUsageTheLastAttemptStatedWhenItsAnswerBrokeBeforeReachingTheClient() throws Exception {
        d.answer(Behaviour.HALF_BODY_WITH_USAGE_THEN_RESET);

        HttpResponse<String> r = post(gateway, body("d-only", false));

        assertThat(r.statusCode()).isEqualTo(502);
        Completion done = completion(r);
        assertThat(done.attempts()).extracting(x -> x.candidate().model()).containsExactly("d/m-d");
        // Its provider generated that answer, and bills it: what it stated is this exchange's usage.
        assertThat(done.usage().inputTokens()).isEqualTo(99L);
        assertThat(done.usage().outputTokens()).isEqualTo(77L);
    }

    static Stream<Arguments> pairs() {
        List<Arguments> out = new ArrayList<>();
        List<String> kinds = List.of("refuse", "reset", "stall", "429", "503", "529");
        for (String first : kinds) {
            for (String second : kinds) {
                if (!first.equals(second) || first.equals("503")) {
                    out.add(Arguments.of(first, second));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void shouldGoThroughTheTargetsThenTheFallbacksInOrder(String first, String second) throws Exception {
        fail(a, first);
        fail(b, second);
        c.answer(Behaviour.STREAM);

        HttpResponse<String> r = post(gateway, body("chat", true));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: {\"from\":\"c\"}\n\ndata: [DONE]\n\n");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("3");
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("c/m-c");
        assertThat(a.received).hasSize(expectedReceived(first));
        assertThat(b.received).hasSize(expectedReceived(second));
        assertThat(c.received).hasSize(1);
    }

    @Test
    void shouldSendTheBodyByteExactApartFromTheModelOnEveryAttempt() throws Exception {
        a.answer(503);
        b.answer(Behaviour.RESET);
        String sent = body("chat", false);

        HttpResponse<String> r = post(gateway, sent);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(c.okBody());
        assertThat(a.received.get(0).text()).isEqualTo(sent.replace("\"chat\"", "\"m-a\""));
        assertThat(b.received.get(0).text()).isEqualTo(sent.replace("\"chat\"", "\"m-b\""));
        assertThat(c.received.get(0).text()).isEqualTo(sent.replace("\"chat\"", "\"m-c\""));
        for (ScriptedUpstream u : List.of(a, b, c)) {
            String head = u.received.get(0).head().toLowerCase(java.util.Locale.ROOT);
            assertThat(head).contains("content-length: " + u.received.get(0).body().length + "\r\n");
        }
    }

    @Test
    void shouldNotMakeTheUpstreamWaitForA100ContinueForABodyTheGatewayAlreadyHolds() throws Exception {
        // curl sends Expect: 100-continue with any body over 1 MiB. The gateway reads the whole body first; passed on,
        // the expectation made its HTTP client wait for a 100 that an upstream may never send (RFC 9110 lets a server
        // just read the body), until the idle timeout: 504 after 1 s here, 10 minutes by default, and no failover.
        String sent = body("chat", false);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + CHAT))
                .timeout(Duration.ofSeconds(10)).expectContinue(true).POST(HttpRequest.BodyPublishers.ofString(sent)).build();
        long t0 = System.nanoTime();

        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(a.okBody());
        // Not the idle timeout (1 s): no wait for a 100 Continue.
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        assertThat(a.received).singleElement().satisfies(x -> {
            assertThat(x.text()).isEqualTo(sent.replace("\"chat\"", "\"m-a\""));
            assertThat(x.head().toLowerCase(java.util.Locale.ROOT)).doesNotContain("expect:");
        });
    }

    @Test
    void shouldNotPassOnA100ContinueExpectationForAnUploadPassedOnUnread() throws Exception {
        // A fine-tuning file holds no model: the filter passes it on unread, but the body gate in front read it whole
        // (and answered the client's expectation), so the upstream must not be asked to answer it again.
        String form = "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--b\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"t.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
                + "{\"messages\":[]}\r\n--b--\r\n";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/files"))
                .timeout(Duration.ofSeconds(10)).expectContinue(true).header("Content-Type", "multipart/form-data; boundary=b")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();

        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(a.received).singleElement().satisfies(x -> {
            assertThat(x.text()).isEqualTo(form);
            assertThat(x.head().toLowerCase(java.util.Locale.ROOT)).doesNotContain("expect:");
        });
    }

    @Test
    void shouldSkipACandidateTheCallerMayNotUseAndNeverCallIt() throws Exception {
        a.answer(503);

        HttpResponse<String> r = post(gateway, body("guarded", false), "X-User-Path", "/guests");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(c.okBody());
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        assertThat(b.received).as("b/m-staff is only for /staff").isEmpty();
        assertThat(a.received).hasSize(1);
        assertThat(c.received).hasSize(1);
    }

    // A caller who may use no target is answered by a fallback: the redirect chose no target for it, so no target's
    // label counts it (it named the fallback, which an ordinary failover's exchange never does).
    @Test
    void shouldLabelNoTargetWhenAFallbackAnswersACallerWhoMayUseNoTarget() throws Exception {
        HttpResponse<String> r = post(gateway, body("staff-first", false), "X-User-Path", "/guests");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(c.okBody());
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("c/m-c");
        assertThat(b.received).as("b/m-staff is only for /staff").isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics(gateway)).containsPattern(
                "gen_ai_server_request_duration_seconds_count\\{[^}]*gen_ai_request_model=\"c/m-c\"[^}]*"
                        + "switchboard_target=\"\",switchboard_virtual_model=\"staff-first\"} 1"));
    }

    @Test
    void shouldSendTheTrafficOfADisabledPrimaryToTheNextTargetWithoutCallingIt() throws Exception {
        // The operator turned the first target of a failover redirect off (an outage, a compliance stop): its callers
        // are answered by the next target, as SPEC 11 has it (a denied candidate is skipped), not refused with 403.
        HttpResponse<String> r = post(gateway, body("primary-off", false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(b.okBody());
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("b/m-b");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("1");
        assertThat(a.received).as("a/m-off is disabled").isEmpty();
        assertThat(b.received).hasSize(1);
        assertThat(b.received.get(0).text()).contains("\"model\":\"m-b\"");
        // Asked for directly, the disabled model is refused as ever.
        HttpResponse<String> direct = post(gateway, body("a/m-off", false));
        assertThat(direct.statusCode()).isEqualTo(403);
        assertThat(a.received).isEmpty();
    }

    // A 401 is the provider refusing the gateway's own credentials for it (a client's never go upstream): that target
    // is broken for everyone, so the next one takes the request; alone, it is a 502 (UpstreamHeadersTest).
    @Test
    void shouldFailOverWhenATargetRefusesTheGatewaysCredentials() throws Exception {
        a.answer(401);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        assertThat(a.received).hasSize(1);
        assertThat(b.received).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 403, 404, 409, 413, 422})
    void shouldNeverRetryA4xxOtherThan429OrTheGatewaysOwn401(int status) throws Exception {
        a.answer(status);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.body()).isEqualTo(a.errorBody(status));
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("1");
        assertThat(b.received).isEmpty();
        assertThat(c.received).isEmpty();
    }

    @Test
    void shouldNotRetryAStreamThatBrokeAfterItsFirstByte() throws Exception {
        a.answer(Behaviour.BREAK_MID_STREAM);

        RawClient.Received r = RawClient.post(gateway.port(), CHAT, body("chat", true), 5_000);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("data: {\"from\":\"a\"}\n\n");
        assertThat(r.complete()).as("a cut, not a clean end").isFalse();
        assertThat(b.received).isEmpty();
        assertThat(c.received).isEmpty();
    }

    // A review: the rule that a name sent as written holds no URL delimiter (an upstream may put it in a URL path) is a
    // warning at load, so a fallback that breaks it is skipped at the request, never sent.
    @Test
    void shouldSkipAFallbackWhoseNameHoldsAUrlDelimiter() throws Exception {
        a.answer(503);

        HttpResponse<String> r = post(gateway, body("odd-fallback", false));

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo(a.errorBody(503));
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("1");
        assertThat(c.received).isEmpty();
    }

    @Test
    void shouldPassOnAStreamThatBeginsWithAnErrorWhenNoCandidateFollowsIt() throws Exception {
        // Anthropic answers an overloaded stream with 200 and an error event: the last candidate's is the client's, as
        // the upstream sent it (its own words, its headers), not a gateway 502.
        for (ScriptedUpstream u : List.of(a, b, c)) {
            u.answer(Behaviour.OVERLOADED_FIRST);
        }

        RawClient.Received r = RawClient.post(gateway.port(), CHAT, body("chat", true), 5_000);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ScriptedUpstream.OVERLOADED);
        assertThat(r.complete()).isTrue();
        assertThat(r.head()).contains("X-Upstream: c").doesNotContain("X-Upstream: a").doesNotContain("X-Upstream: b")
                .contains("X-Switchboard-Attempts: 3");
        assertThat(List.of(a.received.size(), b.received.size(), c.received.size())).containsExactly(1, 1, 1);
    }

    @Test
    void shouldNotHoldAStreamPastAKeepAliveCommentSoAnErrorAfterItGoesToTheClient() throws Exception {
        // A server's keep-alive comment before its model begins is passed on as it comes (a client or a proxy between
        // may time out an answer that says nothing for long): the stream is the client's from then on, error or not.
        a.answer(Behaviour.COMMENT_THEN_OVERLOADED);

        RawClient.Received r = RawClient.post(gateway.port(), CHAT, body("chat", true), 5_000);

        assertThat(r.body()).isEqualTo(": waiting\n\n" + ScriptedUpstream.OVERLOADED);
        assertThat(r.head()).contains("X-Upstream: a").contains("X-Switchboard-Attempts: 1");
        assertThat(b.received).isEmpty();
    }

    @Test
    void shouldAnswerExactlyOnceWithTheLastUpstreamsOwnErrorBodyWhenEveryAttemptFails() throws Exception {
        a.answer(503);
        b.answer(500);
        c.answer(529);

        RawClient.Received r = RawClient.post(gateway.port(), CHAT, body("chat", false), 5_000);

        assertThat(r.status()).isEqualTo(529);
        assertThat(r.body()).isEqualTo(c.errorBody(529));
        assertThat(r.complete()).isTrue();
        assertThat(r.text().split("HTTP/1.1 ", -1)).as("one response on the connection").hasSize(2);
        assertThat(r.header("X-Switchboard-Attempts")).isEqualTo("3");
        assertThat(r.header("X-Switchboard-Model")).isEqualTo("c/m-c");
        assertThat(List.of(a.received.size(), b.received.size(), c.received.size())).containsExactly(1, 1, 1);
    }

    @Test
    void shouldAnswer502InSpecShapeWhenTheLastAttemptCouldNotConnect() throws Exception {
        a.answer(503);
        b.answer(Behaviour.RESET);
        c.answer(Behaviour.REFUSE);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(completion(r).attempts()).extracting(Attempt::status).containsExactly(503, 0, 0);
        assertThat(r.body()).contains("\"code\":\"upstream_unavailable\"").contains("provider c");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("3");
    }

    @Test
    void shouldBoundAttemptsInCountAndInTime() throws Exception {
        for (ScriptedUpstream u : List.of(a, b, c, d)) {
            u.answer(Behaviour.STALL);
        }
        long t0 = System.nanoTime();

        HttpResponse<String> r = post(gateway, body("four", true));

        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("3");
        assertThat(List.of(a.received.size(), b.received.size(), c.received.size(), d.received.size()))
                .containsExactly(1, 1, 1, 0);
        // Three header deadlines of 300 ms, the last one waiting on the idle timeout (1 s): far below 3 s.
        assertThat(ms).isLessThan(3_000);
    }

    @Test
    void shouldStopAtMaxAttemptsWithTheThirdAnswer() throws Exception {
        for (ScriptedUpstream u : List.of(a, b, c, d)) {
            u.answer(503);
        }

        HttpResponse<String> r = post(gateway, body("four", false));

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo(c.errorBody(503));
        assertThat(d.received).isEmpty();
    }

    @Test
    void shouldStopAttemptsWhenTheClientDisconnects() throws Exception {
        a.answer(Behaviour.STALL);
        // A stream: a's header deadline (300 ms) fails the attempt well inside the time bound (3 x 300 ms).
        sendThenLeaveOnceAHasIt("left-before-failover", body("chat", true));
        // a stays silent past its header deadline; by then the client is gone, so b is never called.
        await().pollDelay(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertThat(b.received).isEmpty();
        assertThat(c.received).isEmpty();
        // Recorded as the client's leaving, not as a's timeout, which nobody was answered with.
        assertThat(leftAfterOneAttemptOfA("left-before-failover").status()).isZero();
    }

    @Test
    void shouldRecordAClientThatLeftBeforeARetriedStatusAsHavingLeft() throws Exception {
        // a answers 503 (retried) 700 ms late; the client left before: b is never called, and the exchange ends as
        // the client's leaving, not as a 503 nobody got.
        a.answerLate(503);
        sendThenLeaveOnceAHasIt("left-before-retry", body("chat", false));

        assertThat(leftAfterOneAttemptOfA("left-before-retry").status()).isZero();
        assertThat(attempts.get("left-before-retry")).singleElement().satisfies(at -> assertThat(at.status()).isEqualTo(503));
        assertThat(b.received).isEmpty();
        a.reset();
    }

    /** Sends a request with this id on a connection of its own, and closes it once a has received the request. */
    private void sendThenLeaveOnceAHasIt(String requestId, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + requestId + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.received.size() == 1);
        }
    }

    /** @return the exchange, ended as its client's leaving after one attempt, on a */
    private Completion leftAfterOneAttemptOfA(String requestId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey(requestId));
        Completion done = completions.get(requestId);
        assertThat(done.errorCode()).isEqualTo(Completion.CLIENT_DISCONNECTED);
        assertThat(attempts.get(requestId)).singleElement()
                .satisfies(at -> assertThat(at.candidate().model()).isEqualTo("a/m-a"));
        return done;
    }

    @Test
    void shouldOpenTheBreakerAfterConsecutiveFailuresSkipTheTargetThenProbeAfterTheCoolDownAndClose()
            throws Exception {
        a.answer(503);
        for (int i = 0; i < 2; i++) {
            assertThat(post(breaking, body("chat", false)).body()).isEqualTo(b.okBody());
        }
        assertThat(a.received).hasSize(2);
        // The exchange is filed when its answer ends, which may be just after the client read its last byte.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"a/m-a\"} 1.0")
                .contains("switchboard_circuit_state{state=\"closed\",switchboard_target=\"b/m-b\"} 1.0")
                .contains("switchboard_failovers_total{reason=\"503\",switchboard_target=\"a/m-a\",switchboard_virtual_model=\"chat\"} 2.0"));

        HttpResponse<String> skipped = post(breaking, body("chat", false));
        assertThat(skipped.body()).isEqualTo(b.okBody());
        assertThat(skipped.headers().firstValue("X-Switchboard-Attempts")).as("a is not tried while open").hasValue("1");
        assertThat(a.received).hasSize(2);

        clock.advance(Duration.ofSeconds(31));
        a.answer(Behaviour.OK);
        HttpResponse<String> probe = post(breaking, body("chat", false));
        assertThat(probe.body()).isEqualTo(a.okBody());
        assertThat(a.received).hasSize(3);
        // Told when the answer ends, which may be just after the client read its last byte.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"closed\",switchboard_target=\"a/m-a\"} 1.0"));
    }

    @Test
    void shouldOpenAgainWhenTheHalfOpenProbeFails() throws Exception {
        a.answer(Behaviour.RESET);
        post(breaking, body("chat", false));
        post(breaking, body("chat", false));
        // Open once the second failure is judged, at its answer's end: the cool-down counts from then.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"a/m-a\"} 1.0"));
        clock.advance(Duration.ofSeconds(31));

        HttpResponse<String> probe = post(breaking, body("chat", false));
        assertThat(probe.body()).isEqualTo(b.okBody());
        assertThat(a.received).hasSize(3);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"a/m-a\"} 1.0"));

        post(breaking, body("chat", false));
        assertThat(a.received).as("open again: skipped").hasSize(3);
        closeAgain(a, "chat");
    }

    @Test
    void shouldWaitForAStreamsHeadersWhenTheOnlyOtherCandidateIsSkippedForItsOpenBreaker() throws Exception {
        // The header deadline (300 ms) is there to hand a silent stream to another candidate. When the only other one
        // has an open breaker there is none to hand it to: cutting the stream then turned a target that answers in
        // 700 ms into a 504, and counted it as failing, so its breaker opened too.
        openBreaker(d, "d-only");
        c.answer(Behaviour.SLOW_STREAM);

        HttpResponse<String> r = post(breaking, body("slow-first", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: {\"from\":\"c\"}\n\ndata: [DONE]\n\n");
        assertThat(completion(r).attempts()).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(200));
        assertThat(d.received).hasSize(2);
        closeAgain(d, "d-only");
    }

    @Test
    void shouldWaitForAStreamsHeadersWhenTheOnlyOtherCandidatesHalfOpenProbeIsTaken() throws Exception {
        // Half-open lets one probe through: while another request holds it, that candidate cannot follow either.
        openBreaker(d, "d-only");
        clock.advance(Duration.ofSeconds(31));
        d.answer(Behaviour.STALL);
        CompletableFuture<HttpResponse<String>> probe = postLater(body("d-only", false));
        await().atMost(Duration.ofSeconds(5)).until(() -> d.received.size() == 3);
        // Asked for alone meanwhile: refused at once, as half-open (not open), with a Retry-After all the same.
        HttpResponse<String> refused = post(breaking, body("d-only", false));
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(refused.body()).contains("\"message\":\"no candidate may be called now: the circuit breaker of "
                + "'d/m-d' is half-open, its one probe under way\"");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("X-Switchboard-Attempts")).hasValue("0");
        c.answer(Behaviour.SLOW_STREAM);

        HttpResponse<String> r = post(breaking, body("slow-first", true));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: {\"from\":\"c\"}\n\ndata: [DONE]\n\n");
        assertThat(completion(r).attempts()).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(200));
        assertThat(d.received).as("the probe alone").hasSize(3);
        assertThat(probe.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
        closeAgain(d, "d-only");
    }

    // Regression (a failover probe): the header deadline was set only when another candidate could follow as the
    // attempt began. Begun while the fallback's breaker was open, a silent stream then waited for the idle timeout
    // (600 s by default) and answered 504, though the fallback's breaker let requests through again seconds in.
    @Test
    void shouldHandASilentStreamToAFallbackWhoseBreakerLetsItThroughWhileItWaits() throws Exception {
        openBreaker(d, "d-only");
        c.answer(Behaviour.STALL);
        d.answer(Behaviour.STREAM);
        CompletableFuture<HttpResponse<String>> pending = postLater(body("slow-first", true));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.received.size() == 1);
        // Its cool-down over while c's attempt waits for its headers: d is half-open, its one probe free.
        clock.advance(Duration.ofSeconds(31));

        HttpResponse<String> r = pending.get(5, TimeUnit.SECONDS);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("data: {\"from\":\"d\"}\n\ndata: [DONE]\n\n");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        assertThat(completion(r).attempts()).extracting(x -> x.candidate().model(), Attempt::error)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("c/m-c", "upstream_timeout"),
                        org.assertj.core.groups.Tuple.tuple("d/m-d", null));
        closeAgain(d, "d-only");
    }

    @Test
    void shouldAnswerAtOnceWithoutACallWhileEveryCandidatesBreakerIsOpen() throws Exception {
        openBreaker(d, "d-only");
        assertThat(d.received).hasSize(2);

        HttpResponse<String> r = post(breaking, body("d-only", false));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"upstream_unavailable\"")
                .contains("\"message\":\"no candidate may be called now: the circuit breaker of 'd/m-d' is open\"");
        assertThat(r.headers().firstValue("Retry-After")).hasValue("31");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).as("no attempt was made").hasValue("0");
        assertThat(d.received).hasSize(2);
        closeAgain(d, "d-only");
    }

    // A probe with the official SDKs (2026-12-07): the refusal named the pick alone, in "'up/s429' (its circuit breaker
    // is open; no other candidate may be tried) is unreachable", while the fallback's breaker was open too.
    @Test
    void shouldNameEveryCandidatesBreakerWhenNoneLetsTheRequestThrough() throws Exception {
        openBreaker(c, "c/m-c");
        openBreaker(d, "d-only");

        HttpResponse<String> r = post(breaking, body("slow-first", false));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"message\":\"no candidate may be called now: the circuit breakers of 'c/m-c' "
                + "(open) and 'd/m-d' (open) let no request through\"");
        assertThat(r.headers().firstValue("X-Switchboard-Attempts")).hasValue("0");
        closeAgain(c, "c/m-c");
        closeAgain(d, "d-only");
    }

    /** Opens {@code u}'s breaker on {@link #breaking}: two 503s through {@code model}, whose only target it is. */
    /** @return the answer to a request sent to {@code breaking} on another thread, while the test goes on */
    private CompletableFuture<HttpResponse<String>> postLater(String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return post(breaking, body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void openBreaker(ScriptedUpstream u, String model) throws Exception {
        u.answer(503);
        post(breaking, body(model, false));
        post(breaking, body(model, false));
        assertThat(metrics()).contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"" + u.name
                + "/m-" + u.name + "\"} 1.0");
    }

    /** Opens {@code u}'s breaker (on {@code slow-first}) with streams that say overloaded_error, then lets open_for pass. */
    private void openWithOverloadedStreamsThenWaitOut(ScriptedUpstream u) throws Exception {
        u.answer(Behaviour.OVERLOADED_STREAM);
        for (int i = 0; i < 2; i++) {
            RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"" + u.name + "/m-" + u.name + "\"} 1.0"));
        clock.advance(Duration.ofSeconds(31));
    }

    /** Leaves {@code u}'s breaker closed for the other tests: its cool-down passed, a probe through {@code model}. */
    private void closeAgain(ScriptedUpstream u, String model) throws Exception {
        clock.advance(Duration.ofSeconds(31));
        u.answer(Behaviour.OK);
        post(breaking, body(model, false));
        // The breaker hears of an answer when it ends, which may be just after the client read its last byte.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"closed\",switchboard_target=\"" + u.name + "/m-" + u.name
                        + "\"} 1.0"));
    }

    @Test
    void shouldOpenTheBreakerOfATargetWhoseAnswersBreakBeforeTheirBody() throws Exception {
        // Its headers say 200, then it resets: a failure each time (the breaker must not hear a success at the headers
        // and a failure after them, which never adds up to failures in a row).
        c.headersThenReset(200);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post(breaking, body("slow-first", false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(d.okBody());
        }
        assertThat(c.received).hasSize(2);
        assertThat(metrics()).contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"c/m-c\"} 1.0");

        HttpResponse<String> skipped = post(breaking, body("slow-first", false));
        assertThat(skipped.body()).isEqualTo(d.okBody());
        assertThat(c.received).as("open: skipped").hasSize(2);
        closeAgain(c, "slow-first");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Behaviour.class, names = {"OVERLOADED_STREAM", "BREAK_MID_STREAM"})
    void shouldOpenTheBreakerOfATargetWhoseStreamsFailAfterTheirFirstByte(Behaviour how) throws Exception {
        // Too late to fail over (the client has the 200 and the first event), not too late to count: an overloaded
        // provider that says so in a stream, or cuts it, is skipped after failures in a row like one that answers 529.
        c.answer(how);
        for (int i = 0; i < 2; i++) {
            RawClient.Received r = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).startsWith("data: {\"from\":\"c\"}\n\n");
            if (how == Behaviour.OVERLOADED_STREAM) {
                assertThat(r.body()).as("the client gets the error as the upstream sent it")
                        .isEqualTo("data: {\"from\":\"c\"}\n\n" + ScriptedUpstream.OVERLOADED + "data: [DONE]\n\n");
                assertThat(r.complete()).isTrue();
            } else {
                assertThat(r.complete()).as("a cut, not a clean end").isFalse();
            }
        }
        assertThat(d.received).as("no failover after the first byte").isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"c/m-c\"} 1.0"));

        RawClient.Received skipped = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);
        assertThat(skipped.body()).isEqualTo(d.okBody());
        assertThat(c.received).as("open: skipped").hasSize(2);
        closeAgain(c, "slow-first");
    }

    @Test
    void shouldCloseAHalfOpenBreakerAtTheFirstByteOfItsProbeNotAtTheEndOfALongStream() throws Exception {
        // While its one probe is under way the target is skipped: a probe that is a long stream must not keep a
        // target that works from every other request until the stream ends.
        openWithOverloadedStreamsThenWaitOut(c);
        c.answer(Behaviour.LONG_STREAM);

        CompletableFuture<RawClient.Received> probe = CompletableFuture.supplyAsync(() -> {
            try {
                return RawClient.post(breaking.port(), CHAT, body("slow-first", true), 10_000);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"closed\",switchboard_target=\"c/m-c\"} 1.0"));
        assertThat(probe).as("closed while the probe's stream is still under way").isNotDone();
        RawClient.Received next = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 10_000);

        assertThat(next.body()).as("the target is called again at once").startsWith("data: {\"from\":\"c\"}\n\n");
        assertThat(probe.get(10, TimeUnit.SECONDS).body())
                .isEqualTo("data: {\"from\":\"c\"}\n\n" + ": still here\n\n".repeat(5) + "data: [DONE]\n\n");
        assertThat(d.received).isEmpty();
        closeAgain(c, "slow-first");
    }

    @Test
    void shouldOpenAgainWhenAHalfOpenProbesStreamBeginsWithAnErrorAndFailItOver() throws Exception {
        // The probe's first event is an error: no byte of it went to the client, so the fallback takes the request, and
        // the probe failed (it did not close the breaker at its first byte and then count one failure more).
        openWithOverloadedStreamsThenWaitOut(c);
        c.answer(Behaviour.OVERLOADED_FIRST);
        d.answer(Behaviour.STREAM);

        RawClient.Received r = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);

        assertThat(r.body()).isEqualTo("data: {\"from\":\"d\"}\n\ndata: [DONE]\n\n");
        assertThat(r.head()).contains("X-Switchboard-Attempts: 2").doesNotContain("X-Upstream");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"c/m-c\"} 1.0"));
        assertThat(c.received).as("two to open it, the probe").hasSize(3);
        closeAgain(c, "slow-first");
    }

    @Test
    void shouldOpenAgainWhenAHalfOpenProbesStreamBeginsWithAnErrorThatNoCandidateCanTake() throws Exception {
        // A review: held for a fallback whose breaker then refused it, the error went to the client as sent, and the
        // probe closed its breaker at its first byte (then counted one failure more) instead of failing.
        openWithOverloadedStreamsThenWaitOut(c);
        d.answer(503);
        for (int i = 0; i < 2; i++) {
            post(breaking, body("d-only", false));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"d/m-d\"} 1.0"));
        c.answer(Behaviour.OVERLOADED_FIRST);

        RawClient.Received r = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);

        assertThat(r.body()).as("no candidate could take it: as the upstream sent it").isEqualTo(ScriptedUpstream.OVERLOADED);
        assertThat(d.received).as("two to open it, then skipped").hasSize(2);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"c/m-c\"} 1.0"));
        closeAgain(c, "slow-first");
        closeAgain(d, "d-only");
    }

    @Test
    void shouldCountAProbesStreamThatFailsAfterItsFirstByteAsAFailure() throws Exception {
        // The probe closed the breaker at its first byte, then said overloaded_error: that failure counts, so one more
        // such answer (failures: 2 here) opens it again, not two.
        openWithOverloadedStreamsThenWaitOut(c);

        RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);
        RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);

        assertThat(c.received).as("the probe and one more").hasSize(4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics())
                .contains("switchboard_circuit_state{state=\"open\",switchboard_target=\"c/m-c\"} 1.0"));
        closeAgain(c, "slow-first");
    }

    @Test
    void shouldKeepTheBreakerClosedForStreamsThatEndWhole() throws Exception {
        c.answer(Behaviour.STREAM);
        for (int i = 0; i < 3; i++) {
            RawClient.Received r = RawClient.post(breaking.port(), CHAT, body("slow-first", true), 5_000);
            assertThat(r.body()).isEqualTo("data: {\"from\":\"c\"}\n\ndata: [DONE]\n\n");
        }
        assertThat(c.received).hasSize(3);
        assertThat(metrics()).contains("switchboard_circuit_state{state=\"closed\",switchboard_target=\"c/m-c\"} 1.0");
    }

    @Test
    void shouldNeverRetryA4xxWhoseBodyBroke() throws Exception {
        a.headersThenReset(400);

        HttpResponse<String> r = post(gateway, body("chat", false));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat(r.headers().firstValue("X-Upstream")).isEmpty();
        assertThat(a.received).hasSize(1);
        assertThat(b.received).isEmpty();
        assertThat(c.received).isEmpty();
    }

    @Test
    void shouldFailOverARequestWhoseBodyTookLongerToArriveThanTheAttemptsTimeBound() throws Exception {
        // The attempts' time bound (3 x 300 ms here) counts from the first attempt, not from the request's arrival: a
        // body that took 1.2 s to upload still gets its failover.
        a.answer(503);
        String sent = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(20_000) + "\"}]}";
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (SlowSender slow = new SlowSender(gateway.port(), "POST " + CHAT + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\n", sent, 5_000, 300, timer)) {
            RawClient.Received r = slow.response(10_000);

            assertThat(r.millis()).as("the upload's duration, over the 900 ms bound").isGreaterThan(1000L);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(b.okBody());
        } finally {
            timer.shutdownNow();
        }
        assertThat(a.received).hasSize(1);
        assertThat(b.received).hasSize(1);
    }

    @Test
    void shouldLoseNoRequestAndSendNoneTwiceToOneTargetUnderConcurrency() throws Exception {
        a.answer(503);
        // Its own gateway, whose connects may take seconds: with the class's 300 ms, a loaded machine (a build beside
        // it) made a few of the 160 connects to a time out, and those went to b without reaching a (FailoverTest flake).
        Gateway patient = start(config(1000, "5s"), new ExchangeListener() { });
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                String id = "req-" + i;
                answers.add(pool.submit(() -> post(patient, body("chat", false).replace("u-1", id))));
            }
            for (Future<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(b.okBody());
            }
        } finally {
            pool.shutdownNow();
            patient.stop();
        }
        for (ScriptedUpstream u : List.of(a, b)) {
            Set<String> ids = new HashSet<>();
            for (ScriptedUpstream.Received r : u.received) {
                String text = r.text();
                String id = text.substring(text.indexOf("req-"), text.indexOf("\" }"));
                assertThat(ids.add(id)).as(u.name + " got " + id + " twice").isTrue();
            }
            assertThat(ids).hasSize(160);
        }
        assertThat(c.received).isEmpty();
    }

    private String metrics() throws Exception {
        return metrics(breaking);
    }

    private String metrics(Gateway g) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

}
