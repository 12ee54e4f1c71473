package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} (SPEC section 13): 503 {@code starting} while the bundled proxy listens but its webapp is not in
 * yet (requests get a 503 {@code starting} error then); 200 while serving; 503 from the moment a stop begins, while
 * the gateway still serves for {@code server.drain_delay}, so a load balancer stops sending first.
 */
final class ReadinessTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldTurnNotReadyAtTheStopAndKeepServingForTheDrainDelay() throws Exception {
        SwitchboardConfig config = TestGateway.config("""
                server: {drain_delay: 1500ms, drain_timeout: 1s}
                providers:
                  demo: {type: echo}
                default_provider: demo
                """);
        Gateway gateway = TestGateway.start(config);
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
        HttpResponse<String> chat = post(port, "/v1/chat/completions");
        long servedWithin = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);

        assertThat(draining.body()).isEqualTo("draining");
        assertThat(alive.statusCode()).isEqualTo(200);
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(servedWithin).as("still serving inside the drain delay").isLessThan(1500);
        assertThat(stopped.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt)).as("the stop waited the delay")
                .isGreaterThanOrEqualTo(1500);
    }

    @Test
    void shouldListenAtOnceAndAnswerStartingUntilTheWebappIsIn() throws Exception {
        SwitchboardConfig config = echoOnAFreePort();
        int port = config.server().port();
        // The webapp reads the config first thing when it starts: held there, the gateway is listening but not in.
        CountDownLatch release = new CountDownLatch(1);
        Supplier<SwitchboardConfig> held = () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return config;
        };
        CompletableFuture<Gateway> started = CompletableFuture.supplyAsync(() -> {
            try {
                return Gateway.start(held, null, config.server(), List.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> get(port, "/healthz").statusCode() == 200);
            HttpResponse<String> ready = get(port, "/readyz");
            HttpResponse<String> chat = post(port, "/v1/chat/completions");
            HttpResponse<String> messages = post(port, "/v1/messages");
            HttpResponse<String> spelled = post(port, "//V1/Messages");

            assertThat(started).isNotDone();
            assertThat(get(port, "/healthz").body()).isEqualTo("ok");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("starting");
            assertThat(chat.statusCode()).isEqualTo(503);
            assertThat(chat.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(chat.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(chat.body()).isEqualTo("{\"error\":{\"message\":\"the gateway is starting; retry in a moment\","
                    + "\"type\":\"api_error\",\"param\":null,\"code\":\"starting\"}}");
            assertThat(messages.statusCode()).isEqualTo(503);
            assertThat(messages.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                    + "\"message\":\"the gateway is starting; retry in a moment\"}}");
            assertThat(spelled.body()).isEqualTo(messages.body());
        } finally {
            release.countDown();
        }
        Gateway gateway = started.get(30, TimeUnit.SECONDS);
        try {
            assertThat(get(port, "/readyz").body()).isEqualTo("ready");
            // The client's kept-alive connection, opened while the webapp started, is counted like any other.
            String metrics = get(port, "/metrics").body();
            assertThat(metrics).containsPattern("(?m)^jetty_connections_current_connections\\{[^}]*\\} [1-9]");
            HttpResponse<String> chat = post(port, "/v1/chat/completions");
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        } finally {
            gateway.stop();
        }
    }

    // Regression: the jar answered any method ("POST /healthz" was 200 ok) where the WAR answers 405.
    @Test
    void shouldAnswerOnlyGetAndHeadOnTheProbes() throws Exception {
        Gateway gateway = TestGateway.start(echoOnAFreePort());
        try {
            int port = gateway.port();
            for (String path : List.of("/healthz", "/readyz")) {
                HttpResponse<String> posted = post(port, path);
                HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

                assertThat(posted.statusCode()).as(path).isEqualTo(405);
                assertThat(posted.headers().firstValue("Allow")).hasValue("GET, HEAD");
                assertThat(posted.body()).isEqualTo("{\"error\":{\"message\":\"method not allowed; use GET, HEAD\","
                        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"method_not_allowed\"}}");
                assertThat(head.statusCode()).as(path).isEqualTo(200);
                assertThat(head.body()).isEmpty();
            }
        } finally {
            gateway.stop();
        }
    }

    @Test
    void shouldFailTheStartAndCloseThePortWhenTheWebappCannotStart() throws Exception {
        SwitchboardConfig config = echoOnAFreePort();
        int port = config.server().port();
        Supplier<SwitchboardConfig> broken = () -> {
            throw new IllegalStateException("no config for the webapp");
        };

        assertThatThrownBy(() -> Gateway.start(broken, null, config.server(), List.of()))
                .isInstanceOf(Gateway.StartFailure.class).hasMessageContaining("the gateway did not start")
                .hasStackTraceContaining("no config for the webapp");
        try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).as("the port is closed again").isEqualTo(port);
        }
    }

    /** The echo demo's config, listening on a port that was free a moment ago (the test must know it before the start). */
    private static SwitchboardConfig echoOnAFreePort() throws Exception {
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse("""
                providers:
                  demo: {type: echo}
                default_provider: demo
                """);
        try (ServerSocket free = new ServerSocket(0)) {
            return parsed.withServer(parsed.server().withAddress("127.0.0.1", free.getLocalPort()));
        }
    }

    private HttpResponse<String> post(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"echo-small\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
