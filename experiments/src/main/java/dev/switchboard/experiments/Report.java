package dev.switchboard.experiments;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.hll.Union;

/**
 * An experiment as {@code GET /admin/experiments} shows it (SPEC section 10): every arm's numbers, each
 * arm compared with the baseline (the first target, or the target before a change), the sample-ratio
 * check and warnings. The JSON shapes are the records below, their components in snake case. Stateless.
 */
final class Report {

    /** A comparison of fewer observations than {@link Stats#MIN_PER_ARM} on either side. */
    static final String NOT_ENOUGH_DATA = "not_enough_data";
    /** p of at least 0.05: no difference shown. */
    static final String NO_DIFFERENCE = "no_difference";
    /** The candidate's value is higher than the baseline's (p below 0.05). */
    static final String HIGHER = "higher";
    /** The candidate's value is lower than the baseline's (p below 0.05). */
    static final String LOWER = "lower";
    /** The significance level of the verdicts. */
    static final double ALPHA = 1 - Stats.CONFIDENCE;

    /** Standard deviations of the callers sketches' bounds an overlap must pass to count as callers in several arms. */
    private static final int LEAK_STD_DEVS = 2;

    private Report() {
    }

    /**
     * One experiment.
     *
     * @param source the virtual model
     * @param kind {@code split} (several targets) or {@code before_after} (a target that changed)
     * @param strategy how targets are chosen
     * @param since when the numbers began (the definition's change, or a reset)
     * @param changedAt for a before/after, when the target changed
     * @param arms the arms, baseline first
     * @param comparisons every arm but the baseline against the baseline, metric by metric
     * @param sampleRatio for a split, the sample-ratio-mismatch check
     * @param callersInSeveralArms approximately how many callers reached more than one arm (a sticky split leaks)
     * @param warnings what an operator should look at
     */
    record ExperimentView(String source, String kind, String strategy, Instant since, Instant changedAt, List<ArmView> arms,
                          List<ComparisonView> comparisons, SampleRatioView sampleRatio, long callersInSeveralArms,
                          List<String> warnings) {
    }

    /**
     * @param target the target
     * @param baseline whether the others are compared with it
     * @param weight its configured weight (a split), else {@code null}
     * @param expectedShare its weight's share of the total (a split), else {@code null}
     * @param requests exchanges that went to it
     * @param share its share of the experiment's requests
     * @param errors by class: {@code upstream_4xx}, {@code upstream_5xx}, {@code upstream_unavailable},
     *     {@code upstream_timeout}, {@code client_disconnect} (the completion codes {@code client_disconnected} and
     *     {@code client_timeout}), {@code upstream_error_event} (an error sent inside a 200 answer)
     * @param errorRate errors per request
     * @param latencyMs whole exchanges
     * @param firstByteMs time to the first response byte
     * @param tokens per request by kind ({@code input}, {@code output}, {@code cached}, {@code reasoning})
     * @param unknownUsage requests whose response stated no usage
     * @param failedOver requests another candidate answered (failover: its target failed them, or its breaker was
     *     open): their figures are that candidate's
     * @param finishReasons how answers ended ({@code stop}, {@code length}, {@code tool_calls}...)
     * @param distinctCallers distinct callers, approximately; {@code null} (unknown) when none of its requests came with
     *     an identity
     * @param anonymousRequests its requests whose caller had no identity (no user path, client or session id), which
     *     no caller count holds
     * @param feedback scores given
     * @param firstSeen its first exchange
     * @param lastSeen its last exchange
     * @param series the same numbers over time
     */
    record ArmView(String target, boolean baseline, Integer weight, Double expectedShare, long requests, Double share,
                   Map<String, Long> errors, Double errorRate, DistributionView latencyMs, DistributionView firstByteMs,
                   Map<String, TokenView> tokens, long unknownUsage, long failedOver, Map<String, Long> finishReasons,
                   Long distinctCallers, long anonymousRequests,
                   FeedbackView feedback, Instant firstSeen, Instant lastSeen, SeriesView series) {
    }

    /**
     * An arm over time: equal intervals that together cover its life (see {@link Series}).
     *
     * @param intervalSeconds the width of every interval (1 s at first, doubling as the arm ages)
     * @param points the intervals with exchanges, oldest first
     */
    record SeriesView(long intervalSeconds, List<PointView> points) {
    }

    /**
     * @param start when the interval begins
     * @param requests exchanges that ended in it
     * @param errors of which failed
     * @param errorRate errors per request
     * @param latencyMs percentiles of whole exchanges
     * @param firstByteMs percentiles of the time to the first byte
     * @param inputTokens mean input tokens per request that stated them, else {@code null}
     * @param outputTokens mean output tokens per request that stated them, else {@code null}
     */
    record PointView(Instant start, long requests, long errors, double errorRate, PercentilesView latencyMs,
                     PercentilesView firstByteMs, Double inputTokens, Double outputTokens) {
    }

    /**
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     */
    record PercentilesView(Double p50, Double p90, Double p99) {
    }

    /**
     * @param n observations
     * @param mean their mean
     * @param variance their sample variance, {@code null} under two observations
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     */
    record DistributionView(long n, Double mean, Double variance, Double p50, Double p90, Double p99) {
    }

    /**
     * @param n requests whose response stated this kind
     * @param sum their total, {@code null} when none stated it (unknown, not zero); a whole number past a long's range
     *     when it is one (each count fits a long, their total need not)
     * @param mean per request
     * @param variance per request (sample variance), {@code null} under two
     */
    record TokenView(long n, BigInteger sum, Double mean, Double variance) {
    }

    /**
     * @param count scores given
     * @param mean their mean (0 to 1)
     */
    record FeedbackView(long count, Double mean) {
    }

    /**
     * @param target the arm compared with the baseline
     * @param metric {@code latency_ms}, {@code first_byte_ms}, {@code input_tokens}, {@code output_tokens},
     *     {@code cached_tokens}, {@code reasoning_tokens}, {@code error_rate} or {@code feedback}
     * @param test {@code welch_t} or {@code two_proportion_z}
     * @param baseline the baseline's mean or rate
     * @param candidate this arm's
     * @param difference candidate minus baseline
     * @param ciLow the low end of the 95% confidence interval of the difference
     * @param ciHigh its high end
     * @param pValue the two-sided p-value of "no difference"
     * @param verdict {@code higher}, {@code lower}, {@code no_difference} or {@code not_enough_data}
     */
    record ComparisonView(String target, String metric, String test, Double baseline, Double candidate, Double difference,
                          Double ciLow, Double ciHigh, Double pValue, String verdict) {
    }

    /**
     * @param expected each arm's share by weight
     * @param observed each arm's share of {@code unit}
     * @param pValue the chi-square goodness-of-fit p-value
     * @param mismatch whether {@code pValue} is below 0.001: the traffic split is not what the weights say
     * @param unit what was split and counted: {@code requests} (round robin: each request takes its turn), or
     *     {@code callers} (sticky: each caller is sent to one arm, so its requests are not split one by one; a request
     *     without an identity is picked on its own and counts as one)
     */
    record SampleRatioView(List<Double> expected, List<Double> observed, Double pValue, boolean mismatch, String unit) {
    }

    static ExperimentView of(Experiment e) {
        Experiment.Definition def = e.definition();
        List<ArmStats.Snapshot> arms = new ArrayList<>();
        e.arms().forEach(a -> arms.add(a.snapshot()));
        boolean split = def.split();
        long total = 0;
        for (ArmStats.Snapshot a : arms) {
            total += a.requests();
        }
        int weightSum = def.weights().stream().mapToInt(Integer::intValue).sum();
        List<ArmView> views = new ArrayList<>();
        Union all = new Union(12);
        long estimatedSum = 0;
        // Each arm's distinct callers, estimated once: its view, the sample ratio and the few-callers warning read it.
        long[] callersOf = new long[arms.size()];
        for (int i = 0; i < arms.size(); i++) {
            ArmStats.Snapshot a = arms.get(i);
            Integer weight = split ? def.weights().get(i) : null;
            long callers = Math.round(a.callers().getEstimate());
            callersOf[i] = callers;
            estimatedSum += callers;
            all.update(a.callers().getResult());
            Long distinct = callers == 0 && a.anonymous() > 0 ? null : callers;
            views.add(new ArmView(a.target(), i == 0, weight, split ? (double) weight / weightSum : null, a.requests(),
                    total == 0 ? null : (double) a.requests() / total, errors(a),
                    a.requests() == 0 ? null : (double) a.errorCount() / a.requests(),
                    distribution(a.latency(), a.latencyQuantiles()), distribution(a.firstByte(), a.firstByteQuantiles()),
                    tokens(a), a.unknownUsage(), a.failedOver(), a.finishReasons(), distinct, a.anonymous(),
                    new FeedbackView(a.feedback().getN(), finite(a.feedback().getMean())), a.firstSeen(), a.lastSeen(),
                    series(a)));
        }
        // Each sketch's estimate errs (about 1.6% at one standard deviation), so the arms' estimates can add up to
        // more than the union's when no caller is in two arms (one call each from 4,000 callers showed "about 49").
        // An overlap counts only when even the arms' lower bounds add up to more than the union's upper bound.
        double lowerSum = 0;
        for (ArmStats.Snapshot a : arms) {
            lowerSum += a.callers().getLowerBound(LEAK_STD_DEVS);
        }
        long leaked = lowerSum > all.getUpperBound(LEAK_STD_DEVS)
                ? Math.max(0, estimatedSum - Math.round(all.getEstimate())) : 0;
        List<ComparisonView> comparisons = new ArrayList<>();
        for (int i = 1; i < arms.size(); i++) {
            comparisons.addAll(compare(arms.get(0), arms.get(i)));
        }
        SampleRatioView srm = null;
        List<String> warnings = new ArrayList<>();
        boolean sticky = def.strategy() == dev.switchboard.rules.Strategy.STICKY;
        if (split) {
            int[] weights = def.weights().stream().mapToInt(Integer::intValue).toArray();
            // What the split assigns: a round robin each request, a sticky split each caller (a statistics probe: three
            // callers on a fair 50/50 sent 101 and 199 requests, "mismatch, p = 1.5e-08"; by callers, 1 and 2, p = 0.56),
            // and a request without an identity on its own. Callers are estimates: their sketches' error is variance too.
            double[] observed = new double[arms.size()];
            double[] variance = new double[arms.size()];
            for (int i = 0; i < arms.size(); i++) {
                ArmStats.Snapshot a = arms.get(i);
                if (sticky) {
                    double sd = (a.callers().getUpperBound(1) - a.callers().getLowerBound(1)) / 2;
                    observed[i] = callersOf[i] + a.anonymous();
                    variance[i] = sd * sd;
                } else {
                    observed[i] = a.requests();
                }
            }
            double counted = java.util.Arrays.stream(observed).sum();
            double p = Stats.sampleRatio(weights, observed, variance);
            List<Double> expected = new ArrayList<>();
            List<Double> seen = new ArrayList<>();
            for (int i = 0; i < weights.length; i++) {
                expected.add((double) weights[i] / weightSum);
                seen.add(counted > 0 ? observed[i] / counted : null);
            }
            boolean mismatch = p < Stats.SRM_ALPHA;
            String unit = sticky ? "callers" : "requests";
            srm = new SampleRatioView(expected, seen, finite(p), mismatch, unit);
            if (mismatch) {
                warnings.add("sample ratio mismatch (p = " + String.format(java.util.Locale.ROOT, "%.2g", p)
                        + "): the arms' shares of " + unit + " are not what their weights say; the comparisons may be"
                        + " biased");
            }
        }
        if (leaked > 0 && sticky && split) {
            warnings.add("about " + leaked + " caller(s) reached more than one arm of a sticky split");
        }
        for (ArmStats.Snapshot a : arms) {
            if (a.reassigned() > 0) {
                warnings.add(a.target() + ": " + a.reassigned() + " of its requests came from callers who may not use"
                        + " every arm (an access policy closes one to them), so the arms' callers differ; the comparisons"
                        + " may be biased");
            }
        }
        for (ArmStats.Snapshot a : arms) {
            if (a.failedOver() > 0) {
                // A dashboard probe: a target that failed every request looked healthy, its fallback's answers in its row.
                warnings.add(a.target() + ": " + a.failedOver() + " of its " + a.requests() + " requests went to another"
                        + " candidate (failover: it failed them, or its circuit breaker was open), whose outcomes, latency"
                        + " and usage count in this arm; its own failures are in switchboard_failovers_total"
                        + " (failover.max_attempts: 1 compares the arms' own error rates)");
            }
        }
        if (sticky && split) {
            for (int i = 0; i < arms.size(); i++) {
                ArmStats.Snapshot a = arms.get(i);
                long callers = callersOf[i];
                if (a.requests() >= Stats.MIN_PER_ARM && callers + a.anonymous() < Stats.MIN_PER_ARM) {
                    // The comparisons count requests as independent, but a sticky split keeps each caller on one arm: with
                    // few callers, an arm's numbers are largely its callers' own.
                    warnings.add(a.target() + ": its " + a.requests() + " requests came from " + callers + " caller(s)"
                            + (a.anonymous() > 0 ? " and " + a.anonymous() + " without an identity" : "")
                            + ", each kept on one arm (sticky); the comparisons count requests as independent, so a"
                            + " difference may be the callers' own, not the targets'");
                }
            }
        }
        for (ArmStats.Snapshot a : arms) {
            if (a.requests() < Stats.MIN_PER_ARM) {
                warnings.add(a.target() + ": fewer than " + Stats.MIN_PER_ARM + " requests, not enough data to compare");
            }
        }
        return new ExperimentView(e.source, split ? "split" : "before_after", def.strategy().yamlName(), e.since(),
                e.changedAt(), views, comparisons, srm, leaked, warnings);
    }

    private static List<ComparisonView> compare(ArmStats.Snapshot base, ArmStats.Snapshot arm) {
        List<ComparisonView> out = new ArrayList<>();
        out.add(welch(arm.target(), "latency_ms", base.latency(), arm.latency()));
        out.add(welch(arm.target(), "first_byte_ms", base.firstByte(), arm.firstByte()));
        for (int k = 0; k < ArmStats.TOKEN_KINDS.length; k++) {
            out.add(welch(arm.target(), ArmStats.TOKEN_KINDS[k] + "_tokens", base.tokens()[k], arm.tokens()[k]));
        }
        out.add(proportion(arm.target(), "error_rate", base.errorCount(), base.requests(), arm.errorCount(), arm.requests()));
        out.add(proportion(arm.target(), "feedback", base.feedback().getSum(), base.feedback().getN(),
                arm.feedback().getSum(), arm.feedback().getN()));
        return out;
    }

    private static ComparisonView welch(String target, String metric, Moments a, Moments b) {
        if (a.getN() < Stats.MIN_PER_ARM || b.getN() < Stats.MIN_PER_ARM) {
            return new ComparisonView(target, metric, "welch_t", finite(a.getMean()), finite(b.getMean()), null, null, null,
                    null, NOT_ENOUGH_DATA);
        }
        Stats.Difference d = Stats.welch(a, b);
        return new ComparisonView(target, metric, "welch_t", a.getMean(), b.getMean(), d.difference(), d.low(), d.high(),
                d.p(), verdict(d));
    }

    private static ComparisonView proportion(String target, String metric, double aHits, long aN, double bHits, long bN) {
        Double baseline = aN == 0 ? null : aHits / aN;
        Double candidate = bN == 0 ? null : bHits / bN;
        if (aN < Stats.MIN_PER_ARM || bN < Stats.MIN_PER_ARM) {
            return new ComparisonView(target, metric, "two_proportion_z", baseline, candidate, null, null, null, null,
                    NOT_ENOUGH_DATA);
        }
        Stats.Difference d = Stats.proportions(aHits, aN, bHits, bN);
        return new ComparisonView(target, metric, "two_proportion_z", baseline, candidate, d.difference(), d.low(),
                d.high(), d.p(), verdict(d));
    }

    private static String verdict(Stats.Difference d) {
        if (!(d.p() < ALPHA)) {
            return NO_DIFFERENCE;
        }
        return d.difference() > 0 ? HIGHER : LOWER;
    }

    private static Map<String, Long> errors(ArmStats.Snapshot a) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ArmStats.ErrorClass c : ArmStats.ErrorClass.values()) {
            out.put(c.name().toLowerCase(java.util.Locale.ROOT), a.errors()[c.ordinal()]);
        }
        return out;
    }

    private static Map<String, TokenView> tokens(ArmStats.Snapshot a) {
        Map<String, TokenView> out = new LinkedHashMap<>();
        for (int k = 0; k < ArmStats.TOKEN_KINDS.length; k++) {
            Moments s = a.tokens()[k];
            out.put(ArmStats.TOKEN_KINDS[k], new TokenView(s.getN(),
                    s.getN() == 0 ? null : a.tokenSums()[k],
                    finite(s.getMean()),
                    variance(s)));
        }
        return out;
    }

    private static DistributionView distribution(Moments s, double[] q) {
        return new DistributionView(s.getN(), finite(s.getMean()), variance(s), finite(q[0]), finite(q[1]),
                finite(q[2]));
    }

    /** @return the sample variance, {@code null} (unknown) under two observations: one value has no spread to tell */
    private static Double variance(Moments s) {
        return s.getN() < 2 ? null : finite(s.getVariance());
    }

    private static SeriesView series(ArmStats.Snapshot a) {
        List<PointView> points = new ArrayList<>(a.series().size());
        for (Series.Point p : a.series()) {
            points.add(new PointView(p.start(), p.requests(), p.errors(), (double) p.errors() / p.requests(),
                    percentiles(p.latencyMs()), percentiles(p.firstByteMs()), finite(p.inputTokens()),
                    finite(p.outputTokens())));
        }
        return new SeriesView(a.seriesWidthMillis() / 1000, points);
    }

    private static PercentilesView percentiles(double[] q) {
        return new PercentilesView(finite(q[0]), finite(q[1]), finite(q[2]));
    }

    /** JSON has no NaN: an undefined figure (no data) is {@code null}. */
    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
