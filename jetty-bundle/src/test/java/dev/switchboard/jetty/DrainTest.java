package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.jetty.FaultyUpstream.End;
import dev.switchboard.jetty.FaultyUpstream.Script;
import dev.switchboard.jetty.RawClient.Ending;
import dev.switchboard.jetty.RawClient.Received;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A graceful stop ({@link Gateway#stop()}, what SIGTERM runs) whose {@code server.drain_timeout} runs out
 * cuts what is still open the way a failed upstream is cut: a stream gets an SSE {@code error} event
 * {@code shutting_down} and no clean end; a request still waiting for its answer gets a 503.
 */
final class DrainTest {

    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n";

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private FaultyUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new FaultyUpstream();
        SwitchboardConfig config = TestGateway.config("""
                server: {drain_timeout: 500ms, upstream_idle_timeout: 60s}
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

    @AfterEach
    void stop() throws Exception {
        upstream.stop();
    }

    private static Socket send(int port, String id, String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    @Test
    void shouldCutAStreamStillOpenWhenTheDrainTimeEnds() throws Exception {
        upstream.next(Script.of(End.STALL, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", Integer.toHexString(EVENT.length()) + "\r\n" + EVENT + "\r\n"));
        try (Socket socket = send(gateway.port(), "open-stream", "{\"model\":\"up/m\",\"stream\":true}")) {
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains(EVENT)) {
                seen.append((char) in.read());
            }

            CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Received rest = RawClient.read(socket, 10_000, start);

            String error = "event: error\ndata: {\"error\":{\"message\":\"the gateway shut down before the response was "
                    + "complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"shutting_down\"}}\n\n";
            // The error event as one more chunk (Jetty puts the CRLF that ends a chunk before the next), no last-chunk.
            assertThat(rest.text()).isEqualTo("\r\n" + Integer.toHexString(error.length()).toUpperCase(Locale.ROOT)
                    + "\r\n" + error);
            assertThat(rest.ending()).isIn(Ending.EOF, Ending.RESET);
            assertThat(stopped.get(10, TimeUnit.SECONDS)).as("responses cut").isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("open-stream"));
        Completion c = completions.get("open-stream");
        assertThat(c.cut()).isTrue();
        assertThat(c.errorCode()).isEqualTo("shutting_down");
    }

    @Test
    void shouldAnswer503ToARequestStillWaitingForItsAnswerWhenTheDrainTimeEnds() throws Exception {
        upstream.next(Script.of(End.STALL));
        try (Socket socket = send(gateway.port(), "waiting", "{\"model\":\"up/m\"}")) {
            upstream.take();
            long start = System.nanoTime();

            assertThat(gateway.stop()).as("responses cut").isEqualTo(1);
            Received r = RawClient.read(socket, 10_000, start);

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"the gateway shut down before the response was "
                    + "complete\",\"type\":\"api_error\",\"param\":null,\"code\":\"shutting_down\"}}");
            assertThat(r.millis()).as("after the 500 ms drain").isBetween(400L, 5000L);
        }
    }

    // Regression: Jetty's graceful stop set every connection's idle timeout to 1 s, busy ones included, so a stream
    // with a write pending for that long (a client pausing, events about 1 s apart) was cut in the drain, logged as a
    // client timeout, though the drain time had not run out.
    @Test
    void shouldLetAStreamWhoseClientPausesFinishWithinTheDrainTime() throws Exception {
        restart("20s");
        // More than the socket buffers on both sides hold: the gateway's writes wait while the client does not read.
        String body = EVENT.repeat(16 * 1024 * 1024 / EVENT.length()) + "data: [DONE]\n\n";
        upstream.next(Script.of(End.FIN, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: "
                + body.length() + "\r\n\r\n", body));
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
            String request = "{\"model\":\"up/m\",\"stream\":true}";
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: paused\r\n"
                    + "Content-Length: " + request.length() + "\r\n\r\n" + request).getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200 ").contains("Content-Length: " + body.length());
            byte[] first = in.readNBytes(EVENT.length());
            assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo(EVENT);

            CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(3000);
            socket.setSoTimeout(20_000);
            byte[] rest = in.readAllBytes();

            assertThat(first.length + rest.length).as("the whole body, then the connection closed").isEqualTo(body.length());
            assertThat(new String(rest, StandardCharsets.UTF_8)).endsWith(EVENT + "data: [DONE]\n\n");
            assertThat(stopped.get(20, TimeUnit.SECONDS)).as("responses cut").isZero();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("paused"));
        Completion c = completions.get("paused");
        assertThat(c.cut()).isFalse();
        assertThat(c.errorCode()).isNull();
    }

    /** A gateway whose drain would take 10 s: a stop that waits for it is told from one that does not by far. */
    private void longDrain() throws Exception {
        restart("10s");
    }

    /** The gateway again, with this drain time, its exchanges recorded. */
    private void restart(String drain) throws Exception {
        gateway.stop();
        gateway = TestGateway.start(TestGateway.config("""
                server: {drain_timeout: %s, upstream_idle_timeout: 60s}
                providers:
                  up: {type: openai-compatible, base_url: %s}
                default_provider: up
                """.formatted(drain, upstream.url())), new ExchangeListener() {
                    @Override
                    public void onComplete(Exchange exchange, Completion completion) {
                        completions.put(exchange.id(), completion);
                    }
                });
    }

    // An observability probe: a request on a kept-alive connection after the drain began got Jetty's bare 503 (code
    // internal_error), no request id and no access-log line, and /readyz the same JSON instead of "draining".
    @Test
    void shouldAnswerARequestThatComesDuringTheDrain503ShuttingDownAsAnExchangeWithoutCallingTheUpstream()
            throws Exception {
        restart("3s");
        // Two connections kept alive (a health check each: nothing goes upstream), and a request waiting for its answer.
        Socket kept = healthChecked();
        Socket probe = healthChecked();
        upstream.next(Script.of(End.STALL));
        try (kept; probe; Socket waiting = send(gateway.port(), "in-flight", "{\"model\":\"up/m\"}")) {
            upstream.take();
            assertThat(waiting.isConnected()).isTrue();
            int port = gateway.port();
            CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // The stop's first steps (readiness, then no more connections accepted) take a moment.
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try {
                    new Socket("127.0.0.1", port).close();
                    return false;
                } catch (java.io.IOException refused) {
                    return true;
                }
            });

            String body = "{\"model\":\"up/m\"}";
            kept.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: during-drain\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            Received r = RawClient.read(kept, 5_000, System.nanoTime());
            probe.getOutputStream().write("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Received ready = RawClient.read(probe, 5_000, System.nanoTime());

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"the gateway is shutting down and takes no new "
                    + "requests; send it again\",\"type\":\"api_error\",\"param\":null,\"code\":\"shutting_down\"}}");
            assertThat(r.header("X-Switchboard-Request-Id")).isEqualTo("during-drain");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("draining");
            assertThat(upstream.requests).as("nothing more went upstream").isEmpty();
            await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("during-drain"));
            assertThat(completions.get("during-drain").errorCode()).isEqualTo("shutting_down");
            assertThat(stopped.get(10, TimeUnit.SECONDS)).as("the waiting request, cut when the drain ran out").isEqualTo(1);
        }
    }

    /** @return a connection to the gateway kept alive after a health check */
    private Socket healthChecked() throws Exception {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Received r = RawClient.read(socket, 10_000, System.nanoTime());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.ending()).as("kept alive").isEqualTo(Ending.OPEN);
        return socket;
    }

    @Test
    void shouldStopAtOnceWhenOnlyAKeptAliveConnectionIsOpen() throws Exception {
        longDrain();
        upstream.next(Script.of(End.FIN, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
        try (Socket socket = send(gateway.port(), "kept-alive", "{\"model\":\"up/m\"}")) {
            Received r = RawClient.read(socket, 10_000, System.nanoTime());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.ending()).as("kept alive").isEqualTo(Ending.OPEN);
            long start = System.nanoTime();

            assertThat(gateway.stop()).isZero();

            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000L);
            assertThat(socket.getInputStream().read()).as("closed by the stop").isEqualTo(-1);
        }
    }

    @Test
    void shouldStopAtOnceWhenNothingIsInFlight() throws Exception {
        longDrain();
        long start = System.nanoTime();

        assertThat(gateway.stop()).isZero();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000L);
    }
}
