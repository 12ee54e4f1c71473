package dev.switchboard.admin;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import java.util.Objects;

/**
 * An admin request refused: the row of the error table (SPEC sections 5 and 7) and its message argument.
 * An expected refusal that only ever becomes a response: carries no stack trace.
 */
public final class AdminException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ApiError error;
    private final String argument;

    /**
     * @param error the row
     * @param argument the row's message argument ({@code %s}), or {@code null} for a row without one
     */
    public AdminException(ApiError error, Object argument) {
        super(render(error, argument == null ? null : argument.toString()).message(), null, false, false);
        this.error = error;
        this.argument = argument == null ? null : argument.toString();
    }

    private static ErrorResponse render(ApiError error, String argument) {
        Objects.requireNonNull(error, "error");
        return argument == null ? error.with() : error.with(argument);
    }

    /** @return the row of the error table */
    public ApiError error() {
        return error;
    }

    /** @return the response to send: the row with its message */
    public ErrorResponse response() {
        return render(error, argument);
    }
}
