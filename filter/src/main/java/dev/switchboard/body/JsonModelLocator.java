package dev.switchboard.body;

import dev.switchboard.json.JsonStrings;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds every model name of a JSON body by its endpoint's {@link Shape}, in one pass over the bytes: only
 * the keys of the shape are descended into; everything else is checked and skipped, nothing of it is
 * decoded or kept. The whole document is read, because clients put {@code model} anywhere (openai-python
 * sends it after {@code messages}) and a duplicate must be caught wherever it is.
 *
 * <p>Fail closed (SPEC section 15): keys are judged as every common upstream reads them. Python and
 * Node keep the last of two equal keys, Go's {@code encoding/json} matches keys ignoring case, so a key
 * equal to a shape key ignoring case ({@code MODEL}, {@code Mod\u0065l}) is a second spelling of it:
 * next to {@code model} it is {@code duplicate_model}, alone {@code invalid_model}; for a container key
 * ({@code Tools}) the request is refused as ambiguous. Keys are compared decoded ({@code "mod\u0065l"} is
 * {@code model}); {@link String#equalsIgnoreCase} folds the Kelvin sign and the long s as Go does.
 *
 * <p>Strict JSON only (RFC 8259), as Jackson's parser read it before this scanner replaced it (issue 18;
 * {@code JsonModelLocatorDifferentialTest} holds the two to the same answers): no comments, single quotes,
 * trailing commas, {@code NaN}, leading zeros or unescaped control characters; one object and nothing after
 * it but whitespace. Bounded: nesting depth ({@value #MAX_NESTING_DEPTH}), number length
 * ({@value #MAX_NUMBER_LENGTH} digits, as Jackson counts them) and the document (the body limit). Only
 * well-formed UTF-8 is accepted: a body that does not start with <code>{</code> after whitespace and an
 * optional UTF-8 BOM (UTF-16 and UTF-32 do not) is not an object, and a malformed, overlong or surrogate
 * sequence anywhere, or one above U+10FFFF, is an invalid body. (Here, and only here, the scanner is stricter than
 * Jackson was: Jackson let overlong sequences such as {@code C0 A2}, a quote in disguise, and sequences above
 * U+10FFFF through in string values. Python's reader refuses them, Go's and Node's replace them, so no upstream
 * reads them as sent.) Keys must also pair their escaped surrogates, as Jackson required. Thread-safe.
 */
public final class JsonModelLocator {

    /** Deepest nesting accepted; tool schemas in real requests stay far below. */
    public static final int MAX_NESTING_DEPTH = 256;
    /** Longest number accepted, in digits (integer, fraction and exponent digits together). */
    public static final int MAX_NUMBER_LENGTH = 1000;

    private final int maxBytes;

    /**
     * @param maxBytes the largest document accepted
     */
    public JsonModelLocator(int maxBytes) {
        this.maxBytes = Math.max(maxBytes, 1);
    }

    /**
     * @param body the body bytes
     * @param length how many bytes of {@code body} are the body
     * @param shape where the endpoint carries models
     * @return where the models are, or why the body cannot be used
     */
    public ModelField locate(byte[] body, int length, Shape shape) {
        return locate(body, 0, length, shape, false);
    }

    /**
     * @param body the bytes holding the document
     * @param offset where the document starts
     * @param length how many bytes from {@code offset} are the document
     * @param shape where the document carries models
     * @param lenient whether a document that is not an object at all is {@link ModelField.Status#NOT_OBJECT}
     *     (a model-less POST: nothing there for an upstream to read a model from) rather than invalid
     * @return where the models are (offsets into {@code body}), or why the document cannot be used
     */
    public ModelField locate(byte[] body, int offset, int length, Shape shape, boolean lenient) {
        int limit = offset + length;
        int first = firstSignificant(body, offset, limit);
        if (first < 0 || body[first] != '{') {
            return ModelField.failed(lenient ? ModelField.Status.NOT_OBJECT : ModelField.Status.INVALID_BODY, null);
        }
        if (length > maxBytes) {
            return ModelField.failed(ModelField.Status.INVALID_BODY, null);
        }
        Scan scan = new Scan(body, first, limit, shape);
        try {
            scan.object(shape.root(), 0, 1);
            if (scan.whitespace() != limit) {
                return ModelField.failed(ModelField.Status.INVALID_BODY, null);
            }
        } catch (Malformed e) {
            return ModelField.failed(ModelField.Status.INVALID_BODY, null);
        }
        return scan.result();
    }

    /** The top-level key whose {@code true} asks for a stream ({@link ModelField#asksForStream()}). */
    private static final byte[] STREAM = "stream".getBytes(StandardCharsets.US_ASCII);
    /**
     * A member so named in an object models are read from is refused: Node's {@code Object.assign} (and any copy by
     * assignment) makes its value the copy's prototype, whose {@code model} the copy then reads as its own.
     */
    private static final String PROTO = "__proto__";
    private static final byte[] PROTO_BYTES = PROTO.getBytes(StandardCharsets.US_ASCII);
    /** What a refusal of {@link #PROTO} says after its path. */
    static final String PROTO_REFUSED = " (a prototype to Node's Object.assign)";

    /** The document is not strict JSON (or exceeds a bound); thrown without a stack, caught in {@link #locate}. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Malformed INSTANCE = new Malformed();

        private Malformed() {
            super("malformed JSON", null, false, false);
        }
    }

    /** What a byte is inside a string ({@link #STRING_BYTES}). */
    private static final byte PLAIN = 0;
    private static final byte QUOTE = 1;
    private static final byte BACKSLASH = 2;
    private static final byte CONTROL = 3;
    private static final byte ABOVE_ASCII = 4;
    /** Every byte's class inside a string: the scan's inner loop is one load and one test per byte. */
    private static final byte[] STRING_BYTES = new byte[256];
    /** Eight bytes of an array as one long, for {@link Scan#string(boolean)}'s fast run. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Every byte's value as a hex digit, or -1. */
    private static final int[] HEX = new int[256];

    static {
        for (int c = 0; c < 256; c++) {
            STRING_BYTES[c] = c < 0x20 ? CONTROL : c == '"' ? QUOTE : c == '\\' ? BACKSLASH : c >= 0x80 ? ABOVE_ASCII : PLAIN;
            HEX[c] = Character.digit(c, 16);
            if (c >= 0x80) {
                HEX[c] = -1;
            }
        }
    }

    /** The state of one pass: {@link #pos} moves over the bytes; every method leaves it just past what it read. */
    private static final class Scan {
        /** {@link #string(boolean)}'s answer bits: the string holds an escape, a byte above ASCII. */
        private static final int ESCAPED = 1;
        private static final int NON_ASCII = 2;

        private final byte[] b;
        private final int limit;
        private final Shape shape;
        private final Shape.Node primary;
        private int pos;
        private List<ModelField.Site> primarySites;
        private List<ModelField.Site> otherSites;
        private Map<String, String> captured;
        private ModelField.Status problem;
        private String where;
        /** The last top-level {@code stream} holds {@code true}. */
        private boolean stream;

        Scan(byte[] b, int pos, int limit, Shape shape) {
            this.b = b;
            this.pos = pos;
            this.limit = limit;
            this.shape = shape;
            this.primary = shape.primaryNode();
        }

        /**
         * The keys walked to the current container, one per level of the shape, and the element's index where the level
         * is a list's ({@code -1} otherwise): a path is built from them only for a site or a failure, so walking into
         * the containers of a long conversation allocates nothing.
         */
        private String[] keys;
        private int[] indexes;

        private void at(int level, String key) {
            if (keys == null) {
                keys = new String[8];
                indexes = new int[8];
            } else if (level == keys.length) {
                keys = java.util.Arrays.copyOf(keys, level * 2);
                indexes = java.util.Arrays.copyOf(indexes, level * 2);
            }
            keys[level] = key;
            indexes[level] = -1;
        }

        /** @return the path to the current container's member {@code last} ({@code a.b[2].last}) */
        private String path(int level, String last) {
            if (level == 0) {
                return last;
            }
            StringBuilder sb = new StringBuilder(32);
            for (int i = 0; i < level; i++) {
                sb.append(keys[i]);
                if (indexes[i] >= 0) {
                    sb.append('[').append(indexes[i]).append(']');
                }
                sb.append('.');
            }
            return sb.append(last).toString();
        }

        /** At an object of the shape's {@code node}, {@code level} keys below the document. */
        void object(Shape.Node node, int level, int depth) {
            if (enter(depth, '}')) {
                return;
            }
            // Shape keys met in this object, in order of first appearance, each counted spelled exactly and not.
            Shape.Node[] seen = null;
            int[] counts = null;
            int seenCount = 0;
            while (true) {
                int keyStart = pos;
                int flags = key();
                int keyEnd = pos;
                colon();
                // A plain key is compared as bytes; only an escaped or non-ASCII one is decoded.
                String name = flags == 0 ? null : decode(keyStart, keyEnd, flags);
                if (depth == 1 && (name == null ? keyEnd - keyStart - 2 == STREAM.length && equalBytes(STREAM, keyStart + 1)
                        : name.equals("stream"))) {
                    // The value is checked below like any other; a malformed one fails the whole document.
                    stream = b[pos] == 't';
                }
                int k = -1;
                boolean exact = false;
                if (name == null) {
                    for (int i = 0; i < node.kids.length; i++) {
                        byte[] key = node.keyBytes[i];
                        if (key.length == keyEnd - keyStart - 2) {
                            if (equalBytes(key, keyStart + 1)) {
                                k = i;
                                exact = true;
                                break;
                            }
                            if (equalAsciiIgnoringCase(key, keyStart + 1)) {
                                k = i;
                            }
                        }
                    }
                } else {
                    for (int i = 0; i < node.kids.length; i++) {
                        if (node.keys[i].equals(name)) {
                            k = i;
                            exact = true;
                            break;
                        }
                        if (node.keys[i].equalsIgnoreCase(name)) {
                            k = i;
                        }
                    }
                }
                if (k < 0) {
                    if (name == null ? keyEnd - keyStart - 2 == PROTO_BYTES.length && equalBytes(PROTO_BYTES, keyStart + 1)
                            : name.equals(PROTO)) {
                        fail(ModelField.Status.AMBIGUOUS, path(level, PROTO) + PROTO_REFUSED);
                        value(depth);
                    } else if (node.any != null && b[pos] == '{') {
                        at(level, name == null ? decode(keyStart, keyEnd, flags) : name);
                        object(node.any, level + 1, depth + 1);
                    } else {
                        value(depth);
                    }
                } else {
                    Shape.Node child = node.kids[k];
                    String key = node.keys[k];
                    if (child.leaf == Shape.Leaf.REFUSED) {
                        fail(ModelField.Status.UNCHECKABLE, path(level, key) + UpstreamGateways.ROUTING_REFUSED);
                        value(depth);
                    } else if (child.leaf != null) {
                        if (seen == null) {
                            seen = new Shape.Node[node.kids.length];
                            counts = new int[2 * node.kids.length];
                        }
                        int s = 0;
                        while (s < seenCount && seen[s] != child) {
                            s++;
                        }
                        if (s == seenCount) {
                            seen[seenCount++] = child;
                        }
                        int exactCount = exact ? ++counts[2 * s] : counts[2 * s];
                        if (!exact) {
                            counts[2 * s + 1]++;
                        }
                        if (exact && exactCount == 1) {
                            leaf(child, level, key, depth);
                        } else {
                            value(depth);
                        }
                    } else if (!exact) {
                        fail(ModelField.Status.AMBIGUOUS, path(level, "'" + key + "' spelled in another case"));
                        value(depth);
                    } else if (b[pos] == '{') {
                        at(level, key);
                        object(child, level + 1, depth + 1);
                    } else if (b[pos] == '[') {
                        at(level, key);
                        array(child, level, depth + 1);
                    } else {
                        if (child.containerOnly && b[pos] != 'n') {
                            fail(ModelField.Status.UNCHECKABLE, path(level, key + " is not a list of models"));
                        }
                        value(depth);
                    }
                }
                if (endOfMember('}')) {
                    break;
                }
            }
            for (int s = 0; s < seenCount; s++) {
                if (counts[2 * s] + counts[2 * s + 1] > 1) {
                    // A second url or purpose is not a second model: it is ambiguous (which one a reader keeps).
                    fail(seen[s].leaf == Shape.Leaf.MODEL ? ModelField.Status.DUPLICATE : ModelField.Status.AMBIGUOUS,
                            path(level, keyOf(node, seen[s])) + (seen[s].leaf == Shape.Leaf.MODEL ? "" : " sent twice"));
                } else if (counts[2 * s + 1] > 0) {
                    fail(seen[s].leaf == Shape.Leaf.MODEL ? ModelField.Status.NOT_STRING : ModelField.Status.AMBIGUOUS,
                            path(level, keyOf(node, seen[s])) + " spelled in another case");
                }
            }
        }

        /** At a list whose object elements have the shape's {@code node}; its key is {@code keys[level]}. */
        private void array(Shape.Node node, int level, int depth) {
            if (enter(depth, ']')) {
                return;
            }
            int i = 0;
            do {
                if (pos < limit && b[pos] == '{') {
                    indexes[level] = i;
                    object(node, level + 1, depth + 1);
                } else {
                    if (node.containerOnly && pos < limit && b[pos] != 'n') {
                        // A list of models by name (LiteLLM's fallbacks) where the API lists objects: not read here.
                        fail(ModelField.Status.UNCHECKABLE, path(level, keys[level]) + "[" + i + "] is not an object with a model");
                    }
                    value(depth);
                }
                i++;
            } while (!endOfMember(']'));
        }

        /** At the value of a leaf key (its first exact spelling in the object). */
        private void leaf(Shape.Node node, int level, String key, int depth) {
            if (node.array) {
                names(level, key, depth);
                return;
            }
            if (b[pos] != '"') {
                if (node.leaf == Shape.Leaf.MODEL) {
                    fail(ModelField.Status.NOT_STRING, path(level, key));
                }
                value(depth);
                return;
            }
            int start = pos;
            int flags = string(false);
            String value = decode(start, pos, flags);
            String path = path(level, key);
            if (node.leaf == Shape.Leaf.CAPTURE) {
                if (captured == null) {
                    captured = new LinkedHashMap<>();
                }
                captured.put(path, value);
            } else if (ModelField.unusable(value) != null) {
                fail(ModelField.unusable(value), path);
            } else {
                List<ModelField.Site> sites;
                if (node == primary) {
                    sites = primarySites == null ? primarySites = new ArrayList<>(2) : primarySites;
                } else {
                    sites = otherSites == null ? otherSites = new ArrayList<>() : otherSites;
                }
                sites.add(new ModelField.Site(path, value, start, pos, true));
            }
        }

        /**
         * At the value of a list of model names ({@code models}, an upstream gateway's fallbacks): {@code null}, or a list
         * whose every element is a usable name, each a site; any other value names models nobody could check.
         */
        private void names(int level, String key, int depth) {
            if (b[pos] == 'n') {
                value(depth);
                return;
            }
            if (b[pos] != '[') {
                fail(ModelField.Status.UNCHECKABLE, path(level, key) + " is not a list of model names");
                value(depth);
                return;
            }
            if (enter(depth + 1, ']')) {
                return;
            }
            int i = 0;
            do {
                if (pos < limit && b[pos] == '"') {
                    int start = pos;
                    int flags = string(false);
                    String value = decode(start, pos, flags);
                    String path = path(level, key + "[" + i + "]");
                    if (ModelField.unusable(value) != null) {
                        fail(ModelField.unusable(value), path);
                    } else {
                        (otherSites == null ? otherSites = new ArrayList<>() : otherSites)
                                .add(new ModelField.Site(path, value, start, pos, true));
                    }
                } else {
                    fail(ModelField.Status.UNCHECKABLE, path(level, key + "[" + i + "]") + " is not a model name");
                    value(depth + 1);
                }
                i++;
            } while (!endOfMember(']'));
        }

        /** At any value inside a container at {@code depth}: checked and passed over. */
        private void value(int depth) {
            if (pos >= limit) {
                throw Malformed.INSTANCE;
            }
            switch (b[pos]) {
                case '"' -> string(false);
                case '{' -> skipObject(depth + 1);
                case '[' -> skipArray(depth + 1);
                case 't' -> literal(TRUE);
                case 'f' -> literal(FALSE);
                case 'n' -> literal(NULL);
                default -> number();
            }
        }

        private void skipObject(int depth) {
            if (enter(depth, '}')) {
                return;
            }
            do {
                key();
                colon();
                value(depth);
            } while (!endOfMember('}'));
        }

        private void skipArray(int depth) {
            if (enter(depth, ']')) {
                return;
            }
            do {
                value(depth);
            } while (!endOfMember(']'));
        }

        /**
         * Past a container's opening byte, within the nesting bound.
         *
         * @return whether it is empty (then past its {@code close} too)
         */
        private boolean enter(int depth, char close) {
            if (depth > MAX_NESTING_DEPTH) {
                throw Malformed.INSTANCE;
            }
            pos++;
            if (whitespace() < limit && b[pos] == close) {
                pos++;
                return true;
            }
            return false;
        }

        /** At a member's key: checked and passed over, up to the colon; returns {@link #string(boolean)}'s flags. */
        private int key() {
            if (pos >= limit || b[pos] != '"') {
                throw Malformed.INSTANCE;
            }
            return string(true);
        }

        /** After a key: the colon and the whitespace around it; at the value after. */
        private void colon() {
            if (whitespace() >= limit || b[pos] != ':') {
                throw Malformed.INSTANCE;
            }
            pos++;
            if (whitespace() >= limit) {
                throw Malformed.INSTANCE;
            }
        }

        /** After a member: {@code true} past the container's {@code close}, {@code false} past a comma (at the next member). */
        private boolean endOfMember(char close) {
            if (whitespace() >= limit) {
                throw Malformed.INSTANCE;
            }
            byte c = b[pos++];
            if (c == close) {
                return true;
            }
            if (c != ',' || whitespace() >= limit) {
                throw Malformed.INSTANCE;
            }
            return false;
        }

        /** @return the position of the next byte that is not JSON whitespace ({@code limit} when none) */
        int whitespace() {
            int i = pos;
            while (i < limit) {
                byte c = b[i];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    break;
                }
                i++;
            }
            pos = i;
            return i;
        }

        private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
        private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
        private static final byte[] NULL = {'n', 'u', 'l', 'l'};

        private void literal(byte[] word) {
            if (limit - pos < word.length) {
                throw Malformed.INSTANCE;
            }
            for (int i = 0; i < word.length; i++) {
                if (b[pos + i] != word[i]) {
                    throw Malformed.INSTANCE;
                }
            }
            pos += word.length;
        }

        /** A number: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}; digits counted as Jackson counts them. */
        private void number() {
            int i = pos;
            if (b[i] == '-') {
                i++;
            }
            int intStart = i;
            if (i < limit && b[i] == '0') {
                i++;
            } else {
                i = digits(i);
                if (i == intStart) {
                    throw Malformed.INSTANCE;
                }
            }
            int length = i - intStart;
            if (i < limit && b[i] == '.') {
                int from = i + 1;
                i = digits(from);
                if (i == from) {
                    throw Malformed.INSTANCE;
                }
                length += i - from;
            }
            if (i < limit && (b[i] == 'e' || b[i] == 'E')) {
                i++;
                if (i < limit && (b[i] == '+' || b[i] == '-')) {
                    i++;
                }
                int from = i;
                i = digits(from);
                if (i == from) {
                    throw Malformed.INSTANCE;
                }
                length += i - from;
            }
            if (length > MAX_NUMBER_LENGTH) {
                throw Malformed.INSTANCE;
            }
            pos = i;
        }

        private int digits(int from) {
            int i = from;
            while (i < limit && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            return i;
        }

        /**
         * At a string's opening quote: checks escapes, control characters and UTF-8, ends past the closing quote.
         *
         * @param name whether the string is a key, whose escaped surrogates must pair (Jackson refuses a lone one
         *     there, and only there)
         * @return {@link #ESCAPED} and/or {@link #NON_ASCII}, or 0 for plain ASCII
         */
        private int string(boolean name) {
            byte[] b = this.b;
            int limit = this.limit;
            int i = pos + 1;
            int flags = 0;
            while (true) {
                // Eight bytes at a time while none of them ends the run: no quote, backslash, control byte or byte
                // above ASCII (each test is exact about whether such a byte is there, not about which one).
                while (i + 8 <= limit) {
                    long v = (long) LONGS.get(b, i);
                    long quote = v ^ 0x2222222222222222L;
                    long backslash = v ^ 0x5C5C5C5C5C5C5C5CL;
                    long stop = (v | (v - 0x2020202020202020L) | (quote - 0x0101010101010101L) & ~quote
                            | (backslash - 0x0101010101010101L) & ~backslash) & 0x8080808080808080L;
                    if (stop != 0) {
                        break;
                    }
                    i += 8;
                }
                while (i < limit && STRING_BYTES[b[i] & 0xff] == PLAIN) {
                    i++;
                }
                if (i >= limit) {
                    throw Malformed.INSTANCE;
                }
                int c = b[i] & 0xff;
                switch (STRING_BYTES[c]) {
                    case QUOTE -> {
                        pos = i + 1;
                        return flags;
                    }
                    case BACKSLASH -> {
                        flags |= ESCAPED;
                        i = escape(i, name);
                    }
                    case ABOVE_ASCII -> {
                        flags |= NON_ASCII;
                        i = utf8(i, c);
                    }
                    default -> throw Malformed.INSTANCE;
                }
            }
        }

        /** At a backslash: returns the position after its escape (in a key, after the low half of a surrogate pair). */
        private int escape(int i, boolean name) {
            if (i + 1 >= limit) {
                throw Malformed.INSTANCE;
            }
            switch (b[i + 1]) {
                case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                    return i + 2;
                }
                case 'u' -> {
                    int unit = hex(i + 2);
                    if (!name || !Character.isSurrogate((char) unit)) {
                        return i + 6;
                    }
                    if (Character.isHighSurrogate((char) unit) && i + 7 < limit && b[i + 6] == '\\' && b[i + 7] == 'u'
                            && Character.isLowSurrogate((char) hex(i + 8))) {
                        return i + 12;
                    }
                    throw Malformed.INSTANCE;
                }
                default -> throw Malformed.INSTANCE;
            }
        }

        /** The four hex digits at {@code from}, as a UTF-16 unit. */
        private int hex(int from) {
            if (from + 4 > limit) {
                throw Malformed.INSTANCE;
            }
            int unit = 0;
            for (int h = from; h < from + 4; h++) {
                int digit = HEX[b[h] & 0xff];
                if (digit < 0) {
                    throw Malformed.INSTANCE;
                }
                unit = unit << 4 | digit;
            }
            return unit;
        }

        /** At a byte above ASCII, {@code c}: returns the position after its well-formed UTF-8 sequence (Unicode table 3-7). */
        private int utf8(int i, int c) {
            int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                lo = c == 0xE0 ? 0xA0 : 0x80;
                hi = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                lo = c == 0xF0 ? 0x90 : 0x80;
                hi = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                throw Malformed.INSTANCE;
            }
            if (i + n >= limit) {
                throw Malformed.INSTANCE;
            }
            int second = b[i + 1] & 0xff;
            if (second < lo || second > hi) {
                throw Malformed.INSTANCE;
            }
            for (int j = i + 2; j <= i + n; j++) {
                if ((b[j] & 0xC0) != 0x80) {
                    throw Malformed.INSTANCE;
                }
            }
            return i + n + 1;
        }

        /** The string from its opening quote at {@code start} to just past its closing quote at {@code end}, decoded. */
        private String decode(int start, int end, int flags) {
            if ((flags & ESCAPED) == 0) {
                return new String(b, start + 1, end - start - 2,
                        flags == 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
            }
            return JsonStrings.unescape(b, start + 1, end - 1);
        }

        private boolean equalBytes(byte[] key, int from) {
            for (int i = 0; i < key.length; i++) {
                if (b[from + i] != key[i]) {
                    return false;
                }
            }
            return true;
        }

        /** For a plain ASCII key: {@link String#equalsIgnoreCase} of ASCII is ASCII case folding. */
        private boolean equalAsciiIgnoringCase(byte[] key, int from) {
            for (int i = 0; i < key.length; i++) {
                int x = b[from + i];
                int y = key[i];
                if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) {
                    return false;
                }
            }
            return true;
        }

        private void fail(ModelField.Status status, String at) {
            // A duplicate is reported over whatever else is wrong with either copy.
            if (problem == null || (status == ModelField.Status.DUPLICATE && problem != status)) {
                problem = status;
                where = at;
            }
        }

        ModelField result() {
            if (problem != null) {
                return ModelField.failed(problem, "model".equals(where) ? null : where);
            }
            if (primarySites == null && shape.required()) {
                return ModelField.failed(ModelField.Status.MISSING, null);
            }
            List<ModelField.Site> sites = primarySites == null ? List.of() : primarySites;
            if (otherSites != null) {
                sites = new ArrayList<>(sites);
                sites.addAll(otherSites);
            }
            return new ModelField(sites.isEmpty() ? ModelField.Status.NONE : ModelField.Status.FOUND, null, sites,
                    captured == null ? Map.of() : captured, stream);
        }

        private static String keyOf(Shape.Node parent, Shape.Node child) {
            for (int i = 0; i < parent.kids.length; i++) {
                if (parent.kids[i] == child) {
                    return parent.keys[i];
                }
            }
            throw new IllegalStateException();
        }
    }

    /**
     * @return where a document in {@code body[from, limit)} starts: past a leading UTF-8 BOM and JSON whitespace; -1
     *     when there is nothing else
     */
    public static int firstSignificant(byte[] body, int from, int limit) {
        int i = from;
        if (limit - from >= 3 && (body[from] & 0xff) == 0xEF && (body[from + 1] & 0xff) == 0xBB
                && (body[from + 2] & 0xff) == 0xBF) {
            i = from + 3;
        }
        for (; i < limit; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return i;
            }
        }
        return -1;
    }
}
