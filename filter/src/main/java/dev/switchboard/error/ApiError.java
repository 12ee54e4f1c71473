package dev.switchboard.error;

import dev.switchboard.rules.Identification;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Outcome;
import java.util.Locale;

/**
 * Every error the gateway answers with: SPEC section 5's table, row for row, plus the rows we added
 * where the spec is silent (each marked {@code spec = false} and listed in the README). A row is a
 * status, a type, a code and a message template ({@link String#format} with {@code %s} for the model
 * or provider name; nothing else from a request is ever put into a message).
 *
 * <p>The {@code for*} methods map each cause (resolver outcome, identity failure, upstream failure)
 * to a row; body failures carry their row themselves (the body readers are internal), and admin
 * refusals name theirs. {@link ErrorResponse} only renders.
 */
public enum ApiError {

    // ---- SPEC section 5 ---------------------------------------------------------------------------
    /** Body is not valid JSON / not an object. */
    INVALID_JSON(400, "invalid_request_error", "invalid_json", "request body must be a valid JSON object", null, true),
    /** No top-level {@code model}. */
    MISSING_MODEL(400, "invalid_request_error", "missing_model", "request body has no top-level model", "model", true),
    /** {@code model} not a string. */
    INVALID_MODEL(400, "invalid_request_error", "invalid_model", "model must be a string", "model", true),
    /** {@code model} key twice at top level (also via {@code \\u} escapes). */
    DUPLICATE_MODEL(400, "invalid_request_error", "duplicate_model",
            "model appears more than once in the request body", "model", true),
    /** Bad user-path header; the message says what is wrong with it. */
    INVALID_USER_PATH(400, "invalid_request_error", "invalid_user_path", "%s", null, true),
    /** Missing/unknown gateway key. */
    INVALID_API_KEY(401, "authentication_error", "invalid_api_key", "%s", null, true),
    /** Policy denies (path). */
    MODEL_ACCESS_DENIED(403, "permission_error", "model_access_denied",
            "requested model is not available for this caller", "model", true),
    /** Policy disables. */
    MODEL_DISABLED(403, "permission_error", "model_access_denied", "requested model is not available", "model", true),
    /** No provider for the concrete model. */
    MODEL_NOT_FOUND(404, "not_found_error", "model_not_found", "unsupported model: %s", "model", true),
    /** Provider declared but without credentials. */
    PROVIDER_UNAVAILABLE(503, "api_error", "provider_unavailable", "provider %s is not configured", null, true),
    /** Body over {@code max_request_bytes}; the message names the limit. */
    REQUEST_TOO_LARGE(413, "invalid_request_error", "request_too_large", "%s", null, true),
    /** Unsupported Content-Encoding; the message names it. */
    UNSUPPORTED_CONTENT_ENCODING(415, "invalid_request_error", "unsupported_content_encoding", "%s", null, true),
    /** Upstream unreachable / reset; {@code %s} is {@code provider NAME}. */
    UPSTREAM_UNAVAILABLE(502, "api_error", "upstream_unavailable", "%s is unreachable", null, true),
    /**
     * The upstream answered with something that is not valid HTTP (a header block over the gateway's bound, a malformed
     * status line); the first {@code %s} is {@code provider NAME}, the second the parser's reason in parentheses, or empty.
     */
    UPSTREAM_MALFORMED(502, "api_error", "upstream_unavailable", "%s answered with a response that is not valid HTTP%s",
            null, false),
    /**
     * The upstream answered with a valid response the gateway does not pass on (a redirect, a protocol switch, a status
     * HTTP does not define, a transfer coding other than chunked, a refusal of the gateway's credentials); the first
     * {@code %s} is {@code provider NAME}, the second what it answered.
     */
    UPSTREAM_REFUSED(502, "api_error", "upstream_unavailable", "%s answered %s", null, false),
    /**
     * The TLS handshake with the upstream failed (a certificate the JVM does not trust, one for another host, an
     * expired one); the first {@code %s} is {@code provider NAME}, the second the reason the TLS stack gave.
     */
    UPSTREAM_TLS(502, "api_error", "upstream_unavailable", "%s is unreachable: the TLS handshake failed (%s)", null,
            false),
    /** Upstream silent past the idle timeout; {@code %s} is {@code provider NAME}. */
    UPSTREAM_TIMEOUT(504, "api_error", "upstream_timeout", "%s did not answer in time", null, true),

    // ---- ours, where SPEC section 5 is silent ------------------------------------------------------
    /** An empty {@code model} string. */
    EMPTY_MODEL(400, "invalid_request_error", "invalid_model", "model must be a non-empty string", "model", false),
    /** An undecodable gzip/deflate body, a broken or missing multipart form; the message says which. */
    INVALID_BODY(400, "invalid_request_error", "invalid_body", "%s", null, false),
    /** A model name over the length limit (SPEC section 15), which is fixed: no argument. */
    MODEL_TOO_LONG(400, "invalid_request_error", "invalid_model",
            "model names are at most " + ModelNames.MAX_LENGTH + " characters", "model", false),
    /** A model name with a space, control or invisible character an upstream could strip or split (SPEC section 15). */
    MODEL_UNUSABLE(400, "invalid_request_error", "invalid_model", ModelNames.UNUSABLE, "model", false),
    /** A model name that would go upstream as written holds a URL delimiter ({@link ModelNames#sendable}). */
    MODEL_UNSENDABLE(400, "invalid_request_error", "invalid_model", ModelNames.URL_DELIMITER, "model", false),
    /** A request the upstream parsers could read differently from the gateway (SPEC section 15); the message says how. */
    INVALID_REQUEST(400, "invalid_request_error", "invalid_request", "%s", null, false),
    /** The models of one request route to different providers; {@code %s} names them. */
    MIXED_PROVIDERS(400, "invalid_request_error", "mixed_providers",
            "the models in this request route to different providers (%s)", null, false),
    /** A request without a model to a provider whose policies deny the caller every model. */
    PROVIDER_ACCESS_DENIED(403, "permission_error", "model_access_denied",
            "requests without a model to this provider are not available for this caller", null, false),
    /** {@code X-Switchboard-Provider} names no declared provider. */
    UNKNOWN_PROVIDER(400, "invalid_request_error", "unknown_provider",
            "X-Switchboard-Provider names no declared provider", null, false),
    /** {@code POST /v1/feedback} with a body that is not {@code {request_id, score, comment?}} (SPEC section 10). */
    INVALID_FEEDBACK(400, "invalid_request_error", "invalid_feedback", "%s", null, false),
    /** Feedback for a request id this node does not know for the caller, or whose feedback time passed. */
    FEEDBACK_NOT_FOUND(404, "not_found_error", "request_not_found",
            "no exchange with this request id is open for feedback (unknown, another caller's, or expired)", null, false),
    /** A second score for one exchange. */
    FEEDBACK_CONFLICT(409, "conflict_error", "already_scored", "this exchange was scored already", null, false),
    /** Feedback for an exchange still under way (a stream not yet ended). */
    FEEDBACK_TOO_EARLY(409, "conflict_error", "request_in_progress",
            "this exchange has not ended yet; score it once its answer has ended", null, false),
    /** A path the bundled proxy does not serve (SPEC section 15, paths). */
    UNKNOWN_PATH(404, "not_found_error", "unknown_path", "this gateway does not serve this path", null, false),
    /** A realtime WebSocket where nothing behind the filter proxies one (the WAR, the filter in a webapp). */
    REALTIME_NOT_SUPPORTED(501, "api_error", "not_implemented",
            "the realtime API's WebSocket sessions are proxied by the bundled proxy (switchboard.jar) only, not by this"
                    + " deployment", null, false),
    /** A request without a model and no {@code default_provider} to take it. */
    NO_DEFAULT_PROVIDER(404, "not_found_error", "model_not_found",
            "no default_provider is configured for requests without a model", null, false),
    /** {@code GET /v1/models/{id}} for an id the caller's list does not hold. */
    LISTED_MODEL_NOT_FOUND(404, "not_found_error", "model_not_found", "unsupported model: %s", null, false),
    /** A 200 {@code /v1/models} answer that cannot be read (so cannot be shaped for the caller). */
    MODELS_LIST_UNREADABLE(502, "api_error", "upstream_unavailable", "the model list from upstream could not be read",
            null, false),
    /**
     * The upstream closed or reset a response that had started; sent as an SSE {@code error} event before the
     * cut when a stream stops between events. {@code %s} is {@code provider NAME}.
     */
    UPSTREAM_CUT(502, "api_error", "upstream_unavailable", "%s ended the response before it was complete", null, false),
    /**
     * Every candidate the caller may use has its circuit breaker open, or half-open with its one probe under way: nothing
     * is called. {@code %s} names each and its breaker's state.
     */
    BREAKERS_OPEN(502, "api_error", "upstream_unavailable", "no candidate may be called now: %s", null, false),
    /** The upstream went silent past the idle timeout in the middle of a response; as {@link #UPSTREAM_CUT}. */
    UPSTREAM_STALLED(504, "api_error", "upstream_timeout", "%s went silent in the middle of the response", null, false),
    /** The gateway stopped (SIGTERM) and its drain time ran out before this response was complete. */
    SHUTTING_DOWN(503, "api_error", "shutting_down", "the gateway shut down before the response was complete", null,
            false),
    /**
     * A request that came on a kept-alive connection after the gateway's drain began (SIGTERM): not sent upstream, since
     * the drain would cut its answer; sent again, it reaches a node that serves (this one no longer accepts connections).
     */
    STOPPING(503, "api_error", "shutting_down", "the gateway is shutting down and takes no new requests; send it again",
            null, false),
    /** The request body stopped arriving (SPEC section 15, {@code server.request_body_timeout}); {@code %s} says how. */
    REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout", "%s", null, false),
    /** A failure inside the gateway itself: never a stack trace. */
    INTERNAL_ERROR(500, "api_error", "internal_error", "internal error in the gateway", null, false),
    /** An HTTP-level rejection by the server before any Switchboard code ran (a malformed URI, say). */
    HTTP_CLIENT_ERROR(0, "invalid_request_error", "invalid_request", "%s", null, false),
    /** A server error before any Switchboard code ran. */
    HTTP_SERVER_ERROR(0, "api_error", "internal_error", "%s", null, false),

    // ---- the admin API (SPEC section 7) ------------------------------------------------------------
    /** The admin API is off (no {@code admin.token}), or no such admin endpoint. */
    ADMIN_NOT_FOUND(404, "not_found_error", "not_found", "%s", null, false),
    /** A wrong or missing admin token. */
    INVALID_ADMIN_TOKEN(401, "authentication_error", "invalid_admin_token", "missing or invalid admin token", null, false),
    /**
     * A dashboard request its session may not make: a write without the session's CSRF token, or from another
     * origin; {@code %s} says which.
     */
    ADMIN_FORBIDDEN(403, "permission_error", "forbidden", "%s", null, false),
    /** A method the admin endpoint does not take; {@code %s} lists the allowed ones. */
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", "method not allowed; use %s", null, false),
    /** A write the validation refuses; the message is {@code validate}'s. */
    INVALID_VIRTUAL_MODEL(400, "invalid_request_error", "invalid_virtual_model", "%s", null, false),
    /** An admin request body that is not a JSON object. */
    INVALID_ADMIN_BODY(400, "invalid_request_error", "invalid_virtual_model",
            "request body must be a JSON object, nested at most 64 deep", null, false),
    /** An admin request body over the admin limit. */
    ADMIN_BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large", "request body is larger than %s bytes", null,
            false),
    /** Rename or delete of a source the store does not hold. */
    VIRTUAL_MODEL_NOT_FOUND(404, "not_found_error", "virtual_model_not_found", "virtual model not found: %s", null, false),
    /** A write to a config-file row, or a rename onto an existing source. */
    CONFLICT(409, "conflict_error", "conflict", "%s", null, false),
    /** {@code If-Match} no longer matches the store. */
    STALE_ETAG(412, "precondition_failed", "stale_etag", "%s", null, false),
    /** The admin store could not be read or written (nothing changed). */
    STORE_WRITE_FAILED(500, "api_error", "store_write_failed", "the admin store could not be written: %s", null, false),
    /**
     * The admin store cannot be reached (a database that is down, SPEC section 12): nothing was written and the
     * node keeps serving its last good rules; {@code %s} names the store and says why.
     */
    STORE_UNAVAILABLE(503, "api_error", "store_unavailable", "the admin store is unavailable: %s", null, false),
    /** The bundled proxy listens before its webapp is up: a request in that moment (about a second) gets this. */
    STARTING(503, "api_error", "starting", "the gateway is starting; retry in a moment", null, false),
    /**
     * The bundled proxy holds as many bytes of request bodies at once as its memory allows ({@link HeldBodiesFull}):
     * this body was not taken in; {@code %s} says so.
     */
    OVERLOADED(503, "api_error", "overloaded", "%s", null, false);

    private final int status;
    private final String type;
    private final String code;
    private final String template;
    private final String param;
    private final boolean spec;

    ApiError(int status, String type, String code, String template, String param, boolean spec) {
        this.status = status;
        this.type = type;
        this.code = code;
        this.template = template;
        this.param = param;
        this.spec = spec;
    }

    /** @return the HTTP status; 0 for the two rows whose status is the server's own */
    public int status() {
        return status;
    }

    /** @return the error type ({@code invalid_request_error}, ...) */
    public String type() {
        return type;
    }

    /** @return the error code ({@code model_not_found}, ...) */
    public String code() {
        return code;
    }

    /** @return the message template; {@code %s} is the one argument */
    public String template() {
        return template;
    }

    /** @return the offending parameter ({@code model}), or {@code null} */
    public String param() {
        return param;
    }

    /** @return whether this row is one of SPEC section 5's table */
    public boolean spec() {
        return spec;
    }

    /**
     * @param arg the template's argument (a model or provider name, a limit), or nothing when it has none
     * @return the response for this row
     */
    public ErrorResponse with(Object... arg) {
        String message = template.contains("%s") ? String.format(Locale.ROOT, template, arg) : template;
        return new ErrorResponse(status, type, code, message, param);
    }

    /**
     * @param status the server's own status (for the two HTTP rows)
     * @param message the message
     * @return the response
     */
    public ErrorResponse withStatus(int status, String message) {
        return new ErrorResponse(status, type, code, message, param);
    }

    // ---- the one mapping of causes --------------------------------------------------------------

    /**
     * @param outcome a resolver verdict
     * @return its row, or {@code null} for {@link Outcome#ALLOWED}
     */
    public static ApiError forOutcome(Outcome outcome) {
        return switch (outcome) {
            case ALLOWED -> null;
            case DENIED -> MODEL_ACCESS_DENIED;
            case DISABLED -> MODEL_DISABLED;
            case NOT_FOUND -> MODEL_NOT_FOUND;
            case PROVIDER_UNAVAILABLE -> PROVIDER_UNAVAILABLE;
        };
    }

    /**
     * @param failure why a caller could not be identified
     * @return its row
     */
    public static ApiError forIdentity(Identification.Failure failure) {
        return switch (failure) {
            case INVALID_API_KEY -> INVALID_API_KEY;
            case INVALID_USER_PATH -> INVALID_USER_PATH;
        };
    }

    /**
     * @param timeout whether the upstream was silent past the idle timeout (else unreachable or reset)
     * @return its row
     */
    public static ApiError forUpstream(boolean timeout) {
        return timeout ? UPSTREAM_TIMEOUT : UPSTREAM_UNAVAILABLE;
    }

    /**
     * @param timeout whether the upstream went silent past the idle timeout (else it closed or reset)
     * @return the row of a response that had started when the upstream failed
     */
    public static ApiError forCut(boolean timeout) {
        return timeout ? UPSTREAM_STALLED : UPSTREAM_CUT;
    }

    /**
     * @param failure why a read of a request body failed
     * @return whether the bundled proxy did not take the body in ({@link HeldBodiesFull}), anywhere in its causes
     */
    public static boolean isHeldBodiesFull(Throwable failure) {
        return anyCause(failure, t -> t instanceof HeldBodiesFull);
    }

    /**
     * A request body the bundled proxy did not take in: the bodies it holds at once would pass its bound (an eighth of
     * the heap, one body always), and many large ones at once must not run the heap out. Stackless.
     */
    public static final class HeldBodiesFull extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        /** What the client is told, in {@link ApiError#OVERLOADED}. */
        public static final String MESSAGE =
                "the gateway holds as many request bodies at once as its memory allows; retry in a moment";

        /** The body was not taken in. */
        public HeldBodiesFull() {
            super(MESSAGE);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * @param failure why a read, a write or a wait failed
     * @return whether it was a timeout: a {@link java.util.concurrent.TimeoutException} (Jetty's idle
     *     timeouts) or an {@link java.io.InterruptedIOException} such as {@link java.net.SocketTimeoutException}
     *     (Tomcat, the JDK) anywhere in its chain of causes
     */
    public static boolean isTimeout(Throwable failure) {
        return anyCause(failure, t -> t instanceof java.util.concurrent.TimeoutException
                || t instanceof java.io.InterruptedIOException);
    }

    /** @return whether the failure or one of its causes is {@code what} */
    private static boolean anyCause(Throwable failure, java.util.function.Predicate<Throwable> what) {
        Throwable t = failure;
        // Bounded: a chain of causes can loop.
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (what.test(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param status a server-side HTTP status Jetty or the container chose itself
     * @return the row for it
     */
    public static ApiError forHttpStatus(int status) {
        // The statuses the gateway answers itself elsewhere keep their codes (a client tells them apart by code).
        return switch (status) {
            case 404 -> UNKNOWN_PATH;
            case 405 -> METHOD_NOT_ALLOWED;
            case 408 -> REQUEST_TIMEOUT;
            case 413 -> REQUEST_TOO_LARGE;
            default -> status >= 400 && status < 500 ? HTTP_CLIENT_ERROR : HTTP_SERVER_ERROR;
        };
    }
}
