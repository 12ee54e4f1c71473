package dev.switchboard.rules;

/**
 * The outcome of {@link Identity#identify}: a caller, or why there is none.
 *
 * @param caller the caller, or {@code null} on failure
 * @param failure why the request is rejected, or {@code null}
 * @param message a message that names no secret and no request content
 */
public record Identification(Caller caller, Failure failure, String message) {

    /** Why a request could not be identified. */
    public enum Failure {
        /** Keys are required and none matched: 401 {@code invalid_api_key}. */
        INVALID_API_KEY,
        /** The user path could not be normalized: 400 {@code invalid_user_path}. */
        INVALID_USER_PATH
    }

    static Identification of(Caller caller) {
        return new Identification(caller, null, null);
    }

    static Identification failure(Failure failure, String message) {
        return new Identification(null, failure, message);
    }

    /** @return whether a caller was identified */
    public boolean ok() {
        return failure == null;
    }
}
