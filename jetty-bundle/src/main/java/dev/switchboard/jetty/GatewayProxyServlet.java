package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.RewritableBody;
import dev.switchboard.exchange.Usage;
import dev.switchboard.exchange.UsageReader;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy behind {@link VirtualModelFilter}: sends each request to where the filter's
 * {@link Exchange} says (its first candidate: the decision's provider, or {@code default_provider} for
 * requests without a model), with the provider's credentials instead of the client's, the exact
 * rewritten body, no header that leaks the client's address, SSE flushed chunk by chunk, no total
 * timeout, and upstream failures answered as 502 {@code upstream_unavailable} / 504
 * {@code upstream_timeout} in the shape of SPEC section 5. {@code GET /v1/models} is answered from
 * {@link ModelCatalog}; {@code echo} providers answer locally. Attempts and the first byte are
 * reported to the exchange's recorder; the filter ends the exchange.
 *
 * <p>In the four-legs vocabulary of Jetty's proxy: {@code clientRequest} is what the filter hands
 * over, {@code proxyRequest} goes upstream, {@code serverResponse} comes back, {@code proxyResponse}
 * goes to the client.
 */
final class GatewayProxyServlet extends ProxyServlet {

    private static final long serialVersionUID = 1L;

    /** Request attribute: the {@link Upstream} this request goes to (this servlet only). */
    private static final String UPSTREAM_ATTRIBUTE = "dev.switchboard.jetty.upstream";

    /** Client headers never sent upstream: credentials, identity, cookies, and anything naming the client's address. */
    private static final Set<String> DROPPED = Set.of("authorization", "x-api-key", "x-switchboard-provider", "cookie", "forwarded", "via",
            "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-server",
            "x-real-ip", "anthropic-version");

    /** One attempt in flight: the exchange, the candidate and its provider, and when it was sent. */
    private static final class Upstream {
        final Exchange exchange;
        final Candidate candidate;
        final Provider provider;
        final int number;
        final long sentNanos = System.nanoTime();
        volatile int status;
        /** Reads usage from the response as it passes (SPEC section 9), or {@code null} when there is none to read. */
        volatile UsageReader usage;

        Upstream(Exchange exchange, Candidate candidate, Provider provider) {
            this.exchange = exchange;
            this.candidate = candidate;
            this.provider = provider;
            this.number = exchange.recorder().nextAttemptNumber();
        }

        void ended(int status, String error) {
            UsageReader reader = usage;
            if (reader != null) {
                // What the response said, also when it was cut short: a partial stream's usage is still known.
                Usage read = reader.finish();
                if (!read.equals(Usage.UNKNOWN)) {
                    exchange.recorder().usage(read);
                }
            }
            exchange.recorder().attempt(new Attempt(number, candidate, status, error, System.nanoTime() - sentNanos));
        }
    }

    private transient ModelCatalog catalog;

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
        if (!(request.getAttribute(Exchange.ATTRIBUTE) instanceof Exchange exchange)) {
            // Only reachable behind the filter; anything else is a wiring mistake, not a request to forward.
            ApiError.INTERNAL_ERROR.with().send(response, false);
            return;
        }
        SwitchboardConfig cfg = exchange.config();
        Rules rules = cfg.rules();
        if (exchange.endpoint() == Endpoint.MODELS || exchange.endpoint() == Endpoint.MODEL) {
            // The filter answers /v1/models/{id} from the list, shaped for the caller.
            byte[] list = catalog.list(rules, cfg.server().modelsCacheTtl());
            response.setStatus(200);
            response.setContentType("application/json");
            response.setContentLength(list.length);
            response.getOutputStream().write(list);
            return;
        }
        if (exchange.candidates().isEmpty()) {
            reject(response, exchange, ApiError.NO_DEFAULT_PROVIDER.with());
            return;
        }
        Candidate candidate = exchange.candidates().get(0);
        Provider provider = rules.providers().get(candidate.provider());
        if (provider == null) {
            reject(response, exchange, ApiError.MODEL_NOT_FOUND.with(candidate.model()));
            return;
        }
        if (!provider.configured()) {
            reject(response, exchange, ApiError.PROVIDER_UNAVAILABLE.with(provider.name()));
            return;
        }
        Upstream upstream = new Upstream(exchange, candidate, provider);
        if (provider.type() == ProviderType.ECHO) {
            TappedResponse tapped = new TappedResponse(response);
            EchoProvider.handle(request, tapped, exchange.path(),
                    exchange.body() == null ? null : exchange.body().bytes());
            exchange.recorder().firstByte();
            upstream.usage = tapped.reader();
            upstream.ended(response.getStatus(), null);
            return;
        }
        request.setAttribute(UPSTREAM_ATTRIBUTE, upstream);
        super.service(request, response);
    }

    private static void reject(HttpServletResponse response, Exchange exchange, ErrorResponse error) throws IOException {
        exchange.recorder().error(error);
        error.send(response, exchange.anthropic());
    }

    private static Upstream upstream(HttpServletRequest request) {
        return (Upstream) request.getAttribute(UPSTREAM_ATTRIBUTE);
    }

    @Override
    protected String rewriteTarget(HttpServletRequest clientRequest) {
        Upstream upstream = upstream(clientRequest);
        String query = clientRequest.getQueryString();
        return upstream.provider.baseUrl() + upstream.exchange.path() + (query == null ? "" : "?" + query);
    }

    @Override
    protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.copyRequestHeaders(clientRequest, proxyRequest);
        Upstream upstream = upstream(clientRequest);
        String userPathHeader = upstream.exchange.config().rules().identity().userPathHeader().toLowerCase(Locale.ROOT);
        java.util.List<String> drop = new java.util.ArrayList<>();
        for (org.eclipse.jetty.http.HttpField f : proxyRequest.getHeaders()) {
            String name = f.getLowerCaseName();
            if (DROPPED.contains(name) || name.equals(userPathHeader)) {
                drop.add(f.getName());
            }
        }
        proxyRequest.headers(h -> drop.forEach(h::remove));
        ProviderHeaders.apply(upstream.provider, proxyRequest,
                clientRequest.getHeader("anthropic-version"));
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        // No Via, Forwarded or X-Forwarded-*: they would tell the provider the client's address (SPEC section 3).
    }

    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response,
                                                  Request proxyRequest) throws IOException {
        RewritableBody body = upstream(request).exchange.body();
        if (body != null) {
            // The filter already holds the exact bytes: send them with their exact length.
            return new BytesRequestContent(request.getContentType(), body.bytes());
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
            Upstream upstream = upstream(request);
            upstream.exchange.recorder().firstByte();
            String type = response.getContentType();
            if (type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
                // SSE: each chunk reaches the client when the upstream sends it, not when a buffer fills.
                response.flushBuffer();
            }
            UsageReader reader = upstream.usage;
            if (reader != null) {
                // After the bytes went on: the tap never holds back or delays what the client gets.
                reader.accept(buffer, offset, length);
            }
            callback.succeeded();
        } catch (Throwable x) {
            // Failing the callback aborts the upstream request: a client that left stops the generation.
            callback.failed(x);
        }
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                           Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        upstream.status = serverResponse.getStatus();
        upstream.usage = UsageReader.forResponse(serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE),
                serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_ENCODING));
        super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        // A response without a body: its headers were the first bytes.
        upstream.exchange.recorder().firstByte();
        upstream.ended(serverResponse.getStatus(), null);
        super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse, Throwable failure) {
        Upstream upstream = upstream(clientRequest);
        int status = upstream.status;
        upstream.ended(status, status != 0 ? null
                : ApiError.forUpstream(failure instanceof java.util.concurrent.TimeoutException).code());
        super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
    }

    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        Upstream upstream = upstream(clientRequest);
        try {
            if (!proxyResponse.isCommitted()) {
                ErrorResponse error = ApiError.forUpstream(status == 504).with("provider " + upstream.provider.name());
                proxyResponse.resetBuffer();
                reject(proxyResponse, upstream.exchange, error);
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
