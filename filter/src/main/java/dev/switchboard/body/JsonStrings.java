package dev.switchboard.body;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Minimal JSON string encoding (RFC 8259 section 7): quotes, backslashes and control characters escaped. */
public final class JsonStrings {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private JsonStrings() {
    }

    /**
     * @param s any string
     * @return {@code "s"} as UTF-8 JSON
     */
    public static byte[] quote(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 2);
        out.write('"');
        for (byte b : raw) {
            int c = b & 0xff;
            if (c == '"' || c == '\\') {
                out.write('\\');
                out.write(c);
            } else if (c < 0x20) {
                out.write('\\');
                out.write('u');
                out.write('0');
                out.write('0');
                out.write(HEX[c >> 4]);
                out.write(HEX[c & 0xf]);
            } else {
                out.write(c);
            }
        }
        out.write('"');
        return out.toByteArray();
    }
}
