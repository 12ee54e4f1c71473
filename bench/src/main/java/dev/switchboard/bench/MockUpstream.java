package dev.switchboard.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The load run's upstream: answers every POST at once with a fixed chat completion, after reading
 * the body; with {@code "stream":true} anywhere in the body it sends 64 SSE chunks, flushed one by one.
 * Usage: {@code java -cp benchmarks.jar dev.switchboard.bench.MockUpstream PORT}.
 */
public final class MockUpstream {

    private static final byte[] ANSWER = ("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM_MARK = "\"stream\":true".getBytes(StandardCharsets.UTF_8);
    static final int CHUNKS = 64;

    private MockUpstream() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Server server = new Server(new QueuedThreadPool(128, 8));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                boolean stream = contains(req.getInputStream());
                if (!stream) {
                    resp.setContentType("application/json");
                    resp.setContentLength(ANSWER.length);
                    resp.getOutputStream().write(ANSWER);
                    return;
                }
                resp.setContentType("text/event-stream");
                for (int i = 0; i < CHUNKS; i++) {
                    resp.getOutputStream().write(("data: {\"choices\":[{\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                    resp.flushBuffer();
                }
                resp.getOutputStream().write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        }), "/*");
        server.setHandler(context);
        server.start();
        System.out.println("mock upstream on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }

    /** Reads the whole body, telling whether it asks for a stream. */
    private static boolean contains(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        outer:
        for (int i = 0; i <= all.length - STREAM_MARK.length; i++) {
            for (int j = 0; j < STREAM_MARK.length; j++) {
                if (all[i + j] != STREAM_MARK[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
