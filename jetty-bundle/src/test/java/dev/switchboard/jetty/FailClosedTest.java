package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.Judge;
import dev.switchboard.failclosed.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC section 15 through the bundled proxy, as an attacker would try it: the adversarial {@link Corpus}
 * shared with the bare filter's tests, against the real gateway and a recording upstream. A case passes
 * when the client got what the corpus says and, for a forwarded request, no emulated upstream parser
 * ({@link Judge}: Python, Node and Go JSON; Go, busboy, Werkzeug and python-multipart forms) reads a
 * denied model in what the upstream received, which went to the canonical path that was checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FailClosedTest {

    private final Judge judge = new Judge(Corpus.DENIED);
    private FakeUpstream upstream;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        upstream = new FakeUpstream();
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse(Corpus.CONFIG.formatted(upstream.url()));
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

    static Stream<Corpus.Attack> corpus() {
        return Corpus.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldLetNoUpstreamReadADeniedModel(Corpus.Attack a) throws Exception {
        RawClient.Response r = RawClient.send(gateway.port(), a);

        // A forwarded request reached the upstream before its answer reached the client: nothing is late.
        List<FakeUpstream.Received> got = new ArrayList<>(upstream.received);
        String why = a + " | " + r.status() + " " + r.text();
        switch (a.expect().kind()) {
            case REFUSED -> {
                assertThat(r.status()).as(why).isEqualTo(a.expect().status());
                String target = a.target().toLowerCase(Locale.ROOT);
                boolean anthropic = target.startsWith("/v1/messages") || target.equals("/v1/complete");
                assertThat(r.text()).as(why).contains(anthropic
                        ? "{\"type\":\"error\",\"error\":{\"type\":\"" + a.expect().code() + "\""
                        : "\"code\":\"" + a.expect().code() + "\"");
                assertThat(got).as(why).isEmpty();
            }
            case NOT_FORWARDED -> {
                assertThat(r.status()).as(why).isBetween(400, 499);
                assertThat(got).as(why).isEmpty();
            }
            case FORWARDED -> {
                assertThat(r.status()).as(why).isEqualTo(200);
                assertThat(got).as(why).hasSize(1);
                FakeUpstream.Received u = got.get(0);
                assertThat(u.path()).as(why).isEqualTo(a.expect().upstreamPath());
                assertThat(judge.violations(new Judge.Received(u.method(), u.path(), u.query(), u.headers(), u.body())))
                        .as(why + " | upstream got " + u.text()).isEmpty();
            }
        }
    }

    /** Spellings of the chat path that a bare container refuses itself reach the bundle's filter and are checked. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat%2Fcompletions", "/v1/./chat/completions",
        "/v1/x/../chat/completions", "/v1/chat/completions/", "/v1/%63hat/completions", "/V1/Chat/Completions"})
    void shouldCheckEverySpellingOfTheChatPath(String path) throws Exception {
        Raw r = send("POST", path, "{\"model\":\"up/denied\"}".getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: application/json"));

        assertThat(r.status).as(r.text()).isEqualTo(403);
        assertThat(r.text()).contains("\"code\":\"model_access_denied\"");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldRefuseToDeleteAModelWithAPercentEncodedId() throws Exception {
        Raw r = send("DELETE", "/v1/models/up%2Fok", new byte[0], List.of());

        assertThat(r.status).as(r.text()).isEqualTo(405);
        assertThat(r.text()).contains("\"code\":\"method_not_allowed\"");
    }

    @Test
    void shouldRefuseABatchFileWithOneDeniedLineNamingIt() throws Exception {
        String file = "{\"custom_id\":\"1\",\"body\":{\"model\":\"up/ok\"}}\n{\"custom_id\":\"2\",\"body\":{\"model\":\"up/denied\"}}\n";
        Raw r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status).isEqualTo(403);
        assertThat(r.text()).contains("line 2 of the batch file");
        assertThat(upstream.received).isEmpty();
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
        Raw r = send("GET", "/v1/models/up%2Fok", new byte[0], List.of());

        assertThat(r.status).as(r.text()).isEqualTo(200);
        assertThat(r.text()).contains("\"id\":\"up/ok\"");
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
