package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.failclosed.UpstreamJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JSON locator against the emulated upstream readers ({@link UpstreamJson}: Python, Node, Go) over
 * 10,000 seeded random bodies built from the spellings attackers use (case variants, escapes, Go's folded
 * runes, duplicates, nesting, wrong types). Two properties:
 * <ul>
 *   <li>sound: when the locator accepts a body, every name any reader finds at a model path is one the
 *       locator found, and after the splice every reader finds only the names the gateway wrote;</li>
 *   <li>not over-strict: a body without variants, duplicates or wrong types is accepted.</li>
 * </ul>
 */
final class JsonModelLocatorFuzzTest {

    private static final Shape SHAPE = Shape.of(true, "model", "tools[].model");
    private static final String[] VARIANT_KEYS = {"\"MODEL\"", "\"Model\"", "\"mod\\u0045l\"", "\"Tools\"", "\"tool\u017f\"",
        "\"TOOLS\""};
    private static final String[] PLAIN_KEYS = {"\"messages\"", "\"x\"", "\"model \"", "\"mode\"", "\"tool\""};
    private static final String[] NAMES = {"\"gpt\"", "\"a\\\"b\"", "\"\\u00e9t\\u00e9\"", "\"up/d\\u0065nied\"", "\"x-y\""};
    private static final String[] OTHER_VALUES = {"1", "null", "true", "[\"x\"]", "{\"model\":\"in\"}", "\"\"", "[]", "{}"};

    @Test
    void shouldAgreeWithEveryUpstreamReaderOnSeededRandomBodies() {
        Random random = new Random(20261203L);
        JsonModelLocator locator = new JsonModelLocator(1 << 16);
        int accepted = 0;
        int clean = 0;
        for (int n = 0; n < 10_000; n++) {
            Body b = object(random, 0);
            byte[] body = b.text.getBytes(StandardCharsets.UTF_8);
            ModelField f = locator.locate(body, body.length, SHAPE);
            if (b.clean && b.hasTopModel) {
                clean++;
                assertThat(f.status()).as(b.text).isEqualTo(ModelField.Status.FOUND);
            }
            if (f.status() != ModelField.Status.FOUND) {
                continue;
            }
            accepted++;
            Set<String> located = new HashSet<>();
            f.sites().forEach(s -> located.add(s.model()));
            byte[] out = f.splice(body, body.length, s -> "R");
            for (UpstreamJson.Reader reader : UpstreamJson.Reader.values()) {
                for (String path : SHAPE.models()) {
                    List<String> before = UpstreamJson.at(reader, body, path);
                    if (before != null) {
                        assertThat(located).as("%s reads %s at %s of %s", reader, before, path, b.text).containsAll(before);
                    }
                    List<String> after = UpstreamJson.at(reader, out, path);
                    assertThat(after).as("%s after the splice of %s", reader, b.text).isNotNull();
                    assertThat(after).as("%s reads at %s after the splice of %s", reader, path, b.text)
                            .allMatch("R"::equals);
                }
            }
        }
        // The generator must exercise both sides, or the properties say nothing.
        assertThat(accepted).isGreaterThan(1_000);
        assertThat(clean).isGreaterThan(500);
    }

    /** A generated body: its text, whether it is free of variants/duplicates/wrong types, whether it has a model. */
    private record Body(String text, boolean clean, boolean hasTopModel) {
    }

    private static Body object(Random random, int depth) {
        StringBuilder sb = new StringBuilder("{");
        boolean clean = true;
        boolean model = false;
        boolean tools = false;
        int pairs = random.nextInt(5);
        for (int i = 0; i < pairs; i++) {
            sb.append(i == 0 ? "" : ",");
            int kind = random.nextInt(10);
            if (kind < 3) {
                boolean escaped = random.nextInt(4) == 0;
                sb.append(escaped ? "\"m\\u006fdel\"" : "\"model\"").append(':');
                boolean name = random.nextInt(5) > 0;
                sb.append(name ? NAMES[random.nextInt(NAMES.length)] : OTHER_VALUES[random.nextInt(OTHER_VALUES.length)]);
                clean &= !model && name;
                model = true;
            } else if (kind < 5 && depth == 0) {
                sb.append("\"tools\":").append('[');
                int items = random.nextInt(3);
                for (int t = 0; t < items; t++) {
                    Body tool = tool(random);
                    sb.append(t == 0 ? "" : ",").append(tool.text);
                    clean &= tool.clean;
                }
                sb.append(']');
                clean &= !tools;
                tools = true;
            } else if (kind < 7) {
                sb.append(VARIANT_KEYS[random.nextInt(VARIANT_KEYS.length)]).append(':');
                sb.append(random.nextBoolean() ? NAMES[random.nextInt(NAMES.length)]
                        : "[" + tool(random).text + "]");
                clean = false;
            } else {
                sb.append(PLAIN_KEYS[random.nextInt(PLAIN_KEYS.length)]).append(':');
                sb.append(depth < 2 && random.nextBoolean() ? object(random, depth + 1).text
                        : OTHER_VALUES[random.nextInt(OTHER_VALUES.length)]);
            }
        }
        return new Body(sb.append('}').toString(), clean, model);
    }

    private static Body tool(Random random) {
        List<String> members = new ArrayList<>();
        boolean clean = true;
        boolean model = false;
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(6);
            if (kind < 3) {
                boolean name = random.nextInt(5) > 0;
                members.add("\"model\":" + (name ? NAMES[random.nextInt(NAMES.length)] : OTHER_VALUES[random.nextInt(3)]));
                clean &= !model && name;
                model = true;
            } else if (kind == 3) {
                members.add("\"MODEL\":" + NAMES[random.nextInt(NAMES.length)]);
                clean = false;
            } else {
                members.add("\"type\":\"image_generation\"");
            }
        }
        return new Body("{" + String.join(",", members) + "}", clean, model);
    }
}
