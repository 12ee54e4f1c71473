package dev.switchboard.jetty;

import dev.switchboard.admin.AdminException;
import dev.switchboard.admin.AdminExtension;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.rules.Provider;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;

/**
 * {@code GET /admin/models}: every model the configured providers list, unfiltered (what {@code GET /v1/models}
 * starts from before it is shaped for a caller), and each declared provider's state. The dashboard's catalog:
 * its Models page and the model pickers of its form. Shape:
 * {@code {"data":[{id, object, created, owned_by}...] sorted by id,
 * "providers":[{name, type, configured, models, error}...]}}, where {@code models} counts the entries listed and
 * {@code error} says why a configured provider's listing is missing. Listings are fetched as for
 * {@code /v1/models} (static {@code models}, else the provider's own listing, reused for
 * {@code server.models_cache_ttl}) with the proxy's HTTP client. Thread-safe.
 */
final class ProviderModels implements AdminExtension {

    private final Supplier<SwitchboardConfig> config;
    private final Supplier<HttpClient> client;
    private volatile ModelCatalog catalog;

    /**
     * @param config the live configuration
     * @param client the proxy's HTTP client (there once the proxy servlet started)
     */
    ProviderModels(Supplier<SwitchboardConfig> config, Supplier<HttpClient> client) {
        this.config = config;
        this.client = client;
    }

    @Override
    public String prefix() {
        return "/models";
    }

    @Override
    public Object handle(String method, String rest, Map<String, String> query) {
        if (!rest.isEmpty() && !rest.equals("/")) {
            throw new AdminException(ApiError.ADMIN_NOT_FOUND, "no admin endpoint /models" + rest);
        }
        if (!method.equals("GET")) {
            throw new AdminException(ApiError.METHOD_NOT_ALLOWED, "GET");
        }
        SwitchboardConfig cfg = config.get();
        ModelCatalog.Listing listing = catalog().listing(cfg.rules(), cfg.server().modelsCacheTtl());
        List<Map<String, Object>> data = new ArrayList<>(listing.data());
        data.sort(Comparator.comparing(m -> String.valueOf(m.get("id"))));
        Map<String, Integer> counts = new LinkedHashMap<>();
        data.forEach(m -> counts.merge(String.valueOf(m.get("owned_by")), 1, Integer::sum));
        List<Map<String, Object>> providers = new ArrayList<>();
        for (Provider p : cfg.rules().providers().values()) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", p.name());
            view.put("type", p.type().yamlName());
            view.put("configured", p.configured());
            view.put("models", counts.getOrDefault(p.name(), 0));
            view.put("error", listing.failures().get(p.name()));
            providers.add(view);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        body.put("providers", providers);
        return body;
    }

    private ModelCatalog catalog() {
        ModelCatalog c = catalog;
        if (c == null) {
            synchronized (this) {
                c = catalog;
                if (c == null) {
                    c = new ModelCatalog(client.get(), Clock.systemUTC());
                    catalog = c;
                }
            }
        }
        return c;
    }
}
