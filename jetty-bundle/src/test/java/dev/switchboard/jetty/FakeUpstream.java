package dev.switchboard.jetty;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;

/**
 * A provider stand-in on port 0 that records every request it receives and answers by scenario
 * (header {@code X-Scenario}): {@code json} (default) echoes the received model; {@code sse:N:MS}
 * sends N events MS apart, the last followed by {@code data: [DONE]} ({@code sse:N:MS:TYPE} with that Content-Type, {@code none} for none); {@code slow:MS} answers after MS; {@code silent} never answers;
 * {@code endless} streams until the client is gone, then counts down {@link #clientGone}; {@code usage}
 * and {@code usage-sse} answer {@link #USAGE_JSON} / {@link #USAGE_SSE} (the stream in 7-byte flushed
 * writes); {@code usage-gzip} answers {@link #USAGE_JSON} gzip-compressed when the request accepts gzip, as
 * OpenAI's and Anthropic's APIs do; {@code status:CODE} answers CODE with an OpenAI-shaped error; {@code batches} a
 * list of message batches whose {@code results_url}s are absolute.
 * {@code GET .../v1/models} answers an Anthropic-shaped list.
 */
final class FakeUpstream {

    /** One request as the upstream saw it. */
    record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(",", v);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Scenario {@code usage}: a chat completion stating its usage. */
    static final String USAGE_JSON = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{"
            + "\"prompt_tokens\":19,\"completion_tokens\":10,\"prompt_tokens_details\":{\"cached_tokens\":3},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":4}}}";
    /** Scenario {@code usage-sse}: a chat stream with {@code include_usage}. */
    static final String USAGE_SSE = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\n"
            + "data: [DONE]\n\n";

    /** Scenario {@code overloaded-sse}: an Anthropic stream answered 200, then overloaded after its start. */
    static final String OVERLOADED_SSE = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
            + "\"type\":\"message\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
            + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

    final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final CountDownLatch clientGone = new CountDownLatch(1);
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final Server server;

    FakeUpstream() throws Exception {
        server = ServletServer.start(new Servlet());
    }

    String url() {
        return "http://127.0.0.1:" + ServletServer.port(server);
    }

    Received take() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the upstream received nothing within 10 s");
        }
        return r;
    }

    void stop() throws Exception {
        timer.shutdownNow();
        server.stop();
    }

    private final class Servlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] body = req.getInputStream().readAllBytes();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : Collections.list(req.getHeaderNames())) {
                headers.put(name.toLowerCase(Locale.ROOT), Collections.list(req.getHeaders(name)));
            }
            received.add(new Received(req.getMethod(), req.getRequestURI(), req.getQueryString(), headers, body));
            if (req.getRequestURI().endsWith("/v1/models")) {
                write(resp, "application/json", "{\"data\":[{\"type\":\"model\",\"id\":\"claude-x\",\"display_name\":\"Claude X\","
                        + "\"created_at\":\"2025-01-01T00:00:00Z\"}],\"has_more\":false}");
                return;
            }
            String scenario = String.valueOf(req.getHeader("X-Scenario"));
            String[] parts = scenario.split(":");
            AsyncContext ctx;
            switch (parts[0]) {
                case "sse" -> {
                    ctx = req.startAsync();
                    ctx.setTimeout(0);
                    String type = parts.length > 3 ? scenario.substring(scenario.indexOf(':', scenario.indexOf(':',
                            scenario.indexOf(':') + 1) + 1) + 1) : "text/event-stream";
                    if (!type.equals("none")) {
                        resp.setContentType(type);
                    }
                    resp.flushBuffer();
                    int count = Integer.parseInt(parts[1]);
                    long gap = Long.parseLong(parts[2]);
                    for (int i = 0; i < count; i++) {
                        int n = i;
                        timer.schedule(() -> {
                            try {
                                // The last event is followed by the stream's own end, as a chat stream's is.
                                resp.getOutputStream().write(("data: {\"n\":" + n + "}\n\n" + (n == count - 1
                                        ? "data: [DONE]\n\n" : "")).getBytes(StandardCharsets.UTF_8));
                                resp.flushBuffer();
                                if (n == count - 1) {
                                    ctx.complete();
                                }
                            } catch (IOException e) {
                                ctx.complete();
                            }
                        }, gap * (i + 1), TimeUnit.MILLISECONDS);
                    }
                }
                case "slow" -> {
                    ctx = req.startAsync();
                    ctx.setTimeout(0);
                    timer.schedule(() -> {
                        try {
                            write(resp, "application/json", "{\"slow\":true}");
                        } catch (IOException ignored) {
                            // the client left
                        }
                        ctx.complete();
                    }, Long.parseLong(parts[1]), TimeUnit.MILLISECONDS);
                }
                case "silent" -> {
                    ctx = req.startAsync();
                    ctx.setTimeout(0);
                }
                case "endless" -> {
                    ctx = req.startAsync();
                    ctx.setTimeout(0);
                    resp.setContentType("text/event-stream");
                    resp.flushBuffer();
                    endless(resp, ctx, 0);
                }
                case "usage" -> write(resp, "application/json", USAGE_JSON);
                case "batches" -> write(resp, "application/json", "{\"data\":[{\"id\":\"msgbatch_1\",\"type\":"
                        + "\"message_batch\",\"request_counts\":{\"succeeded\":12345678901234567890},\"results_url\":\""
                        + url() + "/v1/messages/batches/msgbatch_1/results\"},{\"id\":\"msgbatch_2\",\"results_url\":"
                        + "\"https://elsewhere.example/files/x\"},{\"id\":\"msgbatch_3\",\"results_url\":null}],"
                        + "\"has_more\":false}");
                case "usage-gzip" -> {
                    // As a provider answers: gzip unless the request names only identity (no header accepts any coding).
                    String accepted = req.getHeader("Accept-Encoding");
                    if ("identity".equals(accepted)) {
                        write(resp, "application/json", USAGE_JSON);
                        return;
                    }
                    java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
                    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(packed)) {
                        gz.write(USAGE_JSON.getBytes(StandardCharsets.UTF_8));
                    }
                    resp.setStatus(200);
                    resp.setContentType("application/json");
                    resp.setHeader("Content-Encoding", "gzip");
                    resp.setContentLength(packed.size());
                    resp.getOutputStream().write(packed.toByteArray());
                }
                case "usage-sse" -> {
                    // Seven bytes a write, each flushed: the usage event arrives split over many reads.
                    resp.setContentType("text/event-stream");
                    byte[] stream = USAGE_SSE.getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < stream.length; i += 7) {
                        resp.getOutputStream().write(stream, i, Math.min(7, stream.length - i));
                        resp.flushBuffer();
                    }
                }
                case "overloaded-sse" -> {
                    resp.setContentType("text/event-stream");
                    resp.getOutputStream().write(OVERLOADED_SSE.getBytes(StandardCharsets.UTF_8));
                }
                case "status" -> {
                    byte[] error = ("{\"error\":{\"message\":\"upstream says " + parts[1] + "\",\"type\":\"server_error\"}}")
                            .getBytes(StandardCharsets.UTF_8);
                    resp.setStatus(Integer.parseInt(parts[1]));
                    resp.setContentType("application/json");
                    resp.setContentLength(error.length);
                    resp.getOutputStream().write(error);
                }
                default -> write(resp, "application/json", "{\"upstream\":\"ok\",\"received_model_bytes\":"
                        + body.length + "}");
            }
        }

        private void endless(HttpServletResponse resp, AsyncContext ctx, int n) {
            timer.schedule(() -> {
                try {
                    resp.getOutputStream().write(("data: {\"n\":" + n + "}\n\n").getBytes(StandardCharsets.UTF_8));
                    resp.flushBuffer();
                    endless(resp, ctx, n + 1);
                } catch (IOException e) {
                    clientGone.countDown();
                    ctx.complete();
                }
            }, 100, TimeUnit.MILLISECONDS);
        }
    }

    private static void write(HttpServletResponse resp, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType(type);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
