package dev.switchboard.jetty;

import dev.switchboard.experiments.ScoreMetric;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BiPredicate;

/**
 * {@code switchboard_feedback}: feedback scores by virtual model and target, a classic Prometheus histogram of tenths
 * in the registry {@code /metrics} scrapes, beside Micrometer's meters and with their label names. Not a Micrometer
 * distribution summary: its buckets count each value rounded up to a whole number, so every score above 0 landed in
 * the bucket of 1.
 */
final class FeedbackHistogram implements ScoreMetric {

    private final Histogram histogram;

    FeedbackHistogram(PrometheusRegistry registry) {
        histogram = Histogram.builder().name("switchboard_feedback").help("feedback scores (0 to 1) by arm")
                .labelNames("switchboard_virtual_model", "switchboard_target")
                .classicUpperBounds(BUCKETS.stream().mapToDouble(Double::doubleValue).toArray()).classicOnly()
                .withoutExemplars().register(registry);
    }

    @Override
    public void record(String virtualModel, String target, double score) {
        histogram.labelValues(virtualModel, target).observe(score);
    }

    @Override
    public void retain(BiPredicate<String, String> keep) {
        histogram.removeIf(labels -> !keep.test(labels.get(0), labels.get(1)));
    }
}
