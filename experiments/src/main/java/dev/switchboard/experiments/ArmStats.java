package dev.switchboard.experiments;

import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;

/**
 * The numbers of one arm (a virtual model's target) since its experiment's definition last changed
 * (SPEC section 10), in memory that does not grow with requests: running moments ({@link Moments}, which
 * the Commons Math tests read), sparse HdrHistograms for the percentiles, a HyperLogLog sketch of the
 * callers, counters, and a bounded {@link Series} of the same over time. Thread-safe: one lock per arm, held for a few hundred nanoseconds per request.
 */
final class ArmStats {

    /** How an attempted exchange failed, as SPEC section 10 classes it. */
    enum ErrorClass {
        /** The upstream answered 4xx. */
        UPSTREAM_4XX,
        /** The upstream answered 5xx. */
        UPSTREAM_5XX,
        /** The upstream could not be reached, or reset, or cut its answer. */
        UPSTREAM_UNAVAILABLE,
        /** The upstream was silent past the idle timeout. */
        UPSTREAM_TIMEOUT,
        /** The client went away (or stopped reading) before the answer was complete. */
        CLIENT_DISCONNECT,
        /** The upstream answered 200, then sent an error in place of the answer ({@code overloaded_error} ...). */
        UPSTREAM_ERROR_EVENT
    }

    /** The token kinds, in the order of {@link Snapshot#tokens()}. */
    static final String[] TOKEN_KINDS = {"input", "output", "cached", "reasoning"};
    /** At most this many distinct finish reasons are counted by name; the rest count as {@code other}. */
    static final int MAX_FINISH_REASONS = 16;
    /** HyperLogLog precision: 2^12 registers, about 1.6% relative error, about 2.5 KB. */
    private static final int HLL_LG_K = 12;
    /** Percentiles to two significant digits: a few hundred bytes while sparse. */
    private static final int DIGITS = 2;
    /** An hour, in microseconds: the longest latency a histogram holds (longer ones count as an hour). */
    static final long MAX_MICROS = 3_600_000_000L;

    private final String target;
    private long requests;
    private final long[] errors = new long[ErrorClass.values().length];
    private final Moments latency = new Moments();
    private final Moments firstByte = new Moments();
    private final Histogram latencyHistogram = new PackedHistogram(1, MAX_MICROS, DIGITS);
    private final Histogram firstByteHistogram = new PackedHistogram(1, MAX_MICROS, DIGITS);
    private final Moments[] tokens = {new Moments(), new Moments(),
        new Moments(), new Moments()};
    /** Each kind's exact total (the moments' double sum rounds past 2^53): a long, and what overflowed it. */
    private final long[] tokenSums = new long[tokens.length];
    private final BigInteger[] tokenCarry = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
    private long unknownUsage;
    /** Requests of callers who may not use every arm (an access policy closes one to them). */
    private long reassigned;
    /**
     * Requests another candidate answered (SPEC 11): the arm's target failed them, or its breaker was open. Their
     * outcome is another's.
     */
    private long failedOver;
    private final Map<String, Long> finishReasons = new LinkedHashMap<>();
    private final HllSketch callers = new HllSketch(HLL_LG_K);
    /** Requests whose caller had no identity (no user path, client or session id): in no caller count. */
    private long anonymous;
    private final Moments feedback = new Moments();
    private Instant firstSeen;
    private Instant lastSeen;
    private final Series series = new Series();

    ArmStats(String target) {
        this.target = target;
    }

    String target() {
        return target;
    }

    /**
     * @param c how an exchange that went to this arm ended
     * @param caller who sent it (its sticky identity), or {@code null} when anonymous
     * @param at when it ended
     */
    void record(Completion c, String caller, Instant at) {
        record(c, caller, at, false);
    }

    /**
     * @param reassigned whether the caller may not use every arm, which changed where it went
     *     ({@link dev.switchboard.rules.Decision#skipped()})
     */
    synchronized void record(Completion c, String caller, Instant at, boolean reassigned) {
        requests++;
        if (reassigned) {
            this.reassigned++;
        }
        // Also with one attempt: a target whose breaker is open is skipped without one (a target failing every request
        // soon is), and the other candidate's answer is filed under this arm all the same.
        List<dev.switchboard.exchange.Attempt> attempts = c.attempts();
        if (!attempts.isEmpty() && attempts.get(attempts.size() - 1).candidate() != null
                && !target.equals(attempts.get(attempts.size() - 1).candidate().model())) {
            failedOver++;
        }
        if (firstSeen == null) {
            firstSeen = at;
        }
        lastSeen = at;
        ErrorClass error = classify(c);
        if (error != null) {
            errors[error.ordinal()]++;
        }
        double ms = c.durationNanos() / 1e6;
        latency.add(ms);
        latencyHistogram.recordValue(micros(c.durationNanos()));
        if (c.firstByteNanos() >= 0) {
            firstByte.add(c.firstByteNanos() / 1e6);
            firstByteHistogram.recordValue(micros(c.firstByteNanos()));
        }
        Usage u = c.usage();
        // Not a loop over an array of the four: that array was an allocation per exchange.
        boolean known = add(0, u.inputTokens()) | add(1, u.outputTokens()) | add(2, u.cachedTokens())
                | add(3, u.reasoningTokens());
        if (!known) {
            unknownUsage++;
        }
        series.record(at, micros(c.durationNanos()), c.firstByteNanos() >= 0 ? micros(c.firstByteNanos()) : -1,
                error != null, u.inputTokens(), u.outputTokens());
        if (u.finishReason() != null) {
            String reason = finishReasons.containsKey(u.finishReason()) || finishReasons.size() < MAX_FINISH_REASONS
                    ? u.finishReason() : "other";
            finishReasons.merge(reason, 1L, Long::sum);
        }
        if (caller != null) {
            callers.update(caller);
        } else {
            anonymous++;
        }
    }

    /** @return whether there was a count of that kind ({@link #TOKEN_KINDS} order) */
    private boolean add(int kind, Long count) {
        if (count == null) {
            return false;
        }
        tokens[kind].add(count);
        long before = tokenSums[kind];
        long after = before + count;
        if (((before ^ after) & (count ^ after)) < 0) {
            // Past a long: carried whole.
            tokenCarry[kind] = tokenCarry[kind].add(BigInteger.valueOf(before)).add(BigInteger.valueOf(count));
            tokenSums[kind] = 0;
        } else {
            tokenSums[kind] = after;
        }
        return true;
    }

    /** @param score a feedback score from 0 to 1 */
    synchronized void feedback(double score) {
        feedback.add(score);
    }

    /** @return a consistent copy of the numbers, for reports */
    synchronized Snapshot snapshot() {
        Moments[] t = new Moments[tokens.length];
        BigInteger[] sums = new BigInteger[tokens.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = tokens[i].copy();
            sums[i] = tokenCarry[i].add(BigInteger.valueOf(tokenSums[i]));
        }
        Union u = new Union(HLL_LG_K);
        u.update(callers);
        return new Snapshot(target, requests, errors.clone(), latency.copy(), quantiles(latencyHistogram), firstByte.copy(),
                quantiles(firstByteHistogram), t, sums, unknownUsage, new LinkedHashMap<>(finishReasons), u, feedback.copy(),
                firstSeen, lastSeen, series.widthMillis(), series.points(), reassigned, failedOver, anonymous);
    }

    /**
     * The numbers of an arm at one moment.
     *
     * @param target the target
     * @param requests exchanges that went to it
     * @param errors by {@link ErrorClass} ordinal
     * @param latency whole exchanges, ms
     * @param latencyQuantiles p50, p90, p99 of {@code latency}, ms ({@code NaN} without data)
     * @param firstByte time to the first response byte, ms
     * @param firstByteQuantiles p50, p90, p99 of {@code firstByte}, ms
     * @param tokens per request, by {@link #TOKEN_KINDS}: only requests whose response stated that kind
     * @param tokenSums each kind's exact total, by {@link #TOKEN_KINDS}
     * @param unknownUsage requests whose response stated no usage at all
     * @param finishReasons how the answers ended
     * @param callers a sketch of the distinct callers (a union of one, so it can merge with others)
     * @param feedback scores given to its exchanges
     * @param firstSeen its first exchange, or {@code null}
     * @param lastSeen its last exchange, or {@code null}
     * @param seriesWidthMillis the width of each bucket of {@code series}
     * @param series its exchanges over time, oldest first (buckets with exchanges only)
     * @param reassigned its requests from callers who may not use every arm
     * @param failedOver its requests another candidate answered (its target failed them, or its breaker was open)
     * @param anonymous its requests whose caller had no identity (in no caller count)
     */
    record Snapshot(String target, long requests, long[] errors, Moments latency, double[] latencyQuantiles,
                    Moments firstByte, double[] firstByteQuantiles, Moments[] tokens, BigInteger[] tokenSums,
                    long unknownUsage, Map<String, Long> finishReasons, Union callers, Moments feedback,
                    Instant firstSeen, Instant lastSeen, long seriesWidthMillis, List<Series.Point> series,
                    long reassigned, long failedOver, long anonymous) {

        long errorCount() {
            long n = 0;
            for (long e : errors) {
                n += e;
            }
            return n;
        }
    }

    /** @return the class of a failed exchange, or {@code null} when it did not fail */
    static ErrorClass classify(Completion c) {
        String code = c.errorCode();
        if (Completion.CLIENT_DISCONNECTED.equals(code) || Completion.CLIENT_TIMEOUT.equals(code)) {
            return ErrorClass.CLIENT_DISCONNECT;
        }
        if ("upstream_timeout".equals(code)) {
            return ErrorClass.UPSTREAM_TIMEOUT;
        }
        if ("upstream_unavailable".equals(code)) {
            return ErrorClass.UPSTREAM_UNAVAILABLE;
        }
        if (Completion.UPSTREAM_ERROR_EVENT.equals(code)) {
            return ErrorClass.UPSTREAM_ERROR_EVENT;
        }
        Attempt last = c.attempts().isEmpty() ? null : c.attempts().get(c.attempts().size() - 1);
        int status = last != null && last.status() != 0 ? last.status() : c.status();
        if (status >= 500) {
            return ErrorClass.UPSTREAM_5XX;
        }
        if (status >= 400) {
            return ErrorClass.UPSTREAM_4XX;
        }
        return code != null ? ErrorClass.UPSTREAM_UNAVAILABLE : null;
    }

    private static long micros(long nanos) {
        return Math.max(1, Math.min(MAX_MICROS, nanos / 1000));
    }

    static double[] quantiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
            h.getValueAtPercentile(99) / 1000.0};
    }
}
