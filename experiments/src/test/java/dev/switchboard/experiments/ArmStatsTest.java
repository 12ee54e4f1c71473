package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Usage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an arm counts the ways an exchange failed (SPEC section 10). */
final class ArmStatsTest {

    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");

    @Test
    void shouldCountAnErrorSentInsideA200AnswerAsAnErrorOfItsOwnClass() {
        ArmStats arm = new ArmStats("up/a");
        arm.record(completion(200, null), "c1", NOW);
        arm.record(completion(200, Completion.UPSTREAM_ERROR_EVENT), "c2", NOW);
        arm.record(completion(500, null), "c3", NOW);

        ArmStats.Snapshot s = arm.snapshot();

        assertThat(s.requests()).isEqualTo(3);
        assertThat(s.errorCount()).isEqualTo(2);
        assertThat(s.errors()[ArmStats.ErrorClass.UPSTREAM_ERROR_EVENT.ordinal()]).isEqualTo(1);
        assertThat(s.errors()[ArmStats.ErrorClass.UPSTREAM_5XX.ordinal()]).isEqualTo(1);
    }

    private static Completion completion(int status, String errorCode) {
        return new Completion(status, errorCode, false, List.of(), 1_000_000, 500_000,
                new Usage(5L, null, null, null, null, null, errorCode != null), null);
    }

    // A dashboard probe (2026-12-07): an arm whose target failed every request showed 0 % errors and its fallback's
    // tokens, with nothing saying the answers were another target's.
    @Test
    void shouldCountTheRequestsAnotherCandidateTookAfterTheArmsTargetFailedAndSaySo() {
        Experiment e = new Experiment("exp", 1, new Experiment.Definition(List.of("up/a", "up/b"), List.of(1, 1),
                dev.switchboard.rules.Strategy.ROUND_ROBIN), NOW);
        ArmStats a = e.arm("up/a");
        Attempt failed = new Attempt(1, candidate("up/a"), 500, null, 1_000_000);
        Attempt taken = new Attempt(2, candidate("up/b"), 200, null, 1_000_000);
        a.record(withAttempts(failed, taken), "c1", NOW);
        a.record(withAttempts(failed, taken), "c2", NOW);
        a.record(withAttempts(new Attempt(1, candidate("up/a"), 200, null, 1_000_000)), "c3", NOW);
        // Its breaker open: skipped without an attempt, the other candidate's one answer filed under this arm.
        a.record(withAttempts(new Attempt(1, candidate("up/b"), 200, null, 1_000_000)), "c5", NOW);
        e.arm("up/b").record(withAttempts(taken), "c4", NOW);

        assertThat(a.snapshot().failedOver()).isEqualTo(3);
        assertThat(a.snapshot().errorCount()).as("the answers were 200s: no error").isZero();
        Report.ExperimentView view = Report.of(e);
        assertThat(view.arms()).extracting(Report.ArmView::failedOver).containsExactly(3L, 0L);
        assertThat(view.warnings()).contains("up/a: 3 of its 4 requests went to another candidate (failover: it failed"
                + " them, or its circuit breaker was open), whose outcomes, latency and usage count in this arm; its own"
                + " failures are in switchboard_failovers_total (failover.max_attempts: 1 compares the arms' own error"
                + " rates)");
        assertThat(view.warnings()).noneMatch(w -> w.startsWith("up/b: ") && w.contains("failover"));
    }

    private static dev.switchboard.rules.Candidate candidate(String model) {
        int slash = model.indexOf('/');
        return new dev.switchboard.rules.Candidate(model, model.substring(0, slash), model.substring(slash + 1),
                dev.switchboard.rules.Outcome.ALLOWED, null, "allowed");
    }

    private static Completion withAttempts(Attempt... attempts) {
        return new Completion(200, null, false, List.of(attempts), 1_000_000, 500_000,
                new Usage(5L, 1L, null, null, null, "stop"), null);
    }
}
