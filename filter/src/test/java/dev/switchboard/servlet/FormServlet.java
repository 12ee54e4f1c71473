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
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        // X-Form-Dispatch: forward:PATH, include:PATH or async:PATH hands the request on first (X-Form-Pre: what to
        // read before), so the reading is a dispatched request's, whose query the container merges with the original's.
        String dispatch = req.getHeader("X-Form-Dispatch");
        if (dispatch != null && req.getAttribute("form.dispatched") == null) {
            req.setAttribute("form.dispatched", Boolean.TRUE);
            String pre = req.getHeader("X-Form-Pre");
            if (pre != null) {
                req.setAttribute("form.before", read(req, pre));
            }
            String target = dispatch.substring(dispatch.indexOf(':') + 1);
            if (dispatch.startsWith("forward:")) {
                req.getRequestDispatcher(target).forward(req, resp);
            } else if (dispatch.startsWith("include:")) {
                req.getRequestDispatcher(target).include(req, resp);
            } else {
                req.startAsync().dispatch(target);
            }
            return;
        }
        String before = (String) req.getAttribute("form.before");
        String out = (before == null ? "" : "before: " + before) + read(req, req.getHeader("X-Form-Read"));
        resp.setStatus(200);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getOutputStream().write(out.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(HttpServletRequest req, String read) throws IOException {
        StringBuilder out = new StringBuilder();
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
                } else if (step.equals("write")) {
                    // Part.write with a relative name: where it lands (the webapp's temporary directory or the JVM's).
                    String name = "switchboard-form-" + java.util.UUID.randomUUID() + ".txt";
                    req.getPart("upload").write(name);
                    Object dir = req.getServletContext().getAttribute(jakarta.servlet.ServletContext.TEMPDIR);
                    java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
                    for (java.nio.file.Path at : new java.nio.file.Path[] {
                            dir instanceof java.io.File f ? f.toPath().resolve(name) : null, tmp.resolve(name)}) {
                        if (at != null && java.nio.file.Files.exists(at)) {
                            out.append(at.getParent().equals(tmp) ? "java.io.tmpdir " : "webapp's tempdir ")
                                    .append(java.nio.file.Files.readString(at));
                            java.nio.file.Files.delete(at);
                            break;
                        }
                    }
                } else if (step.equals("mutate")) {
                    // A caller that writes into the map's arrays must change no later answer (as in a container).
                    String[] a = req.getParameterMap().get("a");
                    if (a != null) {
                        a[0] = "changed";
                    }
                    out.append(req.getParameter("a"));
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
        return out.toString();
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
