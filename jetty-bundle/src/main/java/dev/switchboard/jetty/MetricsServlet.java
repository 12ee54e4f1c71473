package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} (SPEC section 13): the Prometheus text exposition of the gateway's registry.
 * When {@code observability.metrics_token} is set (read from the live configuration on every scrape),
 * a scrape must carry it as {@code Authorization: Bearer}, compared in constant time; else 401.
 */
final class MetricsServlet extends GetOnlyServlet {

    private static final long serialVersionUID = 1L;
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final transient PrometheusMeterRegistry registry;
    private final transient Supplier<SwitchboardConfig> config;

    MetricsServlet(PrometheusMeterRegistry registry, Supplier<SwitchboardConfig> config) {
        this.registry = registry;
        this.config = config;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String token = config.get().observability().metricsToken();
        // Every Authorization header, joined: two of them are no credential, never "the first wins".
        if (!token.isEmpty() && !authorized(dev.switchboard.servlet.HeaderValues.joined(req, "Authorization"), token)) {
            resp.setHeader("WWW-Authenticate", "Bearer");
            ApiError.INVALID_API_KEY.with("missing or invalid metrics token").send(resp, false);
            return;
        }
        resp.setStatus(200);
        resp.setContentType(CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        // Written as it is made, not built whole first (a text, then its bytes): scrapes at once of a large registry
        // hold its meters' values, not two copies each of their text.
        registry.scrape(resp.getOutputStream());
    }

    private static boolean authorized(String header, String token) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
