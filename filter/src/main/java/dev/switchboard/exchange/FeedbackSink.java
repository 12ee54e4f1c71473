package dev.switchboard.exchange;

import dev.switchboard.rules.Caller;

/**
 * Takes the scores of {@code POST /v1/feedback} (SPEC section 10). A listener given to the filter that
 * also implements this interface receives them; without one the filter answers {@code /v1/feedback} 404
 * like any path it does not serve. Thread-safe.
 */
public interface FeedbackSink {

    /** What became of a score. */
    enum Result {
        /** Attached to the exchange it names. */
        RECORDED,
        /** No exchange of this caller with that request id is known (never seen, or its feedback time passed). */
        UNKNOWN,
        /** That exchange was scored already. */
        ALREADY_SCORED,
        /** That exchange has not ended yet (a stream still under way): score it once its answer has ended. */
        IN_PROGRESS
    }

    /**
     * @param feedback the score
     * @param caller who sends it: a score is taken only for an exchange of the same caller
     * @return what became of it
     */
    Result accept(Feedback feedback, Caller caller);
}
