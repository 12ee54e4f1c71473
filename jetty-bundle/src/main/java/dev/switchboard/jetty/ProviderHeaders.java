package dev.switchboard.jetty;

import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import java.util.Map;
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
        request.headers(h -> {
            if (p.type() == ProviderType.ANTHROPIC) {
                h.put("x-api-key", p.apiKey());
                h.put("anthropic-version", clientAnthropicVersion != null ? clientAnthropicVersion : DEFAULT_ANTHROPIC_VERSION);
            } else if (!p.apiKey().isEmpty()) {
                h.put("Authorization", "Bearer " + p.apiKey());
            }
            for (Map.Entry<String, String> e : p.headers().entrySet()) {
                h.put(e.getKey(), e.getValue());
            }
        });
    }
}
