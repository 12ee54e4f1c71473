package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each warning of README "Check a config" on its minimal config, and configs that must stay quiet. */
final class LintTest {

    static Stream<Arguments> warnings() {
        return Stream.of(
                row("openai provider without api_key", """
                        providers:
                          openai: {type: openai, api_key: ""}
                        """, "providers.openai: api_key is empty, so provider openai is not routed to or listed until "
                        + "it is set"),
                row("anthropic provider without api_key", """
                        providers:
                          claude: {type: anthropic}
                        """, "providers.claude: api_key is empty, so provider claude is not routed to or listed until "
                        + "it is set"),
                row("fallback no provider can route", """
                        providers:
                          openai: {type: openai, api_key: k}
                        virtual_models:
                          - source: fast
                            target: openai/gpt-5
                            fallbacks: [mystery-model]
                        """, "virtual_models[0].fallbacks[0]: no provider can route the fallback 'mystery-model' (no"
                        + " declared provider prefix, no static models list holds it, and there is no default_provider)"),
                row("fallback that is another redirect's source", """
                        virtual_models:
                          - source: fast
                            target: model-a
                            fallbacks: [cheap]
                          - source: cheap
                            target: small-model
                        """, "virtual_models[0].fallbacks[0]: 'cheap' is also the source of a redirect; fallbacks are not"
                        + " resolved again, so 'fast' falls back to the model 'cheap' itself"),
                row("target that is another redirect's source", """
                        virtual_models:
                          - source: fast
                            target: cheap
                          - source: cheap
                            target: small-model
                        """, "virtual_models[0].target: 'cheap' is also the source of a redirect; targets are not "
                        + "resolved again, so 'fast' goes to the model 'cheap' itself"),
                row("one of several targets is another redirect's source", """
                        virtual_models:
                          - source: ab
                            targets: [model-a, b]
                          - source: b
                            target: model-b
                        """, "virtual_models[0].targets[1].model: 'b' is also the source of a redirect; targets are not "
                        + "resolved again, so 'ab' goes to the model 'b' itself"),
                row("target no provider can route", """
                        providers:
                          demo: {type: echo, models: [echo-small]}
                        virtual_models:
                          - source: regular
                            target: mistral/large
                        """, "virtual_models[0].target: no provider can route 'mistral/large' (no declared provider "
                        + "prefix, no static models list holds it, and there is no default_provider)"),
                row("redirect shadowing a static model", """
                        providers:
                          demo: {type: echo, models: [echo-small, echo-large]}
                        virtual_models:
                          - source: echo-large
                            targets: [demo/echo-small, demo/echo-tiny]
                        """, "virtual_models[0].source: 'echo-large' shadows a model that provider demo lists; requests "
                        + "for it go to 'demo/echo-small' / 'demo/echo-tiny'",
                        "virtual_models[0].source: redirects match the name as written: a request for 'demo/echo-large'"
                                + " reaches the model 'echo-large' names without this redirect; add a redirect for"
                                + " 'demo/echo-large' too, or gate the model with an access policy"),
                row("redirect shadowing a provider-qualified static model", """
                        providers:
                          demo: {type: echo, models: [echo-small, echo-large]}
                        virtual_models:
                          - source: demo/echo-large
                            target: demo/echo-small
                        """, "virtual_models[0].source: 'demo/echo-large' shadows a model that provider demo lists; "
                        + "requests for it go to 'demo/echo-small'",
                        "virtual_models[0].source: redirects match the name as written: a request for 'echo-large'"
                                + " reaches the model 'demo/echo-large' names without this redirect; add a redirect for"
                                + " 'echo-large' too, or gate the model with an access policy"),
                row("redirect shadowing a model of the default provider, by its qualified name", """
                        providers:
                          up: {type: openai-compatible, base_url: http://localhost:11434}
                        default_provider: up
                        virtual_models:
                          - source: up/gpt-5
                            target: up/gpt-5-mini
                        """, "virtual_models[0].source: redirects match the name as written: a request for 'gpt-5'"
                        + " reaches the model 'up/gpt-5' names without this redirect; add a redirect for 'gpt-5' too, or"
                        + " gate the model with an access policy"),
                row("policy naming an undeclared provider", """
                        providers:
                          demo: {type: echo}
                        virtual_models:
                          - source: openai/gpt-5
                            user_paths: [/acme]
                        """, "virtual_models[0].source: policy 'openai/gpt-5' can never match a model of provider "
                        + "'openai': 'openai' is not a declared provider, so it selects only the bare model id "
                        + "'openai/gpt-5'"),
                row("disabled policy with user_paths", """
                        virtual_models:
                          - source: o3-pro
                            enabled: false
                            user_paths: [/acme/ml]
                        """, "virtual_models[0].user_paths: a disabled policy denies everyone, so these paths have no "
                        + "effect"),
                row("short admin and metrics tokens", """
                        admin: {token: changeme}
                        observability: {metrics_token: 123456789012345}
                        """, "admin.token: the token is 8 characters, short enough to be guessed; use 16 or more random "
                        + "ones (for example the output of `openssl rand -hex 32`)",
                        "observability.metrics_token: the token is 15 characters, short enough to be guessed; use 16 or "
                        + "more random ones (for example the output of `openssl rand -hex 32`)"),
                // A README audit: a key without a bound path, the header trusted, passed a policy of any path it named.
                row("a key that binds no user path while the header is trusted", """
                        identity:
                          clients:
                            - {name: ci, key_sha256: 4805D60CB37819015D8FFFB916FD911836BC573C4C5963D9F1A24A543BD352D7,
                               user_path: /acme/ci}
                            - {name: bob, key_sha256: 5805D60CB37819015D8FFFB916FD911836BC573C4C5963D9F1A24A543BD352D7}
                        """, "identity.clients[1]: the key of 'bob' binds no user_path while trust_user_path_header is"
                        + " true: its caller may claim any user path (and pass any user_paths policy) with the X-User-Path"
                        + " header; bind one (user_path: /team) unless it speaks for its own users, or set"
                        + " trust_user_path_header: false"),
                row("a key that binds no user path, the header not trusted", """
                        identity:
                          trust_user_path_header: false
                          clients:
                            - {name: bob, key_sha256: 5805D60CB37819015D8FFFB916FD911836BC573C4C5963D9F1A24A543BD352D7}
                        """),
                // A fail-closed probe: an upstream that puts the model in a URL path reads "de%6Eied" as "denied". A
                // warning, so that a store written before the rule still loads; the request side refuses it.
                row("a target and a fallback with URL delimiters", """
                        virtual_models:
                          - source: "canary-10%"
                            targets: [b, "up/de%6Eied"]
                            fallbacks: ["up/x?y"]
                        """, "virtual_models[0].targets[1].model: 'up/de%6Eied': a model name sent upstream as written may"
                        + " not contain %, ?, #, ; or a backslash (an upstream may put it in a URL path), so a request it"
                        + " picks is refused (400)",
                        "virtual_models[0].fallbacks[0]: 'up/x?y': a model name sent upstream as written may not contain"
                        + " %, ?, #, ; or a backslash (an upstream may put it in a URL path), so it is skipped, never called"),
                row("an upstream idle timeout shorter than the client's", """
                        server: {upstream_idle_timeout: 15s}
                        """, "server.upstream_idle_timeout: upstream_idle_timeout (15s) is shorter than"
                        + " client_idle_timeout (30s, the bundled proxy's): a client that pauses its reading for longer than the first has its"
                        + " stream cut, since the provider's connection waits with it (recorded as the client's"
                        + " client_timeout); keep upstream_idle_timeout at or above client_idle_timeout"),
                row("several warnings, in order", """
                        providers:
                          openai: {type: openai, models: [gpt-5]}
                        virtual_models:
                          - source: gpt-5
                            target: nowhere
                          - source: nowhere
                            target: openai/gpt-5
                        """,
                        "providers.openai: api_key is empty, so provider openai is not routed to or listed until it is set",
                        "virtual_models[0].target: 'nowhere' is also the source of a redirect; targets are not resolved "
                                + "again, so 'gpt-5' goes to the model 'nowhere' itself",
                        "virtual_models[0].target: no provider can route 'nowhere' (no declared provider prefix, no "
                                + "static models list holds it, and there is no default_provider)",
                        "virtual_models[0].source: 'gpt-5' shadows a model that provider openai lists; requests for it "
                                + "go to 'nowhere'",
                        "virtual_models[0].source: redirects match the name as written: a request for 'openai/gpt-5'"
                                + " reaches the model 'gpt-5' names without this redirect; add a redirect for"
                                + " 'openai/gpt-5' too, or gate the model with an access policy"),

                // ---- quiet ----
                row("clean config"),
                row("idle timeouts equal", """
                        server: {upstream_idle_timeout: 30s, client_idle_timeout: 30s}
                        """),
                row("tokens of 16 characters and more", """
                        admin: {token: 0123456789abcdef}
                        observability: {metrics_token: 0123456789abcdef0123456789abcdef}
                        """),
                row("a shadow under both of a model's names", """
                        providers:
                          demo: {type: echo, models: [echo-small, echo-large]}
                        virtual_models:
                          - source: echo-large
                            target: demo/echo-small
                          - source: demo/echo-large
                            target: demo/echo-small
                        """, "virtual_models[0].source: 'echo-large' shadows a model that provider demo lists; requests "
                        + "for it go to 'demo/echo-small'",
                        "virtual_models[1].source: 'demo/echo-large' shadows a model that provider demo lists; "
                        + "requests for it go to 'demo/echo-small'"),
                row("a shadow whose model a policy gates by its other name", """
                        providers:
                          demo: {type: echo, models: [echo-small, echo-large]}
                        virtual_models:
                          - source: demo/echo-large
                            target: demo/echo-small
                          - source: echo-large
                            user_paths: [/staff]
                        """, "virtual_models[0].source: 'demo/echo-large' shadows a model that provider demo lists; "
                        + "requests for it go to 'demo/echo-small'"),
                row("a qualified name whose bare id another provider lists is not the same model", """
                        providers:
                          a: {type: openai-compatible, base_url: http://localhost:1, models: [m]}
                          b: {type: openai-compatible, base_url: http://localhost:2}
                        default_provider: b
                        virtual_models:
                          - source: b/m
                            target: b/other
                        """),
                row("clean config with providers", """
                        providers:
                          demo: {type: echo, models: [echo-small]}
                          openai: {type: openai, api_key: sk-test}
                          local: {type: openai-compatible, base_url: http://localhost:11434}
                        default_provider: demo
                        virtual_models:
                          - source: regular
                            target: echo-small
                          - source: smarter
                            targets: [openai/gpt-5, anything-goes-to-default]
                            strategy: round_robin
                          - source: demo/
                            user_paths: [/acme]
                          - source: o3-pro
                            enabled: false
                          - source: demo/o3-pro
                            enabled: false
                          - source: /
                            user_paths: [/]
                        """),
                // A probe's reading: "nobody may call o3-pro" did not hold for /acme's callers on demo, and nothing said so.
                // Only where the provider serves the model (its static list), and not when both admit the same paths
                // in another order (shared), nor for a model no provider lists (claude-x).
                row("a bare model's policy that a provider's policy outranks there", """
                        providers:
                          demo: {type: echo, models: [o3-pro]}
                          openai: {type: openai, api_key: sk-test, models: [gpt-5]}
                          staff: {type: openai-compatible, base_url: http://s.example, models: [shared]}
                        virtual_models:
                          - source: demo/
                            user_paths: [/acme]
                          - source: openai/
                            enabled: false
                          - source: o3-pro
                            enabled: false
                          - source: gpt-5
                            user_paths: [/acme]
                          - source: staff/
                            user_paths: [/ops, /ml]
                          - source: shared
                            user_paths: [/ml, /ops]
                          - source: claude-x
                            enabled: false
                        """, "virtual_models[2].source: policy 'o3-pro' does not decide for 'demo/o3-pro': the policy"
                        + " 'demo/' is more specific there and admits [/acme]; add a policy 'demo/o3-pro' to decide there"
                        + " as this one does",
                        "virtual_models[3].source: policy 'gpt-5' does not decide for 'openai/gpt-5': the policy 'openai/'"
                        + " is more specific there and denies everyone; add a policy 'openai/gpt-5' to decide there as"
                        + " this one does"),
                row("bare filter routes nothing, so no target is unroutable", """
                        virtual_models:
                          - source: regular
                            target: anthropic/claude-sonnet-4-6
                          - source: x/model
                            user_paths: [/acme]
                        """),
                row("disabled redirect with user_paths is fine", """
                        virtual_models:
                          - source: labs
                            target: model
                            enabled: false
                            user_paths: [/acme/labs]
                        """),
                // Regression (probe): two rows that look alike were two names, unsaid (é as one code point and as two).
                row("two sources that look alike in other code points", """
                        virtual_models:
                          - {source: "caf\u00e9", target: m1}
                          - {source: "cafe\u0301", target: m2}
                          - {source: "cafe", target: m3}
                        """, "virtual_models[1].source: looks like 'caf\u00e9' (virtual_models[0]) but is written with"
                        + " other Unicode code points (one composed, one not): two names to the gateway and to upstreams;"
                        + " keep one spelling"),
                row("redirect from a model no provider lists shadows nothing", """
                        providers:
                          demo: {type: echo, models: [echo-small]}
                        virtual_models:
                          - source: demo/echo-large
                            target: demo/echo-small
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warnings")
    void shouldWarnAboutLegalButSuspiciousConfig(String name, String yaml, List<String> expected) {
        SwitchboardConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml);

        assertThat(config.warnings()).extracting(Warning::toString).containsExactlyElementsOf(expected);
    }

    private static Arguments row(String name, String yaml, String... expected) {
        return Arguments.of(name, yaml, List.of(expected));
    }

    private static Arguments row(String name) {
        return row(name, "version: 1\n");
    }
}
