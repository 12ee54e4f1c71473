package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Series}: equal buckets over an arm's whole life, bounded in number, merged exactly as the arm ages. */
final class SeriesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldKeepOneSecondBucketsWhileTheyFit() {
        Series s = new Series();
        s.record(T0, 10_000, 4_000, false, 12L, 5L);
        s.record(T0.plusMillis(300), 30_000, -1, true, null, 7L);
        s.record(T0.plusSeconds(5), 20_000, 8_000, false, 10L, null);

        assertThat(s.widthMillis()).isEqualTo(1_000);
        List<Series.Point> points = s.points();
        assertThat(points).extracting(Series.Point::start).containsExactly(T0, T0.plusSeconds(5));
        Series.Point first = points.get(0);
        assertThat(first.requests()).isEqualTo(2);
        assertThat(first.errors()).isEqualTo(1);
        assertThat(first.inputTokens()).isEqualTo(12.0);
        assertThat(first.outputTokens()).isEqualTo(6.0);
        assertThat(first.latencyMs()[0]).isBetween(9.0, 11.0);
        assertThat(first.latencyMs()[2]).isBetween(27.0, 33.0);
        // Only one of the two stated a first byte.
        assertThat(first.firstByteMs()[0]).isBetween(3.5, 4.5);
        assertThat(points.get(1).outputTokens()).isNaN();
    }

    @Test
    void shouldDoubleTheWidthWhenTheArmOutlivesSixtyBuckets() {
        Series s = new Series();
        for (int i = 0; i < 200; i++) {
            s.record(T0.plusSeconds(i), 1_000, -1, false, null, null);
        }
        // 200 s in buckets of 4 s: 50 of them, every request counted once.
        assertThat(s.widthMillis()).isEqualTo(4_000);
        assertThat(s.points()).hasSize(50);
        assertThat(s.points().stream().mapToLong(Series.Point::requests).sum()).isEqualTo(200);
        assertThat(s.points()).allSatisfy(p -> assertThat(p.requests()).isEqualTo(4));
    }

    @Test
    void shouldStayBoundedOverAWeek() {
        Series s = new Series();
        for (int i = 0; i < 7 * 24; i++) {
            s.record(T0.plusSeconds(3_600L * i), 1_000, -1, false, null, null);
        }
        assertThat(s.points().size()).isLessThanOrEqualTo(Series.MAX_POINTS);
        assertThat(s.points().stream().mapToLong(Series.Point::requests).sum()).isEqualTo(7 * 24);
    }
}
