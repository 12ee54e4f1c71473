package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.live.MutableClock;
import dev.switchboard.observe.CircuitBreakers.Breaker;
import dev.switchboard.observe.CircuitBreakers.State;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The per-target breakers (SPEC section 11) on a clock the test moves: no sleeping. */
final class TargetBreakersTest {

    private static final String YAML = """
            providers:
              a: {type: openai-compatible, base_url: http://a.example}
              b: {type: openai-compatible, base_url: http://b.example}
            failover:
              circuit_breaker: {failures: %d, open_for: 30s}
            virtual_models:
              - source: smart
                targets: [a/x, b/y]
                strategy: failover
            """;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    private final AtomicReference<SwitchboardConfig> config = new AtomicReference<>(parse(3));
    private final TargetBreakers breakers = new TargetBreakers(config::get, clock);

    private static SwitchboardConfig parse(int failures) {
        return new ConfigLoader(name -> null).parse(YAML.formatted(failures));
    }

    private Candidate a() {
        return Resolver.resolve(config.get().rules(), "smart", Caller.ofPath(null), Picker.create()).candidates().get(0);
    }

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            breakers.acquire(a()).failure();
        }
    }

    @Test
    void shouldNotTakeAProbeThatWasNeverSettledForTheNextHalfOpenPeriods() {
        // A permit whose outcome never came (a throw between taking it and reporting): resilience4j gives up on it after
        // open_for and opens the breaker again. The next half-open period must not read that lost probe as under way,
        // or a stream's slow primary would never be handed to this target again.
        SwitchboardConfig quick = quickBreaker();
        TargetBreakers b = new TargetBreakers(() -> quick, clock);
        Candidate target = openedThenWaitedOut(b, quick);
        TargetBreakers.Permit lost = b.acquire(target);
        assertThat(lost).as("the half-open probe").isNotNull();
        assertThat(b.open(target)).as("while its probe is under way").isTrue();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.state("a/x") == State.OPEN);
        clock.advance(Duration.ofMillis(201));
        b.acquire(target).release();

        assertThat(b.state("a/x")).isEqualTo(State.HALF_OPEN);
        assertThat(b.open(target)).as("the probe of the period before is not this one's").isFalse();
    }

    // Regression (a failover probe): a half-open probe whose client left was released, which told nothing about the
    // target, yet resilience4j's limit on a lost probe (open_for after the period began, real time) then opened the
    // breaker again with no failure, and the target was skipped for another open_for.
    @Test
    void shouldLetTheNextRequestProbeWhenTheProbeWasReleasedAndOpenOnlyForAFailure() {
        SwitchboardConfig quick = quickBreaker();
        TargetBreakers b = new TargetBreakers(() -> quick, clock);
        Candidate target = openedThenWaitedOut(b, quick);
        b.acquire(target).release();

        // The period's end (200 ms, real time) passes with nothing under way: open until now, no target skipped, and no
        // timer that turns a quiet target half-open and open again every 200 ms (a review found a first fix cycling).
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> b.state("a/x") == State.OPEN);
        assertThat(b.breakers().get(0).retryAt()).isEqualTo(clock.instant());
        assertThat(b.open(target)).isFalse();
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> b.state("a/x") == State.OPEN && !b.open(target));
        // resilience4j lets a request through once its clock is past the time it was opened until.
        clock.advance(Duration.ofMillis(1));
        TargetBreakers.Permit probe = b.acquire(target);
        assertThat(probe).as("the next request probes").isNotNull();
        assertThat(b.state("a/x")).isEqualTo(State.HALF_OPEN);

        probe.failure();

        assertThat(b.state("a/x")).isEqualTo(State.OPEN);
        assertThat(b.open(target)).as("a failure opens it for open_for").isTrue();
        assertThat(b.breakers().get(0).retryAt()).isEqualTo(clock.instant().plusMillis(200));
    }

    // A review: a reload that changes the breakers' settings makes new ones, but an old one's half-open timer ran on,
    // and its listener wrote the live breaker's times and probe counts (keyed by target): a closed breaker read open.
    @Test
    void shouldKeepAReplacedBreakersLateNewsFromTheLiveOne() {
        AtomicReference<SwitchboardConfig> live = new AtomicReference<>(quickBreaker());
        TargetBreakers b = new TargetBreakers(live::get, clock);
        Candidate target = openedThenWaitedOut(b, live.get());
        TargetBreakers.Permit held = b.acquire(target);
        assertThat(b.state("a/x")).isEqualTo(State.HALF_OPEN);

        live.set(new ConfigLoader(name -> null).parse(YAML.formatted(3).replace("open_for: 30s", "open_for: 200ms")));
        b.refresh();
        assertThat(b.state("a/x")).as("new settings: new breakers").isEqualTo(State.CLOSED);

        // The old breaker's limit on its probe (200 ms, real time) ends meanwhile; the live one hears nothing of it.
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> b.state("a/x") == State.CLOSED && b.breakers().get(0).since() == null);
        held.release();
        assertThat(b.open(target)).isFalse();
    }

    @Test
    void shouldCloseWhenAProbeSlowerThanOpenForAnswers() {
        // A non-streamed answer that takes longer than open_for (a reasoning model's long completion): resilience4j
        // opens the breaker again while it is under way, but the target works, and its answer says so.
        SwitchboardConfig quick = quickBreaker();
        TargetBreakers b = new TargetBreakers(() -> quick, clock);
        Candidate target = openedThenWaitedOut(b, quick);
        TargetBreakers.Permit probe = probeOutlivingOpenFor(b, target);

        probe.success();

        assertThat(b.state("a/x")).isEqualTo(State.CLOSED);
        assertThat(b.acquire(target)).as("called again at once").isNotNull();
    }

    @Test
    void shouldNotCloseForASlowProbeWhenANewerProbeFailedSince() {
        SwitchboardConfig quick = quickBreaker();
        TargetBreakers b = new TargetBreakers(() -> quick, clock);
        Candidate target = openedThenWaitedOut(b, quick);
        TargetBreakers.Permit slow = probeOutlivingOpenFor(b, target);
        clock.advance(Duration.ofMillis(201));
        b.acquire(target).failure();
        assertThat(b.state("a/x")).isEqualTo(State.OPEN);

        slow.success();

        assertThat(b.state("a/x")).as("the newer probe's failure stands").isEqualTo(State.OPEN);
    }

    /** @return the half-open probe, once resilience4j gave up waiting for it (in real time) and opened the breaker */
    private static TargetBreakers.Permit probeOutlivingOpenFor(TargetBreakers b, Candidate target) {
        TargetBreakers.Permit probe = b.acquire(target);
        assertThat(b.state("a/x")).isEqualTo(State.HALF_OPEN);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.state("a/x") == State.OPEN);
        return probe;
    }

    /** @return breakers that open after 2 failures for 200 ms (resilience4j gives up on a probe after that, in real time) */
    private static SwitchboardConfig quickBreaker() {
        return new ConfigLoader(name -> null).parse(YAML.formatted(2).replace("open_for: 30s", "open_for: 200ms"));
    }

    /** Opens {@code b}'s breaker of a/x with two failures, then lets its open_for pass on {@link #clock}. */
    private Candidate openedThenWaitedOut(TargetBreakers b, SwitchboardConfig quick) {
        Candidate target = Resolver.resolve(quick.rules(), "smart", Caller.ofPath(null), Picker.create()).candidates().get(0);
        b.acquire(target).failure();
        b.acquire(target).failure();
        assertThat(b.state("a/x")).isEqualTo(State.OPEN);
        clock.advance(Duration.ofMillis(201));
        return target;
    }

    @Test
    void shouldOpenAfterConsecutiveFailuresOnly() {
        fail(2);
        breakers.acquire(a()).success();
        fail(2);
        assertThat(breakers.state("a/x")).as("a success in between starts the count again").isEqualTo(State.CLOSED);

        fail(1);

        assertThat(breakers.state("a/x")).isEqualTo(State.OPEN);
        assertThat(breakers.acquire(a())).as("skipped while open").isNull();
        assertThat(breakers.breakers()).containsExactly(
                new Breaker("a/x", State.OPEN, clock.instant(), clock.instant().plusSeconds(30)),
                new Breaker("b/y", State.CLOSED, null, null));
    }

    @Test
    void shouldOpenExactlyWhenTheLastOutcomesAllFailedWhateverSuccessesCameBefore() {
        // Successes after successes are not reported to resilience4j (they cannot change a closed breaker): the
        // breaker must still open exactly on the third failure in a row, as a model of the rule says.
        Random random = new Random(7);
        int inARow = 0;
        int opened = 0;
        for (int i = 0; i < 5_000; i++) {
            TargetBreakers.Permit permit = breakers.acquire(a());
            if (inARow == 3) {
                assertThat(permit).as("call %d: open", i).isNull();
                clock.advance(Duration.ofSeconds(31));
                breakers.acquire(a()).success();
                assertThat(breakers.state("a/x")).as("call %d: the probe closed it", i).isEqualTo(State.CLOSED);
                inARow = 0;
                opened++;
                continue;
            }
            if (random.nextBoolean()) {
                permit.failure();
                inARow++;
            } else {
                permit.success();
                inARow = 0;
            }
            assertThat(breakers.state("a/x")).as("call %d after %d failures in a row", i, inARow)
                    .isEqualTo(inARow == 3 ? State.OPEN : State.CLOSED);
        }
        assertThat(opened).as("the sequence opened the breaker often").isGreaterThan(200);
    }

    @Test
    void shouldLetOneProbeThroughAfterTheCoolDownAndCloseOnSuccess() {
        fail(3);
        clock.advance(Duration.ofSeconds(29));
        assertThat(breakers.acquire(a())).isNull();
        clock.advance(Duration.ofSeconds(2));

        TargetBreakers.Permit probe = breakers.acquire(a());

        assertThat(probe).isNotNull();
        assertThat(breakers.state("a/x")).isEqualTo(State.HALF_OPEN);
        assertThat(breakers.acquire(a())).as("one probe at a time").isNull();
        probe.success();
        assertThat(breakers.state("a/x")).isEqualTo(State.CLOSED);
        assertThat(breakers.acquire(a())).isNotNull();
    }

    @Test
    void shouldOpenAgainWhenTheProbeFailsAndFreeTheProbeWhenReleased() {
        fail(3);
        clock.advance(Duration.ofSeconds(31));
        breakers.acquire(a()).release();
        TargetBreakers.Permit probe = breakers.acquire(a());
        assertThat(probe).as("a released probe lets the next one through").isNotNull();

        probe.failure();

        assertThat(breakers.state("a/x")).isEqualTo(State.OPEN);
        assertThat(breakers.breakers().get(0).retryAt()).isEqualTo(clock.instant().plusSeconds(30));
    }

    @Test
    void shouldKeepStateAcrossAReloadOfRulesAndStartClosedWhenSettingsChange() {
        AtomicInteger changes = new AtomicInteger();
        breakers.onChange(changes::incrementAndGet);
        fail(3);
        config.set(parse(3));
        breakers.refresh();
        assertThat(breakers.state("a/x")).as("same settings, same target: state kept").isEqualTo(State.OPEN);

        config.set(parse(4));
        assertThat(breakers.state("a/x")).as("read as last built: a reload rebuilds").isEqualTo(State.OPEN);
        breakers.refresh();

        assertThat(breakers.state("a/x")).isEqualTo(State.CLOSED);
        config.set(parse(0));
        assertThat(breakers.breakers()).as("failures: 0 turns breakers off").isEmpty();
        assertThat(breakers.acquire(a())).isSameAs(TargetBreakers.FREE);
        assertThat(changes.get()).isPositive();
    }

    @Test
    void shouldHaveNoBreakerForAModelNoRedirectNames() {
        Candidate other = Resolver.resolve(config.get().rules(), "a/other", Caller.ofPath(null), Picker.create())
                .candidates().get(0);

        assertThat(breakers.acquire(other)).isSameAs(TargetBreakers.FREE);
        assertThat(breakers.breakers()).extracting(Breaker::target).containsExactly("a/x", "b/y");
        assertThat(breakers.retryAt(List.of(other))).isNull();
    }

    @Test
    void shouldLetARequestWithoutAModelThroughWithoutABreaker() {
        // Regression: a model-less request (GET /v1/batches/x) has no target; looking one up threw.
        Candidate modelLess = new Candidate(null, "a", null, dev.switchboard.rules.Outcome.ALLOWED, null, "no model");

        assertThat(breakers.acquire(modelLess)).isSameAs(TargetBreakers.FREE);
        assertThat(breakers.state(null)).isNull();
    }
}
