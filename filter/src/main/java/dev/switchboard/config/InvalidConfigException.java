package dev.switchboard.config;

import java.util.List;

/**
 * A configuration that cannot be used. Every error names the YAML path and the bad value, e.g.
 * {@code virtual_models[2].targets[0].weight: must be > 0, was -1}. Expected input error: carries no
 * stack trace.
 */
public final class InvalidConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The errors, one line each; serializable as they are plain strings. */
    private final List<String> errors;

    /**
     * @param errors at least one error message
     */
    public InvalidConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    /** @return every error found, in document order where possible */
    public List<String> errors() {
        return errors;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
