package dev.switchboard.failclosed;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonReadFeature;

/**
 * How common upstreams read a JSON request body (SPEC section 15), small and honest emulations used
 * to judge what the gateway forwards. Jackson is only the tokenizer here: every object is kept with
 * all its keys, duplicates included, and each reader then applies its own rules:
 * <ul>
 *   <li>{@link Reader#PYTHON} ({@code json.loads} on bytes): detects UTF-8 with or without BOM,
 *       UTF-16 and UTF-32 as {@code json.detect_encoding} does, accepts {@code NaN}/{@code Infinity};
 *       of two equal keys the last wins;</li>
 *   <li>{@link Reader#NODE} ({@code body-parser} then {@code JSON.parse}): UTF-8, a BOM stripped; the
 *       last of two equal keys wins;</li>
 *   <li>{@link Reader#GO} ({@code encoding/json} into structs): strict UTF-8, no BOM; keys match
 *       ignoring case with Go's folding (ASCII upper case, other runes to the smallest of their
 *       simple-fold orbit, so {@code ſ} is {@code S} and the Kelvin sign is {@code K}); the last of
 *       two matching keys wins, except that an object decoded into a field that already holds one
 *       is merged into it.</li>
 * </ul>
 */
public final class UpstreamJson {

    /** A JSON reader an upstream may use. */
    public enum Reader {
        PYTHON, NODE, GO
    }

    private static final JsonFactory STRICT = JsonFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build();
    private static final JsonFactory PYTHONIC = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private UpstreamJson() {
    }

    /**
     * @param reader the upstream's reader
     * @param body what the upstream received
     * @return every string the reader sees under a key it takes for {@code model}, at any depth, and in a list an
     *     upstream gateway reads models from ({@code models}, LiteLLM's fallbacks), or {@code null} when the reader
     *     refuses the document (then nothing was read at all)
     */
    public static List<String> models(Reader reader, byte[] body) {
        Object tree = parse(reader, body);
        if (tree == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        collect(reader, reduce(reader, tree), out);
        return out;
    }

    /**
     * @param reader the upstream's reader
     * @param body what the upstream received
     * @param path a path as in {@code Shape}: keys joined by dots, {@code []} after a key holding a list
     *     of objects ({@code tools[].model})
     * @return the strings the reader finds there (a list where it expects one is skipped, as a typed
     *     reader would refuse it), or {@code null} when the reader refuses the document
     */
    public static List<String> at(Reader reader, byte[] body, String path) {
        Object tree = parse(reader, body);
        if (tree == null) {
            return null;
        }
        List<Object> level = List.of(reduce(reader, tree));
        for (String segment : path.split("\\.")) {
            boolean list = segment.endsWith("[]");
            String key = list ? segment.substring(0, segment.length() - 2) : segment;
            String wanted = reader == Reader.GO ? goFold(key) : key;
            List<Object> next = new ArrayList<>();
            for (Object o : level) {
                if (o instanceof Map<?, ?> map && map.containsKey(wanted)) {
                    Object v = map.get(wanted);
                    if (!list) {
                        next.add(v);
                    } else if (v instanceof List<?> items) {
                        next.addAll(items);
                    }
                }
            }
            level = next;
        }
        List<String> out = new ArrayList<>();
        level.stream().filter(String.class::isInstance).map(String.class::cast).forEach(out::add);
        return out;
    }

    /** @return the document as the reader decodes it (objects as {@link Obj}), or {@code null} when refused */
    static Object parse(Reader reader, byte[] body) {
        byte[] utf8 = decode(reader, body);
        if (utf8 == null) {
            return null;
        }
        try (JsonParser p = (reader == Reader.PYTHON ? PYTHONIC : STRICT).createParser(ObjectReadContext.empty(), utf8)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            Object value = value(p, t);
            return p.nextToken() == null ? value : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static byte[] decode(Reader reader, byte[] b) {
        boolean bom = b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF;
        switch (reader) {
            case GO:
                return bom ? null : b;
            case NODE:
                return bom ? java.util.Arrays.copyOfRange(b, 3, b.length) : b;
            default:
                if (bom) {
                    return java.util.Arrays.copyOfRange(b, 3, b.length);
                }
                Charset cs = pythonEncoding(b);
                return cs == StandardCharsets.UTF_8 ? b : new String(b, cs).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Python's {@code json.detect_encoding}: BOMs, then the pattern of NUL bytes in the first four. */
    private static Charset pythonEncoding(byte[] b) {
        int b0 = b.length > 0 ? b[0] & 0xff : -1;
        int b1 = b.length > 1 ? b[1] & 0xff : -1;
        boolean utf32Bom = b.length >= 4 && ((b0 == 0xFF && b1 == 0xFE && b[2] == 0 && b[3] == 0)
                || (b0 == 0 && b1 == 0 && (b[2] & 0xff) == 0xFE && (b[3] & 0xff) == 0xFF));
        if (utf32Bom) {
            return Charset.forName("UTF-32");
        }
        if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF)) {
            return StandardCharsets.UTF_16;
        }
        if (b.length >= 4) {
            if (b0 == 0) {
                return b1 != 0 ? StandardCharsets.UTF_16BE : Charset.forName("UTF-32BE");
            }
            if (b1 == 0) {
                return b[2] != 0 || b[3] != 0 ? StandardCharsets.UTF_16LE : Charset.forName("UTF-32LE");
            }
        } else if (b.length == 2) {
            if (b0 == 0) {
                return StandardCharsets.UTF_16BE;
            }
            if (b1 == 0) {
                return StandardCharsets.UTF_16LE;
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** An object with every key as sent, in order, duplicates kept. */
    record Obj(List<Map.Entry<String, Object>> entries) {
    }

    private static Object value(JsonParser p, JsonToken t) {
        switch (t) {
            case START_OBJECT: {
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    entries.add(Map.entry(name, value(p, p.nextToken())));
                }
                return new Obj(entries);
            }
            case START_ARRAY: {
                List<Object> items = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(value(p, e));
                }
                return items;
            }
            case VALUE_STRING:
                return p.getString();
            default:
                // Numbers, booleans and null: what they are does not matter, only that they are not a name.
                return t;
        }
    }

    /** One value per key, as the reader keeps them. */
    private static Object reduce(Reader reader, Object value) {
        if (value instanceof List<?> items) {
            List<Object> out = new ArrayList<>();
            items.forEach(i -> out.add(reduce(reader, i)));
            return out;
        }
        if (!(value instanceof Obj obj)) {
            return value;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : obj.entries()) {
            String key = reader == Reader.GO ? goFold(e.getKey()) : e.getKey();
            Object v = reduce(reader, e.getValue());
            Object before = out.get(key);
            if (reader == Reader.GO && before instanceof Map<?, ?> old && v instanceof Map<?, ?> now) {
                Map<String, Object> merged = new LinkedHashMap<>();
                old.forEach((k, x) -> merged.put((String) k, x));
                now.forEach((k, x) -> merged.put((String) k, x));
                v = merged;
            }
            out.remove(key);
            out.put(key, v);
        }
        return out;
    }

    /**
     * Keys under which upstream gateways read lists of models beside {@code model}: OpenRouter's {@code models} and its
     * fusion's {@code analysis_models}, LiteLLM's fallbacks (names, or maps of a model to its fallbacks).
     */
    private static final List<String> NAME_LISTS = List.of("models", "fallbacks", "context_window_fallbacks",
            "content_policy_fallbacks", "analysis_models");

    private static void collect(Reader reader, Object value, List<String> out) {
        if (value instanceof List<?> items) {
            items.forEach(i -> collect(reader, i, out));
        } else if (value instanceof Map<?, ?> map) {
            String model = reader == Reader.GO ? goFold("model") : "model";
            map.forEach((k, v) -> {
                if (k.equals(model) && v instanceof String s) {
                    out.add(s);
                }
                if (v instanceof List<?> && NAME_LISTS.stream().anyMatch(n -> k.equals(reader == Reader.GO ? goFold(n) : n))) {
                    everyName(v, out);
                }
                collect(reader, v, out);
            });
        }
    }

    /** Every string in a gateway's list of models, and every key of a map in it: the worst any gateway reads there. */
    private static void everyName(Object value, List<String> out) {
        if (value instanceof String s) {
            out.add(s);
        } else if (value instanceof List<?> items) {
            items.forEach(i -> everyName(i, out));
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                out.add((String) k);
                everyName(v, out);
            });
        }
    }

    /**
     * Go's {@code encoding/json} key folding ({@code foldName}): ASCII letters to upper case, any other
     * rune to the smallest rune of its case orbit.
     */
    static String goFold(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        key.codePoints().forEach(c -> {
            if (c < 0x80) {
                sb.append((char) (c >= 'a' && c <= 'z' ? c - 32 : c));
            } else {
                int min = c;
                for (int o : new int[] {Character.toUpperCase(c), Character.toLowerCase(c),
                        Character.toUpperCase(Character.toLowerCase(c)), Character.toLowerCase(Character.toUpperCase(c)),
                        Character.toTitleCase(c)}) {
                    min = Math.min(min, o);
                }
                sb.appendCodePoint(min);
            }
        });
        return sb.toString();
    }
}
