package dev.switchboard.servlet;

import dev.switchboard.body.BodyReader;
import dev.switchboard.body.JsonModelLocator;
import dev.switchboard.body.ModelField;
import dev.switchboard.body.MultipartModelLocator;
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
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Identification;
import dev.switchboard.rules.Identity;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Switchboard servlet filter (Jakarta Servlet 6): on the model-carrying endpoints of SPEC
 * section 3 it reads the body under the size cap, resolves the top-level {@code model} for the caller
 * (SPEC section 2), rejects with the errors of SPEC section 5, or hands the next servlet a request
 * whose body carries the upstream model (a byte-exact splice) and whose length headers agree; on
 * {@code GET /v1/models} it shapes the downstream list for the caller (SPEC section 4). Every other
 * request passes through untouched, with no buffering.
 *
 * <p>Configuration, first that is set: the programmatic supplier given to a constructor; the filter
 * init-param {@code config}; the context init-param {@code switchboard.config}; the system property
 * {@code switchboard.config}; the environment variable {@code SWITCHBOARD_CONFIG}. A missing or invalid
 * file fails {@link #init} with every error listed.
 *
 * <p>Register with {@code asyncSupported=true}. For a proxy servlet behind it, the decision is
 * published as the request attribute {@link #DECISION_ATTRIBUTE} ({@link Decision}), the caller as
 * {@link #CALLER_ATTRIBUTE} ({@link Caller}) and the exact body to forward as {@link #BODY_ATTRIBUTE}
 * ({@code byte[]}). Thread-safe.
 */
public final class VirtualModelFilter implements Filter {

    /** Request attribute holding the {@link Decision} of a model-carrying request. */
    public static final String DECISION_ATTRIBUTE = "dev.switchboard.decision";
    /** Request attribute holding the {@link Caller} of a handled request. */
    public static final String CALLER_ATTRIBUTE = "dev.switchboard.caller";
    /** Request attribute holding the rewritten body ({@code byte[]}, exactly its length). */
    public static final String BODY_ATTRIBUTE = "dev.switchboard.body";
    /** Request attribute holding the {@link SwitchboardConfig} snapshot this request was decided with. */
    public static final String CONFIG_ATTRIBUTE = "dev.switchboard.config";
    /** Request attribute holding the canonical path of a handled endpoint ({@code /v1/chat/completions}). */
    public static final String PATH_ATTRIBUTE = "dev.switchboard.path";
    /** Response header: the concrete model. */
    public static final String MODEL_HEADER = "X-Switchboard-Model";
    /** Response header: the redirect's source, when one applied. */
    public static final String VIRTUAL_MODEL_HEADER = "X-Switchboard-Virtual-Model";
    /** Filter init-param naming the config file. */
    public static final String CONFIG_INIT_PARAM = "config";

    /** The largest {@code /v1/models} response this filter transforms. */
    static final int MAX_MODELS_RESPONSE_BYTES = 16 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(VirtualModelFilter.class);
    private static final Set<String> BODY_HEADERS = Set.of("content-encoding", "transfer-encoding");
    private static final Set<String> BODY_AND_KEY_HEADERS =
            Set.of("content-encoding", "transfer-encoding", "authorization", "x-api-key");
    private static final Set<String> KEY_HEADERS = Set.of("authorization", "x-api-key");
    private static final Set<String> MODELS_HEADERS = Set.of("accept-encoding");
    private static final Set<String> MODELS_AND_KEY_HEADERS = Set.of("accept-encoding", "authorization", "x-api-key");

    private volatile Supplier<SwitchboardConfig> source;
    private volatile Parsers parsers;
    private final Picker picker = Picker.create();
    /** The live configuration this filter loaded from its init-param, stopped in {@link #destroy()}; else {@code null}. */
    private volatile LiveConfig owned;

    /** A filter configured from init-params, a system property or the environment (see the class doc). */
    public VirtualModelFilter() {
    }

    /**
     * A filter for host applications that build or reload configuration themselves.
     *
     * @param source returns the current configuration; called once per request, must be fast and thread-safe
     */
    public VirtualModelFilter(Supplier<SwitchboardConfig> source) {
        this.source = Objects.requireNonNull(source, "source");
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
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String path = context.isEmpty() || !uri.startsWith(context) ? uri : uri.substring(context.length());
        Endpoint endpoint = Endpoint.classify(request.getMethod(), path);
        SwitchboardConfig config = source.get();
        if (endpoint == Endpoint.OTHER && !config.rules().identity().keysRequired()) {
            chain.doFilter(request, response);
            return;
        }

        Next next;
        try {
            next = handle(request, response, config, endpoint, path);
        } catch (RuntimeException e) {
            // Our own bug must not become a container error page with a stack trace (SPEC section 5 shape).
            LOG.error("Switchboard filter failed on {} {}", request.getMethod(), endpoint, e);
            if (!response.isCommitted()) {
                ApiError.INTERNAL_ERROR.with().send(response, Endpoint.anthropicPath(path));
            }
            return;
        }
        if (next == null) {
            return;
        }
        // Outside the guard: what the next servlet throws is the host's business, not ours.
        chain.doFilter(next.request(), next.response());
        if (next.after() != null && !request.isAsyncStarted()) {
            next.after().run();
        }
    }

    /** What to hand the rest of the chain, and what to run once it returns synchronously. */
    private record Next(ServletRequest request, ServletResponse response, Runnable after) {
    }

    /** @return what to forward, or {@code null} when the request was answered here */
    private Next handle(HttpServletRequest request, HttpServletResponse response, SwitchboardConfig config,
                        Endpoint endpoint, String path) throws IOException {
        Identity identity = config.rules().identity();
        boolean anthropic = Endpoint.anthropicPath(path)
                || (endpoint != Endpoint.JSON_MODEL && endpoint != Endpoint.MULTIPART_MODEL
                && endpoint != Endpoint.OTHER && request.getHeader("anthropic-version") != null);
        Identification who = identify(request, identity);
        if (!who.ok()) {
            closeIfBodyUnread(request, response);
            reject(response, anthropic, ApiError.forIdentity(who.failure()).with(who.message()));
            return null;
        }
        Caller caller = who.caller();
        request.setAttribute(CALLER_ATTRIBUTE, caller);
        // One snapshot per request, start to end: whoever routes after us must use the same one.
        request.setAttribute(CONFIG_ATTRIBUTE, config);
        if (endpoint != Endpoint.OTHER) {
            request.setAttribute(PATH_ATTRIBUTE, endpoint == Endpoint.MODEL ? Endpoint.MODELS_PATH : Endpoint.normalize(path));
        }
        return switch (endpoint) {
            case OTHER -> new Next(new SwitchboardRequest(request, null, 0, KEY_HEADERS, null, response),
                    response, null);
            case MODELS, MODEL -> models(request, response, config, caller, anthropic,
                    endpoint == Endpoint.MODEL ? Endpoint.modelId(path) : null);
            default -> model(request, response, config, caller, anthropic, endpoint == Endpoint.MULTIPART_MODEL);
        };
    }

    private Next model(HttpServletRequest request, HttpServletResponse response, SwitchboardConfig config,
                       Caller caller, boolean anthropic, boolean multipart) throws IOException {
        int max = config.server().maxRequestBytes();
        BodyReader.Body body;
        try {
            body = BodyReader.read(request.getInputStream(), request.getContentLengthLong(),
                    request.getHeader("Content-Encoding"), max);
        } catch (BodyReader.BodyException e) {
            if (e.kind() != BodyReader.BodyException.Kind.UNDECODABLE) {
                closeIfBodyUnread(request, response);
            }
            reject(response, anthropic, e.kind().error().with(e.getMessage()));
            return null;
        }
        String boundary = multipart ? MultipartModelLocator.boundary(request.getContentType()) : null;
        if (multipart && boundary == null) {
            // Audio endpoints take forms only: reading such a body as JSON could disagree with the upstream.
            reject(response, anthropic, ApiError.INVALID_BODY.with("this endpoint takes multipart/form-data with a boundary"));
            return null;
        }
        ModelField field = boundary != null
                ? MultipartModelLocator.locate(body.bytes(), body.length(), boundary)
                : parsers(max).locate(body.bytes(), body.length());
        ErrorResponse invalid = field.error(boundary != null);
        if (invalid != null) {
            reject(response, anthropic, invalid);
            return null;
        }
        Decision decision = Resolver.resolve(config.rules(), field.model(), caller, picker);
        response.setHeader(MODEL_HEADER, headerSafe(decision.concrete()));
        if (decision.redirect() != null) {
            response.setHeader(VIRTUAL_MODEL_HEADER, headerSafe(decision.redirect()));
        }
        ApiError denied = ApiError.forOutcome(decision.outcome());
        if (denied != null) {
            reject(response, anthropic, denied.with(decision.outcome() == dev.switchboard.rules.Outcome.NOT_FOUND
                    ? decision.concrete() : decision.provider()));
            return null;
        }
        byte[] rewritten = field.splice(body.bytes(), body.length(), decision.upstreamModel());
        request.setAttribute(DECISION_ATTRIBUTE, decision);
        request.setAttribute(BODY_ATTRIBUTE, rewritten);
        Set<String> hidden = config.rules().identity().keysRequired() ? BODY_AND_KEY_HEADERS : BODY_HEADERS;
        return new Next(new SwitchboardRequest(request, rewritten, rewritten.length, hidden, null, response),
                response, null);
    }

    private Next models(HttpServletRequest request, HttpServletResponse response, SwitchboardConfig config,
                        Caller caller, boolean anthropic, String singleId) {
        Set<String> hidden = config.rules().identity().keysRequired() ? MODELS_AND_KEY_HEADERS : MODELS_HEADERS;
        CapturingResponse captured = new CapturingResponse(response);
        SwitchboardRequest wrapped = new SwitchboardRequest(request, null, 0, hidden,
                singleId == null ? null : Endpoint.MODELS_PATH, captured);
        Runnable finish = () -> {
            try {
                finishModels(captured, response, config.rules(), caller, anthropic, singleId);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                // Same guard as the request side: our failure is a JSON 500, never a container page.
                LOG.error("Switchboard filter failed shaping /v1/models", e);
                if (!response.isCommitted()) {
                    try {
                        ApiError.INTERNAL_ERROR.with().send(response, anthropic);
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                }
            }
        };
        wrapped.beforeComplete(finish);
        return new Next(wrapped, captured, finish);
    }

    private static void finishModels(CapturingResponse captured, HttpServletResponse response, Rules rules,
                                     Caller caller, boolean anthropic, String singleId) throws IOException {
        if (captured.passedThrough() || response.isCommitted()) {
            return;
        }
        byte[] raw = captured.captured();
        byte[] plain = raw;
        String encoding = captured.contentEncoding();
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            try {
                BodyReader.Body decoded = BodyReader.read(new ByteArrayInputStream(raw), raw.length, encoding,
                        MAX_MODELS_RESPONSE_BYTES);
                plain = java.util.Arrays.copyOf(decoded.bytes(), decoded.length());
            } catch (BodyReader.BodyException e) {
                plain = null;
            }
        }
        ModelsList.Result result = plain != null && captured.getStatus() == 200
                ? ModelsList.transform(plain, rules, caller, anthropic, singleId) : null;
        if (result == null && captured.getStatus() == 200) {
            // A list we cannot read (an encoding we cannot decode, not JSON) cannot be shaped, and passing it
            // on would list models this caller may not call (SPEC section 4).
            ApiError.MODELS_LIST_UNREADABLE.with().send(response, anthropic);
            return;
        }
        if (result == null) {
            // Not a model list (an upstream error, say): the client gets it exactly as sent.
            if (encoding != null) {
                response.setHeader("Content-Encoding", encoding);
            }
            response.setContentLength(raw.length);
            response.getOutputStream().write(raw);
            response.flushBuffer();
            return;
        }
        if (result.status() == 404) {
            ApiError.LISTED_MODEL_NOT_FOUND.with(singleId).send(response, anthropic);
            return;
        }
        response.setStatus(200);
        response.setContentType("application/json");
        // The list is this caller's: no shared cache may keep it, and the upstream's validators describe another body.
        response.setHeader("Cache-Control", "private, no-store");
        response.setHeader("ETag", null);
        response.setHeader("Last-Modified", null);
        response.setHeader("Vary", "Authorization, x-api-key, anthropic-version, " + rules.identity().userPathHeader());
        response.setContentLength(result.body().length);
        response.getOutputStream().write(result.body());
        response.flushBuffer();
    }

    private static Identification identify(HttpServletRequest request, Identity identity) {
        String key = null;
        if (identity.keysRequired()) {
            String bearer = bearer(request.getHeader("Authorization"));
            String apiKey = request.getHeader("x-api-key");
            key = bearer != null && (apiKey == null || identity.authenticate(bearer) != null) ? bearer : apiKey;
        }
        Object host = request.getAttribute(Identity.USER_PATH_ATTRIBUTE);
        return identity.identify(key, host instanceof String s ? s : null,
                request.getHeader(identity.userPathHeader()), request.getHeader(Identity.SESSION_ID_HEADER));
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        return a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ") ? a.substring(7).strip() : null;
    }

    /**
     * A rejection sent before the body was read: the container will close the connection rather than
     * read the rest, so say so, or a keep-alive client sends its next request into a closed socket.
     */
    private static void closeIfBodyUnread(HttpServletRequest request, HttpServletResponse response) {
        if (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null) {
            response.setHeader("Connection", "close");
        }
    }

    private static void reject(HttpServletResponse response, boolean anthropic, ErrorResponse error) throws IOException {
        error.send(response, anthropic);
    }

    /** Header values cannot carry CR/LF or other controls; a model name with them is shown escaped. */
    private static String headerSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0xff) {
                StringBuilder sb = new StringBuilder(value.length() + 8);
                value.codePoints().forEach(cp -> {
                    if (cp < 0x20 || cp == 0x7f || cp > 0xff) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                });
                return sb.toString();
            }
        }
        return value;
    }

    private JsonModelLocator parsers(int max) {
        Parsers p = parsers;
        if (p == null || p.max != max) {
            p = new Parsers(max, new JsonModelLocator(max));
            parsers = p;
        }
        return p.json;
    }

    private record Parsers(int max, JsonModelLocator json) {
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
