package dev.switchboard.config;

/**
 * {@code observability:} settings (SPEC sections 9 and 13).
 *
 * @param accessLog whether every exchange writes one JSON line to the logger {@code dev.switchboard.access};
 *     {@code null} when the file does not say: on in the bundled proxy and the WAR, off in the bare filter
 * @param metricsPath where the bundled proxy and the WAR serve Prometheus metrics ({@code /metrics})
 * @param metricsToken the bearer token {@code GET /metrics} requires; empty = none
 */
public record ObservabilitySettings(Boolean accessLog, String metricsPath, String metricsToken) {

    /** Where Prometheus scrapes. */
    public static final String DEFAULT_METRICS_PATH = "/metrics";
    /** No token: {@code /metrics} is open, as Prometheus scrapes usually are on a private network. */
    public static final String DEFAULT_METRICS_TOKEN = "";

    /** Every default. */
    public static final ObservabilitySettings DEFAULT = new ObservabilitySettings(null, DEFAULT_METRICS_PATH,
            DEFAULT_METRICS_TOKEN);

    /**
     * @param whenUnset what applies where the file does not say ({@code true} in the bundled proxy)
     * @return whether the access log is on
     */
    public boolean accessLogOr(boolean whenUnset) {
        return accessLog == null ? whenUnset : accessLog;
    }
}
