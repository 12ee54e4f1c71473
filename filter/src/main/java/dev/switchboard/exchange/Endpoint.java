package dev.switchboard.exchange;

/** What kind of request an exchange is (SPEC section 3), decided from its method and normalized path. */
public enum Endpoint {
    /** A JSON body with a top-level {@code model}. */
    JSON_MODEL,
    /** A multipart form with a {@code model} field (audio transcription/translation). */
    MULTIPART_MODEL,
    /** {@code GET /v1/models}. */
    MODELS,
    /** {@code GET /v1/models/{id}}. */
    MODEL,
    /** Anything else: no model in it; it goes to {@code default_provider} in the bundled proxy. */
    OTHER;

    /** @return whether requests of this kind carry a model in their body */
    public boolean carriesModel() {
        return this == JSON_MODEL || this == MULTIPART_MODEL;
    }
}
