package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.json.JsonTree;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

final class JsonModelLocatorTest {

    private static final Shape MODEL = Shape.of(true, "model");
    private final JsonModelLocator locator = new JsonModelLocator(1 << 20);

    static Stream<Arguments> splices() {
        return Stream.of(
                Arguments.of("{\"model\":\"regular\",\"messages\":[]}", "{\"model\":\"claude\",\"messages\":[]}"),
                Arguments.of("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"regular\"}",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"claude\"}"),
                Arguments.of("{ \"temperature\" : 1.00 , \"n\":1e2, \"big\": 123456789012345678901234567890,\n\t\"model\" :\r\n \"regular\"  }",
                        "{ \"temperature\" : 1.00 , \"n\":1e2, \"big\": 123456789012345678901234567890,\n\t\"model\" :\r\n \"claude\"  }"),
                Arguments.of("{\"mod\\u0065l\":\"reg\\u0075lar\",\"x\":\"\\ud83d\\ude00 é 中\"}",
                        "{\"mod\\u0065l\":\"claude\",\"x\":\"\\ud83d\\ude00 é 中\"}"),
                Arguments.of("\uFEFF{\"model\":\"regular\"}", "\uFEFF{\"model\":\"claude\"}"),
                Arguments.of("{\"nested\":{\"model\":\"inner\"},\"model\":\"regular\",\"list\":[{\"model\":1}]}",
                        "{\"nested\":{\"model\":\"inner\"},\"model\":\"claude\",\"list\":[{\"model\":1}]}"),
                Arguments.of("{\"model\":\"a\\\"b\\\\\"}", "{\"model\":\"claude\"}"));
    }

    @ParameterizedTest
    @MethodSource("splices")
    void shouldReplaceOnlyTheTopLevelModelBytes(String in, String expected) {
        byte[] body = in.getBytes(StandardCharsets.UTF_8);
        ModelField f = locator.locate(body, body.length, MODEL);
        assertThat(f.status()).isEqualTo(ModelField.Status.FOUND);
        assertThat(new String(f.splice(body, body.length, s -> "claude"), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    // The one mapping of an unusable name (also /admin/resolve's): the row a body naming it is refused with.
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            gpt-5                     | -
            ''                        | EMPTY_MODEL
            '\u00a0\ufeff'            | EMPTY_MODEL
            gpt 5                     | MODEL_UNUSABLE
            'gpt-5,o3-pro'            | MODEL_UNUSABLE
            'gpt-5\u200b'             | MODEL_UNUSABLE
            'o3\u007f'                | MODEL_UNUSABLE
            """)
    void shouldRefuseAnUnusableNameWithTheRowNameErrorGives(String name, ApiError row) {
        for (String model : new String[] {name, name + "m".repeat(257)}) {
            byte[] body = ("{\"model\":" + new String(JsonTree.quote(model), StandardCharsets.UTF_8)
                    + "}").getBytes(StandardCharsets.UTF_8);
            ApiError expected = model.length() > ModelField.MAX_MODEL_LENGTH
                    ? ApiError.MODEL_TOO_LONG : row;

            ErrorResponse refused = locator.locate(body, body.length, MODEL).error(false);

            assertThat(ModelField.nameError(model)).as(model).isEqualTo(expected);
            assertThat(refused).as(model).isEqualTo(expected == null ? null : expected.with());
        }
    }

    @Test
    void shouldDecodeEscapedModelValue() {
        byte[] body = "{\"model\":\"reg\\u0075lar\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(body, body.length, MODEL).model()).isEqualTo("regular");
    }

    @Test
    void shouldEscapeTheNewValue() {
        byte[] body = "{\"model\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        ModelField f = locator.locate(body, body.length, MODEL);
        assertThat(new String(f.splice(body, body.length, s -> "a\"b\\c\n"), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"a\\\"b\\\\c\\n\"}");
    }

    @Test
    void shouldReturnTheSameArrayWhenNothingChanges() {
        byte[] body = "{\"model\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        ModelField f = locator.locate(body, body.length, MODEL);
        assertThat(f.splice(body, body.length, s -> "x")).isSameAs(body);
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("", ModelField.Status.INVALID_BODY),
                Arguments.of("not json", ModelField.Status.INVALID_BODY),
                Arguments.of("[{\"model\":\"x\"}]", ModelField.Status.INVALID_BODY),
                Arguments.of("\"model\"", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"model\":\"x\"", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"model\":\"x\"} {}", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"model\":\"x\",}", ModelField.Status.INVALID_BODY),
                Arguments.of("{'model':'x'}", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"model\":NaN}", ModelField.Status.INVALID_BODY),
                Arguments.of("{}", ModelField.Status.MISSING),
                Arguments.of("{\"nested\":{\"model\":\"x\"}}", ModelField.Status.MISSING),
                Arguments.of("{\"Model\":\"x\"}", ModelField.Status.NOT_STRING),
                Arguments.of("{\"model\":1}", ModelField.Status.NOT_STRING),
                Arguments.of("{\"model\":null}", ModelField.Status.NOT_STRING),
                Arguments.of("{\"model\":[\"x\"]}", ModelField.Status.NOT_STRING),
                Arguments.of("{\"model\":{\"id\":\"x\"}}", ModelField.Status.NOT_STRING),
                Arguments.of("{\"model\":\"x\",\"model\":\"y\"}", ModelField.Status.DUPLICATE),
                Arguments.of("{\"model\":\"x\",\"mod\\u0065l\":\"y\"}", ModelField.Status.DUPLICATE),
                Arguments.of("{\"model\":1,\"model\":\"y\"}", ModelField.Status.DUPLICATE),
                Arguments.of("{\"model\":\"x\",\"model\":\"y\"", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"a\":" + "[".repeat(300) + "]".repeat(300) + ",\"model\":\"x\"}", ModelField.Status.INVALID_BODY),
                Arguments.of("{\"a\":" + "1".repeat(1001) + ",\"model\":\"x\"}", ModelField.Status.INVALID_BODY),
                Arguments.of("\u0000{\u0000\"\u0000m", ModelField.Status.INVALID_BODY));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldClassifyUnusableBodies(String in, ModelField.Status expected) {
        byte[] body = in.getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(body, body.length, MODEL).status()).isEqualTo(expected);
    }

    @Test
    void shouldFindTheModelsOfEveryMemberOfAMapAndNameThem() {
        Shape graders = Shape.of(false, "grader.model", "grader.graders.model", "grader.graders.*.model");
        byte[] body = ("{\"grader\":{\"type\":\"multi\",\"graders\":{\"a\":{\"model\":\"x\"},\"b\":{\"type\":\"s\"},"
                + "\"c\\u0021\":{\"input\":[],\"model\":\"y\"},\"d\":\"not an object\"}}}").getBytes(StandardCharsets.UTF_8);

        ModelField f = locator.locate(body, body.length, graders);

        assertThat(f.status()).isEqualTo(ModelField.Status.FOUND);
        assertThat(f.sites()).extracting(ModelField.Site::path, ModelField.Site::model).containsExactly(
                org.assertj.core.groups.Tuple.tuple("grader.graders.a.model", "x"),
                org.assertj.core.groups.Tuple.tuple("grader.graders.c!.model", "y"));
        byte[] twice = "{\"grader\":{\"graders\":{\"a\":{\"model\":\"x\",\"MODEL\":\"y\"}}}}".getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(twice, twice.length, graders).status()).isEqualTo(ModelField.Status.DUPLICATE);
        byte[] one = "{\"grader\":{\"graders\":{\"type\":\"score_model\",\"model\":\"z\"}}}".getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(one, one.length, graders).sites()).extracting(ModelField.Site::path)
                .containsExactly("grader.graders.model");
    }

    @Test
    void shouldFindEachNameOfAListOfModelsAndRefuseAnyOtherShapeThere() {
        Shape lists = Shape.of(true, "model").readingNameLists(List.of("models", "fallbacks"));
        byte[] body = "{\"models\":[\"a\", \"b\\u0021\"],\"model\":\"m\",\"fallbacks\":null}".getBytes(StandardCharsets.UTF_8);

        ModelField f = locator.locate(body, body.length, lists);

        assertThat(f.status()).isEqualTo(ModelField.Status.FOUND);
        assertThat(f.sites()).extracting(ModelField.Site::path, ModelField.Site::model).containsExactly(
                org.assertj.core.groups.Tuple.tuple("model", "m"),
                org.assertj.core.groups.Tuple.tuple("models[0]", "a"),
                org.assertj.core.groups.Tuple.tuple("models[1]", "b!"));
        // Each site is the quoted string in place, so that it is rewritten where it stands.
        ModelField.Site second = f.sites().get(2);
        assertThat(new String(body, second.start(), second.end() - second.start(), StandardCharsets.UTF_8))
                .isEqualTo("\"b\\u0021\"");
        for (String[] refused : new String[][] {
            {"{\"model\":\"m\",\"models\":\"a\"}", "UNCHECKABLE", "models is not a list of model names"},
            {"{\"model\":\"m\",\"fallbacks\":[\"a\",{\"m\":[\"b\"]}]}", "UNCHECKABLE", "fallbacks[1] is not a model name"},
            {"{\"model\":\"m\",\"models\":[1]}", "UNCHECKABLE", "models[0] is not a model name"},
            {"{\"model\":\"m\",\"models\":[\"\"]}", "EMPTY", "models[0]"},
            {"{\"model\":\"m\",\"Models\":[\"a\"]}", "NOT_STRING", "models spelled in another case"},
            {"{\"model\":\"m\",\"models\":[],\"models\":[\"a\"]}", "DUPLICATE", "models"},
        }) {
            byte[] b = refused[0].getBytes(StandardCharsets.UTF_8);
            ModelField r = locator.locate(b, b.length, lists);
            assertThat(r.status()).as(refused[0]).hasToString(refused[1]);
            assertThat(r.where()).as(refused[0]).isEqualTo(refused[2]);
        }
        byte[] empty = "{\"model\":\"m\",\"models\":[ ]}".getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(empty, empty.length, lists).sites()).hasSize(1);
    }

    @Test
    void shouldRefuseAnUpstreamGatewaysRoutingKeyInAnySpellingWhateverItHolds() {
        Shape shape = Shape.of(true, "model").refusing(List.of("user_config", "preset"));
        for (String body : List.of("{\"model\":\"m\",\"user_config\":{\"model_list\":[]}}", "{\"User_Config\":null,\"model\":\"m\"}",
                "{\"model\":\"m\",\"user_confi\\u0067\":1}", "{\"model\":\"m\",\"user_config\":1,\"user_config\":2}")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ModelField f = locator.locate(b, b.length, shape);
            assertThat(f.status()).as(body).isEqualTo(ModelField.Status.UNCHECKABLE);
            assertThat(f.where()).as(body).isEqualTo("user_config is an upstream gateway's routing (models, deployments or"
                    + " addresses of its own)");
        }
        byte[] nested = "{\"model\":\"m\",\"metadata\":{\"preset\":\"x\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(nested, nested.length, shape).status()).as("only at the top").isEqualTo(ModelField.Status.FOUND);
    }

    @Test
    void shouldRejectStringsLongerThanTheBodyLimit() {
        JsonModelLocator small = new JsonModelLocator(64);
        byte[] body = ("{\"model\":\"x\",\"content\":\"" + "a".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(small.locate(body, body.length, MODEL).status()).isEqualTo(ModelField.Status.INVALID_BODY);
    }

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("{\"model\":\"x\",\"stream\":true}", true),
                Arguments.of("\uFEFF { \"stream\" : true , \"model\":\"x\"}", true),
                Arguments.of("{\"stre\\u0061m\":true,\"messages\":[{\"stream\":false}],\"model\":\"x\"}", true),
                Arguments.of("{\"model\":\"x\",\"stream\":true,\"stream\":false}", false),
                Arguments.of("{\"model\":\"x\",\"stream\":false,\"stream\":true}", true),
                Arguments.of("{\"model\":\"x\",\"stream\":\"true\"}", false),
                Arguments.of("{\"model\":\"x\",\"Stream\":true}", false),
                Arguments.of("{\"model\":\"x\",\"x\":{\"stream\":true}}", false),
                Arguments.of("{\"model\":\"x\",\"x\":[{\"stream\":true}]}", false),
                Arguments.of("{\"model\":\"x\"}", false),
                Arguments.of("{\"model\":\"x\",\"stream\":true", false),
                Arguments.of("{\"model\":\"x\",\"stream\":tru}", false),
                Arguments.of("[{\"stream\":true}]", false),
                Arguments.of("", false));
    }

    @ParameterizedTest
    @MethodSource("streams")
    void shouldTellWhetherTheBodyAsksForAStream(String in, boolean expected) {
        byte[] body = in.getBytes(StandardCharsets.UTF_8);
        assertThat(locator.locate(body, body.length, MODEL).asksForStream()).isEqualTo(expected);
    }

    @Test
    void shouldOnlyReadTheGivenLength() {
        byte[] body = "{\"model\":\"x\"}GARBAGE".getBytes(StandardCharsets.UTF_8);
        ModelField f = locator.locate(body, 13, MODEL);
        assertThat(f.status()).isEqualTo(ModelField.Status.FOUND);
        assertThat(new String(f.splice(body, 13, s -> "yy"), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"yy\"}");
    }
}
