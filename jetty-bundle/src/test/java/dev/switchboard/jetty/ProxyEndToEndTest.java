package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled gateway end to end: a client, the real {@link Gateway} (filter + proxy servlet) and a
 * {@link FakeUpstream} that records what it receives, all on port 0.
 */
final class ProxyEndToEndTest extends FakeUpstreamTests {

    private static final String ALICE = "sk-alice-demo";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    String config() {
        return """
                server:
                  upstream_idle_timeout: 1s
                providers:
                  openai: {type: openai, base_url: %1$s, api_key: sk-upstream-openai, models: [gpt-5]}
                  anthropic: {type: anthropic, base_url: %1$s, api_key: sk-upstream-anthropic}
                  local: {type: openai-compatible, base_url: %1$s/local, headers: {X-Extra: yes}}
                  down: {type: openai-compatible, base_url: "http://127.0.0.1:1"}
                default_provider: local
                identity:
                  clients:
                    - {name: alice, key_sha256: 4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7}
                virtual_models:
                  - {source: regular, target: openai/gpt-5}
                  - {source: claude, target: anthropic/claude-x}
                  - {source: openai/rt-secret, enabled: false}
                """;
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        b.header("Authorization", "Bearer " + ALICE);
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldSwapCredentialsRewriteTheModelAndLeakNoClientHeaders() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"regular\",\"top_p\":1.0}";
        HttpResponse<String> r = post("/v1/chat/completions", body, "X-Forwarded-For", "203.0.113.7",
                "Forwarded", "for=203.0.113.7", "Cookie", "session=secret", "X-User-Path", "/acme/ml",
                "X-Real-IP", "203.0.113.7", "api-key", ALICE, "x-goog-api-key", ALICE, "anthropic-api-key", ALICE,
                "OpenAI-Organization", "org-other", "OpenAI-Project", "proj_other", "x-litellm-api-key", ALICE,
                "Ocp-Apim-Subscription-Key", ALICE, "Helicone-Auth", "Bearer " + ALICE, "cf-aig-authorization", ALICE);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("openai/gpt-5");
        assertThat(r.headers().firstValue("X-Switchboard-Virtual-Model")).hasValue("regular");

        FakeUpstream.Received got = upstream.take();
        String expected = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"gpt-5\",\"top_p\":1.0}";
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.text()).isEqualTo(expected);
        assertThat(got.header("Content-Length")).isEqualTo(Integer.toString(expected.length()));
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-upstream-openai");
        assertThat(got.headers()).doesNotContainKeys("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                "x-forwarded-server", "forwarded", "via", "cookie", "x-user-path", "x-real-ip", "x-api-key", "api-key",
                "x-goog-api-key", "anthropic-api-key", "openai-organization", "openai-project", "x-litellm-api-key",
                "ocp-apim-subscription-key", "helicone-auth", "cf-aig-authorization");
        assertThat(got.text()).doesNotContain(ALICE);
    }

    /**
     * What a proxy or CDN in front adds about the client (its address, its TLS certificate) stays here, whatever the
     * front calls it: every {@code X-Forwarded-*} header, and the address headers of CDNs and meshes (README).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-Forwarded-Client-Cert", "X-Forwarded-Prefix",
            "X-Forwarded", "Forwarded-For", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Client-IP",
            "X-Cluster-Client-IP", "X-Original-Forwarded-For", "X-Envoy-External-Address", "Client-IP",
            "X-Vercel-Forwarded-For", "Fly-Client-IP", "X-Azure-ClientIP", "X-Azure-SocketIP", "X-ProxyUser-Ip",
            "X-Forwarded-User", "X-Forwarded-Email"})
    void shouldPassOnNoHeaderAFrontProxyAddsAboutTheClient(String header) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"regular\"}", header, "203.0.113.7",
                "X-Kept", "yes");
        assertThat(r.statusCode()).isEqualTo(200);

        FakeUpstream.Received got = upstream.take();
        assertThat(got.header("X-Kept")).isEqualTo("yes");
        assertThat(got.headers()).doesNotContainKey(header.toLowerCase(Locale.ROOT));
    }

    /**
     * Servers that read headers by CGI-style names (gunicorn before 22, Python's wsgiref) take an underscore for a
     * hyphen: none of these may reach the upstream, which would read a key, a method or a framing never judged here.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X_Api_Key", "Transfer_Encoding", "Content_Length",
            "X_HTTP_Method_Override", "OpenAI_Organization", "x_custom"})
    void shouldPassOnNoHeaderWithAnUnderscoreInItsName(String header) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"regular\"}", header, "7", "X-Kept", "yes");
        assertThat(r.statusCode()).isEqualTo(200);

        FakeUpstream.Received got = upstream.take();
        assertThat(got.header("X-Kept")).isEqualTo("yes");
        assertThat(got.headers()).doesNotContainKey(header.toLowerCase(Locale.ROOT));
        assertThat(got.text()).isEqualTo("{\"model\":\"gpt-5\"}");
    }

    /** A path the upstream would serve instead of the one judged here (IIS, older Symfony) stays here. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-Original-URL", "X-Rewrite-URL", "X-Original-URI"})
    void shouldPassOnNoHeaderThatNamesAnotherPath(String header) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"regular\"}", header, "/v1/images/edits");
        assertThat(r.statusCode()).isEqualTo(200);

        assertThat(upstream.take().headers()).doesNotContainKey(header.toLowerCase(Locale.ROOT));
    }

    /** An upstream gateway's own routing headers (Portkey's config may override the model, Helicone's the host) are the operator's. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"x-portkey-config", "X-Portkey-Provider", "x-portkey-custom-host", "x-portkey-virtual-key",
        "Helicone-Target-Url", "Helicone-OpenAI-Api-Base", "Helicone-Target-Provider", "x-litellm-model",
        "Custom-LLM-Provider", "azureml-model-deployment", "x-ms-model-mesh-model-name"})
    void shouldPassOnNoUpstreamGatewaysRoutingHeader(String header) throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"regular\"}", header,
                "{\"override_params\":{\"model\":\"denied\"}}");
        assertThat(r.statusCode()).isEqualTo(200);

        assertThat(upstream.take().headers()).doesNotContainKey(header.toLowerCase(Locale.ROOT));
    }

    @Test
    void shouldRewriteAnUpstreamGatewaysListOfModelsAsTheModel() throws Exception {
        // OpenRouter's models (tried in turn) and LiteLLM's fallbacks: each name resolved and rewritten as the model is.
        String body = "{\"model\":\"regular\",\"models\":[\"regular\", \"openai/gpt-5\"],\"fallbacks\":null}";
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.take().text())
                .isEqualTo("{\"model\":\"gpt-5\",\"models\":[\"gpt-5\", \"gpt-5\"],\"fallbacks\":null}");

        HttpResponse<String> mixed = post("/v1/chat/completions", "{\"model\":\"regular\",\"fallbacks\":[\"claude\"]}");
        assertThat(mixed.statusCode()).isEqualTo(400);
        assertThat(mixed.body()).contains("\"code\":\"mixed_providers\"");
        HttpResponse<String> map = post("/v1/chat/completions",
                "{\"model\":\"regular\",\"context_window_fallbacks\":[{\"regular\":[\"openai/gpt-5\"]}]}");
        assertThat(map.statusCode()).isEqualTo(400);
        assertThat(map.body()).contains("\"code\":\"invalid_request\"", "context_window_fallbacks[0] is not a model name");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldSendAnthropicCredentialsAndVersion() throws Exception {
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":5}", "x-api-key", ALICE);
        assertThat(r.statusCode()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.text()).isEqualTo("{\"model\":\"claude-x\",\"max_tokens\":5}");
        assertThat(got.header("x-api-key")).isEqualTo("sk-upstream-anthropic");
        assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(got.header("Authorization")).isNull();
    }

    @Test
    void shouldRouteByPrefixInventoryAndDefault() throws Exception {
        post("/v1/embeddings", "{\"model\":\"openai/gpt-5\"}");
        FakeUpstream.Received prefix = upstream.take();
        assertThat(prefix.text()).isEqualTo("{\"model\":\"gpt-5\"}");
        assertThat(prefix.header("Authorization")).isEqualTo("Bearer sk-upstream-openai");

        post("/v1/embeddings", "{\"model\":\"gpt-5\"}");
        FakeUpstream.Received inventory = upstream.take();
        assertThat(inventory.header("Authorization")).isEqualTo("Bearer sk-upstream-openai");

        post("/v1/chat/completions", "{\"model\":\"llama-3\"}");
        FakeUpstream.Received fallback = upstream.take();
        assertThat(fallback.path()).isEqualTo("/local/v1/chat/completions");
        assertThat(fallback.text()).isEqualTo("{\"model\":\"llama-3\"}");
        assertThat(fallback.header("Authorization")).isNull();
        assertThat(fallback.header("X-Extra")).isEqualTo("yes");
    }

    @Test
    void shouldSendModelLessRequestsToTheDefaultProvider() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/files?purpose=batch&limit=2"))
                .header("Authorization", "Bearer " + ALICE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.method()).isEqualTo("GET");
        assertThat(got.path()).isEqualTo("/local/v1/files");
        assertThat(got.query()).isEqualTo("purpose=batch&limit=2");
        assertThat(got.header("Authorization")).isNull();
    }

    @Test
    void shouldRequireTheGatewayKeyButNotForHealth() throws Exception {
        HttpResponse<String> noKey = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.port() + "/v1/files")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(upstream.received).isEmpty();
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok");
    }

    /** Arrival times (ms since the request was sent) of each {@code data:} line but the stream's {@code [DONE]}. */
    private List<Long> streamArrivals(String scenario) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + ALICE).header("X-Scenario", scenario)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama-3\",\"stream\":true}")).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        if (scenario.split(":").length == 3) {
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        }
        List<Long> arrivals = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:") && !line.equals("data: [DONE]")) {
                    arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            }
        }
        return arrivals;
    }

    // A probe with the official SDKs (2026-12-07): the gateway's own errors had no request id an SDK reads (openai-node's
    // requestID, the Anthropic SDK's request_id were null: the id was only in X-Switchboard-Request-Id), and an Anthropic
    // SDK calling a path the gateway does not serve got an OpenAI-shaped error.
    @Test
    void shouldGiveItsOwnErrorsTheRequestIdHeaderOfTheCallersSdk() throws Exception {
        HttpResponse<String> openai = post("/v1/not-served", "{}", "X-Request-Id", "own-error-1");
        HttpResponse<String> anthropic = post("/v1/skills", "{}", "X-Request-Id", "own-error-2", "anthropic-version",
                "2023-06-01");

        assertThat(openai.statusCode()).isEqualTo(404);
        assertThat(openai.body()).isEqualTo("{\"error\":{\"message\":\"this gateway does not serve this path\","
                + "\"type\":\"not_found_error\",\"param\":null,\"code\":\"unknown_path\"}}");
        assertThat(openai.headers().firstValue("x-request-id")).hasValue("own-error-1");
        assertThat(openai.headers().firstValue("X-Switchboard-Request-Id")).hasValue("own-error-1");
        assertThat(anthropic.statusCode()).isEqualTo(404);
        assertThat(anthropic.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                + "\"message\":\"this gateway does not serve this path\"}}");
        assertThat(anthropic.headers().firstValue("request-id")).hasValue("own-error-2");
        assertThat(anthropic.headers().firstValue("x-request-id")).isEmpty();
    }

    @Test
    void shouldDeliverEachSseChunkWhenTheUpstreamSendsIt() throws Exception {
        // Upstream sends at 200, 400, ... 1000 ms. Buffered, all five would arrive together at the end.
        assertArrivesAsSent(streamArrivals("sse:5:200"));
    }

    /**
     * Each of five chunks sent 200 ms apart arrives within 250 ms of when it was sent (counted from the first one's
     * arrival), the first within 600 ms: a buffered stream arrives at once at its end. (Not gaps between arrivals: on
     * a loaded host one chunk late and the next on time came 51 ms apart, though none was held.)
     */
    private static void assertArrivesAsSent(List<Long> arrivals) {
        assertThat(arrivals).hasSize(5);
        assertThat(arrivals.get(0)).as("first chunk of " + arrivals).isLessThan(600L);
        for (int i = 1; i < arrivals.size(); i++) {
            assertThat(arrivals.get(i) - arrivals.get(0)).as("chunk " + i + " of " + arrivals)
                    .isBetween(i * 200L - 150L, i * 200L + 250L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "application/x-ndjson", "application/json", "text/plain"})
    void shouldDeliverEachChunkOfAStreamThatDoesNotSayItIsOneWhenTheUpstreamSendsIt(String type) throws Exception {
        // A FastAPI StreamingResponse sends no Content-Type unless given one; the request asked for a stream.
        assertArrivesAsSent(streamArrivals("sse:5:200:" + type));
    }

    @Test
    void shouldNotCutAStreamLongerThanTheIdleTimeoutWhoseGapsAreShorter() throws Exception {
        // 10 chunks 300 ms apart: 3 s in total, against a 1 s idle timeout.
        List<Long> arrivals = streamArrivals("sse:10:300");
        assertThat(arrivals).hasSize(10);
        assertThat(arrivals.get(9)).isGreaterThan(2500L);
    }

    @Test
    void shouldWaitForASlowFirstByteUnderTheIdleTimeout() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"llama-3\"}", "X-Scenario", "slow:700");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"slow\":true}");
    }

    @Test
    void shouldAnswer504WhenTheUpstreamIsSilentPastTheIdleTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"llama-3\"}", "X-Scenario", "silent");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"provider local did not answer in time\","
                + "\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_timeout\"}}");
        assertThat(took).isBetween(900L, 5000L);
    }

    @Test
    void shouldAnswer502WhenTheUpstreamIsDown() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"down/some-model\"}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"provider down is unreachable\","
                + "\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}");
    }

    @Test
    void shouldAnswerAnthropicShapedUpstreamErrorsOnMessages() throws Exception {
        HttpResponse<String> r = post("/v1/messages", "{\"model\":\"down/x\"}");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"provider down is unreachable\"}}");
    }

    @Test
    void shouldAbortTheUpstreamWhenTheClientDisconnectsMidStream() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            String body = "{\"model\":\"llama-3\",\"stream\":true}";
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ALICE
                    + "\r\nX-Scenario: endless\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data:")) {
                // headers and chunk sizes until the first event
            }
            assertThat(line).startsWith("data:");
        }
        assertThat(upstream.clientGone.await(10, TimeUnit.SECONDS))
                .as("the upstream noticed that nobody reads its stream any more").isTrue();
    }

    @Test
    void shouldAggregateProviderListingsSkippingAFailingOne() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/models"))
                .header("Authorization", "Bearer " + ALICE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        // openai: static inventory; anthropic and local: their own listing (Anthropic shape); down: skipped.
        assertThat(r.body()).contains("\"id\":\"openai/gpt-5\"", "\"id\":\"anthropic/claude-x\"",
                "\"id\":\"local/claude-x\"", "\"id\":\"claude\"", "\"id\":\"regular\"", "\"owned_by\":\"anthropic\"")
                .doesNotContain("down/");
        FakeUpstream.Received listing = upstream.received.stream()
                .filter(x -> x.header("x-api-key") != null).findFirst().orElseThrow();
        assertThat(listing.header("x-api-key")).isEqualTo("sk-upstream-anthropic");
        assertThat(listing.header("anthropic-version")).isEqualTo("2023-06-01");
    }

    @Test
    void shouldAnswerJettysOwnErrorsAsJson() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream().write("GET /v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 400");
            assertThat(response).contains("{\"error\":{").doesNotContain("<html").doesNotContain("at org.eclipse");
        }
    }

    @Test
    void shouldCheckAndRewriteTheRealtimeCallsAndTranslationSecretsTheOfficialSdkSends() throws Exception {
        com.openai.client.OpenAIClient sdk = com.openai.client.okhttp.OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey(ALICE).maxRetries(0).build();
        try {
            com.openai.models.realtime.RealtimeSessionCreateRequest session =
                    com.openai.models.realtime.RealtimeSessionCreateRequest.builder().model("regular").build();
            // A WebRTC call: the SDP offer and the session's settings, a JSON part of a form; its model rewritten there.
            try (com.openai.core.http.HttpResponse r = sdk.realtime().calls().withRawResponse().create(
                    com.openai.models.realtime.calls.CallCreateParams.builder().sdp("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n")
                            .session(session).build())) {
                assertThat(r.statusCode()).isEqualTo(200);
            }
            FakeUpstream.Received created = upstream.take();
            assertThat(created.path()).isEqualTo("/v1/realtime/calls");
            assertThat(created.header("content-type")).startsWith("multipart/form-data; boundary=");
            assertThat(created.text()).contains("v=0\r\no=- 1 1 IN IP4 0.0.0.0")
                    .contains("{\"type\":\"realtime\",\"model\":\"gpt-5\"}").doesNotContain("regular");
            assertThat(created.header("authorization")).isEqualTo("Bearer sk-upstream-openai");

            // Accepting a SIP call configures its session: the same.
            try (com.openai.core.http.HttpResponse r = sdk.realtime().calls().withRawResponse().accept(
                    com.openai.models.realtime.calls.CallAcceptParams.builder().callId("rtc_1")
                            .realtimeSessionCreateRequest(session).build())) {
                assertThat(r.statusCode()).isEqualTo(200);
            }
            FakeUpstream.Received accepted = upstream.take();
            assertThat(accepted.path()).isEqualTo("/v1/realtime/calls/rtc_1/accept");
            assertThat(accepted.text()).isEqualTo("{\"type\":\"realtime\",\"model\":\"gpt-5\"}");

            // Hanging up names no model: to the provider the caller names (the call's), as any stored object's request.
            try (com.openai.core.http.HttpResponse r = sdk.realtime().calls().withRawResponse().hangup(
                    com.openai.models.realtime.calls.CallHangupParams.builder().callId("rtc_1")
                            .putAdditionalHeader("X-Switchboard-Provider", "openai").build())) {
                assertThat(r.statusCode()).isEqualTo(200);
            }
            FakeUpstream.Received hungUp = upstream.take();
            assertThat(hungUp.path()).isEqualTo("/v1/realtime/calls/rtc_1/hangup");
            assertThat(hungUp.header("authorization")).isEqualTo("Bearer sk-upstream-openai");

            // A translation session's client secret: its model rewritten.
            try (com.openai.core.http.HttpResponse r = sdk.realtime().translations().clientSecrets().withRawResponse()
                    .create(com.openai.models.realtime.translations.clientsecrets.ClientSecretCreateParams.builder()
                            .realtimeTranslationClientSecretCreateRequest(com.openai.models.realtime
                                    .RealtimeTranslationClientSecretCreateRequest.builder().session(com.openai.models
                                            .realtime.RealtimeTranslationSessionCreateRequest.builder().model("regular")
                                            .build()).build()).build())) {
                assertThat(r.statusCode()).isEqualTo(200);
            }
            FakeUpstream.Received secret = upstream.take();
            assertThat(secret.path()).isEqualTo("/v1/realtime/translations/client_secrets");
            assertThat(secret.text()).isEqualTo("{\"session\":{\"model\":\"gpt-5\"}}");

            // A session's model the caller may not use: 403, as the SDK reads it, and nothing reaches the provider.
            com.openai.errors.PermissionDeniedException denied = org.assertj.core.api.Assertions.catchThrowableOfType(
                    com.openai.errors.PermissionDeniedException.class, () -> sdk.realtime().calls().create(
                            com.openai.models.realtime.calls.CallCreateParams.builder().sdp("v=0\r\n").session(
                                    com.openai.models.realtime.RealtimeSessionCreateRequest.builder()
                                            .model("openai/rt-secret").build()).build()));
            assertThat(denied).isNotNull();
            assertThat(denied.code()).contains("model_access_denied");
            assertThat(upstream.received).isEmpty();
        } finally {
            sdk.close();
        }
    }
}
