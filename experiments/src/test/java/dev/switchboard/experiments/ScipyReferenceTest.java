package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Strategy;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The figures an operator sees (SPEC section 10) against an independent reference: every expected value below was
 * computed by Debian's python3-scipy 1.10.1 / numpy 1.24.2 / python3-statsmodels 0.13.5 from the same samples (the
 * integer formulas here, written identically in the reference script), with the call named beside it:
 * <ul>
 * <li>Welch: {@code scipy.stats.ttest_ind(candidate, baseline, equal_var=False)} for t and p; the interval is
 * {@code diff -+ scipy.stats.t.ppf(0.975, df) * se} with df by Welch-Satterthwaite and {@code var(ddof=1)};</li>
 * <li>proportions: {@code statsmodels.stats.proportion.test_proportions_2indep(..., method='wald')} and
 * {@code confint_proportions_2indep(..., method='wald')} (unpooled standard error), also
 * {@code 2 * scipy.stats.norm.sf(|d| / se)}; {@code proportions_ztest} (pooled) where the text says pooled;</li>
 * <li>sample ratio: {@code scipy.stats.chisquare(observed, expected)};</li>
 * <li>percentiles: {@code numpy.percentile(x, q, method='inverted_cdf')}, which HdrHistogram's
 * {@code getValueAtPercentile} follows (the ceil(q n)-th value) up to its bucket's width: two significant digits,
 * so at most 1/128 above;</li>
 * <li>variances: {@code numpy.var(x, ddof=1)}, or exactly with {@code fractions.Fraction} where doubles cancel.</li>
 * </ul>
 */
final class ScipyReferenceTest {

    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    /** Commons Math's inverse t is accurate to about 1e-9 (its solver's default), scipy's to its own last digits. */
    private static final Offset<Double> CI = within(1e-8);

    // ---------------------------------------------------------------- Welch

    @Test
    void welchWithEqualSizesAndSimilarVariancesMatchesScipy() {
        Stats.Difference d = Stats.welch(moments(50, i -> 200 + (i * 37 % 41)), moments(50, i -> 205 + (i * 53 % 43)));

        // ttest_ind: t = 2.228118839663909, df = 97.59754791907675
        assertThat(d.difference()).isCloseTo(5.4599999999999795, within(1e-12));
        assertThat(d.p()).isCloseTo(0.02816839298630127, within(1e-12));
        assertThat(d.low()).isCloseTo(0.5968165076786418, CI);
        assertThat(d.high()).isCloseTo(10.323183492321316, CI);
    }

    @Test
    void welchWithUnequalSizesAndVariancesMatchesScipy() {
        Moments a = moments(40, i -> 100 + (i * 17 % 11) * 0.5);
        Moments b = moments(120, i -> 110 + (i * 29 % 97) * 2.0);
        Stats.Difference d = Stats.welch(a, b);

        // var(ddof=1): 2.541025641025641 and 3182.0434173669464 (the code's Moments use n - 1 too, as Welch needs)
        assertThat(a.getVariance()).isCloseTo(2.541025641025641, within(1e-12));
        assertThat(b.getVariance()).isCloseTo(3182.0434173669464, within(1e-9));
        // t = 20.17534254237975, df = 119.56875488895234
        assertThat(d.difference()).isCloseTo(104.01666666666665, within(1e-10));
        assertThat(d.p()).isCloseTo(2.6515298764892546e-40, within(1e-50));
        assertThat(d.low()).isCloseTo(93.80849667228286, CI);
        assertThat(d.high()).isCloseTo(114.22483666105045, CI);
    }

    @Test
    void welchWithOneConstantArmMatchesScipyEitherWayRound() {
        Moments constant = moments(30, i -> 50.0);
        Moments varying = moments(35, i -> 50.0 + (i % 7));

        // t = 8.746427842267952, df = 34.0 (all the variance is the varying arm's: df = n - 1)
        Stats.Difference up = Stats.welch(constant, varying);
        // Welford's running mean of 50 + i % 7 is 53.000000000000014: one rounding per update, 3e-16 relative
        assertThat(up.difference()).isCloseTo(3.0, within(1e-12));
        assertThat(up.p()).isCloseTo(3.2035134642502605e-10, within(1e-20));
        assertThat(up.low()).isCloseTo(2.3029458839767587, CI);
        assertThat(up.high()).isCloseTo(3.6970541160232413, CI);
        Stats.Difference down = Stats.welch(varying, constant);
        assertThat(down.p()).isEqualTo(up.p());
        assertThat(down.low()).isCloseTo(-3.6970541160232413, CI);
        assertThat(down.high()).isCloseTo(-2.3029458839767587, CI);
    }

    @Test
    void welchWithBothArmsConstantIsExactWhereScipyIsNaN() {
        // scipy: ttest_ind([50]*30, [50]*30) is (nan, nan); [100]*30 vs [50]*30 is (inf, 0.0). The code says p = 1
        // (no difference) and p = 0 with a zero-width interval: finite, and the verdicts an operator expects.
        Experiment same = experiment(List.of(1, 1));
        Experiment apart = experiment(List.of(1, 1));
        for (int i = 0; i < 30; i++) {
            same.arm("a").record(ok(50_000_000, 7L), null, NOW);
            same.arm("b").record(ok(50_000_000, 7L), null, NOW);
            apart.arm("a").record(ok(50_000_000, 7L), null, NOW);
            apart.arm("b").record(ok(100_000_000, 7L), null, NOW);
        }

        Report.ComparisonView s = comparison(Report.of(same), "latency_ms");
        Report.ComparisonView d = comparison(Report.of(apart), "latency_ms");

        assertThat(s.pValue()).isEqualTo(1.0);
        assertThat(s.verdict()).isEqualTo(Report.NO_DIFFERENCE);
        assertThat(List.of(s.difference(), s.ciLow(), s.ciHigh())).containsOnly(0.0);
        assertThat(d.pValue()).isEqualTo(0.0);
        assertThat(d.verdict()).isEqualTo(Report.HIGHER);
        assertThat(List.of(d.difference(), d.ciLow(), d.ciHigh())).containsOnly(50.0);
        assertThat(comparison(Report.of(same), "input_tokens").pValue()).isEqualTo(1.0);
        allFinite(Report.of(same));
        allFinite(Report.of(apart));
    }

    @Test
    void latencyThroughTheReportMatchesScipyAtExactlyThirtyAndSaysNotEnoughDataAtTwentyNine() {
        Experiment thirty = experiment(List.of(1, 1));
        Experiment twentyNine = experiment(List.of(1, 1));
        for (int i = 0; i < 30; i++) {
            long a = 3_000_000 + (i * 7919L % 1_000_003);
            long b = 3_400_000 + (i * 104729L % 1_300_021);
            thirty.arm("a").record(ok(a, 10L), null, NOW);
            thirty.arm("b").record(ok(b, 10L), null, NOW);
            twentyNine.arm("a").record(ok(a, 10L), null, NOW);
            if (i < 29) {
                twentyNine.arm("b").record(ok(b, 10L), null, NOW);
            }
        }

        Report.ExperimentView view = Report.of(thirty);
        Report.ComparisonView c = comparison(view, "latency_ms");
        // ms = nanos / 1e6; ttest_ind: t = 11.824862106293994, df = 30.873552961267215
        assertThat(c.baseline()).isCloseTo(3.1148255000000002, within(1e-12));
        assertThat(c.candidate()).isCloseTo(3.9652217666666663, within(1e-12));
        assertThat(view.arms().get(0).latencyMs().variance()).isCloseTo(0.004860068477500002, within(1e-14));
        assertThat(view.arms().get(1).latencyMs().variance()).isCloseTo(0.15029707470335746, within(1e-13));
        assertThat(c.pValue()).isCloseTo(5.369940777504222e-13, within(1e-21));
        assertThat(c.ciLow()).isCloseTo(0.7036983550491918, CI);
        assertThat(c.ciHigh()).isCloseTo(0.9970941782841403, CI);
        assertThat(c.verdict()).isEqualTo(Report.HIGHER);
        assertThat(view.warnings()).isEmpty();

        Report.ExperimentView short1 = Report.of(twentyNine);
        for (Report.ComparisonView each : short1.comparisons()) {
            assertThat(each.verdict()).as(each.metric()).isEqualTo(Report.NOT_ENOUGH_DATA);
            assertThat(each.pValue()).isNull();
        }
        assertThat(short1.warnings()).containsExactly("b: fewer than 30 requests, not enough data to compare");
        allFinite(short1);
    }

    // ---------------------------------------------------------------- tokens: sums, variances, no overflow

    // Regression (a probe of 2026-12-07): totals were a double's, so two counts of 2^53 + 1 summed to 2^54, not 2^54 + 2.
    @Test
    void aTokenTotalIsExactPastADoublesPrecision() {
        Experiment e = experiment(List.of(1, 1));
        ArmStats a = e.arm("a");
        a.record(ok(1_000_000, 9_007_199_254_740_993L), null, NOW);
        a.record(ok(1_000_000, 9_007_199_254_740_993L), null, NOW);

        assertThat(Report.of(e).arms().get(0).tokens().get("input").sum()).isEqualTo(new BigInteger("18014398509481986"));
    }

    // Regression: a kind no answer stated summed to 0 beside a null mean, and a total past a long's range stopped at
    // Long.MAX_VALUE (each count fits a long; their total need not).
    @Test
    void aTokenTotalIsUnknownWhenNoAnswerStatedItAndExactPastALong() {
        Experiment e = experiment(List.of(1, 1));
        ArmStats a = e.arm("a");
        a.record(ok(1_000_000, Long.MAX_VALUE), null, NOW);
        a.record(ok(1_000_000, 1L << 62), null, NOW);

        Report.ExperimentView view = Report.of(e);
        Report.TokenView input = view.arms().get(0).tokens().get("input");
        Report.TokenView cached = view.arms().get(0).tokens().get("cached");
        Report.TokenView other = view.arms().get(1).tokens().get("input");

        // Long.MAX_VALUE + 2^62 = 13835058055282163711, exactly (a double sum rounded it to 2^63 + 2^62)
        assertThat(input.sum()).isEqualTo(new BigInteger("13835058055282163711"));
        assertThat(cached.n()).isZero();
        assertThat(cached.sum()).isNull();
        assertThat(cached.mean()).isNull();
        assertThat(other.n()).isZero();
        assertThat(other.sum()).isNull();
    }

    @Test
    void aMillionRequestsOfAMillionTokensKeepExactSumsAndVariances() {
        Experiment e = experiment(List.of(1, 1));
        ArmStats a = e.arm("a");
        ArmStats b = e.arm("b");
        for (int i = 0; i < 1_000_000; i++) {
            a.record(ok(1_000_000, 1_000_000L + i % 3), null, NOW);
            b.record(ok(1_000_000, 1_000_000L + i % 5), null, NOW);
        }

        Report.ExperimentView view = Report.of(e);
        Report.TokenView ta = view.arms().get(0).tokens().get("input");
        Report.TokenView tb = view.arms().get(1).tokens().get("input");
        // numpy: sum 1000000999999 and 1000002000000; mean 1000000.999999; var(ddof=1) 0.6666676666666667 and
        // 2.000002000002 (ddof=0 would be 0.666666999999)
        assertThat(ta.sum()).isEqualTo(BigInteger.valueOf(1_000_000_999_999L));
        assertThat(tb.sum()).isEqualTo(BigInteger.valueOf(1_000_002_000_000L));
        // Welford's running mean rounds once per update: 1000000.9999980944 after a million, 2e-12 relative, far
        // below anything shown (the sum, kept apart, is exact)
        assertThat(ta.mean()).isCloseTo(1000000.999999, within(1e-5));
        assertThat(ta.variance()).isCloseTo(0.6666676666666667, within(1e-9));
        assertThat(tb.variance()).isCloseTo(2.000002000002, within(1e-9));
        Report.ComparisonView c = comparison(view, "input_tokens");
        // ttest_ind: t = 612.3727036131146, df = 1599998.639999001, p = 0.0
        assertThat(c.difference()).isCloseTo(1.0000010000076145, within(1e-5));
        assertThat(c.pValue()).isEqualTo(0.0);
        assertThat(c.ciLow()).isCloseTo(0.9968003880018407, within(1e-5));
        assertThat(c.ciHigh()).isCloseTo(1.0032016120133884, within(1e-5));
        allFinite(view);
    }

    @Test
    void varianceOfValuesNearABillionDoesNotCancel() {
        // 1e9 + (i % 10) * 1e-3: the exact variance of these doubles (fractions.Fraction) is 8.25819477662443e-06;
        // a sum of squares in doubles gives 524.8 (numpy's two-pass 8.258194777904686e-06).
        Moments m = moments(1000, i -> 1e9 + (i % 10) * 1e-3);

        assertThat(m.getMean()).isCloseTo(1000000000.0045, within(1e-6));
        assertThat(m.getVariance()).isCloseTo(8.25819477662443e-06, within(1e-6 * 8.25819477662443e-06));
    }

    // ---------------------------------------------------------------- proportions

    @Test
    void twoProportionsMatchTheReference() {
        // 10/200 vs 30/200: proportions_ztest p (pooled) 0.0008581206663936765; unpooled 0.000723232716430194;
        // wald interval (0.042023483477296064, 0.15797651652270392)
        Stats.Difference d = Stats.proportions(10, 200, 30, 200);
        assertThat(d.difference()).isCloseTo(0.1, within(1e-12));
        assertThat(d.low()).isCloseTo(0.042023483477296064, within(1e-12));
        assertThat(d.high()).isCloseTo(0.15797651652270392, within(1e-12));
        assertThat(d.p()).isCloseTo(0.000723232716430194, within(1e-15));
        // 0/100 vs 5/100: unpooled p 0.021781462791119477, wald (0.007283575292052945, 0.09271642470794705)
        Stats.Difference some = Stats.proportions(0, 100, 5, 100);
        assertThat(some.p()).isCloseTo(0.021781462791119477, within(1e-14));
        assertThat(some.low()).isCloseTo(0.007283575292052945, within(1e-12));
        assertThat(some.high()).isCloseTo(0.09271642470794705, within(1e-12));
        // 100/100 vs 90/100: unpooled p 0.0008581206663936765, wald (-0.15879891953620162, -0.04120108046379835)
        Stats.Difference fromAll = Stats.proportions(100, 100, 90, 100);
        assertThat(fromAll.p()).isCloseTo(0.0008581206663936765, within(1e-15));
        assertThat(fromAll.low()).isCloseTo(-0.15879891953620162, within(1e-12));
        assertThat(fromAll.high()).isCloseTo(-0.04120108046379835, within(1e-12));
    }

    @Test
    void degenerateRatesAreFiniteAndExact() {
        // scipy/statsmodels: 0/100 vs 0/100 and 100% vs 100% have no variance (nan); 0 vs 100% has wald (1.0, 1.0)
        assertThat(Stats.proportions(0, 100, 0, 100)).isEqualTo(new Stats.Difference(0, 0, 0, 1));
        assertThat(Stats.proportions(100, 100, 100, 100)).isEqualTo(new Stats.Difference(0, 0, 0, 1));
        Stats.Difference all = Stats.proportions(0, 100, 100, 100);
        assertThat(List.of(all.difference(), all.low(), all.high())).containsOnly(1.0);
        assertThat(all.p()).isLessThan(1e-40);

        Experiment e = experiment(List.of(1, 1));
        for (int i = 0; i < 40; i++) {
            e.arm("a").record(ok(1_000_000, 1L), null, NOW);
            e.arm("b").record(failed(1_000_000), null, NOW);
        }
        Report.ExperimentView view = Report.of(e);
        Report.ComparisonView errors = comparison(view, "error_rate");
        assertThat(errors.baseline()).isEqualTo(0.0);
        assertThat(errors.candidate()).isEqualTo(1.0);
        assertThat(errors.verdict()).isEqualTo(Report.HIGHER);
        // The candidate stated no usage at all: its token comparisons have no data, never NaN.
        assertThat(comparison(view, "input_tokens").verdict()).isEqualTo(Report.NOT_ENOUGH_DATA);
        assertThat(comparison(view, "feedback").verdict()).isEqualTo(Report.NOT_ENOUGH_DATA);
        allFinite(view);
    }

    @Test
    void theErrorRateIntervalAgreesWithItsPValue() {
        // 3/30 vs 9/30 errors. Pooled test (proportions_ztest): p = 0.05280751141611363, "no difference"; the
        // unpooled (wald) interval (0.004003601545994523, 0.39599639845400547) leaves 0 out: "higher". One of the
        // two must give way; with the unpooled standard error for both, p = 0.04550026389635843 (2 * norm.sf).
        Experiment e = experiment(List.of(1, 1));
        for (int i = 0; i < 30; i++) {
            e.arm("a").record(i < 3 ? failed(1_000_000) : ok(1_000_000, 1L), null, NOW);
            e.arm("b").record(i < 9 ? failed(1_000_000) : ok(1_000_000, 1L), null, NOW);
        }

        Report.ComparisonView c = comparison(Report.of(e), "error_rate");

        assertThat(c.ciLow() > 0 || c.ciHigh() < 0).as("interval %s..%s leaves 0 out", c.ciLow(), c.ciHigh())
                .isEqualTo(c.pValue() < Report.ALPHA);
        assertThat(c.ciLow()).isCloseTo(0.004003601545994523, within(1e-12));
        assertThat(c.ciHigh()).isCloseTo(0.39599639845400547, within(1e-12));
        assertThat(c.pValue()).isCloseTo(0.04550026389635843, within(1e-14));
        assertThat(c.verdict()).isEqualTo(Report.HIGHER);
    }

    @Test
    void feedbackIsComparedAsTheErrorRateIs() {
        // true/false scores: 12 of 30 vs 20 of 30. test_proportions_2indep(20, 30, 12, 30, method='wald'):
        // p = 0.031686388539793796; confint_proportions_2indep(..., method='wald') = (0.02338304393547408,
        // 0.5099502893978591)
        Experiment e = experiment(List.of(1, 1));
        for (int i = 0; i < 30; i++) {
            e.arm("a").feedback(i < 12 ? 1 : 0);
            e.arm("b").feedback(i < 20 ? 1 : 0);
        }

        Report.ExperimentView view = Report.of(e);
        Report.ComparisonView c = comparison(view, "feedback");

        assertThat(view.arms().get(0).feedback().mean()).isCloseTo(0.4, within(1e-15));
        assertThat(c.difference()).isCloseTo(0.26666666666666666, within(1e-15));
        assertThat(c.pValue()).isCloseTo(0.031686388539793796, within(1e-14));
        assertThat(c.ciLow()).isCloseTo(0.02338304393547408, within(1e-12));
        assertThat(c.ciHigh()).isCloseTo(0.5099502893978591, within(1e-12));
        assertThat(c.verdict()).isEqualTo(Report.HIGHER);
        allFinite(view);
    }

    // ---------------------------------------------------------------- sample ratio

    @Test
    void sampleRatioMatchesScipysChiSquare() {
        // chisquare([700, 300], [700, 300]): chi2 = 0, p = 1.0; chisquare([760, 240], [700, 300]): chi2 =
        // 17.142857142857142, p = 3.4671076872696563e-05 (flagged, < 0.001)
        assertThat(Stats.sampleRatio(new int[] {70, 30}, new long[] {700, 300})).isCloseTo(1.0, within(1e-12));
        assertThat(Stats.sampleRatio(new int[] {70, 30}, new long[] {760, 240}))
                .isCloseTo(3.4671076872696563e-05, within(1e-15));

        Experiment e = experiment(List.of(70, 30));
        for (int i = 0; i < 1000; i++) {
            e.arm(i < 760 ? "a" : "b").record(ok(1_000_000, 1L), null, NOW);
        }
        Report.SampleRatioView srm = Report.of(e).sampleRatio();
        assertThat(srm.expected()).containsExactly(0.7, 0.3);
        assertThat(srm.observed()).containsExactly(0.76, 0.24);
        assertThat(srm.pValue()).isCloseTo(3.4671076872696563e-05, within(1e-15));
        assertThat(srm.mismatch()).isTrue();
        assertThat(Report.of(e).warnings()).anySatisfy(w -> assertThat(w).startsWith("sample ratio mismatch (p = 3.5e-05)"));
    }

    @Test
    void sampleRatioOfEstimatedCountsAddsTheirVariance() {
        // Equal weights: d1^2 / (N/4 + (v1 + v2)/4) = 100^2 / (5000 + 12800) = 0.5618, 1 - chi2.cdf(0.5618, 1) =
        // 0.45353680622870707; with v = 0 Pearson's: chisquare([10100, 9900]): p = 0.15729920705028488.
        assertThat(Stats.sampleRatio(new int[] {1, 1}, new double[] {10_100, 9_900}, new double[] {25_600, 25_600}))
                .isCloseTo(0.45353680622870707, within(1e-12));
        assertThat(Stats.sampleRatio(new int[] {1, 1}, new double[] {10_100, 9_900}, new double[2]))
                .isCloseTo(0.15729920705028488, within(1e-12));
        // Uneven weights, the errors' covariance in full: numpy, d = o - N w, S = N (diag(w) - w w^T) + P diag(v) P^T
        // with P = I - w 1^T, x = d @ pinv(S) @ d, 1 - chi2.cdf(x, k - 1).
        assertThat(Stats.sampleRatio(new int[] {3, 1}, new double[] {7_600, 2_400},
                new double[] {121.6 * 121.6, 38.4 * 38.4})).isCloseTo(0.09689725683958306, within(1e-9));
        assertThat(Stats.sampleRatio(new int[] {2, 1, 1}, new double[] {5_150, 2_400, 2_450},
                new double[] {82.4 * 82.4, 38.4 * 38.4, 39.2 * 39.2})).isCloseTo(0.08763471461705874, within(1e-9));
    }

    // Regression (a statistics probe): a fair sticky 50/50 with three callers sent 101 and 199 requests and was flagged
    // "sample ratio mismatch, p = 1.5e-08" (chisquare([101, 199]) against 150 each); a sticky split assigns callers, not
    // requests: chisquare([1, 2]) against 1.5 each: chi2 = 0.3333, p = 0.5637028616507731.
    @Test
    void sampleRatioOfAStickySplitCountsCallers() {
        Experiment e = new Experiment("m", 1, new Experiment.Definition(List.of("a", "b"), List.of(1, 1), Strategy.STICKY),
                NOW);
        for (int i = 0; i < 101; i++) {
            e.arm("a").record(ok(1_000_000, 1L), "path:/one", NOW);
        }
        for (int i = 0; i < 199; i++) {
            e.arm("b").record(ok(1_000_000, 1L), i % 2 == 0 ? "path:/two" : "path:/three", NOW);
        }

        Report.ExperimentView view = Report.of(e);

        assertThat(view.sampleRatio().unit()).isEqualTo("callers");
        assertThat(view.sampleRatio().observed()).containsExactly(1 / 3.0, 2 / 3.0);
        // Within 1e-9, not 1e-12: the sketches of one and two callers count them exactly, but their bounds allow a hair.
        assertThat(view.sampleRatio().pValue()).isCloseTo(0.5637028616507731, within(1e-9));
        assertThat(view.sampleRatio().mismatch()).isFalse();
        assertThat(view.warnings()).noneMatch(w -> w.startsWith("sample ratio mismatch"))
                .contains("a: its 101 requests came from 1 caller(s), each kept on one arm (sticky); the comparisons count"
                        + " requests as independent, so a difference may be the callers' own, not the targets'")
                .anySatisfy(w -> assertThat(w).startsWith("b: its 199 requests came from 2 caller(s), each kept"));
        assertThat(view.arms()).extracting(Report.ArmView::distinctCallers).containsExactly(1L, 2L);
    }

    // Each request of a caller without an identity is picked on its own: it counts as one, and its arm's distinct
    // callers are unknown, not 0 (the probe's 40 requests without a user path read "Distinct callers 0").
    @Test
    void aStickySplitsRequestsWithoutAnIdentityCountOneByOne() {
        Experiment e = new Experiment("m", 1, new Experiment.Definition(List.of("a", "b"), List.of(1, 1), Strategy.STICKY),
                NOW);
        for (int i = 0; i < 760; i++) {
            e.arm("a").record(ok(1_000_000, 1L), null, NOW);
        }
        for (int i = 0; i < 240; i++) {
            e.arm("b").record(ok(1_000_000, 1L), i < 40 ? "path:/c" + i : null, NOW);
        }

        Report.ExperimentView view = Report.of(e);

        assertThat(view.arms()).extracting(Report.ArmView::distinctCallers).containsExactly(null, 40L);
        assertThat(view.arms()).extracting(Report.ArmView::anonymousRequests).containsExactly(760L, 200L);
        assertThat(view.sampleRatio().observed()).containsExactly(0.76, 0.24);
        assertThat(view.sampleRatio().mismatch()).isTrue();
        assertThat(view.warnings()).anySatisfy(w -> assertThat(w).startsWith("sample ratio mismatch (p = ")
                .contains("the arms' shares of callers are not what their weights say"));
    }

    // ---------------------------------------------------------------- percentiles, mean, variance, callers

    @Test
    void percentilesAreScipysWithinTheHistogramsPrecision() {
        Experiment e = new Experiment("m", 1, new Experiment.Definition(List.of("a"), List.of(1), Strategy.STICKY), NOW);
        ArmStats arm = e.arm("a");
        for (int i = 0; i < 1000; i++) {
            long micros = (500 + (i * 7919L % 10007)) * (i % 50 == 0 ? 20 : 1);
            arm.record(ok(micros * 1000, 1L), "caller-" + i, NOW);
        }

        ArmStats.Snapshot s = arm.snapshot();
        // numpy.percentile(ms, [50, 90, 99], method='inverted_cdf') = 5.609, 9.679, 111.98 (linear: 5.6185, 9.68,
        // 112.0378); mean 7.557997, var(ddof=1) 284.03184799899003
        double[] expected = {5.609, 9.679, 111.98};
        for (int q = 0; q < 3; q++) {
            assertThat(s.latencyQuantiles()[q]).isBetween(expected[q], expected[q] * (1 + 1.0 / 128));
        }
        assertThat(s.latency().getMean()).isCloseTo(7.557997, within(1e-12));
        assertThat(s.latency().getVariance()).isCloseTo(284.03184799899003, within(1e-9));
        // 1,000 distinct callers: HyperLogLog at 2^12 registers, about 1.6% at one standard deviation
        assertThat(Report.of(e).arms().get(0).distinctCallers()).isBetween(950L, 1050L);
    }

    // ---------------------------------------------------------------- helpers

    private static Experiment experiment(List<Integer> weights) {
        return new Experiment("m", 1, new Experiment.Definition(List.of("a", "b"), weights, Strategy.ROUND_ROBIN), NOW);
    }

    private static Moments moments(int n, IntToDoubleFunction value) {
        Moments m = new Moments();
        for (int i = 0; i < n; i++) {
            m.add(value.applyAsDouble(i));
        }
        return m;
    }

    private static Completion ok(long nanos, Long inputTokens) {
        return new Completion(200, null, false, List.of(), nanos, nanos / 2,
                new Usage(inputTokens, 4L, null, null, null, "stop"), null);
    }

    private static Completion failed(long nanos) {
        return new Completion(502, "upstream_unavailable", false, List.of(), nanos, -1, Usage.UNKNOWN, null);
    }

    private static Report.ComparisonView comparison(Report.ExperimentView view, String metric) {
        return view.comparisons().stream().filter(c -> c.metric().equals(metric)).findFirst().orElseThrow();
    }

    /** JSON has no NaN or Infinity: every number an operator sees is finite or absent. */
    private static void allFinite(Report.ExperimentView view) {
        for (Report.ComparisonView c : view.comparisons()) {
            finite(c);
        }
        for (Report.ArmView a : view.arms()) {
            finite(a);
            finite(a.latencyMs());
            finite(a.firstByteMs());
            a.tokens().values().forEach(ScipyReferenceTest::finite);
            finite(a.feedback());
        }
        if (view.sampleRatio() != null) {
            finite(view.sampleRatio());
            view.sampleRatio().expected().forEach(x -> assertThat(x).isFinite());
        }
    }

    private static void finite(Record r) {
        for (RecordComponent rc : r.getClass().getRecordComponents()) {
            if (rc.getType() == Double.class || rc.getType() == double.class) {
                try {
                    Object v = rc.getAccessor().invoke(r);
                    if (v != null) {
                        assertThat((Double) v).as("%s.%s", r.getClass().getSimpleName(), rc.getName()).isFinite();
                    }
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }
}
