package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ordered candidates of a decision (SPEC section 11), read from YAML: targets by the strategy's order, then
 * the fallbacks, each routed and checked for the caller; and the failover settings with their defaults.
 */
final class FailoverCandidatesTest {

    private static final String YAML = """
            providers:
              a: {type: openai-compatible, base_url: http://a.example}
              b: {type: openai-compatible, base_url: http://b.example}
              c: {type: openai-compatible, base_url: http://c.example}
            failover:
              retry_on: [429, 503]
              max_attempts: 4
              circuit_breaker: {failures: 2, open_for: 5s}
            virtual_models:
              - source: smart
                targets: [{model: a/x, weight: 1}, {model: b/y, weight: 100}]
                strategy: failover
                fallbacks: [c/z, a/w]
              - source: b/y
                user_paths: [/staff]
            """;

    private final SwitchboardConfig config = new ConfigLoader(name -> null).parse(YAML);
    private final Rules rules = config.rules();

    private static List<String> order(Decision d) {
        return d.candidates().stream().map(c -> c.model() + (c.fallback() ? " (fallback)" : "")
                + (c.allowed() ? "" : " denied")).toList();
    }

    @Test
    void shouldOrderTargetsAsWrittenThenFallbacksIgnoringWeights() {
        Decision d = Resolver.resolve(rules, "smart", Caller.ofPath("/staff/ann"), Picker.create());

        assertThat(order(d)).containsExactly("a/x", "b/y", "c/z (fallback)", "a/w (fallback)");
        assertThat(d.candidates().get(2).provider()).isEqualTo("c");
        assertThat(d.candidates().get(2).upstreamModel()).isEqualTo("z");
    }

    @Test
    void shouldMarkACandidateThisCallerMayNotUse() {
        Decision d = Resolver.resolve(rules, "smart", Caller.ofPath("/guests"), Picker.create());

        assertThat(order(d)).containsExactly("a/x", "b/y denied", "c/z (fallback)", "a/w (fallback)");
        assertThat(d.allowed()).isTrue();
    }

    @Test
    void shouldExplainTheCandidatesAndWhichAreSkipped() {
        Decision d = Resolver.explain(rules, "smart", Caller.ofPath("/guests"), Picker.create());

        assertThat(d.steps()).anySatisfy(step -> assertThat(step).startsWith("failover: when an attempt fails before"
                + " the answer starts, then 'b/y' (target; skipped: ").contains("'c/z' (fallback)", "'a/w' (fallback)"));
    }

    @Test
    void shouldSkipAPickTheCallerMayNotUseForTheFirstCandidateItMay() {
        // SPEC 11: a candidate the caller may not use is skipped, never called; the pick is one. A primary disabled
        // by an operator (or outside the caller's paths) hands its traffic to the next candidate, it is not a 403.
        Rules r = new ConfigLoader(name -> null).parse(YAML.replace("  - source: b/y\n    user_paths: [/staff]\n",
                "  - source: a/x\n    enabled: false\n  - source: b/y\n    user_paths: [/staff]\n")).rules();

        Decision staff = Resolver.resolve(r, "smart", Caller.ofPath("/staff/ann"), Picker.create());
        assertThat(order(staff)).containsExactly("b/y", "a/x denied", "c/z (fallback)", "a/w (fallback)");
        assertThat(staff.allowed()).isTrue();
        assertThat(staff.target()).isEqualTo("b/y");
        assertThat(staff.qualified()).isEqualTo("b/y");

        // Every target out of reach: the first fallback answers, the targets after it in their order.
        Decision guest = Resolver.explain(r, "smart", Caller.ofPath("/guests"), Picker.create());
        assertThat(order(guest)).containsExactly("c/z (fallback)", "a/x denied", "b/y denied", "a/w (fallback)");
        assertThat(guest.allowed()).isTrue();
        // A fallback is no target: the redirect chose none for this caller (the access log's and metrics' target).
        assertThat(guest.target()).isNull();
        assertThat(guest.concrete()).isEqualTo("c/z");
        assertThat(guest.steps()).contains("skipped: 'a/x' (" + staff.candidates().get(1).reason() + "); the first"
                + " candidate this caller may use is 'c/z' (fallback)");
    }

    // Regression (a probe): a caller who may not use one arm of a round robin took its turn (and was moved to the
    // other arm), so callers alternating with it never reached that arm: alice, who may use both, got y 20 times of 20.
    @Test
    void shouldGiveACallerWhoMayUseEveryArmItsTurnsWhateverTheOthersMayNot() {
        Rules r = new ConfigLoader(name -> null).parse("""
                providers:
                  a: {type: openai-compatible, base_url: http://a.example}
                virtual_models:
                  - {source: rr, strategy: round_robin, targets: [a/x, a/y]}
                  - {source: a/x, user_paths: [/team/a]}
                """).rules();
        Picker picker = Picker.create();
        List<String> alice = new java.util.ArrayList<>();
        List<String> bob = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            alice.add(Resolver.resolve(r, "rr", Caller.ofPath("/team/a"), picker).target());
            bob.add(Resolver.resolve(r, "rr", Caller.ofPath("/team/b"), picker).target());
        }

        assertThat(alice).containsExactly("a/x", "a/y", "a/x", "a/y", "a/x", "a/y");
        assertThat(bob).containsOnly("a/y");
        assertThat(Resolver.resolve(r, "rr", Caller.ofPath("/team/b"), picker).skipped()).as("the arm it may not use")
                .isEqualTo("a/x");
        assertThat(Resolver.resolve(r, "rr", Caller.ofPath("/team/a"), picker).skipped()).isNull();
    }

    // Regression (a review): with the turn merely masked, one rotation for all, a caller who may use two of three
    // targets took turns from one who may use all three (alice 20 x, 10 z, 0 y). Each class of callers rotates apart.
    @Test
    void shouldRotateEveryClassOfCallersAsConfiguredWhateverTheOthersMayUse() {
        Rules r = new ConfigLoader(name -> null).parse("""
                providers:
                  a: {type: openai-compatible, base_url: http://a.example}
                  c: {type: openai-compatible, base_url: http://c.example}
                  keyless: {type: openai, api_key: ""}
                virtual_models:
                  - {source: rr, strategy: round_robin, targets: [a/x, a/y, a/z]}
                  - {source: a/z, user_paths: [/team/a]}
                  - {source: none, strategy: round_robin, targets: [c/x, c/y], fallbacks: [a/x]}
                  - {source: c/, user_paths: [/team/a]}
                  - {source: nokey, strategy: round_robin, targets: [a/x, keyless/y]}
                """).rules();
        Picker picker = Picker.create();
        Map<String, Integer> alice = new java.util.TreeMap<>();
        Map<String, Integer> bob = new java.util.TreeMap<>();
        List<String> aliceNone = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            alice.merge(Resolver.resolve(r, "rr", Caller.ofPath("/team/a"), picker).target(), 1, Integer::sum);
            bob.merge(Resolver.resolve(r, "rr", Caller.ofPath("/team/b"), picker).target(), 1, Integer::sum);
            if (i < 6) {
                aliceNone.add(Resolver.resolve(r, "none", Caller.ofPath("/team/a"), picker).target());
                // Bob may use neither target: its fallback, and no turn taken from alice.
                Decision none = Resolver.resolve(r, "none", Caller.ofPath("/team/b"), picker);
                assertThat(none.concrete()).isEqualTo("a/x");
                assertThat(none.chosen().fallback()).isTrue();
                assertThat(none.target()).as("a fallback is not an arm").isNull();
                assertThat(none.skipped()).isEqualTo("c/x");
            }
        }

        assertThat(alice).isEqualTo(Map.of("a/x", 10, "a/y", 10, "a/z", 10));
        assertThat(bob).isEqualTo(Map.of("a/x", 15, "a/y", 15));
        assertThat(aliceNone).containsExactly("c/x", "c/y", "c/x", "c/y", "c/x", "c/y");
        // A target without a key is closed to everyone alike: no caller's is a skip an access policy made.
        Decision nokey = Resolver.resolve(r, "nokey", Caller.ofPath("/team/b"), picker);
        assertThat(nokey.target()).isEqualTo("a/x");
        assertThat(nokey.skipped()).isNull();
    }

    // A probe's reading: the one candidate the caller may use had no key: the caller was told 403 (the pick's refusal),
    // where asking for that model by name says 503 provider_unavailable (access is judged before credentials).
    @Test
    void shouldSayTheProviderHasNoKeyWhenThatIsWhyTheCandidateTheCallerMayUseCannotBeCalled() {
        Rules r = new ConfigLoader(name -> null).parse("""
                providers:
                  a: {type: openai-compatible, base_url: http://a.example}
                  keyless: {type: openai, api_key: ""}
                virtual_models:
                  - {source: sp, target: a/x, fallbacks: [keyless/gpt-x]}
                  - {source: a/x, enabled: false}
                """).rules();

        Decision d = Resolver.resolve(r, "sp", Caller.ofPath("/team/b"), Picker.create());

        assertThat(d.outcome()).isEqualTo(dev.switchboard.rules.Outcome.PROVIDER_UNAVAILABLE);
        assertThat(d.provider()).isEqualTo("keyless");
        assertThat(order(d)).containsExactly("keyless/gpt-x (fallback) denied", "a/x denied");
    }

    @Test
    void shouldRefuseAsThePickWhenNoCandidateMayBeUsed() {
        Rules r = new ConfigLoader(name -> null).parse(YAML.replace("fallbacks: [c/z, a/w]", "fallbacks: [c/z]")
                .replace("  - source: b/y\n", "  - source: a/x\n    enabled: false\n  - source: c/z\n    enabled: false\n"
                        + "  - source: b/y\n")).rules();

        Decision d = Resolver.resolve(r, "smart", Caller.ofPath("/guests"), Picker.create());

        assertThat(order(d)).containsExactly("a/x denied", "b/y denied", "c/z (fallback) denied");
        assertThat(d.allowed()).isFalse();
        assertThat(d.target()).isEqualTo("a/x");
        assertThat(d.concrete()).isEqualTo("a/x");
    }

    @Test
    void shouldReadTheFailoverSettings() {
        assertThat(config.failover()).isEqualTo(new FailoverSettings(List.of(429, 503), 4, 2, Duration.ofSeconds(5)));
        assertThat(config.failover().retries(503)).isTrue();
        assertThat(config.failover().retries(500)).isFalse();
    }

    @Test
    void shouldGiveASingleTargetWithoutFallbacksOneCandidate() {
        Rules plain = new ConfigLoader(name -> null).parse("""
                virtual_models:
                  - source: one
                    target: m
                """).rules();

        List<Candidate> candidates = Resolver.resolve(plain, "one", Caller.ofPath(null), Picker.create()).candidates();

        assertThat(candidates).hasSize(1);
        assertThat(candidates.get(0).fallback()).isFalse();
    }
}
