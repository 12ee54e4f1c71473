package dev.switchboard.servlet;

import dev.switchboard.body.Multipart;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Part;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A form the filter took from the container to read its model (a POST under {@code /v1/}, an API's upload), read
 * again for the servlet behind, which asks for it through {@code getParameter*()} and {@code getParts()}: the
 * container cannot, its body being gone. Read as the containers read forms: a URL-encoded body's fields, and a
 * multipart body's parts, those without a filename also as fields, in the request's charset, else the container's
 * default for forms (UTF-8 in Jetty, ISO-8859-1, the Servlet specification's, in Tomcat and others). Immutable.
 */
final class HeldForm {

    private final Map<String, List<String>> fields;
    private final List<Part> parts;
    /** Why the multipart body has no parts, or {@code null}: thrown by {@code getParts()}, as a container does. */
    private final String broken;

    private HeldForm(Map<String, List<String>> fields, List<Part> parts, String broken) {
        this.fields = fields;
        this.parts = parts;
        this.broken = broken;
    }

    /** @return whether a request's body is a form a container would read for {@code getParameter()} */
    static boolean isForm(String method, String contentType) {
        return "POST".equalsIgnoreCase(method)
                && (RequestChecks.urlEncoded(contentType) || RequestChecks.multipart(contentType));
    }

    /**
     * @param body the body as the servlet behind reads it
     * @param charset what its text is read in, unless a part names its own
     * @param tempDir where {@link Part#write} puts a relative name, or {@code null}
     */
    static HeldForm read(byte[] body, int length, String contentType, Charset charset, File tempDir) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (RequestChecks.urlEncoded(contentType)) {
            urlEncoded(body, length, charset, fields);
            return new HeldForm(fields, List.of(), "not a multipart body");
        }
        Multipart.ContentType type = Multipart.contentType(contentType);
        List<Multipart.Part> found = type.boundary() == null ? null : Multipart.parts(body, length, type.boundary());
        if (found == null) {
            return new HeldForm(fields, List.of(), type.problem() != null ? type.problem() : "the multipart body cannot be read");
        }
        List<Part> parts = new ArrayList<>(found.size());
        for (Multipart.Part p : found) {
            HeldPart part = new HeldPart(p, body, tempDir);
            parts.add(part);
            if (part.getSubmittedFileName() == null && p.name() != null) {
                Charset own = part.charset();
                fields.computeIfAbsent(p.name(), k -> new ArrayList<>())
                        .add(new String(body, p.start(), p.end() - p.start(), own != null ? own : charset));
            }
        }
        return new HeldForm(fields, Collections.unmodifiableList(parts), null);
    }

    /** @return the body's fields, in their order, each name's values in theirs */
    Map<String, List<String>> fields() {
        return fields;
    }

    Collection<Part> parts() throws ServletException {
        if (broken != null) {
            throw new ServletException(broken);
        }
        return parts;
    }

    Part part(String name) throws ServletException {
        for (Part p : parts()) {
            if (p.getName() != null && p.getName().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** {@code a=1&b=x+y}: split at {@code &}, then at the first {@code =}, {@code +} and {@code %XX} decoded. */
    private static void urlEncoded(byte[] body, int length, Charset charset, Map<String, List<String>> into) {
        int from = 0;
        while (from <= length) {
            int to = from;
            while (to < length && body[to] != '&') {
                to++;
            }
            if (to > from) {
                int eq = from;
                while (eq < to && body[eq] != '=') {
                    eq++;
                }
                String name = decoded(body, from, eq, charset);
                String value = eq < to ? decoded(body, eq + 1, to, charset) : "";
                into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
            from = to + 1;
        }
    }

    private static String decoded(byte[] body, int from, int to, Charset charset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b == '+') {
                out.write(' ');
            } else if (b == '%' && i + 2 < to && hex(body[i + 1]) >= 0 && hex(body[i + 2]) >= 0) {
                out.write(hex(body[i + 1]) << 4 | hex(body[i + 2]));
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toString(charset);
    }

    private static int hex(byte b) {
        return Character.digit((char) (b & 0xff), 16);
    }

    /** One part of the held body: a view of its bytes, never copied or written to disk unless asked. */
    private static final class HeldPart implements Part {

        private final Multipart.Part part;
        private final byte[] body;
        private final File tempDir;
        private final List<String[]> headers = new ArrayList<>();

        HeldPart(Multipart.Part part, byte[] body, File tempDir) {
            this.part = part;
            this.body = body;
            this.tempDir = tempDir;
            for (String line : part.headers().split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {line.substring(0, colon).strip(), line.substring(colon + 1).strip()});
                }
            }
        }

        /** @return the charset its Content-Type names, or {@code null} */
        Charset charset() {
            String type = getContentType();
            if (type == null) {
                return null;
            }
            for (String param : type.split(";")) {
                int eq = param.indexOf('=');
                if (eq > 0 && param.substring(0, eq).strip().equalsIgnoreCase("charset")) {
                    try {
                        return Charset.forName(param.substring(eq + 1).strip().replace("\"", ""));
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                }
            }
            return null;
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(body, part.start(), part.end() - part.start());
        }

        @Override
        public String getContentType() {
            return getHeader("Content-Type");
        }

        @Override
        public String getName() {
            return part.name();
        }

        @Override
        public String getSubmittedFileName() {
            return Multipart.dispositionParameter(part.headers(), "filename");
        }

        @Override
        public long getSize() {
            return part.end() - part.start();
        }

        @Override
        public void write(String fileName) throws IOException {
            Path path = Path.of(fileName);
            if (!path.isAbsolute() && tempDir != null) {
                path = tempDir.toPath().resolve(path);
            }
            Files.write(path, java.util.Arrays.copyOfRange(body, part.start(), part.end()));
        }

        @Override
        public void delete() {
            // Nothing of it is on disk: it is the held body's bytes.
        }

        @Override
        public String getHeader(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        @Override
        public Collection<String> getHeaders(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    out.add(h[1]);
                }
            }
            return out;
        }

        @Override
        public Collection<String> getHeaderNames() {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (out.stream().noneMatch(n -> n.equalsIgnoreCase(h[0]))) {
                    out.add(h[0].toLowerCase(Locale.ROOT));
                }
            }
            return out;
        }
    }
}
