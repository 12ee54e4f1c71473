package dev.switchboard.rules;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A configured upstream provider.
 *
 * @param name the prefix in {@code name/model}
 * @param type the protocol family
 * @param baseUrl where requests go ({@code /v1/...} is appended); {@code null} for {@code echo}
 * @param apiKey the provider's credential, empty when none
 * @param models the optional static inventory (bare-name routing, listing without upstream)
 * @param headers extra headers sent upstream
 */
public record Provider(String name, ProviderType type, String baseUrl, String apiKey, List<String> models,
                       Map<String, String> headers) {

    public Provider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        apiKey = apiKey == null ? "" : apiKey;
        models = List.copyOf(models);
        headers = Map.copyOf(headers);
    }

    /** @return {@code false} when the type needs a key and none is set: such a provider is not routed to */
    public boolean configured() {
        return !type.needsKey() || !apiKey.isEmpty();
    }

    @Override
    public String toString() {
        // Never print the key.
        return "Provider[name=" + name + ", type=" + type.yamlName() + ", baseUrl=" + baseUrl
                + ", apiKey=" + (apiKey.isEmpty() ? "" : "***") + ", models=" + models + "]";
    }
}
