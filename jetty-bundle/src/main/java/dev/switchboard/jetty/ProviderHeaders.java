package dev.switchboard.jetty;

import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import java.util.Map;
import java.util.function.BiConsumer;
import org.eclipse.jetty.client.Request;

/** The provider's own credentials and extra headers on an upstream request (SPEC section 3). */
final class ProviderHeaders {

    /** Sent to Anthropic when the client names no version. */
    static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

    private ProviderHeaders() {
    }

    /**
     * @param p the provider
     * @param request the upstream request (client credentials already removed)
     * @param clientAnthropicVersion the client's {@code anthropic-version}, or {@code null}
     */
    static void apply(Provider p, Request request, String clientAnthropicVersion) {
        request.headers(h -> forEach(p, clientAnthropicVersion, h::put));
    }

    /**
     * The provider's headers, each handed to {@code put} in order (a later one of the same name replaces an earlier):
     * its credentials, then its configured {@code headers}.
     *
     * @param p the provider
     * @param clientAnthropicVersion the client's {@code anthropic-version}, or {@code null}
     * @param put takes a name and a value
     */
    static void forEach(Provider p, String clientAnthropicVersion, BiConsumer<String, String> put) {
        if (p.type() == ProviderType.ANTHROPIC) {
            put.accept("x-api-key", p.apiKey());
            put.accept("anthropic-version", clientAnthropicVersion != null ? clientAnthropicVersion : DEFAULT_ANTHROPIC_VERSION);
        } else if (!p.apiKey().isEmpty()) {
            put.accept("Authorization", "Bearer " + p.apiKey());
        }
        for (Map.Entry<String, String> e : p.headers().entrySet()) {
            put.accept(e.getKey(), e.getValue());
        }
    }
}
