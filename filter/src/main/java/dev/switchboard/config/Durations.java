package dev.switchboard.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in the config: {@code 500ms}, {@code 2s}, {@code 10m}, {@code 1h}, {@code 7d}, or whole seconds. */
final class Durations {

    /**
     * The longest duration a setting may have: a year. Every deadline (now in nanoseconds plus a duration, times the
     * attempts of a failover) stays far from {@code long}'s end, which a duration of 293 years passes on its own.
     */
    static final Duration MAX = Duration.ofDays(365);

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)?");

    private Durations() {
    }

    /** @return the duration, or {@code null} when the text is not one */
    static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** @return an exact form: whole days as {@code 7d}, else {@code 600s} or {@code 500ms} */
    static String format(Duration d) {
        long millis = d.toMillis();
        if (millis > 0 && millis % 86_400_000 == 0) {
            return (millis / 86_400_000) + "d";
        }
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
