package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.jetty.RawClient.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * As many slow senders as the gateway's pool has threads (each dripping one byte every 100 ms, never silent
 * long enough to time out) do not keep a normal request waiting: bodies are read without holding a thread.
 */
final class SlowSendersTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<SlowSender> senders = new ArrayList<>();
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        // No minimum rate and a long timeout: the drips stay for the whole test.
        gateway = TestGateway.start("""
                server: {request_body_timeout: 60s, request_body_min_rate: 0}
                providers:
                  demo: {type: echo}
                default_provider: demo
                """);
    }

    @AfterEach
    void stop() throws Exception {
        timer.shutdownNow();
        for (SlowSender s : senders) {
            s.close();
        }
        gateway.stop();
    }

    @Test
    void shouldServeANormalRequestPromptlyWhileEveryPoolThreadsWorthOfSlowSendersDrips() throws Exception {
        String body = "{\"model\":\"demo/echo-small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1000) + "\"}]}";
        for (int i = 0; i < Gateway.MAX_THREADS; i++) {
            senders.add(new SlowSender(gateway.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", body, 1, 100,
                    timer));
        }
        // Every sender is connected and dripping into the gateway.
        await().atMost(Duration.ofSeconds(10)).until(() -> senders.stream().allMatch(s -> s.sent() >= 2));

        Received r = RawClient.post(gateway.port(), "/v1/chat/completions",
                "{\"model\":\"demo/echo-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 10_000);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("echo from echo-small: hi");
        System.out.printf("%d slow senders dripping; a normal request took %d ms%n", senders.size(), r.millis());
        // A pool the drips held would make it wait for a sender's whole body (about 100 s); 5 s leaves room for a
        // loaded 2-core machine running the suite's other JVM beside this one (2.4 s read once with probes running too).
        assertThat(r.millis()).as("served while %d slow senders drip", senders.size()).isLessThan(5000L);
        assertThat(senders).allMatch(s -> s.sent() < body.length(), "every slow sender is still sending");
    }
}
