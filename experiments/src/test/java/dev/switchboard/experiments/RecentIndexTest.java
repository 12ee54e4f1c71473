package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The feedback index keeps the most recent request ids and drops the oldest, however many pass through. */
final class RecentIndexTest {

    @Test
    void shouldKeepTheLatestHalfAndDropTheOldestFirst() {
        RecentIndex<Integer> index = new RecentIndex<>(1_000);
        for (int i = 0; i < 10_250; i++) {
            index.put("req-" + i, i);
            assertThat(index.size()).isLessThanOrEqualTo(1_000);
        }

        // Entries never read are kept as they came: the newest 500 at least, nothing older than the last 1,000.
        for (int i = 10_250 - 500; i < 10_250; i++) {
            assertThat(index.get("req-" + i)).isEqualTo(i);
        }
        for (int i = 0; i < 10_250 - 1_000; i++) {
            assertThat(index.get("req-" + i)).isNull();
        }
        assertThat(index.get("req-" + (10_250 - 750))).isEqualTo(10_250 - 750);
    }

    @Test
    void shouldRefuseACapacityThatHoldsNothing() {
        assertThatThrownBy(() -> new RecentIndex<>(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be >= 2, but was 1");
    }
}
