package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.RawClient;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests that name no model (files, batches, stored objects) reach a provider's account with its key: the
 * policies on all of that provider's models ({@code provider/}, else {@code /}, else
 * {@code models.enabled_by_default}) decide who may send them, as they decide its models.
 */
final class ProviderAccessTest extends FakeUpstreamTests {

    @Override
    String config() {
        return """
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                  an: {type: anthropic, base_url: "%1$s", api_key: sk-an}
                  ot: {type: openai-compatible, base_url: "%1$s", api_key: sk-ot}
                default_provider: up
                models: {enabled_by_default: false}
                virtual_models:
                  - {source: up/, user_paths: [/acme/ml]}
                  - {source: an/, enabled: false}
                  - {source: an/claude-x, user_paths: [/acme/partner]}
                  - {source: secret-m, user_paths: [/acme/bare]}
                """;
    }

    @Test
    void shouldSendAModelLessRequestOnlyForACallerThePoliciesOnItsProviderAdmit() throws Exception {
        RawClient.Response inside = send("GET", "/v1/files", "X-User-Path: /acme/ml/alice");
        assertThat(inside.status()).as(inside.text()).isEqualTo(200);
        assertThat(upstream.take().header("Authorization")).isEqualTo("Bearer sk-up");

        for (RawClient.Response r : List.of(send("GET", "/v1/files"), send("GET", "/v1/files", "X-User-Path: /acme/sales"),
                send("POST", "/v1/batches/batch_1/cancel", "X-User-Path: /acme/sales"),
                send("DELETE", "/v1/files/file_1"))) {
            assertThat(r.status()).as(r.text()).isEqualTo(403);
            assertThat(r.text()).contains("\"code\":\"model_access_denied\"").contains("requests without a model");
        }
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldKeepTheConnectionOfARefusedRequestWhoseBodyWasRead() throws Exception {
        String body = "{\"input_file_id\":\"file_1\"}";
        String request = "POST /v1/batches HTTP/1.1\r\nHost: localhost\r\nX-User-Path: /acme/sales\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            java.io.InputStream in = s.getInputStream();
            for (int i = 0; i < 2; i++) {
                // The second request on the same connection is answered too: the first left it usable.
                s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 403");
                assertThat(head.toLowerCase(java.util.Locale.ROOT)).doesNotContain("connection: close");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                assertThat(m.find()).isTrue();
                assertThat(new String(in.readNBytes(Integer.parseInt(m.group(1))), java.nio.charset.StandardCharsets.UTF_8))
                        .contains("model_access_denied");
            }
        }
        // An upload part is passed on unread: refused, the rest of its body is not read, and the client is told so.
        String part = "--b--\r\n";
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/uploads/upload_1/parts HTTP/1.1\r\nHost: localhost\r\nX-User-Path: /acme/sales\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " + part.length() + "\r\n\r\n" + part)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 403");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
        }
        assertThat(upstream.received).isEmpty();
    }

    private static String readHead(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    @Test
    void shouldRefuseEveryoneAProviderWhosePolicyDisablesIt() throws Exception {
        RawClient.Response named = send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an",
                "X-User-Path: /acme/ml/alice", "anthropic-version: 2023-06-01");

        assertThat(named.status()).as(named.text()).isEqualTo(403);
        assertThat(named.text()).startsWith("{\"type\":\"error\"");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldAdmitACallerAPolicyAdmitsToOneOfTheProvidersModels() throws Exception {
        RawClient.Response partner = send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an",
                "X-User-Path: /acme/partner", "anthropic-version: 2023-06-01");

        assertThat(partner.status()).as(partner.text()).isEqualTo(200);
        assertThat(upstream.take().header("x-api-key")).isEqualTo("sk-an");
    }

    // Regression: a bare model's policy admitting a caller let model-less requests through at every provider, also
    // where a provider/ policy shuts that caller out of every model (the bare policy is less specific there).
    @Test
    void shouldAdmitByABareModelsPolicyOnlyWhereItDecidesThatModel() throws Exception {
        for (RawClient.Response r : List.of(send("GET", "/v1/files", "X-User-Path: /acme/bare"),
                send("GET", "/v1/files", "X-Switchboard-Provider: up", "X-User-Path: /acme/bare"),
                send("POST", "/v1/batches", "X-User-Path: /acme/bare"),
                send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an", "X-User-Path: /acme/bare",
                        "anthropic-version: 2023-06-01"))) {
            assertThat(r.status()).as(r.text()).isEqualTo(403);
        }
        assertThat(upstream.received).isEmpty();

        // At a provider without a provider/ policy, the bare policy decides its model: the caller may call ot/secret-m.
        RawClient.Response other = send("GET", "/v1/files", "X-Switchboard-Provider: ot", "X-User-Path: /acme/bare");
        assertThat(other.status()).as(other.text()).isEqualTo(200);
        assertThat(upstream.take().header("Authorization")).isEqualTo("Bearer sk-ot");
    }

    // Regression (official Anthropic SDK): results_url came back absolute, and messages.batches.results() fetched it as
    // it is: past the gateway, to the provider, with the caller's gateway key.
    @Test
    void shouldAnswerMessageBatchesWithResultsUrlsThroughTheGateway() throws Exception {
        RawClient.Response r = send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an",
                "X-User-Path: /acme/partner", "anthropic-version: 2023-06-01", "X-Scenario: batches",
                "Accept-Encoding: gzip");

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{\"data\":[{\"id\":\"msgbatch_1\",\"type\":\"message_batch\","
                + "\"request_counts\":{\"succeeded\":12345678901234567890},"
                + "\"results_url\":\"/v1/messages/batches/msgbatch_1/results\"},"
                + "{\"id\":\"msgbatch_2\",\"results_url\":null},{\"id\":\"msgbatch_3\",\"results_url\":null}],"
                + "\"has_more\":false}");
        assertThat(r.head()).containsIgnoringCase("Content-Length: " + r.body().length + "\r\n");
        assertThat(upstream.take().header("Accept-Encoding")).as("asked unencoded, to be read").isEqualTo("identity");
    }
}
