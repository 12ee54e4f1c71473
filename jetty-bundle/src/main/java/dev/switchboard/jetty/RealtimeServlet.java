package dev.switchboard.jetty;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.ProviderType;
import dev.switchboard.servlet.RealtimeEvents;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServerContainer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realtime API's WebSocket ({@code GET /v1/realtime?model=M}, SPEC section 15), behind the filter, which checked
 * the upgrade and decided its model: opens the socket to the provider first ({@code ?model=} and the concrete name,
 * the provider's key, the client's {@code OpenAI-Beta} and {@code User-Agent}, nothing else of the client's), trying
 * the decision's candidates this caller may use in turn while they cannot be reached (at most
 * {@code failover.max_attempts}), then takes the client's connection over and relays
 * ({@link RealtimeRelay}). What goes wrong before the upgrade is an answer in SPEC 5 shape, as for any request; the
 * exchange ends at the socket's close, with the usage of every response the provider reported.
 */
final class RealtimeServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(RealtimeServlet.class);

    /** Subprotocols a client may offer that go on: the realtime API's own names, never one carrying a key. */
    private static final List<String> SUBPROTOCOLS = List.of("realtime", "openai-beta.realtime-v1");

    /** The request attribute that carries the provider's open socket to the dispatch that upgrades the client. */
    private static final String OPENED = RealtimeServlet.class.getName() + ".opened";

    private static final ErrorResponse SHUTTING_DOWN = new ErrorResponse(503, "api_error", "shutting_down",
            "the gateway is shutting down; reconnect in a moment", null);

    private final Supplier<SwitchboardConfig> live;
    private final Picker picker;
    private final InFlight inFlight;
    private HttpClient http;
    private WebSocketClient client;

    /**
     * @param live the rules in force, by which every event of an open socket is judged
     * @param picker the node's rotation, for a virtual model an event names
     * @param inFlight where open sockets are kept, for a stop to close them
     */
    RealtimeServlet(Supplier<SwitchboardConfig> live, Picker picker, InFlight inFlight) {
        this.live = live;
        this.picker = picker;
        this.inFlight = inFlight;
    }

    /**
     * @return the WebSocket client to providers, started at the first socket: a gateway that serves none has neither
     *     its client nor its threads
     */
    private synchronized WebSocketClient client() throws ServletException {
        if (client == null) {
            // A client of its own: the proxy's skips every 1xx answer (101 included) and is tuned for exchanges.
            HttpClient http = new HttpClient();
            GatewayProxyServlet.forProviders(http, GatewayProxyServlet.MAX_RESPONSE_HEADERS);
            if (getServletContext().getAttribute("org.eclipse.jetty.server.Executor") instanceof Executor pool) {
                // The server's threads, as the proxy's client uses them: no pool of its own.
                http.setExecutor(pool);
            }
            WebSocketClient ws = new WebSocketClient(http);
            try {
                http.start();
                ws.start();
            } catch (Exception e) {
                throw new ServletException("the realtime WebSocket client did not start", e);
            }
            this.http = http;
            client = ws;
        }
        return client;
    }

    @Override
    public synchronized void destroy() {
        WebSocketClient ws = client;
        client = null;
        try {
            if (ws != null) {
                ws.stop();
            }
            if (http != null) {
                http.stop();
            }
        } catch (Exception e) {
            LOG.warn("Switchboard: stopping the realtime WebSocket client failed", e);
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException {
        if (!(request.getAttribute(Exchange.ATTRIBUTE) instanceof Exchange exchange)
                || (exchange.decision() == null && !(request.getAttribute(RealtimeEvents.CALL_ID) instanceof String)
                && request.getAttribute(RealtimeEvents.TRANSCRIPTION) == null)) {
            // Not through the filter: nothing was checked, so nothing is opened.
            ApiError.INTERNAL_ERROR.with().send(response, false);
            LOG.error("Switchboard: a realtime upgrade reached the proxy without the filter's decision");
            return;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            // The provider's socket is open: the client's connection is upgraded on this dispatch.
            Opened opened = (Opened) request.getAttribute(OPENED);
            request.removeAttribute(OPENED);
            upgrade(request, response, exchange, opened);
            return;
        }
        if (inFlight.closingSockets()) {
            // The gateway is stopping: its open sockets are being closed, so no new one is opened.
            reject(response, exchange, SHUTTING_DOWN);
            return;
        }
        WebSocketClient client = client();
        // No thread waits for a provider: the tries go on in the client's callbacks, and the upgrade is dispatched.
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(0);
        new Tries(exchange, request, response, async, client).next();
    }

    /** A provider's socket, open, waiting for the client's upgrade. */
    private record Opened(RealtimeRelay relay, Session upstream) {
    }

    /**
     * One upgrade's tries: the decision's candidates this caller may use, in turn, while their provider cannot be
     * reached (at most {@code failover.max_attempts}), each in the WebSocket client's callbacks.
     */
    private final class Tries {
        private final Exchange exchange;
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final AsyncContext async;
        private final WebSocketClient client;
        private final Iterator<Candidate> candidates;
        private final int maxAttempts;
        private final int max;
        private final Duration idle;
        private final Duration connectTimeout;
        private int attempts;
        private ErrorResponse failure;

        Tries(Exchange exchange, HttpServletRequest request, HttpServletResponse response, AsyncContext async,
              WebSocketClient client) {
            this.exchange = exchange;
            this.request = request;
            this.response = response;
            this.async = async;
            this.client = client;
            this.candidates = exchange.candidates().iterator();
            this.maxAttempts = Math.max(1, exchange.config().failover().maxAttempts());
            this.max = exchange.config().server().maxRequestBytes();
            this.idle = exchange.config().server().upstreamIdleTimeout();
            this.connectTimeout = exchange.config().server().upstreamConnectTimeout();
        }

        /** Opens the next candidate's socket, or answers the failure when none is left. */
        void next() {
            while (candidates.hasNext()) {
                Candidate candidate = candidates.next();
                if (!candidate.allowed()) {
                    // A target or fallback this caller may not use is never opened (SPEC section 11), as for HTTP.
                    continue;
                }
                if (attempts >= maxAttempts) {
                    break;
                }
                Provider provider = exchange.config().rules().providers().get(candidate.provider());
                if (provider == null) {
                    failure = ApiError.MODEL_NOT_FOUND.with(candidate.model());
                    continue;
                }
                if (!provider.configured()) {
                    failure = ApiError.PROVIDER_UNAVAILABLE.with(provider.name());
                    continue;
                }
                if (provider.type() == ProviderType.ANTHROPIC || provider.type() == ProviderType.ECHO) {
                    failure = new ErrorResponse(501, "api_error", "not_implemented", "provider " + provider.name() + " ("
                            + provider.type().name().toLowerCase(Locale.ROOT) + ") has no realtime API", null);
                    continue;
                }
                attempts++;
                if (open(candidate, provider)) {
                    return;
                }
            }
            answer(failure != null ? failure : ApiError.NO_DEFAULT_PROVIDER.with());
        }

        /** @return whether the attempt is under way (it goes on in its callback), else it failed at once */
        private boolean open(Candidate candidate, Provider provider) {
            RealtimeRelay relay = new RealtimeRelay(exchange, candidate,
                    new RealtimeEvents(exchange, request, candidate, live, picker, max), max, idle, inFlight);
            long started = System.nanoTime();
            int number = exchange.recorder().nextAttemptNumber();
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest(upstreamUri(provider, candidate, exchange.path(),
                    (String) request.getAttribute(RealtimeEvents.CALL_ID),
                    request.getAttribute(RealtimeEvents.TRANSCRIPTION) != null));
            upstreamHeaders(provider, request, upgrade);
            client.setConnectTimeout(connectTimeout.toMillis());
            CompletableFuture<Session> opening;
            try {
                opening = client.connect(relay.upstreamSide(), upgrade);
            } catch (IOException | RuntimeException e) {
                // Jetty's client refused to start the connection (an address it cannot use): said, and the next one.
                LOG.warn("Switchboard: the realtime socket to provider {} could not be opened", provider.name(), e);
                exchange.recorder().attempt(new Attempt(number, candidate, 0, "upstream_unavailable",
                        System.nanoTime() - started));
                failure = ApiError.UPSTREAM_UNAVAILABLE.with(provider.name());
                return false;
            }
            // The connect and the provider's answer to the upgrade, both bounded: given up on, the attempt is cancelled
            // (a socket that opens after all is closed: the relay was abandoned).
            // Settled once: by the answer (success or failure) or by the timer, whichever comes first.
            AtomicBoolean settled = new AtomicBoolean();
            Scheduler.Task timer = http.getScheduler().schedule(() -> {
                if (settled.compareAndSet(false, true)) {
                    relay.abandon();
                    opening.cancel(true);
                }
            }, connectTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            opening.whenComplete((session, thrown) -> {
                timer.cancel();
                boolean answered = settled.compareAndSet(false, true);
                if (session != null && answered) {
                    exchange.recorder().attempt(new Attempt(number, candidate, 101, null, System.nanoTime() - started));
                    request.setAttribute(OPENED, new Opened(relay, session));
                    try {
                        async.dispatch();
                    } catch (IllegalStateException e) {
                        // The client's request is over (it left): nothing to upgrade.
                        relay.abandon();
                        session.close(StatusCode.SHUTDOWN, "the client left", Callback.NOOP);
                    }
                    return;
                }
                if (session != null) {
                    session.close(StatusCode.SHUTDOWN, "given up on", Callback.NOOP);
                }
                Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause()
                        : thrown;
                int status = cause instanceof UpgradeException u ? u.getResponseStatusCode() : 0;
                exchange.recorder().attempt(new Attempt(number, candidate, status, status == 0 ? "upstream_unavailable"
                        : "upstream_refused", System.nanoTime() - started));
                // Not answered first: the timer settled it, so the provider was given up on.
                failure = status == 0 ? (!answered ? ApiError.UPSTREAM_TIMEOUT.with(provider.name())
                        : ApiError.UPSTREAM_UNAVAILABLE.with(provider.name()))
                        : ApiError.UPSTREAM_REFUSED.with(provider.name(), "the WebSocket upgrade with HTTP " + status);
                if (status >= 400 && status < 500 && status != 408 && status != 429) {
                    answer(failure);
                } else {
                    next();
                }
            });
            return true;
        }

        /** Answers the client (its exchange ends with the async request: the filter's listener). */
        private void answer(ErrorResponse error) {
            try {
                reject(response, exchange, error);
            } catch (IOException | RuntimeException e) {
                LOG.debug("the realtime client left before its answer", e);
            }
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // The client left while its socket was being opened: its request ended then (the filter's listener).
                LOG.debug("the realtime request was over before its answer", e);
            }
        }
    }

    /** Upgrades the client's connection to the relay of a provider's socket already open. */
    private void upgrade(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Opened opened)
            throws IOException {
        RealtimeRelay relay = opened.relay();
        Session upstream = opened.upstream();
        if (inFlight.closingSockets()) {
            // The stop began while the provider's socket opened: it is closed, and the client told to reconnect.
            relay.abandon();
            upstream.close(StatusCode.SHUTDOWN, "the gateway is shutting down", Callback.NOOP);
            reject(response, exchange, SHUTTING_DOWN);
            return;
        }
        String accepted = upstream.getUpgradeResponse().getAcceptedSubProtocol();
        request.setAttribute(Exchange.ENDS_LATER, Boolean.TRUE);
        boolean upgraded;
        try {
            upgraded = JettyWebSocketServerContainer.getContainer(getServletContext()).upgrade((req, res) -> {
                if (accepted != null && req.getSubProtocols().contains(accepted)) {
                    res.setAcceptedSubProtocol(accepted);
                }
                return relay.clientSide();
            }, request, response);
        } catch (IOException | RuntimeException e) {
            upgraded = false;
        }
        if (!upgraded) {
            request.removeAttribute(Exchange.ENDS_LATER);
            relay.abandon();
            if (response.isCommitted()) {
                // The 101 went out, but the client's connection did not take it (it left meanwhile).
                exchange.recorder().cut(Completion.CLIENT_DISCONNECTED);
                upstream.close(StatusCode.SHUTDOWN, "the client left", Callback.NOOP);
            } else {
                upstream.close();
                reject(response, exchange, ApiError.INVALID_REQUEST.with("not a valid WebSocket upgrade"));
            }
        }
    }

    private static void reject(HttpServletResponse response, Exchange exchange, ErrorResponse error) throws IOException {
        exchange.recorder().error(error);
        error.send(response, exchange.anthropic());
    }

    /**
     * The provider's socket: its base URL as a WebSocket address, the API's path ({@code /v1/realtime} or
     * {@code /v1/realtime/translations}) and the concrete model (or a SIP call's id), nothing else.
     */
    static URI upstreamUri(Provider provider, Candidate candidate, String path, String callId, boolean transcription) {
        String base = provider.baseUrl();
        String ws = base.regionMatches(true, 0, "https:", 0, 6) ? "wss:" + base.substring(6)
                : base.regionMatches(true, 0, "http:", 0, 5) ? "ws:" + base.substring(5) : base;
        String model = candidate.model() == null ? null
                : "model=" + URLEncoder.encode(candidate.upstreamModel(), StandardCharsets.UTF_8);
        String query = callId != null ? "call_id=" + URLEncoder.encode(callId, StandardCharsets.UTF_8)
                : transcription ? "intent=transcription" + (model != null ? "&" + model : "") : model;
        return URI.create(ws + path + "?" + query);
    }

    private static void upstreamHeaders(Provider provider, HttpServletRequest request, ClientUpgradeRequest upgrade) {
        // The realtime API is OpenAI's: the Anthropic type never gets here.
        ProviderHeaders.forEach(provider, null, upgrade::setHeader);
        for (String name : List.of("OpenAI-Beta", "User-Agent")) {
            String value = request.getHeader(name);
            if (value != null && upgrade.getHeader(name) == null) {
                upgrade.setHeader(name, value);
            }
        }
        List<String> offered = new ArrayList<>();
        Enumeration<String> values = request.getHeaders("Sec-WebSocket-Protocol");
        while (values != null && values.hasMoreElements()) {
            for (String p : values.nextElement().split(",")) {
                String name = p.strip();
                if (SUBPROTOCOLS.contains(name) && !offered.contains(name)) {
                    offered.add(name);
                }
            }
        }
        if (!offered.isEmpty()) {
            upgrade.setSubProtocols(offered);
        }
    }
}
