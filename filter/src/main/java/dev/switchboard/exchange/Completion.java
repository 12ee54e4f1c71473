package dev.switchboard.exchange;

import java.util.List;

/**
 * How an exchange ended (SPEC section 9).
 *
 * @param status the status the client got (0 when the client left before any)
 * @param errorCode the SPEC 5 code the gateway answered with ({@code model_access_denied},
 *     {@code upstream_unavailable}, ...), or {@code null} when the response is the upstream's own
 * @param attempts every upstream attempt, in order; empty when none was made
 * @param durationNanos the whole exchange
 * @param firstByteNanos time to the first response byte, or -1 when unknown (none sent, or not observed)
 * @param usage usage read from the response, or {@link Usage#UNKNOWN}
 */
public record Completion(int status, String errorCode, List<Attempt> attempts, long durationNanos,
                         long firstByteNanos, Usage usage) {

    public Completion {
        attempts = List.copyOf(attempts);
    }
}
