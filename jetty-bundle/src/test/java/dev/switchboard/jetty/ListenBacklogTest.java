package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A burst of connections is taken at once, none left to the kernel's SYN retry (a second later). */
final class ListenBacklogTest {

    private static final int BURST = 900;

    // Regression: the listen backlog was Java's default, 50: of 900 connects at once, 375-812 waited a second for the
    // SYN retry after the kernel dropped their first SYN (probe: 1 in 60 in a burst of a load balancer's connects).
    @Test
    void shouldConnectABurstOf900ClientsWithoutASynRetry() throws Exception {
        // Linux bounds the backlog by net.core.somaxconn (4,096 since 5.4; 128 before): below the burst, said and skipped.
        // Read as lines: Files.readString on JDK 17 returned "4" of /proc's "4096" (the file says its size is 0).
        java.nio.file.Path somaxconn = java.nio.file.Path.of("/proc/sys/net/core/somaxconn");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(somaxconn)
                && Integer.parseInt(java.nio.file.Files.readAllLines(somaxconn).get(0).strip()) >= BURST,
                "net.core.somaxconn is below " + BURST + " (or this is no Linux): the kernel bounds the backlog there");
        Gateway gateway = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:9", api_key: k}
                default_provider: up
                """);
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            long started = System.nanoTime();
            for (int i = 0; i < BURST; i++) {
                SocketChannel c = SocketChannel.open();
                channels.add(c);
                c.configureBlocking(false);
                if (!c.connect(new InetSocketAddress("127.0.0.1", gateway.port()))) {
                    c.register(selector, SelectionKey.OP_CONNECT);
                }
            }
            long slowest = 0;
            int connected = (int) channels.stream().filter(SocketChannel::isConnected).count();
            long deadline = started + TimeUnit.SECONDS.toNanos(10);
            while (connected < BURST && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (((SocketChannel) key.channel()).finishConnect()) {
                        key.cancel();
                        connected++;
                        slowest = System.nanoTime() - started;
                    }
                }
                selector.selectedKeys().clear();
            }

            assertThat(connected).isEqualTo(BURST);
            // A dropped SYN is sent again after a second (Linux's initial retransmission timeout).
            assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("ms until the last connect").isLessThan(700);
        } finally {
            for (SocketChannel c : channels) {
                c.close();
            }
            gateway.stop();
        }
    }
}
