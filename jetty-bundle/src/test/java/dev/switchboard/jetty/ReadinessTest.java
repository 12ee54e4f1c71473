package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} (SPEC section 13): 200 while serving; 503 from the moment a stop begins, while the
 * gateway still serves for {@code server.drain_delay}, so a load balancer stops sending first.
 */
final class ReadinessTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldTurnNotReadyAtTheStopAndKeepServingForTheDrainDelay() throws Exception {
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse("""
                server: {drain_delay: 1500ms, drain_timeout: 1s}
                providers:
                  demo: {type: echo}
                default_provider: demo
                """);
        SwitchboardConfig config = parsed.withServer(parsed.server().withAddress("127.0.0.1", 0));
        Gateway gateway = Gateway.start(() -> config, null, config.server(), List.of());
        int port = gateway.port();

        HttpResponse<String> before = get(port, "/readyz");
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body()).isEqualTo("ready");

        long stopAt = System.nanoTime();
        CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> get(port, "/readyz").statusCode() == 503);
        HttpResponse<String> draining = get(port, "/readyz");
        HttpResponse<String> alive = get(port, "/healthz");
        HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"echo-small\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        long servedWithin = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);

        assertThat(draining.body()).isEqualTo("draining");
        assertThat(alive.statusCode()).isEqualTo(200);
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(servedWithin).as("still serving inside the drain delay").isLessThan(1500);
        assertThat(stopped.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt)).as("the stop waited the delay")
                .isGreaterThanOrEqualTo(1500);
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
