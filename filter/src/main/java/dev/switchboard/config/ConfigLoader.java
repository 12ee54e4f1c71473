package dev.switchboard.config;

import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.VirtualModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads and validates a Switchboard configuration file (SPEC section 1).
 *
 * <p>Unknown keys, wrong types and every rule of SPEC section 2's validation list are errors;
 * all errors of a file are reported together in one {@link InvalidConfigException}, each naming its
 * YAML path. {@code ${VAR}} and {@code ${VAR:-default}} are expanded in every scalar. Files larger
 * than {@link #MAX_FILE_BYTES}, anchor bombs and deep nesting are refused.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ConfigLoader {

    /** Largest accepted config file: far beyond any real rule set, small enough to parse in milliseconds. */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private final Function<String, String> env;

    /** A loader that reads the process environment. */
    public ConfigLoader() {
        this(System::getenv);
    }

    /**
     * @param env the environment to expand {@code ${VAR}} from (and read
     *     {@code KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT} from); returns {@code null} for unset names
     */
    public ConfigLoader(Function<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * @param file the YAML file
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem, the file name first when it cannot be read
     */
    public SwitchboardConfig load(Path file) {
        byte[] bytes = readFile(file);
        if (bytes == null) {
            throw new InvalidConfigException(List.of(file + ": no such file"));
        }
        return parse(bytes);
    }

    /**
     * Reads a config file for parsing, never more than {@link #MAX_FILE_BYTES} + 1 bytes of it.
     *
     * @param file the file
     * @return its bytes, or {@code null} when it does not exist
     * @throws InvalidConfigException with one message that names the file and says why it cannot be used: a
     *     directory, larger than the limit (with its real size), or unreadable (with the system's reason)
     */
    public static byte[] readFile(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidConfigException(List.of(file + ": is a directory, not a config file"));
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                // A pipe blocks its reader until a writer comes (the reload thread, holding the lock every admin write
                // and the stop wait for), and process substitution's can be read once: files are read at every change.
                throw new InvalidConfigException(List.of(file + ": is not a regular file (a pipe, socket or device);"
                        + " write the config to a file"));
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is " + size + " bytes; the limit is "
                        + MAX_FILE_BYTES + " bytes"));
            }
            byte[] bytes;
            // A file that grows after its size was read: never read past the limit whatever the size said.
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is larger than the limit of "
                        + MAX_FILE_BYTES + " bytes"));
            }
            return bytes;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(file + ": cannot be read (" + reason(e, file) + ")"));
        }
    }

    /**
     * The system's reason for a failed file operation in words, without repeating the file's own name and without a
     * Java class name: "permission denied", "permission denied: /etc/x/.lock" for another file, the system's own reason
     * ("Read-only file system"), else the message.
     */
    public static String reason(IOException e, Path file) {
        String what;
        String other = null;
        if (e instanceof java.nio.file.FileSystemException f) {
            what = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "no such file or directory"
                    : e instanceof java.nio.file.NotDirectoryException ? "not a directory"
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : e instanceof java.nio.file.DirectoryNotEmptyException ? "directory not empty"
                    : f.getReason() != null ? f.getReason() : "input/output error";
            other = f.getFile() != null && !f.getFile().equals(file.toString()) ? f.getFile() : null;
        } else {
            String message = e.getMessage();
            what = message == null || message.isBlank() ? "input/output error"
                    : message.replace(file + ": ", "").replace(file.toString(), "the file");
        }
        return other == null ? what : what + ": " + other;
    }

    /**
     * @param bytes a YAML document in UTF-8
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem
     */
    public SwitchboardConfig parse(byte[] bytes) {
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InvalidConfigException(List.of("the document is " + bytes.length + " bytes; the limit is "
                    + MAX_FILE_BYTES + " bytes"));
        }
        return parse(decode(bytes));
    }

    /**
     * @param yaml a YAML document
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem
     */
    public SwitchboardConfig parse(String yaml) {
        Value root = YamlTree.parse(yaml, new Interpolator(env));
        return new ConfigReader(env).read(root);
    }

    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException(List.of("the document is not valid UTF-8"));
        }
    }

    /**
     * Merges store rows under a configuration: config-file rows win over store rows of the same source
     * (SPEC section 7). Warnings are computed again for the merged table as a whole.
     *
     * @param base the config file's configuration
     * @param stored the store's rows
     * @param storeName the store's name ({@link Warning#file()} of warnings about its rows)
     * @return the merged configuration, with warnings for both
     */
    public SwitchboardConfig merge(SwitchboardConfig base, List<VirtualModel> stored, String storeName) {
        Rules r = base.rules();
        // A config row shadows the store's row of its source; a config policy also the store's policies of its source
        // spelled in another case: policies match names ignoring case (as upstreams that do read them), so a store
        // policy spelled otherwise would be the one an exact match finds, and could open what the file closed.
        // Redirects match exactly (SPEC section 2) and their targets are checked: a redirect spelled otherwise stays.
        // Source -> the config row's index in the file.
        Map<String, Integer> managed = new HashMap<>();
        // Folded source -> the config policy's index in the file.
        Map<String, Integer> managedPolicies = new HashMap<>();
        for (int i = 0; i < r.virtualModels().size(); i++) {
            VirtualModel vm = r.virtualModels().get(i);
            managed.put(vm.source(), i);
            if (!vm.isRedirect()) {
                managedPolicies.putIfAbsent(VirtualModel.folded(vm.source()), i);
            }
        }
        List<VirtualModel> rows = new ArrayList<>(r.virtualModels());
        List<Lint.Origin> origins = new ArrayList<>(Lint.configRows(rows.size()));
        List<Warning> shadowed = new ArrayList<>();
        for (int i = 0; i < stored.size(); i++) {
            VirtualModel vm = stored.get(i);
            Integer policy = vm.isRedirect() ? null : managedPolicies.get(VirtualModel.folded(vm.source()));
            Integer same = managed.get(vm.source());
            if (same != null) {
                // Said, or the store's row would come back unseen when the file's is removed (a row promoted to the
                // file and left in the store).
                shadowed.add(new Warning(null, Lint.origin(null, same).path() + ".source", vm.source(), "the admin"
                        + " store's row of this source (" + storeName + ", " + Lint.origin(storeName, i).path() + ") is"
                        + " left out while this row is in the config file, and comes back when it is removed: remove it"
                        + " from the store"));
                continue;
            }
            if (policy != null) {
                // Said beside the config row, where the admin API and the dashboard show a row's warnings.
                shadowed.add(new Warning(null, Lint.origin(null, policy).path() + ".source",
                        r.virtualModels().get(policy).source(), "the admin store's policy '" + vm.source() + "' ("
                        + storeName + ", " + Lint.origin(storeName, i).path() + ") differs from this one only in case "
                        + "and is left out (policies match names ignoring case): remove it from the store"));
                continue;
            }
            rows.add(vm);
            origins.add(Lint.origin(storeName, i));
        }
        Rules rules = new Rules(rows, r.providers(), r.defaultProvider(), r.identity(), r.enabledByDefault(),
                r.keepOnlyAliases());
        List<Warning> warnings = new ArrayList<>(Lint.tokens(base.admin(), base.observability()));
        warnings.addAll(Lint.timeouts(base.server()));
        warnings.addAll(Lint.warnings(rules, origins));
        warnings.addAll(shadowed);
        return new SwitchboardConfig(base.server(), rules, base.admin(), base.reload(), base.observability(), base.experiments(),
                base.failover(), List.copyOf(warnings));
    }

    /**
     * @param storeBytes an admin store document (as {@link #renderStore} writes it, or edited by hand)
     * @param providerNames the configuration's declared providers
     * @return its rows, validated
     * @throws InvalidConfigException listing every problem (a document over {@link #MAX_FILE_BYTES} included)
     */
    public List<VirtualModel> readStore(byte[] storeBytes, Set<String> providerNames) {
        if (storeBytes.length > MAX_FILE_BYTES) {
            throw new InvalidConfigException(List.of("the document is " + storeBytes.length + " bytes; the limit is "
                    + MAX_FILE_BYTES + " bytes"));
        }
        Value root = YamlTree.parse(decode(storeBytes), new Interpolator(env));
        return VirtualModelReader.forStore().readStore(root, providerNames);
    }

    /**
     * Whether a file read at a reload (the config file, a store file) looks cut short beside the one in force (a save
     * stopped half-way, a copy cut, a disk full): its last line has content but no line end, where the file in force
     * ended with one; or its last key has no value at all ({@code key:} and nothing after it), where the file in force
     * had one at that place ({@code virtual_models:}, {@code identity:}, {@code admin:} or a row's {@code enabled:}).
     * Read as written, such a file would drop what followed the cut: deny policies, gateway keys,
     * {@code models.enabled_by_default: false}. A blank or comment last line, and an explicit {@code null} or
     * {@code ~}, are as written.
     *
     * @param next the file as read now
     * @param inForce the file in force
     * @return why it reads as cut short, or {@code null}
     */
    public String cutShort(byte[] next, byte[] inForce) {
        if (next.length == 0 || inForce == null || inForce.length == 0) {
            // An empty file is refused or kept as such elsewhere (a document must be a mapping; a blank store).
            return null;
        }
        boolean prefix = next.length < inForce.length && java.util.Arrays.equals(next, 0, next.length, inForce, 0,
                next.length);
        if (next[next.length - 1] != '\n' && inForce[inForce.length - 1] == '\n'
                && (lastLineHasContent(next) || prefix)) {
            return "(document): the file's last line has no line end, as the one in force has; it reads as cut short (a"
                    + " save not finished): save it whole, ending with a line end";
        }
        if (prefix) {
            // The one in force cut at a line end: whole entries or sections gone is an edit; a cut inside one (a row's
            // user_paths or enabled lines, identity's clients) would open what they closed.
            String rest = new String(inForce, next.length, inForce.length - next.length, StandardCharsets.UTF_8);
            int lineNumber = 1;
            for (byte b : next) {
                lineNumber += b == '\n' ? 1 : 0;
            }
            for (String line : rest.split("\n", -1)) {
                String content = line.strip();
                if (content.isEmpty() || content.startsWith("#")) {
                    lineNumber++;
                    continue;
                }
                if (Character.isWhitespace(line.charAt(0)) && !content.startsWith("-")) {
                    // Named by its line, not quoted: it may hold a key.
                    return "(document): the file is the one in force cut inside an entry (line " + lineNumber + " of the"
                            + " one in force continues it); it reads as cut short (a save not finished): save it whole"
                            + " (to end an entry there on purpose, save it with a line after it, a comment)";
                }
                break;
            }
        }
        try {
            List<Object> at = lastEmptyValue(YamlTree.parse(decode(next), new Interpolator(env)), new ArrayList<>());
            if (at == null) {
                return null;
            }
            Value before = valueAt(YamlTree.parse(decode(inForce), new Interpolator(env)), at);
            if (before == null || Fields.isNull(before)) {
                return null;
            }
            return display(at) + ": the file ends with this key without a value, where the one in force has one; it"
                    + " reads as cut short (a save not finished): save it whole, or write the value meant ([] or {} for"
                    + " none, null)";
        } catch (RuntimeException e) {
            // A file that does not parse is refused as such by its own read.
            return null;
        }
    }

    /** @return whether the text after the last line end holds more than spaces, tabs and a comment */
    private static boolean lastLineHasContent(byte[] bytes) {
        int i = bytes.length;
        while (i > 0 && bytes[i - 1] != '\n') {
            i--;
        }
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r')) {
            i++;
        }
        return i < bytes.length && bytes[i] != '#';
    }

    /**
     * @return the path (keys and indexes) of the document's last value in document order when it is a key with
     *     nothing after it (a plain empty null), else {@code null}
     */
    private static List<Object> lastEmptyValue(Value v, List<Object> path) {
        if (v instanceof Value.Mapping m && !m.entries().isEmpty()) {
            Map.Entry<String, Value> last = null;
            for (Map.Entry<String, Value> e : m.entries().entrySet()) {
                last = e;
            }
            path.add(last.getKey());
            Value value = last.getValue();
            return value instanceof Value.Scalar sc && sc.type() == Value.Type.NULL && sc.text().isEmpty() ? path
                    : lastEmptyValue(value, path);
        }
        if (v instanceof Value.Sequence s && !s.items().isEmpty()) {
            path.add(s.items().size() - 1);
            return lastEmptyValue(s.items().get(s.items().size() - 1), path);
        }
        return null;
    }

    /** @return the value at a path {@link #lastEmptyValue} found, or {@code null} when there is none */
    private static Value valueAt(Value root, List<Object> path) {
        Value v = root;
        for (Object step : path) {
            if (step instanceof Integer i) {
                v = v instanceof Value.Sequence s && i < s.items().size() ? s.items().get(i) : null;
            } else {
                v = v instanceof Value.Mapping m ? m.entries().get((String) step) : null;
            }
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    private static String display(List<Object> path) {
        StringBuilder b = new StringBuilder();
        for (Object step : path) {
            if (step instanceof Integer i) {
                b.append('[').append(i).append(']');
            } else {
                b.append(b.length() == 0 ? "" : ".").append(step);
            }
        }
        return b.toString();
    }

    /**
     * Reads the rows of a table store (a database): one JSON-like object per virtual model, with the file
     * store's field names ({@code source}, {@code targets} as a list of {@code {model, weight}}, {@code strategy},
     * {@code fallbacks}, {@code user_paths}, {@code enabled}, {@code description}), every value literal (no <code>${...}</code>
     * expansion). Validated as the store document is, all rows in one pass; each error names its row by source:
     * {@code virtual_models[source=fast].targets[0].weight: must be > 0, was 0}.
     *
     * @param rows the rows, as {@code StoreContents.Rows} holds them
     * @param providerNames the configuration's declared providers
     * @return the virtual models, in the order of the rows
     * @throws InvalidConfigException listing every problem
     */
    public List<VirtualModel> readStoreRows(List<Map<String, Object>> rows, Set<String> providerNames) {
        List<Value> values = new ArrayList<>(rows.size());
        List<String> paths = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            values.add(toValue(row));
            paths.add(row.get("source") instanceof String s ? "virtual_models[source=" + s + "]" : "virtual_models[" + i + "]");
        }
        return VirtualModelReader.forStore().readRows(values, paths, providerNames);
    }

    /**
     * The rows of a table store for some virtual models: what {@link #readStoreRows} reads back as the same
     * virtual models. A policy has no {@code targets} and no {@code strategy}; a row without fallbacks has no
     * {@code fallbacks}.
     *
     * @param models the store's virtual models
     * @return one row each, sorted by source
     */
    public static List<Map<String, Object>> storeRows(List<VirtualModel> models) {
        List<VirtualModel> sorted = new ArrayList<>(models);
        sorted.sort((a, b) -> a.source().compareTo(b.source()));
        List<Map<String, Object>> out = new ArrayList<>(sorted.size());
        for (VirtualModel vm : sorted) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("source", vm.source());
            if (vm.isRedirect()) {
                List<Object> targets = new ArrayList<>();
                vm.targets().forEach(t -> targets.add(Map.of("model", t.model(), "weight", t.weight())));
                row.put("targets", targets);
                row.put("strategy", vm.strategy().yamlName());
            }
            if (!vm.fallbacks().isEmpty()) {
                row.put("fallbacks", List.copyOf(vm.fallbacks()));
            }
            row.put("user_paths", List.copyOf(vm.userPaths()));
            row.put("enabled", vm.enabled());
            row.put("description", vm.description());
            out.add(row);
        }
        return out;
    }

    /**
     * Validates one virtual model given as a JSON object (the admin API's body, its field names those of
     * the config file: {@code target} or {@code targets}, ...), with the messages {@code validate} prints; an unknown
     * key's message also names the API's {@code target_model} and {@code old_source}, which the caller takes off first.
     *
     * @param json a JSON object as {@link JsonTree} parses it
     * @param providerNames the configuration's declared providers
     * @return the row
     * @throws InvalidConfigException listing every problem
     */
    public VirtualModel readRow(Map<String, Object> json, Set<String> providerNames) {
        return VirtualModelReader.forAdminRow().readRow(toValue(json), providerNames);
    }

    private static Value toValue(Object json) {
        if (json instanceof Map<?, ?> m) {
            Map<String, Value> entries = new LinkedHashMap<>();
            m.forEach((k, v) -> entries.put(String.valueOf(k), toValue(v)));
            return new Value.Mapping(entries, 0);
        }
        if (json instanceof List<?> l) {
            List<Value> items = new ArrayList<>();
            l.forEach(v -> items.add(toValue(v)));
            return new Value.Sequence(items, 0);
        }
        if (json instanceof Integer || json instanceof Long || json instanceof Short) {
            return new Value.Scalar(json.toString(), Value.Type.INT, 0);
        }
        if (json instanceof JsonTree.Num n) {
            boolean integral = n.text().chars().allMatch(c -> c == '-' || Character.isDigit(c));
            return new Value.Scalar(n.text(), integral ? Value.Type.INT : Value.Type.FLOAT, 0);
        }
        if (json instanceof Boolean b) {
            return new Value.Scalar(b.toString(), Value.Type.BOOL, 0);
        }
        return json == null ? new Value.Scalar("", Value.Type.NULL, 0) : new Value.Scalar(json.toString(), Value.Type.STRING, 0);
    }

    /**
     * @param storeBytes an admin store document as it is on disk
     * @return whether it holds comments of its own beside {@link #renderStore}'s header (a hand edit's notes), which a
     *     write, rendering the document from its rows, drops
     */
    public static boolean storeHasComments(byte[] storeBytes) {
        return StoreDocument.handComments(storeBytes);
    }

    /**
     * The admin store document for some rows: the config file's own {@code virtual_models} format, sorted by
     * source, every value literal (<code>${</code> written as <code>$${</code>), so that {@link #readStore} gives the rows back exactly.
     *
     * @param rows the store's rows
     * @return the document, UTF-8
     */
    public static byte[] renderStore(List<VirtualModel> rows) {
        return StoreDocument.render(rows);
    }
}
