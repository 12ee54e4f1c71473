package dev.switchboard.rules;

/** The verdict of a resolution; the filter maps each to a response (SPEC section 5). */
public enum Outcome {
    /** Forward to the concrete model. */
    ALLOWED,
    /** 403 {@code model_access_denied}: the policy admits other user paths only. */
    DENIED,
    /** 403 {@code model_access_denied}: disabled for everyone (a disabled policy, or default-off). */
    DISABLED,
    /** 404 {@code model_not_found}: no provider routes the concrete model. */
    NOT_FOUND,
    /** 503 {@code provider_unavailable}: the routed provider has no credentials. */
    PROVIDER_UNAVAILABLE
}
