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
                + "{\"id\":\"openai/z\u200bw\"},{\"id\":\"openai/gpt-5-mini\"}]}").getBytes(StandardCharsets.UTF_8);
        ModelsList.Result r = ModelsList.transform(upstream, FilterContract.load(FilterContract.RULES).rules(),
                Caller.ANONYMOUS, false, null, ModelsList.Page.ALL);

        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("o3-pro").doesNotContain("a,b")
                .doesNotContain("z\u200bw").contains("\"id\":\"openai/gpt-5-mini\"");
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
}
