package dev.switchboard.exchange;

/**
 * Observes exchanges (SPEC section 9): metrics, statistics and the access log are listeners. Events
 * of one exchange arrive in order, {@link #onDecision} (when a model was resolved) first and
 * {@link #onComplete} exactly once last, possibly on different threads (the proxy answers
 * asynchronously); events of different exchanges arrive concurrently, so implementations must be
 * thread-safe.
 *
 * <p>A listener observes, never alters: it cannot change a byte the client gets, and it must not
 * block (it runs on the request's or the proxy's thread). A listener that throws is logged at most
 * once per minute and otherwise ignored; the exchange goes on.
 */
public interface ExchangeListener {

    /**
     * The request's model was resolved ({@link Exchange#decision()} is set), whether it is allowed or not.
     *
     * @param exchange the exchange
     */
    default void onDecision(Exchange exchange) {
    }

    /**
     * One upstream attempt ended (answered, failed or was abandoned).
     *
     * @param exchange the exchange
     * @param attempt the attempt
     */
    default void onAttempt(Exchange exchange, Attempt attempt) {
    }

    /**
     * The first byte of the response body went to the client.
     *
     * @param exchange the exchange
     * @param nanosSinceStart nanoseconds since the exchange started
     */
    default void onFirstByte(Exchange exchange, long nanosSinceStart) {
    }

    /**
     * Usage was read from the response.
     *
     * @param exchange the exchange
     * @param usage what the response said; fields it did not say are {@code null}
     */
    default void onUsage(Exchange exchange, Usage usage) {
    }

    /**
     * The exchange ended: the response is complete, was cut, or the client left.
     *
     * @param exchange the exchange
     * @param completion how it ended, with every attempt, the first byte and the usage
     */
    default void onComplete(Exchange exchange, Completion completion) {
    }
}
