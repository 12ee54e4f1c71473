package dev.switchboard.experiments;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.StatisticalSummary;

/**
 * The tests of SPEC section 10, on Apache Commons Math's distributions (nothing hand-written but the
 * textbook formulas that feed them): Welch's t-test for means, a two-proportion z-test for rates, and a
 * chi-square goodness-of-fit test for the sample-ratio mismatch. Stateless.
 */
final class Stats {

    /** The confidence of every interval. */
    static final double CONFIDENCE = 0.95;
    /** Under this many observations per arm a comparison says "not enough data". */
    static final int MIN_PER_ARM = 30;
    /** A sample ratio this unlikely is flagged (SPEC section 10). */
    static final double SRM_ALPHA = 0.001;

    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private Stats() {
    }

    /**
     * A difference of the candidate from the baseline.
     *
     * @param difference candidate minus baseline
     * @param low the low end of the 95% confidence interval of the difference
     * @param high its high end
     * @param p the two-sided p-value of "no difference"
     */
    record Difference(double difference, double low, double high, double p) {
    }

    /**
     * Welch's t-test of two means (unequal variances).
     *
     * @param baseline the baseline's observations
     * @param candidate the candidate's
     * @return the difference of means with its interval and p-value
     */
    static Difference welch(StatisticalSummary baseline, StatisticalSummary candidate) {
        double diff = candidate.getMean() - baseline.getMean();
        double va = baseline.getVariance() / baseline.getN();
        double vb = candidate.getVariance() / candidate.getN();
        double se = Math.sqrt(va + vb);
        if (!(se > 0)) {
            // Both arms constant: they differ exactly by the difference of their values, or not at all.
            return new Difference(diff, diff, diff, diff == 0 ? 1.0 : 0.0);
        }
        // Welch-Satterthwaite degrees of freedom.
        double df = (va + vb) * (va + vb)
                / (va * va / (baseline.getN() - 1) + vb * vb / (candidate.getN() - 1));
        TDistribution t = new TDistribution(null, df);
        double critical = t.inverseCumulativeProbability(1 - (1 - CONFIDENCE) / 2);
        double p = 2 * t.cumulativeProbability(-Math.abs(diff / se));
        return new Difference(diff, diff - critical * se, diff + critical * se, p);
    }

    /**
     * A two-proportion z-test (the Wald test): the unpooled standard error, sqrt(pa (1 - pa) / na + pb (1 - pb) / nb),
     * for both the p-value and the interval, so the interval leaves 0 out exactly when p is below 0.05 and the two
     * never contradict each other. (A pooled error for the test beside an unpooled one for the interval did: 3/30
     * against 9/30 errors read "p = 0.053, no difference" with an interval of +0.004 to +0.396.) An arm with a rate
     * of 0 or 1 adds no spread; when neither has any, the rates are equal (p = 1) or differ for certain (p = 0).
     *
     * @param baselineHits the baseline's successes (errors, or the sum of scores)
     * @param baselineN its trials
     * @param candidateHits the candidate's
     * @param candidateN its trials
     * @return the difference of proportions with its interval and p-value
     */
    static Difference proportions(double baselineHits, long baselineN, double candidateHits, long candidateN) {
        double pa = baselineHits / baselineN;
        double pb = candidateHits / candidateN;
        double diff = pb - pa;
        double se = Math.sqrt(pa * (1 - pa) / baselineN + pb * (1 - pb) / candidateN);
        double critical = NORMAL.inverseCumulativeProbability(1 - (1 - CONFIDENCE) / 2);
        double p = se > 0 ? 2 * NORMAL.cumulativeProbability(-Math.abs(diff / se)) : diff == 0 ? 1.0 : 0.0;
        return new Difference(diff, diff - critical * se, diff + critical * se, p);
    }

    /**
     * The sample-ratio-mismatch check: did the arms get the shares their weights promise?
     *
     * @param weights the configured weights, one per arm
     * @param observed requests per arm
     * @return the p-value of a chi-square goodness-of-fit test, or {@code NaN} with fewer than two arms or
     *     no requests
     */
    static double sampleRatio(int[] weights, long[] observed) {
        double[] counts = new double[observed.length];
        for (int i = 0; i < observed.length; i++) {
            counts[i] = observed[i];
        }
        return sampleRatio(weights, counts, new double[observed.length]);
    }

    /**
     * The same check on counts that are themselves estimates (a sticky split's callers, counted by HyperLogLog
     * sketches), each with a variance of its own: the deviations from the weights' shares of the counted total,
     * d = o - N w, weighed by their covariance under "the weights hold", N (diag(w) - w w^T) for the split itself plus
     * P diag(v) P^T (P = I - w 1^T) for the estimates' errors, which move the total and so every arm's expected count:
     * d^T Sigma^+ d, against the chi-square distribution with one degree of freedom less than the arms. With no estimate
     * error it is Pearson's statistic exactly (computed so); with some, a difference the sketches' error explains is not
     * flagged. (A first version added each arm's variance to its own expected count only: calibrated for equal weights,
     * it flagged a fair 19:1 split of a million callers 14 times as often as its level, a review's simulation.)
     *
     * @param weights the configured weights, one per arm
     * @param observed each arm's count
     * @param variance each count's own variance as an estimate (0 for an exact count)
     * @return the p-value, or {@code NaN} with fewer than two arms or nothing counted
     */
    static double sampleRatio(int[] weights, double[] observed, double[] variance) {
        int k = observed.length;
        double total = 0;
        long weightSum = 0;
        boolean exact = true;
        for (int i = 0; i < k; i++) {
            total += observed[i];
            weightSum += weights[i];
            exact &= variance[i] == 0;
        }
        if (k < 2 || !(total > 0)) {
            return Double.NaN;
        }
        double[] w = new double[k];
        double[] d = new double[k];
        double variances = 0;
        for (int i = 0; i < k; i++) {
            w[i] = (double) weights[i] / weightSum;
            d[i] = observed[i] - total * w[i];
            variances += variance[i];
        }
        double statistic = 0;
        if (exact) {
            for (int i = 0; i < k; i++) {
                statistic += d[i] * d[i] / (total * w[i]);
            }
        } else {
            double[][] sigma = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    sigma[i][j] = total * ((i == j ? w[i] : 0) - w[i] * w[j])
                            + (i == j ? variance[i] : 0) - w[j] * variance[i] - w[i] * variance[j] + w[i] * w[j] * variances;
                }
            }
            // Sigma has rank k - 1 (the deviations sum to 0): its pseudo-inverse.
            RealMatrix pseudoInverse = new SingularValueDecomposition(new Array2DRowRealMatrix(sigma, false)).getSolver()
                    .getInverse();
            statistic = new ArrayRealVector(d, false).dotProduct(pseudoInverse.operate(new ArrayRealVector(d, false)));
        }
        // As Commons Math's ChiSquareTest computes it.
        return 1 - new ChiSquaredDistribution(null, k - 1).cumulativeProbability(statistic);
    }
}
