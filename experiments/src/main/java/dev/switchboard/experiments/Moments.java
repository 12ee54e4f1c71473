package dev.switchboard.experiments;

import org.apache.commons.math3.stat.descriptive.StatisticalSummary;

/**
 * Count, sum, mean and variance of a stream of values in constant memory (Welford's update), as the Commons Math
 * tests take them ({@link StatisticalSummary}). It replaces {@code SummaryStatistics}, which also keeps the sum of
 * logarithms and squares on every value: six of those per exchange showed as 1.2 % of the proxy's samples. Not
 * thread-safe: {@link ArmStats} holds its lock around every call.
 */
final class Moments implements StatisticalSummary {

    private long n;
    private double mean;
    private double m2;
    private double sum;
    private double min = Double.NaN;
    private double max = Double.NaN;

    /** @param x the next value */
    void add(double x) {
        n++;
        sum += x;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
        if (n == 1 || x < min) {
            min = x;
        }
        if (n == 1 || x > max) {
            max = x;
        }
    }

    /** @return an independent copy */
    Moments copy() {
        Moments c = new Moments();
        c.n = n;
        c.mean = mean;
        c.m2 = m2;
        c.sum = sum;
        c.min = min;
        c.max = max;
        return c;
    }

    @Override
    public long getN() {
        return n;
    }

    @Override
    public double getSum() {
        return sum;
    }

    /** @return the mean, {@code NaN} without values */
    @Override
    public double getMean() {
        return n == 0 ? Double.NaN : mean;
    }

    /** @return the sample variance (n - 1), 0 for one value, {@code NaN} without values */
    @Override
    public double getVariance() {
        return n == 0 ? Double.NaN : n == 1 ? 0 : m2 / (n - 1);
    }

    @Override
    public double getStandardDeviation() {
        return Math.sqrt(getVariance());
    }

    @Override
    public double getMin() {
        return min;
    }

    @Override
    public double getMax() {
        return max;
    }
}
