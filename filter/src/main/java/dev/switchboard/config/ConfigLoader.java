package dev.switchboard.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
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
    /** System property naming the config file. */
    public static final String CONFIG_PROPERTY = "switchboard.config";
    /** Environment variable naming the config file. */
    public static final String CONFIG_ENV = "SWITCHBOARD_CONFIG";
    /** The config file used when none is named and it exists. */
    public static final Path DEFAULT_CONFIG = Path.of("conf", "switchboard.yaml");

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
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidConfigException(List.of(file + ": is a directory, not a config file"));
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is " + size + " bytes; the limit is "
                        + MAX_FILE_BYTES + " bytes"));
            }
            // A device or pipe reports size 0 (or a wrong one): never read past the limit whatever the size said.
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is larger than the limit of "
                        + MAX_FILE_BYTES + " bytes"));
            }
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(file + ": cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")"));
        }
        return parse(bytes);
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

    /**
     * Where the configuration is, first that is set: the given values (a command-line option, an
     * init-param, a context parameter), then the system property {@code switchboard.config}, then the
     * environment variable {@code SWITCHBOARD_CONFIG}.
     *
     * @param explicit candidate paths, highest priority first; {@code null} or blank ones are skipped
     * @return the path, or {@code null} when none is set
     */
    public static String configuredPath(String... explicit) {
        for (String v : explicit) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        for (String v : new String[] {System.getProperty(CONFIG_PROPERTY), System.getenv(CONFIG_ENV)}) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
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
     * The admin store file of a configuration: {@code admin.store}, relative to the config file's folder
     * (or to the working directory for a configuration without a file).
     *
     * @param config the configuration
     * @param configFile its file, or {@code null}
     * @return the store's path
     */
    public static Path storePath(SwitchboardConfig config, Path configFile) {
        Path store = Path.of(config.admin().store());
        if (store.isAbsolute()) {
            return store;
        }
        Path folder = configFile == null ? null : configFile.toAbsolutePath().getParent();
        return folder == null ? store.toAbsolutePath() : folder.resolve(store);
    }

    /**
     * Loads a configuration and its admin store into one snapshot.
     *
     * @param configFile the config file, or {@code null} to use {@code builtIn}
     * @param configBytes the config file's bytes (already read, so the hash matches what was parsed)
     * @param storeBytes the store's bytes, or {@code null} when it does not exist
     * @param storeFile where the store lives (for messages and status)
     * @return the snapshot
     * @throws InvalidConfigException listing every problem, each prefixed by its file when it is the store
     */
    public Snapshot snapshot(Path configFile, byte[] configBytes, Path storeFile, byte[] storeBytes) {
        SwitchboardConfig base = parse(configBytes);
        List<dev.switchboard.rules.VirtualModel> stored = List.of();
        if (storeBytes != null && storeBytes.length > 0) {
            try {
                stored = readStore(storeBytes, base.rules().providers().keySet());
            } catch (InvalidConfigException e) {
                List<String> prefixed = new java.util.ArrayList<>();
                e.errors().forEach(x -> prefixed.add(storeFile.getFileName() + ": " + x));
                throw new InvalidConfigException(prefixed);
            }
        }
        SwitchboardConfig merged = merge(base, stored, storeFile);
        java.util.Map<Path, String> files = new java.util.LinkedHashMap<>();
        if (configFile != null) {
            files.put(configFile, sha256(configBytes));
        }
        files.put(storeFile, storeBytes == null ? null : sha256(storeBytes));
        byte[] both = new byte[configBytes.length + 1 + (storeBytes == null ? 0 : storeBytes.length)];
        System.arraycopy(configBytes, 0, both, 0, configBytes.length);
        if (storeBytes != null) {
            System.arraycopy(storeBytes, 0, both, configBytes.length + 1, storeBytes.length);
        }
        return new Snapshot(merged, base.rules().virtualModels(), stored, sha256(both), java.time.Instant.now(), files);
    }

    /**
     * Merges store rows under a configuration: config-file rows win over store rows of the same source
     * (SPEC section 7). The merged table is validated again as a whole.
     *
     * @param base the config file's configuration
     * @param stored the store's rows
     * @param storeFile the store's path, for warning labels
     * @return the merged configuration, with warnings for both files
     */
    public SwitchboardConfig merge(SwitchboardConfig base, List<dev.switchboard.rules.VirtualModel> stored, Path storeFile) {
        dev.switchboard.rules.Rules r = base.rules();
        java.util.Set<String> managed = new java.util.HashSet<>();
        r.virtualModels().forEach(vm -> managed.add(vm.source()));
        List<dev.switchboard.rules.VirtualModel> rows = new java.util.ArrayList<>(r.virtualModels());
        List<String> labels = new java.util.ArrayList<>(Lint.labels("virtual_models", rows.size()));
        String storeName = storeFile == null ? "admin store" : storeFile.getFileName().toString();
        for (int i = 0; i < stored.size(); i++) {
            if (!managed.contains(stored.get(i).source())) {
                rows.add(stored.get(i));
                labels.add(storeName + ": virtual_models[" + i + "]");
            }
        }
        dev.switchboard.rules.Rules rules = new dev.switchboard.rules.Rules(rows, r.providers(), r.defaultProvider(),
                r.identity(), r.enabledByDefault(), r.keepOnlyAliases());
        return new SwitchboardConfig(base.server(), rules, base.admin(), base.reload(), Lint.warnings(rules, labels));
    }

    /**
     * @param storeBytes an admin store document
     * @param providerNames the configuration's declared providers
     * @return its rows, validated
     * @throws InvalidConfigException listing every problem
     */
    public List<dev.switchboard.rules.VirtualModel> readStore(byte[] storeBytes, java.util.Set<String> providerNames) {
        Value root = YamlTree.parse(decode(storeBytes), new Interpolator(env));
        return new ConfigReader(env).readStore(root, providerNames);
    }

    /**
     * Validates one virtual model given as a JSON object (the admin API's body, its field names those of
     * the config file: {@code target} or {@code targets}, ...), with the messages {@code validate} prints.
     *
     * @param json a JSON object as {@link dev.switchboard.json.JsonTree} parses it
     * @param providerNames the configuration's declared providers
     * @return the row
     * @throws InvalidConfigException listing every problem
     */
    public dev.switchboard.rules.VirtualModel readRow(java.util.Map<String, Object> json, java.util.Set<String> providerNames) {
        return new ConfigReader(env).readRow(toValue(json), providerNames);
    }

    private static Value toValue(Object json) {
        if (json instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Value> entries = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> entries.put(String.valueOf(k), toValue(v)));
            return new Value.Mapping(entries, 0);
        }
        if (json instanceof List<?> l) {
            List<Value> items = new java.util.ArrayList<>();
            l.forEach(v -> items.add(toValue(v)));
            return new Value.Sequence(items, 0);
        }
        if (json instanceof dev.switchboard.json.JsonTree.Num n) {
            boolean integral = n.text().chars().allMatch(c -> c == '-' || Character.isDigit(c));
            return new Value.Scalar(n.text(), integral ? Value.Type.INT : Value.Type.FLOAT, 0);
        }
        if (json instanceof Boolean b) {
            return new Value.Scalar(b.toString(), Value.Type.BOOL, 0);
        }
        return json == null ? new Value.Scalar("", Value.Type.NULL, 0) : new Value.Scalar(json.toString(), Value.Type.STRING, 0);
    }

    static String sha256(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(dev.switchboard.rules.Client.sha256Bytes(bytes));
    }
}
