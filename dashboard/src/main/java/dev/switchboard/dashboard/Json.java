package dev.switchboard.dashboard;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** The dashboard's few JSON documents: flat objects of strings and numbers, over Jackson's streaming core. */
final class Json {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private Json() {
    }

    /**
     * @param fields property names and values (strings, numbers, booleans), in order
     * @return the object, UTF-8
     */
    static byte[] object(Map<String, ?> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            for (Map.Entry<String, ?> e : fields.entrySet()) {
                g.writeName(e.getKey());
                Object v = e.getValue();
                if (v instanceof Number n) {
                    g.writeNumber(n.longValue());
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (v == null) {
                    g.writeNull();
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * @param bytes a request body
     * @return its top-level string properties, or {@code null} when it is not one JSON object
     */
    static Map<String, String> strings(byte[] bytes) {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    out.put(name, p.getString());
                } else {
                    p.skipChildren();
                }
            }
            return p.nextToken() == null ? out : null;
        } catch (JacksonException e) {
            return null;
        }
    }
}
