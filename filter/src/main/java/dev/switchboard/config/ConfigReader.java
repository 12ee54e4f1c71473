package dev.switchboard.config;

import dev.switchboard.rules.Client;
import dev.switchboard.rules.Identity;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.VirtualModel;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a config document ({@link Value} tree) into a validated {@link SwitchboardConfig}: the sections
 * (server, providers, identity, models, admin, reload). The virtual-model table is read by
 * {@link VirtualModelReader}, shared with the admin store; problems are collected by {@link Fields}.
 */
final class ConfigReader {

    static final List<String> TOP_KEYS = List.of("version", "server", "providers", "default_provider", "identity",
            "models", "virtual_models", "admin", "reload", "observability", "experiments", "failover");
    static final List<String> SERVER_KEYS = List.of("host", "port", "max_request_bytes", "upstream_idle_timeout",
            "upstream_connect_timeout", "models_cache_ttl", "request_body_timeout", "request_body_min_rate", "client_idle_timeout", "drain_timeout", "drain_delay");
    static final List<String> PROVIDER_KEYS = List.of("type", "base_url", "api_key", "models", "headers");
    static final List<String> IDENTITY_KEYS = List.of("user_path_header", "trust_user_path_header", "clients");
    static final List<String> CLIENT_KEYS = List.of("name", "key_sha256", "user_path");
    static final List<String> MODELS_KEYS = List.of("enabled_by_default", "keep_only_aliases");
    static final List<String> ADMIN_KEYS = List.of("token", "store", "store_user", "store_password", "store_snapshot");
    static final List<String> RELOAD_KEYS = List.of("poll_interval");
    static final List<String> OBSERVABILITY_KEYS = List.of("access_log", "metrics_path", "metrics_token");
    /** A metrics path a request reaches as written: segments of letters, digits, '-', '_', '.', none all dots. */
    private static final java.util.regex.Pattern METRICS_PATH =
            java.util.regex.Pattern.compile("(/(?!\\.+(?:/|$))[A-Za-z0-9._-]+)+");
    static final List<String> EXPERIMENTS_KEYS = List.of("window", "feedback_ttl");
    static final List<String> FAILOVER_KEYS = List.of("retry_on", "max_attempts", "circuit_breaker");
    static final List<String> CIRCUIT_BREAKER_KEYS = List.of("failures", "open_for");
    /** The most consecutive failures a breaker may be set to wait for. */
    static final int MAX_BREAKER_FAILURES = 1000;

    /** Environment variable that overrides {@code models.keep_only_aliases} (GoModel's name). */
    static final String KEEP_ONLY_ALIASES_ENV = "KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT";

    private final Function<String, String> env;
    private final Fields fields = new Fields();
    private final VirtualModelReader virtualModels = new VirtualModelReader(fields);

    ConfigReader(Function<String, String> env) {
        this.env = env;
    }

    SwitchboardConfig read(Value root) {
        if (!(root instanceof Value.Mapping doc)) {
            throw new InvalidConfigException(List.of("(document): must be a mapping of sections, was " + root.describe()));
        }
        fields.onlyKeys(doc, "", TOP_KEYS);
        Value version = doc.entries().get("version");
        if (version != null && !(version instanceof Value.Scalar s && s.type() == Value.Type.INT && s.text().equals("1"))) {
            fields.error("version", version, "must be 1, was " + version.describe());
        }
        ServerSettings server = readServer(fields.mapping(doc.entries().get("server"), "server"));
        Value.Mapping providerSection = fields.mapping(doc.entries().get("providers"), "providers");
        Map<String, Provider> providers = readProviders(providerSection);
        // Names are checked against every declared provider: one with an error of its own is still declared.
        Set<String> declaredProviders = providerSection == null ? Set.of() : providerSection.entries().keySet();
        String defaultProvider = fields.string(doc, "", "default_provider", null);
        if (defaultProvider != null && !declaredProviders.contains(defaultProvider)) {
            fields.error("default_provider", doc.entries().get("default_provider"),
                    "'" + defaultProvider + "' is not a declared provider" + Fields.declared(declaredProviders));
        }
        Identity identity = readIdentity(fields.mapping(doc.entries().get("identity"), "identity"));
        Value.Mapping models = fields.mapping(doc.entries().get("models"), "models");
        boolean enabledByDefault = Rules.DEFAULT_ENABLED_BY_DEFAULT;
        boolean keepOnlyAliases = Rules.DEFAULT_KEEP_ONLY_ALIASES;
        if (models != null) {
            fields.onlyKeys(models, "models", MODELS_KEYS);
            enabledByDefault = fields.gate(models, "models", "enabled_by_default", enabledByDefault);
            keepOnlyAliases = fields.bool(models, "models", "keep_only_aliases", keepOnlyAliases);
        }
        String keepEnv = env.apply(KEEP_ONLY_ALIASES_ENV);
        if (keepEnv != null && !keepEnv.isBlank()) {
            switch (keepEnv.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> keepOnlyAliases = true;
                case "false" -> keepOnlyAliases = false;
                default -> fields.add(KEEP_ONLY_ALIASES_ENV + " (environment): must be true or false, was \"" + keepEnv + "\"");
            }
        }
        List<VirtualModel> rows = virtualModels.readAll(doc.entries().get("virtual_models"), declaredProviders);
        AdminSettings admin = readAdmin(fields.mapping(doc.entries().get("admin"), "admin"));
        ReloadSettings reload = readReload(fields.mapping(doc.entries().get("reload"), "reload"));
        ObservabilitySettings observability = readObservability(fields.mapping(doc.entries().get("observability"),
                "observability"));
        ExperimentsSettings experiments = readExperiments(fields.mapping(doc.entries().get("experiments"), "experiments"));
        FailoverSettings failover = readFailover(fields.mapping(doc.entries().get("failover"), "failover"));
        if (!fields.ok()) {
            throw new InvalidConfigException(fields.errors());
        }
        Rules rules = new Rules(rows, providers, defaultProvider, identity, enabledByDefault, keepOnlyAliases);
        List<Warning> warnings = new ArrayList<>(Lint.tokens(admin, observability));
        warnings.addAll(Lint.timeouts(server));
        warnings.addAll(Lint.warnings(rules, Lint.configRows(rows.size())));
        return new SwitchboardConfig(server, rules, admin, reload, observability, experiments, failover,
                List.copyOf(warnings));
    }

    // ---- sections ----------------------------------------------------------------------------------

    private ServerSettings readServer(Value.Mapping m) {
        if (m == null) {
            return ServerSettings.DEFAULT;
        }
        fields.onlyKeys(m, "server", SERVER_KEYS);
        String host = fields.string(m, "server", "host", ServerSettings.DEFAULT_HOST);
        if (host.isBlank()) {
            fields.error("server.host", m.entries().get("host"), "must not be empty");
        }
        int port = fields.integer(m, "server", "port", ServerSettings.DEFAULT_PORT, 0, 65535);
        int max = fields.integer(m, "server", "max_request_bytes", ServerSettings.DEFAULT_MAX_REQUEST_BYTES, 1,
                ServerSettings.MAX_MAX_REQUEST_BYTES);
        Duration idle = fields.duration(m, "server", "upstream_idle_timeout", ServerSettings.DEFAULT_UPSTREAM_IDLE_TIMEOUT);
        Duration connect = fields.duration(m, "server", "upstream_connect_timeout",
                ServerSettings.DEFAULT_UPSTREAM_CONNECT_TIMEOUT);
        Duration ttl = fields.duration(m, "server", "models_cache_ttl", ServerSettings.DEFAULT_MODELS_CACHE_TTL);
        Duration body = fields.duration(m, "server", "request_body_timeout", ServerSettings.DEFAULT_REQUEST_BODY_TIMEOUT);
        int rate = fields.integer(m, "server", "request_body_min_rate", ServerSettings.DEFAULT_REQUEST_BODY_MIN_RATE, 0,
                Integer.MAX_VALUE);
        Duration client = fields.duration(m, "server", "client_idle_timeout", ServerSettings.DEFAULT_CLIENT_IDLE_TIMEOUT);
        Duration drain = fields.duration(m, "server", "drain_timeout", ServerSettings.DEFAULT_DRAIN_TIMEOUT);
        Duration delay = fields.duration(m, "server", "drain_delay", ServerSettings.DEFAULT_DRAIN_DELAY, true);
        return new ServerSettings(host.strip(), port, max, idle, connect, ttl, body, rate, client, drain, delay);
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
                fields.error(path, e.getValue(), "'" + name + "' is not a valid provider name (letters, digits, '.', '_', '-', the first a letter or"
                        + " digit; no '/')");
                continue;
            }
            Value.Mapping p = fields.required(e.getValue(), path);
            if (p == null) {
                continue;
            }
            fields.onlyKeys(p, path, PROVIDER_KEYS);
            String typeName = fields.string(p, path, "type", null);
            ProviderType type = typeName == null ? null : ProviderType.fromYamlName(typeName.strip());
            if (typeName == null) {
                fields.error(path + ".type", p, "is required (openai, anthropic, openai-compatible or echo)");
            } else if (type == null) {
                fields.error(path + ".type", p.entries().get("type"),
                        "must be one of openai, anthropic, openai-compatible, echo, was \"" + typeName + "\"");
            }
            String baseUrl = fields.string(p, path, "base_url", null);
            if (type != null) {
                baseUrl = baseUrl(type, baseUrl, path, p);
            }
            // Stripped: a key read from a secret file often ends with a line feed, which would travel as a space.
            String apiKey = fields.string(p, path, "api_key", "").strip();
            headerSafe(apiKey, path + ".api_key", p.entries().get("api_key"), true);
            List<String> models = fields.strings(p, path, "models");
            fields.checkUnique(models, path + ".models", p.entries().get("models"), "model");
            Map<String, String> headers = new LinkedHashMap<>();
            Value.Mapping h = fields.mapping(p.entries().get("headers"), path + ".headers");
            if (h != null) {
                for (Map.Entry<String, Value> he : h.entries().entrySet()) {
                    String hp = path + ".headers." + he.getKey();
                    if (!Fields.isToken(he.getKey())) {
                        fields.error(hp, he.getValue(), "'" + he.getKey() + "' is not a valid header name");
                    } else if (he.getValue() instanceof Value.Scalar s && s.type() != Value.Type.NULL) {
                        if (headerSafe(s.text(), hp, he.getValue(), false)) {
                            headers.put(he.getKey(), s.text());
                        }
                    } else {
                        fields.error(hp, he.getValue(), "must be a string, was " + he.getValue().describe());
                    }
                }
            }
            if (type != null) {
                providers.put(name, new Provider(name, type, baseUrl, apiKey, models, headers));
            }
        }
        return providers;
    }

    /**
     * A value that travels in a header: a credential must be printable ASCII (clients send other characters as they
     * like: curl and Go as UTF-8, others as Latin-1, a browser's fetch not at all, so no token would match; a key
     * would reach its provider otherwise than written); any other value holds no control character (Jetty sends a
     * line break as a space) and nothing beyond Latin-1, the one encoding a header has (Jetty sends a space for it).
     * The value itself is never echoed: it may be a secret.
     *
     * @return whether it may be sent; an error is recorded under {@code path} when not
     */
    private boolean headerSafe(String value, String path, Value where, boolean credential) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean bad = credential ? c < 0x20 || c > 0x7e : Character.isISOControl(c) && c != '\t' || c > 0xff;
            if (bad) {
                fields.error(path, where, (credential ? "must be printable ASCII"
                        : "must hold no control character and nothing beyond Latin-1")
                        + " (it travels in a header); character " + (i + 1) + " is not");
                return false;
            }
        }
        return true;
    }

    private String baseUrl(ProviderType type, String baseUrl, String path, Value.Mapping p) {
        Value where = p.entries().get("base_url");
        if (type == ProviderType.ECHO) {
            if (baseUrl != null) {
                fields.error(path + ".base_url", where, "is not used by echo providers (they answer locally); remove it");
            }
            return null;
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            if (type.defaultBaseUrl() == null) {
                fields.error(path + ".base_url", where == null ? p : where, "is required for " + type.yamlName() + " providers");
            }
            return type.defaultBaseUrl();
        }
        String url = baseUrl.strip();
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                fields.error(path + ".base_url", where, "must be an http or https URL without query, was \"" + url + "\"");
            }
        } catch (URISyntaxException e) {
            fields.error(path + ".base_url", where, "must be an http or https URL, was \"" + url + "\"");
        }
        // The request path (/v1/...) is appended; a trailing slash would double it.
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private Identity readIdentity(Value.Mapping m) {
        if (m == null) {
            return Identity.DEFAULT;
        }
        fields.onlyKeys(m, "identity", IDENTITY_KEYS);
        String header = fields.string(m, "identity", "user_path_header", Identity.DEFAULT_USER_PATH_HEADER).strip();
        if (!Fields.isToken(header)) {
            fields.error("identity.user_path_header", m.entries().get("user_path_header"),
                    "must be a valid header name, was \"" + header + "\"");
        }
        // Empty is an error, not the default (true: any caller could then name its own user path).
        boolean trust = fields.gate(m, "identity", "trust_user_path_header", Identity.DEFAULT_TRUST_USER_PATH_HEADER);
        List<Client> clients = new ArrayList<>();
        Value.Sequence seq = fields.sequence(m.entries().get("clients"), "identity.clients");
        if (seq != null) {
            Map<String, String> names = new HashMap<>();
            Map<String, String> hashes = new HashMap<>();
            for (int i = 0; i < seq.items().size(); i++) {
                String path = "identity.clients[" + i + "]";
                Value.Mapping c = fields.required(seq.items().get(i), path);
                if (c == null) {
                    continue;
                }
                fields.onlyKeys(c, path, CLIENT_KEYS);
                String name = fields.string(c, path, "name", null);
                if (name == null || name.isBlank()) {
                    fields.error(path + ".name", c, "is required");
                    continue;
                }
                name = name.strip();
                String previous = names.putIfAbsent(name, path);
                if (previous != null) {
                    fields.error(path + ".name", c.entries().get("name"), "duplicate client '" + name + "' (also " + previous + ")");
                }
                String hex = fields.string(c, path, "key_sha256", null);
                byte[] digest = null;
                if (hex == null) {
                    fields.error(path + ".key_sha256", c, "is required (the hex SHA-256 of the key, e.g. from `printf %s KEY | sha256sum`)");
                } else if (!hex.strip().matches("[0-9a-fA-F]{64}")) {
                    fields.error(path + ".key_sha256", c.entries().get("key_sha256"),
                            "must be 64 hex digits (a SHA-256), was " + hex.strip().length() + " characters");
                } else {
                    digest = HexFormat.of().parseHex(hex.strip().toLowerCase(java.util.Locale.ROOT));
                    String prev = hashes.putIfAbsent(hex.strip().toLowerCase(java.util.Locale.ROOT), path);
                    if (prev != null) {
                        fields.error(path + ".key_sha256", c.entries().get("key_sha256"), "the same key as " + prev);
                    }
                }
                fields.empty(c, path, "user_path", "the client's key would be bound to no user path");
                String userPath = fields.string(c, path, "user_path", null);
                if (userPath != null) {
                    userPath = fields.userPath(userPath, path + ".user_path", c.entries().get("user_path"));
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
        fields.onlyKeys(m, "admin", ADMIN_KEYS);
        String token = fields.string(m, "admin", "token", AdminSettings.DEFAULT_TOKEN).strip();
        headerSafe(token, "admin.token", m.entries().get("token"), true);
        String store = fields.string(m, "admin", "store", AdminSettings.DEFAULT_STORE).strip();
        if (store.isEmpty()) {
            fields.error("admin.store", m.entries().get("store"), "must not be empty");
        }
        String user = fields.string(m, "admin", "store_user", AdminSettings.DEFAULT_STORE_USER).strip();
        // A password is taken as written: spaces may be part of it.
        String password = fields.string(m, "admin", "store_password", AdminSettings.DEFAULT_STORE_PASSWORD);
        String snapshot = fields.string(m, "admin", "store_snapshot", AdminSettings.DEFAULT_STORE_SNAPSHOT).strip();
        AdminSettings admin = new AdminSettings(token, store, user, password, snapshot);
        if (admin.storeScheme() == null) {
            for (String key : List.of("store_user", "store_password")) {
                if (m.entries().containsKey(key) && !fields.string(m, "admin", key, "").isEmpty()) {
                    fields.error("admin." + key, m.entries().get(key), "only a database admin.store (such as "
                            + "postgresql://HOST:PORT/DB) takes credentials; admin.store is a file");
                }
            }
            if (!snapshot.isEmpty()) {
                fields.error("admin.store_snapshot", m.entries().get("store_snapshot"), "only a database admin.store "
                        + "keeps a snapshot of its rows; admin.store is a file, on disk already");
            }
        } else if (store.substring(admin.storeScheme().length() + 3).matches("[^/?#]*@.*")) {
            // Said without the address: it holds a credential. SPEC 12: credentials come from their own keys.
            fields.error("admin.store", m.entries().get("store"), "must not carry credentials; set admin.store_user "
                    + "and admin.store_password (from ${...}) instead");
        }
        return admin;
    }

    private ReloadSettings readReload(Value.Mapping m) {
        if (m == null) {
            return ReloadSettings.DEFAULT;
        }
        fields.onlyKeys(m, "reload", RELOAD_KEYS);
        Duration poll = fields.duration(m, "reload", "poll_interval", ReloadSettings.DEFAULT_POLL_INTERVAL);
        if (poll.compareTo(ReloadSettings.MIN_POLL_INTERVAL) < 0) {
            fields.error("reload.poll_interval", m.entries().get("poll_interval"), "must be at least "
                    + ReloadSettings.MIN_POLL_INTERVAL.toMillis() + "ms (each look reads the config file and the admin"
                    + " store, a database's revision included), was " + ((Value.Scalar) m.entries().get("poll_interval")).text());
            poll = ReloadSettings.DEFAULT_POLL_INTERVAL;
        }
        return new ReloadSettings(poll);
    }

    private ObservabilitySettings readObservability(Value.Mapping m) {
        if (m == null) {
            return ObservabilitySettings.DEFAULT;
        }
        fields.onlyKeys(m, "observability", OBSERVABILITY_KEYS);
        Boolean accessLog = m.entries().containsKey("access_log") && !Fields.isNull(m.entries().get("access_log"))
                ? fields.bool(m, "observability", "access_log", false) : null;
        String path = fields.string(m, "observability", "metrics_path", ObservabilitySettings.DEFAULT_METRICS_PATH).strip();
        // Plain segments only: a '?', '#', '%', space or dot segment is a path no request reaches as written, and
        // the health paths answer before it (validate accepted them; the metrics were then unreachable).
        if (!METRICS_PATH.matcher(path).matches() || path.startsWith("/v1/") || path.equals("/v1")
                || path.startsWith("/admin/") || path.equals("/admin") || path.equals("/healthz") || path.equals("/readyz")) {
            fields.error("observability.metrics_path", m.entries().get("metrics_path"),
                    "must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not "
                            + "/, /v1/..., /admin/..., /healthz or /readyz), was '" + path + "'");
        }
        String token = fields.string(m, "observability", "metrics_token", ObservabilitySettings.DEFAULT_METRICS_TOKEN).strip();
        headerSafe(token, "observability.metrics_token", m.entries().get("metrics_token"), true);
        return new ObservabilitySettings(accessLog, path, token);
    }

    private ExperimentsSettings readExperiments(Value.Mapping m) {
        if (m == null) {
            return ExperimentsSettings.DEFAULT;
        }
        fields.onlyKeys(m, "experiments", EXPERIMENTS_KEYS);
        return new ExperimentsSettings(fields.duration(m, "experiments", "window", ExperimentsSettings.DEFAULT_WINDOW),
                fields.duration(m, "experiments", "feedback_ttl", ExperimentsSettings.DEFAULT_FEEDBACK_TTL));
    }

    private FailoverSettings readFailover(Value.Mapping m) {
        if (m == null) {
            return FailoverSettings.DEFAULT;
        }
        fields.onlyKeys(m, "failover", FAILOVER_KEYS);
        List<Integer> retryOn = FailoverSettings.DEFAULT_RETRY_ON;
        Value.Sequence seq = fields.sequence(m.entries().get("retry_on"), "failover.retry_on");
        if (seq != null) {
            retryOn = new ArrayList<>();
            for (int i = 0; i < seq.items().size(); i++) {
                String path = "failover.retry_on[" + i + "]";
                Value item = seq.items().get(i);
                if (!(item instanceof Value.Scalar s && s.type() == Value.Type.INT)) {
                    fields.error(path, item, "must be an HTTP status, was " + item.describe());
                    continue;
                }
                long status = Fields.parseLong(s.text());
                if (status < 100 || status > 599) {
                    fields.error(path, item, "must be an HTTP status, was " + s.text());
                } else if (!FailoverSettings.retryable((int) status)) {
                    // SPEC 11: a 4xx other than 429 is the request's own fault; another provider would refuse it too.
                    fields.error(path, item, "must be 429 or a 5xx status, was " + s.text() + " (a 4xx other than 429"
                            + " says the request is wrong, so it is never retried)");
                } else if (retryOn.contains((int) status)) {
                    fields.error(path, item, "duplicate status " + s.text());
                } else {
                    retryOn.add((int) status);
                }
            }
        }
        int maxAttempts = fields.integer(m, "failover", "max_attempts", FailoverSettings.DEFAULT_MAX_ATTEMPTS, 1,
                FailoverSettings.MAX_MAX_ATTEMPTS);
        int failures = FailoverSettings.DEFAULT_BREAKER_FAILURES;
        Duration openFor = FailoverSettings.DEFAULT_BREAKER_OPEN_FOR;
        Value.Mapping breaker = fields.mapping(m.entries().get("circuit_breaker"), "failover.circuit_breaker");
        if (breaker != null) {
            fields.onlyKeys(breaker, "failover.circuit_breaker", CIRCUIT_BREAKER_KEYS);
            failures = fields.integer(breaker, "failover.circuit_breaker", "failures", failures, 0, MAX_BREAKER_FAILURES);
            openFor = fields.duration(breaker, "failover.circuit_breaker", "open_for", openFor);
        }
        return new FailoverSettings(retryOn, maxAttempts, failures, openFor);
    }
}
