package dev.switchboard.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/** The command line of SPEC section 8, in process: exit codes and the exact lines a user reads. */
final class CliTest {

    /**
     * A gateway config: three providers (openai without a key), two clients (alice binds a path, bot
     * does not: a warning, since the header is trusted), no default_provider, so an unknown bare name routes nowhere.
     */
    private static final String GATEWAY = """
            providers:
              demo:
                type: echo
                models: [echo-small, echo-large]
              openai:
                type: openai
                api_key: ""
                models: [gpt-5]
              anthropic:
                type: anthropic
                api_key: sk-test
            identity:
              clients:
                - name: alice
                  key_sha256: %s
                  user_path: /acme/ml/alice
                - name: bot
                  key_sha256: %s
            virtual_models:
              - source: regular
                target: demo/echo-small
              - source: smarter
                targets: [demo/echo-large, demo/echo-small]
              - source: legacy
                target: retired-model
              - source: anthropic/
                user_paths: [/acme/ml]
              - source: openai/o3-pro
                enabled: false
            """.formatted("a".repeat(64), "b".repeat(64));

    /** No providers: section, as the bare filter runs. */
    private static final String BARE = """
            virtual_models:
              - source: fast
                target: gpt-5-mini
              - source: o3-pro
                user_paths: [/labs]
            """;

    /** The keys of SPEC section 8, then the candidates in the order they are tried (SPEC section 11). */
    private static final List<String> JSON_KEYS = List.of("requested", "redirect", "target", "concrete", "provider",
            "upstream_model", "allowed", "policy", "reason", "candidates");

    @TempDir
    Path dir;

    // ---- validate ------------------------------------------------------------------------------------

    @Test
    void shouldExitZeroWithSummaryOnStdoutAndWarningsOnStderrForValidConfig() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("validate", config.toString());

        assertThat(r.code).isZero();
        assertThat(r.outLines()).containsExactly(
                config + ": valid (3 redirects, 2 access policies, 3 providers, 3 warnings)");
        assertThat(r.errLines()).containsExactly(
                "warning: providers.openai: api_key is empty, so provider openai is not routed to or listed until it is set",
                "warning: identity.clients[1]: the key of 'bot' binds no user_path while trust_user_path_header is true:"
                        + " its caller may claim any user path (and pass any user_paths policy) with the X-User-Path header;"
                        + " bind one (user_path: /team) unless it speaks for its own users, or set trust_user_path_header:"
                        + " false",
                "warning: virtual_models[2].target: no provider can route 'retired-model' (no declared provider prefix,"
                        + " no static models list holds it, and there is no default_provider)");
    }

    @Test
    void shouldPrintNoWarningLinesForConfigWithoutWarnings() throws IOException {
        Path config = write("bare.yaml", BARE);

        Result r = cli("validate", config.toString());

        assertThat(r.code).isZero();
        assertThat(r.outLines()).containsExactly(
                config + ": valid (1 redirect, 1 access policy, 0 providers, 0 warnings)");
        assertThat(r.err).isEmpty();
    }

    @Test
    void shouldExitOneWithEveryErrorNamingItsYamlPathForInvalidConfig() throws IOException {
        Path config = write("bad.yaml", """
                server:
                  prot: 8080
                virtual_models:
                  - source: regular
                    target: demo/echo-small
                  - source: smarter
                    targets:
                      - { model: a, weight: -1 }
                    strategy: fastest
                  - source: regular
                    target: other
                """);

        Result r = cli("validate", config.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                config + ": invalid configuration (4 errors)",
                "error: server.prot: unknown key (did you mean 'port'?); expected one of: host, port,"
                        + " max_request_bytes, upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 2)",
                "error: virtual_models[1].targets[0].weight: must be > 0, was -1 (line 8)",
                "error: virtual_models[1].strategy: must be sticky, round_robin or failover, was \"fastest\" (line 9)",
                "error: virtual_models[2].source: duplicate source 'regular' (also virtual_models[0]) (line 10)");
        assertNoStackTrace(r);
    }

    @Test
    void shouldExitOneForAStoreAddressTheStoreRefusesAsAStartWould() throws IOException {
        Path config = write("store.yaml", """
                admin:
                  store: postgresql://db.example:5432/switchboard?password=hunter2
                """);

        Result r = cli("validate", config.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(config + ": invalid configuration (1 error)",
                "error: admin.store: must not carry the parameter password; credentials come from admin.store_user and"
                        + " admin.store_password");
        assertThat(r.err).doesNotContain("hunter2");
        assertNoStackTrace(r);
    }

    @Test
    void shouldExitOneForMissingFile() {
        Path missing = dir.resolve("nope.yaml");

        Result r = cli("validate", missing.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                missing + ": invalid configuration (1 error)",
                "error: " + missing + ": no such file");
    }

    // Regression: a store that cannot be read at the start was headed "invalid configuration", as if the file were
    // wrong. (A database store that cannot be reached no longer stops the start: PostgresStoreIT.)
    @Test
    void shouldSayTheStoreCannotBeReadNotThatTheConfigIsInvalid() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("store-is-a-folder.yaml"));
        Path config = write("folder.yaml", """
                server: {port: 0}
                admin:
                  token: t
                  store: %s
                """.formatted(folder));

        Result r = cli("--config", config.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.errLines()).containsExactly(
                config + ": the admin store cannot be read (1 error)",
                "error: " + folder + ": is a directory, not an admin store file");
        assertNoStackTrace(r);
    }

    @Test
    void shouldRefuseADeviceWithoutReadingIt() {
        // Regression: a device or pipe reports size 0, so the 4 MiB check was skipped and the endless
        // /dev/zero was read until the heap ran out (OutOfMemoryError, a stack trace); then it was read up to the cap.
        // Now it is not opened at all (a pipe blocked its reader).
        Path endless = Path.of("/dev/zero");
        assumeTrue(Files.isReadable(endless), "needs /dev/zero");

        Result r = cli("validate", endless.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                "/dev/zero: invalid configuration (1 error)",
                "error: /dev/zero: is not a regular file (a pipe, socket or device); write the config to a file");
        assertNoStackTrace(r);
    }

    @Test
    void shouldNameTheUnsetEnvironmentVariable() throws IOException {
        Path config = write("env.yaml", """
                admin:
                  token: ${SWITCHBOARD_TEST_SURELY_UNSET_VARIABLE}
                """);

        Result r = cli("validate", config.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.errLines()).containsExactly(
                config + ": invalid configuration (1 error)",
                "error: admin.token: environment variable SWITCHBOARD_TEST_SURELY_UNSET_VARIABLE is not set"
                        + " (write ${SWITCHBOARD_TEST_SURELY_UNSET_VARIABLE:-} for an empty default) (line 2)");
    }

    /** Inputs a config file can be that no parser should meet unguarded: each is one error line, exit 1. */
    static Stream<Arguments> badFiles() {
        return Stream.of(
                arguments("anchor bomb (alias expansion)", (Fixture) d -> write(d, "bomb.yaml", anchorBomb()),
                        "the document expands to more than 100000 nodes (anchors and aliases included); refusing it"),
                arguments("anchor bomb (alias count)", (Fixture) d -> write(d, "aliases.yaml", manyAliases()),
                        "invalid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50"),
                arguments("duplicate key", (Fixture) d -> write(d, "dup.yaml", "server:\n  port: 1\n  port: 2\n"),
                        "server: duplicate key 'port' (lines 2 and 3)"),
                arguments("duplicate top-level key", (Fixture) d -> write(d, "dup2.yaml", "version: 1\nversion: 1\n"),
                        "(document): duplicate key 'version' (lines 1 and 2)"),
                arguments("50 MB file", (Fixture) d -> sparse(d.resolve("huge.yaml"), 50L * 1024 * 1024),
                        "%s: the file is 52428800 bytes; the limit is 4194304 bytes"),
                arguments("binary garbage", (Fixture) d -> binaryGarbage(d.resolve("garbage.yaml")),
                        "the document is not valid UTF-8"),
                arguments("control characters", (Fixture) d -> write(d, "nul.yaml", "a: 1\n\u0000\u0001\n"),
                        "invalid YAML: special characters are not allowed"),
                arguments("syntax error", (Fixture) d -> write(d, "syntax.yaml", "server: {port: 1\n"),
                        "invalid YAML: line 2, column 1: expected ',' or '}', but got <stream end>"
                                + " (while parsing a flow mapping)"),
                arguments("empty file", (Fixture) d -> write(d, "empty.yaml", ""), "the document is empty"),
                arguments("only a comment", (Fixture) d -> write(d, "comment.yaml", "# nothing\n"),
                        "the document is empty"),
                arguments("a list, not a mapping", (Fixture) d -> write(d, "list.yaml", "- a\n- b\n"),
                        "(document): must be a mapping of sections, was a list"),
                arguments("two documents", (Fixture) d -> write(d, "two.yaml", "version: 1\n---\nversion: 1\n"),
                        "invalid YAML: line 2, column 1: but found another document"
                                + " (expected a single document in the stream)"),
                arguments("a directory", (Fixture) d -> Files.createDirectory(d.resolve("conf.d")),
                        "%s: is a directory, not a config file"),
                // Regression: these overflowed SnakeYAML's recursive composer (StackOverflowError, a stack trace).
                arguments("flow lists nested 5,000 deep", (Fixture) d -> write(d, "deep.yaml",
                        "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n"),
                        "a" + "[0]".repeat(32) + ": nested deeper than 32 levels"),
                arguments("block mappings nested 2,000 deep", (Fixture) d -> write(d, "deep-block.yaml", deepBlock(2000)),
                        "k" + ".k".repeat(32) + ": nested deeper than 32 levels"),
                arguments("nested 33 deep", (Fixture) d -> write(d, "deep33.yaml",
                        "a: " + "[".repeat(33) + "]".repeat(33) + "\n"),
                        "a" + "[0]".repeat(32) + ": nested deeper than 32 levels"),
                arguments("nested 32 deep, a scalar at 33", (Fixture) d -> write(d, "deep32.yaml",
                        "a: " + "[".repeat(32) + "x" + "]".repeat(32) + "\n"),
                        "a" + "[0]".repeat(32) + ": nested deeper than 32 levels"),
                arguments("nested 32 deep: allowed, so the next check speaks", (Fixture) d -> write(d, "deep31.yaml",
                        "a: " + "[".repeat(31) + "x" + "]".repeat(31) + "\n"),
                        "a: unknown key; expected one of: version, server, providers, default_provider, identity,"
                                + " models, virtual_models, admin, reload, observability, experiments, failover (line 1)"),
                arguments("a mapping that aliases itself", (Fixture) d -> write(d, "self.yaml", "a: &a\n  b: *a\n"),
                        "a" + ".b".repeat(32) + ": nested deeper than 32 levels"));
    }

    @ParameterizedTest(name = "validate: {0}")
    @MethodSource("badFiles")
    void shouldExitOneWithOneErrorLineAndNoStackTraceOnBadFile(String name, Fixture fixture, String expected)
            throws IOException {
        Path file = fixture.create(dir);

        Result r = cli("validate", file.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                file + ": invalid configuration (1 error)",
                "error: " + expected.formatted(file));
        assertNoStackTrace(r);
    }

    @ParameterizedTest(name = "explain: {0}")
    @MethodSource("badFiles")
    void shouldExitOneFromExplainOnBadFile(String name, Fixture fixture, String expected) throws IOException {
        Path file = fixture.create(dir);

        Result r = cli("explain", "--config", file.toString(), "--model", "regular", "--json");

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                file + ": invalid configuration (1 error)",
                "error: " + expected.formatted(file));
        assertNoStackTrace(r);
    }

    // Regression: an IPv6 host printed as http://::1:8080, which no URL reader takes; a failure without a message
    // printed null or a Java class name.
    @Test
    void shouldWriteAddressesAsUrlsAndFailuresInWords() {
        assertThat(Cli.url("::1", 8080)).isEqualTo("http://[::1]:8080");
        assertThat(Cli.url("[::1]", 8080)).isEqualTo("http://[::1]:8080");
        assertThat(Cli.url("127.0.0.1", 8080)).isEqualTo("http://127.0.0.1:8080");
        assertThat(Cli.why(new java.nio.channels.UnresolvedAddressException())).isEqualTo("the host name does not resolve");
        assertThat(Cli.why(new java.net.ConnectException())).isEqualTo("connection refused");
        assertThat(Cli.why(new java.io.IOException(new java.net.ConnectException()))).isEqualTo("connection refused");
        assertThat(Cli.why(new java.net.BindException("Address already in use"))).isEqualTo("Address already in use");
    }

    // ---- bad command lines ---------------------------------------------------------------------------

    static Stream<Arguments> badArguments() {
        return Stream.of(
                arguments(List.of("validate"), "validate takes exactly one PATH"),
                arguments(List.of("validate", "a.yaml", "b.yaml"), "validate takes exactly one PATH"),
                arguments(List.of("validate", "--config", "a.yaml"), "validate takes exactly one PATH"),
                arguments(List.of("frobnicate"), "unknown command 'frobnicate'"),
                arguments(List.of("explain"), "explain needs --model M"),
                arguments(List.of("explain", "--json"), "explain needs --model M"),
                arguments(List.of("explain", "--model", "   "), "explain needs --model M"),
                arguments(List.of("explain", "--model", "regular", "--verbose"), "unknown option '--verbose'"),
                arguments(List.of("explain", "--model"), "--model needs a value"),
                arguments(List.of("explain", "--model", "--json"), "--model needs a value"),
                arguments(List.of("explain", "--model", "regular", "--config"), "--config needs a value"),
                arguments(List.of("explain", "--model", "regular", "--user-path"), "--user-path needs a value"),
                arguments(List.of("explain", "--model", "regular", "--client"), "--client needs a value"),
                // Regression: an option given twice ran with the last one (a wrapper's --port and the operator's).
                arguments(List.of("--port", "8080", "--port", "9090"), "--port is given twice; give it once"),
                arguments(List.of("--config", "a.yaml", "--host", "::1", "--config", "b.yaml"),
                        "--config is given twice; give it once"),
                arguments(List.of("explain", "--model", "a", "--model", "b"), "--model is given twice; give it once"),
                arguments(List.of("experiments", "--json", "--json"), "--json is given twice; give it once"),
                arguments(List.of("experiments", "smarter", "extra"), "experiments takes one SOURCE at most, got 'smarter' "
                        + "and 'extra'"),
                // Regression: `--config "$CFG"` with CFG unset served the built-in demo instead of failing.
                arguments(List.of("--config", ""), "--config needs a value, not an empty one"),
                arguments(List.of("explain", "--model", "regular", "--config", ""), "--config needs a value, not an empty one"),
                arguments(List.of("explain", "--model", "regular", "--user-path", "/acme/../root"),
                        "invalid --user-path \"/acme/../root\": '..' segments are not allowed"),
                arguments(List.of("explain", "--model", "regular", "--user-path", "/acme/ml:alice"),
                        "invalid --user-path \"/acme/ml:alice\": ':' is not allowed"),
                arguments(List.of("explain", "--model", "regular", "--user-path", " "),
                        "invalid --user-path \" \": must not be empty"),
                // Regression: explained as allowed, though a request naming it is refused before any rule is read.
                arguments(List.of("explain", "--model", "demo/a,b"), "invalid --model \"demo/a,b\": model names may not "
                        + "contain spaces, control or invisible characters, or commas (a request naming it gets 400)"),
                // A README audit: said "unknown option '--version'" of the one option it knows.
                arguments(List.of("--version", "extra"), "--version takes no other argument"),
                // A fail-closed probe: sent as written, "de%6Eied" is "denied" to an upstream that puts it in a URL path.
                arguments(List.of("explain", "--model", "demo/de%6Eied"), "invalid --model \"demo/de%6Eied\": a model name"
                        + " sent upstream as written may not contain %, ?, #, ; or a backslash (an upstream may put it in a URL"
                        + " path) (a request naming it gets 400)"),
                arguments(List.of("explain", "--model", "demo/a\nb"), "invalid --model \"demo/a\\nb\": model names may not "
                        + "contain spaces, control or invisible characters, or commas (a request naming it gets 400)"),
                arguments(List.of("explain", "--model", "m".repeat(257)), "invalid --model \"" + "m".repeat(257)
                        + "\": model names are at most 256 characters (a request naming it gets 400)"),
                // Regression: Path.of threw InvalidPathException (a stack trace); on Windows '*' or '|' do the same.
                arguments(List.of("validate", "conf/\u0000.yaml"),
                        "invalid PATH \"conf/\u0000.yaml\": Nul character not allowed"),
                arguments(List.of("explain", "--config", "conf/\u0000.yaml", "--model", "regular"),
                        "invalid --config \"conf/\u0000.yaml\": Nul character not allowed"),
                // Arguments are checked before the config is read: a bad path is 2 even with a missing file.
                arguments(List.of("explain", "--config", "missing.yaml", "--model", "m", "--user-path", "/a/./b"),
                        "invalid --user-path \"/a/./b\": '.' segments are not allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void shouldExitTwoWithErrorAndUsageOnStderrOnBadArguments(List<String> args, String message) {
        Result r = cli(args.toArray(String[]::new));

        assertThat(r.code).isEqualTo(Cli.USAGE);
        assertThat(r.out).isEmpty();
        assertThat(r.err).isEqualTo("error: " + message + "\n" + Cli.USAGE_TEXT);
        assertNoStackTrace(r);
    }

    @Test
    void shouldExitTwoOnBadRunOptionsBeforeStartingAnything() {
        Result badPort = cli("--port", "70000");
        Result unknown = cli("--frobnicate");

        assertThat(badPort.code).isEqualTo(Cli.USAGE);
        assertThat(badPort.err).startsWith("error: --port must be between 0 and 65535, was \"70000\"\nusage:\n");
        assertThat(unknown.code).isEqualTo(Cli.USAGE);
        assertThat(unknown.err).startsWith("error: unknown option '--frobnicate'\nusage:\n");
        assertThat(badPort.out + unknown.out).isEmpty();
    }

    @Test
    void shouldExitOneWhenTheRunConfigIsInvalid() throws IOException {
        Path config = write("bad.yaml", "server:\n  port: abc\n");
        Result r = cli("--config", config.toString());

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.err).contains("error: server.port: must be an integer, was \"abc\" (line 2)");
        assertNoStackTrace(r);
    }

    // A README audit: "explain --help" was exit 2 ("unknown option '--help'") with the usage on stderr.
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"--help", "-h", "help", "explain --help",
        "experiments -h", "validate --help", "run --help", "--config x.yaml --help"})
    void shouldExitZeroWithUsageOnStdoutForHelp(String args) {
        Result r = cli(args.split(" "));

        assertThat(r.code).isZero();
        assertThat(r.err).isEmpty();
        assertThat(r.out).isEqualTo(Cli.USAGE_TEXT).startsWith("usage:\n");
        // Every way to point the jar at a config, and the variables the default config reads, are named.
        assertThat(r.out).contains("--config", "-Dswitchboard.config=PATH", "SWITCHBOARD_CONFIG", "SWITCHBOARD_HOST",
                "SWITCHBOARD_PORT", "SWITCHBOARD_ADMIN_TOKEN");
    }

    @Test
    void shouldExitTwoForUnknownClientListingTheConfiguredOnes() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "regular", "--client", "mallory");

        assertThat(r.code).isEqualTo(Cli.USAGE);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).first().isEqualTo("error: unknown --client 'mallory' (clients: alice, bot)");
        assertNoStackTrace(r);
    }

    @Test
    void shouldExitTwoForClientWhenTheConfigHasNoClients() throws IOException {
        Path config = write("bare.yaml", BARE);

        Result r = cli("explain", "--config", config.toString(), "--model", "fast", "--client", "alice");

        assertThat(r.code).isEqualTo(Cli.USAGE);
        assertThat(r.errLines()).first().isEqualTo("error: unknown --client 'alice' (the config has no identity.clients)");
    }

    @Test
    void shouldReadTheAdminStoreBesideTheConfigAsANodeStartsWithIt() throws IOException {
        // Rows written through the admin API or the dashboard are part of what a node decides with: validate counts
        // them and explain decides with them, not with the config file alone.
        Path config = write("gateway.yaml", GATEWAY);
        Path store = write("virtual-models.admin.yaml", """
                virtual_models:
                  - {source: extra, target: demo/echo-large}
                  - {source: demo/echo-small, enabled: false}
                """);

        Result v = cli("validate", config.toString());
        Result allowed = cli("explain", "--config", config.toString(), "--model", "extra");
        Result denied = cli("explain", "--config", config.toString(), "--model", "regular");

        assertThat(v.code).isZero();
        assertThat(v.outLines()).containsExactly(
                config + ": valid (4 redirects, 3 access policies, 3 providers, 3 warnings)",
                "admin store: " + store + " (2 rows, counted above)");
        assertThat(allowed.code).isZero();
        assertThat(allowed.outLines()).contains("config:         " + config + " and admin store " + store + " (2 rows)",
                "redirect:       extra -> demo/echo-large", "result:         allowed");
        assertThat(denied.code).isEqualTo(Cli.DENIED);
        assertThat(denied.outLines()).contains("redirect:       regular -> demo/echo-small", "policy:         demo/echo-small");
    }

    @Test
    void shouldExitOneForAnInvalidAdminStoreAsAStartWould() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);
        write("virtual-models.admin.yaml", """
                virtual_models:
                  - {source: extra, targets: [{model: demo/echo-large, weight: -1}]}
                """);

        Result v = cli("validate", config.toString());
        Result e = cli("explain", "--config", config.toString(), "--model", "regular");

        assertThat(v.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(v.out).isEmpty();
        assertThat(v.errLines()).containsExactly(config + ": invalid configuration (1 error)",
                "error: virtual-models.admin.yaml: virtual_models[0].targets[0].weight: must be > 0, was -1 (line 2)");
        assertThat(e.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(e.err).contains("virtual-models.admin.yaml: virtual_models[0].targets[0].weight");
        assertNoStackTrace(v);
    }

    @Test
    void shouldSayThatADatabaseStoreIsNotRead() throws IOException {
        Path config = write("gateway.yaml", GATEWAY + "admin: {store: 'postgresql://db.example:5432/switchboard'}\n");

        Result v = cli("validate", config.toString());

        assertThat(v.code).isZero();
        assertThat(v.outLines()).containsExactly(
                config + ": valid (3 redirects, 2 access policies, 3 providers, 3 warnings)",
                "admin store: postgresql://db.example:5432/switchboard, not read (this command connects to no database):"
                        + " its rows are not counted above");
    }

    @Test
    void shouldRefuseToExplainWithAStoreAddressAStartWouldRefuse() throws IOException {
        Path config = write("gateway.yaml", GATEWAY + "admin: {store: 'postgresql://db1,/switchboard'}\n");

        Result r = cli("explain", "--config", config.toString(), "--model", "regular");

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.err).contains("must name each host as HOST or HOST:PORT");
        assertNoStackTrace(r);
    }

    @Test
    void shouldSayWhichStoreRowsTheConfigFileShadows() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);
        Path store = write("virtual-models.admin.yaml", """
                virtual_models:
                  - {source: regular, target: demo/echo-large}
                  - {source: extra, target: demo/echo-large}
                """);

        Result v = cli("validate", config.toString());
        Result e = cli("explain", "--config", config.toString(), "--model", "regular");

        assertThat(v.outLines()).containsExactly(
                config + ": valid (4 redirects, 2 access policies, 3 providers, 4 warnings)",
                "admin store: " + store + " (2 rows: 1 counted above, 1 shadowed by the config file)");
        // Beside the config row, with where the store's row is (it would come back were the config row removed).
        assertThat(v.err).contains("the admin store's row of this source (virtual-models.admin.yaml, virtual_models[0])"
                + " is left out while this row is in the config file");
        assertThat(e.outLines()).contains("config:         " + config + " and admin store " + store
                + " (2 rows, 1 shadowed by the config file)", "redirect:       regular -> demo/echo-small");
    }

    // ---- explain -------------------------------------------------------------------------------------

    @Test
    void shouldExplainEveryStepOfAnAllowedRedirect() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "regular");

        assertThat(r.code).isZero();
        assertThat(r.err).isEmpty();
        assertThat(r.outLines()).containsExactly(
                "config:         " + config,
                "requested:      regular",
                "caller path:    (none)",
                "redirect:       regular -> demo/echo-small",
                "concrete:       demo/echo-small",
                "provider:       demo",
                "upstream model: echo-small",
                "policy:         (none)",
                "result:         allowed",
                "reason:         no access policy matches 'demo/echo-small'; models.enabled_by_default is true",
                "steps:",
                "  1. redirect: 'regular' -> 'demo/echo-small'",
                "  2. provider: prefix 'demo/' routes to provider demo, upstream model 'echo-small'",
                "  3. access: no access policy matches 'demo/echo-small'; models.enabled_by_default is true");
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                arguments(List.of("--model", "anthropic/claude-opus-4-6", "--user-path", "/acme/ml/bob"), Cli.OK,
                        "allowed"),
                arguments(List.of("--model", "anthropic/claude-opus-4-6"), Cli.DENIED,
                        "denied: 403 model_access_denied (requested model is not available for this caller)"),
                // Segment-wise: /acme/ml does not cover /acme/mlops.
                arguments(List.of("--model", "anthropic/claude-opus-4-6", "--user-path", "/acme/mlops"), Cli.DENIED,
                        "denied: 403 model_access_denied (requested model is not available for this caller)"),
                // Disabled wins even though openai has no key: access is checked before credentials.
                arguments(List.of("--model", "openai/o3-pro", "--user-path", "/acme/ml"), Cli.DENIED,
                        "denied: 403 model_access_denied (requested model is not available)"),
                arguments(List.of("--model", "nowhere"), Cli.NOT_ROUTABLE,
                        "not routable: 404 model_not_found (unsupported model: nowhere)"),
                arguments(List.of("--model", "legacy"), Cli.NOT_ROUTABLE,
                        "not routable: 404 model_not_found (unsupported model: retired-model)"),
                arguments(List.of("--model", "openai/gpt-5"), Cli.NOT_ROUTABLE,
                        "not routable: 503 provider_unavailable (provider openai is not configured)"),
                // A bare name in openai's static models routes there too, and meets the same missing key.
                arguments(List.of("--model", "gpt-5"), Cli.NOT_ROUTABLE,
                        "not routable: 503 provider_unavailable (provider openai is not configured)"));
    }

    @ParameterizedTest(name = "{0} -> exit {1}")
    @MethodSource("decisions")
    void shouldExitWithTheDecisionsCode(List<String> options, int code, String result) throws IOException {
        Path config = write("gateway.yaml", GATEWAY);
        List<String> args = new ArrayList<>(List.of("explain", "--config", config.toString()));
        args.addAll(options);

        Result r = cli(args.toArray(String[]::new));

        assertThat(r.code).isEqualTo(code);
        assertThat(r.err).isEmpty();
        assertThat(r.outLines()).contains("result:         " + result);
    }

    @Test
    void shouldPreferTheClientsBoundPathOverUserPath() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);
        String[] withoutClient = {"explain", "--config", config.toString(), "--model", "anthropic/claude-opus-4-6",
                "--user-path", "/elsewhere"};

        Result denied = cli(withoutClient);
        Result allowed = cli(append(withoutClient, "--client", "alice"));

        assertThat(denied.code).isEqualTo(Cli.DENIED);
        assertThat(denied.outLines()).contains("caller path:    /elsewhere");
        assertThat(allowed.code).isZero();
        assertThat(allowed.outLines()).contains("caller path:    /acme/ml/alice",
                "reason:         policy 'anthropic/' admits [/acme/ml]; caller path /acme/ml/alice is inside");
    }

    @Test
    void shouldUseTheClientNameAsStickyIdentityWhenItBindsNoPath() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result bot = cli("explain", "--config", config.toString(), "--model", "smarter", "--client", "bot");
        Result alice = cli("explain", "--config", config.toString(), "--model", "smarter", "--client", "alice");
        Result botWithPath = cli("explain", "--config", config.toString(), "--model", "smarter", "--client", "bot",
                "--user-path", "/team/x");

        assertThat(bot.code).isZero();
        assertThat(bot.outLines()).contains("caller path:    (none)");
        assertThat(firstStep(bot)).startsWith("  1. redirect: 'smarter' -> 'demo/echo-").endsWith(" by sticky on client:bot");
        assertThat(firstStep(alice)).endsWith(" by sticky on path:/acme/ml/alice");
        // SPEC section 2: identity = user path, else client name. A client without a bound path lets
        // --user-path stand in for the user-path header, as a real request would.
        assertThat(firstStep(botWithPath)).endsWith(" by sticky on path:/team/x");
    }

    @Test
    void shouldPickTheSameStickyTargetForTheSameClientEveryTime() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);
        String[] args = {"explain", "--config", config.toString(), "--model", "smarter", "--client", "bot", "--json"};

        String first = cli(args).out;

        for (int i = 0; i < 5; i++) {
            assertThat(cli(args).out).isEqualTo(first);
        }
        assertThat(json(first).get("target")).isIn("demo/echo-large", "demo/echo-small");
    }

    @Test
    void shouldExitOneFromExplainOnInvalidConfigWithErrorsOnStderr() throws IOException {
        Path config = write("bad.yaml", "virtual_models:\n  - source: a\n    target: a\n");

        Result r = cli("explain", "--config", config.toString(), "--model", "a");

        assertThat(r.code).isEqualTo(Cli.INVALID_CONFIG);
        assertThat(r.out).isEmpty();
        assertThat(r.errLines()).containsExactly(
                config + ": invalid configuration (1 error)",
                "error: virtual_models[0].target: virtual model 'a' cannot target itself (line 3)");
    }

    // ---- explain --json ------------------------------------------------------------------------------

    @Test
    void shouldPrintExactlyTheSpecKeysWithNullRedirectAndPolicyWhenNoneApplied() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "demo/echo-large", "--json");

        assertThat(r.code).isZero();
        assertThat(r.err).isEmpty();
        assertThat(r.outLines()).hasSize(1);
        Map<String, Object> decision = json(r.out);
        assertThat(decision.keySet()).containsExactlyElementsOf(JSON_KEYS);
        assertThat(decision)
                .containsEntry("requested", "demo/echo-large")
                .containsEntry("redirect", null)
                .containsEntry("target", null)
                .containsEntry("concrete", "demo/echo-large")
                .containsEntry("provider", "demo")
                .containsEntry("upstream_model", "echo-large")
                .containsEntry("allowed", true)
                .containsEntry("policy", null)
                .containsEntry("reason", "no access policy matches 'demo/echo-large'; models.enabled_by_default is true");
    }

    @Test
    void shouldPrintTheRedirectAndTheDecidingPolicyInJson() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "anthropic/claude-opus-4-6", "--json");

        assertThat(r.code).isEqualTo(Cli.DENIED);
        assertThat(r.out).isEqualTo("{\"requested\":\"anthropic/claude-opus-4-6\",\"redirect\":null,\"target\":null,"
                + "\"concrete\":\"anthropic/claude-opus-4-6\",\"provider\":\"anthropic\","
                + "\"upstream_model\":\"claude-opus-4-6\",\"allowed\":false,\"policy\":\"anthropic/\","
                + "\"reason\":\"policy 'anthropic/' admits only [/acme/ml]; caller path (none) is outside\","
                + "\"candidates\":[{\"model\":\"anthropic/claude-opus-4-6\",\"role\":\"target\",\"provider\":\"anthropic\","
                + "\"upstream_model\":\"claude-opus-4-6\",\"allowed\":false,\"outcome\":\"denied\",\"policy\":\"anthropic/\","
                + "\"reason\":\"policy 'anthropic/' admits only [/acme/ml]; caller path (none) is outside\"}]}\n");
    }

    @Test
    void shouldPrintTrimmedRequestAndRedirectInJson() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "  regular ", "--json");

        assertThat(r.code).isZero();
        Map<String, Object> decision = json(r.out);
        assertThat(decision.keySet()).containsExactlyElementsOf(JSON_KEYS);
        assertThat(decision)
                .containsEntry("requested", "regular")
                .containsEntry("redirect", "regular")
                .containsEntry("target", "demo/echo-small")
                .containsEntry("concrete", "demo/echo-small")
                .containsEntry("provider", "demo")
                .containsEntry("upstream_model", "echo-small")
                .containsEntry("allowed", true)
                .containsEntry("candidates", "[demo/echo-small target allowed]");
    }

    @Test
    void shouldListTargetsThenFallbacksAndSayWhichTheCallerMayNotUse() throws IOException {
        Path config = write("failover.yaml", """
                providers:
                  demo: {type: echo}
                default_provider: demo
                virtual_models:
                  - source: smart
                    targets: [demo/a, demo/b]
                    strategy: failover
                    fallbacks: [demo/c]
                  - source: demo/b
                    user_paths: [/staff]
                """);

        Result r = cli("explain", "--config", config.toString(), "--model", "smart", "--user-path", "/guests", "--json");
        Result text = cli("explain", "--config", config.toString(), "--model", "smart", "--user-path", "/guests");

        assertThat(r.code).isZero();
        assertThat(json(r.out)).containsEntry("candidates",
                "[demo/a target allowed, demo/b target denied, demo/c fallback allowed]");
        assertThat(text.out).contains("failover: when an attempt fails before the answer starts, then 'demo/b' (target;"
                + " skipped: policy 'demo/b' admits only [/staff]; caller path /guests is outside), 'demo/c' (fallback)");
    }

    @Test
    void shouldPrintNullProviderWithoutProvidersSection() throws IOException {
        Path config = write("bare.yaml", BARE);

        Result allowed = cli("explain", "--config", config.toString(), "--model", "fast", "--json");
        Result denied = cli("explain", "--config", config.toString(), "--model", "o3-pro", "--json");

        assertThat(allowed.code).isZero();
        Map<String, Object> a = json(allowed.out);
        assertThat(a.keySet()).containsExactlyElementsOf(JSON_KEYS);
        assertThat(a)
                .containsEntry("redirect", "fast")
                .containsEntry("target", "gpt-5-mini")
                .containsEntry("concrete", "gpt-5-mini")
                .containsEntry("provider", null)
                .containsEntry("upstream_model", "gpt-5-mini")
                .containsEntry("allowed", true)
                .containsEntry("policy", null);
        assertThat(denied.code).isEqualTo(Cli.DENIED);
        assertThat(json(denied.out))
                .containsEntry("provider", null)
                .containsEntry("allowed", false)
                .containsEntry("policy", "o3-pro");
    }

    @Test
    void shouldPrintNotRoutableDecisionInJsonWithExitFour() throws IOException {
        Path config = write("gateway.yaml", GATEWAY);

        Result r = cli("explain", "--config", config.toString(), "--model", "nowhere", "--json");

        assertThat(r.code).isEqualTo(Cli.NOT_ROUTABLE);
        assertThat(r.err).isEmpty();
        Map<String, Object> decision = json(r.out);
        assertThat(decision.keySet()).containsExactlyElementsOf(JSON_KEYS);
        assertThat(decision)
                .containsEntry("provider", null)
                .containsEntry("allowed", false)
                .containsEntry("policy", null)
                .containsEntry("reason", "unsupported model: nowhere");
    }

    // ---- the built-in default ------------------------------------------------------------------------

    @Test
    void shouldEmbedConfSwitchboardYamlAsTheBuiltInDefault() throws IOException {
        // Surefire runs in the module's folder; the default config lives at the repository root.
        assertThat(Cli.defaultConfig()).isEqualTo(Files.readAllBytes(Path.of("..", "conf", "switchboard.yaml")));
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Creates a bad input under a folder and returns its path. */
    @FunctionalInterface
    interface Fixture {
        Path create(Path dir) throws IOException;
    }

    private record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, UTF_8); PrintStream e = new PrintStream(err, true, UTF_8)) {
            code = Cli.run(args, o, e);
        }
        return new Result(code, out.toString(UTF_8), err.toString(UTF_8));
    }

    private static void assertNoStackTrace(Result r) {
        assertThat(r.err).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static String firstStep(Result r) {
        List<String> lines = r.outLines();
        return lines.get(lines.indexOf("steps:") + 1);
    }

    private static String[] append(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private Path write(String name, String yaml) throws IOException {
        return write(dir, name, yaml);
    }

    private static Path write(Path dir, String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml, UTF_8);
    }

    private static Path sparse(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    private static Path binaryGarbage(Path file) throws IOException {
        byte[] bytes = new byte[4096];
        new Random(7).nextBytes(bytes);
        bytes[0] = (byte) 0xff; // never valid in UTF-8, whatever the random bytes are
        return Files.write(file, bytes);
    }

    /** 40 aliases that expand to over 100,000 nodes: 10 x 10 x 10 x 10 x 11. */
    private static String anchorBomb() {
        StringBuilder y = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level <= 4; level++) {
            y.append('l').append(level).append(level < 4 ? ": &l" + level + " [" : ": [");
            for (int i = 0; i < 10; i++) {
                y.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
            }
            y.append("]\n");
        }
        return y.toString();
    }

    /** {@code k:} mappings nested {@code depth} deep, two spaces per level. */
    private static String deepBlock(int depth) {
        StringBuilder y = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            y.append("  ".repeat(i)).append("k:\n");
        }
        return y.append("  ".repeat(depth)).append("v: 1\n").toString();
    }

    /** 51 aliases of one small list: over the alias limit, tiny when expanded. */
    private static String manyAliases() {
        StringBuilder y = new StringBuilder("a: &a [x]\nb:\n");
        for (int i = 0; i < 51; i++) {
            y.append("  - *a\n");
        }
        return y.toString();
    }

    /** The candidates array, one "model role allowed|denied" per candidate. */
    private static String candidates(JsonParser p) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            Map<String, String> c = new LinkedHashMap<>();
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                p.nextToken();
                c.put(name, p.getString());
            }
            out.add(c.get("model") + " " + c.get("role") + " " + ("true".equals(c.get("allowed")) ? "allowed" : "denied"));
        }
        return out.toString();
    }

    /** A flat JSON object of strings, booleans and nulls (and the candidates array), keys in document order. */
    private static Map<String, Object> json(String text) {
        Map<String, Object> map = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), text)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                assertThat(t).isEqualTo(JsonToken.PROPERTY_NAME);
                String name = p.currentName();
                assertThat(map).doesNotContainKey(name);
                JsonToken value = p.nextToken();
                map.put(name, switch (value) {
                    case VALUE_STRING -> p.getString();
                    case VALUE_TRUE -> true;
                    case VALUE_FALSE -> false;
                    case VALUE_NULL -> null;
                    case START_ARRAY -> candidates(p);
                    default -> throw new AssertionError("unexpected " + value + " for " + name + " in " + text);
                });
            }
            assertThat(p.nextToken()).as("one object, nothing after it").isNull();
        }
        return map;
    }
}
