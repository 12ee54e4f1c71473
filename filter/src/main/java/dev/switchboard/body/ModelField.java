package dev.switchboard.body;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.json.JsonTree;
import java.nio.charset.StandardCharsets;

/**
 * Where a request body's top-level {@code model} is, or why it cannot be used (SPEC section 5's
 * 400 rows). A found field can be replaced byte-exactly with {@link #splice}: every byte outside the
 * value is kept, numbers and whitespace included.
 *
 * @param status what was found
 * @param model the decoded model value when {@link Status#FOUND}, else {@code null}
 * @param start offset of the value's first byte (the opening quote, or the first byte of a form field's value)
 * @param end offset just past the value's last byte
 * @param quoted whether the value is a JSON string (its replacement must be JSON-escaped and quoted)
 */
public record ModelField(Status status, String model, int start, int end, boolean quoted) {

    /** Why a body does or does not carry a usable model. */
    public enum Status {
        /** One top-level string {@code model}. */
        FOUND,
        /** The body is not valid JSON, not a JSON object, or not a readable multipart form. */
        INVALID_BODY,
        /** No top-level {@code model}. */
        MISSING,
        /** {@code model} is not a string. */
        NOT_STRING,
        /** {@code model} appears twice at the top level (also when spelled with escapes). */
        DUPLICATE
    }

    /**
     * The error for a field that cannot be used (SPEC section 5's 400 rows).
     *
     * @param multipart whether the body was a multipart form (a broken one is {@code invalid_body})
     * @return the error, or {@code null} when the field is a usable model
     */
    public ErrorResponse error(boolean multipart) {
        return switch (status) {
            case FOUND -> model.isBlank() ? ApiError.EMPTY_MODEL.with() : null;
            case INVALID_BODY -> multipart ? ApiError.INVALID_BODY.with("request body is not a valid multipart form")
                    : ApiError.INVALID_JSON.with();
            case MISSING -> ApiError.MISSING_MODEL.with();
            case NOT_STRING -> ApiError.INVALID_MODEL.with();
            case DUPLICATE -> ApiError.DUPLICATE_MODEL.with();
        };
    }

    static ModelField failed(Status status) {
        return new ModelField(status, null, -1, -1, false);
    }

    /**
     * Replaces the value with {@code newModel}.
     *
     * @param body the body the field was located in
     * @param length the body's length
     * @param newModel the model to write
     * @return a new array holding the spliced body, or {@code body} itself (trimmed to length) when nothing changes
     */
    public byte[] splice(byte[] body, int length, String newModel) {
        if (status != Status.FOUND) {
            throw new IllegalStateException("no model to replace: " + status);
        }
        byte[] value = quoted ? JsonTree.quote(newModel) : newModel.getBytes(StandardCharsets.UTF_8);
        int oldLength = end - start;
        if (value.length == oldLength && java.util.Arrays.equals(body, start, end, value, 0, value.length)) {
            return length == body.length ? body : java.util.Arrays.copyOf(body, length);
        }
        byte[] out = new byte[length - oldLength + value.length];
        System.arraycopy(body, 0, out, 0, start);
        System.arraycopy(value, 0, out, start, value.length);
        System.arraycopy(body, end, out, start + value.length, length - end);
        return out;
    }
}
