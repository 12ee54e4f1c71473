package dev.switchboard.rules;

import static dev.switchboard.rules.RulesFixture.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Target choice among several targets (SPEC section 2, step 2), measured over many deterministic callers:
 * sticky splits by weight, keeps every caller on its target on every node, and moves only the callers a
 * weight change must move; an anonymous caller gets a weighted random pick; round robin is smooth,
 * exact and safe under concurrency.
 */
final class StickyDistributionTest {

    /** One picker per rules object: a round-robin rotation runs per node, i.e. per test's rules here. */
    private static final java.util.Map<Rules, Picker> PICKERS = new java.util.concurrent.ConcurrentHashMap<>();

    private static final int CALLERS = 100_000;
    private static final String SOURCE = "smarter";
    private static final String[] MODELS = {"model-a", "model-b", "model-c"};

    @ParameterizedTest(name = "weights {0}")
    @CsvSource({"1:1", "1:3", "2:3:5", "1:1:1", "1:9"})
    void shouldSplitCallersByWeight(String weights) {
        int[] w = parse(weights);
        int[] counts = new int[w.length];
        for (int target : assign(sticky(w), w.length)) {
            counts[target]++;
        }

        int total = Arrays.stream(w).sum();
        for (int i = 0; i < w.length; i++) {
            assertThat((double) counts[i] / CALLERS)
                    .as("share of %s with weights %s", MODELS[i], weights)
                    .isCloseTo((double) w[i] / total, within(0.01));
        }
    }

    @Test
    void shouldKeepEveryCallerOnItsTarget() {
        Rules rules = sticky(2, 3, 5);

        assertThat(assign(rules, 3)).isEqualTo(assign(rules, 3));
    }

    @Test
    void shouldSendEveryCallerToTheSameTargetOnAnotherNode() {
        int[] thisNode = assign(sticky(2, 3, 5), 3);
        int[] otherNode = assign(sticky(2, 3, 5), 3);

        assertThat(otherNode).isEqualTo(thisNode);
    }

    @Test
    void shouldKeepAssignmentsAcrossReleases() {
        // Pinned outputs of the fixed hash (FNV-1a, Murmur3 fmix64): a change re-shuffles every caller and
        // splits the fleet during a rolling upgrade (nodes on two versions disagree), so it must be deliberate.
        assertThat(firstCallers(sticky(1, 1), 12)).isEqualTo("ababbbbbaaba");
        assertThat(firstCallers(sticky(2, 3, 5), 12)).isEqualTo("cbabcbbbcacc");
        assertThat(pick(sticky(1, 1), new Caller(null, "alice", null))).isEqualTo("model-a");
        assertThat(pick(sticky(2, 3, 5), new Caller(null, null, "sess-1"))).isEqualTo("model-b");
    }

    @Test
    void shouldKeepClientAndSessionCallersOnTheirTarget() {
        Rules rules = sticky(1, 1);
        Rules otherNode = sticky(1, 1);
        int[] seen = new int[2];
        for (int i = 0; i < 2_000; i++) {
            List<Caller> callers =
                    List.of(new Caller(null, "client-" + i, null), new Caller(null, null, "session-" + i));
            for (Caller caller : callers) {
                String target = pick(rules, caller);
                seen[index(target)]++;
                for (int again = 0; again < 3; again++) {
                    assertThat(pick(rules, caller)).as("%s, pick %d", caller, again).isEqualTo(target);
                }
                assertThat(pick(otherNode, caller)).as("%s on another node", caller).isEqualTo(target);
            }
        }
        assertThat(seen[0]).isGreaterThan(1_500);
        assertThat(seen[1]).isGreaterThan(1_500);
    }

    @Test
    void shouldHashThePathBeforeClientOrSession() {
        Rules rules = sticky(1, 1, 1);
        for (int i = 0; i < 2_000; i++) {
            String byPath = pick(rules, Caller.ofPath("/users/" + i));

            assertThat(pick(rules, new Caller("/users/" + i, "client-" + i, "session-" + i))).isEqualTo(byPath);
        }
    }

    @Test
    void shouldChooseIndependentlyPerRedirect() {
        Rules rules = rules()
                .split("first", Strategy.STICKY, new Target("model-a", 1), new Target("model-b", 1))
                .split("second", Strategy.STICKY, new Target("model-a", 1), new Target("model-b", 1))
                .build();
        int same = 0;
        for (int i = 0; i < CALLERS; i++) {
            Caller caller = Caller.ofPath("/users/" + i);
            String first = Resolver.resolve(rules, "first", caller, Picker.create()).target();
            if (first.equals(Resolver.resolve(rules, "second", caller, Picker.create()).target())) {
                same++;
            }
        }

        // The source is part of the hash: being on model-a for one redirect says nothing about the other.
        assertThat((double) same / CALLERS).isCloseTo(0.5, within(0.01));
    }

    @ParameterizedTest(name = "weights {0}: {1} raised to {2}")
    @CsvSource({"1:1, 0, 3", "1:1, 1, 2", "2:3:5, 1, 6", "2:3:5, 0, 4", "1:1:1, 2, 7"})
    void shouldMoveCallersOnlyOntoTheRaisedTarget(String weights, int raised, int newWeight) {
        int[] before = parse(weights);
        int[] after = before.clone();
        after[raised] = newWeight;

        int[] was = assign(sticky(before), before.length);
        int[] now = assign(sticky(after), after.length);

        int moved = 0;
        for (int i = 0; i < CALLERS; i++) {
            if (was[i] != now[i]) {
                moved++;
                assertThat(now[i]).as("new target of /users/%d", i).isEqualTo(raised);
            }
        }
        double expected = (double) after[raised] / Arrays.stream(after).sum()
                - (double) before[raised] / Arrays.stream(before).sum();
        assertThat((double) moved / CALLERS).isCloseTo(expected, within(0.01));
    }

    @ParameterizedTest(name = "weights {0}: {1} lowered to {2}")
    @CsvSource({"3:1, 0, 1", "2:3:5, 2, 1"})
    void shouldMoveCallersOnlyOffTheLoweredTarget(String weights, int lowered, int newWeight) {
        int[] before = parse(weights);
        int[] after = before.clone();
        after[lowered] = newWeight;

        int[] was = assign(sticky(before), before.length);
        int[] now = assign(sticky(after), after.length);

        int moved = 0;
        for (int i = 0; i < CALLERS; i++) {
            if (was[i] != now[i]) {
                moved++;
                assertThat(was[i]).as("old target of /users/%d", i).isEqualTo(lowered);
            }
        }
        double expected = (double) before[lowered] / Arrays.stream(before).sum()
                - (double) after[lowered] / Arrays.stream(after).sum();
        assertThat((double) moved / CALLERS).isCloseTo(expected, within(0.01));
    }

    @Test
    void shouldPickAtRandomByWeightForACallerWithoutIdentity() {
        Rules rules = sticky(1, 3);
        int picks = 20_000;
        int[] counts = new int[2];
        for (int i = 0; i < picks; i++) {
            counts[index(pick(rules, Caller.ANONYMOUS))]++;
        }

                // Expected 0.75 with a standard deviation of about 0.003: a 0.03 band cannot fail by chance.
        assertThat((double) counts[1] / picks).isCloseTo(0.75, within(0.03));
    }

    @Test
    void shouldRoundRobinTwoToOneAsSixToThreeOfNine() {
        Rules rules = roundRobin(2, 1);
        List<String> picks = picks(rules, 9);

        assertThat(picks).filteredOn("model-a"::equals).hasSize(6);
        assertThat(picks).filteredOn("model-b"::equals).hasSize(3);
        assertThat(picks).containsExactly("model-a", "model-b", "model-a", "model-a", "model-b", "model-a",
                "model-a", "model-b", "model-a");
    }

    @Test
    void shouldInterleaveLikeNginxSmoothWeightedRoundRobin() {
        // nginx's documented example: weights 5, 1, 1 give a a b a c a a, not a a a a a b c.
        assertThat(picks(roundRobin(5, 1, 1), 7))
                .containsExactly("model-a", "model-a", "model-b", "model-a", "model-c", "model-a", "model-a");
    }

    @ParameterizedTest(name = "weights {0}")
    @CsvSource({"2:1", "5:1:1", "3:2", "1:1:1", "7:3", "2:3:5", "1:9"})
    void shouldStaySmoothOverEveryPrefix(String weights) {
        int[] w = parse(weights);
        int total = Arrays.stream(w).sum();
        int[] counts = new int[w.length];
        List<String> picks = picks(roundRobin(w), total * 20);
        for (int k = 1; k <= picks.size(); k++) {
            counts[index(picks.get(k - 1))]++;
            for (int i = 0; i < w.length; i++) {
                // Smooth: after any number of picks each target is less than one pick away from its share.
                assertThat(Math.abs(counts[i] - (double) k * w[i] / total))
                        .as("%s after %d picks", MODELS[i], k).isLessThan(1.0);
            }
        }
        for (int i = 0; i < w.length; i++) {
            assertThat(counts[i]).isEqualTo(w[i] * 20);
        }
    }

    @Test
    void shouldRoundRobinTheSameCallerAcrossTargets() {
        Rules rules = roundRobin(1, 1);
        Caller caller = Caller.ofPath("/users/1");

        assertThat(List.of(pick(rules, caller), pick(rules, caller), pick(rules, caller), pick(rules, caller)))
                .containsExactly("model-a", "model-b", "model-a", "model-b");
    }

    @Test
    void shouldRoundRobinExactlyUnderConcurrency() throws Exception {
        Rules rules = roundRobin(5, 2, 1);
        int threads = 8;
        int perThread = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<int[]> worker = () -> {
                    int[] counts = new int[3];
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        counts[index(pick(rules, Caller.ANONYMOUS))]++;
                    }
                    return counts;
                };
                results.add(pool.submit(worker));
            }
            start.countDown();
            int[] total = new int[3];
            for (Future<int[]> result : results) {
                int[] counts = result.get(30, TimeUnit.SECONDS);
                for (int i = 0; i < 3; i++) {
                    total[i] += counts[i];
                }
            }

            // 80,000 picks are 10,000 whole cycles of 5 + 2 + 1: lost updates would show as any other split.
            assertThat(total).containsExactly(50_000, 20_000, 10_000);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Rules sticky(int... weights) {
        return split(Strategy.STICKY, weights);
    }

    private static Rules roundRobin(int... weights) {
        return split(Strategy.ROUND_ROBIN, weights);
    }

    private static Rules split(Strategy strategy, int... weights) {
        Target[] targets = new Target[weights.length];
        for (int i = 0; i < weights.length; i++) {
            targets[i] = new Target(MODELS[i], weights[i]);
        }
        return rules().split(SOURCE, strategy, targets).build();
    }

    /** @return the index of the target each of {@link #CALLERS} path callers lands on */
    private static int[] assign(Rules rules, int targets) {
        int[] assigned = new int[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            assigned[i] = index(pick(rules, Caller.ofPath("/users/" + i)));
        }
        for (int target : assigned) {
            assertThat(target).isLessThan(targets);
        }
        return assigned;
    }

    /** @return the targets of callers /users/0 .. /users/(n-1), one letter each ({@code model-a} -> a) */
    private static String firstCallers(Rules rules, int n) {
        StringBuilder letters = new StringBuilder();
        for (int i = 0; i < n; i++) {
            letters.append(pick(rules, Caller.ofPath("/users/" + i)).substring("model-".length()));
        }
        return letters.toString();
    }

    private static List<String> picks(Rules rules, int n) {
        List<String> picks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            picks.add(pick(rules, Caller.ANONYMOUS));
        }
        return picks;
    }

    private static String pick(Rules rules, Caller caller) {
        Decision d = Resolver.resolve(rules, SOURCE, caller, PICKERS.computeIfAbsent(rules, r -> Picker.create()));
        // Plain checks here: this runs millions of times.
        if (!SOURCE.equals(d.redirect())) {
            throw new AssertionError("redirect '" + SOURCE + "' did not apply for " + caller + ": " + d);
        }
        return d.target();
    }

    private static int index(String model) {
        for (int i = 0; i < MODELS.length; i++) {
            if (MODELS[i].equals(model)) {
                return i;
            }
        }
        throw new AssertionError("not a declared target: " + model);
    }

    private static int[] parse(String weights) {
        return Arrays.stream(weights.strip().split(":")).mapToInt(Integer::parseInt).toArray();
    }
}
