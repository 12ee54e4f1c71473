package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The one lookup of the config file: explicit values, property, environment, then the caller's fallback. */
final class ConfigLocationTest {

    private static final Predicate<Path> DEFAULT_EXISTS = ConfigLocation.DEFAULT_FILE::equals;
    private static final Predicate<Path> NOTHING_EXISTS = p -> false;

    private static ConfigLocation find(ConfigLocation.Fallback fallback, String property, String env,
                                       Predicate<Path> isFile, String... explicit) {
        Map<String, String> properties = property == null ? Map.of() : Map.of(ConfigLocation.PROPERTY, property);
        Map<String, String> environment = env == null ? Map.of() : Map.of(ConfigLocation.ENV, env);
        return ConfigLocation.find(fallback, properties::get, environment::get, isFile, explicit);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            first explicit value wins          | a.yaml | b.yaml | prop.yaml | env.yaml | GIVEN           | a.yaml
            blank explicit values are skipped  | '  '   | b.yaml | prop.yaml | env.yaml | GIVEN           | b.yaml
            property before environment        | -      | -      | prop.yaml | env.yaml | SYSTEM_PROPERTY | prop.yaml
            environment when nothing else      | -      | -      | ' '       | env.yaml | ENVIRONMENT     | env.yaml
            values are stripped                | -      | -      | -         | ' e.yaml '| ENVIRONMENT    | e.yaml
            """)
    void shouldTakeTheFirstNamedLocation(String name, String first, String second, String property, String env,
                                         ConfigLocation.Source source, String path) {
        for (ConfigLocation.Fallback fallback : ConfigLocation.Fallback.values()) {
            ConfigLocation found = find(fallback, property, env, DEFAULT_EXISTS, first, second);

            assertThat(found).as(fallback.name()).isEqualTo(new ConfigLocation(source, path));
            assertThat(found.label()).isEqualTo(path);
            assertThat(found.file()).isEqualTo(Path.of(path));
        }
    }

    @Test
    void shouldFindNothingForTheBareFilterWhenNothingIsNamed() {
        assertThat(find(ConfigLocation.Fallback.NONE, null, "", DEFAULT_EXISTS, (String) null)).isNull();
    }

    @Test
    void shouldFallBackToTheBuiltInForTheWarEvenWhenTheDefaultFileExists() {
        ConfigLocation found = find(ConfigLocation.Fallback.BUILT_IN, null, null, DEFAULT_EXISTS);

        assertThat(found.builtIn()).isTrue();
        assertThat(found.path()).isNull();
        assertThat(found.label()).isEqualTo(ConfigLocation.BUILT_IN_LABEL);
        assertThatThrownBy(found::file).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldTryTheDefaultFileThenTheBuiltInForTheJar() {
        assertThat(find(ConfigLocation.Fallback.DEFAULT_FILE_OR_BUILT_IN, null, null, DEFAULT_EXISTS))
                .isEqualTo(new ConfigLocation(ConfigLocation.Source.DEFAULT_FILE, ConfigLocation.DEFAULT_FILE.toString()));
        assertThat(find(ConfigLocation.Fallback.DEFAULT_FILE_OR_BUILT_IN, null, null, NOTHING_EXISTS).builtIn()).isTrue();
    }

    @Test
    void shouldRejectAPathForTheBuiltInAndNoPathForAFile() {
        assertThatThrownBy(() -> new ConfigLocation(ConfigLocation.Source.BUILT_IN, "x.yaml"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConfigLocation(ConfigLocation.Source.GIVEN, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
