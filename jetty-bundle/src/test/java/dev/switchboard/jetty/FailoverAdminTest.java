package dev.switchboard.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Failover through the admin API of a running gateway (SPEC section 11): a redirect with fallbacks written by
 * {@code PUT /admin/virtual-models} is kept in the admin store and serves traffic at once, and the breaker of
 * its failing target shows in {@code GET /admin/status}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class FailoverAdminTest {

    @TempDir
    static Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ScriptedUpstream up;
    private LiveConfig live;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        up = new ScriptedUpstream("up");
        int refused;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refused = s.getLocalPort(); // closed again: connecting to it is refused
        }
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                server: {host: 127.0.0.1, port: 0}
                providers:
                  down: {type: openai-compatible, base_url: "http://127.0.0.1:%d"}
                  up: {type: openai-compatible, base_url: "%s"}
                admin: {token: t}
                failover:
                  circuit_breaker: {failures: 2, open_for: 1h}
                """.formatted(refused, up.url()), UTF_8);
        live = LiveConfig.load(config, new ConfigLoader(name -> null));
        gateway = Gateway.start(live, live, live.get().server());
        live.start();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        live.close();
        up.stop();
    }

    @Test
    void shouldKeepFallbacksWrittenThroughTheAdminApiAndShowTheOpenBreakerInStatus() throws Exception {
        HttpResponse<String> put = send(admin("/admin/virtual-models").PUT(HttpRequest.BodyPublishers.ofString(
                "{\"source\":\"chat\",\"target_model\":\"down/m\",\"fallbacks\":[\"up/m\"]}")));
        assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);
        assertThat(Files.readString(dir.resolve("virtual-models.admin.yaml"), UTF_8)).contains("fallbacks").contains("up/m");
        Map<?, ?> listed = (Map<?, ?>) ((List<?>) json(send(admin("/admin/virtual-models"))))
                .stream().filter(v -> "chat".equals(((Map<?, ?>) v).get("source"))).findFirst().orElseThrow();
        assertThat(listed.get("fallbacks")).isEqualTo(List.of("up/m"));

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[]}")));
            assertThat(chat.statusCode()).isEqualTo(200);
            assertThat(chat.body()).isEqualTo(up.okBody());
            assertThat(chat.headers().firstValue("X-Switchboard-Model")).hasValue("up/m");
            assertThat(chat.headers().firstValue("X-Switchboard-Attempts")).hasValue("2");
        }

        List<?> breakers = (List<?>) ((Map<?, ?>) json(send(admin("/admin/status")))).get("circuit_breakers");
        Map<?, ?> down = (Map<?, ?>) breakers.stream().filter(b -> "down/m".equals(((Map<?, ?>) b).get("target")))
                .findFirst().orElseThrow(() -> new AssertionError("no breaker of down/m in " + breakers));
        assertThat(down.get("state")).isEqualTo("open");
        Map<?, ?> upBreaker = (Map<?, ?>) breakers.stream().filter(b -> "up/m".equals(((Map<?, ?>) b).get("target")))
                .findFirst().orElseThrow(() -> new AssertionError("no breaker of up/m in " + breakers));
        assertThat(upBreaker.get("state")).isEqualTo("closed");

        // Open: the next request goes straight to the fallback, one attempt.
        HttpResponse<String> skipped = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[]}")));
        assertThat(skipped.headers().firstValue("X-Switchboard-Attempts")).hasValue("1");
    }

    /** The bundle lets empty segments through to its filter: no spelling of an admin path gets past the token. */
    @ParameterizedTest
    @CsvSource({"/admin/status, 401", "/admin//status, 401", "//admin/status, 404", "/x/%2e%2e/admin/status, 400",
        "/v1/%2E%2E/admin/status, 400"})
    void shouldAskForTheTokenOnEverySpellingOfAnAdminPath(String path, int status) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).GET());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"error\"").doesNotContain("circuit_breakers");
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer t");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Object json(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonTree.parse(r.body().getBytes(UTF_8));
    }
}
