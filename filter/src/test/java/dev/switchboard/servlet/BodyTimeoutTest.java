package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.RecordingListener;
import dev.switchboard.rules.Picker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The filter in a host's container, where the container's own read timeout bounds a stalled body: when
 * it fires the client gets a 408 and the exchange records {@code request_timeout}, on Jetty (a
 * {@code TimeoutException} under the read's {@code IOException}: the filter's JSON in the shape of SPEC
 * section 5) and on Tomcat (a {@code SocketTimeoutException}, on which Tomcat sends its own 408 page: the
 * filter's answer cannot replace it, as the README says).
 */
final class BodyTimeoutTest {

    private final RecordingListener recording = new RecordingListener();
    private Harness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private void start(String kind) throws Exception {
        SwitchboardConfig config = new ConfigLoader(name -> null).parse("virtual_models: [{source: fast, target: gpt-5}]\n");
        VirtualModelFilter filter = new VirtualModelFilter(() -> config, Picker.create(), List.of(recording));
        harness = kind.equals("jetty") ? JettyHarness.start(new FilterHolder(filter), new EchoServlet(), 500)
                : TomcatHarness.start(filter, new EchoServlet(), 500);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void shouldAnswer408WhenTheContainerGivesUpOnAStalledBody(String kind) throws Exception {
        start(kind);
        String response;
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", harness.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Request-Id: stalled\r\nContent-Length: 100\r\n\r\n"
                    + "{\"model\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            response = readAll(socket.getInputStream());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(response).containsIgnoringCase("\r\nConnection: close\r\n");
        if (kind.equals("jetty")) {
            assertThat(response).endsWith("\r\n\r\n{\"error\":{\"message\":\"the request body did not arrive in time\","
                    + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"request_timeout\"}}");
        }
        assertThat(millis).as("after the container's 500 ms read timeout").isBetween(400L, 5000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> recording.kinds("stalled").contains("complete"));
        Completion c = (Completion) recording.of("stalled").get(recording.of("stalled").size() - 1).detail();
        assertThat(c.status()).isEqualTo(408);
        assertThat(c.errorCode()).isEqualTo("request_timeout");
    }

    /** Everything until the server closes; a reset after the response counts as the end too. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // The container closed with the rest of our body unread: what arrived before is the answer.
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }
}
