package dev.switchboard.json;

import java.nio.charset.StandardCharsets;

/** The text of a JSON string read from UTF-8 bytes by one of the byte scanners. Stateless. */
public final class JsonStrings {

    private JsonStrings() {
    }

    /**
     * @param b the bytes
     * @param from the string's first byte after its opening quote
     * @param to its closing quote
     * @return the text between, its escapes (already checked by the caller: each well-formed) decoded; a
     *     {@code \}{@code u} escape of a lone surrogate stays that lone {@code char}, as Jackson keeps it
     */
    public static String unescape(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        int j = from;
        while (j < to) {
            if (b[j] != '\\') {
                j++;
                continue;
            }
            sb.append(new String(b, run, j - run, StandardCharsets.UTF_8));
            byte e = b[j + 1];
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append((char) Integer.parseInt(new String(b, j + 2, 4, StandardCharsets.US_ASCII), 16));
                default -> sb.append((char) e);
            }
            j += e == 'u' ? 6 : 2;
            run = j;
        }
        return sb.append(new String(b, run, to - run, StandardCharsets.UTF_8)).toString();
    }
}
