package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.json.JsonTree;
import dev.switchboard.observe.AccessLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * SPEC sections 9 and 13 through the bundled proxy: known traffic (redirects answered with usage as JSON
 * and as a split SSE stream, denials, an upstream 500), then the Prometheus scrape must show exactly
 * those counts and sums, and the access log one line per exchange with the fields a user reads.
 */
final class ObservabilityTest extends FakeUpstreamTests {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ListAppender<ILoggingEvent> access = new ListAppender<>();
    private String scrape;

    @Override
    String config() {
        return """
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up, models: [ok]}
                default_provider: up
                virtual_models:
                  - {source: alias, target: up/ok}
                  - {source: up/denied, enabled: false}
                observability: {metrics_token: scrape-me}
                """;
    }

    @BeforeAll
    void sendKnownTraffic() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        // The tests' logback-test.xml keeps the access log quiet; here it is what is tested. Ours only: no console.
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(access);
        access.start();
        for (int i = 0; i < 3; i++) {
            assertThat(chat("alias", "usage", "json-" + i).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> stream = chat("alias", "usage-sse", "sse-1");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).isEqualTo(FakeUpstream.USAGE_SSE);
        for (int i = 0; i < 2; i++) {
            assertThat(chat("up/denied", "usage", "denied-" + i).statusCode()).isEqualTo(403);
        }
        assertThat(chat("up/ok", "status:500", "error-1").statusCode()).isEqualTo(500);
        for (int i = 0; i < 50; i++) {
            // Names no configuration holds: one label value ("other"), however many there are.
            chat("random-" + i, "usage", "random-" + i);
        }
        // The exchange ends when the response is complete, a moment after the client read it.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> access.list.size() >= 57);
        HttpResponse<String> metrics = get("/metrics", "Bearer scrape-me");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        scrape = metrics.body();
    }

    @AfterAll
    void detachAccessLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        logger.detachAppender(access);
        logger.setLevel(ch.qos.logback.classic.Level.OFF);
        logger.setAdditive(true);
    }

    @Test
    void shouldCountDecisionsByOutcome() {
        assertThat(value("switchboard_decisions_total", Map.of("outcome", "allowed"))).isEqualTo(55.0);
        assertThat(value("switchboard_decisions_total", Map.of("outcome", "disabled"))).isEqualTo(2.0);
    }

    @Test
    void shouldRecordDurationsAndFirstTokensPerTargetOfTheRedirect() {
        Map<String, String> alias = Map.of("gen_ai_original_model", "alias", "switchboard_virtual_model", "alias",
                "switchboard_target", "up/ok", "gen_ai_request_model", "up/ok", "gen_ai_provider_name", "up",
                "gen_ai_operation_name", "chat", "error_type", "");
        assertThat(value("gen_ai_server_request_duration_seconds_count", alias)).isEqualTo(4.0);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_count", alias)).isEqualTo(4.0);
        // Every request landed in the +Inf bucket, and the histogram's buckets are cumulative.
        assertThat(value("gen_ai_server_request_duration_seconds_bucket", with(alias, "le", "+Inf"))).isEqualTo(4.0);
        assertThat(value("gen_ai_server_request_duration_seconds_sum", alias)).isPositive();
    }

    @Test
    void shouldSumTheTokensTheResponsesStatedJsonAndStreamAlike() {
        Map<String, String> alias = Map.of("gen_ai_original_model", "alias", "error_type", "");
        assertThat(value("gen_ai_client_token_usage_tokens_sum", with(alias, "gen_ai_token_type", "input")))
                .isEqualTo(3 * 19 + 9.0);
        assertThat(value("gen_ai_client_token_usage_tokens_sum", with(alias, "gen_ai_token_type", "output")))
                .isEqualTo(3 * 10 + 2.0);
        assertThat(value("gen_ai_client_token_usage_tokens_count", with(alias, "gen_ai_token_type", "input"))).isEqualTo(4.0);
    }

    @Test
    void shouldLabelErrorsByTheirType() {
        assertThat(value("gen_ai_server_request_duration_seconds_count",
                Map.of("gen_ai_original_model", "up/denied", "error_type", "model_access_denied"))).isEqualTo(2.0);
        assertThat(value("gen_ai_server_request_duration_seconds_count",
                Map.of("gen_ai_original_model", "up/ok", "error_type", "500"))).isEqualTo(1.0);
        // The denied requests never reached an upstream: no usage, not zero usage.
        assertThat(samples("gen_ai_client_token_usage_tokens_count", Map.of("gen_ai_original_model", "up/denied"))).isEmpty();
    }

    @Test
    void shouldBoundTheLabelValuesToConfiguredNames() {
        assertThat(samples("gen_ai_server_request_duration_seconds_count", Map.of("gen_ai_original_model", "other")))
                .singleElement().satisfies(s -> assertThat(s.value).isEqualTo(50.0));
        assertThat(scrape).doesNotContain("random-");
    }

    @Test
    void shouldServeJvmAndJettyMetricsToo() {
        assertThat(samples("jvm_memory_used_bytes", Map.of())).isNotEmpty();
        assertThat(samples("jetty_threads_config_max", Map.of())).isNotEmpty();
    }

    @Test
    void shouldRefuseAScrapeWithoutTheToken() throws Exception {
        HttpResponse<String> none = get("/metrics", null);
        HttpResponse<String> wrong = get("/metrics", "Bearer nope");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("\"code\":\"invalid_api_key\"").doesNotContain("jvm_");
        HttpResponse<String> twice = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/metrics")).header("Authorization", "Bearer scrape-me").header("Authorization", "Bearer nope").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(twice.statusCode()).as("two credentials are none, whichever comes first").isEqualTo(401);
        // Other spellings: an empty segment is a path of no API (404), an encoded dot segment Jetty's 400.
        for (Map.Entry<String, Integer> spelled : Map.of("//metrics", 404, "/metrics//", 404, "/v1/%2e%2e/metrics", 400,
                "/x/%2E%2E/metrics", 400).entrySet()) {
            HttpResponse<String> r = get(spelled.getKey(), null);
            assertThat(r.statusCode()).as(spelled.getKey()).isEqualTo(spelled.getValue());
            assertThat(r.body()).as(spelled.getKey()).doesNotContain("jvm_");
        }
    }

    @Test
    void shouldRefuseTraceOnTheScrapeWithoutEchoingItsHeaders() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("TRACE /metrics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer scrape-me\r\n"
                    + "Cookie: front-proxy-secret=xyz\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 405").contains("Allow: GET, HEAD")
                    .doesNotContain("scrape-me").doesNotContain("front-proxy-secret").doesNotContain("message/http");
        }
    }

    @Test
    void shouldWriteOneAccessLogLinePerExchange() {
        Map<String, Object> redirect = line("json-0");
        assertThat(redirect).containsEntry("method", "POST").containsEntry("endpoint", "/v1/chat/completions")
                .containsEntry("requested_model", "alias").containsEntry("virtual_model", "alias")
                .containsEntry("target", "up/ok").containsEntry("concrete_model", "up/ok").containsEntry("provider", "up")
                .containsEntry("status", 200L).containsEntry("error_code", null).containsEntry("attempts", 1L)
                .containsEntry("upstream_status", 200L).containsEntry("input_tokens", 19L)
                .containsEntry("output_tokens", 10L).containsEntry("cached_tokens", 3L)
                .containsEntry("reasoning_tokens", 4L).containsEntry("finish_reason", "stop");
        assertThat(redirect.get("duration_ms")).isInstanceOf(Number.class);
        assertThat(redirect.get("first_byte_ms")).isInstanceOf(Number.class);

        Map<String, Object> streamed = line("sse-1");
        assertThat(streamed).containsEntry("input_tokens", 9L).containsEntry("output_tokens", 2L)
                .containsEntry("cached_tokens", null).containsEntry("finish_reason", "length");

        Map<String, Object> denied = line("denied-0");
        assertThat(denied).containsEntry("status", 403L).containsEntry("error_code", "model_access_denied")
                .containsEntry("attempts", 0L).containsEntry("upstream_status", null).containsEntry("input_tokens", null)
                .containsEntry("first_byte_ms", null).containsEntry("virtual_model", null);

        Map<String, Object> failed = line("error-1");
        assertThat(failed).containsEntry("status", 500L).containsEntry("upstream_status", 500L)
                .containsEntry("error_code", null).containsEntry("input_tokens", null);
        // Never a key or a body.
        assertThat(access.list).noneMatch(e -> e.getFormattedMessage().contains("sk-up")
                || e.getFormattedMessage().contains("messages"));
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private HttpResponse<String> chat(String model, String scenario, String requestId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("X-Scenario", scenario).header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[]}")).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> line(String requestId) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (ILoggingEvent e : access.list) {
            Map<String, Object> m = (Map<String, Object>) JsonTree.parse(e.getFormattedMessage()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (requestId.equals(m.get("request_id"))) {
                lines.add(m);
            }
        }
        assertThat(lines).as("access-log lines of %s", requestId).hasSize(1);
        Map<String, Object> out = new LinkedHashMap<>();
        lines.get(0).forEach((k, v) -> out.put(k, v instanceof JsonTree.Num n
                ? (n.text().matches("-?\\d+") ? (Object) Long.valueOf(n.text()) : Double.valueOf(n.text())) : v));
        return out;
    }

    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private List<Sample> samples(String name, Map<String, String> labels) {
        List<Sample> out = new ArrayList<>();
        for (String l : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(l);
            if (l.startsWith("#") || !m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> got = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher lm = LABEL.matcher(m.group(2));
                while (lm.find()) {
                    got.put(lm.group(1), lm.group(2));
                }
            }
            boolean match = labels.entrySet().stream()
                    .allMatch(e -> e.getValue().equals(got.getOrDefault(e.getKey(), "")));
            if (match) {
                out.add(new Sample(name, got, Double.parseDouble(m.group(3))));
            }
        }
        return out;
    }

    /** The sum of the samples of a name whose labels include these (an absent label reads as empty). */
    private double value(String name, Map<String, String> labels) {
        List<Sample> found = samples(name, labels);
        assertThat(found).as("%s%s in the scrape", name, labels).isNotEmpty();
        return found.stream().mapToDouble(Sample::value).sum();
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> out = new LinkedHashMap<>(labels);
        out.put(key, value);
        return out;
    }
}
