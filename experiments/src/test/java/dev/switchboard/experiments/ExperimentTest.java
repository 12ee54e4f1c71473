package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A before/after's arms across many changes of its target (SPEC section 10). */
final class ExperimentTest {

    private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");

    // Regression: every target the redirect had within the window kept its arm: 1,000 changes with traffic, 1,000 arms.
    @Test
    void shouldKeepTheCurrentTargetAndTheLastOnesBeforeItWhateverTheChanges() {
        Experiment e = new Experiment("alias", 1, single("p/t0"), NOW);
        for (int i = 1; i <= 1_000; i++) {
            feed(e, "p/t" + (i - 1));
            assertThat(e.retarget(single("p/t" + i), NOW.plusSeconds(i))).isTrue();
        }

        assertThat(e.arms()).extracting(ArmStats::target)
                .containsExactly("p/t993", "p/t994", "p/t995", "p/t996", "p/t997", "p/t998", "p/t999", "p/t1000");
        assertThat(e.isExperiment(NOW.plusSeconds(1_000), Duration.ofDays(7))).isTrue();
    }

    // Regression (a statistics probe): a target that came back (a, then b, then a) kept its old numbers, so the "after"
    // arm compared with the baseline b held requests from before b; a score for one of them landed there too.
    @Test
    void shouldStartATargetThatCameBackAfreshAsTheNewestArm() {
        Experiment e = new Experiment("alias", 1, single("p/a"), NOW);
        feed(e, "p/a");
        Experiments.Scorable before = e.scorable("p/a");
        e.retarget(single("p/b"), NOW);
        feed(e, "p/b");
        feed(e, "p/b");
        for (int i = 0; i < Experiment.MAX_BEFORE_AFTER_ARMS - 2; i++) {
            e.retarget(single("p/x" + i), NOW);
            feed(e, "p/x" + i);
        }
        e.retarget(single("p/a"), NOW);
        feed(e, "p/a");

        assertThat(e.arms()).extracting(ArmStats::target).hasSize(Experiment.MAX_BEFORE_AFTER_ARMS)
                .startsWith("p/b").endsWith("p/a");
        assertThat(e.arm("p/a").snapshot().requests()).as("from the change back on").isEqualTo(1);
        assertThat(e.arm("p/b").snapshot().requests()).isEqualTo(2);
        assertThat(e.scores(before)).as("a score for an exchange of a's first time").isFalse();
        assertThat(e.scores(e.scorable("p/a"))).isTrue();
        assertThat(e.scores(e.scorable("p/b"))).isTrue();
    }

    @Test
    void shouldGoOnCountingTheSameTargetWhenOnlyItsStrategyChanged() {
        Experiment e = new Experiment("alias", 1, single("p/a"), NOW);
        feed(e, "p/a");
        Experiments.Scorable before = e.scorable("p/a");

        assertThat(e.retarget(new Experiment.Definition(List.of("p/a"), List.of(1), Strategy.FAILOVER), NOW)).isTrue();

        assertThat(e.arms()).extracting(ArmStats::target).containsExactly("p/a");
        assertThat(e.arm("p/a").snapshot().requests()).isEqualTo(1);
        assertThat(e.scores(before)).isTrue();
    }

    private static Experiment.Definition single(String target) {
        return new Experiment.Definition(List.of(target), List.of(1), Strategy.STICKY);
    }

    private static void feed(Experiment e, String target) {
        e.arm(target).record(new Completion(200, null, false, List.of(), 1_000_000, 500_000,
                new Usage(1L, 1L, null, null, null, "stop"), null), "caller", NOW);
    }
}
