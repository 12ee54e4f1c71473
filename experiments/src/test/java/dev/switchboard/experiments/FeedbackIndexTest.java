package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.exchange.FeedbackSink.Result;
import dev.switchboard.rules.Caller;
import org.junit.jupiter.api.Test;

/**
 * The feedback index: the latest ids are kept and the oldest dropped first however many pass through; an id is
 * scored once, by its own caller, before it expires.
 */
final class FeedbackIndexTest {

    private static final Caller ALICE = new Caller("/acme/alice", null, null);
    private static final Caller BOB = new Caller("/acme/bob", null, null);

    @Test
    void shouldKeepTheLatestGenerationAndDropTheOldestFirst() {
        FeedbackIndex<String> index = new FeedbackIndex<>(42);
        int total = 5 * FeedbackIndex.GENERATION + 1_000;
        for (int i = 0; i < total; i++) {
            index.put("req-" + i, ALICE, 1_000, "arm-" + (i % 3));
        }
        assertThat(index.size()).isLessThanOrEqualTo(FeedbackIndex.CAPACITY);

        // Never read, kept as they came: the latest GENERATION at least, nothing older than the last CAPACITY.
        for (int i = total - FeedbackIndex.GENERATION; i < total; i++) {
            assertThat(index.claim("req-" + i, ALICE, 0)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "arm-" + (i % 3)));
        }
        for (int i = 0; i < total - FeedbackIndex.CAPACITY; i += 7) {
            assertThat(index.claim("req-" + i, ALICE, 0).result()).as("req-%d", i).isEqualTo(Result.UNKNOWN);
        }
        // Five generations passed through two tables: a dropped generation's are emptied and reused, not garbage.
        assertThat(index.tablesMade()).isEqualTo(2);
    }

    @Test
    void shouldScoreAnIdOnceByItsOwnCallerBeforeItExpires() {
        FeedbackIndex<String> index = new FeedbackIndex<>(7);
        index.put("a", ALICE, 5_000, "arm");
        index.put("anon", null, 5_000, "arm");

        assertThat(index.claim("a", BOB, 0).result()).isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("a", null, 0).result()).isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("a", new Caller(null, "/acme/alice", null), 0).result()).isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("a", ALICE, 5_001).result()).as("expired").isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("b", ALICE, 0).result()).isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("a", ALICE, 5_000)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "arm"));
        assertThat(index.claim("a", ALICE, 0).result()).isEqualTo(Result.ALREADY_SCORED);
        assertThat(index.claim("anon", ALICE, 0).result()).isEqualTo(Result.UNKNOWN);
        assertThat(index.claim("anon", null, 0).result()).isEqualTo(Result.RECORDED);
    }

    @Test
    void shouldOpenAnIdPutAgainByTheSameCallerAfresh() {
        // Two exchanges of one caller with the same client X-Request-Id: the later one is the one scored.
        FeedbackIndex<String> index = new FeedbackIndex<>(7);
        index.put("dup", ALICE, 1_000, "first");
        assertThat(index.claim("dup", ALICE, 0).result()).isEqualTo(Result.RECORDED);
        index.put("dup", ALICE, 2_000, "second");

        assertThat(index.claim("dup", ALICE, 0)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "second"));
    }

    @Test
    void shouldKeepTheSameIdOfTwoCallersApart() {
        // A caller that sends another's X-Request-Id (a shared trace id, a guess) takes nothing from it.
        FeedbackIndex<String> index = new FeedbackIndex<>(7);
        index.put("dup", ALICE, 1_000, "alice's");
        index.put("dup", BOB, 2_000, "bob's");
        index.put("dup", null, 3_000, "anonymous");

        assertThat(index.claim("dup", ALICE, 0)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "alice's"));
        assertThat(index.claim("dup", BOB, 0)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "bob's"));
        assertThat(index.claim("dup", null, 0)).isEqualTo(new FeedbackIndex.Claim<>(Result.RECORDED, "anonymous"));
        assertThat(index.claim("dup", ALICE, 0).result()).isEqualTo(Result.ALREADY_SCORED);
        assertThat(index.size()).isEqualTo(3);
    }
}
