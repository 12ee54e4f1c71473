package dev.switchboard.rules;

/**
 * A user path that cannot be normalized. Expected input error: carries no stack trace.
 */
public final class InvalidUserPathException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    InvalidUserPathException(String reason) {
        super(reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
