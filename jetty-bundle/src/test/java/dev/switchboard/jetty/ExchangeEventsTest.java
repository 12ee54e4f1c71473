package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The listener seam through the bundled proxy (SPEC section 9): the filter reports the decision and
 * the end, the proxy each attempt and the first byte, all for one exchange with one request id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ExchangeEventsTest {

    /** One event, as a listener saw it. */
    private record Event(String kind, Exchange exchange, Object detail) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final ExchangeListener recording = new ExchangeListener() {
        @Override
        public void onDecision(Exchange exchange) {
            events.add(new Event("decision", exchange, null));
        }

        @Override
        public void onAttempt(Exchange exchange, Attempt attempt) {
            events.add(new Event("attempt", exchange, attempt));
        }

        @Override
        public void onFirstByte(Exchange exchange, long nanosSinceStart) {
            events.add(new Event("first_byte", exchange, nanosSinceStart));
        }

        @Override
        public void onComplete(Exchange exchange, Completion completion) {
            events.add(new Event("complete", exchange, completion));
        }
    };

    private FakeUpstream upstream;
    private Gateway gateway;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        upstream = new FakeUpstream();
        SwitchboardConfig config = TestGateway.config("""
                server: {upstream_idle_timeout: 1s}
                providers:
                  up: {type: openai-compatible, base_url: %s}
                  down: {type: openai-compatible, base_url: "http://127.0.0.1:1"}
                  demo: {type: echo}
                default_provider: up
                virtual_models:
                  - {source: regular, target: up/gpt-x}
                """.formatted(upstream.url()));
        gateway = TestGateway.start(config, recording);
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        upstream.stop();
    }

    private HttpResponse<String> post(String path, String body, String id, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(20)).header("X-Request-Id", id)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Event> of(String id) {
        List<Event> out = new ArrayList<>();
        events.stream().filter(e -> e.exchange().id().equals(id)).forEach(out::add);
        return out;
    }

    private Completion completion(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> of(id).stream().anyMatch(e -> e.kind().equals("complete")));
        return (Completion) of(id).stream().filter(e -> e.kind().equals("complete")).findFirst().orElseThrow().detail();
    }

    @Test
    void shouldReportDecisionAttemptFirstByteAndEndOfOneExchange() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"regular\"}", "ok-1");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Switchboard-Request-Id")).hasValue("ok-1");
        Completion c = completion("ok-1");
        assertThat(of("ok-1")).extracting(Event::kind).containsExactly("decision", "first_byte", "attempt", "complete");
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.errorCode()).isNull();
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.number()).isEqualTo(1);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.error()).isNull();
            assertThat(a.candidate().provider()).isEqualTo("up");
            assertThat(a.candidate().upstreamModel()).isEqualTo("gpt-x");
            assertThat(a.durationNanos()).isPositive();
        });
        assertThat(c.firstByteNanos()).isPositive().isLessThanOrEqualTo(c.durationNanos());
        assertThat(of("ok-1").get(0).exchange().decision().redirect()).isEqualTo("regular");
    }

    @Test
    void shouldReportAnUnreachableUpstreamAsAFailedAttemptAndTheGatewaysError() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"down/m\"}", "down-1");

        assertThat(r.statusCode()).isEqualTo(502);
        Completion c = completion("down-1");
        assertThat(c.status()).isEqualTo(502);
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.status()).isZero();
            assertThat(a.error()).isEqualTo("upstream_unavailable");
            assertThat(a.candidate().provider()).isEqualTo("down");
        });
        assertThat(c.firstByteNanos()).isEqualTo(-1);
    }

    @Test
    void shouldReportASilentUpstreamAsATimeout() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"up/m\"}", "silent-1", "X-Scenario", "silent");

        assertThat(r.statusCode()).isEqualTo(504);
        Completion c = completion("silent-1");
        assertThat(c.errorCode()).isEqualTo("upstream_timeout");
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("upstream_timeout"));
    }

    @Test
    void shouldRouteARequestWithoutAModelToTheDefaultProviderAsTheFilterDecided() throws Exception {
        HttpResponse<String> r = post("/v1/batches", "{\"input_file_id\":\"file-1\"}", "files-1");

        assertThat(r.statusCode()).isEqualTo(200);
        Completion c = completion("files-1");
        assertThat(of("files-1")).extracting(Event::kind).doesNotContain("decision");
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.candidate().provider()).isEqualTo("up");
            assertThat(a.candidate().model()).isNull();
        });
    }

    @Test
    void shouldReportTheEchoProviderAsAnAttemptToo() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"demo/echo-small\",\"messages\":[]}", "echo-1");

        assertThat(r.statusCode()).isEqualTo(200);
        Completion c = completion("echo-1");
        assertThat(c.attempts()).singleElement().satisfies(a -> {
            assertThat(a.candidate().provider()).isEqualTo("demo");
            assertThat(a.status()).isEqualTo(200);
        });
        assertThat(c.firstByteNanos()).isPositive();
    }
}
