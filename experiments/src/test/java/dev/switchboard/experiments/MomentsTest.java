package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.junit.jupiter.api.Test;

/** The running moments agree with Commons Math's SummaryStatistics, which they replace on the hot path. */
final class MomentsTest {

    @Test
    void shouldAgreeWithSummaryStatistics() {
        Random random = new Random(7);
        Moments moments = new Moments();
        SummaryStatistics reference = new SummaryStatistics();
        for (int i = 0; i < 100_000; i++) {
            // Latencies around 800 ms with a long tail: where a naive sum of squares loses precision.
            double x = 800 + 50 * random.nextGaussian() + (random.nextInt(100) == 0 ? 5_000 * random.nextDouble() : 0);
            moments.add(x);
            reference.addValue(x);
        }

        assertThat(moments.getN()).isEqualTo(reference.getN());
        assertThat(moments.getSum()).isCloseTo(reference.getSum(), within(1e-6 * reference.getSum()));
        assertThat(moments.getMean()).isCloseTo(reference.getMean(), within(1e-9 * reference.getMean()));
        assertThat(moments.getVariance()).isCloseTo(reference.getVariance(), within(1e-9 * reference.getVariance()));
        assertThat(moments.getMin()).isEqualTo(reference.getMin());
        assertThat(moments.getMax()).isEqualTo(reference.getMax());
        assertThat(moments.copy().getVariance()).isEqualTo(moments.getVariance());
    }

    @Test
    void shouldKnowNothingWithoutValuesAndNoSpreadWithOne() {
        Moments m = new Moments();
        assertThat(m.getMean()).isNaN();
        assertThat(m.getVariance()).isNaN();
        m.add(3);
        assertThat(m.getMean()).isEqualTo(3);
        assertThat(m.getVariance()).isZero();
    }
}
