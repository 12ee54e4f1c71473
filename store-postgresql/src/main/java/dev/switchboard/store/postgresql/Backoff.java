package dev.switchboard.store.postgresql;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Pauses between attempts to reach a database that is down: {@link #FIRST}, then doubling up to a cap (the
 * node's {@code reload.poll_interval}), each with up to 20% taken off at random so that many nodes do not
 * knock in step. Not thread-safe: one per connection owner.
 */
final class Backoff {

    /** The first pause. */
    static final Duration FIRST = Duration.ofMillis(100);

    private Duration next = FIRST;

    /**
     * @param cap the longest pause
     * @return the pause before the next attempt
     */
    Duration next(Duration cap) {
        Duration max = cap.compareTo(FIRST) < 0 ? FIRST : cap;
        Duration pause = next.compareTo(max) > 0 ? max : next;
        next = pause.multipliedBy(2);
        long millis = pause.toMillis();
        return Duration.ofMillis(millis - ThreadLocalRandom.current().nextLong(millis / 5 + 1));
    }

    /** The database answered: the next outage starts from {@link #FIRST} again. */
    void reset() {
        next = FIRST;
    }
}
