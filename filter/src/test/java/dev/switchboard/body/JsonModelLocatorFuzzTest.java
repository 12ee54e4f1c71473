package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The JSON locator against a reference reading of the same bodies (Jackson's plain parser, keys
 * compared as Go compares them), over 5,000 seeded random bodies built from the spellings attackers use.
 */
final class JsonModelLocatorFuzzTest {

    private static final String[] KEYS = {"\"model\"", "\"MODEL\"", "\"Model\"", "\"mod\\u0065l\"", "\"m\\u004fdel\"",
        "\"tools\"", "\"messages\"", "\"x\"", "\"model \""};
    private static final String[] VALUES = {"\"gpt\"", "\"a\\\"b\"", "1", "null", "[\"x\"]", "{\"model\":\"in\"}",
        "[{\"model\":\"t\"}]", "\"\"", "\"\\u00e9\""};

    @Test
    void shouldAgreeWithAReferenceParserOnSeededRandomBodies() throws Exception {
        Random random = new Random(20261202L);
        JsonModelLocator locator = new JsonModelLocator(1 << 16);
        Shape shape = Shape.of(true, "model", "tools[].model");
        for (int n = 0; n < 5_000; n++) {
            StringBuilder sb = new StringBuilder("{");
            int pairs = random.nextInt(5);
            for (int i = 0; i < pairs; i++) {
                sb.append(i == 0 ? "" : ",").append(KEYS[random.nextInt(KEYS.length)]).append(':')
                        .append(VALUES[random.nextInt(VALUES.length)]);
            }
            sb.append('}');
            byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
            ModelField f = locator.locate(body, body.length, shape);
            Expected e = reference(body);
            assertThat(f.status()).as(sb.toString()).isIn(e.statuses);
            if (f.status() == ModelField.Status.FOUND) {
                List<String> got = new ArrayList<>();
                f.sites().forEach(s -> got.add(s.model()));
                assertThat(got).as(sb.toString()).containsExactlyInAnyOrderElementsOf(e.models);
                // What an upstream reads after the splice is exactly what was decided, byte for byte elsewhere.
                byte[] out = f.splice(body, body.length, s -> "R");
                assertThat(reference(out).models).as(sb.toString()).containsOnly("R");
            }
        }
    }

    private record Expected(List<ModelField.Status> statuses, List<String> models) {
    }

    /** The parser is at a tool's START_OBJECT; leaves it at its END_OBJECT. */
    private static void toolModels(JsonParser p, List<String> models) {
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String n = p.currentName();
            JsonToken tv = p.nextToken();
            if (n.equals("model") && tv == JsonToken.VALUE_STRING) {
                models.add(p.getString());
            }
            p.skipChildren();
        }
    }

    /** Top level and tools[] elements: keys equal to "model" ignoring case; duplicates and variants refused. */
    private static Expected reference(byte[] body) throws Exception {
        List<String> models = new ArrayList<>();
        List<ModelField.Status> bad = new ArrayList<>();
        boolean topFound = false;
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), body)) {
            p.nextToken();
            int count = 0;
            boolean variant = false;
            String value = null;
            boolean string = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equalsIgnoreCase("model")) {
                    count++;
                    variant |= !name.equals("model");
                    if (name.equals("model")) {
                        string = v == JsonToken.VALUE_STRING;
                        value = string ? p.getString() : null;
                    }
                } else if (name.equals("tools") && v == JsonToken.START_OBJECT) {
                    // A lone object where a list belongs: still checked, as the locator does.
                    toolModels(p, models);
                    continue;
                } else if (name.equals("tools") && v == JsonToken.START_ARRAY) {
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (e == JsonToken.START_OBJECT) {
                            toolModels(p, models);
                        } else {
                            p.skipChildren();
                        }
                    }
                    continue;
                }
                p.skipChildren();
            }
            if (count > 1) {
                bad.add(ModelField.Status.DUPLICATE);
            } else if (count == 1 && (variant || !string)) {
                bad.add(ModelField.Status.NOT_STRING);
            } else if (count == 1 && value.isBlank()) {
                bad.add(ModelField.Status.EMPTY);
            } else if (count == 1) {
                topFound = true;
                models.add(value);
            } else {
                bad.add(ModelField.Status.MISSING);
            }
        }
        if (!bad.isEmpty()) {
            // Several problems: the locator reports one of them (a duplicate first); tools' own problems count too.
            List<ModelField.Status> any = new ArrayList<>(bad);
            any.addAll(List.of(ModelField.Status.NOT_STRING, ModelField.Status.EMPTY, ModelField.Status.DUPLICATE));
            return new Expected(any, List.of());
        }
        return new Expected(topFound ? List.of(ModelField.Status.FOUND, ModelField.Status.NOT_STRING,
                ModelField.Status.EMPTY, ModelField.Status.DUPLICATE) : List.of(), models);
    }
}
