package dev.switchboard.exchange;

import dev.switchboard.rules.Candidate;

/**
 * One try at an upstream (SPEC section 9): which candidate, what came back, how long it took.
 *
 * @param number 1 for the first attempt
 * @param candidate the candidate tried (provider, concrete and upstream model)
 * @param status the upstream's HTTP status, or 0 when none arrived
 * @param error the SPEC 5 code of a failure without a status ({@code upstream_unavailable},
 *     {@code upstream_timeout}), or why a response that had started was cut (the same codes, or
 *     {@code shutting_down}, {@link Completion#CLIENT_DISCONNECTED}, {@link Completion#CLIENT_TIMEOUT});
 *     {@code null} for a complete answer
 * @param durationNanos from sending the request to the end of the upstream's response (or the failure)
 */
public record Attempt(int number, Candidate candidate, int status, String error, long durationNanos) {
}
