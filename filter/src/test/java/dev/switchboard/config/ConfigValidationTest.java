package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per validation error: a YAML snippet and the exact lines a user sees (SPEC sections 1 and 2). */
final class ConfigValidationTest {

    private static final String TOP_KEYS =
            "expected one of: version, server, providers, default_provider, identity, models, virtual_models, admin, reload";

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // ---- unknown keys ----
                row("typo'd key", """
                        server:
                          prot: 8080
                        """, "server.prot: unknown key (did you mean 'port'?); expected one of: host, port, "
                        + "max_request_bytes, upstream_idle_timeout (line 2)"),
                // Regression: the line was that of the block value below the key (line 2).
                row("typo'd section names the key's line", """
                        servr:
                          port: 1
                        """, "servr: unknown key (did you mean 'server'?); " + TOP_KEYS + " (line 1)"),
                // ---- sources ----
                row("duplicate source", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: " a "
                            target: c
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)"),
                row("duplicate source when the first row has other errors", """
                        virtual_models:
                          - source: a
                            target: b
                            weight: 3
                          - source: a
                            target: c
                        """, "virtual_models[0].weight: unknown key; expected one of: source, target, targets, strategy, "
                        + "user_paths, enabled, description (line 4)",
                        "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 5)"),
                // Regression: the duplicate row was skipped, hiding its own errors until it was renamed.
                row("duplicate source with errors of its own", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: a
                            targets: [{model: c, weight: -1}]
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)",
                        "virtual_models[1].targets[0].weight: must be > 0, was -1 (line 5)"),
                // Regression: a provider with an error of its own was also reported as "not declared".
                row("provider with an unknown type is still declared", """
                        providers:
                          x: {type: foo}
                        default_provider: x
                        virtual_models:
                          - source: x/
                        """, "providers.x.type: must be one of openai, anthropic, openai-compatible, echo, was \"foo\" "
                        + "(line 2)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void shouldRejectInvalidConfig(String name, Map<String, String> env, String yaml, List<String> expected) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(env::get).parse(yaml));

        assertThat(e).as("no InvalidConfigException for %s", name).isNotNull();
        assertThat(e.errors()).containsExactlyElementsOf(expected);
        assertThat(e.getMessage()).isEqualTo(String.join("\n", expected));
    }

    private static Arguments row(String name, String yaml, String... expected) {
        return rowWithEnv(name, Map.of("SET", "value", "EMPTY", ""), yaml, expected);
    }

    private static Arguments rowWithEnv(String name, Map<String, String> env, String yaml, String... expected) {
        return Arguments.of(name, env, yaml, List.of(expected));
    }
}
