package dev.switchboard.body;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Finds the {@code model} field of a {@code multipart/form-data} body (RFC 7578) at byte level, so the
 * file parts are never decoded or copied apart from the one splice. The body is never handed to
 * {@code getParts()}: that would consume it and needs multipart config on the target servlet.
 *
 * <p>Two {@code model} fields are a duplicate; a body without its closing delimiter is invalid.
 * Thread-safe (stateless).
 */
public final class MultipartModelLocator {

    private MultipartModelLocator() {
    }

    /**
     * @param contentType the request's Content-Type
     * @return the boundary if this is {@code multipart/form-data} with exactly one, else {@code null}
     */
    public static String boundary(String contentType) {
        if (contentType == null) {
            return null;
        }
        String lower = contentType.toLowerCase(Locale.ROOT);
        if (!lower.strip().startsWith("multipart/form-data")) {
            return null;
        }
        String found = null;
        for (String param : contentType.split(";")) {
            String p = param.strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("boundary")) {
                if (found != null) {
                    // Two boundaries: parsers that keep parameters in a map read the form by the last one.
                    return null;
                }
                String b = p.substring(eq + 1).strip();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (b.isEmpty() || b.length() > 200) {
                    return null;
                }
                found = b;
            }
        }
        return found;
    }

    /**
     * @param body the body bytes
     * @param length how many bytes are the body
     * @param boundary the boundary from the Content-Type
     * @return the model field's location (unquoted), or why there is none
     */
    public static ModelField locate(byte[] body, int length, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos;
        if (startsWith(body, 0, length, delimiter)) {
            pos = delimiter.length;
        } else {
            int at = indexOf(body, 0, length, crlf(delimiter));
            if (at < 0) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            pos = at + 2 + delimiter.length;
        }
        byte[] next = crlf(delimiter);
        ModelField found = null;
        while (true) {
            if (startsWith(body, pos, length, new byte[] {'-', '-'})) {
                break;
            }
            while (pos < length && (body[pos] == ' ' || body[pos] == '\t')) {
                pos++;
            }
            if (!startsWith(body, pos, length, new byte[] {'\r', '\n'})) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            pos += 2;
            int headersEnd = indexOf(body, pos, length, new byte[] {'\r', '\n', '\r', '\n'});
            if (headersEnd < 0) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            String name = fieldName(new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8));
            if (name == AMBIGUOUS) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            int valueStart = headersEnd + 4;
            int valueEnd = indexOf(body, valueStart, length, next);
            if (valueEnd < 0) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            if ("model".equals(name)) {
                if (!identityTransferEncoding(new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8))) {
                    return ModelField.failed(ModelField.Status.INVALID_BODY);
                }
                if (found != null) {
                    return ModelField.failed(ModelField.Status.DUPLICATE);
                }
                String model = new String(body, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8);
                found = new ModelField(ModelField.Status.FOUND, model, valueStart, valueEnd, false);
            }
            pos = valueEnd + next.length;
        }
        return found == null ? ModelField.failed(ModelField.Status.MISSING) : found;
    }

    /** What {@link #fieldName} returns for a part whose name parsers read differently (compared by identity). */
    private static final String AMBIGUOUS = new String("(ambiguous)");

    /**
     * The {@code name} parameter of a part's Content-Disposition, {@code null} when there is none, or
     * {@link #AMBIGUOUS} when parsers disagree on it: two Content-Disposition headers or two name
     * parameters (map-based parsers keep the last), a folded line or a bare CR or LF, an RFC 2231
     * {@code name*} (decoded by some), a backslash in a quoted name (unescaped by some), or
     * {@code <name>} (unquoted by Python's email).
     */
    static String fieldName(String headers) {
        String name = null;
        boolean seen = false;
        for (String line : headers.split("\r\n")) {
            // A folded line is unfolded by some parsers (Tomcat); a bare CR or LF ends a line for others (Go).
            if (line.startsWith(" ") || line.startsWith("\t") || line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                return AMBIGUOUS;
            }
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                continue;
            }
            if (seen) {
                return AMBIGUOUS;
            }
            seen = true;
            String value = line.substring(colon + 1);
            int i = 0;
            while (i < value.length()) {
                int semi = nextSemicolon(value, i);
                String param = value.substring(i, semi).strip();
                int eq = param.indexOf('=');
                String key = eq > 0 ? param.substring(0, eq).strip().toLowerCase(Locale.ROOT) : "";
                if (key.startsWith("name*")) {
                    return AMBIGUOUS;
                }
                if (key.equals("name")) {
                    if (name != null) {
                        return AMBIGUOUS;
                    }
                    String v = param.substring(eq + 1).strip();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                        v = v.substring(1, v.length() - 1);
                        if (v.indexOf('\\') >= 0) {
                            return AMBIGUOUS;
                        }
                    } else if (v.startsWith("<") || v.indexOf('"') >= 0 || v.indexOf('\\') >= 0) {
                        return AMBIGUOUS;
                    }
                    name = v;
                }
                i = semi + 1;
            }
        }
        return name;
    }

    /**
     * Whether a part's bytes are its value: no Content-Transfer-Encoding, or one {@code 7bit}, {@code 8bit}
     * or {@code binary}. python-multipart decodes base64 and quoted-printable, so an encoded model would
     * be checked as one name and called as another.
     */
    private static boolean identityTransferEncoding(String headers) {
        boolean seen = false;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("content-transfer-encoding")) {
                continue;
            }
            String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            if (seen || !(value.equals("7bit") || value.equals("8bit") || value.equals("binary"))) {
                return false;
            }
            seen = true;
        }
        return true;
    }

    private static int nextSemicolon(String s, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                return i;
            }
        }
        return s.length();
    }

    private static byte[] crlf(byte[] delimiter) {
        byte[] out = new byte[delimiter.length + 2];
        out[0] = '\r';
        out[1] = '\n';
        System.arraycopy(delimiter, 0, out, 2, delimiter.length);
        return out;
    }

    private static boolean startsWith(byte[] body, int pos, int length, byte[] prefix) {
        if (pos + prefix.length > length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, int from, int length, byte[] needle) {
        outer:
        for (int i = from; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
