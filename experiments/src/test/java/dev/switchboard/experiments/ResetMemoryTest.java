package dev.switchboard.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An experiment reset (or redefined, or deleted) is gone from memory, though exchanges of it are still open for
 * feedback: a soak probe (2026-12-07) found every replaced experiment kept, with all its numbers, by the feedback
 * index's entries of its exchanges until 98,304 newer ones pushed them out (3,000 resets of a four-arm split: 38 MB).
 */
final class ResetMemoryTest {

    @Test
    void shouldNotKeepAResetExperimentThroughItsExchangesOpenForFeedback() {
        SwitchboardConfig config = new ConfigLoader().parse("""
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:9", api_key: k}
                virtual_models:
                  - {source: four, strategy: round_robin, targets: [up/a, up/b, up/c, up/d]}
                """);
        Experiments experiments = new Experiments(() -> config, Clock.systemUTC(), null);
        Picker picker = Picker.create();
        Caller caller = Caller.ofPath("/team");
        // Warm up: the index's tables, the classes, the first experiment.
        for (int i = 0; i < 200; i++) {
            cycle(experiments, config, picker, caller, "warm-" + i);
        }
        long before = usedHeap();

        for (int i = 0; i < 2_000; i++) {
            cycle(experiments, config, picker, caller, "r-" + i);
        }

        long grown = usedHeap() - before;
        System.out.printf("2,000 resets of a four-arm split, each with an exchange open for feedback: %.1f MB%n",
                grown / 1e6);
        // Kept, each reset experiment is ~12 KB with its exchange's numbers: ~25 MB here. Freed, the index's entries
        // (its tables are made once) and one experiment remain.
        assertThat(grown).as("bytes kept").isLessThan(5_000_000L);
        assertThat(experiments.get("four").arms()).extracting(a -> a.requests()).containsExactly(0L, 0L, 0L, 0L);
    }

    // Regression (a PostgreSQL store probe): every reload and every read of the experiments made an experiment, with
    // an arm's histograms and sketch, for each single-target redirect, traffic or not: 5,000 aliases written to the
    // store at once ran a node with a 192 MB heap out of memory in the store listener's reload.
    @Test
    void shouldHoldNothingForAliasesWithoutTraffic() {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            rows.append("  - {source: alias-").append(i).append(", target: up/m").append(i).append("}\n");
        }
        SwitchboardConfig config = new ConfigLoader().parse("""
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:9", api_key: k}
                virtual_models:
                """ + rows);
        Experiments experiments = new Experiments(() -> config, Clock.systemUTC(), null);
        long before = usedHeap();

        experiments.reconcile();
        assertThat(experiments.list()).isEmpty();
        assertThat(experiments.get("alias-7")).isNull();
        assertThat(experiments.held()).as("experiments made").isZero();

        long grown = usedHeap() - before;
        System.out.printf("5,000 single-target redirects without traffic, reconciled and listed: %.1f MB%n", grown / 1e6);
        // Made for each (an arm without traffic, ~3 KB): 15.9 MB here.
        assertThat(grown).as("bytes kept").isLessThan(3_000_000L);
    }

    /** One exchange of {@code four}, ended, then the experiment's numbers started over. */
    private static void cycle(Experiments experiments, SwitchboardConfig config, Picker picker, Caller caller, String id) {
        Decision d = Resolver.resolve(config.rules(), "four", caller, picker);
        Exchange e = Exchange.start(id, "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, config, caller,
                List.of(), Listeners.NONE).withDecision(d, null);
        experiments.onDecision(e);
        experiments.onComplete(e, new Completion(200, null, false,
                List.of(new Attempt(1, d.candidates().get(0), 200, null, 2_000_000)), 2_000_000, 1_000_000,
                new Usage(10L, 20L, null, null, null, "stop"), null));
        assertThat(experiments.reset("four")).isNotNull();
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
