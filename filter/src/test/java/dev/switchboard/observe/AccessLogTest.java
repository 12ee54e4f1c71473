package dev.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Feedback;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.Usage;
import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** The access-log line, written by hand, against what a JSON reader (Jackson here) reads in it. */
class AccessLogTest {

    private static final SwitchboardConfig CONFIG = new ConfigLoader(name -> null).parse("""
            providers:
              mock: {type: openai-compatible, base_url: "http://127.0.0.1:18081"}
            default_provider: mock
            virtual_models:
              - {source: regular, targets: [mock/gpt-bench-a]}
            """);

    private static Exchange decided(String id) {
        Decision d = Resolver.resolve(CONFIG.rules(), "regular", Caller.ANONYMOUS, Picker.create());
        return Exchange.start(id, "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, CONFIG, Caller.ANONYMOUS,
                List.of(), Listeners.of(List.of())).withDecision(d, null);
    }

    @Test
    void aLineIsTheFieldsInOrderWithUnknownAsNull() {
        Exchange exchange = decided("6cbb2b58345a4defa828c44332b010d4");
        Decision d = exchange.decision();
        Completion completion = new Completion(200, null, false,
                List.of(new Attempt(1, d.chosen(), 502, "upstream_unavailable", 2_000_000),
                        new Attempt(2, d.chosen(), 200, null, 812_345_678)),
                1_234_567_890, 801_234_499, new Usage(12L, 9L, null, null, 7L, "stop"), null);

        assertThat(AccessLog.line(exchange, completion)).isEqualTo("{\"request_id\":\"6cbb2b58345a4defa828c44332b010d4\","
                + "\"time\":\"" + exchange.startedAt() + "\",\"method\":\"POST\",\"endpoint\":\"/v1/chat/completions\","
                + "\"client\":null,\"user_path\":null,\"requested_model\":\"regular\",\"concrete_model\":\"mock/gpt-bench-a\","
                + "\"virtual_model\":\"regular\",\"target\":\"mock/gpt-bench-a\",\"provider\":\"mock\",\"status\":200,"
                + "\"error_code\":null,\"attempts\":2,\"upstream_status\":200,\"attempted\":["
                + "{\"model\":\"mock/gpt-bench-a\",\"provider\":\"mock\",\"status\":502,\"error\":\"upstream_unavailable\",\"duration_ms\":2.0},"
                + "{\"model\":\"mock/gpt-bench-a\",\"provider\":\"mock\",\"status\":200,\"error\":null,\"duration_ms\":812.346}],"
                + "\"duration_ms\":1234.568,\"first_byte_ms\":801.234,\"input_tokens\":12,\"output_tokens\":9,"
                + "\"cached_tokens\":null,\"cache_write_tokens\":7,\"reasoning_tokens\":null,\"finish_reason\":\"stop\"}");
    }

    @Test
    void feedbackAndAClientThatLeftBeforeAnyByte() {
        Exchange exchange = decided("r2");
        Completion completion = new Completion(0, "client_disconnected", true, List.of(), 5_000, -1, Usage.UNKNOWN,
                new Feedback("r1", 0.75, "too \"long\"\n"));
        Map<?, ?> line = (Map<?, ?>) JsonTree.parse(AccessLog.line(exchange, completion).getBytes(StandardCharsets.UTF_8));

        assertThat(line.get("status")).isNull();
        assertThat(line.get("error_code")).isEqualTo("client_disconnected");
        assertThat(line.get("attempted")).isEqualTo(List.of());
        assertThat(line.get("upstream_status")).isNull();
        assertThat(line.containsKey("first_byte_ms")).isTrue();
        assertThat(line.get("first_byte_ms")).isNull();
        assertThat(line.get("duration_ms")).isEqualTo(new JsonTree.Num("0.005"));
        assertThat(line.get("feedback_for")).isEqualTo("r1");
        assertThat(line.get("feedback_score")).isEqualTo(new JsonTree.Num("0.75"));
        assertThat(line.get("feedback_comment")).isEqualTo("too \"long\"\n");
    }

    @Test
    void millisecondsInFixedPointWithTheValueTheDoubleHad() {
        assertThat(millis(3_000_000)).isEqualTo("3.0");
        assertThat(millis(500_000)).isEqualTo("0.5");
        assertThat(millis(812_345_499)).isEqualTo("812.345");
        assertThat(millis(1_000)).isEqualTo("0.001");
        assertThat(millis(499)).isEqualTo("0.0");
        assertThat(millis(10_000_000_000_000L)).isEqualTo("10000000.0"); // Double.toString wrote 1.0E7
        assertThat(millis(-1_500_000)).isEqualTo("-1.5");
        Random random = new Random(18);
        for (int i = 0; i < 200_000; i++) {
            long nanos = i < 100_000 ? random.nextInt(1_000_000_000) : random.nextLong(3_600_000_000_000L);
            String text = millis(nanos);
            // What it was: Math.round(nanos / 1_000.0) / 1_000.0 as a double; now the exact decimal of those microseconds.
            assertThat(Double.parseDouble(text)).isEqualTo(Math.round(nanos / 1_000.0) / 1_000.0);
            assertThat(new BigDecimal(text)).isEqualByComparingTo(BigDecimal.valueOf(Math.round(nanos / 1_000.0), 3));
        }
    }

    @Test
    void timeIsInstantToString() {
        Random random = new Random(4);
        List<Instant> some = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2026-12-04T12:44:32Z"),
                Instant.parse("2026-12-04T12:44:32.100Z"), Instant.parse("2026-12-04T12:44:32.000100Z"),
                Instant.parse("2026-12-04T12:44:32.000000100Z"), Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00.5Z"), Instant.now()));
        for (int i = 0; i < 10_000; i++) {
            some.add(Instant.ofEpochSecond(1_800_000_000L + random.nextInt(5), random.nextInt(4) == 0 ? 0
                    : random.nextBoolean() ? random.nextInt(1_000) * 1_000_000 : random.nextInt(1_000_000_000)));
        }
        for (Instant t : some) {
            StringBuilder b = new StringBuilder();
            AccessLog.time(b, t);
            assertThat(b.toString()).isEqualTo(t.toString());
        }
    }

    @Test
    void stringsReadBackWhateverTheyHold() {
        Random random = new Random(12);
        char[] alphabet = {'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f',
                'é', '€', '\u2028', '\ud83d', '\ude00', '\ud800', '\udfff', '\uffff'};
        JsonFactory jackson = new JsonFactory();
        for (int i = 0; i < 20_000; i++) {
            char[] text = new char[random.nextInt(12)];
            for (int k = 0; k < text.length; k++) {
                text[k] = alphabet[random.nextInt(alphabet.length)];
            }
            String s = new String(text);
            StringBuilder b = new StringBuilder("\"");
            AccessLog.escaped(b, s);
            String quoted = b.append('"').toString();
            assertThat(JsonTree.parse(quoted.getBytes(StandardCharsets.UTF_8))).as(quoted).isEqualTo(s);
            if (!loneSurrogate(s)) {
                // Byte for byte what Jackson's generator wrote before (it throws on a lone surrogate).
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (JsonGenerator g = jackson.createGenerator(ObjectWriteContext.empty(), out)) {
                    g.writeString(s);
                }
                assertThat(quoted).isEqualTo(out.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private static boolean loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String millis(long nanos) {
        StringBuilder b = new StringBuilder();
        AccessLog.millis(b, "m", nanos);
        return b.substring("\"m\":".length());
    }
}
