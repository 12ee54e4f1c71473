package dev.switchboard.exchange;

import dev.switchboard.json.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one whole JSON text (a small answer, an SSE event's data) for {@link UsageReader}: a single pass over the
 * bytes that knows only where it is (the keys of the open objects and arrays) and hands the integers and the few
 * strings that matter to the reader, with the same facts a Jackson parser's context gives its incremental read.
 * It decodes no string it skips and builds no token, which is why it exists: Jackson spent ~4.5 of the tap's
 * ~5.7 us on a 230-byte answer tokenizing it (bench/NOTES.md); this scan is a few bytes' comparisons each.
 *
 * <p>It follows the JSON grammar (RFC 8259) as Jackson does by default: a fault (bad syntax, an unescaped control
 * character in a string, a number with a leading zero or past 1,000 digits, nesting past {@link #MAX_DEPTH}) ends
 * the read, and what was read before it stands; several texts in a row are read in turn.
 * One difference, by design: it does not check that skipped strings are valid UTF-8 (an answer is read for its
 * numbers here, not judged; the strings it reads are decoded leniently). {@code UsageScannerTest} holds it to the
 * Jackson path over generated texts. Not thread-safe: one per reader.
 */
final class UsageScanner {

    /** Deepest nesting read, by this scan and by the Jackson path ({@code maxNestingDepth}). */
    static final int MAX_DEPTH = 256;
    /** Longest number, as Jackson's default {@code maxNumberLength}. */
    private static final int MAX_NUMBER_LENGTH = 1000;

    /** A fault in the text: the read ends. Stackless, one instance. */
    private static final class Fault extends Exception {
        private static final long serialVersionUID = 1L;
        static final Fault INSTANCE = new Fault();

        private Fault() {
            super("malformed JSON", null, false, false);
        }
    }

    /** The bytes a string holds as they are: all but the quote, the backslash and the controls below 0x20. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c < 256; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    private final UsageReader out;
    private byte[] b;
    private int i;
    private int end;
    /** Per open container, from the root: whether it is an array, and the key it sits under (OTHER: none). */
    private boolean[] array = new boolean[16];
    private int[] keyIn = new int[16];
    private int depth;
    /** The index of the outermost open array, or {@link Integer#MAX_VALUE} when none is open. */
    private int firstArray = Integer.MAX_VALUE;

    UsageScanner(UsageReader out) {
        this.out = out;
    }

    /**
     * Reads the JSON texts in {@code bytes[from, to)}.
     *
     * @param bytes the bytes
     * @param from the first
     * @param to past the last
     */
    void read(byte[] bytes, int from, int to) {
        b = bytes;
        i = from;
        end = to;
        depth = 0;
        firstArray = Integer.MAX_VALUE;
        try {
            while (skipWhitespace()) {
                out.textBegins();
                value(UsageReader.OTHER);
            }
        } catch (Fault | RuntimeException e) {
            // What was read before the fault stands (a RuntimeException cannot come from a valid or invalid
            // text, but a tap must never throw into the response it reads).
        } finally {
            b = null;
        }
    }

    /** @return whether a byte other than whitespace is left */
    private boolean skipWhitespace() {
        while (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return true;
            }
            i++;
        }
        return false;
    }

    private void expectMore() throws Fault {
        if (!skipWhitespace()) {
            throw Fault.INSTANCE;
        }
    }

    /** A value at {@code i} (after whitespace), under key {@code key} of the current object (OTHER: none). */
    private void value(int key) throws Fault {
        switch (b[i]) {
            case '{' -> container(false, key);
            case '[' -> container(true, key);
            case '"' -> {
                // Only a key in an object reads a string (OTHER, a value in an array or the root, reads none).
                int d = depth - 1;
                boolean inArray = d > 0 && array[d - 1];
                if (key != UsageReader.OTHER && UsageReader.readsString(key, keyIn[d], inArray ? -1 : d)) {
                    out.string(key, keyIn[d], inArray ? keyIn[d - 1] : UsageReader.OTHER, inArray ? -1 : d, string());
                } else {
                    skipString();
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number(key);
        }
    }

    private void container(boolean isArray, int key) throws Fault {
        if (depth == MAX_DEPTH) {
            throw Fault.INSTANCE;
        }
        if (depth == array.length) {
            array = Arrays.copyOf(array, depth * 2);
            keyIn = Arrays.copyOf(keyIn, depth * 2);
        }
        array[depth] = isArray;
        if (isArray && firstArray > depth) {
            firstArray = depth;
        }
        // OTHER for a container in an array or at the root: only members of objects are given a key.
        keyIn[depth] = key;
        depth++;
        i++;
        expectMore();
        byte close = isArray ? (byte) ']' : (byte) '}';
        if (b[i] == close) {
            i++;
            close();
            return;
        }
        // The root's error object counts once it closed whole holding a member other than null (where the Jackson
        // path sees its end; a fault inside it ends both reads before that).
        boolean inError = !isArray && UsageReader.inErrorObject(key, firstArray < depth ? -1 : depth - 1);
        boolean notNull = false;
        while (true) {
            int k = UsageReader.OTHER;
            if (!isArray) {
                if (b[i] != '"') {
                    throw Fault.INSTANCE;
                }
                k = key();
                expectMore();
                if (b[i] != ':') {
                    throw Fault.INSTANCE;
                }
                i++;
                expectMore();
            }
            notNull |= inError && b[i] != 'n';
            value(k);
            expectMore();
            byte c = b[i++];
            if (c == close) {
                close();
                if (notNull) {
                    out.errorObject();
                }
                return;
            }
            if (c != ',') {
                throw Fault.INSTANCE;
            }
            expectMore();
        }
    }

    /** The innermost open container ended. */
    private void close() {
        depth--;
        if (firstArray == depth) {
            firstArray = Integer.MAX_VALUE;
        }
    }

    /** A key at {@code i}: its number, decoded only when it holds an escape. */
    private int key() throws Fault {
        int start = i + 1;
        boolean escaped = skipString();
        if (escaped) {
            return UsageReader.id(JsonStrings.unescape(b, start, i - 1));
        }
        return UsageReader.id(b, start, i - 1);
    }

    /** A string value at {@code i}, decoded. */
    private String string() throws Fault {
        int start = i + 1;
        boolean escaped = skipString();
        return escaped ? JsonStrings.unescape(b, start, i - 1) : new String(b, start, i - 1 - start, StandardCharsets.UTF_8);
    }

    /**
     * Moves past the string that starts at {@code i}.
     *
     * @return whether it holds an escape
     */
    private boolean skipString() throws Fault {
        i++;
        boolean escaped = false;
        while (i < end) {
            // Most of a body is the text of strings: one table look per byte until a quote, escape or control.
            while (PLAIN[b[i] & 0xff]) {
                if (++i == end) {
                    throw Fault.INSTANCE;
                }
            }
            byte c = b[i++];
            if (c == '"') {
                return escaped;
            }
            if (c == '\\') {
                escaped = true;
                if (i >= end) {
                    throw Fault.INSTANCE;
                }
                byte e = b[i++];
                if (e == 'u') {
                    for (int n = 0; n < 4; n++) {
                        if (i >= end || Character.digit(b[i++], 16) < 0) {
                            throw Fault.INSTANCE;
                        }
                    }
                } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                    throw Fault.INSTANCE;
                }
            } else if (c >= 0 && c < 0x20) {
                // An unescaped control character (bytes of multi-byte UTF-8 are negative here).
                throw Fault.INSTANCE;
            }
        }
        throw Fault.INSTANCE;
    }

    private void literal(String word) throws Fault {
        int n = word.length();
        if (end - i < n) {
            throw Fault.INSTANCE;
        }
        for (int k = 0; k < n; k++) {
            if (b[i + k] != word.charAt(k)) {
                throw Fault.INSTANCE;
            }
        }
        i += n;
        requireDelimiter();
    }

    /** A number at {@code i}; an integer in an object is handed to the reader. */
    private void number(int key) throws Fault {
        int start = i;
        boolean negative = b[i] == '-';
        if (negative) {
            i++;
        }
        if (i >= end || b[i] < '0' || b[i] > '9') {
            throw Fault.INSTANCE;
        }
        long value = 0;
        boolean overflow = false;
        if (b[i] == '0') {
            i++;
            if (i < end && b[i] >= '0' && b[i] <= '9') {
                throw Fault.INSTANCE;
            }
        } else {
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                int d = b[i++] - '0';
                // Accumulated negatively, so that Long.MIN_VALUE fits.
                if (value < (Long.MIN_VALUE + d) / 10) {
                    overflow = true;
                }
                value = value * 10 - d;
            }
        }
        boolean integer = true;
        if (i < end && b[i] == '.') {
            integer = false;
            i++;
            requireDigits();
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            integer = false;
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            requireDigits();
        }
        if (i - start > MAX_NUMBER_LENGTH) {
            throw Fault.INSTANCE;
        }
        if (integer && key != UsageReader.OTHER) {
            int d = depth - 1;
            if (UsageReader.readsInteger(key, keyIn[d], d > 0 ? keyIn[d - 1] : UsageReader.OTHER)
                    && UsageReader.anchored(keyIn[d], firstArray <= d ? -1 : d)) {
                if (!overflow && (negative || value != Long.MIN_VALUE)) {
                    // Past a long, the count is unknown (as a negative one), and the rest of the text is still read:
                    // its other counts stand.
                    out.integer(key, keyIn[d], d, negative ? value : -value);
                }
            }
        }
        // Checked after the value counts: Jackson too hands over a number and fails on what follows it.
        requireDelimiter();
    }

    private void requireDigits() throws Fault {
        if (i >= end || b[i] < '0' || b[i] > '9') {
            throw Fault.INSTANCE;
        }
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
    }

    /** After a number or a literal: the text ends, or whitespace or a structural character follows. */
    private void requireDelimiter() throws Fault {
        if (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != ',' && c != '}' && c != ']') {
                throw Fault.INSTANCE;
            }
        }
    }
}
