package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection limit: at it, new connections wait in the listen queue (never an accept failure per connection), the
 * log says so, and a request whose client gave up while it waited there is not sent upstream.
 */
final class ConnectionLimitTest {

    private static final int LIMIT = 4;

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private final List<Socket> idle = new ArrayList<>();
    private FakeUpstream upstream;
    private Gateway gateway;
    private ListAppender<ILoggingEvent> log;
    private ch.qos.logback.classic.Logger gatewayLog;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        SwitchboardConfig config = TestGateway.config("""
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: k}
                default_provider: up
                """.formatted(upstream.url()));
        ExchangeListener recording = new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.put(exchange.id(), completion);
            }
        };
        gatewayLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Gateway.class);
        log = new ListAppender<>();
        log.start();
        gatewayLog.addAppender(log);
        gateway = Gateway.start(() -> config, null, config.server(), List.of(recording), Clock.systemUTC(), LIMIT);
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : idle) {
            s.close();
        }
        gatewayLog.detachAppender(log);
        gateway.stop();
        upstream.stop();
    }

    @Test
    void shouldTimeTheHeadOfEachRequest() {
        // HeaderDeadlineTest tests the deadline itself, on a bare Jetty with a short one. Here: the gateway's
        // connections are watched, and every request is handled through the same deadline's handler (else a request
        // handled for longer than the deadline, a stream, would be closed).
        HeaderDeadline deadline = gateway.connector().getBean(HeaderDeadline.class);
        assertThat(deadline).isNotNull();
        assertThat(gateway.connector().getServer().getHandler()).isInstanceOfSatisfying(HeaderDeadline.Handling.class,
                handling -> assertThat(handling.deadline()).isSameAs(deadline));
    }

    @Test
    void shouldDeriveTheLimitFromTheOpenFileLimit() {
        assertThat(Gateway.connectionLimit(20_000)).isEqualTo((20_000 - Gateway.RESERVED_FILES) / 2);
        assertThat(Gateway.connectionLimit(1_048_576)).isEqualTo(524_160);
        assertThat(Gateway.connectionLimit(256)).isEqualTo(Gateway.MIN_CONNECTIONS);
        // This JVM's own limit is known on Linux: the jar runs with one.
        assertThat(Gateway.connectionLimit()).isGreaterThanOrEqualTo(Gateway.MIN_CONNECTIONS);
    }

    @Test
    void shouldQueueConnectionsAtTheLimitSayItOnceAndServeThemWhenOneCloses() throws Exception {
        fill();
        try (Socket waiting = new Socket("127.0.0.1", gateway.port())) {
            waiting.setSoTimeout(10_000);
            waiting.getOutputStream().write(request("queued"));
            waiting.getOutputStream().flush();
            Thread.sleep(500);
            assertThat(upstream.received).as("not accepted while at the limit").isEmpty();
            assertThat(messages()).containsExactly("Switchboard: at its limit of " + LIMIT + " connections at once (half "
                    + "the process's open-file limit, less " + Gateway.RESERVED_FILES + "); new connections wait in the "
                    + "listen queue until some close (said at most once a minute)");

            idle.remove(0).close();
            assertThat(readHead(waiting.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
        assertThat(upstream.received).hasSize(1);
    }

    // Regression (probe): a client that gave up while its connection waited to be accepted (its SDK's timeout) had its
    // request sent upstream once the connection was accepted, answered 200 to nobody and billed.
    @Test
    void shouldNotSendUpstreamARequestWhoseClientLeftWhileItWaitedToBeAccepted() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        all.start();
        root.addAppender(all);
        try {
            leaveWhileQueued();
        } finally {
            root.detachAppender(all);
        }
        // Regression (probe): each such request logged two stack traces (the filter asked an aborted request for its
        // async context, and Jetty logged the error): a client could flood the log by queueing and leaving.
        assertThat(all.list).noneMatch(e -> e.getThrowableProxy() != null);
        assertThat(all.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)
                && !e.getFormattedMessage().contains("connections at once"));
    }

    private void leaveWhileQueued() throws Exception {
        fill();
        try (Socket gaveUp = new Socket("127.0.0.1", gateway.port())) {
            gaveUp.getOutputStream().write(request("gave-up"));
            gaveUp.getOutputStream().flush();
            gaveUp.shutdownOutput();
        }
        idle.remove(0).close();

        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("gave-up"));
        Completion c = completions.get("gave-up");
        assertThat(c.errorCode()).isEqualTo(Completion.CLIENT_DISCONNECTED);
        assertThat(c.status()).isZero();
        assertThat(c.attempts()).isEmpty();
        assertThat(upstream.received).as("the provider was not called").isEmpty();

        // The next connection's first request, its client there, is answered as ever.
        try (Socket there = new Socket("127.0.0.1", gateway.port())) {
            there.setSoTimeout(10_000);
            there.getOutputStream().write(request("there"));
            there.getOutputStream().flush();
            assertThat(readHead(there.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
        assertThat(upstream.received).hasSize(1);
    }

    // Regression (review): the first request's look at its connection read a byte of a body the proxy streams on
    // unread (one over max_request_bytes, here an upload part: a Content-Length body then never completed).
    @Test
    void shouldNotReadAByteOfABodyStreamedOnWhenTheFirstRequestOfAConnectionIsLookedAt() throws Exception {
        SwitchboardConfig small = TestGateway.config("""
                server: {max_request_bytes: 1024}
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: k}
                default_provider: up
                """.formatted(upstream.url()));
        Gateway streaming = Gateway.start(() -> small, null, small.server(), List.of(), Clock.systemUTC(), LIMIT);
        byte[] part = ("--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"p\"\r\n\r\n" + "x".repeat(262_144)
                + "\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket("127.0.0.1", streaming.port())) {
            s.setSoTimeout(10_000);
            // All at once: more than Jetty reads with the head, so the rest waits in the socket when the request starts.
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.write(("POST /v1/uploads/upload_1/parts HTTP/1.1\r\nHost: x\r\nX-Request-Id: part\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " + part.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            request.write(part);
            s.getOutputStream().write(request.toByteArray());
            s.getOutputStream().flush();
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        } finally {
            streaming.stop();
        }
        assertThat(upstream.take().body()).as("the part, byte for byte").isEqualTo(part);
    }

    /** Opens idle connections up to the limit, each accepted (a request answered on it first). */
    private void fill() throws Exception {
        for (int i = 0; i < LIMIT; i++) {
            Socket s = new Socket("127.0.0.1", gateway.port());
            s.setSoTimeout(10_000);
            idle.add(s);
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
    }

    private List<String> messages() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("connections at once")).toList();
    }

    private static byte[] request(String id) {
        String body = "{\"model\":\"m\",\"messages\":[]}";
        return ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Scenario: json"
                + "\r\nX-Request-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a response's head and its Content-Length body (HeaderDeadlineTest's too). */
    static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("the response ended inside its head: " + head).isNotNegative();
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (m.find()) {
            in.readNBytes(Integer.parseInt(m.group(1)));
        }
        return head.toString();
    }
}
