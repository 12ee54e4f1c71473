package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A client that leaves while its answer is being prepared (an SDK's timeout, a user's stop button): the upstream call is
 * aborted within about two seconds instead of running to its end and being paid for, and a client that stays is not
 * disturbed by the look at its connection.
 */
final class ClientLeftTest extends FakeUpstreamTests {

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private final Map<String, Long> ended = new ConcurrentHashMap<>();

    @Override
    String config() {
        return """
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up, models: [ok]}
                default_provider: up
                virtual_models:
                  - {source: alias, target: up/ok}
                """;
    }

    @Override
    ExchangeListener[] listeners() {
        return new ExchangeListener[] {new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                ended.put(exchange.id(), System.nanoTime());
                completions.put(exchange.id(), completion);
            }
        }};
    }

    private static byte[] request(String id, String scenario) {
        String body = "{\"model\":\"alias\",\"messages\":[]}";
        return ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Scenario: " + scenario
                + "\r\nX-Request-Id: " + id + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAbortTheUpstreamCallOfAClientThatLeftBeforeItsAnswer() throws Exception {
        long left;
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write(request("left-before-answer", "slow:8000"));
            s.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.received.isEmpty());
            left = System.nanoTime();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("left-before-answer"));
        Completion c = completions.get("left-before-answer");
        assertThat(c.errorCode()).isEqualTo("client_disconnected");
        assertThat(c.status()).as("the client got no status").isZero();
        assertThat(c.cut()).isFalse();
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.error()).isEqualTo("client_disconnected"));
        assertThat(Duration.ofNanos(ended.get("left-before-answer") - left))
                .as("noticed within two watches, not when the upstream answers after 8 s")
                .isLessThan(Duration.ofMillis(2 * GatewayProxyServlet.CLIENT_WATCH_MILLIS + 1000));
        assertThat(upstream.received).as("never sent again elsewhere").hasSize(1);
    }

    @Test
    void shouldAnswerAClientThatWaitsLongerThanTheWatchAndKeepItsConnectionUsable() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(request("stays-1", "slow:2500"));
            out.flush();
            String first = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200 ").endsWith("{\"slow\":true}");
            // The same connection again: the looks at it read nothing of what the client sends next.
            out.write(request("stays-2", "json"));
            out.flush();
            String second = readResponse(in);
            assertThat(second).startsWith("HTTP/1.1 200 ");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("stays-2"));
        assertThat(completions.get("stays-1").errorCode()).isNull();
        assertThat(completions.get("stays-1").status()).isEqualTo(200);
        assertThat(upstream.received).hasSize(2);
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("the response ended inside its head: " + head).isNotNegative();
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertThat(m.find()).as(head.toString()).isTrue();
        return head + new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8);
    }
}
