package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClientConnection} on a request held open in a real Jetty: both ways of reaching the connection, directly (the
 * bundled jar) and by reflection (the WAR in a stock Jetty, whose server classes the webapp cannot name; here the
 * server's class loader is the test's, which the reflection does not rely on), behind a request wrapper as the
 * filter's and the proxy's.
 */
final class ClientConnectionTest {

    private final CompletableFuture<HttpServletRequest> held = new CompletableFuture<>();
    private Server server;

    @BeforeEach
    void start() throws Exception {
        server = ServletServer.start(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                // Held unanswered, as the proxy holds a request while its upstream prepares the answer.
                req.startAsync().setTimeout(0);
                held.complete(new HttpServletRequestWrapper(req));
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @ParameterizedTest(name = "direct: {0}")
    @ValueSource(booleans = {true, false})
    void shouldTellAClientStillThereFromOneThatLeft(boolean direct) throws Exception {
        ClientConnection connection = new ClientConnection(direct);
        HttpServletRequest request;
        Socket client = request();
        try {
            request = held.get(5, TimeUnit.SECONDS);

            assertThat(connection.read(request)).as("still there, nothing sent").isZero();
        } finally {
            client.close();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> connection.read(request) == -1);
    }

    @ParameterizedTest(name = "direct: {0}")
    @ValueSource(booleans = {true, false})
    void shouldReadOneByteOfARequestSentBeforeTheAnswer(boolean direct) throws Exception {
        ClientConnection connection = new ClientConnection(direct);
        try (Socket client = request()) {
            HttpServletRequest request = held.get(5, TimeUnit.SECONDS);
            client.getOutputStream().write("GET /next HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();

            await().atMost(Duration.ofSeconds(5)).until(() -> connection.read(request) == 1);
        }
    }

    /** @return a client whose request the servlet holds */
    private Socket request() throws Exception {
        Socket client = new Socket("127.0.0.1", ServletServer.port(server));
        OutputStream out = client.getOutputStream();
        out.write("GET /held HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return client;
    }
}
