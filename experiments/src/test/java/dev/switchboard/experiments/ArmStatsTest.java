package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

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
}
