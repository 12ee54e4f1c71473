package dev.switchboard.experiments;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * Where feedback scores are counted as a metric ({@code switchboard_feedback}), by virtual model and target: a
 * histogram of tenths in what ships (the bundled proxy's Prometheus registry).
 */
public interface ScoreMetric {

    /**
     * The histogram's upper bounds: tenths, so that a thumbs down (0, in the first) and a thumbs up (1, in the last)
     * each count in a bucket of their own, and {@code histogram_quantile} reads a distribution.
     */
    List<Double> BUCKETS = List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0);

    /**
     * @param virtualModel the virtual model's label
     * @param target the target's label
     * @param score a score from 0 to 1
     */
    void record(String virtualModel, String target, double score);

    /** @param keep whether a series (by its virtual model's and target's labels) stays; the others are removed */
    void retain(BiPredicate<String, String> keep);
}
