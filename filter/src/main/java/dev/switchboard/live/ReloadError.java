package dev.switchboard.live;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Why the newest content of the config file or the admin store is not in use.
 *
 * @param at when it was found (by the holder's clock)
 * @param errors every error, one line each, with its file and YAML path
 */
public record ReloadError(Instant at, List<String> errors) {

    public ReloadError {
        Objects.requireNonNull(at, "at");
        errors = List.copyOf(errors);
    }
}
