package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request has {@link HeaderDeadline#DEADLINE} for its head, here 600 ms (the gateway's is 30 s): a first request from
 * the connect, a later one from its first byte; a connection handling a request, or silent between requests, is not
 * timed.
 */
final class HeaderDeadlineTest {

    private static final Duration DEADLINE = Duration.ofMillis(600);

    private Server server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setIdleTimeout(10_000);
        HeaderDeadline deadline = new HeaderDeadline(connector.getScheduler(), DEADLINE);
        connector.addBean(deadline);
        server.addConnector(connector);
        server.setHandler(deadline.handler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                // /slow answers after twice the deadline; a body is read whole first.
                String body = org.eclipse.jetty.io.Content.Source.asString(request, StandardCharsets.US_ASCII);
                if (Request.getPathInContext(request).equals("/slow")) {
                    Thread.sleep(2 * DEADLINE.toMillis());
                }
                if (Request.getPathInContext(request).equals("/async")) {
                    // Answered from another thread, as the proxy answers: Jetty goes on with the next request there.
                    java.util.concurrent.CompletableFuture.runAsync(() -> response.write(true,
                            java.nio.ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback));
                    return true;
                }
                response.setStatus(200);
                response.write(true, java.nio.ByteBuffer.wrap(("ok" + body).getBytes(StandardCharsets.US_ASCII)),
                        callback);
                return true;
            }
        }));
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    // Regression (probe): a client sending its headers a byte at a time kept its connection as long as each byte came
    // within the idle timeout (one byte every 25 s held one for minutes; at 29 s, days, up to the 8 KiB bound).
    @Test
    void shouldCloseAConnectionWhoseFirstRequestTricklesItsHeadPastTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            assertClosedAtTheDeadline(s);
        }
    }

    @Test
    void shouldLeaveAConnectionAloneOnceItsFirstRequestArrived() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            // The head in two parts within the deadline, then idle for twice the deadline, then a second request.
            s.getOutputStream().write("GET / HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(50);
            s.getOutputStream().write("st: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(ConnectionLimitTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
            Thread.sleep(2 * DEADLINE.toMillis());
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(ConnectionLimitTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
    }

    // Regression (probe): only a first request's head was timed, so a client that sent one request and then the next
    // head a byte at a time held its connection; 390 such connections held a limit of 384 for the 150 s of the probe.
    // The first request may be one for the server itself (OPTIONS *), which Jetty hands to the handler too, or one
    // Jetty answers itself without the handler (its 400 for an ambiguous URI), keeping the connection: a head after
    // that was never timed (review), now within twice the deadline.
    @ParameterizedTest
    @ValueSource(strings = {"GET /", "OPTIONS *", "GET /a/%2e%2e/b"})
    void shouldCloseAKeptAliveConnectionWhoseLaterRequestTricklesItsHead(String first) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((first + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(ConnectionLimitTest.readHead(s.getInputStream())).startsWith(first.contains("%2e") ? "HTTP/1.1 400 "
                    : "HTTP/1.1 200 ").doesNotContainIgnoringCase("Connection: close");
            // Silent for longer than the deadline first: the wait between requests is the idle timeout's.
            Thread.sleep(2 * DEADLINE.toMillis());
            assertClosedAtTheDeadline(s);
        }
    }

    @Test
    void shouldNotTimeAConnectionWhileItsRequestIsHandledOrItsBodyArrives() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            // An answer that takes twice the deadline, then a body sent over twice the deadline, on one connection.
            out.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(ConnectionLimitTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
            out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (byte b : " slow body !".getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                Thread.sleep(DEADLINE.toMillis() / 6);
            }
            // "ok" and the body read whole: 14 bytes.
            assertThat(ConnectionLimitTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ")
                    .containsIgnoringCase("Content-Length: 14\r\n");
        }
    }

    // Regression (probe): a later request whose body was still arriving at the deadline was sometimes closed unanswered
    // (38 of 220 on the jar): the previous request's end was told after Jetty completed it, so it could land after
    // the next request had begun and mark the connection idle. Many connections at once, as in the probe.
    @Test
    void shouldNotTimeALaterRequestWhoseBodyIsStillArriving() throws Exception {
        int connections = 16;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(connections);
        try {
            List<java.util.concurrent.Future<String>> heads = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                heads.add(pool.submit(() -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        // The next head sent with the first request: Jetty begins it the moment the first ends.
                        out.write("GET /async HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        for (byte b : " slow body !".getBytes(StandardCharsets.US_ASCII)) {
                            out.write(b);
                            out.flush();
                            Thread.sleep(DEADLINE.toMillis() / 4);
                        }
                        ConnectionLimitTest.readHead(s.getInputStream());
                        return ConnectionLimitTest.readHead(s.getInputStream());
                    } catch (AssertionError | java.io.IOException e) {
                        return "closed: " + e.getMessage();
                    }
                }));
            }
            for (java.util.concurrent.Future<String> head : heads) {
                assertThat(head.get(30, java.util.concurrent.TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ")
                        .containsIgnoringCase("Content-Length: 14\r\n");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Trickles a head from now: closed without an answer at the deadline from its first byte, not the idle timeout. */
    private static void assertClosedAtTheDeadline(Socket s) throws Exception {
        long started = System.nanoTime();
        long at = trickleUntilClosed(s);
        assertThat(at).as("closed without an answer").isPositive();
        assertThat((at - started) / 1_000_000).as("ms from the head's first byte").isBetween(500L, 3_000L);
    }

    /** Sends a head a byte every 100 ms until the server closes (at most 4 s); when it closed, -1 if it did not. */
    private static long trickleUntilClosed(Socket s) throws Exception {
        java.util.concurrent.CompletableFuture<Long> closedAt = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                int read = s.getInputStream().read();
                return read < 0 ? System.nanoTime() : -1L;
            } catch (java.io.IOException e) {
                return System.nanoTime();
            }
        });
        OutputStream out = s.getOutputStream();
        byte[] head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 40 && !closedAt.isDone(); i++) {
            try {
                out.write(head[i % head.length]);
                out.flush();
            } catch (java.io.IOException e) {
                break;
            }
            Thread.sleep(100);
        }
        return closedAt.get(15, java.util.concurrent.TimeUnit.SECONDS);
    }
}
