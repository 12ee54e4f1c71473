package dev.switchboard.failclosed;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How common upstreams read a {@code multipart/form-data} body (SPEC section 15), small and honest
 * emulations used to judge what the gateway forwards. Each reader differs where real ones differ:
 * <ul>
 *   <li>{@link Reader#GO} ({@code mime/multipart} behind {@code ParseMultipartForm}): the first
 *       Content-Type; {@code mime.ParseMediaType} (a duplicate parameter is an error, RFC 2231
 *       {@code boundary*} decoded, a backslash escapes only a tspecial and is otherwise kept); the
 *       first delimiter line may end in a bare LF, which switches the whole body to LF line ends;
 *       header lines end in LF with an optional CR, folded lines are joined; quoted-printable parts
 *       are decoded;</li>
 *   <li>{@link Reader#BUSBOY} (Node): the first Content-Type; any backslash escape; the last of two
 *       parameters; CRLF only;</li>
 *   <li>{@link Reader#WERKZEUG} (Flask): the last Content-Type; RFC 2231 parameters; CRLF, LF and CR
 *       all end lines, and the first delimiter may follow anything in the preamble;</li>
 *   <li>{@link Reader#PYTHON_MULTIPART} (Starlette/FastAPI): the first Content-Type; CRLF only, no padding
 *       after a delimiter (such a line is content); base64 and quoted-printable parts decoded.</li>
 * </ul>
 * A part with a filename is a file to all of them, not a form field.
 */
public final class UpstreamForms {

    /** A form reader an upstream may use. */
    public enum Reader {
        GO, BUSBOY, WERKZEUG, PYTHON_MULTIPART
    }

    /**
     * @param fields text fields by name, every value in order
     * @param files file parts' contents by field name
     */
    public record Form(Map<String, List<String>> fields, Map<String, List<byte[]>> files) {
    }

    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    private UpstreamForms() {
    }

    /**
     * @param reader the upstream's reader
     * @param contentTypes every Content-Type header of the request, in order
     * @param body the body
     * @return the form as the reader reads it, or {@code null} when it is not a form to it or it refuses it
     */
    public static Form read(Reader reader, List<String> contentTypes, byte[] body) {
        if (contentTypes.isEmpty()) {
            return null;
        }
        String contentType = reader == Reader.WERKZEUG ? contentTypes.get(contentTypes.size() - 1) : contentTypes.get(0);
        Map<String, String> params = params(reader, contentType, true);
        if (params == null || !"multipart/form-data".equals(params.get(""))) {
            return null;
        }
        String boundary = params.get("boundary");
        if (boundary == null || boundary.isEmpty()) {
            return null;
        }
        return parts(reader, boundary.getBytes(StandardCharsets.ISO_8859_1), body);
    }

    /**
     * A header value with parameters ({@code type; a=b; c="d"}) as the reader parses it; the key
     * {@code ""} holds the lower-cased type.
     */
    static Map<String, String> params(Reader reader, String value, boolean mediaType) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, TreeMap<String, String>> extended = new LinkedHashMap<>();
        int semi = value.indexOf(';');
        String type = (semi < 0 ? value : value.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        if (mediaType && reader == Reader.GO && (type.indexOf(',') >= 0 || type.indexOf(' ') >= 0)) {
            return null;
        }
        out.put("", type);
        int i = semi < 0 ? value.length() : semi;
        int n = value.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(value.charAt(i))) {
                i++;
            }
            if (i == n) {
                break;
            }
            if (value.charAt(i) != ';') {
                // Go refuses the whole value; the others stop reading parameters here.
                return reader == Reader.GO ? null : finish(reader, out, extended);
            }
            i++;
            while (i < n && Character.isWhitespace(value.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && isTokenChar(value.charAt(i))) {
                i++;
            }
            String key = value.substring(start, i).toLowerCase(Locale.ROOT);
            while (i < n && Character.isWhitespace(value.charAt(i))) {
                i++;
            }
            if (key.isEmpty() || i >= n || value.charAt(i) != '=') {
                if (key.isEmpty() && value.substring(start).isBlank()) {
                    break;
                }
                return reader == Reader.GO ? null : finish(reader, out, extended);
            }
            i++;
            while (i < n && Character.isWhitespace(value.charAt(i))) {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < n && value.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = value.charAt(i++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\' && i < n && (reader != Reader.GO || TSPECIALS.indexOf(value.charAt(i)) >= 0)) {
                        v.append(value.charAt(i++));
                    } else {
                        v.append(c);
                    }
                }
                if (!closed) {
                    return reader == Reader.GO ? null : finish(reader, out, extended);
                }
            } else {
                int s = i;
                while (i < n && isTokenChar(value.charAt(i))) {
                    i++;
                }
                v.append(value, s, i);
                if (v.length() == 0) {
                    return reader == Reader.GO ? null : finish(reader, out, extended);
                }
            }
            int star = key.indexOf('*');
            if (star >= 0 && reader != Reader.BUSBOY) {
                TreeMap<String, String> pieces = extended.computeIfAbsent(key.substring(0, star), k -> new TreeMap<>());
                if (reader == Reader.GO && pieces.containsKey(key) && !pieces.get(key).equals(v.toString())) {
                    return null;
                }
                pieces.put(key.substring(star), v.toString());
            } else {
                if (reader == Reader.GO && out.containsKey(key) && !out.get(key).equals(v.toString())) {
                    return null;
                }
                out.put(key, v.toString());
            }
        }
        return finish(reader, out, extended);
    }

    /** RFC 2231: {@code key*=charset'lang'value} decoded; {@code key*0}, {@code key*1}... joined. */
    private static Map<String, String> finish(Reader reader, Map<String, String> out,
                                              Map<String, TreeMap<String, String>> extended) {
        extended.forEach((base, pieces) -> {
            String single = pieces.get("*");
            if (single != null) {
                String decoded = decode2231(single);
                if (decoded != null) {
                    out.put(base, decoded);
                }
                return;
            }
            StringBuilder joined = new StringBuilder();
            for (int k = 0; ; k++) {
                String plain = pieces.get("*" + k);
                String enc = pieces.get("*" + k + "*");
                if (plain == null && enc == null) {
                    break;
                }
                joined.append(plain != null ? plain : k == 0 ? decode2231(enc) : percentDecode(enc, StandardCharsets.UTF_8));
            }
            if (joined.length() > 0) {
                out.put(base, joined.toString());
            }
        });
        return out;
    }

    private static String decode2231(String v) {
        String[] s = v.split("'", 3);
        if (s.length != 3) {
            return null;
        }
        try {
            return percentDecode(s[2], s[0].isEmpty() ? StandardCharsets.US_ASCII : Charset.forName(s[0]));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String percentDecode(String s, Charset cs) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), cs);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static boolean isTokenChar(char c) {
        return c > ' ' && c < 127 && TSPECIALS.indexOf(c) < 0;
    }

    // ---- the body ----------------------------------------------------------------------------------

    private static Form parts(Reader reader, byte[] boundary, byte[] body) {
        byte[] dash = concat(new byte[] {'-', '-'}, boundary);
        Map<String, List<String>> fields = new LinkedHashMap<>();
        Map<String, List<byte[]>> files = new LinkedHashMap<>();
        int at = firstDelimiter(reader, dash, body);
        if (at < 0) {
            return null;
        }
        int pos = at + dash.length;
        boolean lfOnly = false;
        while (true) {
            if (startsWith(body, pos, new byte[] {'-', '-'})) {
                return new Form(fields, files);
            }
            pos = padded(reader, body, pos);
            int eol = lineBreak(reader, body, pos, lfOnly);
            if (eol < 0) {
                // Go switches to bare LF when the first delimiter line ends in one.
                if (reader == Reader.GO && fields.isEmpty() && files.isEmpty() && pos < body.length && body[pos] == '\n') {
                    lfOnly = true;
                    eol = 1;
                } else {
                    return null;
                }
            }
            pos += eol;
            int headersEnd = -1;
            int contentStart = -1;
            List<String> headerLines = new ArrayList<>();
            int lineStart = pos;
            while (pos <= body.length) {
                if (pos == body.length) {
                    return null;
                }
                int lb = headerLineBreak(reader, body, pos);
                if (lb > 0) {
                    String line = new String(body, lineStart, pos - lineStart, StandardCharsets.UTF_8);
                    pos += lb;
                    if (line.isEmpty()) {
                        headersEnd = lineStart;
                        contentStart = pos;
                        break;
                    }
                    headerLines.add(line);
                    lineStart = pos;
                } else {
                    pos++;
                }
            }
            if (headersEnd < 0) {
                return null;
            }
            int[] end = nextDelimiter(reader, dash, body, contentStart, lfOnly);
            if (end == null) {
                return null;
            }
            add(reader, headers(reader, headerLines), body, contentStart, end[0], fields, files);
            pos = end[1];
        }
    }

    /** The offset of the first delimiter ({@code --boundary} where the reader starts a body), or -1. */
    private static int firstDelimiter(Reader reader, byte[] dash, byte[] body) {
        for (int i = indexOf(body, dash, 0); i >= 0; i = indexOf(body, dash, i + 1)) {
            boolean lineStart = i == 0 || body[i - 1] == '\n' && reader == Reader.GO
                    || i >= 2 && body[i - 2] == '\r' && body[i - 1] == '\n'
                    || reader == Reader.WERKZEUG;
            if (lineStart) {
                return i;
            }
        }
        return -1;
    }

    /** {@code {end of content, start of what follows the delimiter}}, or {@code null} when there is none. */
    private static int[] nextDelimiter(Reader reader, byte[] dash, byte[] body, int from, boolean lfOnly) {
        for (int i = indexOf(body, dash, from); i >= 0; i = indexOf(body, dash, i + 1)) {
            int before;
            if (i - 2 >= from && body[i - 2] == '\r' && body[i - 1] == '\n' && !lfOnly) {
                before = 2;
            } else if (i - 1 >= from && body[i - 1] == '\n' && (lfOnly || reader == Reader.WERKZEUG)) {
                before = 1;
            } else if (i - 1 >= from && body[i - 1] == '\r' && reader == Reader.WERKZEUG) {
                before = 1;
            } else {
                continue;
            }
            int after = i + dash.length;
            boolean close = startsWith(body, after, new byte[] {'-', '-'});
            int p = padded(reader, body, after);
            if (close || lineBreak(reader, body, p, lfOnly) > 0) {
                return new int[] {i - before, i};
            }
        }
        return null;
    }

    /**
     * @return where a delimiter line goes on after the spaces and tabs the reader skips there: Go and Werkzeug skip
     *     them (RFC 2046's transport padding), python-multipart skips none (the line is content to it)
     */
    private static int padded(Reader reader, byte[] body, int pos) {
        if (reader == Reader.PYTHON_MULTIPART) {
            return pos;
        }
        while (pos < body.length && (body[pos] == ' ' || body[pos] == '\t')) {
            pos++;
        }
        return pos;
    }

    /** Length of a delimiter line's end at {@code pos} as the reader accepts it, else -1. */
    private static int lineBreak(Reader reader, byte[] body, int pos, boolean lfOnly) {
        if (lfOnly) {
            return pos < body.length && body[pos] == '\n' ? 1 : -1;
        }
        if (startsWith(body, pos, new byte[] {'\r', '\n'})) {
            return 2;
        }
        if (reader == Reader.WERKZEUG && pos < body.length && (body[pos] == '\n' || body[pos] == '\r')) {
            return 1;
        }
        return -1;
    }

    private static int headerLineBreak(Reader reader, byte[] body, int pos) {
        if (startsWith(body, pos, new byte[] {'\r', '\n'})) {
            return 2;
        }
        boolean bare = body[pos] == '\n' || body[pos] == '\r' && reader == Reader.WERKZEUG;
        return bare && (reader == Reader.GO || reader == Reader.WERKZEUG) ? 1 : 0;
    }

    /** Header lines to a map (lower-case names; Go joins folded lines, the others drop them). */
    private static Map<String, List<String>> headers(Reader reader, List<String> lines) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String last = null;
        for (String line : lines) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
                if (reader == Reader.GO) {
                    List<String> values = out.get(last);
                    values.set(values.size() - 1, values.get(values.size() - 1) + " " + line.strip());
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            out.computeIfAbsent(last, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        return out;
    }

    private static void add(Reader reader, Map<String, List<String>> headers, byte[] body, int start, int end,
                            Map<String, List<String>> fields, Map<String, List<byte[]>> files) {
        List<String> dispositions = headers.getOrDefault("content-disposition", List.of());
        if (dispositions.isEmpty()) {
            return;
        }
        // Map-based readers keep the last header of a name, Go's textproto the first for Get.
        String disposition = reader == Reader.GO ? dispositions.get(0) : dispositions.get(dispositions.size() - 1);
        Map<String, String> p = params(reader, disposition, false);
        if (p == null || p.get("name") == null) {
            return;
        }
        byte[] content = java.util.Arrays.copyOfRange(body, start, end);
        List<String> encodings = headers.getOrDefault("content-transfer-encoding", List.of());
        String cte = encodings.isEmpty() ? "" : encodings.get(0).toLowerCase(Locale.ROOT);
        if (cte.equals("quoted-printable") && (reader == Reader.GO || reader == Reader.PYTHON_MULTIPART)) {
            content = quotedPrintable(content);
        } else if (cte.equals("base64") && reader == Reader.PYTHON_MULTIPART) {
            try {
                content = Base64.getMimeDecoder().decode(content);
            } catch (IllegalArgumentException e) {
                return;
            }
        }
        if (p.containsKey("filename")) {
            files.computeIfAbsent(p.get("name"), k -> new ArrayList<>()).add(content);
        } else {
            fields.computeIfAbsent(p.get("name"), k -> new ArrayList<>()).add(new String(content, StandardCharsets.UTF_8));
        }
    }

    private static byte[] quotedPrintable(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '=' && i + 2 < in.length && Character.digit(in[i + 1], 16) >= 0 && Character.digit(in[i + 2], 16) >= 0) {
                out.write(Character.digit(in[i + 1], 16) * 16 + Character.digit(in[i + 2], 16));
                i += 2;
            } else if (in[i] == '=' && i + 2 < in.length && in[i + 1] == '\r' && in[i + 2] == '\n') {
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static boolean startsWith(byte[] body, int pos, byte[] prefix) {
        return pos >= 0 && pos + prefix.length <= body.length
                && java.util.Arrays.equals(body, pos, pos + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
