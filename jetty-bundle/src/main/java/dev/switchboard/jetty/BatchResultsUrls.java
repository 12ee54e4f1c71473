package dev.switchboard.jetty;

import dev.switchboard.json.JsonTree;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's message batches name their results by an absolute URL ({@code results_url}), and the official SDKs fetch
 * it as it is: through the gateway, the SDK would leave it for the provider with the caller's gateway key, and the
 * gateway would never see the request (SPEC sections 3 and 15). Made relative to the API root
 * ({@code /v1/messages/batches/{id}/results}), the SDKs join it to their base URL, the gateway's.
 */
final class BatchResultsUrls {

    /** The most of one answer held to rewrite (a list of batches is a few hundred bytes per batch). */
    static final int MAX_BYTES = 16 * 1024 * 1024;
    private static final String RESULTS = "/v1/messages/batches/";

    private BatchResultsUrls() {
    }

    /**
     * @param path an exchange's canonical path
     * @return whether its answer holds batches (one, or a list): created, retrieved, listed, canceled
     */
    static boolean applies(String path) {
        return path.startsWith("/v1/messages/batches") && !path.endsWith("/results");
    }

    /**
     * @param json an answer's body
     * @param baseUrl the provider's base URL
     * @return the body with every batch's absolute {@code results_url} made relative (one at another place is
     *     {@code null}: nothing the SDK could follow out of the gateway); the same bytes when none was, or when the
     *     body is no JSON
     */
    static byte[] relativize(byte[] json, String baseUrl) {
        Object tree = JsonTree.parse(json);
        boolean changed = false;
        if (tree instanceof Map<?, ?> answer) {
            changed = fix(answer, baseUrl);
            if (answer.get("data") instanceof List<?> batches) {
                for (Object batch : batches) {
                    if (batch instanceof Map<?, ?> b) {
                        changed |= fix(b, baseUrl);
                    }
                }
            }
        }
        return changed ? JsonTree.write(tree) : json;
    }

    @SuppressWarnings("unchecked")
    private static boolean fix(Map<?, ?> batch, String baseUrl) {
        if (!(batch.get("results_url") instanceof String url) || url.startsWith("/")) {
            return false;
        }
        ((Map<String, Object>) batch).put("results_url", relative(url, baseUrl));
        return true;
    }

    /** @return the URL's path from the API root, or {@code null} when it is not the provider's results path */
    static String relative(String url, String baseUrl) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        String rest = url.regionMatches(true, 0, base + "/", 0, base.length() + 1) ? url.substring(base.length()) : null;
        if (rest == null) {
            int scheme = url.indexOf("://");
            int at = scheme < 0 ? -1 : url.indexOf(RESULTS, scheme + 3);
            rest = at < 0 ? null : url.substring(at);
        }
        return rest != null && rest.startsWith(RESULTS) ? rest : null;
    }
}
