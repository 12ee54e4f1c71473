package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An idle connection to a provider is closed by the gateway before the 5 s after which uvicorn (vLLM), Node and
 * llama.cpp's server close theirs, so a request never meets the upstream's close; a request under way keeps
 * {@code server.upstream_idle_timeout}.
 */
final class PooledIdleTest {

    // Regression: pooled connections were kept for upstream_idle_timeout (600 s): a request sent as a uvicorn upstream
    // closed its idle connection (5 s) met that close, a 502 with no retry (13 of 200 requests sent within a few ms of it).
    @Test
    void shouldCloseAnIdleUpstreamConnectionBeforeFiveSecondsAndKeepASilentAnswerWaiting() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> quickClosedAfterMillis = new CompletableFuture<>();
            java.util.concurrent.CountDownLatch slowArrived = new java.util.concurrent.CountDownLatch(1);
            Thread accept = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = upstream.accept();
                        Thread serve = new Thread(() -> serve(s, quickClosedAfterMillis, slowArrived));
                        serve.setDaemon(true);
                        serve.start();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            accept.setDaemon(true);
            accept.start();
            Gateway gateway = TestGateway.inFrontOf(upstream.getLocalPort());
            try {
                HttpClient client = HttpClient.newHttpClient();
                // Silent for 6 s before it answers: longer than an idle pooled connection is kept, not than a request.
                CompletableFuture<HttpResponse<String>> slow = chat(client, gateway, 6_000);
                assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
                // Meanwhile another connection answers at once, then idles.
                assertThat(chat(client, gateway, 0).join().statusCode()).isEqualTo(200);

                long closedAfter = quickClosedAfterMillis.get(10, TimeUnit.SECONDS);
                assertThat(closedAfter).as("ms the idle connection was kept after its answer").isBetween(3_000L, 4_900L);
                HttpResponse<String> answered = slow.get(20, TimeUnit.SECONDS);
                assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
                assertThat(answered.body()).isEqualTo("{\"waited\":6000}");
            } finally {
                gateway.stop();
            }
        }
    }

    private static CompletableFuture<HttpResponse<String>> chat(HttpClient client, Gateway gateway, int waitMillis) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/chat/completions")).timeout(Duration.ofSeconds(30)).header("X-Wait", Integer.toString(waitMillis))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Answers the requests of one kept-alive connection ({@code X-Wait} ms after each arrives, opening {@code slow} for
     * one that waits); tells {@code closed} how long after its last answer the gateway closed a connection whose last
     * request waited for nothing.
     */
    private static void serve(Socket socket, CompletableFuture<Long> closed, java.util.concurrent.CountDownLatch slow) {
        int wait = -1;
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream());
             OutputStream out = socket.getOutputStream()) {
            long answeredAt = System.nanoTime();
            while (true) {
                String head = head(in);
                if (head == null) {
                    if (wait == 0) {
                        closed.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answeredAt));
                    }
                    return;
                }
                int length = Integer.parseInt(header(head, "content-length", "0"));
                in.readNBytes(length);
                wait = Integer.parseInt(header(head, "x-wait", "0"));
                if (wait > 0) {
                    slow.countDown();
                }
                Thread.sleep(wait);
                byte[] body = ("{\"waited\":" + wait + "}").getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                answeredAt = System.nanoTime();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            closed.completeExceptionally(e);
        }
    }

    /** @return a request's head, or {@code null} at the end of the connection */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            String text = head.toString(StandardCharsets.US_ASCII);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return null;
    }

    private static String header(String head, String name, String otherwise) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return otherwise;
    }
}
