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
    /** Whether the configuration was not judged because its admin store could not be read (a database down). */
    private final boolean storeUnreadable;

    /**
     * @param errors at least one error message
     */
    public InvalidConfigException(List<String> errors) {
        this(errors, false);
    }

    private InvalidConfigException(List<String> errors, boolean storeUnreadable) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
        this.storeUnreadable = storeUnreadable;
    }

    /**
     * @param errors why the admin store cannot be read, naming it
     * @return a configuration not judged because its admin store cannot be read: not an invalid one
     */
    public static InvalidConfigException storeUnreadable(List<String> errors) {
        return new InvalidConfigException(errors, true);
    }

    /** @return whether the configuration was not judged because its admin store cannot be read (a database down) */
    public boolean storeUnreadable() {
        return storeUnreadable;
    }

    /**
     * @param config the config file's name, or what stands for it
     * @return what went wrong, in words to head the errors with: {@code invalid configuration FILE}, or {@code the
     *     admin store of FILE cannot be read} (a database down is no fault of the file)
     */
    public String headline(Object config) {
        return storeUnreadable ? "the admin store of " + config + " cannot be read" : "invalid configuration " + config;
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
