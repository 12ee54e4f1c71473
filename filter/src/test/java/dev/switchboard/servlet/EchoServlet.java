package dev.switchboard.servlet;

import dev.switchboard.exchange.Exchange;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.zip.GZIPOutputStream;

/**
 * The servlet behind the filter in container tests. Echoes the request body it received and reports
 * what its request looked like in X-Echo-* headers. {@code X-Test-Mode: async} makes it read with a
 * ReadListener and answer from another thread, {@code X-Test-Mode: async-context} answers from another thread
 * through {@code AsyncContext.getRequest()/getResponse()}; {@code /v1/models} answers the list in
 * {@link #MODELS} (gzip-compressed with {@code X-Test-Gzip: 1}).
 */
final class EchoServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final String MODELS = "{\"object\":\"list\",\"data\":["
            + "{\"id\":\"openai/gpt-5\",\"object\":\"model\",\"created\":1700000001,\"owned_by\":\"openai\"},"
            + "{\"id\":\"openai/gpt-5-mini\",\"object\":\"model\",\"created\":1700000002,\"owned_by\":\"openai\"},"
            + "{\"id\":\"openai/o3-pro\",\"object\":\"model\",\"created\":1700000003,\"owned_by\":\"openai\"},"
            + "{\"id\":\"anthropic/claude-sonnet-4-6\",\"object\":\"model\",\"created\":1700000004,\"owned_by\":\"anthropic\"},"
            + "{\"id\":\"anthropic/claude-opus-4-6\",\"object\":\"model\",\"created\":1700000005,\"owned_by\":\"anthropic\"}]}";

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean async = "async".equals(req.getHeader("X-Test-Mode"));
        if ("async-context".equals(req.getHeader("X-Test-Mode"))) {
            throughAsyncContext(req);
            return;
        }
        if (req.getRequestURI().endsWith("/v1/models")) {
            models(req, resp, async);
            return;
        }
        if (!async) {
            byte[] body = req.getInputStream().readAllBytes();
            echo(req, resp, body);
            return;
        }
        AsyncContext ctx = req.startAsync();
        ServletInputStream in = req.getInputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        in.setReadListener(new ReadListener() {
            private final byte[] buf = new byte[1024];
            private int dataAvailableAfterAllDataRead;
            private boolean allDataRead;

            @Override
            public void onDataAvailable() throws IOException {
                if (allDataRead) {
                    dataAvailableAfterAllDataRead++;
                }
                while (in.isReady() && !in.isFinished()) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    body.write(buf, 0, n);
                }
            }

            @Override
            public void onAllDataRead() throws IOException {
                allDataRead = true;
                resp.setHeader("X-Echo-Async", "true");
                resp.setHeader("X-Echo-Late-Data", Integer.toString(dataAvailableAfterAllDataRead));
                echo(req, resp, body.toByteArray());
                ctx.complete();
            }

            @Override
            public void onError(Throwable t) {
                resp.setStatus(500);
                ctx.complete();
            }
        });
    }

    /** Async, using only what the AsyncContext hands out, as servlets that start async and then hand off often do. */
    private static void throughAsyncContext(HttpServletRequest req) {
        AsyncContext ctx = req.startAsync();
        ctx.start(() -> {
            try {
                HttpServletRequest r = (HttpServletRequest) ctx.getRequest();
                HttpServletResponse w = (HttpServletResponse) ctx.getResponse();
                if (r.getRequestURI().endsWith("/v1/models")) {
                    writeModels(w, MODELS.getBytes(StandardCharsets.UTF_8), false);
                } else {
                    echo(r, w, r.getInputStream().readAllBytes());
                }
            } catch (IOException e) {
                ((HttpServletResponse) ctx.getResponse()).setStatus(500);
            }
            ctx.complete();
        });
    }

    private static void echo(HttpServletRequest req, HttpServletResponse resp, byte[] body) throws IOException {
        resp.setStatus(200);
        resp.setHeader("X-Echo-Content-Length", Long.toString(req.getContentLengthLong()));
        resp.setHeader("X-Echo-Int-Content-Length", Integer.toString(req.getContentLength()));
        resp.setHeader("X-Echo-Header-Content-Length", String.valueOf(req.getHeader("Content-Length")));
        resp.setHeader("X-Echo-Int-Header-Content-Length", Integer.toString(req.getIntHeader("Content-Length")));
        long lengthNames = Collections.list(req.getHeaderNames()).stream().filter("content-length"::equalsIgnoreCase).count();
        resp.setHeader("X-Echo-Content-Length-Names", Long.toString(lengthNames));
        resp.setHeader("X-Echo-Headers-Content-Length", String.join(",", Collections.list(req.getHeaders("Content-Length"))));
        resp.setHeader("X-Echo-Content-Encoding", String.valueOf(req.getHeader("Content-Encoding")));
        resp.setHeader("X-Echo-Transfer-Encoding", String.valueOf(req.getHeader("Transfer-Encoding")));
        resp.setHeader("X-Echo-Authorization", String.valueOf(req.getHeader("Authorization")));
        resp.setHeader("X-Echo-Decision", String.valueOf(req.getAttribute(Exchange.ATTRIBUTE) instanceof Exchange e && e.decision() != null));
        // Where the filter says the request goes (the first candidate's provider), for a host that proxies it.
        resp.setHeader("X-Echo-Route", String.valueOf(req.getAttribute(Exchange.ATTRIBUTE) instanceof Exchange e
                && !e.candidates().isEmpty() ? e.candidates().get(0).provider() : null));
        resp.setContentType("application/octet-stream");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private static void models(HttpServletRequest req, HttpServletResponse resp, boolean async) throws IOException {
        String list = "1".equals(req.getHeader("X-Test-Has-More"))
                ? MODELS.substring(0, MODELS.length() - 1) + ",\"has_more\":true}" : MODELS;
        byte[] body = list.getBytes(StandardCharsets.UTF_8);
        resp.setHeader("X-Echo-Query", String.valueOf(req.getQueryString()));
        resp.setHeader("X-Echo-Parameters", String.valueOf(req.getParameterMap().entrySet().stream()
                .map(e -> e.getKey() + "=" + String.join(",", e.getValue())).toList()));
        boolean gzip = "1".equals(req.getHeader("X-Test-Gzip"));
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(body);
            }
            body = out.toByteArray();
        }
        byte[] payload = body;
        resp.setHeader("X-Echo-Accept-Encoding", String.valueOf(req.getHeader("Accept-Encoding")));
        String claimed = req.getHeader("X-Test-Content-Encoding");
        if (claimed != null) {
            // The plain list under an encoding the filter cannot decode.
            resp.setHeader("Content-Encoding", claimed);
        }
        if (!async) {
            writeModels(resp, payload, gzip);
            return;
        }
        AsyncContext ctx = req.startAsync();
        ctx.start(() -> {
            try {
                writeModels(resp, payload, gzip);
            } catch (IOException e) {
                resp.setStatus(500);
            }
            ctx.complete();
        });
    }

    private static void writeModels(HttpServletResponse resp, byte[] body, boolean gzip) throws IOException {
        resp.setStatus(200);
        resp.setContentType("application/json");
        if (gzip) {
            resp.setHeader("Content-Encoding", "gzip");
        }
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
