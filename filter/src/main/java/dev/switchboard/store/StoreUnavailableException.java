package dev.switchboard.store;

import java.io.IOException;

/**
 * The admin store cannot be reached (a database that is down or refuses the connection): nothing was written,
 * the node keeps serving its last good rules, and the admin API answers 503 {@code store_unavailable}
 * (SPEC section 12). The message names the store and says why, never with a credential. Expected while a
 * database is down: carries no stack trace.
 */
public final class StoreUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the store and why it cannot be reached
     */
    public StoreUnavailableException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
