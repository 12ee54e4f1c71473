package dev.switchboard.servlet;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ConfigLocation;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.ReloadSettings;
import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.RequestIds;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Identification;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** Response header: the concrete model. */
    public static final String MODEL_HEADER = "X-Switchboard-Model";
    /** Response header: the redirect's source, when one applied. */
    public static final String VIRTUAL_MODEL_HEADER = "X-Switchboard-Virtual-Model";
    /** Filter init-param naming the config file. */
    public static final String CONFIG_INIT_PARAM = "config";

    private static final Logger LOG = LoggerFactory.getLogger(VirtualModelFilter.class);
    private static final Set<String> KEY_HEADERS = Set.of("authorization", "x-api-key");

    private volatile Supplier<SwitchboardConfig> source;
    private volatile Picker picker;
    private final Listeners listeners;
    private volatile ModelRequestHandler models;
    private final ModelListHandler lists = new ModelListHandler();
    /** The live configuration this filter loaded from its init-param, stopped in {@link #destroy()}; else {@code null}. */
    private volatile LiveConfig owned;

    /** A filter configured from init-params, a system property or the environment (see the class doc). */
    public VirtualModelFilter() {
        this.picker = Picker.create();
        this.listeners = Listeners.NONE;
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
        this.source = Objects.requireNonNull(source, "source");
        this.picker = Objects.requireNonNull(picker, "picker");
        this.listeners = Listeners.of(listeners);
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
        if (source != null) {
            return;
        }
        ConfigLocation location = ConfigLocation.find(ConfigLocation.Fallback.NONE,
                filterConfig.getInitParameter(CONFIG_INIT_PARAM),
                filterConfig.getServletContext().getInitParameter(ConfigLocation.PROPERTY));
        if (location == null) {
            throw new ServletException("Switchboard: no configuration; set the filter init-param '" + CONFIG_INIT_PARAM
                    + "', the context parameter or system property '" + ConfigLocation.PROPERTY + "', or "
                    + ConfigLocation.ENV);
        }
        String path = location.path();
        // A webapp-relative path (/WEB-INF/switchboard.yaml) is read from the unpacked webapp.
        String real = path.startsWith("/WEB-INF/") ? filterConfig.getServletContext().getRealPath(path) : null;
        Path file = Path.of(real != null ? real : path);
        try {
            LiveConfig live = LiveConfig.load(file, new ConfigLoader());
            SwitchboardConfig config = live.get();
            config.warnings().forEach(w -> LOG.warn("{}: {}", path, w));
            LOG.info("Switchboard filter: {} virtual models from {} (hot-reloaded)", config.rules().virtualModels().size(), path);
            owned = live.start();
            // The node's rotation is the live config's, so an admin servlet over it explains what traffic does.
            picker = live.picker();
            models = new ModelRequestHandler(picker);
            source = live;
        } catch (InvalidConfigException e) {
            throw new ServletException("Switchboard: invalid configuration " + file + ":\n" + e.getMessage());
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = ModelListHandler.rawPath(request);
        Endpoint endpoint = Paths.classify(request.getMethod(), path);
        SwitchboardConfig config = source.get();
        Identification who = Callers.identify(request, config.rules().identity());
        Exchange exchange = start(request, response, config, endpoint, path, who);

        Next next;
        try {
            next = handle(request, response, exchange, who);
        } catch (RuntimeException e) {
            // Our own bug must not become a container error page with a stack trace (SPEC section 5 shape).
            LOG.error("Switchboard filter failed on {} {}", request.getMethod(), endpoint, e);
            if (!response.isCommitted()) {
                Rejections.send(response, exchange, ApiError.INTERNAL_ERROR.with());
            }
            exchange.recorder().complete(response.getStatus());
            return;
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
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new CompleteOnEnd(exchange, response));
            } else {
                if (returned && next.after() != null) {
                    next.after().run();
                }
                exchange.recorder().complete(returned ? response.getStatus() : 500);
            }
        }
    }

    /**
     * Request -> caller -> exchange: the request id, the one config snapshot, the caller and, for a
     * request without a model, where it goes.
     */
    private Exchange start(HttpServletRequest request, HttpServletResponse response, SwitchboardConfig config,
                           Endpoint endpoint, String path, Identification who) {
        String id = RequestIds.of(request.getHeader(RequestIds.CLIENT_HEADER));
        response.setHeader(RequestIds.RESPONSE_HEADER, id);
        boolean anthropic = Paths.anthropicPath(path)
                || ((endpoint == Endpoint.MODELS || endpoint == Endpoint.MODEL) && request.getHeader("anthropic-version") != null);
        String canonical = endpoint == Endpoint.OTHER ? path
                : endpoint == Endpoint.MODEL ? Paths.MODELS_PATH : Paths.normalize(path);
        List<Candidate> routes = endpoint == Endpoint.OTHER ? Resolver.withoutModel(config.rules()) : List.of();
        Exchange exchange = Exchange.start(id, request.getMethod(), endpoint, canonical, anthropic, config,
                who.ok() ? who.caller() : null, routes, listeners);
        request.setAttribute(Exchange.ATTRIBUTE, exchange);
        return exchange;
    }

    /** @return what to forward, or {@code null} when the request was answered here */
    private Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange,
                        Identification who) throws IOException {
        boolean keys = exchange.config().rules().identity().keysRequired();
        if (exchange.endpoint() == Endpoint.OTHER && !keys) {
            // Not ours to judge: untouched, unbuffered, unwrapped.
            return new Next(request, response, exchange, null);
        }
        if (!who.ok()) {
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, ApiError.forIdentity(who.failure()).with(who.message()));
            return null;
        }
        return switch (exchange.endpoint()) {
            case OTHER -> new Next(new SwitchboardRequest(request, null, 0, KEY_HEADERS, null, response), response,
                    exchange, null);
            case MODELS, MODEL -> lists.handle(request, response, exchange);
            case JSON_MODEL, MULTIPART_MODEL -> models.handle(request, response, exchange);
        };
    }

    /** Ends an exchange whose response an async servlet finishes after the filter returned. */
    private static final class CompleteOnEnd implements AsyncListener {
        private final Exchange exchange;
        private final HttpServletResponse response;

        CompleteOnEnd(Exchange exchange, HttpServletResponse response) {
            this.exchange = exchange;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            exchange.recorder().complete(response.getStatus());
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
}
