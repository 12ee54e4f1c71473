package dev.switchboard.config;

import dev.switchboard.rules.Client;
import dev.switchboard.rules.Identity;
import dev.switchboard.rules.InvalidUserPathException;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Selector;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.UserPath;
import dev.switchboard.rules.VirtualModel;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a {@link Value} tree into a validated {@link SwitchboardConfig}. All validation lives here, and
 * every message starts with the YAML path of what is wrong and shows the bad value (never a secret).
 * Errors are collected, not thrown one by one, so a user fixes a file in one pass.
 */
final class ConfigReader {

    static final List<String> TOP_KEYS = List.of("version", "server", "providers", "default_provider", "identity",
            "models", "virtual_models", "admin", "reload");
    static final List<String> SERVER_KEYS = List.of("host", "port", "max_request_bytes", "upstream_idle_timeout",
            "models_cache_ttl");
    static final List<String> PROVIDER_KEYS = List.of("type", "base_url", "api_key", "models", "headers");
    static final List<String> IDENTITY_KEYS = List.of("user_path_header", "trust_user_path_header", "clients");
    static final List<String> CLIENT_KEYS = List.of("name", "key_sha256", "user_path");
    static final List<String> MODELS_KEYS = List.of("enabled_by_default", "keep_only_aliases");
    static final List<String> VIRTUAL_MODEL_KEYS = List.of("source", "target", "targets", "strategy", "user_paths",
            "enabled", "description");
    static final List<String> TARGET_KEYS = List.of("model", "weight");
    static final List<String> ADMIN_KEYS = List.of("token", "store");
    static final List<String> RELOAD_KEYS = List.of("poll_interval");

    /** Environment variable that overrides {@code models.keep_only_aliases} (GoModel's name). */
    static final String KEEP_ONLY_ALIASES_ENV = "KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT";
    /** A target's weight is at most this, so that sums cannot overflow. */
    static final int MAX_WEIGHT = 1_000_000;

    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~";

    private final Function<String, String> env;
    private final List<String> errors = new ArrayList<>();

    ConfigReader(Function<String, String> env) {
        this.env = env;
    }

    SwitchboardConfig read(Value root) {
        if (!(root instanceof Value.Mapping doc)) {
            throw new InvalidConfigException(List.of("(document): must be a mapping of sections, was " + root.describe()));
        }
        onlyKeys(doc, "", TOP_KEYS);
        Value version = doc.entries().get("version");
        if (version != null && !(version instanceof Value.Scalar s && s.type() == Value.Type.INT && s.text().equals("1"))) {
            error("version", version, "must be 1, was " + version.describe());
        }
        ServerSettings server = readServer(mapping(doc.entries().get("server"), "server"));
        Value.Mapping providerSection = mapping(doc.entries().get("providers"), "providers");
        Map<String, Provider> providers = readProviders(providerSection);
        // Names are checked against every declared provider: one with an error of its own is still declared.
        Set<String> declaredProviders = providerSection == null ? Set.of() : providerSection.entries().keySet();
        String defaultProvider = string(doc, "", "default_provider", null);
        if (defaultProvider != null && !declaredProviders.contains(defaultProvider)) {
            error("default_provider", doc.entries().get("default_provider"),
                    "'" + defaultProvider + "' is not a declared provider" + declared(declaredProviders));
        }
        Identity identity = readIdentity(mapping(doc.entries().get("identity"), "identity"));
        Value.Mapping models = mapping(doc.entries().get("models"), "models");
        boolean enabledByDefault = Rules.DEFAULT_ENABLED_BY_DEFAULT;
        boolean keepOnlyAliases = Rules.DEFAULT_KEEP_ONLY_ALIASES;
        if (models != null) {
            onlyKeys(models, "models", MODELS_KEYS);
            enabledByDefault = bool(models, "models", "enabled_by_default", enabledByDefault);
            keepOnlyAliases = bool(models, "models", "keep_only_aliases", keepOnlyAliases);
        }
        String keepEnv = env.apply(KEEP_ONLY_ALIASES_ENV);
        if (keepEnv != null && !keepEnv.isBlank()) {
            switch (keepEnv.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> keepOnlyAliases = true;
                case "false" -> keepOnlyAliases = false;
                default -> errors.add(KEEP_ONLY_ALIASES_ENV + " (environment): must be true or false, was \"" + keepEnv + "\"");
            }
        }
        List<VirtualModel> virtualModels = readVirtualModels(doc.entries().get("virtual_models"), declaredProviders);
        AdminSettings admin = readAdmin(mapping(doc.entries().get("admin"), "admin"));
        ReloadSettings reload = readReload(mapping(doc.entries().get("reload"), "reload"));
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        Rules rules = new Rules(virtualModels, providers, defaultProvider, identity, enabledByDefault, keepOnlyAliases);
        return new SwitchboardConfig(server, rules, admin, reload, Lint.warnings(rules, Lint.configRows(virtualModels.size())));
    }

    /** Keys of an admin store document. */
    static final List<String> STORE_KEYS = List.of("version", "virtual_models");

    /**
     * Reads an admin store document ({@code version}, {@code virtual_models}) with the same validation as
     * the config file's table.
     *
     * @param root the parsed store
     * @param providerNames the config's declared providers
     * @return the store's rows
     * @throws InvalidConfigException listing every problem
     */
    List<VirtualModel> readStore(Value root, Set<String> providerNames) {
        if (!(root instanceof Value.Mapping doc)) {
            throw new InvalidConfigException(List.of("(document): must be a mapping with virtual_models, was " + root.describe()));
        }
        onlyKeys(doc, "", STORE_KEYS);
        List<VirtualModel> rows = readVirtualModels(doc.entries().get("virtual_models"), providerNames);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return rows;
    }

    /**
     * Reads one admin API row (JSON body already turned into a {@link Value}); messages are those
     * {@code validate} prints, with paths relative to the row.
     *
     * @return the row
     * @throws InvalidConfigException listing every problem
     */
    VirtualModel readRow(Value row, Set<String> providerNames) {
        VirtualModel vm = readVirtualModel(row, "", providerNames);
        if (!errors.isEmpty() || vm == null) {
            throw new InvalidConfigException(errors.isEmpty() ? List.of("invalid virtual model") : errors);
        }
        return vm;
    }

    // ---- sections ----------------------------------------------------------------------------------

    private ServerSettings readServer(Value.Mapping m) {
        if (m == null) {
            return ServerSettings.DEFAULT;
        }
        onlyKeys(m, "server", SERVER_KEYS);
        String host = string(m, "server", "host", ServerSettings.DEFAULT_HOST);
        if (host.isBlank()) {
            error("server.host", m.entries().get("host"), "must not be empty");
        }
        int port = integer(m, "server", "port", ServerSettings.DEFAULT_PORT, 0, 65535);
        int max = integer(m, "server", "max_request_bytes", ServerSettings.DEFAULT_MAX_REQUEST_BYTES, 1,
                ServerSettings.MAX_MAX_REQUEST_BYTES);
        Duration idle = duration(m, "server", "upstream_idle_timeout", ServerSettings.DEFAULT_UPSTREAM_IDLE_TIMEOUT);
        Duration ttl = duration(m, "server", "models_cache_ttl", ServerSettings.DEFAULT_MODELS_CACHE_TTL);
        return new ServerSettings(host.strip(), port, max, idle, ttl);
    }

    private Map<String, Provider> readProviders(Value.Mapping m) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        if (m == null) {
            return providers;
        }
        for (Map.Entry<String, Value> e : m.entries().entrySet()) {
            String name = e.getKey();
            String path = "providers." + name;
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                error(path, e.getValue(), "'" + name + "' is not a valid provider name (letters, digits, '.', '_', '-'; no '/')");
                continue;
            }
            Value.Mapping p = required(e.getValue(), path);
            if (p == null) {
                continue;
            }
            onlyKeys(p, path, PROVIDER_KEYS);
            String typeName = string(p, path, "type", null);
            ProviderType type = typeName == null ? null : ProviderType.fromYamlName(typeName.strip());
            if (typeName == null) {
                error(path + ".type", p, "is required (openai, anthropic, openai-compatible or echo)");
            } else if (type == null) {
                error(path + ".type", p.entries().get("type"),
                        "must be one of openai, anthropic, openai-compatible, echo, was \"" + typeName + "\"");
            }
            String baseUrl = string(p, path, "base_url", null);
            if (type != null) {
                baseUrl = baseUrl(type, baseUrl, path, p);
            }
            String apiKey = string(p, path, "api_key", "");
            List<String> models = strings(p, path, "models");
            checkUnique(models, path + ".models", p.entries().get("models"), "model");
            Map<String, String> headers = new LinkedHashMap<>();
            Value.Mapping h = mapping(p.entries().get("headers"), path + ".headers");
            if (h != null) {
                for (Map.Entry<String, Value> he : h.entries().entrySet()) {
                    String hp = path + ".headers." + he.getKey();
                    if (!isToken(he.getKey())) {
                        error(hp, he.getValue(), "'" + he.getKey() + "' is not a valid header name");
                    } else if (he.getValue() instanceof Value.Scalar s && s.type() != Value.Type.NULL) {
                        headers.put(he.getKey(), s.text());
                    } else {
                        error(hp, he.getValue(), "must be a string, was " + he.getValue().describe());
                    }
                }
            }
            if (type != null) {
                providers.put(name, new Provider(name, type, baseUrl, apiKey, models, headers));
            }
        }
        return providers;
    }

    private String baseUrl(ProviderType type, String baseUrl, String path, Value.Mapping p) {
        Value where = p.entries().get("base_url");
        if (type == ProviderType.ECHO) {
            if (baseUrl != null) {
                error(path + ".base_url", where, "is not used by echo providers (they answer locally); remove it");
            }
            return null;
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            if (type.defaultBaseUrl() == null) {
                error(path + ".base_url", where == null ? p : where, "is required for " + type.yamlName() + " providers");
            }
            return type.defaultBaseUrl();
        }
        String url = baseUrl.strip();
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                error(path + ".base_url", where, "must be an http or https URL without query, was \"" + url + "\"");
            }
        } catch (URISyntaxException e) {
            error(path + ".base_url", where, "must be an http or https URL, was \"" + url + "\"");
        }
        // The request path (/v1/...) is appended; a trailing slash would double it.
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private Identity readIdentity(Value.Mapping m) {
        if (m == null) {
            return Identity.DEFAULT;
        }
        onlyKeys(m, "identity", IDENTITY_KEYS);
        String header = string(m, "identity", "user_path_header", Identity.DEFAULT_USER_PATH_HEADER).strip();
        if (!isToken(header)) {
            error("identity.user_path_header", m.entries().get("user_path_header"),
                    "must be a valid header name, was \"" + header + "\"");
        }
        boolean trust = bool(m, "identity", "trust_user_path_header", Identity.DEFAULT_TRUST_USER_PATH_HEADER);
        List<Client> clients = new ArrayList<>();
        Value.Sequence seq = sequence(m.entries().get("clients"), "identity.clients");
        if (seq != null) {
            Map<String, String> names = new HashMap<>();
            Map<String, String> hashes = new HashMap<>();
            for (int i = 0; i < seq.items().size(); i++) {
                String path = "identity.clients[" + i + "]";
                Value.Mapping c = required(seq.items().get(i), path);
                if (c == null) {
                    continue;
                }
                onlyKeys(c, path, CLIENT_KEYS);
                String name = string(c, path, "name", null);
                if (name == null || name.isBlank()) {
                    error(path + ".name", c, "is required");
                    continue;
                }
                name = name.strip();
                String previous = names.putIfAbsent(name, path);
                if (previous != null) {
                    error(path + ".name", c.entries().get("name"), "duplicate client '" + name + "' (also " + previous + ")");
                }
                String hex = string(c, path, "key_sha256", null);
                byte[] digest = null;
                if (hex == null) {
                    error(path + ".key_sha256", c, "is required (the hex SHA-256 of the key, e.g. from `printf %s KEY | sha256sum`)");
                } else if (!hex.strip().matches("[0-9a-fA-F]{64}")) {
                    error(path + ".key_sha256", c.entries().get("key_sha256"),
                            "must be 64 hex digits (a SHA-256), was " + hex.strip().length() + " characters");
                } else {
                    digest = HexFormat.of().parseHex(hex.strip().toLowerCase(java.util.Locale.ROOT));
                    String prev = hashes.putIfAbsent(hex.strip().toLowerCase(java.util.Locale.ROOT), path);
                    if (prev != null) {
                        error(path + ".key_sha256", c.entries().get("key_sha256"), "the same key as " + prev);
                    }
                }
                String userPath = string(c, path, "user_path", null);
                if (userPath != null) {
                    userPath = userPath(userPath, path + ".user_path", c.entries().get("user_path"));
                }
                if (digest != null) {
                    clients.add(new Client(name, digest, userPath));
                }
            }
        }
        return new Identity(header, trust, clients);
    }

    private AdminSettings readAdmin(Value.Mapping m) {
        if (m == null) {
            return AdminSettings.DEFAULT;
        }
        onlyKeys(m, "admin", ADMIN_KEYS);
        String token = string(m, "admin", "token", AdminSettings.DEFAULT_TOKEN).strip();
        String store = string(m, "admin", "store", AdminSettings.DEFAULT_STORE).strip();
        if (store.isEmpty()) {
            error("admin.store", m.entries().get("store"), "must not be empty");
        }
        return new AdminSettings(token, store);
    }

    private ReloadSettings readReload(Value.Mapping m) {
        if (m == null) {
            return ReloadSettings.DEFAULT;
        }
        onlyKeys(m, "reload", RELOAD_KEYS);
        return new ReloadSettings(duration(m, "reload", "poll_interval", ReloadSettings.DEFAULT_POLL_INTERVAL));
    }

    // ---- virtual models (shared by the config file and the admin store) ---------------------------

    private List<VirtualModel> readVirtualModels(Value v, Set<String> providerNames) {
        List<VirtualModel> out = new ArrayList<>();
        Value.Sequence seq = sequence(v, "virtual_models");
        if (seq == null) {
            return out;
        }
        Map<String, String> sources = new HashMap<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String path = "virtual_models[" + i + "]";
            Value item = seq.items().get(i);
            // Duplicates are checked on the raw source, so they show even when a row has other errors;
            // the duplicate row is still read, so its own errors show in the same run.
            if (item instanceof Value.Mapping mm && mm.entries().get("source") instanceof Value.Scalar s
                    && s.type() != Value.Type.NULL && !s.text().isBlank()) {
                String previous = sources.putIfAbsent(s.text().strip(), path);
                if (previous != null) {
                    error(path + ".source", s, "duplicate source '" + s.text().strip() + "' (also " + previous + ")");
                }
            }
            VirtualModel vm = readVirtualModel(item, path, providerNames);
            if (vm != null) {
                out.add(vm);
            }
        }
        return out;
    }

    /**
     * Reads and validates one virtual model; errors are recorded under {@code path}.
     *
     * @return the row, or {@code null} when it is invalid
     */
    VirtualModel readVirtualModel(Value v, String path, Set<String> providerNames) {
        int before = errors.size();
        Value.Mapping m = required(v, path);
        if (m == null) {
            return null;
        }
        onlyKeys(m, path, VIRTUAL_MODEL_KEYS);
        String source = string(m, path, "source", null);
        if (source == null) {
            error(path + ".source", m, "is required");
        } else if (source.isBlank()) {
            error(path + ".source", m.entries().get("source"), "must not be empty");
        } else {
            source = source.strip();
        }
        boolean hasTarget = m.entries().containsKey("target") && !isNull(m.entries().get("target"));
        boolean hasTargets = m.entries().containsKey("targets") && !isNull(m.entries().get("targets"));
        List<Target> targets = new ArrayList<>();
        if (hasTarget && hasTargets) {
            error(path, m, "has both 'target' and 'targets'; use one");
        } else if (hasTarget) {
            String t = string(m, path, "target", "");
            if (t.isBlank()) {
                error(path + ".target", m.entries().get("target"), "must not be empty");
            } else {
                targets.add(new Target(t.strip(), Target.DEFAULT_WEIGHT));
            }
        } else if (hasTargets) {
            readTargets(m.entries().get("targets"), path + ".targets", targets);
        }
        if (source != null && !source.isBlank()) {
            for (int i = 0; i < targets.size(); i++) {
                if (targets.get(i).model().equals(source)) {
                    String tp = hasTarget ? path + ".target" : path + ".targets[" + i + "].model";
                    error(tp, hasTarget ? m.entries().get("target") : m.entries().get("targets"),
                            "virtual model '" + source + "' cannot target itself");
                }
            }
        }
        String strategyName = string(m, path, "strategy", null);
        Strategy strategy = null;
        if (strategyName != null) {
            strategy = Strategy.fromYamlName(strategyName.strip());
            if (strategy == null) {
                error(path + ".strategy", m.entries().get("strategy"),
                        "must be sticky or round_robin, was \"" + strategyName + "\"");
            } else if (!hasTarget && !hasTargets) {
                error(path + ".strategy", m.entries().get("strategy"),
                        "only a redirect has a strategy; this entry has no target, so it is an access policy");
            }
        }
        List<String> userPaths = new ArrayList<>();
        Value.Sequence up = sequence(m.entries().get("user_paths"), path + ".user_paths");
        if (up != null) {
            for (int i = 0; i < up.items().size(); i++) {
                String p = path + ".user_paths[" + i + "]";
                Value item = up.items().get(i);
                if (item instanceof Value.Scalar s && s.type() != Value.Type.NULL) {
                    String normalized = userPath(s.text(), p, item);
                    if (normalized != null && !userPaths.contains(normalized)) {
                        userPaths.add(normalized);
                    }
                } else {
                    error(p, item, "must be a user path string, was " + item.describe());
                }
            }
        }
        boolean enabled = bool(m, path, "enabled", VirtualModel.DEFAULT_ENABLED);
        String description = string(m, path, "description", "");
        if (!hasTarget && !hasTargets && source != null && !source.isBlank() && !providerNames.isEmpty()) {
            Selector s = Selector.parse(source, providerNames);
            if (s.kind() == Selector.Kind.PROVIDER && !providerNames.contains(s.provider())) {
                error(path + ".source", m.entries().get("source"),
                        "'" + source + "' names no declared provider" + declared(providerNames));
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return new VirtualModel(source, targets, strategy, userPaths, enabled, description);
    }

    private void readTargets(Value v, String path, List<Target> targets) {
        Value.Sequence seq = sequence(v, path);
        if (seq == null) {
            return;
        }
        if (seq.items().isEmpty()) {
            error(path, v, "targets must contain at least one model");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String tp = path + "[" + i + "]";
            Value item = seq.items().get(i);
            String model;
            int weight = Target.DEFAULT_WEIGHT;
            if (item instanceof Value.Scalar s && s.type() == Value.Type.STRING) {
                model = s.text();
            } else {
                Value.Mapping t = required(item, tp);
                if (t == null) {
                    continue;
                }
                onlyKeys(t, tp, TARGET_KEYS);
                model = string(t, tp, "model", null);
                if (model == null) {
                    error(tp + ".model", t, "is required");
                    continue;
                }
                Value w = t.entries().get("weight");
                if (w != null && !isNull(w)) {
                    if (w instanceof Value.Scalar ws && ws.type() == Value.Type.INT) {
                        long parsed = parseLong(ws.text());
                        if (parsed < 1) {
                            error(tp + ".weight", w, "must be > 0, was " + ws.text());
                            continue;
                        }
                        if (parsed > MAX_WEIGHT) {
                            error(tp + ".weight", w, "must be at most " + MAX_WEIGHT + ", was " + ws.text());
                            continue;
                        }
                        weight = (int) parsed;
                    } else {
                        error(tp + ".weight", w, "must be a positive integer, was " + w.describe());
                        continue;
                    }
                }
            }
            if (model.isBlank()) {
                error(tp + ".model", item, "must not be empty");
                continue;
            }
            model = model.strip();
            if (!seen.add(model)) {
                error(tp + ".model", item, "duplicate target: " + model);
                continue;
            }
            targets.add(new Target(model, weight));
        }
    }

    // ---- typed access --------------------------------------------------------------------------------

    private String userPath(String raw, String path, Value where) {
        try {
            return UserPath.normalize(raw);
        } catch (InvalidUserPathException e) {
            error(path, where, "invalid user path \"" + raw + "\": " + e.getMessage());
            return null;
        }
    }

    private Value.Mapping mapping(Value v, String path) {
        if (v == null || isNull(v)) {
            return null;
        }
        if (v instanceof Value.Mapping m) {
            return m;
        }
        error(path, v, "must be a mapping, was " + v.describe());
        return null;
    }

    /** Like {@link #mapping} but a missing or null value is an error too. */
    private Value.Mapping required(Value v, String path) {
        if (v == null || isNull(v)) {
            error(path, v, "must be a mapping, was null");
            return null;
        }
        return mapping(v, path);
    }

    private Value.Sequence sequence(Value v, String path) {
        if (v == null || isNull(v)) {
            return null;
        }
        if (v instanceof Value.Sequence s) {
            return s;
        }
        error(path, v, "must be a list, was " + v.describe());
        return null;
    }

    private String string(Value.Mapping m, String path, String key, String def) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s) {
            return s.text();
        }
        error(join(path, key), v, "must be a string, was " + v.describe());
        return def;
    }

    private List<String> strings(Value.Mapping m, String path, String key) {
        List<String> out = new ArrayList<>();
        Value.Sequence seq = sequence(m.entries().get(key), join(path, key));
        if (seq == null) {
            return out;
        }
        for (int i = 0; i < seq.items().size(); i++) {
            Value item = seq.items().get(i);
            if (item instanceof Value.Scalar s && s.type() != Value.Type.NULL && !s.text().isBlank()) {
                out.add(s.text().strip());
            } else {
                error(join(path, key) + "[" + i + "]", item, "must be a non-empty string, was " + item.describe());
            }
        }
        return out;
    }

    private int integer(Value.Mapping m, String path, String key, int def, int min, int max) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s && s.type() == Value.Type.INT) {
            long n = parseLong(s.text());
            if (n < min || n > max) {
                error(join(path, key), v, "must be between " + min + " and " + max + ", was " + s.text());
                return def;
            }
            return (int) n;
        }
        error(join(path, key), v, "must be an integer, was " + v.describe());
        return def;
    }

    private boolean bool(Value.Mapping m, String path, String key, boolean def) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s && s.type() == Value.Type.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        error(join(path, key), v, "must be true or false, was " + v.describe());
        return def;
    }

    private Duration duration(Value.Mapping m, String path, String key, Duration def) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        Duration d = v instanceof Value.Scalar s && (s.type() == Value.Type.STRING || s.type() == Value.Type.INT)
                ? Durations.parse(s.text()) : null;
        if (d == null) {
            error(join(path, key), v, "must be a duration such as 600s, 500ms, 10m or 1h, was " + v.describe());
            return def;
        }
        if (d.isZero()) {
            error(join(path, key), v, "must be > 0, was " + ((Value.Scalar) v).text());
            return def;
        }
        return d;
    }

    private void onlyKeys(Value.Mapping m, String path, List<String> allowed) {
        for (Map.Entry<String, Value> e : m.entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String suggestion = closest(e.getKey(), allowed);
                error(join(path, e.getKey()), e.getValue(), "unknown key"
                        + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
                        + "; expected one of: " + String.join(", ", allowed));
            }
        }
    }

    private void checkUnique(List<String> items, String path, Value where, String what) {
        Set<String> seen = new HashSet<>();
        for (String item : items) {
            if (!seen.add(item)) {
                error(path, where, "duplicate " + what + " '" + item + "'");
            }
        }
    }

    private void error(String path, Value where, String message) {
        // A row read on its own (admin API) has paths relative to it: "targets[0].weight", not ".targets[0].weight".
        path = path.startsWith(".") ? path.substring(1) : path;
        String line = where == null || where.line() == 0 ? "" : " (line " + where.line() + ")";
        errors.add(YamlTree.display(path) + ": " + message + line);
    }

    List<String> errors() {
        return errors;
    }

    // ---- small helpers ------------------------------------------------------------------------------

    private static boolean isNull(Value v) {
        return v instanceof Value.Scalar s && s.type() == Value.Type.NULL;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static long parseLong(String text) {
        try {
            String t = text.replace("_", "");
            if (t.startsWith("0x")) {
                return Long.parseLong(t.substring(2), 16);
            }
            if (t.startsWith("0o")) {
                return Long.parseLong(t.substring(2), 8);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return text.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || TOKEN_CHARS.indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }

    private static String declared(Set<String> names) {
        return names.isEmpty() ? " (no providers are declared)" : " (declared: " + String.join(", ", names) + ")";
    }

    /** The allowed key within edit distance 2, for "did you mean". */
    private static String closest(String key, List<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
