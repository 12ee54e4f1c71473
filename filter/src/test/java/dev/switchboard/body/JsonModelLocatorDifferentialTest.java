package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The byte scanner ({@link JsonModelLocator}) against the Jackson-based locator it replaced
 * ({@link JacksonModelLocator}), byte for byte: status, the field at fault, every site (path, decoded name, byte
 * range) and every captured field must be the same for every body and shape. One difference is allowed, and only
 * one way: the scanner refuses a body that is not well-formed UTF-8 where Jackson accepted some such bodies.
 *
 * <p>The corpus: seeded random documents built from the spellings that matter (shape keys in other cases and
 * escaped, Go's folded runes, duplicates, wrong types, escapes, non-ASCII, every kind of number), each also
 * mutated at the byte level (bytes deleted, inserted, replaced, spans repeated, cut short) so that most of the
 * mutants are malformed in some way; plus the bounds (nesting depth, number length) at and around their limits.
 */
final class JsonModelLocatorDifferentialTest {

    private static final Shape[] SHAPES = {
        Shape.of(true, "model"),
        Shape.of(true, "model", "tools[].model"),
        Shape.of(false, "model", "session.model"),
        Shape.of(true, "requests[].params.model"),
        Shape.of(false, "model").capturing("purpose"),
        BatchFile.LINE,
        Shape.of(false, "data_source.model"),
        Shape.of(false, "grader.model", "grader.graders.model", "grader.graders.*.model"),
        Shape.of(true, "model", "*.model", "*.tools[].model"),
        Shape.of(true, "model", "fallbacks[].model", "tools[].model").containersOnly("fallbacks", "tools"),
        Shape.of(true, "model", "tools[].model").readingNameLists(java.util.List.of("models", "fallbacks"))
                .refusing(java.util.List.of("preset", "user_config")),
    };
    private static final String[] KEYS = {
        "model", "Model", "MODEL", "mod\\u0065l", "m\\u006fdel", "mode", "model ", "tools", "Tools", "tool\\u017f",
        "tool\u017f", "\u212aey", "session", "Session", "params", "requests", "body", "purpose", "PURPOSE", "purpos\\u0065",
        "messages", "x", "grader", "graders", "Graders", "fallbacks", "models", "Models", "model\\u0073", "preset", "PRESET", "", "\\u0000", "\\ud800\\udc00", "DATA_SOURCE", "data\u007fsource", "data\\u007fsource", "caf\u00e9", "\u4e2d", "\\\"", "\\\\",
        "stream", "stream", "Stream", "stre\\u0061m"};
    /** Keys Jackson refuses (a lone surrogate), drawn rarely: they make the whole document invalid. */
    private static final String[] RARE_KEYS = {"\\ud800", "\\udc00", "a\\ud800\\u0041", "\\ud800\\n"};
    /** The keys of the shapes, drawn half the time, so that many documents have sites. */
    private static final String[] SHAPE_KEYS = {"model", "model", "tools", "session", "requests", "params", "body", "purpose",
        "data_source", "grader", "graders", "stream", "fallbacks", "models"};
    private static final String[] STRINGS = {
        "\"gpt-4o\"", "\"regular\"", "\"\"", "\" \"", "\"a\\\"b\"", "\"\\u00e9t\\u00e9\"", "\"\u00e9t\u00e9\"",
        "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\ud83d\ude00\"", "\"\u4e2d\u6587\"", "\"x\\ny\\tz\"",
        "\"\\/\\b\\f\\r\"", "\"up/d\\u0065nied\"", "\"" + "m".repeat(300) + "\"", "\"\\u0041\\u00410\""};
    private static final String[] NUMBERS = {
        "0", "-0", "1", "-1", "10", "1.5", "-0.0", "1e2", "1E+2", "1e-2", "0.1e10", "123456789012345678901234567890",
        "1.0000000000000000000000001", "-12.5E-7"};
    private static final byte[][] INSERTS = {
        bytes("{"), bytes("}"), bytes("["), bytes("]"), bytes(":"), bytes(","), bytes("\""), bytes("\\"), bytes("u"),
        bytes("0"), bytes("1"), bytes("9"), bytes("-"), bytes("+"), bytes("."), bytes("e"), bytes("E"), bytes(" "),
        bytes("\t"), bytes("\n"), bytes("\r"), bytes("t"), bytes("n"), bytes("x"), bytes("/"), bytes("*"), bytes("'"),
        bytes("#"), bytes("="), {0}, {0x1f}, {0x7f}, {(byte) 0x80}, {(byte) 0xbf}, {(byte) 0xc0}, {(byte) 0xc1}, {(byte) 0xc2},
        {(byte) 0xe0}, {(byte) 0xed}, {(byte) 0xef}, {(byte) 0xf0}, {(byte) 0xf4}, {(byte) 0xf5}, {(byte) 0xff},
        {(byte) 0xc0, (byte) 0x80}, {(byte) 0xe0, (byte) 0x80, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
        bytes("\\u"), bytes("\\u12"), bytes("\\x"), bytes("\\ud800"), bytes("NaN"), bytes("Infinity"), bytes("01"),
        bytes("1."), bytes(".5"), bytes("1e"), bytes("true"), bytes("nul"), bytes("truex"), bytes(",]"), bytes(",}"),
        bytes("\"model\":\"x\","), bytes(",\"model\":\"y\""), bytes(",\"MODEL\":1"), bytes("/*c*/"), bytes("{}"), bytes("[]")};

    @Test
    void shouldAnswerAsJacksonDidForRandomAndMutatedBodies() {
        Random random = new Random(20261204L);
        Tally tally = new Tally();
        for (int n = 0; n < 4_000; n++) {
            byte[] body = bytes(document(random, 0));
            compare(body, tally);
            for (int m = 0; m < 4; m++) {
                compare(mutate(random, body), tally);
            }
        }
        // The corpus must reach both sides of every answer, or the comparison says little.
        assertThat(tally.found).as("bodies with sites").isGreaterThan(2_000);
        assertThat(tally.invalid).as("malformed bodies").isGreaterThan(10_000);
        assertThat(tally.other).as("duplicates, wrong types, other spellings, missing").isGreaterThan(5_000);
        assertThat(tally.utf8).as("malformed UTF-8 only the scanner refuses").isGreaterThan(50);
        assertThat(tally.streams).as("bodies that ask for a stream").isGreaterThan(120);
    }

    /** Hand-picked edges of the grammar, each inside a skipped value and inside the shape. */
    private static final String[] EDGES = {
        "[1,]", "[,1]", "[1,,2]", "{\"a\":1,}", "{,\"a\":1}", "{\"a\"=1}", "{\"a\" 1}", "{\"a\":}", "{\"a\"}", "{1:2}",
        "{'a':1}", "'x'", "[1 2]", "{\"a\":1 \"b\":2}", "tru", "truex", "nul", "NULL", "True", "-", "--1", "+1", "01",
        "-01", "1.", ".5", "1.e1", "1e", "1e+", "1E-", "0x1F", "1_000", "Infinity", "-Infinity", "NaN", "/*c*/1",
        "1//c", "#c\n1", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\U0041\"", "\"\t\"", "\"\u007f\"",
        "\"\\ud800\"", "\"\\udc00\\ud800\"", "[]", "{}", "[[]]", "[{}]", "\"\"", "0", "-0.0e-0", "1E400",
        "\"\\/\"", "\"\u2028\"", "[\"a\"\"b\"]", "{\"a\":1}}", "[1]]", "\"unterminated"};

    @Test
    void shouldAnswerAsJacksonDidAtTheEdges() {
        Tally tally = new Tally();
        for (String edge : EDGES) {
            compare(bytes("{\"x\":" + edge + ",\"model\":\"m\"}"), tally);
            compare(bytes("{\"model\":\"m\",\"x\":[" + edge + "]}"), tally);
            compare(bytes("{\"model\":" + edge + "}"), tally);
            compare(bytes("{\"tools\":[" + edge + "],\"model\":\"m\"}"), tally);
            compare(bytes("{\"tools\":[{\"model\":\"t\",\"x\":" + edge + "}],\"model\":\"m\"}"), tally);
            compare(bytes("{\"model\":\"m\"}" + edge), tally);
            compare(bytes("{\"model\":\"m\",\"models\":[\"a\"," + edge + "]}"), tally);
            compare(bytes("{\"models\":" + edge + ",\"model\":\"m\"}"), tally);
            compare(bytes(edge), tally);
        }
        assertThat(tally.invalid).isGreaterThan(EDGES.length * 4);
        assertThat(tally.found).isGreaterThan(EDGES.length * 4);
    }

    @Test
    void shouldDrawTheBoundsWhereJacksonDid() {
        Tally tally = new Tally();
        for (int depth = 250; depth <= 260; depth++) {
            compare(bytes("{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + ",\"model\":\"x\"}"), tally);
            compare(bytes("{\"a\":" + "{\"b\":".repeat(depth - 1) + "1" + "}".repeat(depth - 1) + ",\"model\":\"x\"}"), tally);
            compare(bytes("{\"tools\":[" + "{\"tools\":[".repeat(depth / 2) + "{\"model\":\"in\"}" + "]}".repeat(depth / 2)
                    + "],\"model\":\"x\"}"), tally);
            compare(bytes("{\"model\":\"x\",\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}"), tally);
        }
        for (int digits = 995; digits <= 1005; digits++) {
            String d = "1".repeat(digits);
            for (String number : new String[] {d, "-" + d, "0." + d.substring(1), d.substring(2) + ".5e1",
                "1e" + d.substring(1), "-1.5E+" + d.substring(2), d.substring(1) + "." + "0", "0"}) {
                compare(bytes("{\"n\":" + number + ",\"model\":\"x\"}"), tally);
                compare(bytes("{\"model\":" + number + "}"), tally);
            }
        }
        assertThat(tally.invalid).isGreaterThan(40);
        assertThat(tally.found).isGreaterThan(40);
    }

    /** What the corpus reached. */
    private static final class Tally {
        int found;
        int invalid;
        int other;
        int utf8;
        int streams;
    }

    private static void compare(byte[] body, Tally tally) {
        for (Shape shape : SHAPES) {
            for (boolean lenient : new boolean[] {false, true}) {
                // The body sits inside a larger array, as a batch file's line does: offsets must be the same too.
                byte[] padded = new byte[body.length + 6];
                System.arraycopy(body, 0, padded, 3, body.length);
                padded[body.length + 3] = '}';
                ModelField expected = new JacksonModelLocator(1 << 20).locate(padded, 3, body.length, shape, lenient);
                ModelField actual = new JsonModelLocator(1 << 20).locate(padded, 3, body.length, shape, lenient);
                String text = new String(body, StandardCharsets.ISO_8859_1);
                if (!actual.equals(expected) && actual.status() == ModelField.Status.INVALID_BODY && !wellFormed(body)) {
                    tally.utf8++;
                    continue;
                }
                assertThat(actual).as("%s (lenient %s) of %s", shape, lenient, text).isEqualTo(expected);
                switch (actual.status()) {
                    case FOUND -> {
                        tally.found++;
                        tally.streams += actual.asksForStream() ? 1 : 0;
                    }
                    case INVALID_BODY -> tally.invalid++;
                    default -> tally.other++;
                }
            }
        }
    }

    private static boolean wellFormed(byte[] body) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String document(Random random, int depth) {
        StringBuilder sb = new StringBuilder();
        if (depth == 0 && random.nextInt(20) == 0) {
            sb.append('\uFEFF');
        }
        sb.append(space(random)).append(object(random, depth)).append(space(random));
        return sb.toString();
    }

    private static String object(Random random, int depth) {
        StringBuilder sb = new StringBuilder("{").append(space(random));
        int members = random.nextInt(depth == 0 ? 6 : 4);
        for (int i = 0; i < members; i++) {
            if (i > 0) {
                sb.append(space(random)).append(',').append(space(random));
            }
            String key = random.nextInt(100) == 0 ? RARE_KEYS[random.nextInt(RARE_KEYS.length)]
                    : random.nextBoolean() ? SHAPE_KEYS[random.nextInt(SHAPE_KEYS.length)] : KEYS[random.nextInt(KEYS.length)];
            sb.append('"').append(key).append('"').append(space(random)).append(':').append(space(random));
            if (depth < 4 && (key.equals("tools") || key.equals("requests")) && random.nextInt(3) > 0) {
                sb.append('[');
                int items = random.nextInt(3);
                for (int t = 0; t < items; t++) {
                    sb.append(t == 0 ? "" : ",").append(space(random)).append(object(random, depth + 1));
                }
                sb.append(']');
            } else if (depth < 4 && (key.equals("session") || key.equals("params") || key.equals("body") || key.startsWith("data"))
                    && random.nextInt(3) > 0) {
                sb.append(object(random, depth + 1));
            } else if (key.startsWith("models") && random.nextInt(3) > 0) {
                // A list of names (OpenRouter's models), now and then with something else in it.
                sb.append('[');
                int items = random.nextInt(4);
                for (int t = 0; t < items; t++) {
                    sb.append(t == 0 ? "" : ",").append(space(random))
                            .append(random.nextInt(6) == 0 ? value(random, depth + 1) : STRINGS[random.nextInt(STRINGS.length)]);
                }
                sb.append(']');
            } else if (key.startsWith("stre") && random.nextInt(4) > 0) {
                sb.append(random.nextBoolean() ? "true" : "false");
            } else {
                sb.append(value(random, depth));
            }
        }
        return sb.append(space(random)).append('}').toString();
    }

    private static String value(Random random, int depth) {
        int kind = random.nextInt(depth < 4 ? 10 : 7);
        return switch (kind) {
            case 0, 1, 2 -> STRINGS[random.nextInt(STRINGS.length)];
            case 3 -> NUMBERS[random.nextInt(NUMBERS.length)];
            case 4 -> new String[] {"true", "false", "null"}[random.nextInt(3)];
            case 5, 6 -> STRINGS[random.nextInt(3)];
            case 7, 8 -> object(random, depth + 1);
            default -> {
                StringBuilder sb = new StringBuilder("[");
                int items = random.nextInt(4);
                for (int i = 0; i < items; i++) {
                    sb.append(i == 0 ? "" : ",").append(space(random)).append(value(random, depth + 1));
                }
                yield sb.append(']').toString();
            }
        };
    }

    private static String space(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> " ";
            case 1 -> "\n\t";
            case 2 -> "\r\n ";
            default -> "";
        };
    }

    private static byte[] mutate(Random random, byte[] body) {
        byte[] out = body;
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = out.length == 0 ? 0 : random.nextInt(out.length + 1);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            switch (random.nextInt(6)) {
                case 0 -> { // delete a byte
                    b.write(out, 0, Math.min(at, out.length));
                    if (at + 1 < out.length) {
                        b.write(out, at + 1, out.length - at - 1);
                    }
                }
                case 1, 2 -> { // insert
                    byte[] insert = INSERTS[random.nextInt(INSERTS.length)];
                    b.write(out, 0, at);
                    b.write(insert, 0, insert.length);
                    b.write(out, at, out.length - at);
                }
                case 3 -> { // replace a byte
                    byte[] insert = INSERTS[random.nextInt(INSERTS.length)];
                    b.write(out, 0, at);
                    b.write(insert, 0, insert.length);
                    if (at + 1 < out.length) {
                        b.write(out, at + 1, out.length - at - 1);
                    }
                }
                case 4 -> { // repeat a span
                    int end = at + random.nextInt(Math.max(1, out.length - at + 1));
                    end = Math.min(end, out.length);
                    b.write(out, 0, end);
                    b.write(out, at, out.length - at);
                }
                default -> b.write(out, 0, at); // cut short
            }
            out = b.toByteArray();
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
