package dev.switchboard.servlet;

import dev.switchboard.body.JsonStrings;
import dev.switchboard.rules.Decision;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one place that turns a rejection into an HTTP response (SPEC section 5): OpenAI shape
 * {@code {"error":{"message","type","param","code"}}}, or on {@code /v1/messages*} the Anthropic shape
 * {@code {"type":"error","error":{"type","message"}}}. Messages never echo request content other
 * than the model name.
 *
 * @param status the HTTP status
 * @param type the error type
 * @param code the error code
 * @param message the human message
 * @param param the offending parameter ({@code model}), or {@code null}
 */
public record ErrorResponse(int status, String type, String code, String message, String param) {

    static ErrorResponse invalidRequest(String code, String message, String param) {
        return new ErrorResponse(400, "invalid_request_error", code, message, param);
    }

    /**
     * The response for a resolver decision (SPEC section 5): the one mapping of outcomes to statuses.
     *
     * @param decision a decision
     * @return the error, or {@code null} when the decision allows the request
     */
    public static ErrorResponse forDecision(Decision decision) {
        return switch (decision.outcome()) {
            case ALLOWED -> null;
            case DENIED -> new ErrorResponse(403, "permission_error", "model_access_denied",
                    "requested model is not available for this caller", "model");
            case DISABLED -> new ErrorResponse(403, "permission_error", "model_access_denied",
                    "requested model is not available", "model");
            case NOT_FOUND -> modelNotFound(decision.concrete(), "model");
            case PROVIDER_UNAVAILABLE -> providerUnavailable(decision.provider());
        };
    }

    /**
     * @param model the model nothing routes or lists
     * @param param the offending parameter, or {@code null}
     * @return 404 {@code model_not_found}
     */
    public static ErrorResponse modelNotFound(String model, String param) {
        return new ErrorResponse(404, "not_found_error", "model_not_found", "unsupported model: " + model, param);
    }

    /**
     * @param provider a declared provider without credentials
     * @return 503 {@code provider_unavailable}
     */
    public static ErrorResponse providerUnavailable(String provider) {
        return new ErrorResponse(503, "api_error", "provider_unavailable", "provider " + provider + " is not configured", null);
    }

    /**
     * @param anthropic whether to use the Anthropic shape
     * @return the JSON body
     */
    public byte[] body(boolean anthropic) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        if (anthropic) {
            write(out, "{\"type\":\"error\",\"error\":{\"type\":");
            out.writeBytes(JsonStrings.quote(type));
            write(out, ",\"message\":");
            out.writeBytes(JsonStrings.quote(message));
            write(out, "}}");
        } else {
            write(out, "{\"error\":{\"message\":");
            out.writeBytes(JsonStrings.quote(message));
            write(out, ",\"type\":");
            out.writeBytes(JsonStrings.quote(type));
            write(out, ",\"param\":");
            if (param == null) {
                write(out, "null");
            } else {
                out.writeBytes(JsonStrings.quote(param));
            }
            write(out, ",\"code\":");
            out.writeBytes(JsonStrings.quote(code));
            write(out, "}}");
        }
        return out.toByteArray();
    }

    /**
     * Writes this error, replacing anything not yet committed.
     *
     * @param response the response
     * @param anthropic whether to use the Anthropic shape
     * @throws IOException when the client is gone
     */
    public void send(HttpServletResponse response, boolean anthropic) throws IOException {
        byte[] body = body(anthropic);
        if (!response.isCommitted()) {
            response.resetBuffer();
        }
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    private static void write(ByteArrayOutputStream out, String ascii) {
        out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
    }
}
