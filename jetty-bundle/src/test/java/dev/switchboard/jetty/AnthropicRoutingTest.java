package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.RawClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's requests that name no model (a message batch's retrieval, results, list, cancel; its Files API) go to the
 * Anthropic provider when the default provider is another, as its SDK expects; an OpenAI client's go to the default.
 */
final class AnthropicRoutingTest extends FakeUpstreamTests {

    @Override
    String config() {
        return """
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                  an: {type: anthropic, base_url: "%1$s", api_key: sk-an}
                default_provider: up
                """;
    }

    // Regression (an SDK probe, 2026-12-07): @anthropic-ai/sdk's batch follow-ups went to the OpenAI default provider
    // with its key (retrieve and results failed), and its Files API uploads too: a file to a provider the client never
    // chose.
    @Test
    void shouldSendAnthropicsRequestsWithoutAModelToTheAnthropicProvider() throws Exception {
        for (String path : List.of("/v1/messages/batches/msgbatch_1", "/v1/messages/batches/msgbatch_1/results",
                "/v1/messages/batches", "/v1/files")) {
            RawClient.Response r = send("GET", path, "anthropic-version: 2023-06-01");
            assertThat(r.status()).as(path + " " + r.text()).isEqualTo(200);
            FakeUpstream.Received got = upstream.take();
            assertThat(got.path()).isEqualTo(path);
            assertThat(got.header("x-api-key")).as(path).isEqualTo("sk-an");
            assertThat(got.header("Authorization")).as(path).isNull();
        }
        String form = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain"
                + "\r\n\r\nprivate notes\r\n--b--\r\n";
        RawClient.Response upload = RawClient.send(gateway.port(), new Corpus.Attack("upload", "POST", "/v1/files",
                List.of("anthropic-version: 2023-06-01", "anthropic-beta: files-api-2025-04-14",
                        "Content-Type: multipart/form-data; boundary=b"), form.getBytes(StandardCharsets.UTF_8), false, null));
        assertThat(upload.status()).as(upload.text()).isEqualTo(200);
        assertThat(upstream.take().header("x-api-key")).isEqualTo("sk-an");

        // An OpenAI client's go where requests without a model go; a provider named by the client wins.
        assertThat(send("GET", "/v1/files").status()).isEqualTo(200);
        assertThat(upstream.take().header("Authorization")).isEqualTo("Bearer sk-up");
        assertThat(send("GET", "/v1/messages/batches/msgbatch_1", "anthropic-version: 2023-06-01",
                "X-Switchboard-Provider: up").status()).isEqualTo(200);
        assertThat(upstream.take().header("Authorization")).isEqualTo("Bearer sk-up");
    }
}
