package dev.switchboard.exchange;

import java.util.List;

/**
 * How an exchange ended (SPEC section 9). An exchange is an error when {@link #errorCode()} is set: the
 * gateway answered with one of its own errors, or the response was {@link #cut()}.
 *
 * @param status the status the client got (0 when the client left before any)
 * @param errorCode the SPEC 5 code the gateway answered with ({@code model_access_denied},
 *     {@code upstream_unavailable}, ...); for a cut response why it was cut ({@code upstream_unavailable}:
 *     the upstream closed or reset its response, {@code upstream_timeout}: it went silent past the idle
 *     timeout, {@code shutting_down}: the gateway stopped and its drain time ran out,
 *     {@link #CLIENT_DISCONNECTED}, {@link #CLIENT_TIMEOUT}); {@link #UPSTREAM_ERROR_EVENT} for an upstream's answer
 *     that began as a success and carried an error instead of its content; {@code null} when the response is the
 *     upstream's own, complete
 * @param cut whether the response started ({@code status} and some of the body reached the client) but did
 *     not end: the client saw the connection end without the end of the body
 * @param attempts every upstream attempt, in order; empty when none was made
 * @param durationNanos the whole exchange
 * @param firstByteNanos time to the first response byte, or -1 when unknown (none sent, or not observed)
 * @param usage usage read from the response, or {@link Usage#UNKNOWN}
 * @param feedback for {@code POST /v1/feedback}, the score it gave, else {@code null}
 */
public record Completion(int status, String errorCode, boolean cut, List<Attempt> attempts, long durationNanos,
                         long firstByteNanos, Usage usage, Feedback feedback) {

    /** {@link #errorCode()} of a response cut because the client went away (a write to it failed). */
    public static final String CLIENT_DISCONNECTED = "client_disconnected";
    /** {@link #errorCode()} of a response cut because the client read nothing for its connection's idle timeout. */
    public static final String CLIENT_TIMEOUT = "client_timeout";
    /**
     * {@link #errorCode()} of an upstream's answer that began as a success (200) and carried an error in place of its
     * content ({@link Usage#errorEvent()}): the client got it as sent, the exchange failed all the same.
     */
    public static final String UPSTREAM_ERROR_EVENT = "upstream_error_event";

    public Completion {
        attempts = List.copyOf(attempts);
    }
}
