package dev.switchboard.exchange;

/** What kind of request an exchange is (SPEC sections 3 and 15), decided from its method and canonical path. */
public enum Endpoint {
    /** A JSON body with model names (top-level {@code model}, and others where the API puts them). */
    JSON_MODEL,
    /** A multipart form with a {@code model} field (audio, image edits and variations). */
    MULTIPART_MODEL,
    /** {@code POST /v1/files}: a batch file's lines carry models. */
    FILE_UPLOAD,
    /** {@code GET /v1/models}. */
    MODELS,
    /** {@code GET /v1/models/{id}}. */
    MODEL,
    /** A known API path without a model (stored objects): it goes to {@code default_provider} or the named one. */
    OTHER,
    /** A path none of the served APIs has: refused by the bundled proxy, left to the host app by the bare filter. */
    UNKNOWN,
    /** {@code POST /v1/feedback}: answered by the gateway, never sent upstream. */
    FEEDBACK,
    /** {@code GET /v1/realtime}: a WebSocket, one exchange from its opening to its close (the bundled proxy). */
    REALTIME
}
