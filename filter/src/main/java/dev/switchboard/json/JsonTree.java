package dev.switchboard.json;

import dev.switchboard.rules.ModelNames;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The one way JSON is read and written here, over Jackson's streaming core (the filter carries no
 * databind): a minimal tree where objects are {@link LinkedHashMap}s, arrays {@link List}s, strings,
 * {@link Boolean}s, {@code null}, and numbers {@link Num} holding their exact text. Writing also takes
 * records, as objects whose property names are the components' names in snake_case
 * ({@code upstreamModel} -> {@code upstream_model}), in declaration order. Nesting is limited to 64
 * levels when parsing. Thread-safe.
 */
public final class JsonTree {

    /**
     * A number as written, so that copying a value never changes its digits.
     *
     * @param text the number's JSON text
     */
    public record Num(String text) {
    }

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /**
     * A key sent twice in one object, refused by {@link #parseUnique}. An expected rejection: no stack trace.
     */
    public static final class DuplicateKeyException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final String path;

        DuplicateKeyException(String path) {
            super("duplicate key " + path, null, false, false);
            this.path = path;
        }

        /** @return where the second copy is: the key with the keys and indexes above it ({@code targets[0].model}) */
        public String path() {
            return path;
        }

        /** @return what a client is told: where the second copy is (hidden characters escaped), and that it came twice */
        public String describe() {
            return ModelNames.visible(path) + ": appears more than once in the request body";
        }
    }

    private JsonTree() {
    }

    /**
     * @param bytes a UTF-8 JSON document
     * @return the parsed value, or {@code null} when the bytes are not exactly one JSON document; of a key sent twice
     *     in one object, the last copy
     */
    public static Object parse(byte[] bytes) {
        return parse(bytes, false);
    }

    /**
     * As {@link #parse}, but a key sent twice in one object (at any depth; names compared decoded, so also when
     * spelled with {@code \\u} escapes) is refused: readers differ on which copy counts (Python, Node and Go keep the
     * last, others the first), so such a document means nothing certain (SPEC section 15).
     *
     * @param bytes a UTF-8 JSON document
     * @return the parsed value, or {@code null} when the bytes are not exactly one JSON document
     * @throws DuplicateKeyException for the first key sent twice, in document order, in a document that is valid JSON
     */
    public static Object parseUnique(byte[] bytes) {
        return parse(bytes, true);
    }

    private static Object parse(byte[] bytes, boolean unique) {
        Reader r = new Reader(unique);
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            if (p.nextToken() == null) {
                return null;
            }
            Object value = r.read(p);
            if (p.nextToken() != null) {
                return null;
            }
            if (r.duplicate != null) {
                // Only now: a document that is not JSON at all is refused as that, wherever its duplicate is.
                throw new DuplicateKeyException(r.duplicate);
            }
            return value;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** One document's reading: whether to look for a key sent twice, and the first one found. */
    private static final class Reader {

        private final boolean unique;
        private String duplicate;

        Reader(boolean unique) {
            this.unique = unique;
        }

        Object read(JsonParser p) {
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String name = p.currentName();
                        if (unique && duplicate == null && map.containsKey(name)) {
                            duplicate = path(p.streamReadContext());
                        }
                        p.nextToken();
                        map.put(name, read(p));
                    }
                    return map;
                }
                case START_ARRAY -> {
                    List<Object> list = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        list.add(read(p));
                    }
                    return list;
                }
                default -> {
                    return scalar(p, t);
                }
            }
        }

        /** @return {@code targets[0].model} for the property the parser is at */
        private static String path(TokenStreamContext at) {
            StringBuilder path = new StringBuilder();
            for (TokenStreamContext c = at; c != null && !c.inRoot(); c = c.getParent()) {
                String step = c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.currentName();
                path.insert(0, path.isEmpty() || path.charAt(0) == '[' ? step : step + ".");
            }
            return path.toString();
        }
    }

    private static Object scalar(JsonParser p, JsonToken t) {
        switch (t) {
            case VALUE_STRING -> {
                return p.getString();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new Num(p.getString());
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * @param value a tree of the types above, or records of them (the JDK's {@link Number}s, {@link java.math.BigInteger}
     *     and {@link java.math.BigDecimal} included, are written as the numbers they hold; {@link Enum}s as their
     *     lowercase name)
     * @return its UTF-8 JSON
     */
    public static byte[] write(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            write(g, value);
        }
        return out.toByteArray();
    }

    /**
     * @param s any string
     * @return {@code s} as a JSON string literal, quotes included, in UTF-8
     */
    public static byte[] quote(String s) {
        if (plain(s)) {
            // Nearly every model name: nothing to escape, so no generator (it was 9 % of the proxy's allocation).
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            byte[] quoted = new byte[utf8.length + 2];
            quoted[0] = '"';
            System.arraycopy(utf8, 0, quoted, 1, utf8.length);
            quoted[quoted.length - 1] = '"';
            return quoted;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeString(s);
        }
        return out.toByteArray();
    }

    /** @return whether the generator would write {@code s} as is: no control character, quote, backslash or surrogate */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a value (as {@link #write(Object)}) to a generator the caller owns.
     *
     * @param g the generator
     * @param value the value
     */
    @SuppressWarnings("unchecked")
    public static void write(JsonGenerator g, Object value) {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                g.writeName(e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object item : list) {
                write(g, item);
            }
            g.writeEndArray();
        } else if (value instanceof Num n) {
            g.writeNumber(n.text());
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof java.math.BigInteger big) {
            // A token total past a long (an experiment's sum): a number still, never a string.
            g.writeNumber(big);
        } else if (value instanceof java.math.BigDecimal big) {
            g.writeNumber(big);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Record r) {
            g.writeStartObject();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                g.writeName(snakeCase(c.getName()));
                write(g, component(r, c));
            }
            g.writeEndObject();
        } else if (value instanceof Enum<?> e) {
            g.writeString(e.name().toLowerCase(java.util.Locale.ROOT));
        } else {
            g.writeString(value.toString());
        }
    }

    private static Object component(Record r, RecordComponent c) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + r.getClass().getSimpleName() + "." + c.getName(), e);
        }
    }

    /** {@code upstreamModel} -> {@code upstream_model}. */
    static String snakeCase(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
