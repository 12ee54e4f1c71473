package dev.switchboard.servlet;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ConfigLocation;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.ReloadSettings;
import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.observe.AccessLog;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.exchange.FeedbackSink;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.RequestIds;
import dev.switchboard.ops.Log;
import dev.switchboard.ops.Version;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Identification;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The Switchboard servlet filter (Jakarta Servlet 6): the front of the pipeline
 * {@code request -> caller -> resolver -> exchange -> handler -> (proxy) -> listeners}.
 *
 * <p>Every request gets an {@link Exchange} (request id in {@code X-Switchboard-Request-Id}), published
 * as the one request attribute {@link Exchange#ATTRIBUTE} for whoever routes after the filter. On the
 * model-carrying endpoints of SPEC section 3 it reads the body under the size cap, resolves the
 * top-level {@code model} for the caller (SPEC section 2), rejects with the errors of SPEC section 5,
 * or hands the next servlet a request whose body carries the upstream model (a byte-exact splice) and
 * whose length headers agree; on {@code GET /v1/models} it shapes the downstream list for the caller
 * (SPEC section 4). Every other request passes through untouched, with no buffering. Listeners hear
 * of every exchange ({@link ExchangeListener}); the filter reports the decision and the end, a proxy
 * behind it the attempts, first byte and usage.
 *
 * <p>Configuration, first that is set: the programmatic supplier given to a constructor; the filter
 * init-param {@code config}; the context init-param {@code switchboard.config}; the system property
 * {@code switchboard.config}; the environment variable {@code SWITCHBOARD_CONFIG}. A missing or invalid
 * file fails {@link #init} with every error listed.
 *
 * <p>Register with {@code asyncSupported=true}. Thread-safe.
 */
public final class VirtualModelFilter implements Filter {

    /**
     * The policy of every API answer, and of the admin API's: a sandbox without scripts, plugins, forms or loads of any
     * kind.
     */
    public static final String API_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

    /** Response header: the concrete model. */
    public static final String MODEL_HEADER = "X-Switchboard-Model";
    /** Response header: the redirect's source, when one applied. */
    public static final String VIRTUAL_MODEL_HEADER = "X-Switchboard-Virtual-Model";
    /** Filter init-param naming the config file. */
    public static final String CONFIG_INIT_PARAM = "config";

    private static final Log LOG = Log.get(VirtualModelFilter.class);
    /** Request header: the provider for a request without a model (SPEC section 15); never passed on. */
    public static final String PROVIDER_HEADER = "X-Switchboard-Provider";
    /** Filter init-param: {@code refuse} answers unknown paths 404 ({@link UnknownPaths}); default {@code pass}. */
    public static final String UNKNOWN_PATHS_INIT_PARAM = "unknown-paths";
    /** Headers never passed on: the provider choice, and the gateway keys when keys are required. */
    private static final Set<String> STREAM_HIDDEN = Set.of("x-switchboard-provider");
    private static final Set<String> STREAM_HIDDEN_WITH_KEYS = Set.of("x-switchboard-provider", "authorization", "x-api-key");
    /** A body the filter read (decoded) has no Content-Encoding and an exact length. */
    private static final Set<String> BODY_HIDDEN = Set.of("content-encoding", "transfer-encoding", "x-switchboard-provider");
    private static final Set<String> BODY_HIDDEN_WITH_KEYS = Set.of("content-encoding", "transfer-encoding",
            "x-switchboard-provider", "authorization", "x-api-key");

    /** What the filter does with a path none of the served APIs has (SPEC section 15, paths). */
    public enum UnknownPaths {
        /** The host app decides: passed on untouched (a {@code POST /v1/...} with a model is still checked). */
        PASS_TO_HOST,
        /** Answered 404 {@code unknown_path}, as the bundled proxy does: nothing unknown reaches an upstream. */
        REFUSE
    }

    private volatile Supplier<SwitchboardConfig> source;
    private volatile Picker picker;
    private final Listeners listeners;
    /** Who takes {@code POST /v1/feedback}; {@code null} when nobody does (the path is then not served). */
    private final FeedbackSink feedback;
    private volatile UnknownPaths unknownPaths = UnknownPaths.PASS_TO_HOST;
    /** Whether the servlet behind proxies realtime WebSockets ({@link #proxyingRealtime}). */
    private volatile boolean realtime;
    private volatile ModelRequestHandler models;
    private final ModelListHandler lists = new ModelListHandler();
    /** The live configuration this filter loaded from its init-param, stopped in {@link #destroy()}; else {@code null}. */
    private volatile LiveConfig owned;

    /** A filter configured from init-params, a system property or the environment (see the class doc). */
    public VirtualModelFilter() {
        this.picker = Picker.create();
        // Off unless the file asks for it (observability.access_log: true): the host app logs its own way.
        this.listeners = Listeners.of(List.of(new AccessLog(() -> this.source.get().observability().accessLogOr(false))));
        this.feedback = null;
        this.models = new ModelRequestHandler(picker);
    }

    /**
     * A filter for host applications that build or reload configuration themselves.
     *
     * @param source returns the current configuration; called once per request, must be fast and thread-safe
     */
    public VirtualModelFilter(Supplier<SwitchboardConfig> source) {
        this(source, Picker.create(), List.of());
    }

    /**
     * A filter with listeners, sharing a node's round-robin state with others (the admin API's
     * {@code resolve} peeks at it).
     *
     * @param source returns the current configuration; called once per request, must be fast and thread-safe
     * @param picker the node's round-robin state
     * @param listeners who hears of every exchange, in this order
     */
    public VirtualModelFilter(Supplier<SwitchboardConfig> source, Picker picker, List<? extends ExchangeListener> listeners) {
        this(source, picker, listeners, UnknownPaths.PASS_TO_HOST);
    }

    /**
     * A filter that also decides what happens to paths none of the served APIs has.
     *
     * @param source returns the current configuration; called once per request, must be fast and thread-safe
     * @param picker the node's round-robin state
     * @param listeners who hears of every exchange, in this order
     * @param unknownPaths what to do with unknown paths (the bundled proxy refuses them)
     */
    public VirtualModelFilter(Supplier<SwitchboardConfig> source, Picker picker, List<? extends ExchangeListener> listeners,
                              UnknownPaths unknownPaths) {
        this.unknownPaths = Objects.requireNonNull(unknownPaths, "unknownPaths");
        this.source = Objects.requireNonNull(source, "source");
        this.picker = Objects.requireNonNull(picker, "picker");
        List<ExchangeListener> all = new java.util.ArrayList<>(listeners);
        if (all.stream().noneMatch(AccessLog.class::isInstance)) {
            // Off unless the file asks for it (observability.access_log: true): the host app logs its own way.
            all.add(new AccessLog(() -> this.source.get().observability().accessLogOr(false)));
        }
        this.listeners = Listeners.of(all);
        // A listener that also takes scores (experiments) answers POST /v1/feedback.
        this.feedback = all.stream().filter(FeedbackSink.class::isInstance).map(FeedbackSink.class::cast).findFirst()
                .orElse(null);
        this.models = new ModelRequestHandler(picker);
    }

    /**
     * A filter over rules built in code, with default server settings ({@code max_request_bytes} 32 MiB).
     *
     * @param rules returns the current rules; called once per request
     * @return the filter
     */
    public static VirtualModelFilter ofRules(Supplier<Rules> rules) {
        Objects.requireNonNull(rules, "rules");
        return new VirtualModelFilter(() -> new SwitchboardConfig(ServerSettings.DEFAULT, rules.get(),
                AdminSettings.DEFAULT, ReloadSettings.DEFAULT, List.of()));
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String unknown = filterConfig.getInitParameter(UNKNOWN_PATHS_INIT_PARAM);
        if (unknown != null) {
            switch (unknown.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "refuse" -> unknownPaths = UnknownPaths.REFUSE;
                case "pass" -> unknownPaths = UnknownPaths.PASS_TO_HOST;
                default -> throw notStarted("init-param " + UNKNOWN_PATHS_INIT_PARAM + " must be refuse or pass, was '"
                        + unknown + "'", "");
            }
        }
        if (source != null) {
            return;
        }
        ConfigLocation location = ConfigLocation.find(ConfigLocation.Fallback.NONE,
                filterConfig.getInitParameter(CONFIG_INIT_PARAM),
                filterConfig.getServletContext().getInitParameter(ConfigLocation.PROPERTY));
        if (location == null) {
            throw notStarted("no configuration; set the filter init-param '" + CONFIG_INIT_PARAM
                    + "', the context parameter or system property '" + ConfigLocation.PROPERTY + "', or "
                    + ConfigLocation.ENV, "");
        }
        String path = location.path();
        // A webapp-relative path (/WEB-INF/switchboard.yaml) is read from the unpacked webapp.
        String real = path.startsWith("/WEB-INF/") ? filterConfig.getServletContext().getRealPath(path) : null;
        if (path.startsWith("/WEB-INF/") && real == null) {
            // Tomcat's unpackWARs="false" (or any container that serves the WAR as it is): no file to read and watch.
            throw notStarted("the config " + path + " is inside a webapp that is not unpacked (Tomcat: unpackWARs=\"false\"),"
                    + " so it is no file to read and watch; unpack the webapp, or name a config file outside it (the init-param '"
                    + CONFIG_INIT_PARAM + "', the context parameter or system property '" + ConfigLocation.PROPERTY + "')", "");
        }
        Path file = Path.of(real != null ? real : path);
        try {
            LiveConfig live = LiveConfig.load(file, new ConfigLoader());
            SwitchboardConfig config = live.get();
            config.warnings().forEach(w -> LOG.warn("{}: {}", path, w));
            LOG.info("Switchboard {} filter: {} virtual models from {} (hot-reloaded){}", Version.current(),
                    config.rules().virtualModels().size(), path, config.pendingStore() == null ? ""
                            : "; waiting for its admin store, every request refused until it is read");
            owned = live.start();
            // The node's rotation is the live config's, so an admin servlet over it explains what traffic does.
            picker = live.picker();
            models = new ModelRequestHandler(picker);
            source = live;
        } catch (InvalidConfigException e) {
            throw notStarted(e.headline(file), ":\n  " + String.join("\n  ", e.errors()));
        }
    }

    /**
     * An expected failure to start (the operator's set-up is wrong): said in the log Switchboard writes to, which is the
     * container's own (Tomcat's catalina.out, where the container itself logs only that a filter failed), then init
     * fails with it, without a stack trace.
     *
     * @param headline what is wrong, in one line
     * @param details more lines, each starting with a line break, or empty
     */
    private static ServletException notStarted(String headline, String details) {
        LOG.error("Switchboard {}: {}; the filter is not started{}", Version.current(), headline, details);
        ServletException failure = new ServletException("Switchboard: " + headline + details);
        failure.setStackTrace(new StackTraceElement[0]);
        return failure;
    }

    /**
     * Says that the servlet behind this filter proxies the realtime API's WebSockets (the bundled proxy does): a
     * {@code GET /v1/realtime} upgrade is then checked, its model decided, and passed on with the decided exchange
     * (whose end the servlet reports at the socket's close). Without it every realtime request is 501. Call before the
     * filter serves.
     *
     * @return this filter
     */
    public VirtualModelFilter proxyingRealtime() {
        realtime = true;
        return this;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = ModelListHandler.rawPath(request);
        Api.Match match = Api.lookup(path);
        Api.Route route = match == null ? null : match.route(request.getMethod());
        // The scan for '%' first: most paths have none, and underV1 decodes the path.
        boolean ambiguous = Paths.encodedDelimiter(path) && underV1(path);
        if (match == null && unknownPaths == UnknownPaths.PASS_TO_HOST && !scanned(request, path) && !ambiguous
                && !(source.get().rules().identity().keysRequired() && underV1(path))) {
            // Not an API path, not ours to judge: untouched, unbuffered, unwrapped. Under /v1/ a host app may proxy
            // to a provider with its own key: there a gateway key, when keys are configured, is required first.
            chain.doFilter(request, response);
            return;
        }
        if (match != null) {
            // An API answer is data, never a page: a browser that opens one (an upstream's file content served as HTML,
            // on the origin of the admin dashboard) must not run it or guess its type. The bundled proxy drops an
            // upstream's own policy, which would replace this one.
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("Content-Security-Policy", API_CSP);
        }
        Endpoint endpoint = match == null ? Endpoint.UNKNOWN : route == null ? Endpoint.OTHER : route.endpoint();
        SwitchboardConfig config = source.get();
        Identification who = Callers.identify(request, config.rules().identity());
        // Every value, joined as a proxy would: two of them name no provider (refused), never "the first wins".
        String named = HeaderValues.joined(request, PROVIDER_HEADER);
        Exchange exchange = start(request, response, config, endpoint,
                route == null ? path : match.path(request.getMethod()), who, named);

        Next next;
        try {
            next = handle(request, response, exchange, who, match, route, named, ambiguous);
        } catch (RuntimeException e) {
            // Our own bug must not become a container error page with a stack trace (SPEC section 5 shape).
            LOG.error("Switchboard filter failed on {} {}", request.getMethod(), endpoint, e);
            if (!response.isCommitted()) {
                Rejections.send(response, exchange, ApiError.INTERNAL_ERROR.with());
            }
            exchange.recorder().complete(response.getStatus());
            return;
        } catch (IOException e) {
            // The client left while it was being answered: the exchange still ends (its listeners, its log line).
            exchange.recorder().complete(response.getStatus());
            throw e;
        }
        if (next != null && match != null && !providerAllowed(next.exchange())) {
            // No model to check, but a provider account to reach: the policies on all its models decide. A body
            // read to look for a model leaves the connection fit for the next request.
            if (!(next.request() instanceof SwitchboardRequest r) || !r.bodyRead()) {
                Rejections.closeIfBodyUnread(request, response);
            }
            Rejections.refuse(response, next.exchange(), ApiError.PROVIDER_ACCESS_DENIED.with());
            next = null;
        }
        if (next == null) {
            exchange.recorder().complete(response.getStatus());
            return;
        }
        request.setAttribute(Exchange.ATTRIBUTE, next.exchange());
        boolean returned = false;
        try {
            // Outside the guard: what the next servlet throws is the host's business, not ours.
            chain.doFilter(next.request(), next.response());
            returned = true;
        } finally {
            jakarta.servlet.AsyncContext async = null;
            if (request.isAsyncStarted()) {
                try {
                    async = request.getAsyncContext();
                } catch (IllegalStateException aborted) {
                    // Jetty says "async started" of a request whose response was aborted without one (sendError(-1):
                    // the bundled proxy drops a request whose client left before it was sent), and has no context.
                    async = null;
                }
            }
            if (async != null) {
                async.addListener(new CompleteOnEnd(exchange, request, response));
            } else if (returned && Boolean.TRUE.equals(request.getAttribute(Exchange.ENDS_LATER))) {
                // A servlet that took the connection over (a realtime WebSocket) reports the exchange's end itself.
            } else {
                if (returned && next.after() != null) {
                    next.after().run();
                }
                exchange.recorder().complete(returned ? response.getStatus() : 500);
            }
        }
    }

    /**
     * Whether an unknown path's request is scanned anyway: a POST under {@code /v1/} may carry a top-level model, and
     * then it is checked like any other (SPEC section 15), whatever its Content-Type says. A form among them is read
     * by the host app from the held body ({@link HeldForm}).
     */
    private static boolean scanned(HttpServletRequest request, String path) {
        // The method sent, too: a method override made before this filter (a POST shown as a PUT) is checked and refused.
        // Any method with a body: a host's proxy may send a PUT on as it came, or turn a GET with a body into a POST
        // (HttpURLConnection does).
        return ("POST".equalsIgnoreCase(request.getMethod()) || "POST".equalsIgnoreCase(RequestChecks.sentMethod(request))
                || HeaderValues.hasBody(request)) && underV1(path);
    }

    /** Whether a path is under {@code /v1/}, however spelled: where the APIs' paths are, and a host's proxy to them. */
    private static boolean underV1(String path) {
        java.util.List<String> segments = Paths.segments(path);
        return segments != null && !segments.isEmpty() && segments.get(0).equalsIgnoreCase("v1");
    }

    /**
     * Request -> caller -> exchange: the request id, the one config snapshot, the caller and, for a
     * request without a model, where it goes.
     */
    private Exchange start(HttpServletRequest request, HttpServletResponse response, SwitchboardConfig config,
                           Endpoint endpoint, String path, Identification who, String named) {
        String id = RequestIds.of(request.getHeader(RequestIds.CLIENT_HEADER));
        response.setHeader(RequestIds.RESPONSE_HEADER, id);
        boolean anthropicSdk = request.getHeader("anthropic-version") != null;
        // Paths both APIs serve (models, files) go, and answer, as the SDK that calls: Anthropic's sends its version.
        boolean anthropic = Paths.anthropicPath(path) || anthropicSdk && (endpoint == Endpoint.MODELS
                || endpoint == Endpoint.MODEL || path.equals("/v1/files") || path.startsWith("/v1/files/"));
        // A request refused later goes nowhere after all: Rejections.send drops its route.
        List<Candidate> routes = endpoint == Endpoint.MODELS || endpoint == Endpoint.MODEL || endpoint == Endpoint.FEEDBACK
                ? List.of()
                : named == null || named.isBlank() ? Resolver.withoutModel(config.rules(), anthropic)
                : Resolver.toProvider(config.rules(), named.strip());
        // A path the gateway does not serve (an Anthropic API it does not proxy: /v1/skills) answers an Anthropic SDK in
        // its shape too, but keeps the route above: an unknown path is no Anthropic request to send the Anthropic key to.
        boolean anthropicShape = anthropic || anthropicSdk && endpoint == Endpoint.UNKNOWN;
        Exchange exchange = Exchange.start(id, request.getMethod(), endpoint,
                endpoint == Endpoint.MODEL ? Paths.MODELS_PATH : path, anthropicShape, config,
                who.ok() ? who.caller() : null, routes, listeners,
                request.getAttribute(Exchange.ARRIVED_NANOS) instanceof Long arrived ? arrived : null);
        request.setAttribute(Exchange.ATTRIBUTE, exchange);
        return exchange;
    }

    /**
     * @param ambiguous whether the path under /v1/ holds an encoded ';' or '%' ({@link Paths#encodedDelimiter})
     * @return what to forward, or {@code null} when the request was answered here
     */
    private Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange,
                        Identification who, Api.Match match, Api.Route route, String named, boolean ambiguous)
            throws IOException {
        boolean keys = exchange.config().rules().identity().keysRequired();
        Set<String> hidden = keys ? BODY_HIDDEN_WITH_KEYS : BODY_HIDDEN;
        Set<String> streamHidden = keys ? STREAM_HIDDEN_WITH_KEYS : STREAM_HIDDEN;
        if (ambiguous) {
            // Judged here as one path, mapped by the container or routed by an upstream as another.
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, ApiError.INVALID_REQUEST.with("an encoded ';' or '%' in a path under"
                    + " /v1/ (containers and upstreams read it differently); send the path as it is meant"));
            return null;
        }
        if (match == null && unknownPaths == UnknownPaths.REFUSE) {
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, ApiError.UNKNOWN_PATH.with());
            return null;
        }
        if (match != null && (route == null || (HeaderValues.hasBody(request) && isRead(request.getMethod())))) {
            // A method the API does not define here, or a read with a body an upstream might act on.
            Rejections.closeIfBodyUnread(request, response);
            response.setHeader("Allow", match.allow());
            Rejections.send(response, exchange, route == null ? ApiError.METHOD_NOT_ALLOWED.with(match.allow())
                    : ApiError.METHOD_NOT_ALLOWED.withStatus(405, "a " + request.getMethod() + " request with a body"
                    + " (an upstream may act on it); send it without one"));
            return null;
        }
        Api.Route effective = route != null ? route : new Api.Route(Api.Kind.MODEL_LESS, Api.OPTIONAL_MODEL);
        ErrorResponse refused = effective.kind() == Api.Kind.REALTIME_SOCKET && !realtime
                ? ApiError.REALTIME_NOT_SUPPORTED.with()
                : effective.kind() == Api.Kind.REALTIME_SOCKET ? RealtimeUpgrade.check(request)
                : RequestChecks.check(request, effective, match != null);
        if (refused == null && !who.ok()) {
            refused = ApiError.forIdentity(who.failure()).with(who.message());
        }
        if (refused == null && named != null && !named.isBlank() && exchange.candidates().isEmpty()
                && !effective.carriesModel() && effective.kind() != Api.Kind.MODELS && effective.kind() != Api.Kind.MODEL
                && effective.kind() != Api.Kind.FEEDBACK) {
            refused = ApiError.UNKNOWN_PROVIDER.with();
        }
        if (refused == null && exchange.config().pendingStore() != null) {
            // The node has not read its admin store since it started (a database down): without the store's rows it
            // knows neither their redirects nor their access policies, so it decides nothing (fail closed).
            response.setHeader("Retry-After", "5");
            refused = ApiError.STORE_UNAVAILABLE.with(exchange.config().pendingStore()
                    + "; this node has not read its rules since it started, retry in a moment");
        }
        if (refused != null) {
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, refused);
            return null;
        }
        return switch (effective.kind()) {
            case MODELS, MODEL -> lists.handle(request, response, exchange, match.modelId());
            case JSON, FORM, FILES -> models.handle(request, response, exchange, effective, hidden);
            case MODEL_LESS -> {
                if (match == null && ("POST".equalsIgnoreCase(request.getMethod()) || HeaderValues.hasBody(request))) {
                    // A path of the host app: its body is only scanned for a model, however it is spelled, whatever
                    // the method (a host's proxy may send a PUT on as it came, or a GET with a body as a POST).
                    yield models.handle(request, response, exchange, effective, hidden, true);
                }
                if (!"POST".equalsIgnoreCase(request.getMethod())) {
                    yield passOn(request, response, exchange, streamHidden);
                }
                if (!RequestChecks.multipart(request.getContentType())) {
                    yield models.handle(request, response, exchange, effective, hidden, false);
                }
                if (effective.takesForm()) {
                    // Upload parts are large, and their API has no model field: passed on unread (README "Known limits").
                    yield passOn(request, response, exchange, streamHidden);
                }
                Rejections.closeIfBodyUnread(request, response);
                Rejections.send(response, exchange, ApiError.INVALID_REQUEST.with("this endpoint takes a JSON body, not a form"));
                yield null;
            }
            case REALTIME_SOCKET -> RealtimeUpgrade.decide(request, response, exchange, picker);
            case FEEDBACK -> {
                FeedbackHandler.handle(request, response, exchange, feedback);
                yield null;
            }
        };
    }

    /**
     * @return whether a request that names no model may go where it goes: to a provider the caller may call at least
     *     one model of ({@link Resolver#providerAccess}); a request with a model was checked on that model
     */
    private static boolean providerAllowed(Exchange exchange) {
        if (exchange.decision() != null || exchange.candidates().isEmpty()) {
            return true;
        }
        String provider = exchange.candidates().get(0).provider();
        return provider == null || Resolver.providerAccess(exchange.config().rules(), provider,
                exchange.caller().userPath()) == Outcome.ALLOWED;
    }

    /** A model-less request passed on as it streams: unread, unbuffered. */
    private static Next passOn(HttpServletRequest request, HttpServletResponse response, Exchange exchange,
                               Set<String> streamHidden) {
        return new Next(new SwitchboardRequest(request, null, 0, streamHidden, null, response), response, exchange, null);
    }

    private static boolean isRead(String method) {
        return method.equalsIgnoreCase("GET") || method.equalsIgnoreCase("HEAD") || method.equalsIgnoreCase("DELETE");
    }

    /**
     * Ends an exchange whose response an async servlet finishes after the filter returned, unless the servlet took the
     * connection over in an async dispatch (a realtime WebSocket: it reports the exchange's end itself).
     */
    private static final class CompleteOnEnd implements AsyncListener {
        private final Exchange exchange;
        private final HttpServletRequest request;
        private final HttpServletResponse response;

        CompleteOnEnd(Exchange exchange, HttpServletRequest request, HttpServletResponse response) {
            this.exchange = exchange;
            this.request = request;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (!Boolean.TRUE.equals(request.getAttribute(Exchange.ENDS_LATER))) {
                exchange.recorder().complete(response.getStatus());
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            exchange.recorder().complete(response.getStatus());
        }

        @Override
        public void onError(AsyncEvent event) {
            exchange.recorder().complete(response.getStatus());
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    /** @return the live configuration this filter runs (configured by path), or {@code null} when given a supplier */
    public LiveConfig reloader() {
        return owned;
    }

    @Override
    public void destroy() {
        // Stop the watcher thread: a redeployed webapp must not leave it (and its class loader) behind.
        LiveConfig r = owned;
        owned = null;
        if (r != null) {
            r.close();
        }
    }

    /**
     * @param rawPath a request's path within its context, as sent
     * @return the methods the API defines there, as an {@code Allow} header lists them, or {@code null} for a path of
     *     no API (a container's own 405 names its own methods: the WAR's error page corrects them)
     */
    public static String allowedAt(String rawPath) {
        Api.Match match = Api.lookup(rawPath);
        return match == null ? null : match.allow();
    }
}
