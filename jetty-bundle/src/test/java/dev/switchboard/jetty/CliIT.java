package dev.switchboard.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The packaged {@code switchboard.jar}, run as a user runs it ({@code java -jar}): real exit codes through
 * {@code System.exit}, real stdout and stderr, and the built-in default config embedded in the jar.
 */
final class CliIT {

    private static final long TIMEOUT_SECONDS = 30;

    /** Variables that would change what the jar prints: config expansion, or JVM banners on stderr. */
    private static final List<String> SCRUBBED_ENV = List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY",
            "KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private static final String GATEWAY = """
            providers:
              demo:
                type: echo
                models: [echo-small]
              openai:
                type: openai
                api_key: ""
            virtual_models:
              - source: regular
                target: demo/echo-small
              - source: demo/
                user_paths: [/acme]
            """;

    @TempDir
    Path dir;

    private Path work;
    private int runs;

    @BeforeEach
    void workingDirectoryWithoutConf() throws IOException {
        work = Files.createDirectory(dir.resolve("work"));
    }

    @Test
    void shouldExitZeroForTheShippedConfigAsTheReadmeShows() throws Exception {
        Path root = jar().getParent().getParent().getParent();
        // The shipped file, in a folder of its own: an admin store a demo left beside it in a checkout
        // (conf/virtual-models.admin.yaml, ignored by git) would be read and counted too.
        Files.createDirectory(work.resolve("conf"));
        Files.copy(root.resolve("conf/switchboard.yaml"), work.resolve("conf/switchboard.yaml"));

        Run r = run(work, "validate", "conf/switchboard.yaml");

        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo("conf/switchboard.yaml: valid (4 redirects, 2 access policies, 3 providers, 4 warnings)\n");
        assertThat(r.err.lines().toList()).hasSize(4).first().isEqualTo(
                "warning: providers.openai: api_key is empty, so provider openai is not routed to or listed until it is set");
    }

    @Test
    void shouldExitOneWithTheReadmesErrorLinesForAnInvalidConfig() throws Exception {
        Files.writeString(work.resolve("bad.yaml"), """
                server:
                  prot: 8080
                providers:
                  demo:
                    type: echo
                virtual_models:
                  - source: regular
                    target: demo/echo-small
                  - source: smarter
                    targets: [{model: demo/echo-large, weight: -1}, demo/echo-small]
                """);

        Run r = run(work, "validate", "bad.yaml");

        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).isEmpty();
        assertThat(r.err.lines().toList()).containsExactly(
                "bad.yaml: invalid configuration (2 errors)",
                "error: server.prot: unknown key (did you mean 'port'?); expected one of: host, port,"
                        + " max_request_bytes, upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 2)",
                "error: virtual_models[1].targets[0].weight: must be > 0, was -1 (line 10)");
    }

    @Test
    void shouldExitOneWithoutStackTraceForADeeplyNestedFile() throws Exception {
        Files.writeString(work.resolve("deep.yaml"), "a: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n");

        Run r = run(work, "validate", "deep.yaml");

        assertThat(r.code).isEqualTo(1);
        assertThat(r.err.lines().toList()).containsExactly(
                "deep.yaml: invalid configuration (1 error)",
                "error: a" + "[0]".repeat(32) + ": nested deeper than 32 levels");
    }

    @Test
    void shouldExitTwoOnBadArguments() throws Exception {
        Run none = run(work, "--port", "-1");
        Run unknown = run(work, "frobnicate");
        Run noModel = run(work, "explain", "--json");
        Run badPath = run(work, "explain", "--model", "regular", "--user-path", "/acme/../root");

        assertThat(List.of(none.code, unknown.code, noModel.code, badPath.code)).containsOnly(2);
        assertThat(none.err).startsWith("error: --port must be between 0 and 65535, was \"-1\"\nusage:\n");
        assertThat(unknown.err).startsWith("error: unknown command 'frobnicate'\nusage:\n");
        assertThat(noModel.err).startsWith("error: explain needs --model M\nusage:\n");
        assertThat(badPath.err).startsWith("error: invalid --user-path \"/acme/../root\": '..' segments are not allowed\n");
        assertThat(none.out + unknown.out + noModel.out + badPath.out).isEmpty();
    }

    @Test
    void shouldExitZeroForHelp() throws Exception {
        Run r = run(work, "--help");

        assertThat(r.code).isZero();
        assertThat(r.out).startsWith("usage:\n");
        assertThat(r.err).isEmpty();
    }

    @Test
    void shouldPrintTheReleaseVersion() throws Exception {
        String version = System.getProperty("switchboard.version");
        assertThat(version).as("system property switchboard.version (set by failsafe)").isNotBlank();

        Run r = run(work, "--version");

        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo(version + "\n");
        assertThat(r.err).isEmpty();
    }

    @Test
    void shouldExitWithTheDecisionsCodeFromExplain() throws Exception {
        Files.writeString(work.resolve("gateway.yaml"), GATEWAY);

        Run allowed = run(work, "explain", "--config", "gateway.yaml", "--model", "regular", "--user-path", "/acme/a");
        Run denied = run(work, "explain", "--config", "gateway.yaml", "--model", "regular");
        Run noKey = run(work, "explain", "--config", "gateway.yaml", "--model", "openai/gpt-5");
        Run invalid = run(work, "explain", "--config", "missing.yaml", "--model", "regular");

        assertThat(allowed.code).isZero();
        assertThat(allowed.out).contains("\nresult:         allowed\n");
        assertThat(denied.code).isEqualTo(3);
        assertThat(denied.out).contains(
                "\nresult:         denied: 403 model_access_denied (requested model is not available for this caller)\n");
        assertThat(noKey.code).isEqualTo(4);
        assertThat(noKey.out).contains(
                "\nresult:         not routable: 503 provider_unavailable (provider openai is not configured)\n");
        assertThat(invalid.code).isEqualTo(1);
        assertThat(invalid.err).isEqualTo("missing.yaml: invalid configuration (1 error)\nerror: missing.yaml: no such file\n");
    }

    @Test
    void shouldExitFourWhenNothingRoutesTheModel() throws Exception {
        Files.writeString(work.resolve("gateway.yaml"), GATEWAY);

        Run r = run(work, "explain", "--config", "gateway.yaml", "--model", "nowhere", "--json");

        assertThat(r.code).isEqualTo(4);
        assertThat(json(r.out))
                .containsEntry("requested", "nowhere")
                .containsEntry("provider", null)
                .containsEntry("allowed", false)
                .containsEntry("reason", "unsupported model: nowhere");
    }

    @Test
    void shouldPrintOneJsonObjectWithTheSpecKeys() throws Exception {
        Files.writeString(work.resolve("gateway.yaml"), GATEWAY);

        Run r = run(work, "explain", "--config", "gateway.yaml", "--model", "regular", "--json");

        assertThat(r.code).isEqualTo(3);
        assertThat(r.err).isEmpty();
        assertThat(r.out.lines()).hasSize(1);
        Map<String, Object> decision = json(r.out);
        assertThat(decision.keySet()).containsExactly("requested", "redirect", "target", "concrete", "provider",
                "upstream_model", "allowed", "policy", "reason", "candidates");
        assertThat(decision)
                .containsEntry("candidates", 1)
                .containsEntry("redirect", "regular")
                .containsEntry("target", "demo/echo-small")
                .containsEntry("provider", "demo")
                .containsEntry("upstream_model", "echo-small")
                .containsEntry("allowed", false)
                .containsEntry("policy", "demo/");
    }

    @Test
    void shouldExplainWithTheBuiltInDefaultWhenTheWorkingDirectoryHasNoConf() throws Exception {
        Run json = run(work, "explain", "--model", "regular", "--json");
        Run text = run(work, "explain", "--model", "regular");

        assertThat(json.code).isZero();
        assertThat(json.err).isEmpty();
        assertThat(json.out).isEqualTo("{\"requested\":\"regular\",\"redirect\":\"regular\",\"target\":\"demo/echo-small\","
                + "\"concrete\":\"demo/echo-small\",\"provider\":\"demo\",\"upstream_model\":\"echo-small\","
                + "\"allowed\":true,\"policy\":null,"
                + "\"reason\":\"no access policy matches 'demo/echo-small'; models.enabled_by_default is true\","
                + "\"candidates\":[{\"model\":\"demo/echo-small\",\"role\":\"target\",\"provider\":\"demo\","
                + "\"upstream_model\":\"echo-small\",\"allowed\":true,\"outcome\":\"allowed\",\"policy\":null,"
                + "\"reason\":\"no access policy matches 'demo/echo-small'; models.enabled_by_default is true\"}]}\n");
        assertThat(text.code).isZero();
        assertThat(text.out).startsWith("config:         (built-in default)\nrequested:      regular\n");
    }

    @Test
    void shouldApplyTheBuiltInDefaultsPoliciesToo() throws Exception {
        Run denied = run(work, "explain", "--model", "anthropic/claude-opus-4-6", "--json");
        Run disabled = run(work, "explain", "--model", "openai/o3-pro", "--user-path", "/acme/ml");

        assertThat(denied.code).isEqualTo(3);
        assertThat(json(denied.out)).containsEntry("policy", "anthropic/").containsEntry("allowed", false);
        assertThat(disabled.code).isEqualTo(3);
        assertThat(disabled.out).contains("\nresult:         denied: 403 model_access_denied (requested model is not available)\n");
    }

    @Test
    void shouldPreferConfSwitchboardYamlInTheWorkingDirectoryOverTheBuiltInDefault() throws Exception {
        Files.createDirectory(work.resolve("conf"));
        Files.writeString(work.resolve("conf").resolve("switchboard.yaml"), """
                providers:
                  demo:
                    type: echo
                virtual_models:
                  - source: regular
                    target: demo/local-model
                """);

        Run r = run(work, "explain", "--model", "regular");

        assertThat(r.code).isZero();
        assertThat(r.out).startsWith("config:         " + Path.of("conf", "switchboard.yaml") + "\n")
                .contains("\nredirect:       regular -> demo/local-model\n");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private record Run(int code, String out, String err) {
    }

    private static Path jar() {
        String property = System.getProperty("switchboard.jar");
        assertThat(property).as("system property switchboard.jar (set by failsafe)").isNotBlank();
        Path jar = Path.of(property).toAbsolutePath();
        assertThat(jar).isRegularFile();
        return jar;
    }

    /** Runs {@code java -jar switchboard.jar ARGS} in {@code workingDirectory} with the test's own JDK. */
    private Run run(Path workingDirectory, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", jar().toString()));
        command.addAll(List.of(args));
        int n = ++runs;
        Path out = dir.resolve("run" + n + ".out");
        Path err = dir.resolve("run" + n + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("SWITCHBOARD_") || SCRUBBED_ENV.contains(name));
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("java -jar switchboard.jar " + String.join(" ", args) + " did not exit within " + TIMEOUT_SECONDS + " s");
        }
        Run run = new Run(process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        assertThat(run.err).as("stderr of %s", List.of(args)).doesNotContain("Exception").doesNotContain("\tat ");
        return run;
    }

    /** A flat JSON object of strings, booleans and nulls (an array: its length), keys in document order. */
    private static Map<String, Object> json(String text) {
        Map<String, Object> map = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), text)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                map.put(name, switch (value) {
                    case VALUE_STRING -> p.getString();
                    case VALUE_TRUE -> true;
                    case VALUE_FALSE -> false;
                    case VALUE_NULL -> null;
                    case START_ARRAY -> {
                        // The candidates (SPEC section 11): counted here; CliTest checks their content.
                        int n = 0;
                        for (JsonToken c = p.nextToken(); c != JsonToken.END_ARRAY; c = p.nextToken()) {
                            p.skipChildren();
                            n++;
                        }
                        yield n;
                    }
                    default -> throw new AssertionError("unexpected " + value + " for " + name + " in " + text);
                });
            }
            assertThat(p.nextToken()).as("one object, nothing after it").isNull();
        }
        return map;
    }
}
