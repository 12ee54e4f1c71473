package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.switchboard.rules.Identity;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading whole files: the shipped config, defaults of absent and empty sections, env overrides, secrets. */
final class ConfigLoaderTest {

    /** Surefire runs in the module directory, {@code filter/}. */
    private static final Path SHIPPED = Path.of("..", "conf", "switchboard.yaml");

    private static final String OPENAI_UNCONFIGURED =
            "providers.openai: api_key is empty, so provider openai is not routed to or listed until it is set";
    private static final String ANTHROPIC_UNCONFIGURED =
            "providers.anthropic: api_key is empty, so provider anthropic is not routed to or listed until it is set";
    private static final String SHADOW = "virtual_models[2].source: 'openai/gpt-5-mini' shadows a model that provider "
            + "openai lists; requests for it go to 'demo/echo-small'";
    private static final String BARE = "virtual_models[2].source: redirects match the name as written: a request for"
            + " 'gpt-5-mini' reaches the model 'openai/gpt-5-mini' names without this redirect; add a redirect for"
            + " 'gpt-5-mini' too, or gate the model with an access policy";

    @Test
    void shouldSayWhyAFileOperationFailedInWordsWithoutAJavaClassName() {
        Path file = Path.of("/srv/sb/virtual-models.admin.yaml");

        assertThat(ConfigLoader.reason(new java.nio.file.AccessDeniedException(file.toString()), file))
                .isEqualTo("permission denied");
        assertThat(ConfigLoader.reason(new java.nio.file.AccessDeniedException("/srv/sb/.virtual-models.admin.yaml.lock"),
                file)).isEqualTo("permission denied: /srv/sb/.virtual-models.admin.yaml.lock");
        assertThat(ConfigLoader.reason(new java.nio.file.FileSystemException(file.toString(), null,
                "Read-only file system"), file)).isEqualTo("Read-only file system");
        assertThat(ConfigLoader.reason(new java.io.IOException("No space left on device"), file))
                .isEqualTo("No space left on device");
        assertThat(ConfigLoader.reason(new java.io.IOException(), file)).isEqualTo("input/output error");
    }

    @Test
    void shouldLoadShippedConfigWithoutKeys() {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).load(SHIPPED);

        // README "Check a config": "valid (4 redirects, 2 access policies, 3 providers, 4 warnings)".
        assertThat(config.rules().virtualModels()).filteredOn(VirtualModel::isRedirect).hasSize(4);
        assertThat(config.rules().virtualModels()).filteredOn(vm -> !vm.isRedirect()).hasSize(2);
        assertThat(config.rules().providers()).containsOnlyKeys("demo", "openai", "anthropic");
        assertThat(config.warnings()).extracting(Warning::toString)
                .containsExactly(OPENAI_UNCONFIGURED, ANTHROPIC_UNCONFIGURED, SHADOW, BARE);
        assertThat(config.server()).isEqualTo(ServerSettings.DEFAULT);
        assertThat(config.rules().defaultProvider()).isEqualTo("demo");
    }

    @Test
    void shouldLoadShippedConfigWithKeysAndPort() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-openai", "ANTHROPIC_API_KEY", "sk-ant",
                "SWITCHBOARD_HOST", "127.0.0.1", "SWITCHBOARD_PORT", "9099");

        SwitchboardConfig config = new ConfigLoader(env::get).load(SHIPPED);

        assertThat(config.warnings()).extracting(Warning::toString).containsExactly(SHADOW, BARE);
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(9099);
        assertThat(config.rules().providers().get("openai").apiKey()).isEqualTo("sk-openai");
        assertThat(config.rules().providers().get("openai").baseUrl()).isEqualTo("https://api.openai.com");
        assertThat(config.rules().providers().get("anthropic").baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(config.rules().providers().get("demo").baseUrl()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "version: 1\n",
        "{}\n",
        "version: 1\nserver:\nproviders:\nidentity:\nmodels:\nvirtual_models:\nadmin:\nreload:\n",
        "server: {}\nproviders: {}\nidentity: {}\nmodels: {}\nvirtual_models: []\nadmin: {}\nreload: {}\n",
        // Not models.enabled_by_default: written empty it is refused (taken for the default, true, it would open
        // every model; ConfigValidationTest).
        "identity:\n  clients: []\nmodels:\n  keep_only_aliases: null\n",
    })
    void shouldUseEveryDefaultForAbsentOrEmptySections(String yaml) {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml);

        assertThat(config.server()).isEqualTo(ServerSettings.DEFAULT);
        assertThat(config.server()).isEqualTo(new ServerSettings(ServerSettings.DEFAULT_HOST, ServerSettings.DEFAULT_PORT,
                ServerSettings.DEFAULT_MAX_REQUEST_BYTES, ServerSettings.DEFAULT_UPSTREAM_IDLE_TIMEOUT,
                ServerSettings.DEFAULT_UPSTREAM_CONNECT_TIMEOUT, ServerSettings.DEFAULT_MODELS_CACHE_TTL, ServerSettings.DEFAULT_REQUEST_BODY_TIMEOUT,
                ServerSettings.DEFAULT_REQUEST_BODY_MIN_RATE, ServerSettings.DEFAULT_CLIENT_IDLE_TIMEOUT,
                ServerSettings.DEFAULT_DRAIN_TIMEOUT, ServerSettings.DEFAULT_DRAIN_DELAY));
        assertThat(config.admin()).isEqualTo(new AdminSettings(AdminSettings.DEFAULT_TOKEN, AdminSettings.DEFAULT_STORE));
        assertThat(config.admin().enabled()).isFalse();
        assertThat(config.reload()).isEqualTo(new ReloadSettings(ReloadSettings.DEFAULT_POLL_INTERVAL));
        Rules rules = config.rules();
        assertThat(rules.identity()).isEqualTo(new Identity(Identity.DEFAULT_USER_PATH_HEADER,
                Identity.DEFAULT_TRUST_USER_PATH_HEADER, List.of()));
        assertThat(rules.identity().keysRequired()).isFalse();
        assertThat(rules.enabledByDefault()).isEqualTo(Rules.DEFAULT_ENABLED_BY_DEFAULT);
        assertThat(rules.keepOnlyAliases()).isEqualTo(Rules.DEFAULT_KEEP_ONLY_ALIASES);
        assertThat(rules.providers()).isEmpty();
        assertThat(rules.defaultProvider()).isNull();
        assertThat(rules.virtualModels()).isEmpty();
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void shouldTakeADurationOfAYearAndEveryUnit() {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                server:
                  request_body_timeout: 365d
                  upstream_connect_timeout: 8760h
                  upstream_idle_timeout: 525600m
                  client_idle_timeout: 31536000
                """);

        assertThat(List.of(config.server().requestBodyTimeout(), config.server().upstreamConnectTimeout(),
                config.server().upstreamIdleTimeout(), config.server().clientIdleTimeout()))
                .containsOnly(java.time.Duration.ofDays(365));
    }

    @Test
    void shouldTakeAMetricsPathThatOnlyBeginsLikeTheAdminApi() {
        // Refused as "under /admin" before: the admin API and the dashboard are /admin and /admin/..., not this.
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                observability: {metrics_path: /administration/metrics}
                """);

        assertThat(config.observability().metricsPath()).isEqualTo("/administration/metrics");
    }

    @Test
    void shouldUseRowDefaults() {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                providers:
                  local:
                    type: openai-compatible
                    base_url: http://localhost:11434/
                virtual_models:
                  - source: ab
                    targets: [local/a, {model: local/b}]
                  - source: local/
                """);

        Provider local = config.rules().providers().get("local");
        assertThat(local.type()).isEqualTo(ProviderType.OPENAI_COMPATIBLE);
        assertThat(local.baseUrl()).as("a trailing slash would double the request path").isEqualTo("http://localhost:11434");
        assertThat(local.apiKey()).isEmpty();
        assertThat(local.models()).isEmpty();
        assertThat(local.headers()).isEmpty();
        assertThat(local.configured()).isTrue();
        VirtualModel redirect = config.rules().virtualModels().get(0);
        assertThat(redirect.targets()).containsExactly(new Target("local/a", Target.DEFAULT_WEIGHT),
                new Target("local/b", Target.DEFAULT_WEIGHT));
        assertThat(redirect.strategy()).isEqualTo(Strategy.DEFAULT).isEqualTo(Strategy.STICKY);
        assertThat(redirect.enabled()).isEqualTo(VirtualModel.DEFAULT_ENABLED);
        assertThat(redirect.userPaths()).isEmpty();
        assertThat(redirect.description()).isEmpty();
        VirtualModel policy = config.rules().virtualModels().get(1);
        assertThat(policy.isRedirect()).isFalse();
        assertThat(policy.strategy()).isNull();
        assertThat(policy.enabled()).isEqualTo(VirtualModel.DEFAULT_ENABLED);
    }

    @Test
    void shouldNormalizeAndTrimValues() {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                identity:
                  user_path_header: " X-Caller "
                  clients:
                    - name: " alice "
                      key_sha256: 4805D60CB37819015D8FFFB916FD911836BC573C4C5963D9F1A24A543BD352D7
                      user_path: acme//ml/alice/
                virtual_models:
                  - source: " regular "
                    target: " demo/a "
                    user_paths: ["acme//ml/", /acme/ml, " /Acme "]
                """);

        Identity identity = config.rules().identity();
        assertThat(identity.userPathHeader()).isEqualTo("X-Caller");
        assertThat(identity.authenticate("sk-alice-demo")).isNotNull().satisfies(client -> {
            assertThat(client.name()).isEqualTo("alice");
            assertThat(client.userPath()).isEqualTo("/acme/ml/alice");
        });
        VirtualModel vm = config.rules().virtualModels().get(0);
        assertThat(vm.source()).isEqualTo("regular");
        assertThat(vm.targets()).extracting(Target::model).containsExactly("demo/a");
        assertThat(vm.userPaths()).containsExactly("/acme/ml", "/Acme");
    }

    @ParameterizedTest(name = "env {0}, yaml {1} -> {2}")
    @CsvSource({
        "true,    false, true",
        "false,   true,  false",
        "' TRUE ', false, true",
        "False,   true,  false",
        "'',      true,  true",
        "'  ',    false, false",
    })
    void shouldLetEnvironmentOverrideKeepOnlyAliases(String env, boolean yaml, boolean expected) {
        ConfigLoader loader = new ConfigLoader(Map.of("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT", env)::get);

        SwitchboardConfig config = loader.parse("models:\n  keep_only_aliases: " + yaml + "\n");

        assertThat(config.rules().keepOnlyAliases()).isEqualTo(expected);
    }

    @Test
    void shouldApplyEnvironmentOverrideWithoutModelsSection() {
        ConfigLoader loader = new ConfigLoader(Map.of("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT", "true")::get);

        assertThat(loader.parse("version: 1\n").rules().keepOnlyAliases()).isTrue();
    }

    @Test
    void shouldSendATargetWithAPlainSpaceInsideAsWritten() {
        // Some servers name their models so; such a target is sent, never requested, and worked before the name rule.
        SwitchboardConfig config = new ConfigLoader(name -> null).parse("""
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:1"}
                virtual_models:
                  - {source: mine, target: up/My Model, fallbacks: [up/Other Model]}
                """);

        assertThat(config.rules().virtualModels().get(0).targets().get(0).model()).isEqualTo("up/My Model");
        assertThat(config.rules().virtualModels().get(0).fallbacks()).containsExactly("up/Other Model");
    }

    @Test
    void shouldStripTheLineFeedASecretFileEndsWithFromAKey() {
        // A Kubernetes secret made from a file, or $(cat key) in a script, keeps the file's last line feed: sent as
        // written it reached the provider as "Bearer sk-abc " (Jetty sends a line break as a space), a 401.
        Map<String, String> env = Map.of("KEY", "sk-abc\n", "TOKEN", " admin-tok\r\n", "SCRAPE", "scrape\n");
        SwitchboardConfig config = new ConfigLoader(env::get).parse("""
                providers:
                  openai: {type: openai, api_key: "${KEY}"}
                admin: {token: "${TOKEN}"}
                observability: {metrics_token: "${SCRAPE}"}
                """);

        assertThat(config.rules().providers().get("openai").apiKey()).isEqualTo("sk-abc");
        assertThat(config.admin().token()).isEqualTo("admin-tok");
        assertThat(config.observability().metricsToken()).isEqualTo("scrape");
    }

    @Test
    void shouldNeverPrintSecrets() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-live-provider-secret", "ADMIN_TOKEN", "admin-secret-token");
        SwitchboardConfig config = new ConfigLoader(env::get).parse("""
                providers:
                  openai:
                    type: openai
                    api_key: ${OPENAI_API_KEY}
                  local:
                    type: openai-compatible
                    base_url: http://localhost:11434
                    api_key: sk-inline-secret
                admin:
                  token: ${ADMIN_TOKEN}
                """);

        Provider openai = config.rules().providers().get("openai");
        assertThat(openai.apiKey()).isEqualTo("sk-live-provider-secret");
        assertThat(openai.toString()).doesNotContain("sk-live-provider-secret").contains("apiKey=***");
        assertThat(config.rules().providers().get("local").toString()).doesNotContain("sk-inline-secret");
        assertThat(config.admin().token()).isEqualTo("admin-secret-token");
        assertThat(config.admin().toString()).doesNotContain("admin-secret-token").contains("token=***");
        assertThat(config.toString()).doesNotContain("sk-live-provider-secret", "sk-inline-secret", "admin-secret-token");
        assertThat(config.warnings().toString()).doesNotContain("secret");
    }

    @Test
    void shouldShowEmptySecretsAsEmpty() {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                providers:
                  openai: {type: openai}
                """);

        assertThat(config.rules().providers().get("openai").toString()).contains("apiKey=,");
        assertThat(config.admin().toString()).isEqualTo("AdminSettings[token=, store=virtual-models.admin.yaml]");
    }

    @Test
    void shouldNotPrintSecretsInErrors() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(Map.of("KEY", "sk-live-provider-secret")::get).parse("""
                        providers:
                          openai:
                            type: openai
                            api_key: ${KEY}
                            base_url: ftp://api.openai.com
                            headers:
                              Authorization: [Bearer, sk-live-provider-secret]
                        admin:
                          token: ${KEY}
                          store: ""
                        """));

        assertThat(e.errors()).containsExactly(
                "providers.openai.base_url: must be an http or https URL without query, was \"ftp://api.openai.com\" (line 5)",
                "providers.openai.headers.Authorization: must be a string, was a list (line 7)",
                "admin.store: must not be empty (line 10)");
    }
}
