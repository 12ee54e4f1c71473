package dev.switchboard.observe;

import java.time.Instant;
import java.util.List;

/**
 * The circuit breakers of a node's upstream targets (SPEC section 11), as {@code /admin/status} and the metrics
 * show them. The bundled proxy keeps them (one per configured target and fallback, per node); the bare filter has
 * none ({@link #NONE}). Implementations are thread-safe.
 */
public interface CircuitBreakers {

    /** No breakers: the bare filter, which never calls an upstream itself. */
    CircuitBreakers NONE = new CircuitBreakers() {
        @Override
        public List<Breaker> breakers() {
            return List.of();
        }

        @Override
        public State state(String target) {
            return null;
        }

        @Override
        public void onChange(Runnable listener) {
            // Nothing ever changes.
        }
    };

    /** A breaker's state. */
    enum State {
        /** The target is called. */
        CLOSED,
        /** The target failed {@code circuit_breaker.failures} times in a row: skipped until {@code retryAt}. */
        OPEN,
        /** The open time is over: one request probes the target; it closes on success, opens again on failure. */
        HALF_OPEN
    }

    /**
     * One target's breaker.
     *
     * @param target the target it guards, qualified by its provider ({@code openai/gpt-5})
     * @param state its state
     * @param since when it entered that state ({@code null} when it never left the closed state it started in)
     * @param retryAt for an open breaker, when a request may probe the target again; else {@code null}
     */
    record Breaker(String target, State state, Instant since, Instant retryAt) {
    }

    /** @return every breaker, sorted by target */
    List<Breaker> breakers();

    /**
     * @param target a target qualified by its provider
     * @return its breaker's state, or {@code null} when it has none
     */
    State state(String target);

    /**
     * Registers a callback for when the set of targets changes (a reload added or dropped one); states are read
     * live through {@link #state}, so their changes are not announced.
     *
     * @param listener called on the thread that changed the set
     */
    void onChange(Runnable listener);
}
