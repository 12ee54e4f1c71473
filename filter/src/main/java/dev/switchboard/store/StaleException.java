package dev.switchboard.store;

/**
 * An admin write whose {@code If-Match} no longer matches the store (it changed since the client read
 * it): answered with 412, nothing written. An expected refusal: carries no stack trace.
 */
public final class StaleException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what the client is told
     */
    public StaleException(String message) {
        super(message, null, false, false);
    }
}
