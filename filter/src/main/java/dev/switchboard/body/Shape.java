package dev.switchboard.body;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an endpoint's JSON body carries model names (SPEC sections 3 and 15), as paths such as
 * {@code model}, {@code tools[].model}, {@code requests[].params.model}, {@code models[]} (a list of model names) or
 * {@code graders.*.model} (a {@code *}
 * stands for every member of an object used as a map whose key is not otherwise in the shape), plus plain string fields the
 * gateway must read as well ({@code purpose}). {@link JsonModelLocator} walks a body by this shape:
 * it descends only into the listed keys and skips everything else without materializing it.
 *
 * <p>The first path is the primary one: when {@linkplain #required() required}, a body without it is
 * {@code missing_model}. Immutable; thread-safe.
 */
public final class Shape {

    /** What a path ends in. */
    enum Leaf {
        /** A model name: resolved, checked and rewritten. */
        MODEL,
        /** A string the gateway reads but never rewrites. */
        CAPTURE,
        /** A key whose every spelling, whatever its value, is refused: an upstream gateway's routing the gateway cannot check. */
        REFUSED
    }

    /** A key of an object in the shape. */
    static final class Node {
        final Map<String, Node> children = new LinkedHashMap<>();
        /**
         * Whether the key holds a list whose elements are objects of this node's shape, or, for a {@link Leaf#MODEL}
         * leaf, a list of model names ({@code models[]}).
         */
        boolean array;
        /** The shape of the object value of every member not named among {@link #children} ({@code *}), or {@code null}. */
        Node any;
        /**
         * Whether a value other than a list, an object or {@code null} is refused here, and a list element other than
         * an object or {@code null}: Anthropic's {@code fallbacks} also takes the string {@code "default"}, which lets
         * the upstream choose models nobody checked, and LiteLLM reads a list of names there.
         */
        boolean containerOnly;
        Leaf leaf;
        /** The children as arrays, in order (set once the shape is built): the scanner's loop needs no map. */
        String[] keys;
        byte[][] keyBytes;
        Node[] kids;

        Node child(String key) {
            if (key.equals("*")) {
                return any == null ? any = new Node() : any;
            }
            return children.computeIfAbsent(key, k -> new Node());
        }

        void freeze() {
            keys = children.keySet().toArray(new String[0]);
            kids = children.values().toArray(new Node[0]);
            keyBytes = new byte[keys.length][];
            for (int i = 0; i < keys.length; i++) {
                keyBytes[i] = keys[i].getBytes(StandardCharsets.UTF_8);
                kids[i].freeze();
            }
            if (any != null) {
                any.freeze();
            }
        }
    }

    private final Node root = new Node();
    private final boolean required;
    private final List<String> models;
    private final List<String> captures;
    /** The node of the primary path, or {@code null}: found once, not per body. */
    private final Node primaryNode;

    private final List<String> containersOnly;
    private final List<String> topLevelNames;

    private final List<String> refused;
    private final List<String> defaulted;

    private Shape(boolean required, List<String> models, List<String> captures, List<String> containersOnly,
                  List<String> refused) {
        this.required = required;
        this.models = List.copyOf(models);
        this.captures = List.copyOf(captures);
        this.containersOnly = List.copyOf(containersOnly);
        this.refused = List.copyOf(refused);
        if (!models.isEmpty() && models.get(0).endsWith("[]")) {
            throw new IllegalArgumentException("the primary path " + models.get(0) + " is a list");
        }
        this.primaryNode = models.isEmpty() ? null : add(models.get(0), Leaf.MODEL);
        models.stream().skip(1).forEach(p -> add(p, Leaf.MODEL));
        captures.forEach(p -> add(p, Leaf.CAPTURE));
        refused.forEach(p -> add(p, Leaf.REFUSED));
        for (String p : containersOnly) {
            Node node = root;
            for (String segment : p.split("\\.")) {
                node = node.children.get(segment.endsWith("[]") ? segment.substring(0, segment.length() - 2) : segment);
                if (node == null || node.leaf != null) {
                    throw new IllegalArgumentException("path " + p + " names no container of the shape");
                }
            }
            node.containerOnly = true;
        }
        root.freeze();
        List<String> top = new ArrayList<>(List.of(root.keys));
        if (!top.contains("model")) {
            top.add(0, "model");
        }
        topLevelNames = List.copyOf(top);
        defaulted = models.stream().filter(DefaultedModels::reads).toList();
    }

    /** @return the model paths whose absence lets the provider pick ({@link DefaultedModels}) */
    List<String> defaulted() {
        return defaulted;
    }

    /**
     * @param required whether the first path must be present
     * @param modelPaths where model names are, the primary first
     * @return the shape
     */
    public static Shape of(boolean required, String... modelPaths) {
        return new Shape(required, List.of(modelPaths), List.of(), List.of(), List.of());
    }

    /**
     * @param fields string fields to read as well (never rewritten)
     * @return this shape, also capturing those fields
     */
    public Shape capturing(String... fields) {
        List<String> all = new ArrayList<>(captures);
        all.addAll(List.of(fields));
        return new Shape(required, models, all, containersOnly, refused);
    }

    /**
     * @param paths containers of the shape ({@code fallbacks}) whose value must be a list, an object or {@code null}
     * @return this shape, refusing any other value there
     */
    public Shape containersOnly(String... paths) {
        List<String> all = new ArrayList<>(containersOnly);
        all.addAll(List.of(paths));
        return new Shape(required, models, captures, all, refused);
    }

    /**
     * @param names top-level keys that hold lists of model names for an upstream gateway ({@code models})
     * @return this shape, reading each as a list of model names ({@code models[]}), but where the shape has the key
     *     already (Anthropic's {@code fallbacks}, a list of objects)
     */
    public Shape readingNameLists(List<String> names) {
        List<String> all = new ArrayList<>(models);
        names.stream().filter(n -> !root.children.containsKey(n)).forEach(n -> all.add(n + "[]"));
        return new Shape(required, all, captures, containersOnly, refused);
    }

    /**
     * @param paths more model paths ({@code plugins[].model}); those the shape reads already are left as they are
     * @return this shape, reading them too
     */
    public Shape reading(List<String> paths) {
        List<String> all = new ArrayList<>(models);
        paths.stream().filter(p -> !models.contains(p)).forEach(all::add);
        return new Shape(required, all, captures, containersOnly, refused);
    }

    /**
     * @param keys top-level keys (or paths, {@code body.user_config}) an upstream gateway routes by in ways that cannot
     *     be checked
     * @return this shape, refusing a body with any of them, spelled in any case, whatever its value
     */
    public Shape refusing(List<String> keys) {
        List<String> all = new ArrayList<>(refused);
        keys.stream().filter(k -> !root.children.containsKey(k)).forEach(all::add);
        return new Shape(required, models, captures, containersOnly, all);
    }

    /** @return the path's last node */
    private Node add(String path, Leaf leaf) {
        Node node = root;
        String[] segments = path.split("\\.");
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean array = s.endsWith("[]");
            if (s.equals("*") && i == segments.length - 1) {
                throw new IllegalArgumentException("path " + path + " ends in *");
            }
            node = node.child(array ? s.substring(0, s.length() - 2) : s);
            node.array |= array;
            if (i == segments.length - 1) {
                if (array && leaf != Leaf.MODEL) {
                    throw new IllegalArgumentException("path " + path + ": only model names come as a list");
                }
                if (node.leaf != null || !node.children.isEmpty()) {
                    throw new IllegalArgumentException("path " + path + " overlaps another");
                }
                node.leaf = leaf;
            } else if (node.leaf != null) {
                throw new IllegalArgumentException("path " + path + " overlaps another");
            }
        }
        return node;
    }

    Node root() {
        return root;
    }

    /**
     * @return the top-level keys under which the shape reads anything ({@code tools}, {@code purpose}), and
     *     {@code model} whether or not the shape reads one there (upstreams such as LiteLLM route any request by it)
     */
    public List<String> topLevelNames() {
        return topLevelNames;
    }

    /** @return the node of the primary path, or {@code null} when the shape has none */
    Node primaryNode() {
        return primaryNode;
    }

    /** @return the primary model path ({@code model}), or {@code null} when the shape has none */
    public String primary() {
        return models.isEmpty() ? null : models.get(0);
    }

    /** @return whether a body without the primary path is {@code missing_model} */
    public boolean required() {
        return required;
    }

    /** @return the model paths, the primary first */
    public List<String> models() {
        return models;
    }

    /** @return the keys refused whatever they hold ({@link #refusing}) */
    public List<String> refused() {
        return refused;
    }

    /** @return the string fields read as well as the models (never rewritten) */
    public List<String> captures() {
        return captures;
    }

    @Override
    public String toString() {
        return (required ? "required " : "") + models + (captures.isEmpty() ? "" : " capturing " + captures)
                + (refused.isEmpty() ? "" : " refusing " + refused)
                + (containersOnly.isEmpty() ? "" : " containers only " + containersOnly);
    }
}
