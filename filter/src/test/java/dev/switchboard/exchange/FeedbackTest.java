package dev.switchboard.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class FeedbackTest {

    @Test
    void shouldCutALongCommentTo500Characters() {
        assertThat(new Feedback("r", 1, "x".repeat(600)).comment()).isEqualTo("x".repeat(500));
        assertThat(new Feedback("r", 1, "x".repeat(500)).comment()).isEqualTo("x".repeat(500));
        assertThat(new Feedback("r", 1, null).comment()).isNull();
    }

    // Regression (audit): the cut counted UTF-16 units, so an emoji at the 500th character was cut in half and the
    // access log held a lone surrogate ("\uD83D"), which strict JSON and UTF-8 readers refuse.
    @Test
    void shouldNeverCutACharacterInHalf() {
        String emoji = "\uD83D\uDE00";
        String comment = new Feedback("r", 1, "x".repeat(499) + emoji + emoji).comment();

        assertThat(comment).isEqualTo("x".repeat(499) + emoji);
        assertThat(comment.codePointCount(0, comment.length())).isEqualTo(500);
        assertThat(new Feedback("r", 1, emoji.repeat(500)).comment()).isEqualTo(emoji.repeat(500));
    }
}
