package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in scalars (SPEC section 1; README "Decisions we made"): a
 * plain scalar takes the type of what it expands to, a quoted one stays a string, {@code $${} is a literal.
 */
final class InterpolationTest {

    @Test
    void shouldReplaceVariable() {
        SwitchboardConfig config = load(Map.of("ADMIN_TOKEN", "s3cret"), """
                admin:
                  token: ${ADMIN_TOKEN}
                """);

        assertThat(config.admin().token()).isEqualTo("s3cret");
    }

    @ParameterizedTest(name = "HOST={0}")
    @CsvSource(nullValues = "UNSET", value = {"UNSET, 127.0.0.1", "'', 127.0.0.1", "10.0.0.7, 10.0.0.7"})
    void shouldUseDefaultWhenUnsetOrEmpty(String host, String expected) {
        Map<String, String> env = host == null ? Map.of() : Map.of("HOST", host);

        SwitchboardConfig config = load(env, """
                server:
                  host: ${HOST:-127.0.0.1}
                """);

        assertThat(config.server().host()).isEqualTo(expected);
    }

    // Regression (a probe's reading): "${A:-${B}}" expanded to the literal "${B}" when A was unset.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "UNSET", value = {
        "A set|a|UNSET|a",
        "A unset, B set|UNSET|b|b",
        "A empty, B set|''|b|b",
        "both unset|UNSET|UNSET|fallback"})
    void shouldExpandADefaultThatNamesAnotherVariable(String name, String a, String b, String expected) {
        Map<String, String> env = new java.util.HashMap<>();
        if (a != null) {
            env.put("A", a);
        }
        if (b != null) {
            env.put("B", b);
        }

        SwitchboardConfig config = load(env, """
                server:
                  host: ${A:-${B:-fallback}}
                admin:
                  token: "x-${A:-$${B}}-${A:-{}}"
                """);

        assertThat(config.server().host()).isEqualTo(expected);
        // As bash reads them: an escaped "$${B}" is a literal in a default; a lone "{" is no reference, so the first
        // "}" closes (bash: A=a; echo "${A:-{}}" prints "a}").
        assertThat(config.admin().token()).isEqualTo(a != null && !a.isEmpty() ? "x-" + a + "-" + a + "}" : "x-${B}-{}");
    }

    @Test
    void shouldRefuseAnUnclosedReferenceInADefault() {
        InvalidConfigException refused = catchThrowableOfType(InvalidConfigException.class,
                () -> load(Map.of(), "server:\n  host: ${A:-${B:-x}\n"));

        assertThat(refused.errors()).singleElement().asString().contains("unclosed '${'");
    }

    @Test
    void shouldWriteLiteralForDoubleDollar() {
        SwitchboardConfig config = load(Map.of("X", "expanded"), """
                virtual_models:
                  - source: plain
                    description: $${X}
                  - source: quoted
                    description: "cost: $${X} per call"
                """);

        assertThat(config.rules().virtualModels()).extracting(vm -> vm.description())
                .containsExactly("${X}", "cost: ${X} per call");
    }

    @Test
    void shouldLeaveDollarsWithoutBraceAlone() {
        SwitchboardConfig config = load(Map.of(), """
                admin:
                  token: pa$$word$
                """);

        assertThat(config.admin().token()).isEqualTo("pa$$word$");
    }

    @Test
    void shouldTypePlainScalarByItsExpansion() {
        SwitchboardConfig config = load(Map.of("TRUST", "false", "WEIGHT", "3"), """
                server:
                  port: ${PORT:-8080}
                  max_request_bytes: ${MAX_BYTES:-1024}
                identity:
                  trust_user_path_header: ${TRUST}
                virtual_models:
                  - source: a
                    targets:
                      - model: b
                        weight: ${WEIGHT:-1}
                      - model: c
                        weight: ${WEIGHT}
                """);

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().maxRequestBytes()).isEqualTo(1024);
        assertThat(config.rules().identity().trustUserPathHeader()).isFalse();
        assertThat(config.rules().virtualModels().get(0).targets()).extracting(t -> t.weight()).containsExactly(3, 3);
    }

    @Test
    void shouldTakePortFromEnvironment() {
        SwitchboardConfig config = load(Map.of("PORT", "9090"), """
                server:
                  port: ${PORT:-8080}
                """);

        assertThat(config.server().port()).isEqualTo(9090);
    }

    @Test
    void shouldKeepQuotedScalarAString() {
        assertThat(errors(Map.of("TRUST", "false"), """
                server:
                  port: "${PORT:-8080}"
                identity:
                  trust_user_path_header: '${TRUST}'
                """)).containsExactly(
                "server.port: must be an integer, was \"8080\" (line 2)",
                "identity.trust_user_path_header: must be true or false, was \"false\" (line 4)");
    }

    @Test
    void shouldReadPlainEmptyExpansionAsUnsetAndQuotedAsEmptyString() {
        // A plain scalar that expands to nothing is YAML null: the key is as good as absent.
        assertThat(load(Map.of(), "server:\n  host: ${HOST:-}\n").server().host())
                .isEqualTo(ServerSettings.DEFAULT_HOST);
        assertThat(errors(Map.of(), "server:\n  host: \"${HOST:-}\"\n"))
                .containsExactly("server.host: must not be empty (line 2)");
    }

    @Test
    void shouldReplaceEveryReferenceInOneScalar() {
        SwitchboardConfig config = load(Map.of("TEAM", "ml", "USER", "alice"), """
                virtual_models:
                  - source: ${TEAM}-${MODEL:-fast}
                    target: demo/${TEAM}-${USER}-$${USER}-${TIER:-}
                """);

        assertThat(config.rules().virtualModels().get(0).source()).isEqualTo("ml-fast");
        assertThat(config.rules().virtualModels().get(0).targets().get(0).model()).isEqualTo("demo/ml-alice-${USER}-");
    }

    @Test
    void shouldNotExpandAValueAgain() {
        SwitchboardConfig config = load(Map.of("TOKEN", "${OTHER}"), """
                admin:
                  token: ${TOKEN}
                """);

        assertThat(config.admin().token()).isEqualTo("${OTHER}");
    }

    @Test
    void shouldNameTheUnsetVariable() {
        assertThat(errors(Map.of("A", "a"), """
                virtual_models:
                  - source: x
                    description: ${A}-${MISSING}-z
                """)).containsExactly("virtual_models[0].description: environment variable MISSING is not set "
                + "(write ${MISSING:-} for an empty default) (line 3)");
    }

    @Test
    void shouldRejectUnclosedReference() {
        assertThat(errors(Map.of("TOKEN", "t"), """
                admin:
                  token: ${TOKEN
                """)).containsExactly("admin.token: unclosed '${' in \"${TOKEN\" (line 2)");
    }

    @Test
    void shouldRejectInvalidVariableName() {
        assertThat(errors(Map.of(), """
                admin:
                  token: ${1TOKEN:-x}
                """)).containsExactly("admin.token: '1TOKEN' is not an environment variable name in \"${1TOKEN:-x}\" "
                + "(line 2)");
    }

    @Test
    void shouldNotExpandKeys() {
        // Refused, not read as written: a provider or header named ${...} would be that literal text.
        assertThat(errors(Map.of("K", "server"), """
                ${K}:
                  port: 1
                """)).containsExactly("(document): key '${K}': ${...} is read in values only, not in keys (line 1)");
        assertThat(errors(Map.of("TEAM", "ml"), """
                providers:
                  ${TEAM}-llm: {type: openai-compatible, base_url: http://localhost:1}
                  plain:
                    type: openai-compatible
                    base_url: http://localhost:2
                    headers:
                      X-${TEAM}: v
                """)).containsExactly(
                "providers: key '${TEAM}-llm': ${...} is read in values only, not in keys (line 2)",
                "providers.plain.headers: key 'X-${TEAM}': ${...} is read in values only, not in keys (line 7)");
    }

    private static SwitchboardConfig load(Map<String, String> env, String yaml) {
        return new ConfigLoader(env::get).parse(yaml);
    }

    private static java.util.List<String> errors(Map<String, String> env, String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> load(env, yaml));
        assertThat(e).as("expected an InvalidConfigException").isNotNull();
        return e.errors();
    }
}
