package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A JSON body sent as a URL-encoded form, read as Express ({@code qs}), Werkzeug, Starlette and PHP read forms, and
 * as the readers that split pairs at {@code ;} too (python-multipart before 0.0.30, old Python and Go) read them:
 * which field names {@link RequestChecks#formFieldNamed} sees, and which it must not (a false refusal of a JSON
 * body that {@code curl -d} sent).
 */
final class FormFieldsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
        "a=1&model=x | model",
        "{\"content\":\"?q=1&model=x\"} | model",
        "a=1&%6Dodel=x | model",
        "a=1&+model=x | model",
        "a=1&%20%20model=x | model",
        "a=1&model[]=x | model",
        "a=1&model[0]=x | model",
        "a=1&[model]=x | model",
        "a=1&%5Bmodel%5D=x | model",
        "a=1&]model=x | model",
        "a=1&model]=x | model",
        "a=1&[purpose]=batch | purpose",
        "a=1&[a]model=x | none",
        "model | model",
        "a=1&purpose=batch | purpose",
        "a=1&Model=x | none",
        "a=1&model =x | none",
        "x = 1; model=2 | none",
        "a=1;model=x | model",
        "{\"content\":\";model=x;\"} | model",
        "a=1;%6Dodel=x | model",
        "a=1;%20model=x | none",
        "a=1;+model=x | none",
        "a=1;model[]=x | none",
        "a=1;purpose=batch | purpose",
        "a=1;models=x | none",
        "if (a && model == b) | none",
        "a=1&modelx=2 | none",
        "a=1&%zz&model2=3 | none",
        "{\"model\":\"up/ok\",\"messages\":[]} | none",
    })
    void shouldReadTheFieldNamesFormReadersRead(String body, String expected) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        assertThat(RequestChecks.formFieldNamed(bytes, bytes.length, List.of("model", "purpose"))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"4096", "8388608"})
    void shouldSkipANameTooLongToBeOneItReadsAndFindTheNextField(int length) {
        byte[] bytes = ("a".repeat(length) + "=1&model=x").getBytes(StandardCharsets.US_ASCII);

        assertThat(RequestChecks.formFieldNamed(bytes, bytes.length, List.of("model"))).isEqualTo("model");
        assertThat(RequestChecks.formFieldNamed(bytes, length, List.of("model"))).isNull();
    }
}
