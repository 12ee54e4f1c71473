package dev.switchboard.jetty;

import dev.switchboard.config.FailoverSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.observe.CircuitBreakers;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Route;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node's circuit breakers (SPEC section 11), one per upstream target: every target and fallback of a
 * redirect, qualified by the provider it routes to ({@code openai/gpt-5}). A model no redirect names has no
 * breaker (its name comes from the client: breakers for those would grow without bound). Each is a
 * resilience4j {@link CircuitBreaker}: a count window of {@code circuit_breaker.failures} calls that opens at a
 * 100% failure rate (that many failures in a row), stays open for {@code circuit_breaker.open_for}, then lets
 * one call through (half-open) which closes it on success and opens it again on failure. Slow calls never count.
 *
 * <p>The set follows the configuration: it is rebuilt when the rules change (a breaker whose target stays and
 * whose settings did not change keeps its state). The clock is injectable, so tests move time instead of
 * sleeping. Thread-safe.
 */
final class TargetBreakers implements CircuitBreakers {

    /**
     * What a caller holds between asking to call a target and knowing how the call went: it reports exactly one of
     * the three, once (the proxy's attempt makes sure of it).
     */
    interface Permit {
        /**
         * The target answered: an error status outside {@code retry_on} (any 4xx other than 429 included), or an
         * answer that ended whole without an error in it.
         */
        void success();

        /**
         * The target failed: no connection, a reset, a timeout, a status in {@code retry_on}, an answer it cut, or
         * one begun with 200 that carried an error (Anthropic's {@code overloaded_error} event).
         */
        void failure();

        /** The call's outcome says nothing about the target (the client left first): give the permit back. */
        void release();

        /**
         * @return whether this is a half-open breaker's one probe: while it is under way every other request skips
         *     the target, so its success is told as soon as its answer begins, not when a long stream ends
         */
        boolean probe();

        /**
         * A probe whose success was told at its answer's first byte failed after all (an error event, a cut): one
         * failure more, as a call of the closed breaker it made would report. Once, after {@link #success}.
         */
        void failedLater();
    }

    /** The permit of a target without a breaker. */
    static final Permit FREE = new Permit() {
        @Override
        public void success() {
        }

        @Override
        public void failure() {
        }

        @Override
        public void release() {
        }

        @Override
        public boolean probe() {
            return false;
        }

        @Override
        public void failedLater() {
        }
    };

    private final Supplier<SwitchboardConfig> config;
    private final Clock clock;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** When each breaker last changed state (resilience4j keeps no such time). */
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    /** When each breaker last opened lets a request through again: {@code open_for} later, or at once (see above). */
    private final Map<String, Instant> retry = new ConcurrentHashMap<>();
    /** Per breaker: whether a failure was reported after its last reported success (see {@link Permit#success}). */
    private final Map<String, AtomicBoolean> failedSinceSuccess = new ConcurrentHashMap<>();
    /**
     * Per breaker: its half-open period, made afresh each time it turns half-open: a permit that was never settled
     * cannot mark later periods taken.
     */
    private final Map<String, Period> periods = new ConcurrentHashMap<>();

    /**
     * One half-open period of a breaker: its probes taken and not yet settled (resilience4j does not tell without taking
     * one), and whether a probe reported an outcome, a success or a failure (a period whose probes were all released,
     * their clients gone, learned nothing about the target).
     */
    private static final class Period {
        final AtomicInteger probes = new AtomicInteger();
        final AtomicBoolean told = new AtomicBoolean();
    }
    private volatile Table table = new Table(null, null, Map.of());

    /** The breakers for one version of the rules and settings. */
    private record Table(Rules rules, FailoverSettings settings, Map<String, CircuitBreaker> breakers) {
    }

    /**
     * @param config the live configuration (its rules say which targets exist, its {@code failover} how they break)
     * @param clock the time breakers open and half-open by
     */
    TargetBreakers(Supplier<SwitchboardConfig> config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Asks to call a candidate. An open breaker says no; a half-open one says yes to one caller at a time.
     *
     * @param candidate a routed candidate
     * @return a permit to report the call's outcome to, or {@code null} when the breaker is open
     */
    Permit acquire(Candidate candidate) {
        String target = candidate.qualified();
        // A request without a model (it goes to default_provider as sent) has no target, so no breaker.
        CircuitBreaker breaker = target == null ? null : current().breakers.get(target);
        if (breaker == null) {
            return FREE;
        }
        Period period;
        if (breaker.getState() == CircuitBreaker.State.CLOSED) {
            if (!breaker.tryAcquirePermission()) {
                return null;
            }
            // Closed: no probe (and no lock on the way of every request). A breaker that opened and turned half-open
            // between the look and the permission is taken as closed: this request is not its probe.
            period = null;
        } else {
            // The permission and the period's counters together: the turn to half-open happens inside the permission
            // (its listener makes the new period's counters on this thread), and a request racing it must not take
            // the one probe with the period before's counters (a review).
            synchronized (breaker) {
                if (!breaker.tryAcquirePermission()) {
                    return null;
                }
                // Half-open after the permission: this caller holds the probe (one at a time) until its outcome.
                period = breaker.getState() == CircuitBreaker.State.HALF_OPEN ? periods.get(target) : null;
                if (period != null) {
                    period.probes.incrementAndGet();
                }
            }
        }
        AtomicBoolean failedSince = failedSinceSuccess.get(target);
        return new Permit() {
            private void settle() {
                if (period != null) {
                    period.probes.decrementAndGet();
                }
            }

            /** This probe's outcome is news about the target: its period's end stands (see the transition listener). */
            private void tell() {
                if (period != null) {
                    period.told.set(true);
                }
            }

            @Override
            public void success() {
                tell();
                settle();
                // A closed breaker opens on failures in a row only, so a success after a success changes nothing:
                // it is not reported (resilience4j builds a timestamped event per report, as the transition listener
                // below makes it publish). Any other success is: the first after a failure, or a half-open probe's.
                if (breaker.getState() == CircuitBreaker.State.CLOSED && failedSince != null && !failedSince.get()) {
                    return;
                }
                if (failedSince != null) {
                    failedSince.set(false);
                }
                if (period != null && breaker.getState() == CircuitBreaker.State.OPEN) {
                    // A probe slower than open_for: resilience4j gave up waiting for it and opened the breaker again
                    // (config: a lost probe must not hold it half-open), but the target did answer. Unless a newer
                    // half-open period began since (each has its own counter) and its probe failed: newer news.
                    if (periods.get(target) == period) {
                        breaker.transitionToClosedState();
                    }
                    return;
                }
                // Duration 0: a long stream is not a slow call; only failures count.
                breaker.onSuccess(0, TimeUnit.NANOSECONDS);
            }

            @Override
            public void failure() {
                tell();
                settle();
                if (failedSince != null) {
                    failedSince.set(true);
                }
                breaker.onError(0, TimeUnit.NANOSECONDS, Failed.INSTANCE);
            }

            @Override
            public void release() {
                settle();
                // Only a probe of the period under way has a permit to give back: one taken while closed, or in an
                // earlier period, handed back now let a second probe through at once (a review).
                if (period != null && periods.get(target) == period
                        && breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
                    breaker.releasePermission();
                }
            }

            @Override
            public boolean probe() {
                return period != null;
            }

            @Override
            public void failedLater() {
                if (failedSince != null) {
                    failedSince.set(true);
                }
                breaker.onError(0, TimeUnit.NANOSECONDS, Failed.INSTANCE);
            }
        };
    }

    /**
     * Looks without asking (no permit is taken, no state changes).
     *
     * @param candidate a routed candidate
     * @return whether {@link #acquire} would say no: its breaker is open and its {@code open_for} has not passed, or
     *     it is half-open and its probe is taken
     */
    boolean open(Candidate candidate) {
        String target = candidate.qualified();
        CircuitBreaker b = target == null ? null : current().breakers.get(target);
        State s = b == null ? State.CLOSED : state(b);
        if (s == State.HALF_OPEN) {
            Period period = periods.get(target);
            return period != null && period.probes.get() > 0;
        }
        if (s != State.OPEN) {
            return false;
        }
        Instant at = retryAt(b);
        return at == null || clock.instant().isBefore(at);
    }

    /** @return the time by the breakers' clock, which {@link #retryAt} answers in */
    Instant now() {
        return clock.instant();
    }

    /**
     * @return when the first open breaker among these candidates lets a probe through, or {@code null} when none is
     *     open
     */
    Instant retryAt(List<Candidate> candidates) {
        Instant first = null;
        for (Candidate c : candidates) {
            CircuitBreaker b = c.qualified() == null ? null : current().breakers.get(c.qualified());
            if (b != null && b.getState() == CircuitBreaker.State.OPEN) {
                Instant at = retryAt(b);
                if (at != null && (first == null || at.isBefore(first))) {
                    first = at;
                }
            }
        }
        return first;
    }

    @Override
    public List<Breaker> breakers() {
        List<Breaker> out = new ArrayList<>();
        for (Map.Entry<String, CircuitBreaker> e : current().breakers.entrySet()) {
            out.add(view(e.getKey(), e.getValue()));
        }
        return List.copyOf(out);
    }

    /**
     * Read by the metrics at scrape time, so it never rebuilds the breakers: a rebuild tells the listeners, which
     * re-register the gauge's series, and doing that inside a scrape left some of them out for good. The breakers
     * follow the rules at every request and at every reload ({@link #refresh}).
     */
    @Override
    public State state(String target) {
        CircuitBreaker b = target == null ? null : table.breakers.get(target);
        return b == null ? null : state(b);
    }

    /** Rebuilds the breakers if the rules changed (and tells the listeners): called at start and after a reload. */
    void refresh() {
        current();
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private Breaker view(String target, CircuitBreaker b) {
        State s = state(b);
        return new Breaker(target, s, since.get(target), s == State.OPEN ? retryAt(b) : null);
    }

    private Instant retryAt(CircuitBreaker b) {
        return retry.get(b.getName());
    }

    private static State state(CircuitBreaker b) {
        return switch (b.getState()) {
            case OPEN, FORCED_OPEN -> State.OPEN;
            case HALF_OPEN -> State.HALF_OPEN;
            default -> State.CLOSED;
        };
    }

    /** The breakers of the rules in use, rebuilt when they changed (an identity check per request). */
    private Table current() {
        Table t = table;
        SwitchboardConfig c = config.get();
        if (t.rules == c.rules() && t.settings == c.failover()) {
            return t;
        }
        Table rebuilt;
        synchronized (this) {
            t = table;
            if (t.rules == c.rules() && t.settings == c.failover()) {
                return t;
            }
            rebuilt = rebuild(t, c.rules(), c.failover());
            table = rebuilt;
        }
        if (!rebuilt.breakers.keySet().equals(t.breakers.keySet())) {
            listeners.forEach(Runnable::run);
        }
        return rebuilt;
    }

    private Table rebuild(Table old, Rules rules, FailoverSettings settings) {
        Map<String, CircuitBreaker> out = new TreeMap<>();
        if (settings.breakers()) {
            boolean same = settings.equals(old.settings);
            CircuitBreakerConfig cfg = same ? null : config(settings);
            for (VirtualModel vm : rules.virtualModels()) {
                if (!vm.isRedirect()) {
                    continue;
                }
                List<String> models = new ArrayList<>();
                for (Target t : vm.targets()) {
                    models.add(t.model());
                }
                models.addAll(vm.fallbacks());
                for (String model : models) {
                    Route route = Resolver.route(rules, model);
                    if (route == null) {
                        continue;
                    }
                    String target = route.provider() + "/" + route.upstreamModel();
                    CircuitBreaker kept = same ? old.breakers.get(target) : null;
                    if (kept != null) {
                        out.put(target, kept);
                    } else if (!out.containsKey(target)) {
                        CircuitBreaker b = CircuitBreaker.of(target, cfg != null ? cfg : config(settings));
                        b.getEventPublisher().onStateTransition(e -> {
                            if (table.breakers.get(target) != b) {
                                // A breaker a reload replaced (its probe's timer ran on): its news is not the live one's,
                                // and its writes to these maps, keyed by target, were taken for the live one's (a review).
                                return;
                            }
                            CircuitBreaker.StateTransition t = e.getStateTransition();
                            Instant now = clock.instant();
                            since.put(target, now);
                            if (t.getToState() == CircuitBreaker.State.OPEN) {
                                Period period = periods.get(target);
                                if (t == CircuitBreaker.StateTransition.HALF_OPEN_TO_OPEN && period != null
                                        && period.probes.get() == 0 && !period.told.get()) {
                                    // The end of a half-open period whose probe was released, its client gone: nothing
                                    // failed, and no probe is under way for resilience4j's limit on a lost one to stop.
                                    // Open until now: the next request probes, none is skipped (a probe: the target was
                                    // skipped for another open_for). No timer: a quiet target does not cycle.
                                    retry.put(target, now);
                                    b.transitionToOpenStateUntil(now);
                                } else {
                                    retry.put(target, now.plus(table.settings.breakerOpenFor()));
                                }
                            }
                            if (t.getToState() == CircuitBreaker.State.HALF_OPEN) {
                                periods.put(target, new Period());
                            }
                        });
                        since.remove(target);
                        retry.remove(target);
                        failedSinceSuccess.put(target, new AtomicBoolean());
                        periods.put(target, new Period());
                        out.put(target, b);
                    }
                }
            }
        }
        since.keySet().retainAll(out.keySet());
        retry.keySet().retainAll(out.keySet());
        failedSinceSuccess.keySet().retainAll(out.keySet());
        periods.keySet().retainAll(out.keySet());
        // Sorted by target: /admin/status and the metrics list them so.
        return new Table(rules, settings, java.util.Collections.unmodifiableMap(out));
    }

    private CircuitBreakerConfig config(FailoverSettings settings) {
        int n = settings.breakerFailures();
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(n)
                .minimumNumberOfCalls(n)
                // n calls, all failed: n failures in a row.
                .failureRateThreshold(100f)
                .slowCallRateThreshold(100f)
                .slowCallDurationThreshold(java.time.Duration.ofDays(365))
                .waitDurationInOpenState(settings.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                // A probe whose outcome never came (it cannot, but be safe) does not hold the breaker half-open; one
                // that was only slow closes it when it answers (Permit.success).
                .maxWaitDurationInHalfOpenState(settings.breakerOpenFor())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(x -> true)
                .clock(clock)
                .build();
    }

    /** What a failed call is recorded as (stackless: it is a value, not an error being thrown). */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        static final Failed INSTANCE = new Failed();

        private Failed() {
            super("upstream attempt failed", null, false, false);
        }
    }
}
