package dev.switchboard.error;

import dev.switchboard.exchange.RequestIds;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Renders one error (a row of {@link ApiError} with its message) as an HTTP response (SPEC section
 * 5): OpenAI shape {@code {"error":{"message","type","param","code"}}}, or on {@code /v1/messages*} the
 * Anthropic shape {@code {"type":"error","error":{"type","message"}}}. Build instances with
 * {@link ApiError#with}; messages never echo request content other than the model name.
 *
 * @param status the HTTP status
 * @param type the error type
 * @param code the error code
 * @param message the human message
 * @param param the offending parameter ({@code model}), or {@code null}
 */
public record ErrorResponse(int status, String type, String code, String message, String param) {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * @param where which field or line of the request is at fault ({@code tools[1].model}, {@code line 3
     *     of the batch file}); never request content
     * @return this error with {@code where} appended to its message
     */
    public ErrorResponse at(String where) {
        return new ErrorResponse(status, type, code, message + " (" + where + ")", param);
    }

    /**
     * @param anthropic whether to use the Anthropic shape
     * @return the JSON body
     */
    public byte[] body(boolean anthropic) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            if (anthropic) {
                g.writeStringProperty("type", "error");
                g.writeName("error");
                g.writeStartObject();
                g.writeStringProperty("type", type);
                g.writeStringProperty("message", message);
                g.writeEndObject();
            } else {
                g.writeName("error");
                g.writeStartObject();
                g.writeStringProperty("message", message);
                g.writeStringProperty("type", type);
                g.writeStringProperty("param", param);
                g.writeStringProperty("code", code);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * Writes this error, replacing anything not yet committed. The exchange's id ({@code X-Switchboard-Request-Id},
     * when set) goes in the header the caller's SDK reads a request id from, as a provider's own error carries its
     * own: {@code x-request-id} (the OpenAI SDKs' {@code requestID}), or {@code request-id} in the Anthropic shape.
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
        String id = response.getHeader(RequestIds.RESPONSE_HEADER);
        if (id != null) {
            response.setHeader(anthropic ? "request-id" : "x-request-id", id);
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }
}
