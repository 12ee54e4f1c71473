package dev.switchboard.body;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;

/**
 * The model locator as it was up to 2026-12-04, on Jackson's streaming parser: the reference that
 * {@link JsonModelLocator} (a byte scanner) is held to by {@code JsonModelLocatorDifferentialTest}. Changed since,
 * each with the scanner and to the same rule (2026-12-05): the shapes' {@code *} (members of an object used as a
 * map) and containers-only paths ({@code fallbacks}), a second captured field ({@code url}) reported as ambiguous
 * rather than as a duplicate model, and no {@code where} for the top-level {@code model} whatever the shape. And
 * one thing before: the per-object tally of shape keys is a {@code LinkedHashMap} (it was a {@code HashMap}
 * keyed by identity hash codes), so that when one object has two problems, which one is reported no longer
 * depends on the run; the scanner reports in the same order (the keys' first appearance).
 */
final class JacksonModelLocator {

    /** Deepest nesting accepted; tool schemas in real requests stay far below. */
    public static final int MAX_NESTING_DEPTH = 256;
    /** Longest number literal accepted, in characters. */
    public static final int MAX_NUMBER_LENGTH = 1000;

    private final JsonFactory factory;

    /**
     * @param maxBytes the largest body; also the longest string accepted
     */
    JacksonModelLocator(int maxBytes) {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxStringLength(Math.max(maxBytes, 1))
                        .maxNameLength(Math.max(maxBytes, 1))
                        .maxDocumentLength(Math.max(maxBytes, 1))
                        .build())
                // One parser per request on pooled server threads: buffers recycled per thread, not taken from and
                // given back to the default shared deque (4 % of a 1 KB body's parse in a profile).
                .recyclerPool(JsonRecyclerPools.threadLocalPool())
                .build();
    }

    /**
     * @param body the body bytes
     * @param length how many bytes of {@code body} are the body
     * @param shape where the endpoint carries models
     * @return where the models are, or why the body cannot be used
     */
    public ModelField locate(byte[] body, int length, Shape shape) {
        return locate(body, 0, length, shape, false);
    }

    /**
     * @param body the bytes holding the document
     * @param offset where the document starts
     * @param length how many bytes from {@code offset} are the document
     * @param shape where the document carries models
     * @param lenient whether a document that is not an object at all is {@link ModelField.Status#NOT_OBJECT}
     *     (a model-less POST: nothing there for an upstream to read a model from) rather than invalid
     * @return where the models are (offsets into {@code body}), or why the document cannot be used
     */
    public ModelField locate(byte[] body, int offset, int length, Shape shape, boolean lenient) {
        int first = firstSignificant(body, offset, offset + length);
        if (first < 0 || body[first] != '{') {
            return ModelField.failed(lenient ? ModelField.Status.NOT_OBJECT : ModelField.Status.INVALID_BODY, null);
        }
        for (int i = offset; i < offset + length; i++) {
            if (body[i] == 0) {
                return ModelField.failed(ModelField.Status.INVALID_BODY, null);
            }
        }
        Walk walk = new Walk(body, offset, offset + length, shape);
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), body, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return ModelField.failed(ModelField.Status.INVALID_BODY, null);
            }
            walk.object(p, shape.root(), "");
            if (p.nextToken() != null) {
                return ModelField.failed(ModelField.Status.INVALID_BODY, null);
            }
        } catch (JacksonException e) {
            return ModelField.failed(ModelField.Status.INVALID_BODY, null);
        }
        return walk.result();
    }

    /** The state of one pass. */
    private static final class Walk {
        private final byte[] body;
        private final int offset;
        private final int limit;
        private final Shape shape;
        private final Shape.Node primary;
        private final List<ModelField.Site> primarySites = new ArrayList<>();
        private final List<ModelField.Site> otherSites = new ArrayList<>();
        private final Map<String, String> captured = new LinkedHashMap<>();
        private ModelField.Status problem;
        private String where;
        private boolean stream;

        Walk(byte[] body, int offset, int limit, Shape shape) {
            this.body = body;
            this.offset = offset;
            this.limit = limit;
            this.shape = shape;
            this.primary = shape.primaryNode();
        }

        /** The parser is at the object's START_OBJECT; returns at its END_OBJECT. */
        void object(JsonParser p, Shape.Node node, String prefix) {
            Map<Shape.Node, int[]> seen = new LinkedHashMap<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                // currentName() is decoded: "mod\u0065l" is "model" here, as it is for the upstream.
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (node == shape.root() && name.equals("stream")) {
                    stream = v == JsonToken.VALUE_TRUE;
                }
                Shape.Node child = node.children.get(name);
                boolean exact = child != null;
                String key = name;
                if (child == null) {
                    for (Map.Entry<String, Shape.Node> e : node.children.entrySet()) {
                        if (e.getKey().equalsIgnoreCase(name)) {
                            child = e.getValue();
                            key = e.getKey();
                        }
                    }
                }
                if (child == null) {
                    // Added with the shapes' "*" (2026-12-05): a member not in the shape, of an object used as a map.
                    if (name.equals("__proto__")) {
                        // Added 2026-12-07: a prototype to Node's Object.assign.
                        fail(ModelField.Status.AMBIGUOUS, prefix + "__proto__" + JsonModelLocator.PROTO_REFUSED);
                        p.skipChildren();
                    } else if (node.any != null && v == JsonToken.START_OBJECT) {
                        object(p, node.any, prefix + name + ".");
                    } else {
                        p.skipChildren();
                    }
                    continue;
                }
                String path = prefix + key;
                if (child.leaf == Shape.Leaf.REFUSED) {
                    // Added 2026-12-07: an upstream gateway's routing, refused in any spelling.
                    fail(ModelField.Status.UNCHECKABLE, path + UpstreamGateways.ROUTING_REFUSED);
                    p.skipChildren();
                } else if (child.leaf != null) {
                    int[] counts = seen.computeIfAbsent(child, c -> new int[2]);
                    counts[exact ? 0 : 1]++;
                    if (exact && counts[0] == 1) {
                        leaf(p, v, child, path);
                    }
                    p.skipChildren();
                } else if (!exact) {
                    fail(ModelField.Status.AMBIGUOUS, prefix + "'" + key + "' spelled in another case");
                    p.skipChildren();
                } else if (v == JsonToken.START_OBJECT) {
                    object(p, child, path + ".");
                } else if (v == JsonToken.START_ARRAY) {
                    int i = 0;
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (e == JsonToken.START_OBJECT) {
                            object(p, child, path + "[" + i + "].");
                        } else {
                            if (child.containerOnly && e != JsonToken.VALUE_NULL) {
                                fail(ModelField.Status.UNCHECKABLE, path + "[" + i + "] is not an object with a model");
                            }
                            p.skipChildren();
                        }
                        i++;
                    }
                } else if (child.containerOnly && v != JsonToken.VALUE_NULL) {
                    // Added with the shapes' containers-only paths (2026-12-05).
                    fail(ModelField.Status.UNCHECKABLE, path + " is not a list of models");
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new IllegalStateException("unexpected token " + t);
            }
            for (Map.Entry<Shape.Node, int[]> e : seen.entrySet()) {
                int[] c = e.getValue();
                String path = prefix + keyOf(node, e.getKey());
                if (c[0] + c[1] > 1) {
                    fail(e.getKey().leaf == Shape.Leaf.MODEL ? ModelField.Status.DUPLICATE : ModelField.Status.AMBIGUOUS,
                            e.getKey().leaf == Shape.Leaf.MODEL ? path : path + " sent twice");
                } else if (c[1] > 0) {
                    fail(e.getKey().leaf == Shape.Leaf.MODEL ? ModelField.Status.NOT_STRING : ModelField.Status.AMBIGUOUS,
                            path + " spelled in another case");
                }
            }
        }

        private void leaf(JsonParser p, JsonToken v, Shape.Node node, String path) {
            if (node.array) {
                // Added 2026-12-07: a list of model names (OpenRouter's models, an upstream gateway's fallbacks).
                if (v == JsonToken.VALUE_NULL) {
                    return;
                }
                if (v != JsonToken.START_ARRAY) {
                    fail(ModelField.Status.UNCHECKABLE, path + " is not a list of model names");
                    return;
                }
                int i = 0;
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (e == JsonToken.VALUE_STRING) {
                        site(p, node, path + "[" + i + "]");
                    } else {
                        fail(ModelField.Status.UNCHECKABLE, path + "[" + i + "] is not a model name");
                        p.skipChildren();
                    }
                    i++;
                }
                return;
            }
            if (v != JsonToken.VALUE_STRING) {
                if (node.leaf == Shape.Leaf.MODEL) {
                    fail(ModelField.Status.NOT_STRING, path);
                }
                return;
            }
            if (node.leaf == Shape.Leaf.CAPTURE) {
                captured.put(path, p.getString());
                return;
            }
            site(p, node, path);
        }

        /** At a string that names a model. */
        private void site(JsonParser p, Shape.Node node, String path) {
            String value = p.getString();
            int start = (int) p.currentTokenLocation().getByteOffset() + offset;
            int end = endOfString(body, start, limit);
            if (start < offset || end < 0 || body[start] != '"') {
                fail(ModelField.Status.NOT_STRING, path);
            } else if (ModelField.unusable(value) != null) {
                fail(ModelField.unusable(value), path);
            } else {
                (node == primary ? primarySites : otherSites).add(new ModelField.Site(path, value, start, end, true));
            }
        }

        private void fail(ModelField.Status status, String at) {
            // A duplicate is reported over whatever else is wrong with either copy.
            if (problem == null || (status == ModelField.Status.DUPLICATE && problem != status)) {
                problem = status;
                where = at;
            }
        }

        ModelField result() {
            if (problem != null) {
                return ModelField.failed(problem, "model".equals(where) ? null : where);
            }
            if (primarySites.isEmpty() && shape.required()) {
                return ModelField.failed(ModelField.Status.MISSING, null);
            }
            List<ModelField.Site> sites = primarySites;
            if (!otherSites.isEmpty()) {
                sites = new ArrayList<>(primarySites);
                sites.addAll(otherSites);
            }
            return new ModelField(sites.isEmpty() ? ModelField.Status.NONE : ModelField.Status.FOUND, null, sites,
                    captured.isEmpty() ? Map.of() : captured, stream);
        }

        private static String keyOf(Shape.Node parent, Shape.Node child) {
            for (Map.Entry<String, Shape.Node> e : parent.children.entrySet()) {
                if (e.getValue() == child) {
                    return e.getKey();
                }
            }
            throw new IllegalStateException();
        }
    }

    private static int firstSignificant(byte[] body, int from, int limit) {
        int i = from;
        if (limit - from >= 3 && (body[from] & 0xff) == 0xEF && (body[from + 1] & 0xff) == 0xBB
                && (body[from + 2] & 0xff) == 0xBF) {
            i = from + 3;
        }
        for (; i < limit; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return i;
            }
        }
        return -1;
    }

    /** Offset just past the closing quote of the string starting at {@code start}. */
    private static int endOfString(byte[] body, int start, int limit) {
        for (int i = start + 1; i < limit; i++) {
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
