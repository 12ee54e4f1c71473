package dev.switchboard.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code conf/switchboard.schema.json}, the JSON Schema editors use for completion and checks, held to the
 * reader so the two cannot drift: every object of the schema names exactly the keys the reader reads (and no
 * others), every config this repository ships passes it, and configs the reader refuses for their shape are
 * refused by it too.
 */
final class ConfigSchemaTest {

    private static final Path ROOT = Path.of("..");
    private static JsonNode tree;
    private static Schema schema;

    @BeforeAll
    static void load() throws IOException {
        String text = Files.readString(ROOT.resolve("conf/switchboard.schema.json"), UTF_8);
        tree = new ObjectMapper().readTree(text);
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(text, InputFormat.JSON);
    }

    @Test
    void shouldNameExactlyTheKeysTheReaderReads() {
        JsonNode p = tree.get("properties");
        assertKeys("top level", tree, ConfigReader.TOP_KEYS);
        assertKeys("server", p.get("server"), ConfigReader.SERVER_KEYS);
        assertKeys("providers.NAME", p.get("providers").get("additionalProperties"), ConfigReader.PROVIDER_KEYS);
        assertKeys("identity", p.get("identity"), ConfigReader.IDENTITY_KEYS);
        assertKeys("identity.clients[]", p.get("identity").get("properties").get("clients").get("items"), ConfigReader.CLIENT_KEYS);
        assertKeys("models", p.get("models"), ConfigReader.MODELS_KEYS);
        assertKeys("admin", p.get("admin"), ConfigReader.ADMIN_KEYS);
        assertKeys("reload", p.get("reload"), ConfigReader.RELOAD_KEYS);
        assertKeys("observability", p.get("observability"), ConfigReader.OBSERVABILITY_KEYS);
        assertKeys("experiments", p.get("experiments"), ConfigReader.EXPERIMENTS_KEYS);
        assertKeys("failover", p.get("failover"), ConfigReader.FAILOVER_KEYS);
        assertKeys("failover.circuit_breaker", p.get("failover").get("properties").get("circuit_breaker"),
                ConfigReader.CIRCUIT_BREAKER_KEYS);
        JsonNode vm = tree.get("definitions").get("virtual_model");
        assertKeys("virtual_models[]", vm, VirtualModelReader.VIRTUAL_MODEL_KEYS);
        // A target is a model's name, or an object of these keys.
        assertKeys("virtual_models[].targets[]", vm.get("properties").get("targets").get("items").get("anyOf").get(1),
                VirtualModelReader.TARGET_KEYS);
    }

    // Regression (a README walk): the schema refused targets written as names, which the reader takes and the README
    // shows (its failover example), so editors marked valid configs as errors.
    @Test
    void shouldAcceptTargetsWrittenAsNamesAsTheReaderDoes() {
        String yaml = "virtual_models:\n  - {source: a, targets: [p/m, {model: p/n, weight: 2}], strategy: failover}\n";
        new ConfigLoader(name -> null).parse(yaml);

        assertThat(errors(yaml)).isEmpty();
        assertThat(errors("virtual_models:\n  - {source: a, targets: ['']}\n")).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"conf/switchboard.yaml", "conf/reference.yaml", "deploy/switchboard.yaml",
            "deploy/jetty/modules/switchboard/switchboard.yaml", "examples/tomcat-webapp/src/main/webapp/WEB-INF/switchboard.yaml"})
    void shouldAcceptEveryConfigThisRepositoryShips(String file) throws IOException {
        String yaml = Files.readString(ROOT.resolve(file), UTF_8);
        new ConfigLoader(name -> null).parse(yaml); // the reader accepts it (the premise)

        assertThat(errors(yaml)).as(file).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "servr: {port: 8080}\n",                                           // unknown top-level key
            "server: {port: 8080, idle: 3s}\n",                                // unknown server key
            "server: {port: http}\n",                                          // not a port
            "server: {upstream_idle_timeout: 10 minutes}\n",                   // not a duration
            "providers: {p: {base_url: 'http://x'}}\n",                        // a provider without type
            "providers: {p: {type: grpc}}\n",                                  // an unknown type
            "virtual_models: [{target: p/m}]\n",                               // no source
            "virtual_models: [{source: a, target: p/m, targets: [{model: p/n}]}]\n", // target and targets
            "virtual_models: [{source: a, targets: [{model: p/n, weight: 0}]}]\n",   // a weight of 0
            "virtual_models: [{source: a, targets: [{model: p/n}], strategy: random}]\n", // an unknown strategy
            "virtual_models: [{source: a, target: p/m, enabled: maybe}]\n",    // not a boolean
            "models: {enabled_by_default: true, hide: true}\n",                // unknown models key
            "failover: {max_attempts: 0}\n",                                  // no attempt at all
            "failover: {retry_on: [404]}\n",                                  // a status that is never retried
            "virtual_models: [{source: a, target: p/m, fallbacks: [p/n, p/n]}]\n", // a duplicate fallback
    })
    void shouldRefuseWhatTheReaderRefusesForItsShape(String yaml) {
        assertThatThrownBy(() -> new ConfigLoader(name -> null).parse(yaml)).isInstanceOf(InvalidConfigException.class);

        assertThat(errors(yaml)).as(yaml).isNotEmpty();
    }

    @Test
    void shouldAcceptValuesFromTheEnvironmentWhereTheReaderDoes() {
        // Plain (unquoted) scalars, as the reader wants them: a quoted "${PORT:-8080}" stays a string.
        String yaml = "server:\n  port: ${PORT:-8080}\n  drain_timeout: ${DRAIN:-30s}\nmodels:\n  keep_only_aliases: ${KEEP:-false}\n";
        new ConfigLoader(name -> null).parse(yaml);

        assertThat(errors(yaml)).isEmpty();
    }

    @Test
    void shouldBeWhatTheDefaultConfigPointsEditorsAt() throws IOException {
        assertThat(Files.readAllLines(ROOT.resolve("conf/switchboard.yaml"), UTF_8).get(0))
                .isEqualTo("# yaml-language-server: $schema=switchboard.schema.json");
    }

    private static List<String> errors(String yaml) {
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(yaml, InputFormat.YAML)) {
            out.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    private static void assertKeys(String where, JsonNode object, List<String> readerKeys) {
        assertThat(object.get("additionalProperties").asBoolean(true)).as(where + ": additionalProperties").isFalse();
        List<String> names = new ArrayList<>(object.get("properties").propertyNames());
        assertThat(names).as(where).containsExactlyInAnyOrderElementsOf(readerKeys);
    }
}
