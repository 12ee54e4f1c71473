package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.switchboard.rules.Identity;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds the three homes of the configuration's keys and defaults together (STYLE "Shape"):
 * {@code conf/reference.yaml}, the README's "Configuration reference" table and the loader (its key lists
 * and what it builds from a minimal document, which are the {@code DEFAULT_*} constants).
 *
 * <p>Keys are written as in the README: map keys under {@code providers} and {@code providers.NAME.headers}
 * become {@code NAME}, list items {@code []}: {@code virtual_models[].targets[].weight}.
 */
final class ReferenceConsistencyTest {

    /** Surefire runs in the module directory, {@code filter/}. */
    private static final Path REFERENCE = Path.of("..", "conf", "reference.yaml");
    private static final Path README = Path.of("..", "README.md");

    private static final Pattern README_ROW = Pattern.compile("^\\| `([^`]+)` \\|([^|]*)\\|");

    private static String referenceText;
    /** Key path to every value reference.yaml writes for it (its two virtual_models items are unioned). */
    private static final Map<String, List<Value>> REFERENCE_KEYS = new LinkedHashMap<>();
    /** Key to its default as the README writes it, without backticks; {@code null} when it gives none. */
    private static final Map<String, String> README_DEFAULTS = new LinkedHashMap<>();

    @BeforeAll
    static void readFiles() throws IOException {
        referenceText = Files.readString(REFERENCE);
        flatten(YamlTree.parse(referenceText, new Interpolator(name -> null)), "");

        List<String> duplicates = new ArrayList<>();
        boolean inSection = false;
        for (String line : Files.readAllLines(README)) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## Configuration reference");
                continue;
            }
            Matcher row = README_ROW.matcher(line);
            if (inSection && row.find()) {
                String cell = row.group(2).strip();
                String def = cell.isEmpty() ? null : cell.replaceAll("^`|`$", "");
                if (README_DEFAULTS.containsKey(row.group(1))) {
                    duplicates.add(row.group(1));
                }
                README_DEFAULTS.put(row.group(1), def);
            }
        }
        assertThat(README_DEFAULTS).as("rows of README.md's \"Configuration reference\" table").isNotEmpty();
        assertThat(duplicates).as("keys listed twice in README.md's \"Configuration reference\" table").isEmpty();
    }

    @Test
    void shouldListTheSameKeysInReferenceYamlAndReadme() {
        assertSameKeys("conf/reference.yaml", REFERENCE_KEYS.keySet(), "the README table", README_DEFAULTS.keySet());
    }

    @Test
    void shouldListEveryKeyTheLoaderAcceptsInReadme() {
        assertSameKeys("the README table", README_DEFAULTS.keySet(), "the loader (ConfigReader's key lists)", loaderKeys());
    }

    @Test
    void shouldAgreeOnDefaults() {
        Map<String, String> code = codeDefaults();
        Set<String> readmeDefaulted = new TreeSet<>();
        README_DEFAULTS.forEach((key, def) -> {
            if (def != null) {
                readmeDefaulted.add(key);
            }
        });
        assertSameKeys("the README table's keys with a default", readmeDefaulted, "the code defaults this test reads "
                + "from the loader", code.keySet());

        List<String> mismatches = new ArrayList<>();
        for (String key : readmeDefaulted) {
            String readme = README_DEFAULTS.get(key);
            List<String> reference = REFERENCE_KEYS.getOrDefault(key, List.of()).stream().map(ReferenceConsistencyTest::render).toList();
            if (!reference.stream().allMatch(readme::equals) || !readme.equals(code.get(key))) {
                mismatches.add(key + ": README `" + readme + "`, conf/reference.yaml " + reference + ", code `"
                        + code.get(key) + "`");
            }
        }
        assertThat(mismatches).as("defaults out of sync between README.md, conf/reference.yaml and the code").isEmpty();
    }

    @Test
    void shouldBuildTheDefaultConstantsFromAMinimalDocument() {
        SwitchboardConfig minimal = load("version: 1\n");

        assertThat(minimal.server()).isEqualTo(ServerSettings.DEFAULT);
        assertThat(minimal.admin()).isEqualTo(AdminSettings.DEFAULT);
        assertThat(minimal.reload()).isEqualTo(ReloadSettings.DEFAULT);
        assertThat(minimal.observability()).isEqualTo(ObservabilitySettings.DEFAULT);
        assertThat(minimal.experiments()).isEqualTo(ExperimentsSettings.DEFAULT);
        assertThat(minimal.failover()).isEqualTo(FailoverSettings.DEFAULT);
        assertThat(minimal.rules().identity()).isEqualTo(Identity.DEFAULT);
        assertThat(minimal.rules().enabledByDefault()).isEqualTo(Rules.DEFAULT_ENABLED_BY_DEFAULT);
        assertThat(minimal.rules().keepOnlyAliases()).isEqualTo(Rules.DEFAULT_KEEP_ONLY_ALIASES);
        VirtualModel redirect = load("virtual_models: [{source: a, targets: [{model: b}]}]\n").rules().virtualModels().get(0);
        assertThat(redirect.targets().get(0).weight()).isEqualTo(Target.DEFAULT_WEIGHT);
        assertThat(redirect.strategy()).isEqualTo(Strategy.DEFAULT);
        assertThat(redirect.enabled()).isEqualTo(VirtualModel.DEFAULT_ENABLED);
        assertThat(redirect.fallbacks()).isEmpty();
    }

    @Test
    void shouldAcceptTheReadmeVersion() {
        String version = README_DEFAULTS.get("version");

        assertThatCode(() -> load("version: " + version + "\n")).as("README's version").doesNotThrowAnyException();
        assertThat(catchThrowableOfType(InvalidConfigException.class, () -> load("version: " + version + "1\n")))
                .as("only one version is accepted").isNotNull();
    }

    @Test
    void shouldLoadReferenceYamlCleanly() {
        SwitchboardConfig config = new ConfigLoader(name -> null).load(REFERENCE);

        assertThat(config.warnings()).as("conf/reference.yaml is a clean configuration").isEmpty();
        assertThat(config.rules().virtualModels()).hasSize(2);
    }

    @Test
    void shouldCommentEveryKeyInReferenceYaml() {
        String[] lines = referenceText.split("\n", -1);
        List<String> uncommented = new ArrayList<>();
        REFERENCE_KEYS.forEach((key, values) -> {
            for (Value v : values) {
                if (!lines[v.line() - 1].contains(" # ")) {
                    uncommented.add(key + " (line " + v.line() + ")");
                }
            }
        });
        assertThat(uncommented).as("keys in conf/reference.yaml without a comment on their line").isEmpty();
    }

    // ---- the three sources --------------------------------------------------------------------------

    private static void flatten(Value value, String path) {
        if (value instanceof Value.Mapping m) {
            boolean named = path.equals("providers") || path.endsWith(".headers");
            m.entries().forEach((key, child) -> flatten(child, (path.isEmpty() ? "" : path + ".") + (named ? "NAME" : key)));
        } else if (value instanceof Value.Sequence s && s.items().stream().anyMatch(i -> i instanceof Value.Mapping)) {
            s.items().forEach(item -> flatten(item, path + "[]"));
        } else {
            // Scalars and lists of scalars (user_paths, models) are leaves.
            REFERENCE_KEYS.computeIfAbsent(path, k -> new ArrayList<>()).add(value);
        }
    }

    /** Every key path the loader accepts, from ConfigReader's lists; sections and lists of mappings expanded. */
    private static Set<String> loaderKeys() {
        Set<String> keys = new TreeSet<>();
        for (String top : ConfigReader.TOP_KEYS) {
            switch (top) {
                case "server" -> addAll(keys, "server.", ConfigReader.SERVER_KEYS);
                case "providers" -> {
                    for (String key : ConfigReader.PROVIDER_KEYS) {
                        keys.add("providers.NAME." + key + (key.equals("headers") ? ".NAME" : ""));
                    }
                }
                case "identity" -> {
                    for (String key : ConfigReader.IDENTITY_KEYS) {
                        if (key.equals("clients")) {
                            addAll(keys, "identity.clients[].", ConfigReader.CLIENT_KEYS);
                        } else {
                            keys.add("identity." + key);
                        }
                    }
                }
                case "models" -> addAll(keys, "models.", ConfigReader.MODELS_KEYS);
                case "virtual_models" -> {
                    for (String key : VirtualModelReader.VIRTUAL_MODEL_KEYS) {
                        if (key.equals("targets")) {
                            addAll(keys, "virtual_models[].targets[].", VirtualModelReader.TARGET_KEYS);
                        } else {
                            keys.add("virtual_models[]." + key);
                        }
                    }
                }
                case "admin" -> addAll(keys, "admin.", ConfigReader.ADMIN_KEYS);
                case "reload" -> addAll(keys, "reload.", ConfigReader.RELOAD_KEYS);
                case "observability" -> addAll(keys, "observability.", ConfigReader.OBSERVABILITY_KEYS);
                case "experiments" -> addAll(keys, "experiments.", ConfigReader.EXPERIMENTS_KEYS);
                case "failover" -> {
                    for (String key : ConfigReader.FAILOVER_KEYS) {
                        if (key.equals("circuit_breaker")) {
                            addAll(keys, "failover.circuit_breaker.", ConfigReader.CIRCUIT_BREAKER_KEYS);
                        } else {
                            keys.add("failover." + key);
                        }
                    }
                }
                default -> keys.add(top);
            }
        }
        return keys;
    }

    /** What the loader builds when a key is absent, written as the README writes defaults. */
    private static Map<String, String> codeDefaults() {
        SwitchboardConfig minimal = load("version: 1\n");
        SwitchboardConfig rows = load("""
                providers:
                  local: {type: openai-compatible, base_url: http://localhost:11434}
                virtual_models:
                  - source: ab
                    targets: [{model: local/a}]
                  - source: local/
                """);
        Provider provider = rows.rules().providers().get("local");
        VirtualModel redirect = rows.rules().virtualModels().get(0);
        VirtualModel policy = rows.rules().virtualModels().get(1);

        Map<String, String> code = new LinkedHashMap<>();
        // No constant: ConfigReader accepts only 1 and assumes it when absent; shouldAcceptTheReadmeVersion holds that.
        code.put("version", "1");
        code.put("server.host", render(minimal.server().host()));
        code.put("server.port", String.valueOf(minimal.server().port()));
        code.put("server.max_request_bytes", String.valueOf(minimal.server().maxRequestBytes()));
        code.put("server.upstream_idle_timeout", Durations.format(minimal.server().upstreamIdleTimeout()));
        code.put("server.upstream_connect_timeout", Durations.format(minimal.server().upstreamConnectTimeout()));
        code.put("server.models_cache_ttl", Durations.format(minimal.server().modelsCacheTtl()));
        code.put("server.request_body_timeout", Durations.format(minimal.server().requestBodyTimeout()));
        code.put("server.request_body_min_rate", String.valueOf(minimal.server().requestBodyMinRate()));
        code.put("server.client_idle_timeout", Durations.format(minimal.server().clientIdleTimeout()));
        code.put("server.drain_timeout", Durations.format(minimal.server().drainTimeout()));
        code.put("server.drain_delay", Durations.format(minimal.server().drainDelay()));
        code.put("providers.NAME.api_key", render(provider.apiKey()));
        code.put("providers.NAME.models", render(provider.models()));
        code.put("identity.user_path_header", render(minimal.rules().identity().userPathHeader()));
        code.put("identity.trust_user_path_header", String.valueOf(minimal.rules().identity().trustUserPathHeader()));
        code.put("models.enabled_by_default", String.valueOf(minimal.rules().enabledByDefault()));
        code.put("models.keep_only_aliases", String.valueOf(minimal.rules().keepOnlyAliases()));
        code.put("virtual_models[].targets[].weight", String.valueOf(redirect.targets().get(0).weight()));
        code.put("virtual_models[].strategy", redirect.strategy().yamlName());
        code.put("virtual_models[].fallbacks", render(redirect.fallbacks()));
        code.put("virtual_models[].user_paths", render(policy.userPaths()));
        code.put("virtual_models[].enabled", String.valueOf(policy.enabled()));
        code.put("virtual_models[].description", render(policy.description()));
        code.put("admin.token", render(minimal.admin().token()));
        code.put("admin.store", render(minimal.admin().store()));
        code.put("admin.store_user", render(minimal.admin().storeUser()));
        code.put("admin.store_password", render(minimal.admin().storePassword()));
        code.put("admin.store_snapshot", render(minimal.admin().storeSnapshot()));
        code.put("reload.poll_interval", Durations.format(minimal.reload().pollInterval()));
        code.put("observability.metrics_path", minimal.observability().metricsPath());
        code.put("observability.metrics_token", render(minimal.observability().metricsToken()));
        code.put("experiments.window", Durations.format(minimal.experiments().window()));
        code.put("experiments.feedback_ttl", Durations.format(minimal.experiments().feedbackTtl()));
        code.put("failover.retry_on", render(minimal.failover().retryOn().stream().map(String::valueOf).toList()));
        code.put("failover.max_attempts", String.valueOf(minimal.failover().maxAttempts()));
        code.put("failover.circuit_breaker.failures", String.valueOf(minimal.failover().breakerFailures()));
        code.put("failover.circuit_breaker.open_for", Durations.format(minimal.failover().breakerOpenFor()));
        return code;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static SwitchboardConfig load(String yaml) {
        return new ConfigLoader(name -> null).parse(yaml);
    }

    private static void addAll(Set<String> keys, String prefix, List<String> names) {
        names.forEach(name -> keys.add(prefix + name));
    }

    private static String render(Value value) {
        if (value instanceof Value.Scalar s) {
            return s.type() == Value.Type.STRING ? render(s.text()) : s.text();
        }
        if (value instanceof Value.Sequence s) {
            return render(s.items().stream().map(ReferenceConsistencyTest::render).toList());
        }
        return value.describe();
    }

    private static String render(String text) {
        return text.isEmpty() ? "\"\"" : text;
    }

    private static String render(List<String> items) {
        return "[" + String.join(", ", items) + "]";
    }

    private static void assertSameKeys(String leftName, Set<String> left, String rightName, Set<String> right) {
        Set<String> onlyLeft = new TreeSet<>(left);
        onlyLeft.removeAll(right);
        Set<String> onlyRight = new TreeSet<>(right);
        onlyRight.removeAll(left);
        assertThat(onlyLeft).as("keys in %s but not in %s", leftName, rightName).isEmpty();
        assertThat(onlyRight).as("keys in %s but not in %s", rightName, leftName).isEmpty();
    }
}
