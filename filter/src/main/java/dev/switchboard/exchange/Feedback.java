package dev.switchboard.exchange;

/**
 * A score a client gives an earlier exchange (SPEC section 10, {@code POST /v1/feedback}).
 *
 * @param requestId the {@code X-Switchboard-Request-Id} of the exchange it scores
 * @param score from 0 (bad) to 1 (good); {@code true} is 1, {@code false} 0
 * @param comment the client's comment, at most {@link #MAX_COMMENT} characters (code points; longer ones are cut), or
 *     {@code null}; kept only in the access log
 */
public record Feedback(String requestId, double score, String comment) {

    /** The longest comment kept. */
    public static final int MAX_COMMENT = 500;

    public Feedback {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be between 0 and 1, was " + score);
        }
        if (comment != null && comment.length() > MAX_COMMENT && comment.codePointCount(0, comment.length()) > MAX_COMMENT) {
            // Characters, not UTF-16 units: a cut inside a pair (an emoji) left half of it, which no UTF-8 can hold.
            comment = comment.substring(0, comment.offsetByCodePoints(0, MAX_COMMENT));
        }
    }
}
