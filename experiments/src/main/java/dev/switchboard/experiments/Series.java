package dev.switchboard.experiments;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;

/**
 * One arm's numbers over time, for the dashboard's charts: its exchanges in at most {@link #MAX_POINTS} buckets of
 * equal width that together cover the arm's whole life. Buckets start {@link #BASE_MILLIS} wide; when the arm's
 * traffic spans more than {@code MAX_POINTS} of them, neighbours merge pairwise and the width doubles (1 s, 2 s,
 * 4 s, ... about 3 h for a week). Buckets are aligned to the epoch, so pairs merge exactly; a bucket without
 * exchanges takes no memory. Each holds counts, token sums and two small HdrHistograms (latency and first byte, to
 * one significant digit), so memory is bounded per arm whatever its traffic. Not thread-safe: {@link ArmStats}
 * holds its lock around every call.
 */
final class Series {

    /** The most buckets kept; past it, the width doubles. */
    static final int MAX_POINTS = 60;
    /** The width buckets start with. */
    static final long BASE_MILLIS = 1_000;
    /** Percentiles over time to one significant digit: a chart needs no more, and a bucket stays small. */
    private static final int DIGITS = 1;

    private long widthMillis = BASE_MILLIS;
    /** By bucket index: epoch millis / width. */
    private TreeMap<Long, Bucket> buckets = new TreeMap<>();
    /** The bucket the last exchange went to, and its index: most exchanges go to the same one as the last. */
    private Bucket last;
    private long lastIndex;

    /** The exchanges of one interval. */
    private static final class Bucket {
        long requests;
        long errors;
        final Histogram latency = new PackedHistogram(1, ArmStats.MAX_MICROS, DIGITS);
        final Histogram firstByte = new PackedHistogram(1, ArmStats.MAX_MICROS, DIGITS);
        long inputSum;
        long inputN;
        long outputSum;
        long outputN;

        void merge(Bucket o) {
            requests += o.requests;
            errors += o.errors;
            latency.add(o.latency);
            firstByte.add(o.firstByte);
            inputSum += o.inputSum;
            inputN += o.inputN;
            outputSum += o.outputSum;
            outputN += o.outputN;
        }
    }

    /**
     * One bucket as reported.
     *
     * @param start when its interval begins
     * @param requests exchanges that ended in it
     * @param errors of which failed
     * @param latencyMs p50, p90, p99 of whole exchanges, ms
     * @param firstByteMs p50, p90, p99 of the time to the first byte, ms ({@code NaN} without one)
     * @param inputTokens mean input tokens per request that stated them ({@code NaN} without)
     * @param outputTokens mean output tokens per request that stated them ({@code NaN} without)
     */
    record Point(Instant start, long requests, long errors, double[] latencyMs, double[] firstByteMs, double inputTokens,
                 double outputTokens) {
    }

    /**
     * @param at when the exchange ended
     * @param latencyMicros the whole exchange, microseconds (already clamped to the histograms' range)
     * @param firstByteMicros the time to the first byte, or a negative number when none was sent
     * @param error whether it failed
     * @param input input tokens it stated, or {@code null}
     * @param output output tokens it stated, or {@code null}
     */
    void record(Instant at, long latencyMicros, long firstByteMicros, boolean error, Long input, Long output) {
        long index = Math.floorDiv(at.toEpochMilli(), widthMillis);
        Bucket b = last;
        if (b == null || index != lastIndex) {
            while (!buckets.isEmpty()
                    && Math.max(index, buckets.lastKey()) - Math.min(index, buckets.firstKey()) + 1 > MAX_POINTS) {
                coarsen();
                index = Math.floorDiv(index, 2);
            }
            b = buckets.computeIfAbsent(index, k -> new Bucket());
            last = b;
            lastIndex = index;
        }
        b.requests++;
        if (error) {
            b.errors++;
        }
        b.latency.recordValue(latencyMicros);
        if (firstByteMicros >= 0) {
            b.firstByte.recordValue(firstByteMicros);
        }
        if (input != null) {
            b.inputSum += input;
            b.inputN++;
        }
        if (output != null) {
            b.outputSum += output;
            b.outputN++;
        }
    }

    /** Doubles the width: each pair of neighbouring buckets becomes one. */
    private void coarsen() {
        TreeMap<Long, Bucket> merged = new TreeMap<>();
        for (Map.Entry<Long, Bucket> e : buckets.entrySet()) {
            Bucket into = merged.get(Math.floorDiv(e.getKey(), 2));
            if (into == null) {
                merged.put(Math.floorDiv(e.getKey(), 2), e.getValue());
            } else {
                into.merge(e.getValue());
            }
        }
        buckets = merged;
        widthMillis *= 2;
        last = null;
    }

    /** @return the width of every bucket now, ms */
    long widthMillis() {
        return widthMillis;
    }

    /** @return the buckets with exchanges, oldest first */
    List<Point> points() {
        List<Point> out = new ArrayList<>(buckets.size());
        for (Map.Entry<Long, Bucket> e : buckets.entrySet()) {
            Bucket b = e.getValue();
            out.add(new Point(Instant.ofEpochMilli(e.getKey() * widthMillis), b.requests, b.errors,
                    ArmStats.quantiles(b.latency), ArmStats.quantiles(b.firstByte),
                    b.inputN == 0 ? Double.NaN : (double) b.inputSum / b.inputN,
                    b.outputN == 0 ? Double.NaN : (double) b.outputSum / b.outputN));
        }
        return out;
    }
}
