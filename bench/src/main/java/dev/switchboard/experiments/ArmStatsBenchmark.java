package dev.switchboard.experiments;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What experiments do per exchange of a split (issue 13 asks for at most 3 % of a request's cost): one arm's
 * {@code record} and the feedback index's {@code put}, with the exchanges of the load run (anonymous caller,
 * 200 with usage, "stop"). In this package because both are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ArmStatsBenchmark {

    private ArmStats arm;
    private FeedbackIndex<Object> index;
    private Completion[] completions;
    private String[] ids;
    private final Object value = new Object();
    private long now;
    private int i;

    @Setup
    public void setUp() {
        arm = new ArmStats("mock/gpt-bench-a");
        index = new FeedbackIndex<>(1);
        completions = new Completion[1024];
        ids = new String[1024];
        Random r = new Random(1);
        for (int k = 0; k < completions.length; k++) {
            long nanos = 900_000 + r.nextInt(400_000);
            completions[k] = new Completion(200, null, false, List.of(), nanos, nanos - 50_000,
                    new Usage(12L, 9L, null, null, null, "stop"), null);
            ids[k] = String.format("%016x%016x", r.nextLong(), r.nextLong()); // the gateway's own ids: 32 hex digits
        }
        now = Instant.parse("2026-12-04T00:00:00Z").toEpochMilli();
    }

    @Benchmark
    public void record() {
        int k = i++ & 1023;
        now += 1;
        arm.record(completions[k], null, Instant.ofEpochMilli(now));
    }

    /** The rest of a request's work in the gateway evicts an arm's lines between its exchanges: touch 512 KB. */
    private final long[] other = new long[64 * 1024];

    private long pollute() {
        long x = 0;
        for (int j = 0; j < other.length; j += 8) {
            x += other[j]++;
        }
        return x;
    }

    @Benchmark
    public long pollution() {
        return pollute();
    }

    @Benchmark
    public long recordAfterPollution() {
        long x = pollute();
        record();
        return x;
    }

    @Benchmark
    public void feedbackPut() {
        int k = i++ & 1023;
        now += 1;
        index.put(ids[k], null, now, value);
    }
}
