package dev.switchboard.admin;

import dev.switchboard.body.ModelField;
import dev.switchboard.error.ApiError;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.ReloadError;
import dev.switchboard.observe.CircuitBreakers;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Client;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.InvalidUserPathException;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.UserPath;
import dev.switchboard.servlet.HeaderValues;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The admin API (SPEC section 7), mapped at {@code /admin/*}: list, upsert, delete virtual models in
 * the admin store ({@link VirtualModelService} holds the rules); explain a decision; report and trigger
 * reloads. GoModel-compatible shapes. This class only routes and renders.
 *
 * <p>Off (404) without {@code admin.token}; otherwise every request needs
 * {@code Authorization: Bearer <token>} (compared in constant time; 401 otherwise). Config-file rows
 * are {@code managed} and read-only here (409). {@code HEAD} answers as {@code GET} does, without the body (extensions
 * are handed it as a {@code GET}). {@code GET} returns an {@code ETag}; writes honour
 * {@code If-Match} (412 when stale). Writes are acknowledged only once durable and live on this node.
 * While the config file on disk cannot be used, writes are validated against the last good configuration
 * and their answers carry {@link #CONFIG_ERROR_HEADER} (and, on {@code PUT}, a {@code config_error} field).
 * {@code /admin/resolve} reads the node's round-robin rotation without advancing it. A request without an
 * {@code Authorization} header may be admitted by an {@link AdminAuthenticator} instead (the dashboard's session).
 * Thread-safe.
 */
public final class AdminServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** The largest admin request body read. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    /** Response header of a write done while the config file on disk cannot be used. */
    public static final String CONFIG_ERROR_HEADER = "X-Switchboard-Config-Error";
    private static final String BROKEN_CONFIG = "the config file on disk cannot be used; this write was validated "
            + "against the last good configuration, which stays in force until the file is fixed (see /admin/status)";

    private static final Log LOG = Log.get(AdminServlet.class);

    private final transient LiveConfig live;
    private final transient VirtualModelService models;
    private final transient List<AdminExtension> extensions;
    private final transient CircuitBreakers breakers;
    private final transient AdminAuthenticator authenticator;
    private final transient RefusedTokens refusedTokens = new RefusedTokens("an admin API request");

    /**
     * @param live the configuration this API edits and reports on; its {@link LiveConfig#picker()} is the
     *     rotation {@code /admin/resolve} reads
     */
    public AdminServlet(LiveConfig live) {
        this(live, List.of());
    }

    /**
     * @param live the configuration this API edits and reports on
     * @param extensions more endpoints under {@code /admin/} (their prefixes must not be this API's own)
     */
    public AdminServlet(LiveConfig live, List<? extends AdminExtension> extensions) {
        this(live, extensions, CircuitBreakers.NONE, null);
    }

    /**
     * @param live the configuration this API edits and reports on
     * @param extensions more endpoints under {@code /admin/} (their prefixes must not be this API's own)
     * @param breakers the node's circuit breakers, shown in {@code /admin/status}
     */
    public AdminServlet(LiveConfig live, List<? extends AdminExtension> extensions, CircuitBreakers breakers) {
        this(live, extensions, breakers, null);
    }

    /**
     * @param live the configuration this API edits and reports on
     * @param extensions more endpoints under {@code /admin/} (their prefixes must not be this API's own)
     * @param authenticator who may admit a request that sends no {@code Authorization} header (the dashboard's
     *     session), or {@code null} for the bearer token alone
     */
    public AdminServlet(LiveConfig live, List<? extends AdminExtension> extensions, AdminAuthenticator authenticator) {
        this(live, extensions, CircuitBreakers.NONE, authenticator);
    }

    /**
     * @param live the configuration this API edits and reports on
     * @param extensions more endpoints under {@code /admin/} (their prefixes must not be this API's own)
     * @param breakers the node's circuit breakers, shown in {@code /admin/status}
     * @param authenticator who may admit a request that sends no {@code Authorization} header (the dashboard's
     *     session), or {@code null} for the bearer token alone
     */
    public AdminServlet(LiveConfig live, List<? extends AdminExtension> extensions, CircuitBreakers breakers,
                        AdminAuthenticator authenticator) {
        this.live = Objects.requireNonNull(live, "live");
        this.models = new VirtualModelService(live);
        this.extensions = List.copyOf(extensions);
        this.breakers = Objects.requireNonNull(breakers, "breakers");
        this.authenticator = authenticator;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getMethod().equals("HEAD")) {
            // HEAD is GET without the body (RFC 9110 section 9.3.2): the same token check, route, status and headers,
            // and nothing done that the GET would not do.
            answer(req, new HeadResponse(resp), "GET");
        } else {
            answer(req, resp, req.getMethod());
        }
    }

    private void answer(HttpServletRequest req, HttpServletResponse resp, String method) throws IOException {
        // Answers are data, never pages: the dashboard's session shares this origin, and /admin/resolve and error
        // messages echo names a request chose. No cache keeps them either (they describe this node's rules).
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Content-Security-Policy", VirtualModelFilter.API_CSP);
        resp.setHeader("Cache-Control", "no-store");
        String token = live.get().admin().token();
        String path = endpoint(req.getPathInfo());
        boolean readsBody = path.equals("/virtual-models") && (method.equals("PUT") || method.equals("DELETE"));
        boolean hasBody = HeaderValues.hasBody(req);
        // Two of them are no credential (a proxy in front may keep or join either): never "the first wins".
        String authorization = HeaderValues.joined(req, "Authorization");
        AdminException refused = null;
        boolean admitted = false;
        if (!token.isEmpty()) {
            if (authorization != null || authenticator == null) {
                admitted = authorized(authorization, token);
            } else {
                try {
                    admitted = authenticator.admits(req, token);
                } catch (AdminException e) {
                    refused = e;
                }
            }
        }
        if (hasBody && !(readsBody && admitted)) {
            // The container closes a connection whose request body was left unread; say so, or a keep-alive
            // client sends its next request into the closed connection (RFC 9112 section 9.6).
            resp.setHeader("Connection", "close");
        }
        try {
            if (token.isEmpty()) {
                throw new AdminException(ApiError.ADMIN_NOT_FOUND, "not found");
            }
            if (refused != null) {
                throw refused;
            }
            if (!admitted) {
                if (authorization != null) {
                    refusedTokens.note(req.getRemoteAddr());
                }
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"switchboard-admin\"");
                throw new AdminException(ApiError.INVALID_ADMIN_TOKEN, null);
            }
            if (HeaderValues.twice(req, "Content-Type")) {
                // As on the API's paths (SPEC section 15): which one counts differs by reader.
                if (hasBody) {
                    resp.setHeader("Connection", "close");
                }
                throw new AdminException(ApiError.INVALID_REQUEST, "two Content-Type headers");
            }
            route(req, resp, path, method, authorization != null || authenticator == null ? "the admin token"
                    : "a dashboard session");
        } catch (AdminException e) {
            if (e.error() == ApiError.ADMIN_BODY_TOO_LARGE || e.error() == ApiError.REQUEST_TIMEOUT) {
                // The rest of the body stays unread (see above).
                resp.setHeader("Connection", "close");
            }
            if (e.error() == ApiError.METHOD_NOT_ALLOWED) {
                // Every 405 says what is allowed, from the refusal's own list (its routes' and the extensions' alike);
                // a GET resource takes HEAD too.
                String allow = e.argument();
                resp.setHeader("Allow", allow.startsWith("GET") ? "GET, HEAD" + allow.substring("GET".length()) : allow);
            }
            e.response().send(resp, false);
        }
    }

    /** The API's own endpoints, each also answered with one trailing slash, as the extensions' lists are. */
    private static final Set<String> ENDPOINTS = Set.of("/virtual-models", "/resolve", "/status", "/reload");

    /** @return the endpoint a path names: the path, or one of {@link #ENDPOINTS} it names with a trailing slash */
    private static String endpoint(String pathInfo) {
        if (pathInfo == null) {
            return "";
        }
        String bare = pathInfo.endsWith("/") ? pathInfo.substring(0, pathInfo.length() - 1) : pathInfo;
        return ENDPOINTS.contains(bare) ? bare : pathInfo;
    }

    /** @param by how the caller was admitted, for the log line of a write */
    private void route(HttpServletRequest req, HttpServletResponse resp, String path, String method, String by)
            throws IOException {
        String pending = live.get().pendingStore();
        if (pending != null && !path.equals("/status") && !path.equals("/reload")) {
            // Not read since the start (a database down): its rows, and so the rules, are unknown here; a listing of
            // the config file's rows alone would look like the store's were gone. /status says why, /reload retries.
            resp.setHeader("Retry-After", "5");
            throw new AdminException(ApiError.STORE_UNAVAILABLE, pending
                    + "; this node has not read it since it started, retry in a moment");
        }
        switch (path) {
            case "/virtual-models" -> {
                switch (method) {
                    case "GET" -> {
                        VirtualModelService.Listing listing = models.list();
                        resp.setHeader("ETag", listing.etag());
                        json(resp, 200, listing.rows());
                    }
                    case "PUT" -> {
                        VirtualModelService.Written written = models.upsert(HeaderValues.joined(req, "If-Match"), body(req));
                        written(req, by, "written", written.row().source(), written.etag());
                        resp.setHeader("ETag", written.etag());
                        json(resp, 200, brokenConfig(resp, written.brokenConfig(), written.row()));
                    }
                    case "DELETE" -> {
                        Map<String, Object> body = body(req);
                        VirtualModelService.Deleted deleted = models.delete(HeaderValues.joined(req, "If-Match"), body);
                        written(req, by, "deleted", String.valueOf(body.get("source")), deleted.etag());
                        resp.setHeader("ETag", deleted.etag());
                        brokenConfig(resp, deleted.brokenConfig(), null);
                        resp.setStatus(204);
                    }
                    default -> throw notAllowed("GET, PUT, DELETE");
                }
            }
            case "/resolve" -> {
                require(method, "GET");
                json(resp, 200, resolve(req));
            }
            case "/status" -> {
                require(method, "GET");
                json(resp, 200, StatusView.of(live, breakers));
            }
            case "/reload" -> {
                require(method, "POST");
                LOG.info("Switchboard admin: reload asked by {} from {}", by, req.getRemoteAddr());
                live.reload();
                // 422 when the files are invalid, 503 when the admin store cannot be read (a database down): the reload
                // did not take, the last good rules serve on (the body is the status, with last_reload_error saying why).
                json(resp, live.lastError() == null ? 200 : live.storeUnreadable() ? 503 : 422, StatusView.of(live, breakers));
            }
            default -> {
                for (AdminExtension x : extensions) {
                    if (path.equals(x.prefix()) || path.startsWith(x.prefix() + "/")) {
                        Map<String, String> query = new java.util.LinkedHashMap<>();
                        // Each once, as the API's own parameters (param): ?source=a&source=b names neither.
                        req.getParameterMap().keySet().forEach(k -> query.put(k, java.util.Objects.requireNonNullElse(
                                param(req, k), "")));
                        Object answer = x.handle(method, path.substring(x.prefix().length()), query);
                        if (!method.equals("GET")) {
                            // A change (an experiment's reset): in the trail too, as it was asked (its query, as
                            // sent, names what a path cannot: POST /admin/experiments/reset?source=canary-10%25).
                            String asked = req.getServletPath() + path
                                    + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
                            LOG.info("Switchboard admin: {} {} by {} from {}", method,
                                    new String(JsonTree.write(asked), StandardCharsets.UTF_8), by, req.getRemoteAddr());
                        }
                        json(resp, 200, answer);
                        return;
                    }
                }
                throw new AdminException(ApiError.ADMIN_NOT_FOUND, "no admin endpoint " + path);
            }
        }
    }

    /**
     * The trail of the rules' changes (the access log has the API's requests, not the admin API's): what was written,
     * by the token or a dashboard session, from where, and the store's ETag after it.
     */
    private static void written(HttpServletRequest req, String by, String what, String source, String etag) {
        LOG.info("Switchboard admin: virtual model {} {} by {} from {}; the store's ETag is now {}",
                new String(JsonTree.write(source), StandardCharsets.UTF_8), what, by, req.getRemoteAddr(),
                etag);
    }

    /**
     * @param header the request's {@code Authorization}, every value joined, or {@code null}
     * @param token the admin token in force
     * @return whether it presents the token (compared in constant time)
     */
    public static boolean authorized(String header, String token) {
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        // Digests first: equal lengths, so the comparison time says nothing about the token.
        return MessageDigest.isEqual(Client.sha256(presented), Client.sha256(token));
    }

    /**
     * A query parameter given once: given twice it names two things, and the admin API answers for neither rather
     * than for the first (the request path reads no header as "the first one wins" either).
     */
    private static String param(HttpServletRequest req, String name) {
        String[] values = req.getParameterValues(name);
        if (values == null) {
            return null;
        }
        if (values.length > 1) {
            throw new AdminException(ApiError.INVALID_REQUEST, "query parameter '" + name + "' was given more than once");
        }
        return values[0];
    }

    /**
     * Explains {@code model} for {@code user_path} and {@code client} (a client of {@code identity.clients}, as
     * {@code explain --client}), peeking at the live rotation: an explanation never moves live traffic's round robin.
     */
    private DecisionView resolve(HttpServletRequest req) {
        String model = param(req, "model");
        if (model == null || model.isBlank()) {
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "model is required");
        }
        ApiError unusable = ModelField.nameError(model);
        if (unusable != null) {
            // The gateway refuses such a name before deciding anything (SPEC section 15): say so, as a request would
            // hear it, rather than explain a decision no request can get.
            throw new AdminException(unusable, null);
        }
        String raw = param(req, "user_path");
        String path = null;
        if (raw != null && !raw.isBlank()) {
            try {
                path = UserPath.normalize(raw);
            } catch (InvalidUserPathException e) {
                throw new AdminException(ApiError.INVALID_USER_PATH, "invalid user path: " + e.getMessage());
            }
        }
        Rules rules = live.get().rules();
        String clientName = param(req, "client");
        String client = null;
        if (clientName != null && !clientName.isBlank()) {
            // As explain --client: the client's bound path wins, and its name is the sticky identity.
            Client c = rules.identity().client(clientName.strip());
            if (c == null) {
                List<String> names = rules.identity().clients().stream().map(Client::name).toList();
                throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "unknown client '" + clientName.strip() + "'"
                        + (names.isEmpty() ? " (the config has no identity.clients)" : " (clients: " + String.join(", ", names) + ")"));
            }
            client = c.name();
            if (c.userPath() != null) {
                path = c.userPath();
            }
        }
        Decision d = Resolver.explain(rules, model, new Caller(path, client, null), live.picker());
        if (d.outcome() == dev.switchboard.rules.Outcome.ALLOWED
                && !dev.switchboard.rules.ModelNames.sendable(d.upstreamModel())) {
            // Allowed, yet refused as sent (a URL delimiter), as a request hears it.
            throw new AdminException(ApiError.MODEL_UNSENDABLE, null);
        }
        return DecisionView.of(d, path);
    }

    /**
     * A write done while the config file on disk cannot be used says so: header {@link #CONFIG_ERROR_HEADER} on
     * every answer, and on a {@code PUT} the row with one more field {@code config_error}: the file, its
     * errors and what the write was validated against.
     *
     * @return the view to write: {@code row} itself when the file is fine
     */
    private Object brokenConfig(HttpServletResponse resp, ReloadError broken, VirtualModelView row) {
        if (broken == null) {
            return row;
        }
        resp.setHeader(CONFIG_ERROR_HEADER, BROKEN_CONFIG);
        if (row == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> view = (Map<String, Object>) JsonTree.parse(JsonTree.write(row));
        Map<String, Object> error = new java.util.LinkedHashMap<>();
        error.put("file", String.valueOf(live.configFile()));
        error.put("errors", broken.errors());
        error.put("message", BROKEN_CONFIG);
        view.put("config_error", error);
        return view;
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpServletRequest req) throws IOException {
        byte[] bytes = AdminException.readBody(req, MAX_BODY_BYTES);
        Object tree;
        try {
            tree = JsonTree.parseUnique(bytes);
        } catch (JsonTree.DuplicateKeyException e) {
            // Fail closed, as on the gateway's own requests (SPEC section 15): which copy counts differs by reader.
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, e.describe());
        }
        if (!(tree instanceof Map<?, ?> m)) {
            throw new AdminException(ApiError.INVALID_ADMIN_BODY, null);
        }
        String broken = loneSurrogate(m, "");
        if (broken != null) {
            // JSON may escape half of a character (\ud800); the store is UTF-8 text, which cannot hold it: it would be
            // written as another character (a user path that silently names another scope).
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, (broken.isEmpty() ? "(document)" : broken)
                    + ": holds half of a UTF-16 surrogate pair, which is no text");
        }
        return (Map<String, Object>) m;
    }

    /** @return the path of the first key or string holding a lone surrogate, or {@code null} */
    private static String loneSurrogate(Object value, String path) {
        if (value instanceof String text) {
            // UTF-8 can hold any text but half a pair: the encoder's own answer.
            return java.nio.charset.StandardCharsets.UTF_8.newEncoder().canEncode(text) ? null : path;
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = (String) e.getKey();
                String at = path.isEmpty() ? key : path + "." + key;
                String found = loneSurrogate(key, at) != null ? at : loneSurrogate(e.getValue(), at);
                if (found != null) {
                    return found;
                }
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String found = loneSurrogate(list.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static void json(HttpServletResponse resp, int status, Object view) throws IOException {
        byte[] bytes = JsonTree.write(view);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    private static void require(String method, String allow) {
        if (!method.equals(allow)) {
            throw notAllowed(allow);
        }
    }

    /** @param allow the methods that act here, as the message names them (the refusal's Allow header says them too) */
    private static AdminException notAllowed(String allow) {
        return new AdminException(ApiError.METHOD_NOT_ALLOWED, allow);
    }
}
