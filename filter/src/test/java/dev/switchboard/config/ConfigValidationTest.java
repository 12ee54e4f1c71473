package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per validation error: a YAML snippet and the exact lines a user sees (SPEC sections 1 and 2,
 * README "Check a config"). Every line names the YAML path, the bad value and the line.
 */
final class ConfigValidationTest {

    private static final Map<String, String> ENV = Map.of("SET", "value", "EMPTY", "");
    private static final String KEY = "4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7";
    private static final String TOP_KEYS =
            "expected one of: version, server, providers, default_provider, identity, models, virtual_models, admin, reload, observability, experiments, failover";
    private static final String VIRTUAL_MODEL_KEYS =
            "expected one of: source, target, targets, strategy, fallbacks, user_paths, enabled, description";

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // ---- unknown keys ----
                row("typo'd key", """
                        server:
                          prot: 8080
                        """, "server.prot: unknown key (did you mean 'port'?); expected one of: host, port, "
                        + "max_request_bytes, upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 2)"),
                // Regression: the line was that of the block value below the key (line 2).
                row("typo'd section names the key's line", """
                        servr:
                          port: 1
                        """, "servr: unknown key (did you mean 'server'?); " + TOP_KEYS + " (line 1)"),
                row("typo'd virtual model key", """
                        virtual_models:
                          - source: a
                            targte: b
                        """, "virtual_models[0].targte: unknown key (did you mean 'target'?); " + VIRTUAL_MODEL_KEYS
                        + " (line 3)"),
                row("unknown key nothing is close to", """
                        virtual_models:
                          - source: a
                            target: b
                            weight: 3
                        """, "virtual_models[0].weight: unknown key; " + VIRTUAL_MODEL_KEYS + " (line 4)"),

                // ---- wrong types ----
                row("string for an integer", """
                        server:
                          port: abc
                        """, "server.port: must be an integer, was \"abc\" (line 2)"),
                row("float for an integer", """
                        server:
                          port: 8080.0
                        """, "server.port: must be an integer, was 8080.0 (line 2)"),
                row("list for a string", """
                        server:
                          host: [a, b]
                        """, "server.host: must be a string, was a list (line 2)"),
                row("mapping for a string", """
                        virtual_models:
                          - source: a
                            description:
                              text: b
                        """, "virtual_models[0].description: must be a string, was a mapping (line 3)"),
                row("maybe for a boolean", """
                        identity:
                          trust_user_path_header: maybe
                        """, "identity.trust_user_path_header: must be true or false, was \"maybe\" (line 2)"),
                // Regression: an empty enabled meant the default, true: a row meant to disable a model enabled it.
                row("empty enabled", """
                        virtual_models:
                          - source: a
                            enabled:
                        """, "virtual_models[0].enabled: must be true or false, was empty (taken for the default, it would be"
                        + " true) (line 3)"),
                // Regression (probe): these keys written empty read as left out, which opens access: a redirect became a
                // policy admitting every caller (past a provider-wide deny), a policy's paths every caller, the header
                // trusted, a client's key bound to no path.
                row("empty target", """
                        virtual_models:
                          - source: up/secret
                            target:
                        """, "virtual_models[0].target: is empty: without a target this entry is an access policy, not a"
                        + " redirect; leave the key out to mean that (line 3)"),
                row("empty targets", """
                        virtual_models:
                          - source: up/secret
                            targets: ~
                        """, "virtual_models[0].targets: is empty: without a target this entry is an access policy, not a"
                        + " redirect; leave the key out to mean that (line 3)"),
                row("empty user_paths", """
                        virtual_models:
                          - source: up/secret
                            user_paths:
                        """, "virtual_models[0].user_paths: is empty: without user paths the entry admits every caller;"
                        + " leave the key out to mean that (line 3)"),
                row("empty trust_user_path_header", """
                        identity:
                          trust_user_path_header:
                        """, "identity.trust_user_path_header: must be true or false, was empty (taken for the default, it"
                        + " would be true) (line 2)"),
                row("empty user_path of a client", """
                        identity:
                          clients:
                            - name: labs
                              key_sha256: 0000000000000000000000000000000000000000000000000000000000000000
                              user_path:
                        """, "identity.clients[0].user_path: is empty: the client's key would be bound to no user path;"
                        + " leave the key out to mean that (line 5)"),
                // Regression (probe): a deny and an allow one name apart in case, the spelling sent chose between them.
                row("policies one name apart in case", """
                        virtual_models:
                          - source: demo/echo-large
                            enabled: false
                          - source: demo/ECHO-LARGE
                        """, "virtual_models[1].source: the policy 'demo/ECHO-LARGE' differs from the policy"
                        + " 'demo/echo-large' (virtual_models[0]) only in case; policies match names ignoring case, so the"
                        + " spelling a caller sends would choose between them: keep one (line 4)"),
                row("empty enabled_by_default", """
                        models:
                          enabled_by_default:
                        """, "models.enabled_by_default: must be true or false, was empty (taken for the default, it would"
                        + " be true) (line 2)"),
                row("quoted boolean", """
                        models:
                          enabled_by_default: "false"
                        """, "models.enabled_by_default: must be true or false, was \"false\" (line 2)"),
                row("bad duration", """
                        reload:
                          poll_interval: 2 seconds
                        """, "reload.poll_interval: must be a duration such as 600s, 500ms, 10m, 1h or 7d, was \"2 seconds\" "
                        + "(line 2)"),
                row("poll interval too short", """
                        reload:
                          poll_interval: 1ms
                        """, "reload.poll_interval: must be at least 100ms (each look reads the config file and the admin"
                        + " store, a database's revision included), was 1ms (line 2)"),
                // Nine digits of days passed: every proxied request then failed on a deadline's overflow (a 500 and a
                // stack trace), and a connect timeout of 40000d wrapped the failover's deadline into the past.
                row("duration over a year", """
                        server:
                          request_body_timeout: 200000d
                        """, "server.request_body_timeout: must be at most 365d, was 200000d (line 2)"),
                row("connect timeout over a year", """
                        server:
                          upstream_connect_timeout: 8761h
                        """, "server.upstream_connect_timeout: must be at most 365d, was 8761h (line 2)"),
                row("longest duration", """
                        experiments:
                          window: 999999999d
                        """, "experiments.window: must be at most 365d, was 999999999d (line 2)"),
                row("zero duration", """
                        server:
                          upstream_idle_timeout: 0s
                        """, "server.upstream_idle_timeout: must be > 0, was 0s (line 2)"),
                row("zero request body timeout", """
                        server:
                          request_body_timeout: 0ms
                        """, "server.request_body_timeout: must be > 0, was 0ms (line 2)"),
                row("negative minimum body rate", """
                        server:
                          request_body_min_rate: -1
                        """, "server.request_body_min_rate: must be between 0 and 2147483647, was -1 (line 2)"),
                row("scalar for a section", """
                        server: 3
                        """, "server: must be a mapping, was 3 (line 1)"),
                row("mapping for the virtual model list", """
                        virtual_models:
                          a: b
                        """, "virtual_models: must be a list, was a mapping (line 1)"),
                row("scalar for a virtual model", """
                        virtual_models:
                          - a
                        """, "virtual_models[0]: must be a mapping, was \"a\" (line 2)"),
                row("string for a weight", """
                        virtual_models:
                          - source: a
                            targets: [{model: b, weight: heavy}]
                        """, "virtual_models[0].targets[0].weight: must be a positive integer, was \"heavy\" (line 3)"),
                row("zero max_request_bytes", """
                        server:
                          max_request_bytes: 0
                        """, "server.max_request_bytes: must be between 1 and 2147483639, was 0 (line 2)"),

                // ---- weights ----
                row("negative weight", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: -1
                        """, "virtual_models[0].targets[0].weight: must be > 0, was -1 (line 5)"),
                row("zero weight", """
                        virtual_models:
                          - source: x
                            target: y
                          - source: a
                            targets:
                              - model: b
                                weight: 2
                              - model: c
                                weight: 0
                        """, "virtual_models[1].targets[1].weight: must be > 0, was 0 (line 9)"),
                row("huge weight", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: 1000001
                        """, "virtual_models[0].targets[0].weight: must be at most 1000000, was 1000001 (line 5)"),
                row("weight past a long", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: 99999999999999999999
                        """, "virtual_models[0].targets[0].weight: must be at most 1000000, was 99999999999999999999 "
                        + "(line 5)"),
                row("weights that add up past 32 bits' picks", "virtual_models:\n  - source: a\n    targets:\n"
                        + java.util.stream.IntStream.range(0, 1001).mapToObj(i -> "      - {model: m" + i
                                + ", weight: 1000000}\n").collect(java.util.stream.Collectors.joining()),
                        "virtual_models[0].targets: the targets' weights must add up to at most 1000000000, were "
                        + "1001000000 (line 3)"),

                // ---- user paths ----
                row("'..' in user_paths", """
                        virtual_models:
                          - source: a
                            user_paths: [/acme, /acme/../root]
                        """, "virtual_models[0].user_paths[1]: invalid user path \"/acme/../root\": '..' segments are "
                        + "not allowed (line 3)"),
                row("':' in user_paths", """
                        virtual_models:
                          - source: a
                            user_paths:
                              - "acme:ml"
                        """, "virtual_models[0].user_paths[0]: invalid user path \"acme:ml\": ':' is not allowed (line 4)"),
                row("'.' in a client's user_path", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                              user_path: /acme/./alice
                        """.formatted(KEY), "identity.clients[0].user_path: invalid user path \"/acme/./alice\": "
                        + "'.' segments are not allowed (line 5)"),
                row("':' in a client's user_path", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                              user_path: "c:/alice"
                        """.formatted(KEY), "identity.clients[0].user_path: invalid user path \"c:/alice\": "
                        + "':' is not allowed (line 5)"),
                row("non-string user path", """
                        virtual_models:
                          - source: a
                            user_paths: [[a]]
                        """, "virtual_models[0].user_paths[0]: must be a user path string, was a list (line 3)"),

                // ---- targets ----
                row("both target and targets", """
                        virtual_models:
                          - source: a
                            target: b
                            targets: [c]
                        """, "virtual_models[0]: has both 'target' and 'targets'; use one (line 2)"),
                row("empty targets", """
                        virtual_models:
                          - source: a
                            targets: []
                        """, "virtual_models[0].targets: targets must contain at least one model (line 3)"),
                row("empty target", """
                        virtual_models:
                          - source: a
                            target: " "
                        """, "virtual_models[0].target: must not be empty (line 3)"),
                row("empty target model", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                              - model: ""
                        """, "virtual_models[0].targets[1].model: must not be empty (line 5)"),
                row("target without a model", """
                        virtual_models:
                          - source: a
                            targets:
                              - weight: 2
                        """, "virtual_models[0].targets[0].model: is required (line 4)"),
                row("fallback equal to the source", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: [c, a]
                        """, "virtual_models[0].fallbacks[1]: virtual model 'a' cannot fall back to itself (line 4)"),
                row("duplicate fallback", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: [c, " c"]
                        """, "virtual_models[0].fallbacks[1]: duplicate fallback: c (line 4)"),
                row("fallback that is a target", """
                        virtual_models:
                          - source: a
                            targets: [b, c]
                            fallbacks: [c]
                        """, "virtual_models[0].fallbacks[0]: 'c' is already a target of this redirect (line 4)"),
                row("fallbacks on a policy", """
                        virtual_models:
                          - source: a
                            user_paths: [/x]
                            fallbacks: [c]
                        """, "virtual_models[0].fallbacks: only a redirect has fallbacks; this entry has no target, so it is"
                        + " an access policy (line 4)"),
                row("empty fallback", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: ["  "]
                        """, "virtual_models[0].fallbacks[0]: must be a non-empty model name, was \"  \" (line 4)"),
                row("retry_on a 4xx other than 429", """
                        failover:
                          retry_on: [429, 404]
                        """, "failover.retry_on[1]: must be 429 or a 5xx status, was 404 (a 4xx other than 429 says the"
                        + " request is wrong, so it is never retried) (line 2)"),
                row("max_attempts 0", """
                        failover:
                          max_attempts: 0
                        """, "failover.max_attempts: must be between 1 and 10, was 0 (line 2)"),
                row("unknown breaker key", """
                        failover:
                          circuit_breaker: {failure: 3}
                        """, "failover.circuit_breaker.failure: unknown key (did you mean 'failures'?); expected one of:"
                        + " failures, open_for (line 2)"),
                row("duplicate target", """
                        virtual_models:
                          - source: a
                            targets: [b, c, " b"]
                        """, "virtual_models[0].targets[2].model: duplicate target: b (line 3)"),
                // ---- names the gateway itself refuses in a request (SPEC section 15) ----
                // Regression: each was accepted, so a policy on up/secret with a no-break space after it disabled nothing
                // (requests for up/secret matched no policy), a target with a space or comma was sent upstream as written,
                // and a name with a line break wrote forged lines into the log's warnings.
                row("source with a no-break space at its end", """
                        virtual_models:
                          - source: "up/secret\\u00a0"
                            enabled: false
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/secret\\u00a0\" (line 2)"),
                row("source with a line break", """
                        virtual_models:
                          - source: "a\\n10:00:00.000 ERROR forged"
                            target: b
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 2)"),
                // A plain space inside a target is sent as written (some servers name models so); any other is not.
                row("target with a no-break space inside", """
                        virtual_models:
                          - source: a
                            target: "up/gpt\\u00a05"
                        """, "virtual_models[0].target: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/gpt\\u00a05\" (line 3)"),
                row("source with a space: no request can name it", """
                        virtual_models:
                          - source: my model
                            target: up/b
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"my model\" (line 2)"),
                // A line break in a name wrote a forged line into the log through the duplicate's message too.
                row("duplicate source with a line break", """
                        virtual_models:
                          - {source: "a\\n10:00:00.000 ERROR forged", target: b}
                          - {source: "a\\n10:00:00.000 ERROR forged", target: b}
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible characters, "
                        + "or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 2)",
                        "virtual_models[1].source: duplicate source 'a\\n10:00:00.000 ERROR forged' (also virtual_models[0]) "
                        + "(line 3)",
                        "virtual_models[1].source: model names may not contain spaces, control or invisible characters, "
                        + "or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 3)"),
                row("target with a comma", """
                        virtual_models:
                          - source: a
                            targets: [b, "up/ok,up/denied"]
                        """, "virtual_models[0].targets[1].model: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/ok,up/denied\" (line 3)"),
                row("fallback with a zero-width space", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: ["up/c\\u200bd"]
                        """, "virtual_models[0].fallbacks[0]: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/c\\u200bd\" (line 4)"),
                row("source longer than a request may name", """
                        virtual_models:
                          - source: %s
                            target: b
                        """.formatted("m".repeat(257)), "virtual_models[0].source: model names are at most 256 characters, was \""
                        + "m".repeat(77) + "...\" (line 2)"),
                // Regression: the dashboard's sign-in took such a token, but a bearer token sent as UTF-8 (curl) never
                // matched it (the header is read as Latin-1), so scripts got 401 with the right token.
                row("admin token not ASCII", """
                        admin:
                          token: pässwörd-1
                        """, "admin.token: must be printable ASCII (it travels in a header); character 2 is not (line 2)"),
                row("admin token with a control character", """
                        admin:
                          token: "tok\\ten"
                        """, "admin.token: must be printable ASCII (it travels in a header); character 4 is not (line 2)"),
                // A credential reached its header otherwise than written (a line break as a space, other characters as the
                // client's encoding chose); a provider header's line break could not split the request, but was sent as a
                // space. The values are never echoed: they may be secrets.
                row("provider key not ASCII", """
                        providers:
                          up: {type: openai, api_key: "sk-ä-secret"}
                        """, "providers.up.api_key: must be printable ASCII (it travels in a header); character 4 is not (line 2)"),
                row("provider key with a line break inside", """
                        providers:
                          up: {type: openai, api_key: "sk-a\\nX-Injected: 1"}
                        """, "providers.up.api_key: must be printable ASCII (it travels in a header); character 5 is not (line 2)"),
                row("provider header with a line break", """
                        providers:
                          up: {type: openai, headers: {X-Org: "a\\r\\nX-Injected: 1"}}
                        """, "providers.up.headers.X-Org: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 2 is not (line 2)"),
                row("provider header with a C1 control", """
                        providers:
                          up: {type: openai, headers: {X-Title: "a\\x85b"}}
                        """, "providers.up.headers.X-Title: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 2 is not (line 2)"),
                row("provider header beyond Latin-1", """
                        providers:
                          up: {type: openai, headers: {X-Title: "caf\u00e9 \u6a21\u578b"}}
                        """, "providers.up.headers.X-Title: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 6 is not (line 2)"),
                row("metrics path of the admin API", """
                        observability: {metrics_path: "/admin/metrics"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/admin/metrics' (line 1)"),
                row("metrics path of the dashboard", """
                        observability: {metrics_path: "/admin"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/admin' (line 1)"),
                // Regression (probe): validate accepted the first six, and the metrics were then unreachable.
                row("metrics path of the health probe", """
                        observability: {metrics_path: "/healthz"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/healthz' (line 1)"),
                row("metrics path of the readiness probe", """
                        observability: {metrics_path: "/readyz"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/readyz' (line 1)"),
                row("metrics path with a query", """
                        observability: {metrics_path: "/metrics?x"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/metrics?x' (line 1)"),
                row("metrics path with an escape", """
                        observability: {metrics_path: "/m%65trics"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/m%65trics' (line 1)"),
                row("metrics path with a dot segment", """
                        observability: {metrics_path: "/./metrics"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/./metrics' (line 1)"),
                row("metrics path with a space", """
                        observability: {metrics_path: "/met rics"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/met rics' (line 1)"),
                row("metrics path under admin", """
                        observability: {metrics_path: "/admin/metrics"}
                        """, "observability.metrics_path: must be a path of its own, such as /metrics: segments of letters, digits, '-', '_' and '.' (not /, /v1/..., /admin/..., /healthz or /readyz), was '/admin/metrics' (line 1)"),
                row("metrics token not ASCII", """
                        observability: {metrics_token: "scräpe"}
                        """, "observability.metrics_token: must be printable ASCII (it travels in a header); character 4 is not "
                        + "(line 1)"),
                row("self target", """
                        virtual_models:
                          - source: a
                            target: a
                        """, "virtual_models[0].target: virtual model 'a' cannot target itself (line 3)"),
                row("self target in a list", """
                        virtual_models:
                          - source: a
                            targets:
                              - b
                              - a
                        """, "virtual_models[0].targets[1].model: virtual model 'a' cannot target itself (line 3)"),

                // ---- sources ----
                row("duplicate source", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: " a "
                            target: c
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)"),
                row("duplicate source when the first row has other errors", """
                        virtual_models:
                          - source: a
                            target: b
                            weight: 3
                          - source: a
                            target: c
                        """, "virtual_models[0].weight: unknown key; " + VIRTUAL_MODEL_KEYS + " (line 4)",
                        "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 5)"),
                // Regression: the duplicate row was skipped, hiding its own errors until it was renamed.
                row("duplicate source with errors of its own", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: a
                            targets: [{model: c, weight: -1}]
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)",
                        "virtual_models[1].targets[0].weight: must be > 0, was -1 (line 5)"),
                row("empty source", """
                        virtual_models:
                          - source: ""
                            target: b
                        """, "virtual_models[0].source: must not be empty (line 2)"),
                row("missing source", """
                        virtual_models:
                          - source: a
                          - target: b
                            description: no source
                        """, "virtual_models[1].source: is required (line 3)"),

                // ---- strategy ----
                row("unknown strategy", """
                        virtual_models:
                          - source: a
                            targets: [b, c]
                            strategy: random
                        """, "virtual_models[0].strategy: must be sticky, round_robin or failover, was \"random\" (line 4)"),
                row("strategy on a policy", """
                        virtual_models:
                          - source: a
                            strategy: round_robin
                        """, "virtual_models[0].strategy: only a redirect has a strategy; this entry has no target, so it "
                        + "is an access policy (line 3)"),

                // ---- providers ----
                row("provider/ selector naming no declared provider", """
                        providers:
                          demo: {type: echo}
                          local: {type: echo}
                        virtual_models:
                          - source: nope/
                            user_paths: [/acme]
                        """, "virtual_models[0].source: 'nope/' names no declared provider (declared: demo, local) (line 5)"),
                row("default_provider without providers", """
                        default_provider: openai
                        """, "default_provider: 'openai' is not a declared provider (no providers are declared) (line 1)"),
                row("default_provider undeclared", """
                        providers:
                          demo: {type: echo}
                        default_provider: openai
                        """, "default_provider: 'openai' is not a declared provider (declared: demo) (line 3)"),
                row("unknown provider type", """
                        providers:
                          x:
                            type: ollama
                        """, "providers.x.type: must be one of openai, anthropic, openai-compatible, echo, was \"ollama\" "
                        + "(line 3)"),
                row("missing provider type", """
                        providers:
                          x:
                            api_key: k
                        """, "providers.x.type: is required (openai, anthropic, openai-compatible or echo) (line 2)"),
                // Regression: a provider with an error of its own was also reported as "not declared".
                row("provider with an unknown type is still declared", """
                        providers:
                          x: {type: foo}
                        default_provider: x
                        virtual_models:
                          - source: x/
                        """, "providers.x.type: must be one of openai, anthropic, openai-compatible, echo, was \"foo\" "
                        + "(line 2)"),
                row("openai-compatible without base_url", """
                        providers:
                          local:
                            type: openai-compatible
                        """, "providers.local.base_url: is required for openai-compatible providers (line 2)"),
                row("non-http base_url", """
                        providers:
                          local:
                            type: openai-compatible
                            base_url: ftp://models.example.com
                        """, "providers.local.base_url: must be an http or https URL without query, was "
                        + "\"ftp://models.example.com\" (line 4)"),
                row("base_url with a query", """
                        providers:
                          openai:
                            type: openai
                            base_url: https://api.openai.com/?key=1
                        """, "providers.openai.base_url: must be an http or https URL without query, was "
                        + "\"https://api.openai.com/?key=1\" (line 4)"),
                row("echo with base_url", """
                        providers:
                          demo:
                            type: echo
                            base_url: http://localhost:8080
                        """, "providers.demo.base_url: is not used by echo providers (they answer locally); remove it "
                        + "(line 4)"),
                row("invalid provider name", """
                        providers:
                          open/ai: {type: echo}
                        """, "providers.open/ai: 'open/ai' is not a valid provider name (letters, digits, '.', '_', '-', the "
                        + "first a letter or digit; no '/') (line 2)"),
                row("provider name starting with an underscore", """
                        providers:
                          _a: {type: echo}
                        """, "providers._a: '_a' is not a valid provider name (letters, digits, '.', '_', '-', the first a "
                        + "letter or digit; no '/') (line 2)"),
                row("invalid header name", """
                        providers:
                          local:
                            type: openai-compatible
                            base_url: http://localhost:11434
                            headers:
                              "X Team": ml
                        """, "providers.local.headers.X Team: 'X Team' is not a valid header name (line 6)"),
                row("duplicate static model", """
                        providers:
                          demo:
                            type: echo
                            models: [a, b, a]
                        """, "providers.demo.models: duplicate model 'a' (line 4)"),

                // ---- identity ----
                row("invalid user_path_header", """
                        identity:
                          user_path_header: X User Path
                        """, "identity.user_path_header: must be a valid header name, was \"X User Path\" (line 2)"),
                row("bad key_sha256", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: sk-alice-demo
                        """, "identity.clients[0].key_sha256: must be 64 hex digits (a SHA-256), was 13 characters "
                        + "(line 4)"),
                row("missing key_sha256", """
                        identity:
                          clients:
                            - name: alice
                        """, "identity.clients[0].key_sha256: is required (the hex SHA-256 of the key, e.g. from "
                        + "`printf %s KEY | sha256sum`) (line 3)"),
                row("duplicate client name", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                            - name: alice
                              key_sha256: %s
                        """.formatted(KEY, KEY.replace('4', '5')),
                        "identity.clients[1].name: duplicate client 'alice' (also identity.clients[0]) (line 5)"),
                row("duplicate client key, in another case", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                            - name: bob
                              key_sha256: %s
                        """.formatted(KEY, KEY.toUpperCase(java.util.Locale.ROOT)),
                        "identity.clients[1].key_sha256: the same key as identity.clients[0] (line 6)"),

                // ---- the document ----
                row("duplicate YAML key", """
                        server:
                          port: 8080
                          host: 0.0.0.0
                          port: 9090
                        """, "server: duplicate key 'port' (lines 2 and 4)"),
                row("duplicate top-level key", """
                        version: 1
                        server: {}
                        version: 1
                        """, "(document): duplicate key 'version' (lines 1 and 3)"),
                row("YAML syntax error", """
                        server:
                          port: [8080
                        """, "invalid YAML: line 3, column 1: expected ',' or ']', but got <stream end> "
                        + "(while parsing a flow sequence)"),
                row("bad indentation", """
                        server:
                          port: 1
                         host: a
                        """, "invalid YAML: line 3, column 2: expected <block end>, but found '<block mapping start>' "
                        + "(while parsing a block mapping)"),
                row("empty document", "", "the document is empty"),
                row("comments only", """
                        # nothing here yet

                        """, "the document is empty"),
                row("top level a list", """
                        - version: 1
                        """, "(document): must be a mapping of sections, was a list"),
                row("top level a scalar", """
                        switchboard
                        """, "(document): must be a mapping of sections, was \"switchboard\""),
                row("version 2", """
                        version: 2
                        """, "version: must be 1, was 2 (line 1)"),
                row("version as a string", """
                        version: "1"
                        """, "version: must be 1, was \"1\" (line 1)"),
                row("port above 65535", """
                        server:
                          port: 65536
                        """, "server.port: must be between 0 and 65535, was 65536 (line 2)"),
                row("negative port", """
                        server:
                          port: -1
                        """, "server.port: must be between 0 and 65535, was -1 (line 2)"),

                // ---- the environment ----
                row("unset variable without default", """
                        providers:
                          openai:
                            type: openai
                            api_key: ${OPENAI_API_KEY}
                        """, "providers.openai.api_key: environment variable OPENAI_API_KEY is not set "
                        + "(write ${OPENAI_API_KEY:-} for an empty default) (line 4)"),
                row("not a variable name", """
                        admin:
                          token: ${admin token}
                        """, "admin.token: 'admin token' is not an environment variable name in \"${admin token}\" "
                        + "(line 2)"),
                // ---- the admin store (SPEC 12) ----
                row("credentials for a file store", """
                        admin:
                          store: rows.yaml
                          store_user: switchboard
                          store_password: ${SET}
                        """, "admin.store_user: only a database admin.store (such as postgresql://HOST:PORT/DB) takes "
                        + "credentials; admin.store is a file (line 3)",
                        "admin.store_password: only a database admin.store (such as postgresql://HOST:PORT/DB) takes "
                        + "credentials; admin.store is a file (line 4)"),
                row("a snapshot of a file store", """
                        admin:
                          store: rows.yaml
                          store_snapshot: rows.json
                        """, "admin.store_snapshot: only a database admin.store keeps a snapshot of its rows; admin.store "
                        + "is a file, on disk already (line 3)"),
                // The message must not repeat the address: it holds the password.
                row("credentials inside a store address", """
                        admin:
                          store: postgresql://switchboard:s3cr3t-pw@db:5432/switchboard
                        """, "admin.store: must not carry credentials; set admin.store_user and admin.store_password "
                        + "(from ${...}) instead (line 2)"),
                rowWithEnv("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT not a boolean",
                        Map.of("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT", "yes"), """
                        models:
                          keep_only_aliases: false
                        """, "KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT (environment): must be true or false, was \"yes\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void shouldRejectInvalidConfig(String name, Map<String, String> env, String yaml, List<String> expected) {
        assertThat(errors(env, yaml)).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldReportEveryErrorOfAFileTogether() {
        String yaml = """
                version: 1
                server:
                  prot: 8080
                  max_request_bytes: lots
                providers:
                  demo: {type: echo}
                default_provider: openai
                identity:
                  trust_user_path_header: maybe
                virtual_models:
                  - source: smarter
                    targets:
                      - model: demo/a
                        weight: -1
                  - source: smarter
                    target: demo/b
                    user_paths: [/acme/../root]
                  - source: labs
                    strategy: sticky
                reload:
                  poll_interval: soon
                """;

        assertThat(errors(ENV, yaml)).containsExactly(
                "server.prot: unknown key (did you mean 'port'?); expected one of: host, port, max_request_bytes, "
                        + "upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 3)",
                "server.max_request_bytes: must be an integer, was \"lots\" (line 4)",
                "default_provider: 'openai' is not a declared provider (declared: demo) (line 7)",
                "identity.trust_user_path_header: must be true or false, was \"maybe\" (line 9)",
                "virtual_models[0].targets[0].weight: must be > 0, was -1 (line 14)",
                "virtual_models[1].source: duplicate source 'smarter' (also virtual_models[0]) (line 15)",
                "virtual_models[1].user_paths[0]: invalid user path \"/acme/../root\": '..' segments are not allowed "
                        + "(line 17)",
                "virtual_models[2].strategy: only a redirect has a strategy; this entry has no target, so it is an "
                        + "access policy (line 19)",
                "reload.poll_interval: must be a duration such as 600s, 500ms, 10m, 1h or 7d, was \"soon\" (line 21)");
    }

    @Test
    void shouldReportEveryUnsetVariableTogether() {
        String yaml = """
                server:
                  host: ${HOST}
                admin:
                  token: ${TOKEN}
                """;

        assertThat(errors(ENV, yaml)).containsExactly(
                "server.host: environment variable HOST is not set (write ${HOST:-} for an empty default) (line 2)",
                "admin.token: environment variable TOKEN is not set (write ${TOKEN:-} for an empty default) (line 4)");
    }

    @Test
    void shouldJoinErrorsIntoTheMessage() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(ENV::get).parse("version: 2\nserver: 3\n"));

        assertThat(e.getMessage()).isEqualTo("version: must be 1, was 2 (line 1)\nserver: must be a mapping, was 3 (line 2)");
        assertThat(e.getStackTrace()).as("expected input errors carry no stack trace").isEmpty();
    }

    private static List<String> errors(Map<String, String> env, String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(env::get).parse(yaml));
        assertThat(e).as("expected an InvalidConfigException").isNotNull();
        return e.errors();
    }

    private static Arguments row(String name, String yaml, String... expected) {
        return rowWithEnv(name, ENV, yaml, expected);
    }

    private static Arguments rowWithEnv(String name, Map<String, String> env, String yaml, String... expected) {
        return Arguments.of(name, env, yaml, List.of(expected));
    }
}
