package dev.switchboard.dashboard;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** The dashboard's few JSON answers: flat objects of strings and numbers, over Jackson's streaming core. */
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
}
