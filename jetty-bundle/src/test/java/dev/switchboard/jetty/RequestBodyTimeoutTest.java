package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.jetty.FaultyUpstream.End;
import dev.switchboard.jetty.FaultyUpstream.Script;
import dev.switchboard.jetty.RawClient.Received;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request body that stops arriving (SPEC section 15, {@code server.request_body_timeout}) is answered 408
 * {@code request_timeout} in the shape of SPEC section 5, never a 500; one that trickles in slower than
 * {@code server.request_body_min_rate} too. Raw-socket clients send exactly the bytes they choose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class RequestBodyTimeoutTest {

    private static final String TIMEOUT = "{\"error\":{\"message\":\"the request body did not arrive in time\","
            + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"request_timeout\"}}";

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private FaultyUpstream upstream;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        upstream = new FaultyUpstream();
        SwitchboardConfig config = TestGateway.config("""
                server: {request_body_timeout: 500ms, request_body_min_rate: 100}
                providers:
                  up: {type: openai-compatible, base_url: %s}
                default_provider: up
                """.formatted(upstream.url()));
        ExchangeListener recording = new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.put(exchange.id(), completion);
            }
        };
        gateway = TestGateway.start(config, recording);
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @AfterAll
    void stop() throws Exception {
        timer.shutdownNow();
        gateway.stop();
        upstream.stop();
    }

    /** Sends a head declaring {@code declared} bytes and the first part of the body, then nothing more. */
    private Received stall(String path, String id, int declared, String sent, String... headers) throws IOException {
        return stall(gateway.port(), path, id, declared, sent, headers);
    }

    private static Received stall(int port, String path, String id, int declared, String sent, String... headers)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\n");
            for (String h : headers) {
                head.append(h).append("\r\n");
            }
            out.write((head + "Content-Length: " + declared + "\r\n\r\n" + sent).getBytes(StandardCharsets.UTF_8));
            out.flush();
            return RawClient.read(socket, 10_000, start);
        }
    }

    private Completion completion(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey(id));
        return completions.get(id);
    }

    // Regression (openai-node uploading a 40 MB file): the 413 came and the connection closed under a client still
    // sending: a broken pipe, the SDK's "connection error", and two more uploads by its retries.
    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 41943040", "Transfer-Encoding: chunked"})
    void shouldLetAClientFinishSendingABodyItRefusesAsTooLarge(String framing) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/files HTTP/1.1\r\nHost: x\r\nX-Request-Id: large-" + framing.charAt(0)
                    + "\r\nContent-Type: multipart/form-data; boundary=b\r\n" + framing + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] part = new byte[1 << 20];
            boolean chunked = framing.startsWith("Transfer");
            for (int i = 0; i < 40; i++) {
                if (chunked) {
                    out.write((Integer.toHexString(part.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(part);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            Received r = RawClient.read(socket, 10_000, System.nanoTime());

            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).contains("\"code\":\"request_too_large\"");
        }
        assertThat(upstream.requests).isEmpty();
    }

    @Test
    void shouldAnswer408WhenTheBodyStallsPastTheTimeout() throws Exception {
        Received r = stall("/v1/chat/completions", "stalled", 100, "{\"model\":");

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(r.body()).isEqualTo(TIMEOUT);
        assertThat(r.complete()).isTrue();
        assertThat(r.millis()).as("after the 500 ms request_body_timeout").isBetween(450L, 3000L);
        Completion c = completion("stalled");
        assertThat(c.status()).isEqualTo(408);
        assertThat(c.errorCode()).isEqualTo("request_timeout");
        assertThat(c.attempts()).isEmpty();
        assertThat(c.durationNanos() / 1_000_000).as("ms: from the request's arrival, the wait for its body included")
                .isGreaterThanOrEqualTo(450L);
    }

    @Test
    void shouldAnswer408WhenTheDashboardsSignInBodyStalls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("switchboard.yaml");
        java.nio.file.Files.writeString(file, """
                server: {host: 127.0.0.1, port: 0, request_body_timeout: 500ms}
                admin: {token: sign-in-token}
                """);
        try (dev.switchboard.live.LiveConfig live = dev.switchboard.live.LiveConfig.load(file,
                new dev.switchboard.config.ConfigLoader(name -> null))) {
            Gateway withDashboard = Gateway.start(live, live, live.get().server());
            try {
                Received r = stall(withDashboard.port(), "/admin/session", "sign-in-stalled", 100, "{\"tok",
                        "Content-Type: application/json");

                assertThat(r.status()).isEqualTo(408);
                assertThat(r.body()).isEqualTo(TIMEOUT);
            } finally {
                withDashboard.stop();
            }
        }
    }

    @Test
    void shouldAnswerTheTimeoutInTheAnthropicShapeOnMessages() throws Exception {
        Received r = stall("/v1/messages", "stalled-anthropic", 100, "{\"model\":");

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"the request body did not arrive in time\"}}");
    }

    @Test
    void shouldAnswer408WhenABodyTheProxyStreamsStalls() throws Exception {
        // A multipart upload part is not scanned by the filter: the proxy streams it upstream as it reads it.
        upstream.next(Script.of(End.FIN, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));

        Received r = stall("/v1/uploads/upload_1/parts", "stalled-upload", 100, "--b\r\nConte",
                "Content-Type: multipart/form-data; boundary=b");

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.body()).isEqualTo(TIMEOUT);
        Completion c = completion("stalled-upload");
        assertThat(c.errorCode()).isEqualTo("request_timeout");
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("request_timeout"));
    }

    @Test
    void shouldAnswer408WhenABodyTricklesSlowerThanTheMinimumRate() throws Exception {
        // One byte every 100 ms is never silent for 500 ms, but it is 10 bytes/s against a minimum of 100.
        String body = "{\"model\":\"up/m\",\"messages\":[]}";
        try (SlowSender trickle = new SlowSender(gateway.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                + "X-Request-Id: trickle\r\n", body, 1, 100, timer)) {
            Received r = trickle.response(10_000);

            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).isEqualTo(TIMEOUT);
            assertThat(trickle.sent()).as("bytes the trickle got to send").isLessThan(body.length());
            // Deadline: 0.5 s + 1 s per 100 bytes received; at 10 bytes/s it passes at about 0.56 s.
            assertThat(r.millis()).isBetween(450L, 3000L);
        }
    }

    @Test
    void shouldAcceptABodyThatPausesLessThanTheTimeoutBetweenParts() throws Exception {
        upstream.next(Script.of(End.FIN, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n",
                "{\"ok\":true}"));
        String body = "{\"model\":\"up/m\",\"input\":\"" + "x".repeat(20_000) + "\"}";
        // 5,000 bytes every 300 ms: pauses under the 500 ms timeout, far above the minimum rate.
        try (SlowSender steady = new SlowSender(gateway.port(), "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n"
                + "X-Request-Id: steady\r\n", body, 5_000, 300, timer)) {
            Received r = steady.response(10_000);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"ok\":true}");
            assertThat(r.millis()).as("five parts 300 ms apart").isGreaterThan(1200L);
            // The exchange's duration (the access log's duration_ms) counts the upload, as its time names the arrival.
            assertThat(completion("steady").durationNanos() / 1_000_000).isGreaterThan(1200L);
        }
        assertThat(upstream.take()).contains("Content-Length: " + body.replace("up/m", "m").length());
    }
}
