package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.json.JsonTree;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the demo echo provider answers to the options the official SDKs send: embeddings as base64 (the
 * OpenAI Node SDK's default), a chosen number of dimensions, the usage chunk of
 * {@code stream_options.include_usage}, and a real {@code created} time in the model list.
 */
final class EchoProviderTest {

    private static final String CONFIG = """
            providers:
              demo:
                type: echo
                models: [echo-small]
            default_provider: demo
            virtual_models:
              - source: regular
                target: demo/echo-small
            """;

    private static Gateway gateway;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(CONFIG);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop();
        }
    }

    @Test
    void shouldAnswerBase64EmbeddingsAsLittleEndianFloat32OfTheSameVector() throws Exception {
        Map<?, ?> floats = json(post("/v1/embeddings", "{\"model\":\"regular\",\"input\":\"embed me\",\"dimensions\":5}"));
        Map<?, ?> packed = json(post("/v1/embeddings",
                "{\"model\":\"regular\",\"input\":\"embed me\",\"dimensions\":5,\"encoding_format\":\"base64\"}"));

        List<?> vector = (List<?>) ((Map<?, ?>) ((List<?>) floats.get("data")).get(0)).get("embedding");
        assertThat(vector).hasSize(5);
        String base64 = (String) ((Map<?, ?>) ((List<?>) packed.get("data")).get(0)).get("embedding");
        // How the Node SDK reads it: new Float32Array(Buffer.from(b64, "base64").buffer), little-endian.
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(5 * Float.BYTES);
        for (Object expected : vector) {
            assertThat(bytes.getFloat()).isEqualTo(Float.parseFloat(((JsonTree.Num) expected).text()));
        }
    }

    @Test
    void shouldKeepEightDimensionsWhenNoneOrANonsenseNumberIsAsked() throws Exception {
        for (String extra : new String[] {"", ",\"dimensions\":0", ",\"dimensions\":1000000", ",\"dimensions\":\"x\""}) {
            Map<?, ?> body = json(post("/v1/embeddings", "{\"model\":\"regular\",\"input\":[\"a\",\"b\"]" + extra + "}"));
            List<?> data = (List<?>) body.get("data");
            assertThat(data).hasSize(2);
            assertThat((List<?>) ((Map<?, ?>) data.get(1)).get("embedding")).as(extra).hasSize(8);
        }
    }

    @Test
    void shouldSendTheUsageChunkBeforeDoneWhenAStreamAsksForIt() throws Exception {
        String with = post("/v1/chat/completions", "{\"model\":\"regular\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"two words\"}]}").body();
        String without = post("/v1/chat/completions", "{\"model\":\"regular\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"two words\"}]}").body();

        List<String> events = List.of(with.split("\n\n"));
        assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
        Map<?, ?> last = (Map<?, ?>) JsonTree.parse(events.get(events.size() - 2).substring("data: ".length())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat((List<?>) last.get("choices")).isEmpty();
        assertThat(new String(JsonTree.write(last.get("usage")), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"prompt_tokens\":2,\"completion_tokens\":5,\"total_tokens\":7}");
        assertThat(without).doesNotContain("\"usage\"");
        assertThat(with.split("\n\n")).hasSize(without.split("\n\n").length + 1);

        String completions = post("/v1/completions", "{\"model\":\"regular\",\"stream\":true,\"prompt\":\"hi\","
                + "\"stream_options\":{\"include_usage\":true}}").body();
        assertThat(completions).containsPattern("\"choices\":\\[],\"usage\":\\{\"prompt_tokens\":1,\"completion_tokens\":4,"
                + "\"total_tokens\":5}}\n\ndata: \\[DONE]\n\n$");
    }

    @Test
    void shouldListModelsWithTheTimeTheGatewayStartedNotTheEpoch() throws Exception {
        long before = Instant.now().getEpochSecond();
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<?> data = (List<?>) json(r).get("data");
        assertThat(data).isNotEmpty().allSatisfy(m -> {
            long created = Long.parseLong(((JsonTree.Num) ((Map<?, ?>) m).get("created")).text());
            // Started by this class a moment ago (a day of slack for a slow machine): not 0, not 1970.
            assertThat(created).isBetween(before - 86_400, before + 60);
        });
    }

    private static String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static Map<?, ?> json(HttpResponse<String> r) {
        return (Map<?, ?>) JsonTree.parse(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
