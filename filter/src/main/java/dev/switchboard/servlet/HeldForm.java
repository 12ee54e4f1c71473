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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A form the filter took from the container to read its model (a POST under {@code /v1/}, an API's upload), read
 * again for the servlet behind, which asks for it through {@code getParameter*()} and {@code getParts()}: the
 * container cannot, its body being gone. Read as the containers read forms: a URL-encoded body's fields, and a
 * multipart body's parts, those without a filename also as fields, in the request's charset, else the container's
 * default for forms (UTF-8 in Jetty, ISO-8859-1, the Servlet specification's, in Tomcat and others). Bounded as the
 * containers bound forms: more than {@link #MAX_FIELDS} fields or parts is an {@link IllegalStateException} (Tomcat's
 * answer; a held body of 32 MiB read as six million names took a gigabyte). The container's own limits (Tomcat's
 * {@code maxPostSize}, {@code maxPartCount}, Jetty's form size) are not known here. Immutable.
 */
final class HeldForm {

    /**
     * The most fields (a URL-encoded body's) or parts (a multipart body's) read: the parameters Tomcat 10.1 and Spring
     * Boot take by default (Jetty and Tomcat 11 take 1,000; a host app that raised its own bound past this is told by
     * the exception).
     */
    static final int MAX_FIELDS = 10_000;

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
        // As the containers decide: the method as sent, the media type whole (not a prefix of another).
        return "POST".equals(method) && (RequestChecks.isType(contentType, "application/x-www-form-urlencoded")
                || RequestChecks.isType(contentType, "multipart/form-data"));
    }

    static boolean isUrlEncoded(String contentType) {
        return RequestChecks.isType(contentType, "application/x-www-form-urlencoded");
    }


    /**
     * @param body the body as the servlet behind reads it
     * @param charset what its text is read in, unless a part names its own
     * @param tempDir where {@link Part#write} puts a relative name, or {@code null}
     */
    static HeldForm read(byte[] body, int length, String contentType, Charset charset, File tempDir) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (isUrlEncoded(contentType)) {
            urlEncoded(body, length, charset, fields);
            return new HeldForm(fields, List.of(), "not a multipart body");
        }
        if (length == 0) {
            // No body at all: a form of no parts (Tomcat's reading), not a broken one.
            return new HeldForm(fields, List.of(), null);
        }
        Multipart.ContentType type = Multipart.contentType(contentType);
        List<Multipart.Part> found = type.boundary() == null ? null : Multipart.parts(body, length, type.boundary());
        if (found == null && type.boundary() != null && !Multipart.hasDelimiter(body, length, type.boundary())) {
            // No delimiter at all (a JSON body sent as a form): a form of no parts, as Tomcat reads it.
            return new HeldForm(fields, List.of(), null);
        }
        if (found == null) {
            return new HeldForm(fields, List.of(), type.problem() != null ? type.problem() : "the multipart body cannot be read");
        }
        if (found.size() > MAX_FIELDS) {
            throw new IllegalStateException("the form has more than " + MAX_FIELDS + " parts");
        }
        List<Part> parts = new ArrayList<>(found.size());
        for (Multipart.Part p : found) {
            if (p.name() == null) {
                // A part without a name is no field of the form (Tomcat leaves it out; a servlet expects a name).
                continue;
            }
            HeldPart part = new HeldPart(p, body, tempDir);
            parts.add(part);
            if (!p.filename()) {
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

    /**
     * {@code a=1&b=x+y}: split at {@code &}, then at the first {@code =}, {@code +} and {@code %XX} decoded. A pair
     * with a broken escape or no name is left out (Tomcat 10.1's reading; Jetty and Tomcat 11 refuse the whole form).
     */
    static void urlEncoded(byte[] bytes, int length, Charset charset, Map<String, List<String>> into) {
        int count = 0;
        int from = 0;
        while (from <= length) {
            int to = from;
            while (to < length && bytes[to] != '&') {
                to++;
            }
            if (to > from) {
                int eq = from;
                while (eq < to && bytes[eq] != '=') {
                    eq++;
                }
                String name = decoded(bytes, from, eq, charset);
                String value = eq < to ? decoded(bytes, eq + 1, to, charset) : "";
                if (name != null && !name.isEmpty() && value != null) {
                    if (++count > MAX_FIELDS) {
                        throw new IllegalStateException("the form has more than " + MAX_FIELDS + " fields");
                    }
                    into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
            from = to + 1;
        }
    }

    /** @return the bytes decoded, or {@code null} when a {@code %} starts no escape */
    private static String decoded(byte[] bytes, int from, int to, Charset charset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '+') {
                out.write(' ');
            } else if (b == '%') {
                if (i + 2 >= to || hex(bytes[i + 1]) < 0 || hex(bytes[i + 2]) < 0) {
                    return null;
                }
                out.write(hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toString(charset);
    }

    /** @return the value of a hexadecimal digit, or -1 */
    static int hex(byte b) {
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
            // RFC 7578 section 4.2: filename* (RFC 5987, charset'language'escaped) before filename, as the containers.
            String extended = Multipart.dispositionParameter(part.headers(), "filename*");
            if (extended != null) {
                int first = extended.indexOf('\'');
                int second = first < 0 ? -1 : extended.indexOf('\'', first + 1);
                if (second > 0) {
                    try {
                        byte[] raw = extended.substring(second + 1).getBytes(StandardCharsets.ISO_8859_1);
                        String name = decoded(raw, 0, raw.length, Charset.forName(extended.substring(0, first)));
                        if (name != null) {
                            return name;
                        }
                    } catch (IllegalArgumentException e) {
                        // A charset the JVM does not know: the plain filename, if any.
                    }
                }
            }
            return Multipart.dispositionParameter(part.headers(), "filename");
        }

        @Override
        public long getSize() {
            return part.end() - part.start();
        }

        @Override
        public void write(String fileName) throws IOException {
            // A relative name goes where the multipart config's location would put it, which a filter cannot read:
            // the webapp's temporary directory, else the JVM's.
            Path path = Path.of(fileName);
            if (!path.isAbsolute()) {
                path = (tempDir != null ? tempDir.toPath() : Path.of(System.getProperty("java.io.tmpdir"))).resolve(path);
            }
            Files.write(path, Arrays.copyOfRange(body, part.start(), part.end()));
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
                    out.add(h[0]);
                }
            }
            return out;
        }
    }
}
