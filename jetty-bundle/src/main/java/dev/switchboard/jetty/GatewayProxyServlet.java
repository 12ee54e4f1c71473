package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Recorder;
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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
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
 * {@code upstream_timeout} in the shape of SPEC section 5. A failure after part of the body reached the
 * client cuts the client's connection instead (README "Faults": no clean end, an SSE {@code error} event
 * between events). {@code GET /v1/models} is answered from {@link ModelCatalog}; {@code echo} providers
 * answer locally. Attempts and the first byte are reported to the exchange's recorder; the filter ends
 * the exchange, or this servlet when it cuts the response.
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
        /** A write to the client failed: the client is gone (or the server stopped under it). */
        volatile boolean clientGone;
        /** A write to the client is under way (a slow reader can block it for long). */
        volatile boolean writing;
        /** The body is an SSE stream. */
        volatile boolean sse;
        /** The client's body failed while streamed upstream: the row to answer with, else {@code null}. */
        volatile ApiError clientBodyFailed;
        /** The gateway's drain time ran out: {@link InFlight#cutAll} aborted this request. */
        volatile boolean shuttingDown;
        /** The request sent upstream, once sent. */
        volatile Request proxyRequest;
        /** The last bytes sent to the client (up to 4), to tell whether a stream stopped between events. */
        private int tail;
        private int tailLength;

        Upstream(Exchange exchange, Candidate candidate, Provider provider) {
            this.exchange = exchange;
            this.candidate = candidate;
            this.provider = provider;
            this.number = exchange.recorder().nextAttemptNumber();
        }

        void ended(int status, String error) {
            UsageReader reader = usage;
            usage = null;
            if (reader != null) {
                // What the response said, also when it was cut short: a partial stream's usage is still known.
                Usage read = reader.finish();
                if (!read.equals(Usage.UNKNOWN)) {
                    exchange.recorder().usage(read);
                }
            }
            exchange.recorder().attempt(new Attempt(number, candidate, status, error, System.nanoTime() - sentNanos));
        }

        synchronized void sent(byte[] buffer, int offset, int length) {
            for (int i = Math.max(offset, offset + length - 4); i < offset + length; i++) {
                tail = (tail << 8) | (buffer[i] & 0xff);
                tailLength = Math.min(4, tailLength + 1);
            }
        }

        /**
         * @return whether what the client got so far ends between two SSE events: nothing yet, or an empty line
         *     (a line terminator right after another one; CR, LF and CRLF all end lines)
         */
        synchronized boolean betweenEvents() {
            if (tailLength == 0) {
                return true;
            }
            int end = lineEnd(tail, tailLength);
            if (end == 0) {
                return false;
            }
            int rest = tailLength - end;
            // Only a terminator so far is an empty line too; fewer than 4 bytes kept means nothing came before them.
            return rest == 0 || lineEnd(tail >>> (8 * end), rest) > 0;
        }

        /** @return how many of the last {@code n} bytes of {@code bytes} are one line terminator (0 when none) */
        private static int lineEnd(int bytes, int n) {
            int last = bytes & 0xff;
            if (last == '\n') {
                return n >= 2 && ((bytes >>> 8) & 0xff) == '\r' ? 2 : 1;
            }
            return last == '\r' ? 1 : 0;
        }
    }

    private transient ModelCatalog catalog;
    private final transient InFlight inFlight;
    /** Whether the container is Jetty (the bundle, or the WAR in Jetty), which can abort a response and chunk any. */
    private transient boolean jetty;

    /**
     * @param inFlight where upstream requests in flight are kept, for a stop to cut them when its drain time ends
     */
    GatewayProxyServlet(InFlight inFlight) {
        this.inFlight = inFlight;
    }

    @Override
    public void init() throws ServletException {
        super.init();
        catalog = new ModelCatalog(getHttpClient(), Clock.systemUTC());
        jetty = getServletContext().getServerInfo().toLowerCase(Locale.ROOT).startsWith("jetty");
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
        Upstream upstream = upstream(request);
        try {
            upstream.writing = true;
            response.getOutputStream().write(buffer, offset, length);
            upstream.sent(buffer, offset, length);
            upstream.exchange.recorder().firstByte();
            if (upstream.sse) {
                // SSE: each chunk reaches the client when the upstream sends it, not when a buffer fills.
                response.flushBuffer();
            }
            upstream.writing = false;
            UsageReader reader = upstream.usage;
            if (reader != null) {
                // After the bytes went on: the tap never holds back or delays what the client gets.
                reader.accept(buffer, offset, length);
            }
            callback.succeeded();
        } catch (Throwable x) {
            upstream.writing = false;
            upstream.clientGone = true;
            // Failing the callback aborts the upstream request: a client that left stops the generation.
            callback.failed(x);
        }
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) {
        upstream(clientRequest).proxyRequest = proxyRequest;
        inFlight.add(proxyRequest);
        super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                           Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        upstream.status = serverResponse.getStatus();
        String type = serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE);
        upstream.sse = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        upstream.usage = UsageReader.forResponse(type,
                serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_ENCODING));
        super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
        int status = serverResponse.getStatus();
        boolean body = status >= 200 && status != 204 && status != 304 && !"HEAD".equals(clientRequest.getMethod());
        if (jetty && body && serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH) == null
                && "HTTP/1.1".equals(clientRequest.getProtocol())) {
            // A body without a length would end at the connection's close when the client sent Connection: close,
            // and then a cut and a clean end look the same; chunked, only a complete body has the last-chunk.
            // Jetty only: Tomcat adds its own Transfer-Encoding to this one.
            proxyResponse.setHeader("Transfer-Encoding", "chunked");
        }
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        inFlight.remove(upstream.proxyRequest);
        // A response without a body: its headers were the first bytes.
        upstream.exchange.recorder().firstByte();
        upstream.ended(serverResponse.getStatus(), null);
        super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse, Throwable failure) {
        Upstream upstream = upstream(clientRequest);
        inFlight.remove(upstream.proxyRequest);
        upstream.shuttingDown = failure instanceof InFlight.ShuttingDown;
        if (causedBy(failure, RequestBodyGate.BodyTimeout.class)) {
            // The client's body stopped arriving while it was streamed upstream: the client's fault, a 408.
            upstream.clientBodyFailed = ApiError.REQUEST_TIMEOUT;
        }
        int status = upstream.status;
        if (proxyResponse.isCommitted()) {
            cut(clientRequest, proxyResponse, upstream, failure);
            return;
        }
        // Nothing reached the client yet (headers and early bytes are still buffered): it gets an error of its own.
        ApiError why = upstream.clientBodyFailed != null ? upstream.clientBodyFailed
                : upstream.shuttingDown ? ApiError.SHUTTING_DOWN : ApiError.forUpstream(ApiError.isTimeout(failure));
        upstream.ended(status, why.code());
        super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
    }

    /**
     * The response had started when the exchange failed: the client must see a cut, never a clean end (a
     * terminating chunk, or a short body the client takes for a whole one). A stream that stopped between
     * events first gets an SSE {@code error} event in the shape of SPEC section 5, which the OpenAI and
     * Anthropic SDKs raise as an API error; the connection is then aborted. The exchange ends here, as an
     * error; the last write and the abort run on the client's executor, never on a timer thread, since a
     * client that does not read can hold that write until its connection's idle timeout.
     */
    private void cut(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Upstream upstream,
                     Throwable failure) {
        boolean timeout = ApiError.isTimeout(failure);
        ApiError row = upstream.shuttingDown ? ApiError.SHUTTING_DOWN : ApiError.forCut(timeout);
        String code = !upstream.clientGone ? row.code()
                : timeout ? Completion.CLIENT_TIMEOUT : Completion.CLIENT_DISCONNECTED;
        upstream.ended(upstream.status, code);
        Recorder recorder = upstream.exchange.recorder();
        recorder.cut(code);
        // An aborted response never tells the async listeners that it ended: the exchange ends here.
        recorder.complete(proxyResponse.getStatus());
        boolean lastWords = !upstream.clientGone && !upstream.writing;
        byte[] event = lastWords && upstream.sse && upstream.betweenEvents()
                ? errorEvent(row.with("provider " + upstream.provider.name()), upstream.exchange.anthropic())
                : null;
        Runnable last = () -> {
            try {
                if (lastWords) {
                    if (event != null) {
                        proxyResponse.getOutputStream().write(event);
                    }
                    // What the upstream sent before it failed reaches the client before the cut.
                    proxyResponse.flushBuffer();
                }
            } catch (IOException | RuntimeException e) {
                _log.debug("could not flush a cut response to the client", e);
            } finally {
                abort(clientRequest, proxyResponse);
            }
        };
        try {
            getHttpClient().getExecutor().execute(last);
        } catch (RejectedExecutionException e) {
            // The pool is stopping (the drain ran out): finish here.
            last.run();
        }
    }

    /** An SSE event {@code error} whose data is the error in the OpenAI or Anthropic shape. */
    private static byte[] errorEvent(ErrorResponse error, boolean anthropic) {
        byte[] data = error.body(anthropic);
        byte[] head = "event: error\ndata: ".getBytes(StandardCharsets.US_ASCII);
        byte[] event = new byte[head.length + data.length + 2];
        System.arraycopy(head, 0, event, 0, head.length);
        System.arraycopy(data, 0, event, head.length, data.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        return event;
    }

    /**
     * Ends the client's connection without ending the response: in Jetty {@code sendError(-1)} aborts the
     * channel (no terminating chunk is written). A container without that has no way to abort through the
     * Servlet API; there the response ends normally (SSE still carries the error event).
     */
    private void abort(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        try {
            proxyResponse.sendError(-1);
        } catch (IOException | RuntimeException e) {
            _log.debug("this container cannot abort a committed response", e);
        } finally {
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        }
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected int proxyResponseStatus(Throwable failure) {
        return ApiError.isTimeout(failure) ? 504 : 502;
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest,
                                          HttpServletResponse proxyResponse, Throwable failure) {
        // The client's body failed while it was streamed upstream: its own fault, answered as such below.
        upstream(clientRequest).clientBodyFailed = ApiError.isTimeout(failure) ? ApiError.REQUEST_TIMEOUT
                : ApiError.INVALID_BODY;
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        Upstream upstream = upstream(clientRequest);
        try {
            if (!proxyResponse.isCommitted()) {
                ApiError row = upstream.clientBodyFailed;
                ErrorResponse error = row == ApiError.REQUEST_TIMEOUT ? row.with("the request body did not arrive in time")
                        : row == ApiError.INVALID_BODY ? row.with("the request body could not be read")
                        : upstream.shuttingDown ? ApiError.SHUTTING_DOWN.with()
                        : ApiError.forUpstream(status == 504).with("provider " + upstream.provider.name());
                proxyResponse.resetBuffer();
                if (row != null || upstream.shuttingDown) {
                    // The rest of the client's body stays unread, or the gateway is going away.
                    proxyResponse.setHeader("Connection", "close");
                }
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
