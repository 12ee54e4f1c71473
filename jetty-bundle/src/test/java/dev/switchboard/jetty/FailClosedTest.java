package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.Judge;
import dev.switchboard.failclosed.RawClient;
import dev.switchboard.failclosed.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
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
final class FailClosedTest extends FakeUpstreamTests {

    private final Judge judge = new Judge(Corpus.DENIED);

    @Override
    String config() {
        return Corpus.CONFIG;
    }

    static Stream<Corpus.Attack> corpus() {
        return Corpus.bundled().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldLetNoUpstreamReadADeniedModel(Corpus.Attack a) throws Exception {
        RawClient.Response r = RawClient.send(gateway.port(), a);

        // A forwarded request reached the upstream before its answer reached the client: nothing is late.
        List<Judge.Received> got = new ArrayList<>();
        upstream.received.forEach(u -> got.add(new Judge.Received(u.method(), u.path(), u.query(), u.headers(), u.body())));
        Verdict.check(a, r, got, judge, true);
    }

    /** Spellings of the chat path that a bare container refuses itself reach the bundle's filter and are checked. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat%2Fcompletions", "/v1/./chat/completions",
        "/v1/x/../chat/completions", "/v1/chat/completions/", "/v1/%63hat/completions", "/V1/Chat/Completions",
        "/v1//chat/completions", "//v1/chat/completions", "/v1/chat/completions//"})
    void shouldCheckEverySpellingOfTheChatPath(String path) throws Exception {
        RawClient.Response r = send("POST", path, "{\"model\":\"up/denied\"}".getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: application/json"));

        assertThat(r.status()).as(r.text()).isEqualTo(403);
        assertThat(r.text()).contains("\"code\":\"model_access_denied\"");
        assertThat(upstream.received).isEmpty();
    }

    /**
     * Characters a URI query cannot hold, which Tomcat refuses itself and Jetty lets in: no upstream may be asked with
     * them (Jetty's client threw on them, a 500 with a stack trace in the log), so the caller learns what to fix.
     */
    @ParameterizedTest
    @ValueSource(strings = {"x=|", "x={}", "x=^", "x=%22a\"", "x=\\", "x=`", "x=<b>", "a=1%ZZ", "x=\u00e9", "x=a\u00a0b",
        "x=\u0085", "x=\u2028", "x=\u3000"})
    void shouldRefuseAQueryNoUriCanCarry(String query) throws Exception {
        RawClient.Response r = send("POST", "/v1/chat/completions?" + query,
                "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8), List.of("Content-Type: application/json"));

        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.text()).contains("\"code\":\"invalid_request\"", "the query string is not a valid URI query: ");
        assertThat(upstream.received).isEmpty();
    }

    /** Brackets in names (the SDKs' include[]) and characters beyond ASCII escaped are a URI query: passed on as sent. */
    @Test
    void shouldPassOnAQueryWithBracketsAsSent() throws Exception {
        RawClient.Response r = send("POST", "/v1/chat/completions?include[]=a&q=%C3%A9",
                "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8), List.of("Content-Type: application/json"));

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(upstream.received).singleElement().satisfies(u -> assertThat(u.query()).isEqualTo("include[]=a&q=%C3%A9"));
    }

    @Test
    void shouldRefuseToDeleteAModelWithAPercentEncodedId() throws Exception {
        RawClient.Response r = send("DELETE", "/v1/models/up%2Fok", new byte[0], List.of());

        assertThat(r.status()).as(r.text()).isEqualTo(405);
        assertThat(r.text()).contains("\"code\":\"method_not_allowed\"");
    }

    /** Anthropic's Files API shares /v1/files with OpenAI's: its SDK, which sends anthropic-version, gets its shape. */
    @Test
    void shouldAnswerAnAnthropicFilesRequestInAnthropicsShape() throws Exception {
        String form = "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nx\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ny\r\n--b--\r\n";
        RawClient.Response anthropic = send("POST", "/v1/files", form.getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: multipart/form-data; boundary=b", "anthropic-version: 2023-06-01"));
        RawClient.Response openai = send("POST", "/v1/files", form.getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(anthropic.status()).isEqualTo(400);
        assertThat(anthropic.text()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"");
        assertThat(openai.status()).isEqualTo(400);
        assertThat(openai.text()).startsWith("{\"error\":{");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldRefuseABatchFileWithOneDeniedLineNamingIt() throws Exception {
        String file = "{\"custom_id\":\"1\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"up/ok\"}}\n"
                + "{\"custom_id\":\"2\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"up/denied\"}}\n";
        RawClient.Response r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("line 2 of the batch file");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldCheckAndRewriteEveryLineOfABatchFileAndRouteItToTheLinesProvider() throws Exception {
        String file = "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"other/a\"}}\n"
                + "{\"custom_id\":\"2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"other/b\"}}\n";
        RawClient.Response r = send("POST", "/v1/files", batch(file), List.of("Content-Type: multipart/form-data; boundary=b"));

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-other");
        assertThat(got.text()).contains("\"body\":{\"model\":\"a\"}}\n").contains("\"body\":{\"model\":\"b\"}}\n");
    }

    @Test
    void shouldRouteAModelLessRequestToTheNamedProviderWithoutPassingTheHeaderOn() throws Exception {
        RawClient.Response r = send("GET", "/v1/batches/batch_1", new byte[0], List.of("X-Switchboard-Provider: other"));

        assertThat(r.status()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/batches/batch_1");
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-other");
        assertThat(got.header("X-Switchboard-Provider")).isNull();
    }

    @Test
    void shouldForwardTheCanonicalPathItChecked() throws Exception {
        RawClient.Response r = send("POST", "/V1/chat%2Fcompletions/", "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: application/json"));

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.text()).isEqualTo("{\"model\":\"ok\"}");
    }

    /** A base URL ending in a slash joined with a path that starts with one: the canonical path goes upstream. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1//chat/completions", "//v1/chat/completions", "/v1/chat//completions/"})
    void shouldForwardTheCanonicalPathOfAnEmptySegment(String path) throws Exception {
        RawClient.Response r = send("POST", path, "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8),
                List.of("Content-Type: application/json"));

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        FakeUpstream.Received got = upstream.take();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.text()).isEqualTo("{\"model\":\"ok\"}");
    }

    @Test
    void shouldAnswerAPercentEncodedModelId() throws Exception {
        RawClient.Response r = send("GET", "/v1/models/up%2Fok", new byte[0], List.of());

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.text()).contains("\"id\":\"up/ok\"");
    }

    private static byte[] batch(String file) {
        return ("--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + file + "\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One request on its own connection, headers exactly as given (duplicates included). */
    private RawClient.Response send(String method, String path, byte[] body, List<String> headers) throws IOException {
        return RawClient.send(gateway.port(), new Corpus.Attack(method + " " + path, method, path, headers, body, false,
                null));
    }
}
