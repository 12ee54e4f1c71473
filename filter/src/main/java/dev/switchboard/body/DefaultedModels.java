package dev.switchboard.body;

import dev.switchboard.json.JsonTree;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Model fields a provider fills in when they are left out (SPEC section 15): a Responses {@code image_generation}
 * tool without a {@code model} runs the provider's default image model, a {@code moderation} without one its default
 * moderation model, and no rule checked either (a caller who may use any Responses model would reach an image model a
 * policy turned off). Where the endpoint's {@link Shape} reads such a field, it must be named, as the gateway already
 * asks for the model of an image generation or a realtime session.
 */
public final class DefaultedModels {

    private static final String TOOLS = "tools[].model";
    private static final String MODERATION = "moderation.model";
    private static final String IMAGE_GENERATION = "image_generation";
    private static final byte[] IMAGE_GENERATION_BYTES = IMAGE_GENERATION.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MODERATION_BYTES = "moderation".getBytes(StandardCharsets.US_ASCII);

    private DefaultedModels() {
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
        if (located.status() != ModelField.Status.FOUND && located.status() != ModelField.Status.NONE) {
            return located;
        }
        if (shape == null) {
            return located;
        }
        List<String> paths = shape.defaulted();
        if (paths.isEmpty() || !signed(body, from, to)) {
            return located;
        }
        Object tree = JsonTree.parseRequest(from == 0 && to == body.length ? body : Arrays.copyOfRange(body, from, to));
        if (tree == null) {
            // Strict JSON to the locator, yet not to the tree reader: not judged, so not passed.
            return ModelField.failed(ModelField.Status.UNCHECKABLE, "a body whose tools could not be read");
        }
        for (String p : paths) {
            String container = p.substring(0, p.length() - ".model".length());
            String missing = unnamed(tree, container.split("\\."), 0, "", p.endsWith(TOOLS));
            if (missing != null) {
                return ModelField.failed(ModelField.Status.UNCHECKABLE, missing + " is missing: the provider would run a"
                        + " model of its own choosing, which this gateway cannot check; name it");
            }
        }
        return located;
    }

    /** @return whether {@link #check} reads this model path of a shape: a tool's or a moderation's model */
    static boolean reads(String modelPath) {
        return modelPath.endsWith(TOOLS) || modelPath.endsWith(MODERATION);
    }

    /**
     * @return whether the bytes may hold such a field: its words ({@code image_generation}, {@code moderation}), or an
     *     escape that could spell them; any other body is not read again (one pass, no copy)
     */
    private static boolean signed(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b == '\\' && i + 1 < to && body[i + 1] == 'u'
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
     * @param segments the container's path ({@code tools[]}, {@code input[]}, {@code moderation}, {@code *})
     * @param tools whether the container holds tools (else it is a moderation's settings)
     * @return the path of the first model left out there (with indexes: {@code input[2].tools[0].model}), or
     *     {@code null}
     */
    private static String unnamed(Object node, String[] segments, int i, String at, boolean tools) {
        if (i == segments.length) {
            return tools ? toolUnnamed(node, at) : moderationUnnamed(node, at);
        }
        String segment = segments[i];
        boolean array = segment.endsWith("[]");
        String key = array ? segment.substring(0, segment.length() - 2) : segment;
        String path = at.isEmpty() ? key : at + "." + key;
        if (!(node instanceof Map<?, ?> map)) {
            return null;
        }
        if (key.equals("*")) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String found = unnamed(e.getValue(), segments, i + 1, at.isEmpty() ? String.valueOf(e.getKey())
                        : at + "." + e.getKey(), tools);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        Object child = map.get(key);
        if (!array) {
            return unnamed(child, segments, i + 1, path, tools);
        }
        if (!(child instanceof List<?> list)) {
            return null;
        }
        for (int k = 0; k < list.size(); k++) {
            String found = unnamed(list.get(k), segments, i + 1, path + "[" + k + "]", tools);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * An image generation tool must name its model. Its type is read under every spelling of {@code type} (Go's reader
     * takes {@code Type} for it), so that no spelling of it passes unnamed.
     */
    private static String toolUnnamed(Object tool, String at) {
        if (!(tool instanceof Map<?, ?> m) || m.get("model") instanceof String) {
            return null;
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String k && k.equalsIgnoreCase("type") && IMAGE_GENERATION.equals(e.getValue())) {
                return at + ".model";
            }
        }
        return null;
    }

    /** A moderation's settings must name their model; {@code null} or {@code false} asks for none. */
    private static String moderationUnnamed(Object moderation, String at) {
        if (moderation == null || Boolean.FALSE.equals(moderation)
                || moderation instanceof Map<?, ?> m && m.get("model") instanceof String) {
            return null;
        }
        return at + ".model";
    }
}
