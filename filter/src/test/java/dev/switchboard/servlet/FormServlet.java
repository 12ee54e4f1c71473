package dev.switchboard.servlet;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;

/**
 * A host app's servlet that reads its form through the container's API, as a framework's form binding does: it
 * answers what it saw, in the order {@code X-Form-Read} names ({@code params}, {@code parts}, {@code part:NAME},
 * {@code stream}, comma-separated). The same request sent past the filter and around it must read the same.
 */
final class FormServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StringBuilder out = new StringBuilder();
        String read = req.getHeader("X-Form-Read");
        for (String step : (read == null ? "params" : read).split(",")) {
            out.append(step).append(": ");
            try {
                if (step.equals("params")) {
                    params(req, out);
                } else if (step.equals("parts")) {
                    parts(req.getParts(), out);
                } else if (step.startsWith("part:")) {
                    Part p = req.getPart(step.substring(5));
                    if (p == null) {
                        out.append("none");
                    } else {
                        part(p, out);
                    }
                } else if (step.equals("stream")) {
                    out.append(req.getInputStream().readAllBytes().length).append(" bytes");
                } else {
                    throw new IllegalArgumentException(step);
                }
            } catch (IllegalStateException e) {
                out.append("IllegalStateException");
            } catch (ServletException | IOException e) {
                // Which of the two a broken form throws differs by container: that it failed is what a host sees.
                out.append("failed");
            }
            out.append('\n');
        }
        resp.setStatus(200);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void params(HttpServletRequest req, StringBuilder out) {
        Map<String, String[]> map = req.getParameterMap();
        map.forEach((k, v) -> out.append(k).append('=').append(Arrays.toString(v)).append(' '));
        out.append("| names ").append(java.util.Collections.list(req.getParameterNames()));
        out.append(" | a ").append(req.getParameter("a"));
        out.append(" | a* ").append(Arrays.toString(req.getParameterValues("a")));
    }

    private static void parts(Collection<Part> parts, StringBuilder out) throws IOException {
        out.append(parts.size()).append(' ');
        for (Part p : parts) {
            part(p, out);
        }
    }

    private static void part(Part p, StringBuilder out) throws IOException {
        byte[] bytes;
        try (var in = p.getInputStream()) {
            bytes = in.readAllBytes();
        }
        out.append('[').append(p.getName()).append(" file=").append(p.getSubmittedFileName())
                .append(" type=").append(p.getContentType()).append(" size=").append(p.getSize())
                .append(" disposition=").append(p.getHeader("content-disposition"))
                .append(" Content-Type=").append(p.getHeader("Content-Type"))
                .append(" bytes=").append(HexFormat.of().formatHex(bytes)).append("] ");
    }
}
