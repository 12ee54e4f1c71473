package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Strategy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sticky-leak warning of SPEC section 10 ("callers seen in more than one arm"), read from HyperLogLog
 * sketches whose estimates each err by about 1.6%: callers that each reached one arm only must not be reported
 * as leaks however many they are, and real leaks must still be.
 */
final class StickyLeakTest {

    private static final Instant NOW = Instant.parse("2026-12-03T00:00:00Z");

    @Test
    void shouldNotWarnWhenEveryCallerReachedOneArmOnly() {
        for (int callers : new int[] {1_000, 2_000, 4_000, 8_000, 20_000}) {
            for (String prefix : new String[] {"path:/qa-", "path:/acme/user-", "client:app-"}) {
                Experiment e = sticky();
                for (int i = 0; i < callers; i++) {
                    // Each caller once, on one arm: no caller is in two.
                    record(e.arm(i % 2 == 0 ? "p/a" : "p/b"), prefix + i);
                }
                Report.ExperimentView view = Report.of(e);
                assertThat(view.callersInSeveralArms()).as("%d callers %s*", callers, prefix).isZero();
                assertThat(view.warnings()).as("%d callers %s*", callers, prefix).isEmpty();
            }
        }
    }

    @Test
    void shouldStillWarnOfCallersThatReachedBothArms() {
        Experiment few = sticky();
        for (int i = 0; i < 40; i++) {
            record(few.arm("p/a"), "path:/u-" + i);
            record(few.arm(i < 10 ? "p/a" : "p/b"), "path:/u-" + i);
        }
        Experiment many = sticky();
        for (int i = 0; i < 4_000; i++) {
            record(many.arm(i % 2 == 0 ? "p/a" : "p/b"), "path:/u-" + i);
            if (i % 4 == 1) {
                // A quarter of the callers reached the other arm too: 1,000 leaks.
                record(many.arm("p/a"), "path:/u-" + i);
            }
        }

        assertThat(Report.of(few).callersInSeveralArms()).isEqualTo(30);
        assertThat(Report.of(few).warnings()).contains("about 30 caller(s) reached more than one arm of a sticky split");
        assertThat(Report.of(many).callersInSeveralArms()).isBetween(800L, 1_200L);
        assertThat(Report.of(many).warnings()).anySatisfy(w -> assertThat(w).contains("reached more than one arm"));
    }

    private static Experiment sticky() {
        return new Experiment("exp", 1, new Experiment.Definition(List.of("p/a", "p/b"), List.of(1, 1), Strategy.STICKY),
                NOW);
    }

    private static void record(ArmStats arm, String caller) {
        arm.record(new Completion(200, null, false, List.of(), 1_000_000, 500_000,
                new Usage(1L, 1L, null, null, null, "stop"), null), caller, NOW);
    }
}
