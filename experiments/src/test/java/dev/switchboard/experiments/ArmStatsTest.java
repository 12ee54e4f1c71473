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

    @Test
    void shouldTimeTheAnswersOnlyNotTheFailures() {
        // An arm whose failures come fast (a refusal, a cut, a client that left) must not read as the faster one:
        // failures are in the error rate, latency and first byte are the answers'.
        ArmStats arm = new ArmStats("up/a");
        arm.record(completion(200, null, 100_000_000, 40_000_000), "c1", NOW);
        arm.record(completion(200, null, 300_000_000, 60_000_000), "c1", NOW);
        arm.record(completion(502, "upstream_unavailable", 2_000_000, -1), "c2", NOW);
        arm.record(completion(200, Completion.CLIENT_DISCONNECTED, 5_000_000, 1_000_000), "c3", NOW);

        ArmStats.Snapshot s = arm.snapshot();

        assertThat(s.requests()).isEqualTo(4);
        assertThat(s.errorCount()).isEqualTo(2);
        assertThat(s.latency().getN()).isEqualTo(2);
        assertThat(s.latency().getMean()).isEqualTo(200.0);
        assertThat(s.firstByte().getN()).isEqualTo(2);
        assertThat(s.firstByte().getMean()).isEqualTo(50.0);
        assertThat(s.latencyQuantiles()[0]).as("p50").isBetween(99.0, 101.0);
        assertThat(s.series()).singleElement().satisfies(p -> {
            assertThat(p.requests()).isEqualTo(4);
            assertThat(p.errors()).isEqualTo(2);
            assertThat(p.latencyMs()[0]).as("p50 of the point (a coarser histogram)").isBetween(95.0, 110.0);
        });
    }

    private static Completion completion(int status, String errorCode) {
        return completion(status, errorCode, 1_000_000, 500_000);
    }

    private static Completion completion(int status, String errorCode, long durationNanos, long firstByteNanos) {
        return new Completion(status, errorCode, false, List.of(), durationNanos, firstByteNanos,
                new Usage(5L, null, null, null, null, null, errorCode != null), null);
    }
}
