package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Strategy;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What experiments cost in memory (SPEC section 10: O(arms), not O(requests)): 1,000 experiments of 4 arms,
 * each arm fed 100 exchanges of distinct callers with varied latencies, tokens and finish reasons. The
 * figure goes into the README; the bound catches a change that makes an arm grow with its requests.
 */
final class ExperimentMemoryTest {

    @Test
    void shouldKeepAnArmUnder20KilobytesWhateverItsTraffic() {
        long before = usedHeap();
        List<Experiment> all = new ArrayList<>();
        Random random = new Random(1);
        Instant now = Instant.parse("2026-12-03T00:00:00Z");
        for (int e = 0; e < 1_000; e++) {
            List<String> targets = List.of("p/a" + e, "p/b" + e, "p/c" + e, "p/d" + e);
            Experiment x = new Experiment("exp-" + e, e, new Experiment.Definition(targets, List.of(1, 1, 1, 1),
                    Strategy.STICKY), now);
            for (String t : targets) {
                ArmStats arm = x.arm(t);
                for (int i = 0; i < 100; i++) {
                    long nanos = (long) ((20 + random.nextDouble() * 2_000) * 1e6);
                    arm.record(new Completion(200, null, false, List.of(), nanos, nanos / 2,
                            new Usage((long) random.nextInt(5_000), (long) random.nextInt(2_000), null, null, null,
                                    random.nextInt(10) == 0 ? "length" : "stop"), null), "caller-" + e + "-" + i, now);
                }
            }
            all.add(x);
        }
        long perArm = (usedHeap() - before) / (all.size() * 4L);
        System.out.printf("experiments memory: %d bytes per arm, %.1f MB for 1,000 experiments x 4 arms%n",
                perArm, perArm * 4_000 / 1e6);
        assertThat(all).hasSize(1_000);
        assertThat(perArm).as("bytes per arm").isLessThan(20_000);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
