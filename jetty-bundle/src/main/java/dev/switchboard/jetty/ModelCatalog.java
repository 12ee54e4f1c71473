package dev.switchboard.jetty;

import dev.switchboard.json.JsonTree;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

/**
 * The bundled proxy's {@code GET /v1/models}: every configured provider's models as
 * {@code provider/model} entries ({@code owned_by} = provider name), from its static {@code models}
 * list or, without one, from its own {@code /v1/models}, fetched in parallel and reused for
 * {@code server.models_cache_ttl} (callers at once share one fetch). A provider that fails is logged once and
 * left out, its failure remembered for {@link #FAILED_LISTING_TTL}; the list still answers. A listing in pages (Anthropic's: {@code has_more}, {@code last_id}) is read to its end, asked
 * for 1,000 models a page ({@link #MAX_PAGES} pages at most, then logged as cut). The filter then shapes
 * the list per caller (SPEC section 4). Thread-safe.
 */
final class ModelCatalog {

    /** How long one provider's listing may take, all its pages, before it is left out of this answer. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_LISTING_BYTES = 8 * 1024 * 1024;
    /** How long a provider's failed listing is remembered (left out at once) before it is asked again. */
    static final Duration FAILED_LISTING_TTL = Duration.ofSeconds(10);
    /** The most pages of one provider's listing read; a listing with more is cut there, and that is logged. */
    static final int MAX_PAGES = 10;
    private static final Log LOG = Log.get(ModelCatalog.class);

    private final HttpClient client;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** When this catalog was made (the gateway's start), in epoch seconds: the date of models listed in the config. */
    private final JsonTree.Num started;

    /**
     * A provider's listing: under way (every caller meanwhile shares it), fetched (reused until {@code expires}), or
     * failed (remembered until {@code expires}, {@link #FAILED_LISTING_TTL} at most, so that a hung provider costs one
     * caller the time bound, not every caller).
     */
    private record Cached(Provider provider, Instant expires, CompletableFuture<List<Map<String, Object>>> entries) {

        boolean usable(Provider p, Instant now) {
            return provider.equals(p) && (!entries.isDone() || now.isBefore(expires));
        }
    }

    ModelCatalog(HttpClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
        this.started = new JsonTree.Num(Long.toString(clock.instant().getEpochSecond()));
    }

    /**
     * What the providers list now.
     *
     * @param data every listed model, {@code provider/model} entries in the providers' order
     * @param failures why a provider's listing is missing, by provider name
     */
    record Listing(List<Map<String, Object>> data, Map<String, String> failures) {
    }

    /**
     * @param rules the current rules (providers)
     * @param ttl how long a fetched listing is reused
     * @return the aggregated list in OpenAI shape
     */
    byte[] list(Rules rules, Duration ttl) {
        Listing listing = listing(rules, ttl);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", listing.data());
        return JsonTree.write(body);
    }

    /**
     * @param rules the current rules (providers)
     * @param ttl how long a fetched listing is reused
     * @return every configured provider's models, and why a provider's are missing
     */
    Listing listing(Rules rules, Duration ttl) {
        // A provider no longer declared (renamed, removed) keeps no listing: each held one, up to 8 MiB, with its key
        // (a soak probe: 1,800 renames, 1,800 listings kept).
        cache.keySet().removeIf(name -> !rules.providers().containsKey(name));
        Map<String, CompletableFuture<List<Map<String, Object>>>> pending = new LinkedHashMap<>();
        for (Provider p : rules.providers().values()) {
            if (p.configured()) {
                pending.put(p.name(), entries(p, ttl));
            }
        }
        List<Map<String, Object>> data = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<List<Map<String, Object>>>> e : pending.entrySet()) {
            try {
                data.addAll(e.getValue().get(FETCH_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS));
            } catch (Exception x) {
                failures.put(e.getKey(), describe(x));
            }
        }
        return new Listing(data, failures);
    }

    /** @return how many providers' listings are kept */
    int cachedProviders() {
        return cache.size();
    }

    private CompletableFuture<List<Map<String, Object>>> entries(Provider p, Duration ttl) {
        if (!p.models().isEmpty() || p.type() == ProviderType.ECHO) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String m : p.models()) {
                // A listed model has no date of its own: the time this gateway started, not 0 (SDKs show 1970).
                out.add(entry(p.name() + "/" + m, started, p.name(), null));
            }
            return CompletableFuture.completedFuture(out);
        }
        Instant now = clock.instant();
        // Under way: no expiry of its own (every caller shares it until it ends).
        Cached fresh = new Cached(p, Instant.MAX, new CompletableFuture<>());
        Cached cached = cache.compute(p.name(), (name, old) -> old != null && old.usable(p, now) ? old : fresh);
        if (cached == fresh) {
            // Started outside compute: a fetch that ends at once must not update the map from inside its own update.
            fetch(p, ttl, fresh);
        }
        return cached.entries();
    }

    /** Reads a provider's listing into {@code fetching}; what it ends with is kept for the next callers. */
    private void fetch(Provider p, Duration ttl, Cached fetching) {
        CompletableFuture<List<Map<String, Object>>> entries = fetching.entries();
        CompletableFuture<List<Map<String, Object>>> read;
        try {
            read = pages(p, null, new ArrayList<>(), 1, System.nanoTime() + FETCH_TIMEOUT.toNanos());
        } catch (RuntimeException e) {
            // A request that cannot even be made (a base URL Jetty refuses) fails as any listing does: never left
            // under way for good.
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((listed, failure) -> {
            Duration keep = ttl;
            if (failure != null) {
                // Said once per attempt, not once per caller that finds it left out.
                LOG.warn("provider {}: /v1/models failed ({}); left out of the list for {} s", p.name(), describe(failure),
                        Math.min(ttl.toSeconds(), FAILED_LISTING_TTL.toSeconds()));
                keep = ttl.compareTo(FAILED_LISTING_TTL) < 0 ? ttl : FAILED_LISTING_TTL;
            }
            cache.replace(p.name(), fetching, new Cached(p, clock.instant().plus(keep), entries));
            if (failure != null) {
                entries.completeExceptionally(failure);
            } else {
                entries.complete(listed);
            }
        });
    }

    /**
     * Reads a provider's listing from the page after {@code afterId} ({@code null}: the first) to its end, adding to
     * {@code out}. Anthropic's pages hold 20 models unless asked for more: without following them, every model past
     * the twentieth was missing from the list, with no word.
     */
    private CompletableFuture<List<Map<String, Object>>> pages(Provider p, String afterId, List<Map<String, Object>> out,
                                                                int page, long deadline) {
        StringBuilder url = new StringBuilder(p.baseUrl()).append("/v1/models");
        if (p.type() == ProviderType.ANTHROPIC) {
            url.append("?limit=1000");
        }
        if (afterId != null) {
            url.append(url.indexOf("?") < 0 ? '?' : '&').append("after_id=")
                    .append(URLEncoder.encode(afterId, StandardCharsets.UTF_8));
        }
        // One time bound for the whole listing, every page within it (the client's own idle timeout is a pooled
        // connection's, a few seconds).
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Request request = client.newRequest(url.toString()).timeout(left, TimeUnit.MILLISECONDS)
                .idleTimeout(FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ProviderHeaders.apply(p, request, null);
        return new CompletableResponseListener(request, MAX_LISTING_BYTES).send().thenCompose(response -> {
            String next = parse(p, response, out);
            if (next == null) {
                return CompletableFuture.completedFuture(out);
            }
            if (next.equals(afterId)) {
                // The same page again (a provider that ignores after_id): read once.
                LOG.warn("provider {}: /v1/models answered the page after '{}' with the same page; the list shows what"
                        + " came before it", p.name(), afterId);
                return CompletableFuture.completedFuture(out);
            }
            if (page >= MAX_PAGES) {
                LOG.warn("provider {}: /v1/models has more than {} pages; the list shows the first {} models",
                        p.name(), MAX_PAGES, out.size());
                return CompletableFuture.completedFuture(out);
            }
            return pages(p, next, out, page + 1, deadline);
        });
    }

    /**
     * Adds a page's models to {@code out}.
     *
     * @return the id after which the next page starts, or {@code null} when this page is the last
     */
    private static String parse(Provider p, ContentResponse response, List<Map<String, Object>> out) {
        if (response.getStatus() != 200) {
            throw new IllegalStateException("HTTP " + response.getStatus());
        }
        if (!(JsonTree.parse(response.getContent()) instanceof Map<?, ?> root) || !(root.get("data") instanceof List<?> data)) {
            throw new IllegalStateException("not a model list");
        }
        int before = out.size();
        for (Object item : data) {
            if (item instanceof Map<?, ?> m && m.get("id") instanceof String id) {
                Object created = m.get("created");
                if (created == null && m.get("created_at") instanceof String at) {
                    try {
                        created = new JsonTree.Num(Long.toString(Instant.parse(at).getEpochSecond()));
                    } catch (java.time.format.DateTimeParseException e) {
                        created = null;
                    }
                }
                out.add(entry(p.name() + "/" + id, created == null ? new JsonTree.Num("0") : created, p.name(),
                        m.get("display_name") instanceof String d ? d : null));
            }
        }
        if (!Boolean.TRUE.equals(root.get("has_more"))) {
            return null;
        }
        if (!(root.get("last_id") instanceof String last) || out.size() == before) {
            // More, but no way to ask for it (or an empty page that says there is more): not read forever.
            LOG.warn("provider {}: /v1/models says it has more models but not where they start; the list shows the"
                    + " first {}", p.name(), out.size());
            return null;
        }
        return last;
    }

    private static Map<String, Object> entry(String id, Object created, String owner, String displayName) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("object", "model");
        e.put("created", created);
        e.put("owned_by", owner);
        if (displayName != null) {
            e.put("display_name", displayName);
        }
        return e;
    }

    private static String describe(Throwable x) {
        Throwable cause = x.getCause() != null ? x.getCause() : x;
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
