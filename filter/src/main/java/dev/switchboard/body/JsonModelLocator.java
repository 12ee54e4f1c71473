package dev.switchboard.body;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * Finds the top-level {@code model} of a JSON body with one streaming pass (nested values are skipped,
 * not materialized). The whole document is read, because clients put {@code model} anywhere
 * (openai-python sends it after {@code messages}) and a duplicate must be caught wherever it is.
 *
 * <p>Hardened: nesting depth, number length and string length are bounded, trailing content after the
 * object is an error, and only UTF-8 is accepted (a body that does not start with {@code {} after
 * whitespace and an optional UTF-8 BOM is not an object). Thread-safe.
 */
public final class JsonModelLocator {

    /** Deepest nesting accepted; tool schemas in real requests stay far below. */
    public static final int MAX_NESTING_DEPTH = 256;
    /** Longest number literal accepted, in characters. */
    public static final int MAX_NUMBER_LENGTH = 1000;

    private final JsonFactory factory;

    /**
     * @param maxBytes the largest body; also the longest string accepted
     */
    public JsonModelLocator(int maxBytes) {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxStringLength(Math.max(maxBytes, 1))
                        .maxNameLength(Math.max(maxBytes, 1))
                        .maxDocumentLength(Math.max(maxBytes, 1))
                        .build())
                .build();
    }

    /**
     * @param body the body bytes
     * @param length how many bytes of {@code body} are the body
     * @return where the model is, or why there is none
     */
    public ModelField locate(byte[] body, int length) {
        int first = firstSignificant(body, length);
        if (first < 0 || body[first] != '{') {
            return ModelField.failed(ModelField.Status.INVALID_BODY);
        }
        String model = null;
        int start = -1;
        int end = -1;
        boolean seen = false;
        boolean nonString = false;
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                // currentName() is decoded: "mod\u0065l" is "model" here, as it is for the upstream.
                boolean isModel = "model".equals(p.currentName());
                JsonToken v = p.nextToken();
                if (isModel) {
                    if (seen) {
                        return drainThen(p, ModelField.Status.DUPLICATE);
                    }
                    seen = true;
                    if (v == JsonToken.VALUE_STRING) {
                        model = p.getString();
                        start = (int) p.currentTokenLocation().getByteOffset();
                        end = endOfString(body, start, length);
                    } else {
                        nonString = true;
                    }
                }
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return ModelField.failed(ModelField.Status.INVALID_BODY);
            }
        } catch (JacksonException e) {
            return ModelField.failed(ModelField.Status.INVALID_BODY);
        }
        if (!seen) {
            return ModelField.failed(ModelField.Status.MISSING);
        }
        if (nonString || start < 0 || end < 0 || body[start] != '"') {
            return ModelField.failed(ModelField.Status.NOT_STRING);
        }
        return new ModelField(ModelField.Status.FOUND, model, start, end, true);
    }

    /** A duplicate is only reported for an otherwise valid document: invalid JSON wins. */
    private static ModelField drainThen(JsonParser p, ModelField.Status status) {
        try {
            while (p.nextToken() != null) {
                p.skipChildren();
            }
        } catch (JacksonException e) {
            return ModelField.failed(ModelField.Status.INVALID_BODY);
        }
        return ModelField.failed(status);
    }

    private static int firstSignificant(byte[] body, int length) {
        int i = 0;
        if (length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            i = 3;
        }
        for (; i < length; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return i;
            }
        }
        return -1;
    }

    /** Offset just past the closing quote of the string starting at {@code start}. */
    private static int endOfString(byte[] body, int start, int length) {
        for (int i = start + 1; i < length; i++) {
            byte b = body[i];
            if (b == '\\') {
                i++;
            } else if (b == '"') {
                return i + 1;
            }
        }
        return -1;
    }
}
