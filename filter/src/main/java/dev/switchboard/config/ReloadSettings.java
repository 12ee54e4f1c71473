package dev.switchboard.config;

import java.time.Duration;

/**
 * {@code reload:} settings.
 *
 * @param pollInterval how often files are polled as a fallback to file-system events
 */
public record ReloadSettings(Duration pollInterval) {

    /** Two seconds: with event delivery and debounce, a valid change is live within 3 s. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

    /** The shortest poll taken: each look reads the config file and the admin store (a database's revision). */
    public static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

    /** Every default. */
    public static final ReloadSettings DEFAULT = new ReloadSettings(DEFAULT_POLL_INTERVAL);
}
