package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Documents that are refused outright, each with one precise line and only ever an {@link InvalidConfigException}. */
final class ConfigLimitsTest {

    private static final ConfigLoader LOADER = new ConfigLoader(Map.<String, String>of()::get);

    private static final String TOO_DEEP = "x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
            + "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper than 32 levels";

    @Test
    void shouldRejectNestingDeeperThan32() {
        assertRefused("x: " + "[".repeat(33) + "]".repeat(33) + "\n", List.of(TOO_DEEP));
    }

    @Test
    void shouldAcceptNestingOf32() {
        // Deep enough for the guard, then only the ordinary unknown-key error.
        assertRefused("x: " + "[".repeat(32) + "]".repeat(32) + "\n", List.of("x: unknown key; expected one of: version, "
                + "server, providers, default_provider, identity, models, virtual_models, admin, reload (line 1)"));
    }

    /** Regression: SnakeYAML's composer recursed once per level and threw StackOverflowError. */
    @ParameterizedTest
    @ValueSource(ints = {10_000, 1_000_000})
    void shouldRejectDeepFlowNestingWithoutStackOverflow(int levels) {
        assertRefused("x: " + "[".repeat(levels) + "]".repeat(levels) + "\n", List.of(TOO_DEEP));
        assertRefused("x: " + "[".repeat(levels), List.of(TOO_DEEP));
        assertRefused("x: " + "{b: ".repeat(levels) + "1" + "}".repeat(levels) + "\n",
                List.of("x" + ".b".repeat(32) + ": nested deeper than 32 levels"));
    }

    /** Regression: a deep collection used as a key recursed in the composer before it was refused. */
    @Test
    void shouldRejectDeepCollectionKeyWithoutStackOverflow() {
        assertRefused("? " + "[".repeat(10_000) + "]".repeat(10_000) + "\n: 1\n",
                List.of("[0]".repeat(32) + ": nested deeper than 32 levels"));
    }

    private static void assertRefused(String yaml, List<String> errors) {
        assertThatThrownBy(() -> LOADER.parse(yaml))
                .isExactlyInstanceOf(InvalidConfigException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((InvalidConfigException) e).errors())
                        .containsExactlyElementsOf(errors));
    }
}
