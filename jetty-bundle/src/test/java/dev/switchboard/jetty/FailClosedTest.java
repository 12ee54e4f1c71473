package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * SPEC section 15 through the bundled proxy, as an attacker would try it: every request either gets
 * the SPEC 5 error and reaches no upstream, or reaches the upstream with nothing any common upstream
 * parser (Python/Node JSON: last key wins; Go: keys ignoring case, last wins) could read as a denied model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FailClosedTest {

    /** Models the caller may not use: disabled, or scoped to another path. */
    private static final Set<String> DENIED = Set.of("up/denied", "denied", "up/secret", "secret");

    private FakeUpstream upstream;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        upstream = new FakeUpstream();
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse("""
                providers:
                  up: {type: openai-compatible, base_url: %1$s, api_key: sk-up}
                  other: {type: openai-compatible, base_url: %1$s, api_key: sk-other}
                  demo: {type: echo, models: [echo-small]}
                default_provider: up
                identity: {trust_user_path_header: true}
                virtual_models:
                  - {source: up/denied, enabled: false}
                  - {source: up/secret, user_paths: [/acme]}
                """.formatted(upstream.url()));
        SwitchboardConfig config = new SwitchboardConfig(parsed.server().withAddress("127.0.0.1", 0), parsed.rules(),
                parsed.admin(), parsed.reload(), parsed.warnings());
        gateway = Gateway.start(() -> config, null, config.server(), List.of());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        upstream.stop();
    }

    @BeforeEach
    void drain() {
        upstream.received.clear();
    }

    static Stream<Arguments> refused() {
        String chat = "/v1/chat/completions";
        String json = "Content-Type: application/json";
        return Stream.of(
                // keys as Go reads them
                Arguments.of("POST", chat, "{\"model\":\"up/ok\",\"MODEL\":\"up/denied\"}", List.of(json), 400, "duplicate_model"),
                Arguments.of("POST", chat, "{\"MODEL\":\"up/denied\"}", List.of(json), 400, "invalid_model"),
                Arguments.of("POST", chat, "{\"model\":\"up/ok\",\"mod\\u0045l\":\"up/denied\"}", List.of(json), 400, "duplicate_model"),
                Arguments.of("POST", chat, "{\"Model\":\"up/denied\",\"model\":\"up/ok\"}", List.of(json), 400, "duplicate_model"),
                Arguments.of("POST", chat, "{\"model\":\"" + "m".repeat(300) + "\"}", List.of(json), 400, "invalid_model"),
                // nested models
                Arguments.of("POST", "/v1/responses", "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}",
                        List.of(json), 403, "model_access_denied"),
                Arguments.of("POST", "/v1/responses", "{\"model\":\"up/ok\",\"Tools\":[{\"model\":\"up/denied\"}]}",
                        List.of(json), 400, "invalid_request"),
                Arguments.of("POST", "/v1/responses/input_tokens", "{\"tools\":[{\"model\":\"up/secret\"}]}", List.of(json), 403,
                        "model_access_denied"),
                Arguments.of("POST", "/v1/messages/batches", "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"up/ok\"}},"
                        + "{\"custom_id\":\"b\",\"params\":{\"model\":\"up/denied\"}}]}", List.of(json), 403, "model_access_denied"),
                Arguments.of("POST", "/v1/messages/batches", "{\"requests\":[{\"params\":{\"model\":\"up/a\"}},"
                        + "{\"params\":{\"model\":\"other/b\"}}]}", List.of(json), 400, "mixed_providers"),
                Arguments.of("POST", "/v1/realtime/sessions", "{\"session\":{\"model\":\"up/denied\"}}", List.of(json), 403,
                        "model_access_denied"),
                Arguments.of("POST", "/v1/evals/e1/runs", "{\"data_source\":{\"model\":\"up/denied\"}}", List.of(json), 403,
                        "model_access_denied"),
                Arguments.of("POST", "/v1/fine_tuning/jobs", "{\"model\":\"up/denied\"}", List.of(json), 403, "model_access_denied"),
                Arguments.of("POST", "/v1/threads/t1/runs", "{\"model\":\"up/secret\"}", List.of(json), 403, "model_access_denied"),
                Arguments.of("POST", "/v1/batches", "{\"input_file_id\":\"f\",\"model\":\"up/denied\"}", List.of(json), 403,
                        "model_access_denied"),
                Arguments.of("POST", "/v1/uploads", "{\"purpose\":\"batch\",\"filename\":\"b.jsonl\"}", List.of(json), 400,
                        "invalid_request"),
                // query, methods, overrides
                Arguments.of("POST", chat + "?model=up/denied", "{\"model\":\"up/ok\"}", List.of(json), 400, "invalid_request"),
                Arguments.of("POST", chat + "?MoDeL=up/denied", "{\"model\":\"up/ok\"}", List.of(json), 400, "invalid_request"),
                Arguments.of("POST", chat + "?_method=GET", "{\"model\":\"up/ok\"}", List.of(json), 400, "invalid_request"),
                Arguments.of("PUT", chat, "{\"model\":\"up/denied\"}", List.of(json), 405, "method_not_allowed"),
                Arguments.of("GET", chat, "{\"model\":\"up/denied\"}", List.of(json), 405, "method_not_allowed"),
                Arguments.of("POST", "/v1/models", "{}", List.of(json), 405, "method_not_allowed"),
                Arguments.of("POST", chat, "{\"model\":\"up/ok\"}", List.of(json, "X-HTTP-Method-Override: PUT"), 400, "invalid_request"),
                // headers
                Arguments.of("POST", chat, "{\"model\":\"up/ok\"}", List.of(json, "Content-Type: text/plain"), 400, "invalid_request"),
                Arguments.of("POST", chat, "{\"model\":\"up/ok\"}", List.of("Content-Type: application/json; charset=x-nope"), 400,
                        "invalid_request"),
                Arguments.of("POST", chat, "{\"model\":\"up/ok\"}", List.of("Content-Type: application/json; charset=utf-16"), 400,
                        "invalid_request"),
                Arguments.of("POST", chat, "{\"model\":\"up/secret\"}", List.of(json, "X-User-Path: /acme", "X-User-Path: /other"), 400,
                        "invalid_user_path"),
                Arguments.of("POST", chat, "{\"model\":\"up/secret\"}", List.of(json, "X-User-Path: /other, /acme"), 400,
                        "invalid_user_path"),
                Arguments.of("GET", "/v1/files", "", List.of("X-Switchboard-Provider: nope"), 400, "unknown_provider"),
                // paths
                Arguments.of("POST", "/chat/completions", "{\"model\":\"up/denied\"}", List.of(json), 404, "unknown_path"),
                Arguments.of("POST", "/openai/deployments/denied/chat/completions", "{}", List.of(json), 404, "unknown_path"),
                Arguments.of("POST", "/v1beta/models/denied:generateContent", "{}", List.of(json), 404, "unknown_path"),
                Arguments.of("POST", "/model/denied/invoke", "{}", List.of(json), 404, "unknown_path"),
                Arguments.of("POST", "/api/chat", "{\"model\":\"denied\"}", List.of(json), 404, "unknown_path"),
                Arguments.of("GET", "/metrics", "", List.of(), 404, "unknown_path"),
                Arguments.of("GET", "/favicon.ico", "", List.of(), 404, "unknown_path"),
                Arguments.of("POST", "/v1/unlisted", "{\"model\":\"up/ok\"}", List.of(json), 404, "unknown_path"),
                Arguments.of("GET", "/v1/realtime?model=up/denied", "", List.of(), 501, "not_implemented"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("refused")
    void shouldRefuseWithoutCallingAnyUpstream(String method, String path, String body, List<String> headers, int status,
                                               String code) throws Exception {
        Raw r = send(method, path, body.getBytes(StandardCharsets.UTF_8), headers);

        assertThat(r.status).as(r.text()).isEqualTo(status);
        // The Anthropic shape (SPEC 5) has no code: there the type says it.
        assertThat(r.text()).contains(path.startsWith("/v1/messages") ? "{\"type\":\"error\"" : "\"code\":\"" + code + "\"");
        assertThat(upstream.received.poll(150, TimeUnit.MILLISECONDS)).as("what the upstream received").isNull();
    }

    static Stream<Arguments> forms() {
        String ok = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/ok\r\n";
        String denied = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied\r\n";
        return Stream.of(
                // Go, busboy and Werkzeug unescape a quoted boundary: the form is read by "b", never by "\b".
                Arguments.of("multipart/form-data; boundary=\"\\b\"", ok + "--b--\r\n", 200),
                Arguments.of("multipart/form-data; boundary*=UTF-8''b", ok + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=a; boundary=b", ok + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=\"b\"x", ok + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b, text/plain", ok + "--b--\r\n", 400),
                // a second model part after a bare LF (Go reads it, busboy does not)
                Arguments.of("multipart/form-data; boundary=b", ok + "\n" + denied + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\n"
                        + denied + "--b--\r\n", 400),
                // the boundary in the preamble
                Arguments.of("multipart/form-data; boundary=b", "x--b\r\n" + ok + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b", ok + denied + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"MODEL\"\r\n\r\nup/denied\r\n"
                        + ok + "--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"model\"; filename=\"m\"\r\n"
                        + "\r\nup/denied\r\n--b--\r\n", 400),
                Arguments.of("multipart/form-data; boundary=b", denied + "--b--\r\n", 403));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void shouldReadFormsAsEveryUpstreamDoes(String contentType, String body, int status) throws Exception {
        Raw r = send("POST", "/v1/audio/transcriptions", body.getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: " + contentType));

        assertThat(r.status).as(r.text()).isEqualTo(status);
        FakeUpstream.Received got = upstream.received.poll(status == 200 ? 10_000 : 150, TimeUnit.MILLISECONDS);
        if (status == 200) {
            assertThat(got).isNotNull();
            assertThat(got.text()).contains("\r\n\r\nok\r\n").doesNotContain("denied");
        } else {
            assertThat(got).isNull();
        }
    }

    @Test
    void shouldCheckAndRewriteEveryLineOfABatchFileAndRouteItToTheLinesProvider() throws Exception {
        String file = "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"other/a\"}}\n"
                + "{\"custom_id\":\"2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"other/b\"}}\n";
        Raw r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status).as(r.text()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-other");
        assertThat(got.text()).contains("\"body\":{\"model\":\"a\"}}\n").contains("\"body\":{\"model\":\"b\"}}\n");
    }

    @Test
    void shouldRefuseABatchFileWithOneDeniedLineNamingIt() throws Exception {
        String file = "{\"custom_id\":\"1\",\"body\":{\"model\":\"up/ok\"}}\n{\"custom_id\":\"2\",\"body\":{\"model\":\"up/denied\"}}\n";
        Raw r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status).isEqualTo(403);
        assertThat(r.text()).contains("line 2 of the batch file");
        assertThat(upstream.received.poll(150, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldRefuseABatchFileWhoseLinesRouteToTwoProviders() throws Exception {
        String file = "{\"body\":{\"model\":\"up/a\"}}\n{\"body\":{\"model\":\"other/b\"}}\n";
        Raw r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status).isEqualTo(400);
        assertThat(r.text()).contains("mixed_providers");
    }

    @Test
    void shouldRouteAModelLessRequestToTheNamedProviderWithoutPassingTheHeaderOn() throws Exception {
        Raw r = send("GET", "/v1/batches/batch_1", new byte[0], List.of("X-Switchboard-Provider: other"));

        assertThat(r.status).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/batches/batch_1");
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-other");
        assertThat(got.header("X-Switchboard-Provider")).isNull();
    }

    @Test
    void shouldForwardTheCanonicalPathItChecked() throws Exception {
        Raw r = send("POST", "/V1/chat%2Fcompletions/", "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: application/json"));

        assertThat(r.status).as(r.text()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.text()).isEqualTo("{\"model\":\"ok\"}");
    }

    @Test
    void shouldAnswerAPercentEncodedModelId() throws Exception {
        Raw r = send("GET", "/v1/models/demo%2Fecho-small", new byte[0], List.of());

        assertThat(r.status).as(r.text()).isEqualTo(200);
        assertThat(r.text()).contains("\"id\":\"demo/echo-small\"");
    }

    @Test
    void shouldLetNoEmulatedParserReadADeniedModelInWhatItForwards() throws Exception {
        List<String> bodies = List.of("{\"model\":\"up/ok\"}", "{\"messages\":[{\"model\":\"up/denied\"}],\"model\":\"up/ok\"}",
                "{\"model\":\"up/ok\",\"metadata\":{\"MODEL\":\"up/denied\"}}");
        for (String body : bodies) {
            Raw r = send("POST", "/v1/chat/completions", body.getBytes(StandardCharsets.UTF_8),
                    List.of("Content-Type: application/json"));
            assertThat(r.status).as(body).isEqualTo(200);
            byte[] got = upstream.take().body();
            for (String model : topLevelModels(got)) {
                assertThat(DENIED).as("a parser reads %s from %s", model, new String(got, StandardCharsets.UTF_8))
                        .doesNotContain(model, "up/" + model);
            }
        }
    }

    /**
     * The top-level model as each emulated upstream parser reads it: Python's {@code json} and Node's
     * {@code JSON.parse} keep the last {@code model}; Go's {@code encoding/json} keeps the last key equal
     * to it ignoring case.
     */
    static List<String> topLevelModels(byte[] body) throws IOException {
        String python = null;
        String go = null;
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), body)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING) {
                    if (name.equals("model")) {
                        python = p.getString();
                    }
                    if (name.equalsIgnoreCase("model")) {
                        go = p.getString();
                    }
                }
                p.skipChildren();
            }
        }
        List<String> out = new ArrayList<>();
        if (python != null) {
            out.add(python);
        }
        if (go != null) {
            out.add(go);
        }
        return out;
    }

    private static byte[] batch(String file) {
        return ("--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + file + "\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private record Raw(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One request on its own connection, headers exactly as given (duplicates included). */
    private Raw send(String method, String path, byte[] body, List<String> headers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            headers.forEach(h -> head.append(h).append("\r\n"));
            if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(text.substring(9, 12));
            int split = text.indexOf("\r\n\r\n");
            String headerBlock = text.substring(0, split);
            byte[] rest = java.util.Arrays.copyOfRange(all, split + 4, all.length);
            if (headerBlock.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                rest = dechunk(rest);
            }
            return new Raw(status, rest);
        }
    }

    private static byte[] dechunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int eol = i;
            while (eol + 1 < in.length && !(in[eol] == '\r' && in[eol + 1] == '\n')) {
                eol++;
            }
            int size = Integer.parseInt(new String(in, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].strip(), 16);
            if (size == 0) {
                break;
            }
            out.write(in, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
