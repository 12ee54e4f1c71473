package dev.switchboard.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scanner that reads small answers and SSE events against the Jackson parse that reads large answers: over
 * generated JSON texts (every key that matters at every depth, escapes, numbers of every form, whitespace) and the
 * same texts cut short or with one character changed, both must read the same usage, faults included.
 */
final class UsageScannerTest {

    private static final String[] KEYS = {"usage", "prompt_tokens", "input_tokens", "completion_tokens", "output_tokens",
        "cache_read_input_tokens", "cache_creation_input_tokens", "cached_tokens", "prompt_tokens_details",
        "input_tokens_details", "reasoning_tokens", "completion_tokens_details", "output_tokens_details",
        "finish_reason", "choices", "stop_reason", "status", "response", "message", "type", "object", "error", "id", "model",
        "content", "x y", "pr\u00f6xy",
        "\\u0075sage", "prompt\\u005ftokens", "status\\n"};
    private static final String[] STRINGS = {"stop", "length", "completed", "error", "in_progress", "failed", "", "with \\\"quotes\\\" and \\\\",
        "caf\u00e9 \ud83d\ude00", "esc \\u00e9\\ud83d\\ude00\\n\\t\\/", "end_turn"};
    private static final String[] NUMBERS = {"0", "7", "-3", "12345678901", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "99999999999999999999999", "1.5",
        "-0.0", "2e3", "4E+2", "5e-1", "-0"};
    private static final String CORRUPTIONS = "{}[]:,\"\\ 0123456789-+.eEtfnulrsx\u0001\t\n";

    private final Random random = new Random(20261203);

    /** Usage read by the scanner (a body that came whole) and by the incremental parse, whole and in two chunks. */
    private static Usage[] readBothWays(byte[] bytes, int split) {
        UsageReader scanned = UsageReader.forResponse("application/json", null, bytes.length);
        scanned.accept(bytes, 0, bytes.length);
        UsageReader whole = UsageReader.incrementalJson();
        whole.accept(bytes, 0, bytes.length);
        UsageReader chunked = UsageReader.incrementalJson();
        chunked.accept(bytes, 0, split);
        chunked.accept(bytes, split, bytes.length - split);
        return new Usage[] {scanned.finish(), whole.finish(), chunked.finish()};
    }

    @Test
    void shouldLetTheRootsUsageStandOverAMembersEitherWay() {
        for (String text : new String[] {
                "{\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5},\"m\":{\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":600}}}",
                "{\"m\":{\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":600}},\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5}}"}) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThat(readBothWays(bytes, bytes.length / 2)).as(text).containsOnly(new Usage(11L, 5L, null, null, null, null));
        }
    }

    @Test
    void shouldReadWhatTheJacksonParseReadsFromGeneratedTextsWholeCutAndChanged() {
        int known = 0;
        int faulty = 0;
        for (int n = 0; n < 20_000; n++) {
            String text = random.nextInt(10) == 0 ? array(0) : object(0);
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            switch (n % 3) {
                case 1 -> {
                    bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                    faulty++;
                }
                case 2 -> {
                    int at = random.nextInt(bytes.length);
                    if (bytes[at] >= 0) {
                        // Only an ASCII byte is changed, to an ASCII byte: the text stays valid UTF-8 (the one check
                        // the scanner leaves out on purpose).
                        bytes[at] = (byte) CORRUPTIONS.charAt(random.nextInt(CORRUPTIONS.length()));
                        faulty++;
                    }
                }
                default -> {
                }
            }
            Usage[] read = readBothWays(bytes, bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1));
            String shown = new String(bytes, StandardCharsets.UTF_8);
            assertThat(read[0]).as("scanner vs Jackson: %s", shown).isEqualTo(read[1]);
            assertThat(read[2]).as("Jackson in two chunks: %s", shown).isEqualTo(read[1]);
            if (read[0] != Usage.UNKNOWN) {
                known++;
            }
        }
        assertThat(known).as("texts whose usage was read").isGreaterThan(5_000);
        assertThat(faulty).as("texts cut or changed").isGreaterThan(10_000);
    }

    @Test
    void shouldReadTheDeepestNestingJacksonReadsAndNoDeeper() {
        for (int depth : new int[] {UsageScanner.MAX_DEPTH - 2, UsageScanner.MAX_DEPTH - 1, UsageScanner.MAX_DEPTH}) {
            // The root, depth - 1 wrapping objects and an empty one (nesting depth + 1), then the usage: read only when the
            // nesting before it did not end the read.
            String text = "{\"a\":" + "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1)
                    + ",\"usage\":{\"prompt_tokens\":3}}";
            Usage[] read = readBothWays(text.getBytes(StandardCharsets.UTF_8), text.length() / 2);
            assertThat(read[0]).as("depth %d", depth + 1).isEqualTo(read[1]).isEqualTo(read[2]);
            assertThat(read[0].inputTokens()).as("depth %d", depth + 1)
                    .isEqualTo(depth + 1 <= UsageScanner.MAX_DEPTH ? 3L : null);
        }
    }

    @Test
    void shouldReadAnswersAsProvidersSendThem() {
        String chat = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + "\"a \\\"usage\\\": {\\\"prompt_tokens\\\": 9}\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":3},\"completion_tokens_details\":{\"reasoning_tokens\":4}}}";
        assertThat(readBothWays(chat.getBytes(StandardCharsets.UTF_8), 40)[0])
                .isEqualTo(new Usage(19L, 10L, 3L, 4L, null, "stop"));
        String nested = "{\"choices\":[{\"finish_reason\":\"x\",\"usage\":{\"prompt_tokens\":1}}],"
                + "\"data\":{\"usage\":{\"completion_tokens\":2,\"details\":{\"cached_tokens\":5}}},"
                + "\"tools\":{\"schema\":{\"usage\":{\"input_tokens\":7}}},\"status\":\"s\",\"o\":{\"status\":\"no\"}}";
        assertThat(readBothWays(nested.getBytes(StandardCharsets.UTF_8), 10)[0])
                .as("usage of the root or of a root member counts, not in an array nor deeper; cached_tokens only under"
                        + " usage's details; status at the root only")
                .isEqualTo(new Usage(null, 2L, null, null, null, "s"));
        for (String error : new String[] {"{\"error\":{\"code\":500}}", "{\"id\":1,\"error\" : {\"a\":null,\"b\":[]}}"}) {
            Usage[] read = readBothWays(error.getBytes(StandardCharsets.UTF_8), 5);
            assertThat(read).as("an error object at the top, whatever it holds: %s", error)
                    .allMatch(Usage::errorEvent);
        }
        String deeper = "{\"data\":{\"error\":{\"code\":500}},\"items\":[{\"error\":{\"code\":1}}],\"error\":null}";
        assertThat(readBothWays(deeper.getBytes(StandardCharsets.UTF_8), 7)).as("an error object deeper, or null")
                .allMatch(u -> u == Usage.UNKNOWN);
        // A fault inside the error object ends both reads before its end, whichever token the fault follows (the
        // Jackson path hands a number or a literal over before it looks at the byte after it).
        for (String broken : new String[] {"{\"error\":{\"code\":500:}}", "{\"error\":{\"a\":true\"}", "{\"error\":{\"c\":0\"}",
                "{\"error\":{\"code\":500"}) {
            Usage[] read = readBothWays(broken.getBytes(StandardCharsets.UTF_8), 4);
            assertThat(read[0]).as("scanner vs Jackson: %s", broken).isEqualTo(read[1]).isEqualTo(read[2]);
        }
        String placeholder = "{\"error\":{\"code\":null,\"message\":null},\"other\":{}}";
        assertThat(readBothWays(placeholder.getBytes(StandardCharsets.UTF_8), 9)).as("an error object of nulls only")
                .allMatch(u -> u == Usage.UNKNOWN);
    }

    // Regression: a count past a long ended the read (as Jackson's getLongValue fails), so the answer's other counts,
    // read after it, were lost too.
    @Test
    void shouldTakeACountPastALongAsUnknownAndReadItsSiblings() {
        for (String big : new String[] {"9223372036854775808", "-9223372036854775809", "99999999999999999999999"}) {
            String chat = "{\"usage\":{\"prompt_tokens\":" + big + ",\"completion_tokens\":10,"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":4}},\"choices\":[{\"finish_reason\":\"stop\"}]}";
            assertThat(readBothWays(chat.getBytes(StandardCharsets.UTF_8), 30)).as(big)
                    .containsOnly(new Usage(null, 10L, null, 4L, null, "stop"));
        }
        String largest = "{\"usage\":{\"input_tokens\":9223372036854775807,\"output_tokens\":1}}";
        assertThat(readBothWays(largest.getBytes(StandardCharsets.UTF_8), 12))
                .containsOnly(new Usage(Long.MAX_VALUE, 1L, null, null, null, null));
    }

    private String object(int depth) {
        StringBuilder sb = new StringBuilder("{").append(space());
        int n = random.nextInt(depth > 3 ? 3 : 6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',').append(space());
            }
            int shape = random.nextInt(8);
            String key = shape == 0 ? "usage" : shape == 1 ? "choices" : KEYS[random.nextInt(KEYS.length)];
            String value = shape == 0 ? usage() : shape == 1 ? "[" + space() + "{\"finish_reason\":"
                    + value(depth + 1) + "}" + space() + "]" : value(depth + 1);
            sb.append('"').append(key).append('"').append(space()).append(':').append(space()).append(value)
                    .append(space());
        }
        return sb.append('}').toString();
    }

    /** A usage object as providers write it, its members in any order, their values of any kind. */
    private String usage() {
        String[] members = {"\"prompt_tokens\":", "\"completion_tokens\":", "\"input_tokens\":",
            "\"cache_read_input_tokens\":", "\"prompt_tokens_details\":{\"cached_tokens\":",
            "\"output_tokens_details\":{" + space() + "\"reasoning_tokens\":"};
        StringBuilder sb = new StringBuilder("{");
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String m = members[random.nextInt(members.length)];
            String v = random.nextInt(4) == 0 ? value(5) : Integer.toString(random.nextInt(100_000));
            sb.append(i > 0 ? "," : "").append(space()).append(m).append(space()).append(v)
                    .append(m.endsWith("{") || m.contains(":{") ? "}" : "");
        }
        return sb.append(space()).append('}').toString();
    }

    private String array(int depth) {
        StringBuilder sb = new StringBuilder("[").append(space());
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',').append(space());
            }
            sb.append(value(depth + 1)).append(space());
        }
        return sb.append(']').toString();
    }

    private String value(int depth) {
        int kind = random.nextInt(depth > 4 ? 4 : 7);
        return switch (kind) {
            case 0, 1 -> NUMBERS[random.nextInt(NUMBERS.length)];
            case 2 -> '"' + STRINGS[random.nextInt(STRINGS.length)] + '"';
            case 3 -> new String[] {"true", "false", "null"}[random.nextInt(3)];
            case 4 -> array(depth);
            default -> object(depth);
        };
    }

    private String space() {
        return switch (random.nextInt(6)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\r\n\t";
            default -> "";
        };
    }
}
