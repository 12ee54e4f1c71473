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

    /**
     * Reads an admin request's body, up to {@code limit} bytes.
     *
     * @param request the request
     * @param limit how many bytes are wanted at most
     * @return the body
     * @throws AdminException 413 {@code request_too_large} when it is longer than {@code limit} (one declared longer is
     *     not read: the rest of the body stays unread, so the connection is to close); 408 {@code request_timeout} when
     *     the body stopped arriving (the body gate's timeout)
     * @throws java.io.IOException when it cannot be read otherwise
     */
    public static byte[] readBody(jakarta.servlet.http.HttpServletRequest request, int limit) throws java.io.IOException {
        if (request.getContentLengthLong() > limit) {
            // Refused before a byte of it is read: the bundled proxy does not hold such a body for this request either.
            throw new AdminException(ApiError.ADMIN_BODY_TOO_LARGE, limit);
        }
        try {
            byte[] body = request.getInputStream().readNBytes(limit + 1);
            if (body.length > limit) {
                throw new AdminException(ApiError.ADMIN_BODY_TOO_LARGE, limit);
            }
            return body;
        } catch (java.io.IOException e) {
            if (!ApiError.isTimeout(e)) {
                throw e;
            }
            throw new AdminException(ApiError.REQUEST_TIMEOUT, "the request body did not arrive in time");
        }
    }

    /** @return the row's message argument, or {@code null} */
    public String argument() {
        return argument;
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
