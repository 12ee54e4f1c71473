package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.RawClient;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Requests that name no model (files, batches, stored objects) reach a provider's account with its key: the
 * policies on all of that provider's models ({@code provider/}, else {@code /}, else
 * {@code models.enabled_by_default}) decide who may send them, as they decide its models.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ProviderAccessTest {

    private FakeUpstream upstream;
    private Gateway gateway;

    @BeforeAll
    void start() throws Exception {
        upstream = new FakeUpstream();
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse("""
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                  an: {type: anthropic, base_url: "%1$s", api_key: sk-an}
                default_provider: up
                models: {enabled_by_default: false}
                virtual_models:
                  - {source: up/, user_paths: [/acme/ml]}
                  - {source: an/, enabled: false}
                  - {source: an/claude-x, user_paths: [/acme/partner]}
                """.formatted(upstream.url()));
        SwitchboardConfig config = parsed.withServer(parsed.server().withAddress("127.0.0.1", 0));
        gateway = Gateway.start(() -> config, null, config.server(), List.of());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        upstream.stop();
    }

    @BeforeEach
    void drain() {
        upstream.received.clear();
    }

    @Test
    void shouldSendAModelLessRequestOnlyForACallerThePoliciesOnItsProviderAdmit() throws Exception {
        RawClient.Response inside = send("GET", "/v1/files", "X-User-Path: /acme/ml/alice");
        assertThat(inside.status()).as(inside.text()).isEqualTo(200);
        assertThat(upstream.take().header("Authorization")).isEqualTo("Bearer sk-up");

        for (RawClient.Response r : List.of(send("GET", "/v1/files"), send("GET", "/v1/files", "X-User-Path: /acme/sales"),
                send("POST", "/v1/batches/batch_1/cancel", "X-User-Path: /acme/sales"),
                send("DELETE", "/v1/files/file_1"))) {
            assertThat(r.status()).as(r.text()).isEqualTo(403);
            assertThat(r.text()).contains("\"code\":\"model_access_denied\"").contains("requests without a model");
        }
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldRefuseEveryoneAProviderWhosePolicyDisablesIt() throws Exception {
        RawClient.Response named = send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an",
                "X-User-Path: /acme/ml/alice", "anthropic-version: 2023-06-01");

        assertThat(named.status()).as(named.text()).isEqualTo(403);
        assertThat(named.text()).startsWith("{\"type\":\"error\"");
        assertThat(upstream.received).isEmpty();
    }

    @Test
    void shouldAdmitACallerAPolicyAdmitsToOneOfTheProvidersModels() throws Exception {
        RawClient.Response partner = send("GET", "/v1/messages/batches", "X-Switchboard-Provider: an",
                "X-User-Path: /acme/partner", "anthropic-version: 2023-06-01");

        assertThat(partner.status()).as(partner.text()).isEqualTo(200);
        assertThat(upstream.take().header("x-api-key")).isEqualTo("sk-an");
    }

    private RawClient.Response send(String method, String path, String... headers) throws IOException {
        return RawClient.send(gateway.port(), new Corpus.Attack(method + " " + path, method, path, List.of(headers),
                new byte[0], false, null));
    }
}
