package dev.switchboard.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@code failover:} settings (SPEC section 11): what the bundled proxy retries on the next candidate, how
 * often, and the per-target circuit breaker. One set for the whole gateway: a breaker belongs to a target,
 * which several redirects may share, and what an upstream status means does not depend on the redirect. The
 * bare filter does not retry and ignores them.
 *
 * @param retryOn the upstream statuses that count as a failed attempt (429 and 5xx only: any other 4xx is the
 *     request's fault and is never retried); may be empty (then only connection failures and timeouts are)
 * @param maxAttempts how many upstream attempts one request may make, the first included
 * @param breakerFailures consecutive failed attempts that open a target's breaker; 0 turns breakers off
 * @param breakerOpenFor how long an open breaker skips its target before one request probes it
 */
public record FailoverSettings(List<Integer> retryOn, int maxAttempts, int breakerFailures, Duration breakerOpenFor) {

    /** Rate limited, and the server errors that say "try again" (529: Anthropic's "overloaded"). */
    public static final List<Integer> DEFAULT_RETRY_ON = List.of(429, 500, 502, 503, 504, 529);
    /** The chosen target and two more. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Five failures in a row: a burst of 429s or a provider outage, not one unlucky request. */
    public static final int DEFAULT_BREAKER_FAILURES = 5;
    /** Half a minute before one request probes the target again. */
    public static final Duration DEFAULT_BREAKER_OPEN_FOR = Duration.ofSeconds(30);
    /** The most attempts one request may make: each can take {@code upstream_connect_timeout} or longer. */
    public static final int MAX_MAX_ATTEMPTS = 10;

    /** Every default. */
    public static final FailoverSettings DEFAULT = new FailoverSettings(DEFAULT_RETRY_ON, DEFAULT_MAX_ATTEMPTS,
            DEFAULT_BREAKER_FAILURES, DEFAULT_BREAKER_OPEN_FOR);

    public FailoverSettings {
        retryOn = List.copyOf(retryOn);
        for (int status : retryOn) {
            if (!retryable(status)) {
                throw new IllegalArgumentException("retry_on takes 429 and 5xx statuses, but was " + status);
            }
        }
        if (maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
            throw new IllegalArgumentException("max_attempts must be between 1 and " + MAX_MAX_ATTEMPTS + ", but was "
                    + maxAttempts);
        }
        if (breakerFailures < 0) {
            throw new IllegalArgumentException("circuit_breaker.failures must be >= 0, but was " + breakerFailures);
        }
        Objects.requireNonNull(breakerOpenFor, "breakerOpenFor");
        if (breakerOpenFor.isNegative() || breakerOpenFor.isZero()) {
            throw new IllegalArgumentException("circuit_breaker.open_for must be > 0, but was " + breakerOpenFor);
        }
    }

    /**
     * @param status an upstream status
     * @return whether it is a failed attempt that the next candidate may take over (no allocation: a scan of a few)
     */
    public boolean retries(int status) {
        for (int i = 0; i < retryOn.size(); i++) {
            if (retryOn.get(i) == status) {
                return true;
            }
        }
        return false;
    }

    /** @return whether breakers are on ({@code circuit_breaker.failures} above 0) */
    public boolean breakers() {
        return breakerFailures > 0;
    }

    /**
     * @param status an HTTP status
     * @return whether {@code retry_on} may hold it: 429 or 5xx (SPEC section 11: no other 4xx is ever retried)
     */
    static boolean retryable(int status) {
        return status == 429 || (status >= 500 && status <= 599);
    }
}
