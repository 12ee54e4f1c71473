package dev.switchboard.config;

import java.time.Duration;

/**
 * {@code experiments:} settings (SPEC section 10).
 *
 * @param window how long a redirect whose target changed is compared before/after (its old target's
 *     numbers are kept this long after the change)
 * @param feedbackTtl how long after an exchange {@code POST /v1/feedback} may score it
 */
public record ExperimentsSettings(Duration window, Duration feedbackTtl) {

    /** A week: long enough to compare a change over weekdays and a weekend. */
    public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);
    /** A day: users rate an answer soon after they got it. */
    public static final Duration DEFAULT_FEEDBACK_TTL = Duration.ofDays(1);

    /** Every default. */
    public static final ExperimentsSettings DEFAULT = new ExperimentsSettings(DEFAULT_WINDOW, DEFAULT_FEEDBACK_TTL);
}
