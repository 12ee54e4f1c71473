package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy behind {@link VirtualModelFilter}: sends each request to the provider the filter's
 * decision routed it to (or {@code default_provider} for requests without a model), with the
 * provider's credentials instead of the client's, the exact rewritten body, no header that leaks the
 * client's address, SSE flushed chunk by chunk, no total timeout, and upstream failures answered as
 * 502 {@code upstream_unavailable} / 504 {@code upstream_timeout} in the shape of SPEC section 5.
 * {@code GET /v1/models} is answered from {@link ModelCatalog}; {@code echo} providers answer locally.
 *
 * <p>In the four-legs vocabulary of Jetty's proxy: {@code clientRequest} is what the filter hands
 * over, {@code proxyRequest} goes upstream, {@code serverResponse} comes back, {@code proxyResponse}
 * goes to the client.
 */
final class GatewayProxyServlet extends ProxyServlet {

    private static final long serialVersionUID = 1L;

    /** Request attribute: the {@link Provider} this request goes to. */
    static final String PROVIDER_ATTRIBUTE = "dev.switchboard.provider";

    /** Client headers never sent upstream: credentials, identity, cookies, and anything naming the client's address. */
    private static final Set<String> DROPPED = Set.of("authorization", "x-api-key", "cookie", "forwarded", "via",
            "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-server",
            "x-real-ip", "anthropic-version");

    private final transient Supplier<SwitchboardConfig> config;
    private transient ModelCatalog catalog;

    GatewayProxyServlet(Supplier<SwitchboardConfig> config) {
        this.config = config;
    }

    @Override
    public void init() throws ServletException {
        super.init();
        catalog = new ModelCatalog(getHttpClient(), Clock.systemUTC());
    }

    @Override
    protected HttpClient newHttpClient() {
        HttpClient client = super.newHttpClient();
        // Upstream providers answer on their own schedule: no redirects followed, no cookies kept.
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        return client;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        // The snapshot the filter decided with, so a reload in between cannot mix two configs.
        SwitchboardConfig cfg = request.getAttribute(VirtualModelFilter.CONFIG_ATTRIBUTE) instanceof SwitchboardConfig c
                ? c : config.get();
        Rules rules = cfg.rules();
        String path = path(request);
        boolean anthropic = path.startsWith("/v1/messages");
        if ("GET".equals(request.getMethod()) && path.equals("/v1/models")) {
            byte[] list = catalog.list(rules, cfg.server().modelsCacheTtl());
            response.setStatus(200);
            response.setContentType("application/json");
            response.setContentLength(list.length);
            response.getOutputStream().write(list);
            return;
        }
        Decision decision = (Decision) request.getAttribute(VirtualModelFilter.DECISION_ATTRIBUTE);
        String providerName = decision != null ? decision.provider() : rules.defaultProvider();
        Provider provider = providerName == null ? null : rules.providers().get(providerName);
        if (provider == null) {
            (decision == null ? ApiError.NO_DEFAULT_PROVIDER.with()
                    : ApiError.MODEL_NOT_FOUND.with(decision.concrete())).send(response, anthropic);
            return;
        }
        if (!provider.configured()) {
            ApiError.PROVIDER_UNAVAILABLE.with(provider.name()).send(response, anthropic);
            return;
        }
        if (provider.type() == ProviderType.ECHO) {
            EchoProvider.handle(request, response, path,
                    (byte[]) request.getAttribute(VirtualModelFilter.BODY_ATTRIBUTE));
            return;
        }
        request.setAttribute(PROVIDER_ATTRIBUTE, provider);
        super.service(request, response);
    }

    /** The canonical path the filter worked out, or the raw path below the context. */
    private static String path(HttpServletRequest request) {
        Object canonical = request.getAttribute(VirtualModelFilter.PATH_ATTRIBUTE);
        if (canonical instanceof String s) {
            return s;
        }
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context.isEmpty() ? uri : uri.substring(Math.min(context.length(), uri.length()));
    }

    @Override
    protected String rewriteTarget(HttpServletRequest clientRequest) {
        Provider provider = (Provider) clientRequest.getAttribute(PROVIDER_ATTRIBUTE);
        String query = clientRequest.getQueryString();
        return provider.baseUrl() + path(clientRequest) + (query == null ? "" : "?" + query);
    }

    @Override
    protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.copyRequestHeaders(clientRequest, proxyRequest);
        SwitchboardConfig cfg = clientRequest.getAttribute(VirtualModelFilter.CONFIG_ATTRIBUTE) instanceof SwitchboardConfig c
                ? c : config.get();
        String userPathHeader = cfg.rules().identity().userPathHeader().toLowerCase(Locale.ROOT);
        java.util.List<String> drop = new java.util.ArrayList<>();
        for (org.eclipse.jetty.http.HttpField f : proxyRequest.getHeaders()) {
            String name = f.getLowerCaseName();
            if (DROPPED.contains(name) || name.equals(userPathHeader)) {
                drop.add(f.getName());
            }
        }
        proxyRequest.headers(h -> drop.forEach(h::remove));
        ProviderHeaders.apply((Provider) clientRequest.getAttribute(PROVIDER_ATTRIBUTE), proxyRequest,
                clientRequest.getHeader("anthropic-version"));
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        // No Via, Forwarded or X-Forwarded-*: they would tell the provider the client's address (SPEC section 3).
    }

    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response,
                                                  Request proxyRequest) throws IOException {
        Object body = request.getAttribute(VirtualModelFilter.BODY_ATTRIBUTE);
        if (body instanceof byte[] bytes) {
            // The filter already holds the exact bytes: send them with their exact length.
            return new BytesRequestContent(request.getContentType(), bytes);
        }
        return super.proxyRequestContent(request, response, proxyRequest);
    }

    @Override
    protected org.eclipse.jetty.http.HttpField filterServerResponseHeader(HttpServletRequest clientRequest,
                                                                          Response serverResponse,
                                                                          org.eclipse.jetty.http.HttpField field) {
        // Our headers describe this gateway's decision; an upstream gateway's must not duplicate them.
        return field.getName().regionMatches(true, 0, "X-Switchboard-", 0, 14) ? null : field;
    }

    @Override
    protected void onResponseContent(HttpServletRequest request, HttpServletResponse response, Response proxyResponse,
                                     byte[] buffer, int offset, int length, Callback callback) {
        try {
            response.getOutputStream().write(buffer, offset, length);
            String type = response.getContentType();
            if (type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
                // SSE: each chunk reaches the client when the upstream sends it, not when a buffer fills.
                response.flushBuffer();
            }
            callback.succeeded();
        } catch (Throwable x) {
            // Failing the callback aborts the upstream request: a client that left stops the generation.
            callback.failed(x);
        }
    }

    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        try {
            if (!proxyResponse.isCommitted()) {
                Provider provider = (Provider) clientRequest.getAttribute(PROVIDER_ATTRIBUTE);
                String name = provider == null ? "upstream" : "provider " + provider.name();
                ErrorResponse error = ApiError.forUpstream(status == 504).with(name);
                proxyResponse.resetBuffer();
                error.send(proxyResponse, path(clientRequest).startsWith("/v1/messages"));
            }
        } catch (IOException | RuntimeException e) {
            _log.debug("could not send the upstream error to the client", e);
        } finally {
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        }
    }
}
