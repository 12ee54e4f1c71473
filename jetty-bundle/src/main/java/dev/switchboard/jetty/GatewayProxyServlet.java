package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Recorder;
import dev.switchboard.exchange.UsageReader;
import dev.switchboard.observe.CircuitBreakers;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.rules.Rules;
import dev.switchboard.servlet.HeaderValues;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.io.Content;
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
 * <p>Failover (SPEC section 11): the exchange's candidates are tried in order (the chosen target, the redirect's
 * other targets by its strategy, then its fallbacks), each only when the caller may use it and its circuit
 * breaker ({@link TargetBreakers}) lets it through. An attempt fails over to the next when it fails before its
 * response headers arrive (no connection, a reset, no headers within {@code server.upstream_connect_timeout} for
 * a stream, the idle timeout) or when its status is in {@code failover.retry_on}; nothing of a failed attempt
 * reaches the client. An attempt whose headers arrived with any other status is the answer. At most
 * {@code failover.max_attempts} attempts, none started later than {@code max_attempts × upstream_connect_timeout}
 * after the request began, none after the client left; the last failure is what the client gets. Each attempt
 * sends the client's body with only its model re-spliced.
 *
 * <p>In the four-legs vocabulary of Jetty's proxy: {@code clientRequest} is what the filter hands
 * over, {@code proxyRequest} goes upstream, {@code serverResponse} comes back, {@code proxyResponse}
 * goes to the client.
 */
final class GatewayProxyServlet extends ProxyServlet {

    private static final long serialVersionUID = 1L;

    /** How many upstream attempts the answer took (SPEC section 11): 1 when no failover. */
    static final String ATTEMPTS_HEADER = "X-Switchboard-Attempts";

    /**
     * Client headers never sent upstream: credentials (the ones other APIs read too: Azure's {@code api-key}, Google's
     * {@code x-goog-api-key}), what picks the account the provider's key acts for ({@code OpenAI-Organization},
     * {@code OpenAI-Project}: an operator sets those under the provider's {@code headers}), identity, cookies,
     * anything naming the client's address, and another path than the one judged.
     */
    private static final Set<String> DROPPED = Set.of("authorization", "x-api-key", "api-key", "x-goog-api-key",
            "anthropic-api-key",
            // Upstream gateways' own keys, which they read before Authorization (LiteLLM's custom key header, Azure API
            // Management's, Helicone's, Cloudflare AI Gateway's): a caller's would pick another account there.
            "x-litellm-api-key", "ocp-apim-subscription-key", "helicone-auth", "cf-aig-authorization",
            "openai-organization", "openai-project", "x-switchboard-provider", "cookie", "forwarded",
            "via", "x-real-ip", "anthropic-version",
            // The client's address as CDNs, load balancers, hosting platforms and meshes in front name it (Cloudflare,
            // Akamai, Fastly, F5, nginx ingress, Envoy, Vercel, Fly.io, Azure Front Door); every X-Forwarded-* header
            // goes too (FORWARDED_PREFIX).
            "forwarded-for", "true-client-ip", "cf-connecting-ip", "cf-connecting-ipv6", "fastly-client-ip",
            "x-client-ip", "x-cluster-client-ip", "x-original-forwarded-for", "x-envoy-external-address", "client-ip",
            "x-vercel-forwarded-for", "fly-client-ip", "x-azure-clientip", "x-azure-socketip", "x-proxyuser-ip",
            // A path for the upstream to serve instead of the request's (IIS's URL Rewrite, Symfony's trusted header,
            // nginx's usual name for the original URI).
            "x-original-url", "x-rewrite-url", "x-original-uri",
            // Where Helicone's gateways send the request on (with the provider's key): the operator's, not a caller's.
            "helicone-target-url", "helicone-openai-api-base", "helicone-target-provider",
            // Headers an upstream takes a model or a provider from, unchecked here: LiteLLM's (its files, batches,
            // evals and containers routes take the model from x-litellm-model when the body names none; a provider
            // from custom-llm-provider, refused here as a body field or a query parameter), Azure ML's deployment,
            // Azure AI model inference's deployment.
            "x-litellm-model", "custom-llm-provider", "azureml-model-deployment", "x-ms-model-mesh-model-name");

    /**
     * Every header named so is dropped: {@code X-Forwarded-For}, {@code -Host}, {@code -Proto}, and also the ones a
     * front adds less often ({@code X-Forwarded-Client-Cert}: the client's TLS certificate, as Envoy and Istio pass it;
     * {@code X-Forwarded} itself), which a fixed list missed.
     */
    private static final String FORWARDED_PREFIX = "x-forwarded";
    /**
     * Portkey's gateway takes its provider, host, key and model from these (x-portkey-config's override_params,
     * x-portkey-custom-host, x-portkey-azure-deployment-id...): a caller's must not choose them behind the checks. A
     * provider's own {@code headers} may set them.
     */
    private static final String PORTKEY_PREFIX = "x-portkey-";

    /** An attempt with no response headers within {@code server.upstream_connect_timeout}: a timeout. */
    static final class HeadersTimeout extends TimeoutException {
        private static final long serialVersionUID = 1L;

        HeadersTimeout(Duration after) {
            super("no response headers within " + after.toMillis() + " ms");
        }
    }

    /** Why an abandoned attempt's response is aborted (stackless: a value, not an error). */
    private static final class Abandoned extends Exception {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super("failed over to the next candidate", null, false, false);
        }
    }

    private transient ModelCatalog catalog;
    private final transient InFlight inFlight;
    private final transient TargetBreakers breakers;
    /** Whether the container is Jetty (the bundle, or the WAR in Jetty), which can abort a response and chunk any. */
    private transient boolean jetty;
    /**
     * Whether the client's connection can be read while its request is in progress ({@link #readClient}): in Jetty, the
     * bundled jar and the WAR alike ({@link ClientConnection}); off for good once the container turns out not to allow
     * it (a Jetty whose classes differ).
     */
    private final transient java.util.concurrent.atomic.AtomicBoolean readsClient =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** Reads the client's connection, in Jetty; {@code null} elsewhere. */
    private transient ClientConnection clientConnection;

    /**
     * @param inFlight where upstream requests in flight are kept, for a stop to cut them when its drain time ends
     * @param breakers the node's circuit breakers, one per target
     */
    GatewayProxyServlet(InFlight inFlight, TargetBreakers breakers) {
        this.inFlight = inFlight;
        this.breakers = breakers;
    }

    @Override
    public void init() throws ServletException {
        super.init();
        catalog = new ModelCatalog(getHttpClient(), Clock.systemUTC());
        jetty = getServletContext().getServerInfo().toLowerCase(Locale.ROOT).startsWith("jetty");
        if (jetty) {
            // Jetty's server classes are this servlet's own in the bundled jar; a stock Jetty hides them from the WAR.
            clientConnection = new ClientConnection(visible("org.eclipse.jetty.ee10.servlet.ServletContextRequest"));
        }
        readsClient.set(jetty);
        if (jetty) {
            scheduleWatch();
        }
    }

    /** @return whether this servlet's class loader can load the class (a container may hide its own from a webapp) */
    private static boolean visible(String className) {
        try {
            Class.forName(className, false, GatewayProxyServlet.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The largest upstream response header block passed on: Jetty writes 16 KiB of headers, ours (up to ~1 KiB) included. */
    static final int MAX_RESPONSE_HEADERS = 12 * 1024;
    /**
     * The same bound in another container (Tomcat writes 8 KiB of response headers by default, ours included; past it
     * the client got an empty reply): init parameter {@value #MAX_RESPONSE_HEADERS_PARAMETER}.
     */
    static final int MAX_RESPONSE_HEADERS_OUTSIDE_JETTY = 7 * 1024;
    /** The init parameter that sets the bound; {@link #MAX_RESPONSE_HEADERS} without it. */
    static final String MAX_RESPONSE_HEADERS_PARAMETER = "maxResponseHeaders";
    /** Upstream response headers never passed on ({@link #filterServerResponseHeader}), in lower case. */
    private static final Set<String> KEPT_FROM_CLIENT = Set.of("content-security-policy", "x-content-type-options",
            "set-cookie", "set-cookie2", "alt-svc", "strict-transport-security");
    /** Upstream response headers passed on only when they hold no absolute address, in lower case. */
    private static final Set<String> ADDRESSES = Set.of("location", "content-location", "link", "refresh");
    /** Connections to one provider at most (and as many requests queued for them): the {@code maxConnections} set. */
    static final int MAX_CONNECTIONS = 1024;
    /**
     * How long an idle connection to a provider is kept for the next request: under the 5 s after which uvicorn (vLLM,
     * FastAPI), Node and llama.cpp's server close theirs, as undici's 4 s default is. Kept longer, a request sent as the
     * upstream closed it met the close: a 502 with no retry (a POST is not repeated; against an upstream closing after
     * 5 s, requests 4.990-5.010 s apart: 4 of 35 before). A request under way has {@code server.upstream_idle_timeout}.
     */
    static final java.time.Duration POOLED_IDLE = java.time.Duration.ofSeconds(4);
    /** {@code server.upstream_idle_timeout} (the {@code idleTimeout} init parameter): a request's own idle timeout. */
    private long exchangeIdleMillis;

    @Override
    protected HttpClient createHttpClient() throws ServletException {
        HttpClient client = super.createHttpClient();
        // The init parameter set the client's: it becomes each request's, and an idle pooled connection gets less.
        exchangeIdleMillis = client.getIdleTimeout();
        client.setIdleTimeout(exchangeIdleMillis > 0 ? Math.min(exchangeIdleMillis, POOLED_IDLE.toMillis())
                : POOLED_IDLE.toMillis());
        // Jetty's proxy clears the client's protocol handlers there (all but 100 Continue): a 102 Processing or 103
        // Early Hints before the answer was then taken for the answer itself, and the exchange never ended (the client
        // hung with no timeout). Every interim response (1xx but 100, which the proxy handles, and 101) is skipped.
        client.getProtocolHandlers().put(new Interim());
        return client;
    }

    @Override
    protected Request newProxyRequest(HttpServletRequest request, String rewrittenTarget) {
        // Jetty's connection takes the request's idle timeout while it is under way, and its own back after.
        return super.newProxyRequest(request, rewrittenTarget).idleTimeout(exchangeIdleMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected HttpClient newHttpClient() {
        HttpClient client = super.newHttpClient();
        String bound = getServletConfig().getInitParameter(MAX_RESPONSE_HEADERS_PARAMETER);
        forProviders(client, bound == null ? MAX_RESPONSE_HEADERS : Integer.parseInt(bound));
        return client;
    }

    /**
     * What a client to providers is (the proxy's, and the realtime sockets'): upstream providers answer on their own
     * schedule, so no redirects are followed and no cookies kept; an upstream's response headers are held whole until
     * they end, so they are bounded (Jetty's client has no bound by default, so one upstream could fill the heap).
     *
     * @param client a client not started yet
     * @param maxResponseHeaders the bound, within what the server side can write on
     */
    static void forProviders(HttpClient client, int maxResponseHeaders) {
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        client.setMaxResponseHeadersSize(maxResponseHeaders);
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
        if (exchange.endpoint() == Endpoint.REALTIME) {
            // A realtime upgrade at another spelling of its path (/V1/realtime, /v1/realtime/): the socket's servlet is
            // mapped at the exact path, and this proxy would send the upgrade on as a plain request, unrewritten.
            reject(response, exchange, ApiError.INVALID_REQUEST.with("open the realtime socket at its path spelled as"
                    + " the API spells it: /v1/realtime or /v1/realtime/translations"));
            return;
        }
        if (exchange.endpoint() == Endpoint.MODELS || exchange.endpoint() == Endpoint.MODEL) {
            // The filter answers /v1/models/{id} from the list, shaped for the caller.
            byte[] list = catalog.list(rules, cfg.server().modelsCacheTtl());
            response.setStatus(200);
            response.setContentType("application/json");
            response.setContentLength(list.length);
            response.getOutputStream().write(list);
            return;
        }
        if (inFlight.stopping()) {
            // Came on a kept-alive connection after the drain began: the drain would cut its answer. Answered at once
            // (and logged, as every exchange); the client's retry opens a new connection, which reaches a node that
            // serves. SDKs retry a 503 by themselves.
            response.setHeader("Connection", "close");
            response.setHeader("Retry-After", "1");
            reject(response, exchange, ApiError.STOPPING.with());
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
        if (bodyRead(exchange, request) && firstOnConnection(request) && clientGone(request, response)) {
            // Accepted from the listen queue after its client gave up waiting (an SDK's timeout while the gateway was at
            // its connection limit): nobody would read the answer, and the provider would bill it. Nothing is called.
            // Only a request whose body is read (held, or none): a read would take a byte of a body streamed on.
            Recorder recorder = exchange.recorder();
            recorder.left();
            recorder.complete(0);
            // Not abort(): no async context was started, and Jetty has none to give once the response is aborted.
            try {
                response.sendError(-1);
            } catch (IOException | RuntimeException e) {
                _log.debug("could not close the connection of a client that left", e);
            }
            return;
        }
        setConnectTimeout(cfg.server().upstreamConnectTimeout());
        FailoverPlan plan = new FailoverPlan(exchange);
        Upstream upstream = plan.next(breakers, true);
        if (upstream == null) {
            // Every candidate this caller may use has an open breaker, or a half-open one with its one probe under way:
            // answered at once, nothing called. Retry-After: until the first open one lets a probe through, else a
            // second (a probe under way ends with its answer, which no clock tells).
            List<Candidate> usable = exchange.candidates().stream().filter(Candidate::allowed).toList();
            Instant retry = breakers.retryAt(usable);
            long seconds = retry == null ? 1 : Math.max(1, Duration.between(breakers.now(), retry).toSeconds() + 1);
            response.setHeader("Retry-After", Long.toString(seconds));
            response.setIntHeader(ATTEMPTS_HEADER, 0);
            reject(response, exchange, ApiError.BREAKERS_OPEN.with(breakersInTheWay(usable)));
            return;
        }
        if (upstream.provider.type() == ProviderType.ECHO) {
            echo(request, response, upstream);
            return;
        }
        Attempting attempting = new Attempting(request, upstream);
        super.service(attempting, response);
        if (!jetty && request.isAsyncStarted()) {
            // Outside Jetty (Tomcat) the container ends a request whose client left on its own, at the write that
            // failed (the async listeners' onError), then recycles it: the attempt under way learns of it first.
            request.getAsyncContext().addListener(new ContainerEnded(attempting));
        }
    }

    /**
     * Tomcat's end of a request whose client left (a write failed): its async listeners are told, in the order added,
     * then it recycles the request and the response, which the proxy's hooks may still be about to use on the client's
     * threads. Added after the proxy started its async context and before the filter adds its own (which ends the
     * exchange with the response's status, a success): the exchange ends here as the client's leaving, with its
     * attempt; the upstream call is stopped (nobody reads it, the provider bills it), and the proxy's hooks touch the
     * request no more ({@link Upstream#containerEnded}).
     */
    private final class ContainerEnded implements jakarta.servlet.AsyncListener {
        private final Attempting attempting;

        ContainerEnded(Attempting attempting) {
            this.attempting = attempting;
        }

        @Override
        public void onError(jakarta.servlet.AsyncEvent event) {
            // Set before the attempt is read: a failover that swaps in the next attempt reads it after (failOver).
            attempting.containerEnded = true;
            Upstream upstream = attempting.upstream;
            upstream.clientGone = true;
            upstream.containerEnded = true;
            Recorder recorder = upstream.exchange.recorder();
            jakarta.servlet.ServletResponse response = event.getSuppliedResponse();
            upstream.ended(upstream.status, Completion.CLIENT_DISCONNECTED);
            if (response instanceof HttpServletResponse http && http.isCommitted()) {
                // Its answer had begun: cut, as a stream the client left is in the bundled proxy.
                recorder.cut(Completion.CLIENT_DISCONNECTED);
                recorder.complete(http.getStatus());
            } else {
                recorder.left();
                recorder.complete(0);
            }
            Request call = upstream.proxyRequest;
            if (call != null) {
                call.abort(new ClientLeft());
            }
        }

        @Override
        public void onComplete(jakarta.servlet.AsyncEvent event) {
            // Ended by the proxy (its answer, or its abort): the exchange ended there.
        }

        @Override
        public void onTimeout(jakarta.servlet.AsyncEvent event) {
            // The proxy's async context has no timeout.
        }

        @Override
        public void onStartAsync(jakarta.servlet.AsyncEvent event) {
            // Started once.
        }
    }

    /** Stops the upstream calls still in flight as the gateway's stop (a WAR undeployed), not as the provider's fault. */
    @Override
    public void destroy() {
        inFlight.cutAll();
        super.destroy();
    }

    /** The built-in echo provider answers here, at once: it never fails, so it is always the last attempt. */
    private static void echo(HttpServletRequest request, HttpServletResponse response, Upstream upstream)
            throws IOException {
        answeredBy(response, upstream);
        upstream.succeeded();
        TappedResponse tapped = new TappedResponse(response);
        EchoProvider.handle(request, tapped, upstream.exchange.path(), upstream.body);
        upstream.exchange.recorder().firstByte();
        upstream.usage = tapped.reader();
        upstream.ended(response.getStatus(), null);
    }

    /** The headers that say which attempt answered (SPEC section 11), set before the response starts. */
    private static void answeredBy(HttpServletResponse response, Upstream upstream) {
        response.setIntHeader(ATTEMPTS_HEADER, upstream.plan.made());
        if (!upstream.chosen && upstream.candidate.model() != null) {
            response.setHeader(VirtualModelFilter.MODEL_HEADER, upstream.candidate.model());
        }
    }

    /** The connect timeout of the proxy's client follows the configuration (one client for every request). */
    private void setConnectTimeout(Duration timeout) {
        HttpClient client = getHttpClient();
        long ms = timeout.toMillis();
        if (client.getConnectTimeout() != ms) {
            client.setConnectTimeout(ms);
        }
    }

    /**
     * Hands a failed attempt's request to the next candidate, when there is one: the failed attempt is recorded
     * and abandoned, and the next one is sent (on the client's executor, never on the thread that reported the
     * failure).
     *
     * @param status the failed attempt's status, 0 when none came
     * @param error the failed attempt's error code, or {@code null} for a status in {@code retry_on}
     * @return whether a next attempt was started; when not, the failed attempt's outcome is the client's
     */
    private boolean failOver(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Upstream failed,
                             int status, String error) {
        return failOver(clientRequest, proxyResponse, failed, status, error, null);
    }

    /** @param beforeNext run once a next attempt is sure, before it starts, or {@code null} */
    private boolean failOver(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Upstream failed,
                             int status, String error, Runnable beforeNext) {
        if (failed.clientGone || clientGone(clientRequest, proxyResponse)) {
            // A client that left stops further attempts (and the exchange ends as its leaving, not as this failure).
            failed.clientGone = true;
            return false;
        }
        Upstream next = failed.plan.next(breakers, false);
        if (next == null) {
            return false;
        }
        failed.abandoned = true;
        failed.ended(status, error);
        if (beforeNext != null) {
            beforeNext.run();
        }
        if (failed.bodyStarted) {
            // The start of the failed answer's body, held in the response's buffer: never the client's.
            proxyResponse.resetBuffer();
        }
        Runnable send = () -> {
            try {
                if (next.provider.type() == ProviderType.ECHO) {
                    echo(clientRequest, proxyResponse, next);
                    clientRequest.getAsyncContext().complete();
                    return;
                }
                Attempting attempting = (Attempting) clientRequest;
                attempting.upstream = next;
                if (attempting.containerEnded) {
                    // Tomcat ended the request as its client left, while this attempt was being made: not sent.
                    next.containerEnded = true;
                    next.clientGone = true;
                    next.ended(0, Completion.CLIENT_DISCONNECTED);
                    next.released();
                    return;
                }
                Request proxyRequest = newProxyRequest(clientRequest, rewriteTarget(clientRequest));
                copyRequestHeaders(clientRequest, proxyRequest);
                addProxyHeaders(clientRequest, proxyRequest);
                proxyRequest.timeout(getTimeout(), TimeUnit.MILLISECONDS);
                proxyRequest.body(proxyRequestContent(clientRequest, proxyResponse, proxyRequest));
                sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
            } catch (IOException | RuntimeException e) {
                _log.debug("could not start the next attempt", e);
                inFlight.remove(next.proxyRequest);
                next.stopDeadline();
                next.answering();
                next.ended(0, ApiError.UPSTREAM_UNAVAILABLE.code());
                next.released();
                sendProxyResponseError(clientRequest, proxyResponse, 502);
            }
        };
        try {
            getHttpClient().getExecutor().execute(send);
        } catch (RejectedExecutionException e) {
            send.run();
        }
        return true;
    }

    /** How soon after a write to the client returns a timeout that fired during it is told. */
    private static final long HELD_NOTICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * @return whether the gateway spent at least half of the provider's idle timeout, up to now, waiting on a write to
     *     the client that is under way or has just returned: an idle timeout now is the client's pause, not the
     *     provider's silence
     */
    private boolean heldByClient(Upstream upstream) {
        long began = upstream.writeBegan;
        if (began == 0 || exchangeIdleMillis <= 0) {
            return false;
        }
        long now = System.nanoTime();
        long ended = upstream.writeEnded;
        if (ended != 0 && now - ended > HELD_NOTICE_NANOS) {
            // The write ended well before this timeout was told (a timeout that fired during it is told as it returns):
            // the gateway has read the provider since, and anything it had sent would have reset the timer.
            return false;
        }
        long idle = TimeUnit.MILLISECONDS.toNanos(exchangeIdleMillis);
        long held = (ended == 0 ? now : ended) - Math.max(began, now - idle);
        return held * 2 >= idle;
    }

    /**
     * Whether the client's connection is gone, asked only before a failover. HTTP/1.1 tells only once the
     * connection is read (Jetty does not read it while a response is pending), so this reads it: up to one byte,
     * without waiting. End of stream (or a closed connection) = gone. A byte means the client sent more before its
     * answer (a pipelined request, which no LLM SDK does): that byte cannot be put back, so the connection is closed
     * after this response and the client sends the next request again. Not Jetty (the WAR in Tomcat): only a failed
     * write tells.
     */
    private boolean clientGone(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        int read = readClient(clientRequest);
        if (read > 0) {
            proxyResponse.setHeader("Connection", "close");
        }
        return read < 0;
    }

    /**
     * @return whether nothing of the request's body is left on its connection: the body is held (every model request
     *     up to {@code max_request_bytes}), or there is none
     */
    private static boolean bodyRead(Exchange exchange, HttpServletRequest request) {
        return exchange.body() != null || !HeaderValues.hasBody(request);
    }

    /** @return whether this is the first request of its connection, as far as this container tells */
    private boolean firstOnConnection(HttpServletRequest clientRequest) {
        if (!readsClient.get()) {
            return false;
        }
        try {
            return clientConnection.first(clientRequest);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // readClient says once why the connection cannot be read, when it first meets it.
            return false;
        }
    }

    /**
     * Reads the client's connection as {@link #clientGone} says.
     *
     * @return -1 when the client is gone, 1 when a byte was read (the caller closes the connection after this response),
     *     0 when nothing came or this cannot tell
     */
    private int readClient(HttpServletRequest clientRequest) {
        if (!readsClient.get()) {
            return 0;
        }
        try {
            return clientConnection.read(clientRequest);
        } catch (ReflectiveOperationException | LinkageError e) {
            if (readsClient.compareAndSet(true, false)) {
                // Once: the watch and a failover may meet it at the same moment.
                _log.warn("Switchboard: this Jetty's connections cannot be read ({}); a client that leaves before its"
                        + " answer is noticed only when the answer is written", e.toString());
            }
            return 0;
        } catch (RuntimeException e) {
            _log.debug("cannot tell whether the client is still there", e);
            return 0;
        }
    }

    /** How long an attempt waits for its answer before {@link #watchClient} first looks at its client, and how often. */
    static final long CLIENT_WATCH_MILLIS = 1000;
    private static final long CLIENT_WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(CLIENT_WATCH_MILLIS);
    private static final Runnable NO_WATCH = () -> { };

    /** Why an attempt was aborted: its client left while it waited for the answer. Stackless. */
    static final class ClientLeft extends Exception {
        private static final long serialVersionUID = 1L;

        ClientLeft() {
            super("the client left before its answer", null, false, false);
        }
    }

    /**
     * Looks, once the attempt has waited {@link #CLIENT_WATCH_MILLIS} for its answer and then at every watch, whether the
     * client is still there: Jetty does not read a connection while its request is in progress, so a client that left
     * (its SDK timed out, its user pressed stop) would otherwise be noticed only when the answer is written, after the
     * upstream generated (and billed) all of it. A client gone aborts the upstream call. Only while nothing of the
     * answer's body came (its status and headers may have: a stream's server sends them before its first token, which a
     * long prompt or a queue can delay by minutes): from its first byte the answer owns the connection
     * ({@link Upstream#answering}), and a client that left is noticed when that byte is written.
     */
    private void watchClient(Upstream upstream, HttpServletRequest clientRequest) {
        if (System.nanoTime() - upstream.sentNanos < CLIENT_WATCH_NANOS || !upstream.probing()) {
            return;
        }
        int read = 0;
        try {
            read = readClient(clientRequest);
            if (read > 0) {
                upstream.pipelined = true;
            }
        } finally {
            // A byte read (a pipelined request) closes the connection after the answer: no more reads.
            upstream.probed(read == 0);
        }
        Request r = upstream.proxyRequest;
        if (read < 0 && r != null) {
            upstream.clientGone = true;
            // Not on the scheduler's one thread: the abort ends the exchange there (listeners, the access log), and
            // every timeout of the client waits behind it.
            try {
                getHttpClient().getExecutor().execute(() -> r.abort(new ClientLeft()));
            } catch (RejectedExecutionException stopping) {
                r.abort(new ClientLeft());
            }
        }
    }

    /** Runs {@link #watchClient} for every attempt in flight, every {@link #CLIENT_WATCH_MILLIS}, while the client runs. */
    private void scheduleWatch() {
        getHttpClient().getScheduler().schedule(() -> {
            try {
                inFlight.watchAll();
            } finally {
                scheduleWatch();
            }
        }, CLIENT_WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static void reject(HttpServletResponse response, Exchange exchange, ErrorResponse error) throws IOException {
        exchange.recorder().error(error);
        error.send(response, exchange.anthropic());
    }

    /** The attempt under way: every hook of Jetty's proxy gets the request {@link #service} handed it. */
    private static Upstream upstream(HttpServletRequest request) {
        return ((Attempting) request).upstream;
    }

    /**
     * The client's request as this servlet hands it to Jetty's proxy, with the attempt under way in a field. A request
     * attribute held it before: read by about eight hooks per exchange through the filter's wrapper and Jetty's
     * attribute layers, 0.6 us per exchange (bench/NOTES.md); a field read is a load.
     */
    private static final class Attempting extends jakarta.servlet.http.HttpServletRequestWrapper {
        /** Replaced by the next attempt's on a failover, before that attempt is sent. */
        volatile Upstream upstream;
        /** Tomcat ended the request as its client left ({@link ContainerEnded}): no next attempt is sent. */
        volatile boolean containerEnded;

        Attempting(HttpServletRequest request, Upstream upstream) {
            super(request);
            this.upstream = upstream;
        }
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
        // An answer whose usage is read is asked for unencoded: a gzip or br body would hide it. Every SDK accepts gzip,
        // and the providers compress when asked, so passing the client's Accept-Encoding on left the usage of nearly
        // every answer that is not a stream unknown.
        // So is an answer rewritten (BatchResultsUrls).
        boolean unencoded = upstream.readsUsage() || BatchResultsUrls.applies(upstream.exchange.path());
        java.util.List<String> drop = new java.util.ArrayList<>();
        for (org.eclipse.jetty.http.HttpField f : proxyRequest.getHeaders()) {
            String name = f.getLowerCaseName();
            // A name with an underscore goes too, as nginx drops it: servers that read headers through CGI-style names
            // (gunicorn before 22, Python's wsgiref) take X_Api_Key for X-Api-Key and Transfer_Encoding for
            // Transfer-Encoding, so the upstream would read a credential, a method override or a framing the gateway
            // never judged. No SDK sends one; a provider's own headers are set below.
            if (DROPPED.contains(name) || name.startsWith(FORWARDED_PREFIX) || name.startsWith(PORTKEY_PREFIX)
                    || name.indexOf('_') >= 0
                    || name.equals(userPathHeader) || (unencoded && name.equals("accept-encoding"))) {
                drop.add(f.getName());
            }
        }
        if (upstream.body != null) {
            // The body's own length goes: each attempt's model may be longer or shorter than the first one's.
            drop.add("Content-Length");
        }
        if (bodyHeld(clientRequest)) {
            // The client's expectation was met here (its body was read): see expects100Continue.
            drop.add("Expect");
        }
        proxyRequest.headers(h -> {
            drop.forEach(h::remove);
            if (unencoded) {
                // Said, not left out: a request without Accept-Encoding accepts any coding (RFC 9110, 12.5.3).
                h.put(org.eclipse.jetty.http.HttpHeader.ACCEPT_ENCODING, "identity");
            }
        });
        ProviderHeaders.apply(upstream.provider, proxyRequest,
                clientRequest.getHeader("anthropic-version"));
    }

    /**
     * A body the filter holds was read whole (the client got its 100 Continue then): it is sent at once, as every
     * failover attempt sends it, never held back for a 100 Continue of the upstream's, which one that reads the body
     * without answering the expectation (RFC 9110 allows that) never sends.
     */
    @Override
    protected boolean expects100Continue(HttpServletRequest request) {
        return !bodyHeld(request) && super.expects100Continue(request);
    }

    /**
     * @return whether the request's body was read before the proxy got it: held by the filter (its model checked), or
     *     by the body gate in front (which reads every body up to {@code max_request_bytes}, one the filter then passes
     *     on unread included); either way the client had its 100 Continue
     */
    private static boolean bodyHeld(HttpServletRequest request) {
        return request instanceof Attempting a && a.upstream.body != null
                || request.getAttribute(Exchange.ARRIVED_NANOS) != null;
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        // No Via, Forwarded or X-Forwarded-*: they would tell the provider the client's address (SPEC section 3).
    }

    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response,
                                                  Request proxyRequest) throws IOException {
        byte[] body = upstream(request).body;
        if (body != null) {
            // The filter already holds the exact bytes: send them with their exact length.
            return new BytesRequestContent(request.getContentType(), body);
        }
        return super.proxyRequestContent(request, response, proxyRequest);
    }

    @Override
    protected org.eclipse.jetty.http.HttpField filterServerResponseHeader(HttpServletRequest clientRequest,
                                                                          Response serverResponse,
                                                                          org.eclipse.jetty.http.HttpField field) {
        // Our headers describe this gateway's decision; an upstream gateway's must not duplicate them. The filter's
        // content policy of API answers stands: an upstream's would replace it, and could let its page run scripts.
        // A provider's cookies stop here: the client's cookies are never sent upstream, so one could never come back,
        // and passed on it would be set on the gateway's host (other webapps' paths in a shared Tomcat, the
        // dashboard's session cookie's name).
        // The provider's policies for its own host (HTTP/3 elsewhere, HTTPS only) are not the gateway host's; and an
        // address of the provider's (an absolute Location, Content-Location, Link or Refresh) is neither shown to the
        // client nor followed by it with its gateway key (a relative one resolves against the gateway: kept).
        String name = field.getLowerCaseName();
        if (name.startsWith("x-switchboard-") || KEPT_FROM_CLIENT.contains(name)) {
            return null;
        }
        return ADDRESSES.contains(name) && field.getValue() != null && field.getValue().contains("//") ? null : field;
    }

    @Override
    protected void onResponseContent(HttpServletRequest request, HttpServletResponse response, Response proxyResponse,
                                     byte[] buffer, int offset, int length, Callback callback) {
        Upstream upstream = upstream(request);
        java.io.ByteArrayOutputStream held = upstream.held;
        if (held != null) {
            if (held.size() + length > BatchResultsUrls.MAX_BYTES) {
                // Not passed on unread: its results_url would lead the client's SDK out of the gateway.
                callback.failed(new java.io.IOException("an answer of message batches over "
                        + BatchResultsUrls.MAX_BYTES + " bytes"));
                return;
            }
            held.write(buffer, offset, length);
            callback.succeeded();
            return;
        }
        java.io.ByteArrayOutputStream start = upstream.start;
        if (start != null) {
            start.write(buffer, offset, length);
            UsageReader reader = upstream.usage;
            reader.accept(buffer, offset, length);
            if (reader.errorSeen() && failOverFromStart(request, response, proxyResponse, upstream)) {
                callback.failed(new Abandoned());
                return;
            }
            if (!reader.firstBlockEnded() && !reader.errorSeen() && start.size() < START_HELD_BYTES) {
                callback.succeeded();
                return;
            }
            upstream.start = null;
            if (!reader.errorSeen()) {
                // An error no other candidate could take (a review: the probe closed its breaker, then counted one
                // failure more): its end tells the breaker it failed.
                probeStreamBegan(upstream);
            }
            write(response, upstream, start.toByteArray(), 0, start.size(), false, callback);
            return;
        }
        write(response, upstream, buffer, offset, length, true, callback);
    }

    /**
     * A stream's body begins on its way to the client (its start held for its first block, once that passed). A half-open
     * probe's stream: the target is skipped while it is under way, so a long stream must not hold it for its whole
     * length. Its first byte says the target works (an error in it later is one failure more: Upstream.failed).
     */
    private static void probeStreamBegan(Upstream upstream) {
        if (upstream.flushes && upstream.permit.probe()) {
            upstream.probeSucceeded();
        }
    }

    /** The most of a stream's start held for its first block ({@link Upstream#start}); a longer one is passed on. */
    static final int START_HELD_BYTES = 256 * 1024;

    /**
     * A stream held for its first block began with an error: the next candidate takes the request, as for a status
     * in {@code retry_on} ({@link AttemptListener#onHeaders}), the headers this answer's copied taken back first.
     *
     * @return whether the attempt was given up (the next one started, or the client is gone); if not, its start goes
     *     to the client as it came
     */
    private boolean failOverFromStart(HttpServletRequest request, HttpServletResponse response, Response serverResponse,
                                      Upstream upstream) {
        return givenUp(request, response, upstream, upstream.status, failOver(request, response, upstream,
                upstream.status, null, () -> forgetServerHeaders(request, response, serverResponse)));
    }

    /**
     * After {@link #failOver} from an answer under way (its status retried, or its stream's start an error).
     *
     * @param next whether failOver started the next attempt
     * @return whether this attempt is given up (the caller aborts its response): the next one took the request, or the
     *     client is gone, and then the exchange ends as its leaving (as on the failure path), not as an answer the
     *     client never got
     */
    private boolean givenUp(HttpServletRequest request, HttpServletResponse response, Upstream upstream, int status,
                            boolean next) {
        if (!next && !upstream.clientGone) {
            return false;
        }
        inFlight.remove(upstream.proxyRequest);
        if (!next) {
            upstream.abandoned = true;
            left(request, response, upstream, status);
        }
        return true;
    }

    /**
     * Sends bytes of the answer on to the client, flushed for a stream.
     *
     * @param tap whether the usage tap reads them after (not when it read them already, held)
     */
    private void write(HttpServletResponse response, Upstream upstream, byte[] buffer, int offset, int length,
                       boolean tap, Callback callback) {
        try {
            upstream.writeBegan = System.nanoTime();
            upstream.writeEnded = 0;
            response.getOutputStream().write(buffer, offset, length);
            upstream.sent(buffer, offset, length);
            if (upstream.flushes) {
                // A stream: each chunk reaches the client when the upstream sends it, not when a buffer fills.
                response.flushBuffer();
            }
            if (response.isCommitted()) {
                // Sent, not only buffered: bytes still in the buffer are dropped if the answer breaks, and the client
                // gets the gateway's own error, which has no first byte (the answer's end tells the rest).
                upstream.exchange.recorder().firstByte();
            }
            UsageReader reader = upstream.usage;
            if (tap && reader != null) {
                // After the bytes went on: the tap never holds back or delays what the client gets.
                reader.accept(buffer, offset, length);
            }
            // After the tap too: a failure on another thread that finds no write under way may read what it learned.
            upstream.writeEnded = System.nanoTime();
            callback.succeeded();
        } catch (Throwable x) {
            upstream.writeEnded = System.nanoTime();
            upstream.clientGone = true;
            // Failing the callback aborts the upstream request: a client that left stops the generation.
            callback.failed(x);
        }
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) {
        Upstream upstream = upstream(clientRequest);
        upstream.proxyRequest = proxyRequest;
        // Only a request whose body is in (held, not streamed on): a read of the connection finds what comes after it.
        inFlight.add(proxyRequest, readsClient.get() && upstream.body != null
                ? () -> watchClient(upstream, clientRequest) : NO_WATCH);
        if (upstream.plan.stream && upstream.plan.mayEverFollow()) {
            // A stream's headers come at once; a provider that sends none in time is failing, and another candidate
            // waits (SPEC section 11). A request that is not a stream gets its headers with the whole answer. Set also
            // while every other candidate's breaker is open: one may close while this attempt waits (a probe: a stream
            // begun so waited for the idle timeout, 600 s by default, then a 504, its fallback usable seconds in).
            Duration after = upstream.exchange.config().server().upstreamConnectTimeout();
            watchHeaders(upstream, proxyRequest, after, after.toMillis());
        }
        super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    }

    /** How often an attempt past its headers deadline asks again whether another candidate could follow it. */
    private static final long HEADERS_RECHECK_MILLIS = 250;

    /**
     * Aborts a stream's attempt that has no headers {@code delayMillis} from now if another candidate could follow it
     * then; else, while one might later (a breaker that closes), asks again every {@link #HEADERS_RECHECK_MILLIS}.
     */
    private void watchHeaders(Upstream upstream, Request proxyRequest, Duration after, long delayMillis) {
        upstream.headersDeadline = getHttpClient().getScheduler().schedule(() -> {
            if (upstream.deadlineStopped || upstream.status != 0) {
                return;
            }
            // Asked when it fires: a candidate that could follow then (its breaker may have opened or closed since, or
            // the time bound passed) is worth cutting this attempt for; else it waits for its headers.
            if (upstream.plan.mayFollow(breakers)) {
                proxyRequest.abort(new HeadersTimeout(after));
            } else if (upstream.plan.mayEverFollow()) {
                watchHeaders(upstream, proxyRequest, after, Math.min(HEADERS_RECHECK_MILLIS, after.toMillis()));
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
        if (upstream.deadlineStopped) {
            // Stopped while this was being set: the new task is no one's to cancel.
            upstream.headersDeadline.cancel();
        }
    }

    @Override
    protected Response.Listener newProxyResponseListener(HttpServletRequest request, HttpServletResponse response) {
        return new AttemptListener(request, response, upstream(request));
    }

    /**
     * The response of one attempt. A status in {@code retry_on} with a next attempt possible is not passed on: the
     * attempt is abandoned (its response aborted, never a byte of it to the client) and the next one starts. The
     * events of an abandoned attempt are ignored.
     */
    private final class AttemptListener extends ProxyResponseListener {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final Upstream upstream;

        AttemptListener(HttpServletRequest request, HttpServletResponse response, Upstream upstream) {
            super(request, response);
            this.request = request;
            this.response = response;
            this.upstream = upstream;
        }

        @Override
        public void onBegin(Response serverResponse) {
            if (upstream.abandoned) {
                // Given up already (failed over after answering): another attempt owns the client's response.
                upstream.answering();
            } else if (retries(serverResponse.getStatus())) {
                // Failing over from here (onHeaders), or this error is the answer: no more looks at the connection.
                upstream.answering(response);
            } else {
                // The status is not the body: the client's connection is still watched until the body's first byte (a
                // stream's server may send its headers long before its first token), and the watch only reads it.
                super.onBegin(serverResponse);
            }
        }

        @Override
        public void onHeaders(Response serverResponse) {
            if (upstream.abandoned) {
                return;
            }
            upstream.stopDeadline();
            int status = serverResponse.getStatus();
            upstream.status = status;
            if (retries(status)) {
                upstream.failed();
                if (givenUp(request, response, upstream, status, failOver(request, response, upstream, status, null))) {
                    serverResponse.abort(new Abandoned());
                    return;
                }
                // The last attempt: its own error body is what the client gets.
                response.setStatus(status);
            } else if (status >= 400) {
                // An error it answered, a 4xx other than 429 included: the target works.
                upstream.succeeded();
            }
            // An answer's status: the target works once the answer ends whole, without an error in it (judged in
            // ended, onProxyResponseSuccess and onProxyResponseFailure), since a stream begun with 200 can still
            // break or say overloaded_error; a half-open probe at its first byte (onContent).
            answeredBy(response, upstream);
            super.onHeaders(serverResponse);
        }

        @Override
        public void onContent(Response serverResponse, Content.Chunk chunk, Runnable demander) {
            if (!upstream.abandoned) {
                if (!upstream.bodyStarted) {
                    upstream.answering(response);
                    upstream.bodyStarted = true;
                    if (upstream.start == null) {
                        probeStreamBegan(upstream);
                    }
                }
                super.onContent(serverResponse, chunk, demander);
            }
        }

        @Override
        public void onComplete(Result result) {
            upstream.stopDeadline();
            if (upstream.abandoned) {
                inFlight.remove(upstream.proxyRequest);
                return;
            }
            if (result.getResponseFailure() == null && result.getRequestFailure() != null) {
                // The upstream answered whole before it read the whole request (a 413, or an answer it needed no more
                // of the body for) and closed, so sending the rest failed: its answer stands (RFC 9112 section 9.5: a
                // client stops sending when the answer says the server will not take the rest). Taken for a failure,
                // it was passed on and then cut.
                super.onComplete(new Result(result.getRequest(), null, result.getResponse(), null));
                return;
            }
            super.onComplete(result);
        }

        private boolean retries(int status) {
            return upstream.exchange.config().failover().retries(status);
        }
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                           Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        upstream.status = serverResponse.getStatus();
        String type = serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE);
        upstream.sse = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        upstream.flushes = upstream.sse || (type != null && type.regionMatches(true, 0, "application/x-ndjson", 0, 20))
                || (upstream.exchange.body() != null && upstream.exchange.body().asksForStream());
        String refusal = refusal(serverResponse, upstream.provider);
        if (refusal != null) {
            // Not passed on, not even its headers: the client gets the gateway's 502, or the next candidate the request.
            upstream.refused = refusal;
            serverResponse.abort(new Refused(refusal));
            return;
        }
        upstream.usage = !upstream.readsUsage() ? null : UsageReader.forResponse(type,
                serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_ENCODING),
                serverResponse.getHeaders().getLongField(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH));
        copyServerHeaders(clientRequest, proxyResponse, serverResponse);
        int status = serverResponse.getStatus();
        if (status == 204 && proxyResponse.containsHeader("Content-Length")) {
            // A 204 has no body (RFC 9110 section 8.6 forbids the header on it), and Jetty's client reads none: a
            // length copied from an upstream that sent one anyway would fail the response as too short.
            proxyResponse.setHeader("Content-Length", null);
        }
        boolean body = status >= 200 && status != 204 && status != 304 && !"HEAD".equals(clientRequest.getMethod());
        if (body && status / 100 == 2 && BatchResultsUrls.applies(upstream.exchange.path()) && type != null
                && type.regionMatches(true, 0, "application/json", 0, 16)
                && serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_ENCODING) == null) {
            // Held whole and rewritten: its length is the rewritten one, set when it is written.
            upstream.held = new java.io.ByteArrayOutputStream();
            proxyResponse.setContentLengthLong(-1);
        }
        if (jetty && body && status / 100 == 2 && upstream.sse && upstream.usage != null && upstream.plan.mayEverFollow()) {
            // Held until its first block ends: a stream that begins with an error event can still go to the next
            // candidate (SPEC section 11: no byte of it reached the client). Its first event (a message_start, a first
            // chunk) comes at once, so the client waits for nothing it would have had sooner. Jetty only: Tomcat 10.1
            // cannot take back a header once set (setHeader(name, null) leaves it), and the answer's must go.
            upstream.start = new java.io.ByteArrayOutputStream();
        }
        if (jetty && body && upstream.held == null
                && serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH) == null
                && "HTTP/1.1".equals(clientRequest.getProtocol())) {
            // A body without a length would end at the connection's close when the client sent Connection: close,
            // and then a cut and a clean end look the same; chunked, only a complete body has the last-chunk.
            // Jetty only: Tomcat adds its own Transfer-Encoding to this one.
            proxyResponse.setHeader("Transfer-Encoding", "chunked");
        }
    }

    /**
     * What of an upstream's answer the gateway does not pass on, in words for the client's 502, or {@code null} for an
     * answer it passes on.
     */
    static String refusal(Response serverResponse, Provider provider) {
        int status = serverResponse.getStatus();
        if (status == 101) {
            return "101 Switching Protocols to an API request";
        }
        if (status >= 300 && status < 400 && status != 304) {
            // Followed by a client, a redirect would send its body, and its gateway key, wherever the upstream points.
            return "a redirect (" + status + "), which the gateway neither follows nor passes on; is providers."
                    + provider.name() + ".base_url right?";
        }
        if (status < 100 || status > 599) {
            return "the status " + status + ", which HTTP does not define";
        }
        if (status == 401) {
            // The credentials were the gateway's (a client's never go upstream), and the provider's message can quote
            // part of its key ("sk-proj-****abcd"): the client's SDK would say its own key was wrong.
            return "401: it refused the gateway's credentials for it; check providers." + provider.name() + ".api_key";
        }
        String firstType = null;
        for (org.eclipse.jetty.http.HttpField field : serverResponse.getHeaders()) {
            if (field.getHeader() != org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE) {
                continue;
            }
            String type = UsageReader.mediaType(field.getValue() == null ? "" : field.getValue());
            if (firstType == null) {
                firstType = type;
            } else if (!firstType.equals(type)) {
                // The gateway reads the first (a stream or not, its usage); clients read the last, or both joined.
                return "two different Content-Types (" + String.join(" and ", serverResponse.getHeaders()
                        .getValuesList(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE)) + ")";
            }
        }
        String coding = serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.TRANSFER_ENCODING);
        if (coding != null && !coding.strip().equalsIgnoreCase("chunked")) {
            // Jetty's client takes off the chunking only: "gzip, chunked" would reach the client as gzip bytes under
            // no Content-Encoding, a body that looks complete and is not what it says.
            return "the transfer coding '" + coding + "', which the gateway does not decode";
        }
        return null;
    }

    /** The upstream's answer is not passed on ({@link #refusal}). Stackless. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Skips an interim response (1xx but 100 and 101) and waits for the answer, as Jetty's own 102 handler does. */
    private static final class Interim extends org.eclipse.jetty.client.ProcessingProtocolHandler {
        @Override
        public String getName() {
            return "switchboard-interim";
        }

        @Override
        public boolean accept(Request request, Response response) {
            int status = response.getStatus();
            return status > 101 && status < 200;
        }
    }

    /**
     * Copies the upstream's response headers a client may see: its values exactly as sent (Jetty's own copy joined the
     * values it had split, which took the quotes off: {@code realm="a b", error="x"} became {@code realm=a b,error=x}),
     * without the hop-by-hop ones, those its {@code Connection} names (RFC 9110 section 7.6.1), and those
     * {@link #filterServerResponseHeader} keeps from the client.
     */
    private void copyServerHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                   Response serverResponse) {
        org.eclipse.jetty.http.HttpFields fields = serverResponse.getHeaders();
        Set<String> named = connectionNamed(fields);
        Set<String> copied = new java.util.HashSet<>();
        for (org.eclipse.jetty.http.HttpField field : fields) {
            if (!passesOn(clientRequest, serverResponse, field, named)) {
                continue;
            }
            String value = field.getValue() == null ? "" : field.getValue();
            if (copied.add(field.getLowerCaseName())) {
                // The first of a name replaces what the container set (a default Content-Type); the others add to it.
                proxyResponse.setHeader(field.getName(), value);
            } else if (field.getHeader() == org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE) {
                // The same media type again (two different ones are refused): the first, one field, as HTTP has it.
                continue;
            } else {
                proxyResponse.addHeader(field.getName(), value);
            }
        }
    }

    /** @return the header names (lower case) the response's {@code Connection} headers name; empty for none */
    private static Set<String> connectionNamed(org.eclipse.jetty.http.HttpFields fields) {
        List<String> tokens = fields.getCSV(org.eclipse.jetty.http.HttpHeader.CONNECTION, false);
        if (tokens.isEmpty()) {
            return Set.of();
        }
        Set<String> named = new java.util.HashSet<>();
        for (String token : tokens) {
            named.add(token.toLowerCase(Locale.ROOT));
        }
        return named;
    }

    private boolean passesOn(HttpServletRequest clientRequest, Response serverResponse, org.eclipse.jetty.http.HttpField field,
                             Set<String> connectionNamed) {
        String name = field.getLowerCaseName();
        return !HOP_HEADERS.contains(name) && !connectionNamed.contains(name)
                && filterServerResponseHeader(clientRequest, serverResponse, field) != null;
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse) {
        Upstream upstream = upstream(clientRequest);
        unlessContainerEnded(upstream, () -> answerSuccess(clientRequest, proxyResponse, serverResponse, upstream));
    }

    /**
     * Runs a hook of the proxy's on the request, unless Tomcat ended the request as its client left
     * ({@link ContainerEnded}): the exchange ended there, and the request and the response, recycled, are no longer
     * this attempt's to touch (also when Tomcat ends it while the hook runs).
     */
    private void unlessContainerEnded(Upstream upstream, Runnable hook) {
        if (upstream.containerEnded) {
            inFlight.remove(upstream.proxyRequest);
            upstream.released();
            return;
        }
        try {
            hook.run();
        } catch (IllegalStateException recycled) {
            if (jetty || !upstream.containerEnded) {
                throw recycled;
            }
            _log.debug("the container ended the request as its client left", recycled);
        }
    }

    private void answerSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                               Response serverResponse, Upstream upstream) {
        if (endedEarly(upstream)) {
            // The upstream ended its stream cleanly before the stream said it ended (no [DONE], message_stop or final
            // response event, no finish reason): passed on as an end, the client took half an answer for a whole one.
            answerFailure(clientRequest, proxyResponse, serverResponse, new EndedEarly(), upstream);
            return;
        }
        java.io.ByteArrayOutputStream start = upstream.start;
        if (start != null) {
            // A stream that ended within its first block, no error in it: passed on as it came.
            upstream.start = null;
            write(proxyResponse, upstream, start.toByteArray(), 0, start.size(), false, Callback.NOOP);
        }
        java.io.ByteArrayOutputStream held = upstream.held;
        if (held != null) {
            upstream.held = null;
            byte[] out = BatchResultsUrls.relativize(held.toByteArray(), upstream.provider.baseUrl());
            try {
                proxyResponse.setContentLength(out.length);
                proxyResponse.getOutputStream().write(out);
                upstream.sent(out, 0, out.length);
            } catch (IOException | RuntimeException e) {
                upstream.clientGone = true;
            }
        }
        upstream.answering(proxyResponse);
        inFlight.remove(upstream.proxyRequest);
        // A response without a body: its headers were the first bytes.
        upstream.exchange.recorder().firstByte();
        // An error read in the answer fails the target first (ended); else the answer ended whole.
        upstream.ended(serverResponse.getStatus(), null);
        upstream.succeeded();
        super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
    }

    /**
     * @param usable the candidates the caller may use, every one of them refused by its breaker
     * @return each once, with its breaker's state: "the circuit breaker of 'a/x' is open", "the circuit breakers of
     *     'a/x' (open) and 'b/y' (half-open, its one probe under way) let no request through"
     */
    private String breakersInTheWay(List<Candidate> usable) {
        Map<String, String> states = new java.util.LinkedHashMap<>();
        for (Candidate c : usable) {
            states.computeIfAbsent(c.qualified(), q -> breakers.state(q) == CircuitBreakers.State.HALF_OPEN
                    ? "half-open, its one probe under way" : "open");
        }
        if (states.size() == 1) {
            Map.Entry<String, String> only = states.entrySet().iterator().next();
            return "the circuit breaker of '" + only.getKey() + "' is " + only.getValue();
        }
        List<String> named = new ArrayList<>();
        states.forEach((q, state) -> named.add("'" + q + "' (" + state + ")"));
        return "the circuit breakers of " + String.join(", ", named.subList(0, named.size() - 1)) + " and "
                + named.get(named.size() - 1) + " let no request through";
    }

    /** The APIs whose streams say when they end (the events {@link UsageReader#endedEarly} reads). */
    private static final Set<String> ENDING_STREAMS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/responses",
            "/v1/messages");

    /**
     * @return whether a 2xx SSE answer of a chat, completions, Responses or Anthropic messages request, in that API's
     *     format or empty, ended before its stream said it did (another stream, one in a server's own format, an
     *     encoded one, or one whose usage is not read is not judged)
     */
    private static boolean endedEarly(Upstream upstream) {
        UsageReader reader = streamRead(upstream);
        return reader != null && ENDING_STREAMS.contains(upstream.exchange.path()) && reader.endedEarly();
    }

    /**
     * @return whether a 2xx SSE answer's own last event reached the client ({@link UsageReader#lastEventSeen}): the
     *     answer is whole, whatever became of the connection after it
     */
    private static boolean lastEventCame(Upstream upstream) {
        UsageReader reader = streamRead(upstream);
        return reader != null && reader.lastEventSeen();
    }

    /** @return the usage tap of a 2xx SSE answer, which knows how its stream ended, or {@code null} */
    private static UsageReader streamRead(Upstream upstream) {
        UsageReader reader = upstream.usage;
        return upstream.sse && upstream.status / 100 == 2 ? reader : null;
    }

    /** A stream the upstream ended cleanly before it said it ended ({@link #endedEarly}). */
    static final class EndedEarly extends IOException {
        EndedEarly() {
            super("the upstream ended the stream before its last event", null);
        }
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse, Throwable failure) {
        Upstream upstream = upstream(clientRequest);
        unlessContainerEnded(upstream,
                () -> answerFailure(clientRequest, proxyResponse, serverResponse, failure, upstream));
    }

    private void answerFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                               Response serverResponse, Throwable failure, Upstream upstream) {
        upstream.answering(proxyResponse);
        inFlight.remove(upstream.proxyRequest);
        upstream.shuttingDown = failure instanceof InFlight.ShuttingDown;
        if (causedBy(failure, RequestBodyGate.BodyTimeout.class)) {
            // The client's body stopped arriving while it was streamed upstream: the client's fault, a 408.
            upstream.clientBodyFailed = ApiError.REQUEST_TIMEOUT;
        } else if (ApiError.isHeldBodiesFull(failure)) {
            // The gateway did not take the rest of the body in: nobody's fault upstream, a 503.
            upstream.clientBodyFailed = ApiError.OVERLOADED;
        }
        upstream.malformed = malformed(failure);
        upstream.tls = tls(failure);
        int status = upstream.status;
        if (status != 0 && ApiError.isTimeout(failure) && heldByClient(upstream)) {
            // The provider's connection idled while the gateway waited on a client that paused its reading (it cannot
            // read the provider while it cannot write to the client): the client's timeout, not the provider's silence.
            upstream.clientGone = true;
        }
        // This gateway's own queue for the provider was full (its connections busy, as many requests waiting): the
        // request never left, so no target failed. Counted as one, a flood of slow requests opened healthy breakers.
        upstream.queueFull = queueFull(status, failure);
        boolean upstreamFault = upstream.clientBodyFailed == null && !upstream.shuttingDown && !upstream.clientGone
                && !upstream.queueFull;
        if (upstreamFault && proxyResponse.isCommitted() && serverResponse != null && !upstream.writing()
                && lastEventCame(upstream)) {
            // The stream's last event reached the client before the upstream broke (a close without the terminating
            // chunk, a reset, a silence after [DONE]): the answer is whole, and ends as one. Cut, the SDKs raised an
            // error over a complete answer, and a client that retried paid for it twice.
            answerSuccess(clientRequest, proxyResponse, serverResponse, upstream);
            return;
        }
        // The target failed (unless the request or the gateway did) when no headers came, or when an answer's headers
        // (2xx, 3xx) came and its body broke before any of it reached the client (none arrived, or what did is still in
        // the response's buffer: an answer that is not streamed is sent once the buffer fills or the answer ends), so
        // the next candidate can take the request (SPEC section 11: before any byte of the response reached the
        // client). A 4xx is never retried, whatever follows it. Otherwise the attempt was judged already (a retried or
        // an error status, a body that reached the client), or the client or the gateway ended it.
        boolean targetFailed = upstreamFault && (status == 0 || upstream.refused != null
                || status < 400 && (!upstream.bodyStarted || !proxyResponse.isCommitted() && !upstream.writing()));
        if (failure instanceof EndedEarly && upstream.bodyStarted) {
            // A clean end the stream did not announce, after some of it: a server that ends its streams so (a quirk)
            // would otherwise open its breaker, and take its other requests down with its streams. The client sees the
            // cut. A stream with nothing in it failed, as any answer that broke before its body (the next candidate).
            upstream.released();
        } else if (targetFailed || upstreamFault && status < 400 && !upstream.writing()) {
            // Also an answer that broke after its body began: the client got a cut answer from this target. Not
            // when a write to the client was under way: a failure told then may be the client's doing.
            upstream.failed();
        } else {
            upstream.released();
        }
        if (proxyResponse.isCommitted()) {
            cut(clientRequest, proxyResponse, upstream, failure);
            return;
        }
        // Nothing reached the client yet (headers and early bytes are still buffered): it gets an error of its own,
        // without the headers of the response that broke (they describe that body: its encoding, caching, cookies).
        if (status != 0 && serverResponse != null && upstream.refused == null) {
            forgetServerHeaders(clientRequest, proxyResponse, serverResponse);
        }
        ApiError why = upstream.clientBodyFailed != null ? upstream.clientBodyFailed
                : upstream.shuttingDown ? ApiError.SHUTTING_DOWN : upstream.queueFull ? ApiError.OVERLOADED
                : ApiError.forUpstream(ApiError.isTimeout(failure));
        if (targetFailed && failOver(clientRequest, proxyResponse, upstream, status, why.code())) {
            // Before any response byte: the next candidate takes the request (SPEC section 11).
            return;
        }
        if (upstream.clientGone) {
            // The client left before any of its answer (the client watch found its connection closed, and the upstream
            // call was aborted so that it stops generating, and billing, an answer nobody reads; or failOver's look
            // found it gone): nobody to answer, and the failure after it is nobody's to see.
            left(clientRequest, proxyResponse, upstream, status);
            return;
        }
        upstream.ended(status, why.code());
        super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
    }

    /**
     * @return whether an attempt failed because this gateway's own queue for the provider was full (Jetty's client
     *     refuses the request, "Max requests queued per destination 1024 exceeded"), before anything was sent
     */
    static boolean queueFull(int status, Throwable failure) {
        return status == 0 && cause(failure, RejectedExecutionException.class) != null;
    }

    /** The client left before any of its answer: the exchange ends as its leaving, with no status, and no answer. */
    private void left(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Upstream upstream, int status) {
        upstream.ended(status, Completion.CLIENT_DISCONNECTED);
        Recorder recorder = upstream.exchange.recorder();
        recorder.left();
        recorder.complete(0);
        abort(clientRequest, proxyResponse);
    }

    /**
     * Removes from a response not yet committed the headers {@link #onServerResponseHeaders} copied from the upstream's
     * (the ones {@link #filterServerResponseHeader} let through, which are never the gateway's own), and the chunking
     * set there.
     */
    private void forgetServerHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                     Response serverResponse) {
        Set<String> named = connectionNamed(serverResponse.getHeaders());
        for (org.eclipse.jetty.http.HttpField field : serverResponse.getHeaders()) {
            // Hop-by-hop headers are never copied, and the gateway may have set its own (Connection: close).
            if (passesOn(clientRequest, serverResponse, field, named)) {
                proxyResponse.setHeader(field.getName(), null);
            }
        }
        proxyResponse.setHeader("Transfer-Encoding", null);
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
        boolean lastWords = !upstream.clientGone && !upstream.writing();
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
     * channel, in Tomcat {@link TomcatAbort} closes it (no terminating chunk is written either way). Another
     * container has no way to abort through the Servlet API; there the response ends normally (SSE still carries the
     * error event).
     */
    private void abort(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        // Taken before the connection closes, for Tomcat: it may then recycle the request, and with discardFacades="false"
        // (not its default) hand the same facade to another request, whose async context this must never complete. The
        // context itself is made anew for each request, so a recycled one only refuses. Jetty's abort ends the request
        // itself: there the request is asked again afterwards.
        jakarta.servlet.AsyncContext async;
        try {
            async = clientRequest.isAsyncStarted() ? clientRequest.getAsyncContext() : null;
        } catch (IllegalStateException recycled) {
            // Tomcat ended the request already (its client left, or the webapp stops): nothing left to abort.
            _log.debug("the container ended the request before its abort", recycled);
            return;
        }
        boolean closed = false;
        try {
            closed = !jetty && TomcatAbort.abort(proxyResponse);
            if (!closed) {
                proxyResponse.sendError(-1);
            }
        } catch (IOException | RuntimeException e) {
            _log.debug("this container cannot abort a committed response", e);
        } finally {
            try {
                if (closed ? async != null : clientRequest.isAsyncStarted()) {
                    (closed ? async : clientRequest.getAsyncContext()).complete();
                }
            } catch (IllegalStateException recycled) {
                // Tomcat, once the connection closed, may have ended the request already (its facade says recycled).
                if (!closed) {
                    throw recycled;
                }
            }
        }
    }

    /**
     * Whether Jetty's client refused the upstream's response as not valid HTTP (its parser's {@code HttpException}, such
     * as "Response Header Bytes Too Large" past {@link #MAX_RESPONSE_HEADERS}), and why.
     *
     * @return the reason in parentheses, empty when the parser gave none, or {@code null} for any other failure
     */
    static String malformed(Throwable failure) {
        org.eclipse.jetty.http.HttpException e = cause(failure, org.eclipse.jetty.http.HttpException.class);
        if (e != null) {
            String reason = e.getReason();
            return reason == null || reason.isBlank() ? "" : " (" + reason + ")";
        }
        AssertionError a = cause(failure, AssertionError.class);
        StackTraceElement[] at = a == null ? new StackTraceElement[0] : a.getStackTrace();
        // With assertions on (-ea), Jetty's parser fails its own check on the response's 200 before it can say why.
        return at.length > 0 && at[0].getClassName().startsWith("org.eclipse.jetty.http.HttpException") ? "" : null;
    }

    /**
     * Why the TLS handshake with an upstream failed, in words an operator acts on ("unreachable" alone sent one looking
     * at the network): a certificate no CA of the JVM's trust store signed, an expired one, one for another host.
     *
     * @return the reason, or {@code null} when the failure was no failed handshake
     */
    static String tls(Throwable failure) {
        javax.net.ssl.SSLHandshakeException e = cause(failure, javax.net.ssl.SSLHandshakeException.class);
        if (e == null) {
            return null;
        }
        if (cause(e, java.security.cert.CertificateExpiredException.class) != null
                || cause(e, java.security.cert.CertificateNotYetValidException.class) != null) {
            return "its certificate has expired or is not valid yet";
        }
        if (cause(e, java.security.cert.CertPathBuilderException.class) != null) {
            return "its certificate is not signed by a CA this JVM trusts";
        }
        String why = e.getMessage() == null ? "" : e.getMessage();
        if (why.contains("subject alternative name") || why.contains("No name matching")) {
            return "its certificate does not name the host";
        }
        // Anything else (no common protocol or cipher, a certificate it could not parse): the TLS stack's words,
        // without the Java class names it puts in them.
        why = why.replaceAll("(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ", "").strip();
        return why.isEmpty() ? e.getClass().getSimpleName() : why.length() > 200 ? why.substring(0, 200) : why;
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        return cause(failure, type) != null;
    }

    /** @return the first of {@code failure}'s chain of causes (itself included, 16 deep) that is a {@code type}, or null */
    private static <T> T cause(Throwable failure, Class<T> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    @Override
    protected int proxyResponseStatus(Throwable failure) {
        return ApiError.isTimeout(failure) ? 504 : 502;
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest,
                                          HttpServletResponse proxyResponse, Throwable failure) {
        // The client's body failed while it was streamed upstream: its own fault, answered as such below.
        upstream(clientRequest).clientBodyFailed = ApiError.isHeldBodiesFull(failure) ? ApiError.OVERLOADED
                : ApiError.isTimeout(failure) ? ApiError.REQUEST_TIMEOUT : ApiError.INVALID_BODY;
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        Upstream upstream = upstream(clientRequest);
        try {
            if (!proxyResponse.isCommitted()) {
                ApiError row = upstream.clientBodyFailed;
                ErrorResponse error = row == ApiError.OVERLOADED ? row.with(ApiError.HeldBodiesFull.MESSAGE)
                        : row == ApiError.REQUEST_TIMEOUT ? row.with("the request body did not arrive in time")
                        : row == ApiError.INVALID_BODY ? row.with("the request body could not be read")
                        : upstream.shuttingDown ? ApiError.SHUTTING_DOWN.with()
                        : upstream.queueFull ? ApiError.OVERLOADED.with("provider " + upstream.provider.name() + " has as"
                                + " many requests from this gateway as it lets wait (" + MAX_CONNECTIONS + " connections, as"
                                + " many queued); retry in a moment")
                        : upstream.refused != null
                        ? ApiError.UPSTREAM_REFUSED.with("provider " + upstream.provider.name(), upstream.refused)
                        : upstream.malformed != null
                        ? ApiError.UPSTREAM_MALFORMED.with("provider " + upstream.provider.name(), upstream.malformed)
                        : upstream.tls != null && status != 504
                        ? ApiError.UPSTREAM_TLS.with("provider " + upstream.provider.name(), upstream.tls)
                        : (upstream.status != 0 ? ApiError.forCut(status == 504) : ApiError.forUpstream(status == 504))
                        .with("provider " + upstream.provider.name());
                proxyResponse.resetBuffer();
                proxyResponse.setIntHeader(ATTEMPTS_HEADER, upstream.plan.made());
                if (!upstream.chosen && upstream.candidate.model() != null) {
                    proxyResponse.setHeader(VirtualModelFilter.MODEL_HEADER, upstream.candidate.model());
                }
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
