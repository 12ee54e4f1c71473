package dev.switchboard.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** User-path normalization and segment-wise containment (SPEC section 2, "User paths are normalized"). */
final class UserPathTest {

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, textBlock = """
            team/a/b|/team/a/b
             team/a/b/ |/team/a/b
            /team//a///b|/team/a/b
            team//a/|/team/a
            /|/
            ///|/
            \t/acme/ml/alice\t|/acme/ml/alice
            /Acme/ML/Alice|/Acme/ML/Alice
            /acme/ml/alice|/acme/ml/alice
            /a/..b/c.|/a/..b/c.
            /a/.../b|/a/.../b
            /équipe/données|/équipe/données
            /team alpha/x|/team alpha/x
            """)
    void shouldNormalize(String raw, String expected) {
        assertThat(UserPath.normalize(raw)).isEqualTo(expected);
    }

    @Test
    void shouldKeepANormalizedPathUnchanged() {
        for (String path : List.of("/", "/a", "/Team/Alpha", "/acme/ml/alice")) {
            assertThat(UserPath.normalize(UserPath.normalize(path))).isEqualTo(path);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t \n", "..", ".", "/team/..", "/team/../admin", "/./team", "team/./a",
        "/team:alpha", ":", "/a/b:c", "/team\u0000", "/te\nam", "/team/\u001b[31m", "/a\u007fb", "/a\u0085b"})
    void shouldRejectInvalidPath(String raw) {
        assertThatThrownBy(() -> UserPath.normalize(raw))
                .isInstanceOf(InvalidUserPathException.class)
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldSayWhyAPathIsRejected() {
        assertThatThrownBy(() -> UserPath.normalize("/a/../b")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> UserPath.normalize("/a/./b")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> UserPath.normalize("/a:b")).hasMessageContaining("':'");
        assertThatThrownBy(() -> UserPath.normalize("/a\u0001")).hasMessageContaining("control");
        assertThatThrownBy(() -> UserPath.normalize("  ")).hasMessageContaining("empty");
    }

    @ParameterizedTest(name = "covers({0}, {1}) = {2}")
    @CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
            /team        | /team             | true
            /team        | /team/alpha       | true
            /team        | /team/alpha/beta  | true
            /team        | /team-alpha       | false
            /team        | /teamalpha        | false
            /team        | /tea              | false
            /team        | /                 | false
            /team        | /other/team       | false
            /team        | /Team             | false
            /team/alpha  | /team             | false
            /team/alpha  | /team/alpha/x     | true
            /team/alpha  | /team/alphabet    | false
            /            | /                 | true
            /            | /anything/at/all  | true
            /            | NONE              | true
            /team        | NONE              | false
            """)
    void shouldCoverSegmentWise(String scope, String path, boolean expected) {
        assertThat(UserPath.covers(scope, path)).isEqualTo(expected);
    }

    @Test
    void shouldCoverWhenAnyScopeCovers() {
        assertThat(UserPath.anyCovers(List.of("/acme/ml", "/acme/labs"), "/acme/labs/bob")).isTrue();
        assertThat(UserPath.anyCovers(List.of("/acme/ml", "/acme/labs"), "/acme/sales")).isFalse();
        assertThat(UserPath.anyCovers(List.of("/acme/ml", "/"), null)).isTrue();
        assertThat(UserPath.anyCovers(List.of("/acme/ml"), null)).isFalse();
        assertThat(UserPath.anyCovers(List.of(), "/acme/ml")).isFalse();
        assertThat(UserPath.anyCovers(List.of(), null)).isFalse();
    }
}
