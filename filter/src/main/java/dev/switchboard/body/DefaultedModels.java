package dev.switchboard.body;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * Model fields a provider fills in when they are left out (SPEC section 15): a Responses {@code image_generation}
 * tool without a {@code model} runs the provider's default image model, a {@code moderation} without one its default
 * moderation model, and no rule checked either (a caller who may use any Responses model would reach an image model a
 * policy turned off). Where the endpoint's {@link Shape} reads such a field, it must be named, as the gateway already
 * asks for the model of an image generation or a realtime session.
 *
 * <p>Read in one streaming pass that descends only into the containers the shape names (memory as deep as the
 * document, not as large), and only for a body that may hold such a field: one with the words
 * {@code image_generation} or {@code moderation}, or an escape of an ASCII character that could spell them (text
 * escaped as JSON writers escape non-ASCII characters, {@code \u00e9}, is not one).
 */
public final class DefaultedModels {

    private static final String TOOLS = "tools[].model";
    private static final String MODERATION = "moderation.model";
    private static final String IMAGE_GENERATION = "image_generation";
    private static final byte[] IMAGE_GENERATION_BYTES = IMAGE_GENERATION.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MODERATION_BYTES = "moderation".getBytes(StandardCharsets.US_ASCII);
    /** As deep and as long as the model locator reads ({@link JsonModelLocator#MAX_NESTING_DEPTH}; the body's bound). */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonModelLocator.MAX_NESTING_DEPTH + 1)
                    .maxNameLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE).maxDocumentLength(Long.MAX_VALUE).build())
            .build();

    private DefaultedModels() {
    }

    /** @return whether {@link #check} reads this model path of a shape: a tool's or a moderation's model */
    static boolean reads(String modelPath) {
        return modelPath.endsWith(TOOLS) || modelPath.endsWith(MODERATION);
    }

    /**
     * @param located what the locator found in the document (a failure stands as it is)
     * @param body the bytes holding the document (already read as strict JSON by the locator)
     * @param from where it starts
     * @param to where it ends
     * @param shape where the endpoint reads models
     * @return {@code located}, or a failure naming the field left for the provider to fill in
     */
    public static ModelField check(ModelField located, byte[] body, int from, int to, Shape shape) {
        if (shape == null || located.status() != ModelField.Status.FOUND && located.status() != ModelField.Status.NONE) {
            return located;
        }
        List<String> paths = shape.defaulted();
        if (paths.isEmpty() || !signed(body, from, to)) {
            return located;
        }
        List<String[]> containers = new ArrayList<>(paths.size());
        for (String p : paths) {
            containers.add(p.substring(0, p.length() - ".model".length()).split("\\."));
        }
        String missing;
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return located;
            }
            missing = object(p, containers, 0, "");
        } catch (JacksonException e) {
            // Strict JSON to the locator, yet not to this reader: not judged, so not passed.
            return ModelField.failed(ModelField.Status.UNCHECKABLE, "a body whose tools could not be read");
        }
        return missing == null ? located : ModelField.failed(ModelField.Status.UNCHECKABLE, missing + " is missing: the"
                + " provider would run a model of its own choosing, which this gateway cannot check; name it");
    }

    /**
     * @return whether the bytes may hold such a field: its words ({@code image_generation}, {@code moderation}), or an
     *     escape of an ASCII character ({@code \u0000} to {@code \u007f}), which could spell them or a key; any other
     *     body is not read again (one pass, no copy)
     */
    private static boolean signed(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b == '\\' && to - i >= 5 && body[i + 1] == 'u' && body[i + 2] == '0' && body[i + 3] == '0'
                    && body[i + 4] >= '0' && body[i + 4] <= '7'
                    || b == 'i' && at(body, i, to, IMAGE_GENERATION_BYTES)
                    || b == 'm' && at(body, i, to, MODERATION_BYTES)) {
                return true;
            }
        }
        return false;
    }

    private static boolean at(byte[] body, int i, int to, byte[] word) {
        return to - i >= word.length && Arrays.equals(body, i, i + word.length, word, 0, word.length);
    }

    /**
     * Reads an object (its start already read) along the containers' paths, skipping every other member.
     *
     * @param containers the paths of the containers to judge ({@code [tools[]]}, {@code [input[], tools[]]},
     *     {@code [moderation]}); a segment {@code *} is any member
     * @param level how many segments of each path lead here
     * @return the path of the first model left out (with indexes: {@code input[2].tools[0].model}), or {@code null}
     */
    private static String object(JsonParser p, List<String[]> containers, int level, String at) {
        String found = null;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String key = p.currentName();
            p.nextToken();
            String path = at.isEmpty() ? key : at + "." + key;
            List<String[]> deeper = null;
            Boolean tools = null;
            for (String[] c : containers) {
                String segment = c[level];
                String name = segment.endsWith("[]") ? segment.substring(0, segment.length() - 2) : segment;
                if (!name.equals(key) && !name.equals("*")) {
                    continue;
                }
                if (level == c.length - 1) {
                    tools = segment.endsWith("[]");
                } else {
                    if (deeper == null) {
                        deeper = new ArrayList<>(2);
                    }
                    deeper.add(c);
                }
            }
            String missing = null;
            if (tools != null) {
                missing = tools ? tools(p, path) : moderation(p, path);
            } else if (deeper != null) {
                missing = descend(p, deeper, level + 1, path);
            } else {
                p.skipChildren();
            }
            if (found == null) {
                found = missing;
            }
        }
        return found;
    }

    /** A value on the way to a container: an object, a list of them (each read), anything else skipped. */
    private static String descend(JsonParser p, List<String[]> containers, int level, String at) {
        return objects(p, at, path -> object(p, containers, level, path));
    }

    /** Tools: a list of them, or one object (the locator reads one object as a list of one, as lenient servers do). */
    private static String tools(JsonParser p, String at) {
        return objects(p, at, path -> tool(p, path));
    }

    /**
     * @param read reads the object the parser is at, given its path, and says which model it left out
     * @return what {@code read} said of the value (one object) or of its first object that left one out (a list of
     *     them: {@code at[i]}); anything else is skipped
     */
    private static String objects(JsonParser p, String at, java.util.function.UnaryOperator<String> read) {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            return read.apply(at);
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        String found = null;
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String missing = p.currentToken() == JsonToken.START_OBJECT ? read.apply(at + "[" + i + "]") : skip(p);
            if (found == null) {
                found = missing;
            }
            i++;
        }
        return found;
    }

    /** An image generation tool must name its model. */
    private static String tool(JsonParser p, String at) {
        return unnamed(p, at, true);
    }

    /** A moderation's settings must name their model; {@code null} or {@code false} asks for none. */
    private static String moderation(JsonParser p, String at) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL || t == JsonToken.VALUE_FALSE) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return at + ".model";
        }
        return unnamed(p, at, false);
    }

    /**
     * Reads an object's members (its start already read). Its type is read under every spelling of {@code type} (Go's
     * reader takes {@code Type} for it), so that no spelling of an image generation tool passes unnamed.
     *
     * @param imageToolsOnly whether only an image generation tool must name its model (a tool), or any object (a
     *     moderation's settings)
     * @return {@code at.model} when the object must name its model as a string and does not, else {@code null}
     */
    private static String unnamed(JsonParser p, String at, boolean imageToolsOnly) {
        boolean image = false;
        boolean named = false;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (key.equals("model")) {
                named = value == JsonToken.VALUE_STRING;
            } else if (key.equalsIgnoreCase("type") && value == JsonToken.VALUE_STRING
                    && IMAGE_GENERATION.equals(p.getString())) {
                image = true;
            }
            p.skipChildren();
        }
        return (image || !imageToolsOnly) && !named ? at + ".model" : null;
    }

    private static String skip(JsonParser p) {
        p.skipChildren();
        return null;
    }
}
