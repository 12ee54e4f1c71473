package dev.switchboard.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** quote() writes exactly what Jackson's generator writes, with or without its fast path for plain names. */
final class JsonTreeTest {

    private static final char[] ALPHABET = {'a', 'Z', '0', '/', '-', '.', ' ', '"', '\\', '\u0000', '\u001f', '\u007f',
        '\u00e9', '\u2028', '\ud83d', '\ude00', '\ud800', '\udc00', '<', '\n'};

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

    private static byte[] generated(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeString(s);
        }
        return out.toByteArray();
    }
}
