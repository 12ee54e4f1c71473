package dev.switchboard.json;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * quote() writes exactly what Jackson's generator writes, with or without its fast path for plain names; parseUnique()
 * refuses a key sent twice, wherever it is, where parse() keeps the last copy.
 */
final class JsonTreeTest {

    private static final char[] ALPHABET = {'a', 'Z', '0', '/', '-', '.', ' ', '"', '\\', '\u0000', '\u001f', '\u007f',
        '\u00e9', '\u2028', '\ud83d', '\ude00', '\ud800', '\udc00', '<', '\n'};

    // Regression (README walk): an experiment's token sums (BigInteger) were written as strings, "sum":"57".
    @Test
    void shouldWriteEveryJdkNumberAsANumber() {
        Map<String, Object> numbers = new java.util.LinkedHashMap<>();
        numbers.put("int", 1);
        numbers.put("long", 2L);
        numbers.put("short", (short) 3);
        numbers.put("byte", (byte) 4);
        numbers.put("big", new java.math.BigInteger("123456789012345678901234567890"));
        numbers.put("decimal", new java.math.BigDecimal("0.125"));
        numbers.put("double", 0.5);

        assertThat(new String(JsonTree.write(numbers), StandardCharsets.UTF_8)).isEqualTo("{\"int\":1,\"long\":2,\"short\":3,"
                + "\"byte\":4,\"big\":123456789012345678901234567890,\"decimal\":0.125,\"double\":0.5}");
    }

    @Test
    void shouldQuoteAsTheGeneratorDoes() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String s = sb.toString();
            assertThat(JsonTree.quote(s)).as("%s", s.chars().mapToObj(Integer::toHexString).toList()).isEqualTo(generated(s));
        }
        assertThat(new String(JsonTree.quote("anthropic/claude-sonnet-4-6"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("\"anthropic/claude-sonnet-4-6\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"source":"a","source":"b"}                                       | source
            {"source":"a","source":"a"}                                       | source
            {"source":"a","sour\\u0063e":"b"}                                 | source
            {"a":1,"b":{"c":1,"c":2},"a":3}                                   | b.c
            {"targets":[{"model":"a"},{"model":"b","weight":1,"model":"c"}]}   | targets[1].model
            {"x":[[{"y":{"z":1,"z":2}}]]}                                     | x[0][0].y.z
            [{"a":1},{"a":1,"a":2}]                                           | [1].a
            """)
    void shouldRefuseAKeySentTwiceNamingWhereItIs(String json, String path) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> JsonTree.parseUnique(bytes)).isInstanceOfSatisfying(JsonTree.DuplicateKeyException.class,
                e -> assertThat(e.path()).isEqualTo(path));
        assertThat(JsonTree.parse(bytes)).isNotNull();
    }

    @Test
    void shouldKeepTheLastCopyOnlyWhenDuplicatesAreAllowed() {
        assertThat(JsonTree.parse("{\"source\":\"a\",\"source\":\"b\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Map.of("source", "b"));
    }

    @Test
    void shouldReadAsParseDoesWhenNoKeyIsSentTwice() {
        byte[] bytes = "{\"a\":{\"b\":1},\"c\":[{\"b\":2},{\"b\":3}],\"b\":true}".getBytes(StandardCharsets.UTF_8);

        assertThat(JsonTree.parseUnique(bytes)).isEqualTo(JsonTree.parse(bytes)).isEqualTo(Map.of(
                "a", Map.of("b", new JsonTree.Num("1")),
                "c", List.of(Map.of("b", new JsonTree.Num("2")), Map.of("b", new JsonTree.Num("3"))),
                "b", true));
    }

    @Test
    void shouldRefuseADocumentThatIsNotJsonAsThatBeforeItsDuplicate() {
        assertThat(JsonTree.parseUnique("{\"a\":1,\"a\":2".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(JsonTree.parseUnique("{\"a\":1,\"a\":2} {}".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    private static byte[] generated(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeString(s);
        }
        return out.toByteArray();
    }
}
