package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.RewritableBody;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Provider;
import java.util.List;

/**
 * The attempts of one request (SPEC section 11): which candidate is next, how many were made, until when a new
 * one may start. Candidates are taken in the exchange's order; one the caller may not use, one without a
 * configured provider and one whose breaker is open are skipped (never called).
 */
final class FailoverPlan {
    final Exchange exchange;
    final List<Candidate> candidates;
    final int maxAttempts;
    final long deadlineNanos;
    /** The request asked for a stream: its headers come at once, so their absence is a failure. */
    final boolean stream;
    private int next;
    private int made;
    /** A candidate was skipped because its breaker is open. */
    boolean skippedOpen;

    FailoverPlan(Exchange exchange) {
        this.exchange = exchange;
        this.candidates = exchange.candidates();
        SwitchboardConfig cfg = exchange.config();
        this.maxAttempts = exchange.body() == null ? 1 : cfg.failover().maxAttempts();
        // Bounded in time as well as in count: no attempt starts later than this after the first one (counted from
        // here, not from the request's arrival: a slow upload does not spend the attempts' time).
        this.deadlineNanos = System.nanoTime()
                + cfg.server().upstreamConnectTimeout().toNanos() * cfg.failover().maxAttempts();
        this.stream = candidates.size() > 1 && exchange.body() != null && exchange.body().asksForStream();
    }

    /** @return the number of the attempt that starts (1 for the first) */
    synchronized int started() {
        return ++made;
    }

    synchronized int made() {
        return made;
    }

    /**
     * @param breakers the node's breakers, looked at without taking a permit
     * @return whether another attempt could follow the current one: a later candidate {@link #next} would not skip
     *     (allowed, routable, and its breaker not open)
     */
    synchronized boolean mayFollow(TargetBreakers breakers) {
        return follows(breakers);
    }

    /**
     * @return whether another attempt could follow the current one once the breakers let it: a later candidate this
     *     caller may use, routable, and the count and time not used up (its breaker may be open now)
     */
    synchronized boolean mayEverFollow() {
        return follows(null);
    }

    /** @param breakers the breakers that must let a candidate through, or {@code null} to ask of none */
    private boolean follows(TargetBreakers breakers) {
        if (spent()) {
            return false;
        }
        for (int i = next; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            if (routable(c) != null && (breakers == null || !breakers.open(c))) {
                return true;
            }
        }
        return false;
    }

    /** @return whether no further attempt may start: the count or the time is used up */
    private boolean spent() {
        return made >= maxAttempts || System.nanoTime() - deadlineNanos >= 0;
    }

    /** @return the candidate's provider when it may be tried (this caller may use it, and it is routable), or null */
    private Provider routable(Candidate c) {
        Provider p = c.provider() == null ? null : exchange.config().rules().providers().get(c.provider());
        // A name that may not go upstream as written (a URL delimiter, ModelNames.sendable) is skipped, never sent.
        return c.allowed() && p != null && p.configured() && ModelNames.sendable(c.upstreamModel()) ? p : null;
    }

    /**
     * @param breakers the node's breakers
     * @param first whether this is the request's first attempt (the count and time bounds do not apply)
     * @return the next attempt to make, its breaker's permit taken, or {@code null} when there is none
     */
    synchronized Upstream next(TargetBreakers breakers, boolean first) {
        if (!first && spent()) {
            return null;
        }
        while (next < candidates.size()) {
            Candidate c = candidates.get(next++);
            Provider p = routable(c);
            if (p == null) {
                // Denied for this caller, or not routable: skipped, never called (SPEC section 11).
                continue;
            }
            TargetBreakers.Permit permit = breakers.acquire(c);
            if (permit == null) {
                skippedOpen = true;
                continue;
            }
            RewritableBody body = exchange.body();
            boolean chosen = next == 1;
            byte[] bytes = body == null ? null : chosen ? body.bytes() : body.withModel(c.upstreamModel());
            return new Upstream(this, c, p, permit, bytes, chosen);
        }
        return null;
    }
}
