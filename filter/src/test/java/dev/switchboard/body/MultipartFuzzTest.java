package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.failclosed.UpstreamForms;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The multipart reader against the emulated upstream form readers ({@link UpstreamForms}: Go, busboy,
 * Werkzeug, python-multipart) over 10,000 seeded random forms built from the tricks of SPEC section 15
 * (bare CR and LF delimiters, boundaries in the preamble and epilogue, quoted and escaped boundaries,
 * case variants, filenames, transfer encodings, folded headers, delimiter-looking lines in values).
 * Sound: when the gateway accepts a form, every {@code model} value any reader finds is the one the
 * gateway found, and after the splice every reader finds only what the gateway wrote. Not over-strict:
 * a plain form (CRLF, one model part, nothing encoded) is accepted.
 */
final class MultipartFuzzTest {

    private static final String[] LINE_ENDS = {"\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r"};
    private static final String[] NAMES = {"model", "model", "file", "note", "MODEL", "purpose"};
    private static final String[] VALUES = {"up/ok", "up/denied", " up/denied ", "x\r\n--Bx", "x\n--B\r\n", "RIFF\u0000\u00ff",
        "a\r\n--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied"};

    @Test
    void shouldAgreeWithEveryUpstreamReaderOnSeededRandomForms() {
        Random random = new Random(20261203L);
        int accepted = 0;
        int clean = 0;
        for (int n = 0; n < 10_000; n++) {
            Form form = form(random);
            byte[] body = form.body.getBytes(StandardCharsets.ISO_8859_1);
            ModelField f = locate(form.contentType, body);
            if (form.clean) {
                clean++;
                assertThat(f).as(form.body).isNotNull();
                assertThat(f.status()).as(form.body).isEqualTo(ModelField.Status.FOUND);
            }
            if (f == null || f.status() != ModelField.Status.FOUND) {
                continue;
            }
            accepted++;
            String located = f.model();
            byte[] out = f.splice(body, body.length, s -> "R");
            for (UpstreamForms.Reader reader : UpstreamForms.Reader.values()) {
                UpstreamForms.Form before = UpstreamForms.read(reader, List.of(form.contentType), body);
                if (before != null) {
                    assertThat(before.fields().getOrDefault("model", List.of())).as("%s reads %s", reader, form.body)
                            .allMatch(located::equals);
                }
                UpstreamForms.Form after = UpstreamForms.read(reader, List.of(form.contentType), out);
                if (after != null) {
                    assertThat(after.fields().getOrDefault("model", List.of())).as("%s after the splice of %s", reader, form.body)
                            .allMatch("R"::equals);
                }
            }
        }
        assertThat(accepted).isGreaterThan(500);
        assertThat(clean).isGreaterThan(300);
    }

    /** The gateway's reading, as {@code ModelRequestHandler} does it: Content-Type, parts, fields. */
    private static ModelField locate(String contentType, byte[] body) {
        Multipart.ContentType type = Multipart.contentType(contentType);
        if (!type.form() || type.problem() != null) {
            return null;
        }
        List<Multipart.Part> parts = Multipart.parts(body, body.length, type.boundary());
        return parts == null ? null : Multipart.fields(body, parts, true);
    }

    private record Form(String contentType, String body, boolean clean) {
    }

    private static Form form(Random random) {
        boolean clean = true;
        String contentType;
        switch (random.nextInt(8)) {
            case 0 -> contentType = "multipart/form-data; boundary=\"B\"";
            case 1 -> {
                contentType = "multipart/form-data; boundary=\"\\B\"";
                clean = false;
            }
            case 2 -> {
                contentType = "multipart/form-data; boundary=B; boundary=C";
                clean = false;
            }
            default -> contentType = "multipart/form-data; boundary=B";
        }
        StringBuilder b = new StringBuilder();
        switch (random.nextInt(8)) {
            case 0 -> b.append("preamble\r\n");
            case 1 -> {
                b.append("x--B\r\n");
                clean = false;
            }
            case 2 -> {
                b.append("\n--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied\r\n");
                clean = false;
            }
            default -> {
            }
        }
        int parts = 1 + random.nextInt(3);
        int models = 0;
        boolean modelPlaced = false;
        for (int i = 0; i < parts; i++) {
            String eol = LINE_ENDS[random.nextInt(LINE_ENDS.length)];
            clean &= eol.equals("\r\n");
            // A delimiter after the first one follows the previous value's line end.
            if (i > 0) {
                b.append(eol);
            }
            b.append("--B").append(random.nextInt(10) == 0 ? " " : "").append(eol);
            String name = i == parts - 1 && !modelPlaced ? "model" : NAMES[random.nextInt(NAMES.length)];
            boolean isModel = name.equals("model");
            models += isModel ? 1 : 0;
            modelPlaced |= isModel;
            clean &= !name.equals("MODEL");
            b.append("Content-Disposition: form-data; name=\"").append(name).append('"');
            if (random.nextInt(6) == 0) {
                b.append("; filename=\"f\"");
                clean &= !isModel;
            }
            b.append(random.nextInt(10) == 0 ? "\r\n\tx" : "").append("\r\n");
            if (random.nextInt(8) == 0) {
                b.append("Content-Transfer-Encoding: ").append(random.nextBoolean() ? "quoted-printable" : "base64").append("\r\n");
                // On any part: python-multipart before 0.0.10 decodes the parts after it too.
                clean = false;
            }
            b.append("\r\n");
            String value = isModel && random.nextInt(3) > 0 ? (random.nextBoolean() ? "up/ok" : "up/denied")
                    : VALUES[random.nextInt(VALUES.length)];
            // A delimiter-looking line is refused; a model that is not UTF-8 text is refused.
            clean &= !value.contains("--B") && !(isModel && value.startsWith("RIFF"));
            b.append(value);
        }
        String end = LINE_ENDS[random.nextInt(LINE_ENDS.length)];
        clean &= end.equals("\r\n");
        b.append(end).append("--B--\r\n");
        if (random.nextInt(8) == 0) {
            b.append("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied\r\n--B--\r\n");
            clean = false;
        }
        // Several model parts, a folded header or a padded delimiter are refused or ambiguous: not clean.
        String text = b.toString();
        clean &= models == 1 && !text.contains("\r\n\tx") && !text.contains("--B \r");
        return new Form(contentType, text, clean);
    }
}
