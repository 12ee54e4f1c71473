package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.rules.Caller;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ModelsListTest {

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999", "-99999999999999999"})
    void shouldShowACreatedBeyondInstantRangeAsTheEpochInTheAnthropicShape(String created) {
        byte[] upstream = ("{\"object\":\"list\",\"data\":[{\"id\":\"openai/gpt-5-mini\",\"object\":\"model\",\"created\":"
                + created + ",\"owned_by\":\"openai\"}]}").getBytes(StandardCharsets.UTF_8);
        ModelsList.Result r = ModelsList.transform(upstream, FilterContract.load(FilterContract.RULES).rules(),
                Caller.ANONYMOUS, true, null, ModelsList.Page.ALL);
        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("{\"type\":\"model\",\"id\":\"openai/gpt-5-mini\","
                + "\"display_name\":\"openai/gpt-5-mini\",\"created_at\":\"1970-01-01T00:00:00Z\"}");
    }

    // Regression: an upstream's ids were judged as written while a request's name is stripped and judged: "o3-pro "
    // (disabled once stripped) was listed, and so were ids no request may name ("a,b", a zero-width space) (probe).
    @org.junit.jupiter.api.Test
    void shouldListOnlyIdsCallableAsWritten() {
        byte[] upstream = ("{\"object\":\"list\",\"data\":[{\"id\":\"openai/o3-pro \"},{\"id\":\"openai/a,b\"},"
                + "{\"id\":\"openai/z\u200bw\"},{\"id\":\"openai/gpt%2D5\"},{\"id\":\"openai/gpt-5-mini\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        ModelsList.Result r = ModelsList.transform(upstream, FilterContract.load(FilterContract.RULES).rules(),
                Caller.ANONYMOUS, false, null, ModelsList.Page.ALL);

        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("o3-pro").doesNotContain("a,b")
                .doesNotContain("z\u200bw").doesNotContain("gpt%2D5").contains("\"id\":\"openai/gpt-5-mini\"");
        assertThat(ModelsList.transform(upstream, FilterContract.load(FilterContract.RULES).rules(), Caller.ANONYMOUS, false,
                "openai/o3-pro ", ModelsList.Page.ALL).status()).isEqualTo(404);
    }

    // A redirect answers a caller through the first of its candidates that caller may use (SPEC 11): listed when one
    // may be, with that one's fields, and not when none may (then the real model it shadows is not listed either).
    @org.junit.jupiter.api.Test
    void shouldListARedirectWhenOneOfItsCandidatesIsTheCallersWithThatOnesFields() {
        dev.switchboard.rules.Rules rules = new dev.switchboard.config.ConfigLoader(name -> null).parse("""
                providers:
                  up: {type: openai-compatible, base_url: http://up.example, models: [a, b, c, gone]}
                virtual_models:
                  - {source: primary-off, targets: [up/a, up/b], strategy: failover}
                  - {source: fallback-only, target: up/a, fallbacks: [up/c]}
                  - {source: up/gone, targets: [up/a], fallbacks: [up/staff]}
                  - {source: up/a, enabled: false}
                  - {source: up/staff, user_paths: [/staff]}
                """).rules();
        byte[] upstream = ("{\"object\":\"list\",\"data\":[{\"id\":\"up/a\",\"owned_by\":\"oa\"},{\"id\":\"up/b\","
                + "\"owned_by\":\"ob\"},{\"id\":\"up/c\",\"owned_by\":\"oc\"},{\"id\":\"up/gone\",\"owned_by\":\"og\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        String guest = new String(ModelsList.transform(upstream, rules, Caller.ofPath("/guests"), false, null,
                ModelsList.Page.ALL).body(), StandardCharsets.UTF_8);
        assertThat(guest).isEqualTo("{\"object\":\"list\",\"data\":[{\"id\":\"fallback-only\",\"owned_by\":\"oc\"},"
                + "{\"id\":\"primary-off\",\"owned_by\":\"ob\"},{\"id\":\"up/b\",\"owned_by\":\"ob\"},"
                + "{\"id\":\"up/c\",\"owned_by\":\"oc\"}]}");
        String staff = new String(ModelsList.transform(upstream, rules, Caller.ofPath("/staff"), false, null,
                ModelsList.Page.ALL).body(), StandardCharsets.UTF_8);
        assertThat(staff).contains("{\"id\":\"up/gone\",\"object\":\"model\",\"created\":");
    }

    // Regression (left since a probe): a bare name a request may use ("gpt-5", routed to openai, which lists it) was 404
    // at /v1/models/gpt-5, as the SDKs' models.retrieve("gpt-5") asks; the entry is answered, named as asked.
    @org.junit.jupiter.api.Test
    void shouldAnswerABareNameThatRoutesToAListedEntryNamedAsAsked() {
        String yaml = """
                providers:
                  openai: {type: openai-compatible, base_url: http://o.example, models: [gpt-5, o3]}
                default_provider: openai
                virtual_models:
                  - {source: openai/o3, user_paths: [/staff]}
                """;
        dev.switchboard.rules.Rules rules = new dev.switchboard.config.ConfigLoader(name -> null).parse(yaml).rules();
        byte[] upstream = ("{\"object\":\"list\",\"data\":[{\"id\":\"openai/gpt-5\",\"object\":\"model\",\"created\":1,"
                + "\"owned_by\":\"openai\"},{\"id\":\"openai/o3\",\"object\":\"model\",\"created\":2,\"owned_by\":\"openai\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        ModelsList.Result bare = ModelsList.transform(upstream, rules, Caller.ANONYMOUS, false, "gpt-5", ModelsList.Page.ALL);
        assertThat(bare.status()).isEqualTo(200);
        assertThat(new String(bare.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":\"gpt-5\",\"object\":\"model\",\"created\":1,\"owned_by\":\"openai\"}");
        assertThat(ModelsList.transform(upstream, rules, Caller.ANONYMOUS, false, "openai/gpt-5", ModelsList.Page.ALL)
                .status()).isEqualTo(200);
        // Not this caller's, not routed to a listed entry, or not as written: 404, as the list leaves them out.
        assertThat(ModelsList.transform(upstream, rules, Caller.ANONYMOUS, false, "o3", ModelsList.Page.ALL).status())
                .isEqualTo(404);
        assertThat(ModelsList.transform(upstream, rules, Caller.ofPath("/staff"), false, "o3", ModelsList.Page.ALL)
                .status()).isEqualTo(200);
        assertThat(ModelsList.transform(upstream, rules, Caller.ANONYMOUS, false, "gpt-4o", ModelsList.Page.ALL).status())
                .isEqualTo(404);
        assertThat(ModelsList.transform(upstream, rules, Caller.ANONYMOUS, false, "gpt-5 ", ModelsList.Page.ALL).status())
                .isEqualTo(404);
        dev.switchboard.rules.Rules aliasesOnly = new dev.switchboard.config.ConfigLoader(name -> null)
                .parse(yaml + "models: {keep_only_aliases: true}\n").rules();
        assertThat(ModelsList.transform(upstream, aliasesOnly, Caller.ANONYMOUS, false, "gpt-5", ModelsList.Page.ALL)
                .status()).isEqualTo(404);
    }
}
