package dev.switchboard.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * YAML text to a {@link Value} tree with SnakeYAML Engine's composer (no object construction, so no
 * global tags or arbitrary types), with our own guards: duplicate keys rejected with both lines, at
 * most {@link #MAX_ALIASES} aliases, {@link #MAX_NODES} nodes added by alias expansion (an anchor bomb
 * stops there), {@link #MAX_CHARS} characters of scalar values as read (a large value brought back by many aliases,
 * each visit interpolated again, stops there), {@link #MAX_DEPTH} nesting, and {@code ${VAR}} interpolation in every
 * scalar value.
 */
final class YamlTree {

    static final int MAX_ALIASES = 50;
    static final int MAX_NODES = 100_000;
    static final int MAX_DEPTH = 32;
    /**
     * Characters of scalar values, aliases' visits and interpolation included: four times the largest file. A 1 MB value
     * with a {@code ${VAR}} in it, aliased 60,000 times in a 1.2 MB file, ran the reload thread out of memory (the thread
     * died, the file stopped being watched) where the node limit let it through.
     */
    static final long MAX_CHARS = 16L * 1024 * 1024;

    private static final ScalarResolver RESOLVER = new CoreSchema().getScalarResolver();

    private final Interpolator interpolator;
    private final List<String> errors;
    /** The nodes converted once; an alias brings one back, and each such visit counts toward {@link #MAX_NODES}. */
    private final java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private int nodes;
    private long chars;

    private YamlTree(Interpolator interpolator, List<String> errors) {
        this.interpolator = interpolator;
        this.errors = errors;
    }

    /**
     * @param text the document
     * @param interpolator resolves {@code ${VAR}}
     * @return the root value
     * @throws InvalidConfigException on a syntax error, an empty document, or any guard above
     */
    static Value parse(String text, Interpolator interpolator) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel("config")
                .setAllowDuplicateKeys(true) // detected below, with both lines in the message
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(Integer.MAX_VALUE) // the loader caps the file size before this
                .setSchema(new CoreSchema())
                .build();
        Optional<Node> root;
        try {
            // What Compose.composeString does, with the depth guard between parser and composer.
            root = new Composer(settings, new DepthGuard(new ParserImpl(settings, new StreamReader(settings, text))))
                    .getSingleNode();
        } catch (MarkedYamlEngineException e) {
            throw new InvalidConfigException(List.of(syntaxError(e)));
        } catch (YamlEngineException e) {
            throw new InvalidConfigException(List.of("invalid YAML: " + firstLine(e.getMessage())));
        }
        if (root.isEmpty()) {
            throw new InvalidConfigException(List.of("the document is empty"));
        }
        List<String> errors = new ArrayList<>();
        Value value = new YamlTree(interpolator, errors).convert(root.get(), "", 0, line(root.get()));
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return value;
    }

    private static String syntaxError(MarkedYamlEngineException e) {
        Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
        String where = mark.map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ").orElse("");
        String problem = e.getProblem() == null ? firstLine(e.getMessage()) : e.getProblem();
        String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
        return "invalid YAML: " + where + problem + context;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable document";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static int line(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /** @param line the line errors about this value name: its key's line for a mapping value, else its own */
    private Value convert(Node node, String path, int depth, int line) {
        // Only what aliases add counts: a plain document of any size under the file limit is read (a store of 15,000
        // rows was refused as an anchor bomb), an anchor bomb still stops here.
        if (!seen.add(node) && ++nodes > MAX_NODES) {
            throw new InvalidConfigException(List.of("the document expands to more than " + MAX_NODES
                    + " nodes (anchors and aliases included); refusing it"));
        }
        if (depth > MAX_DEPTH) {
            throw new InvalidConfigException(List.of(display(path) + ": nested deeper than " + MAX_DEPTH + " levels"));
        }
        if (node instanceof ScalarNode scalar) {
            return scalar(scalar, path, line);
        }
        if (node instanceof SequenceNode seq) {
            List<Value> items = new ArrayList<>(seq.getValue().size());
            for (int i = 0; i < seq.getValue().size(); i++) {
                Node item = seq.getValue().get(i);
                items.add(convert(item, path + "[" + i + "]", depth + 1, line(item)));
            }
            return new Value.Sequence(items, line);
        }
        MappingNode map = (MappingNode) node;
        Map<String, Value> entries = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new HashMap<>();
        for (NodeTuple tuple : map.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                errors.add(display(path) + ": keys must be plain strings, found " + keyNode.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                        + " (line " + line(keyNode) + ")");
                continue;
            }
            String key = keyScalar.getValue();
            if (key.contains("${")) {
                // Values are interpolated, keys are not: a provider named ${TEAM} would be the literal name "${TEAM}".
                errors.add(display(path) + ": key '" + key + "': ${...} is read in values only, not in keys (line "
                        + line(keyNode) + ")");
                continue;
            }
            String child = path.isEmpty() ? key : path + "." + key;
            Integer previous = keyLines.putIfAbsent(key, line(keyNode));
            if (previous != null) {
                errors.add(display(path) + ": duplicate key '" + key + "' (lines " + previous + " and " + line(keyNode) + ")");
                continue;
            }
            // A block value starts on the line after its key; "servr: unknown key" must name the key's line.
            entries.put(key, convert(tuple.getValueNode(), child, depth + 1, line(keyNode)));
        }
        return new Value.Mapping(entries, line);
    }

    private Value scalar(ScalarNode node, String path, int line) {
        String text = node.getValue();
        Tag tag = node.getTag();
        if (text.contains("${")) {
            try {
                text = interpolator.apply(text);
            } catch (IllegalArgumentException e) {
                errors.add(display(path) + ": " + e.getMessage() + " (line " + line + ")");
                return new Value.Scalar("", Value.Type.STRING, line);
            }
            if (node.isPlain()) {
                // ${PORT:-8080} is written as text but means whatever it expands to.
                tag = RESOLVER.resolve(text, true);
            }
        }
        chars += text.length();
        if (chars > MAX_CHARS) {
            throw new InvalidConfigException(List.of("the document's values come to more than " + MAX_CHARS
                    + " characters (anchors and aliases included); refusing it"));
        }
        Value.Type type;
        if (Tag.INT.equals(tag)) {
            type = Value.Type.INT;
        } else if (Tag.FLOAT.equals(tag)) {
            type = Value.Type.FLOAT;
        } else if (Tag.BOOL.equals(tag)) {
            type = Value.Type.BOOL;
        } else if (Tag.NULL.equals(tag)) {
            type = Value.Type.NULL;
        } else {
            type = Value.Type.STRING;
        }
        return new Value.Scalar(text, type, line);
    }

    static String display(String path) {
        return path.isEmpty() ? "(document)" : path;
    }

    /**
     * Refuses nesting deeper than {@link #MAX_DEPTH} as the composer reads it, with the same message as
     * {@link #convert}: SnakeYAML's composer recurses once per level, so a file of a few thousand
     * {@code [} would otherwise end in a {@link StackOverflowError} before {@code convert} sees it.
     * Aliases do not nest in the event stream; {@code convert} guards those.
     */
    private static final class DepthGuard implements Parser {

        /** One open collection: its path, and where the next child goes. */
        private static final class Open {
            final String path;
            final boolean mapping;
            int index;
            boolean atKey = true;
            String key = "";

            Open(String path, boolean mapping) {
                this.path = path;
                this.mapping = mapping;
            }
        }

        private final Parser parser;
        private final Deque<Open> open = new ArrayDeque<>();

        DepthGuard(Parser parser) {
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID id) {
            return parser.checkEvent(id);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public boolean hasNext() {
            return parser.hasNext();
        }

        @Override
        public Event next() {
            Event event = parser.next();
            switch (event.getEventId()) {
                case Scalar, Alias -> child(event, false);
                case SequenceStart -> open.push(new Open(child(event, true), false));
                case MappingStart -> open.push(new Open(child(event, true), true));
                case SequenceEnd, MappingEnd -> open.pop();
                default -> {
                }
            }
            return event;
        }

        /** @return the path of the node this event starts, after checking its depth */
        private String child(Event event, boolean collection) {
            Open parent = open.peek();
            String path;
            boolean key = false;
            if (parent == null) {
                path = "";
            } else if (!parent.mapping) {
                path = parent.path + "[" + parent.index++ + "]";
            } else if (parent.atKey) {
                key = true;
                parent.atKey = false;
                parent.key = event instanceof ScalarEvent s ? s.getValue() : "?";
                path = parent.path;
            } else {
                parent.atKey = true;
                path = parent.path.isEmpty() ? parent.key : parent.path + "." + parent.key;
            }
            // convert() counts value nodes only; a collection key is refused later but must not recurse first.
            if (open.size() > MAX_DEPTH && (!key || collection)) {
                throw new InvalidConfigException(List.of(display(path) + ": nested deeper than " + MAX_DEPTH + " levels"));
            }
            return path;
        }
    }
}
