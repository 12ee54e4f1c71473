package dev.switchboard.admin;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ConfigReloader;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.Snapshot;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Client;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.InvalidUserPathException;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.UserPath;
import dev.switchboard.rules.VirtualModel;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The admin API (SPEC section 7), mapped at {@code /admin/*}: list, upsert, delete virtual models in
 * the admin store; explain a decision; report and trigger reloads. GoModel-compatible shapes.
 *
 * <p>Off (404) without {@code admin.token}; otherwise every request needs
 * {@code Authorization: Bearer <token>} (compared in constant time; 401 otherwise). Config-file rows
 * are {@code managed} and read-only here (409). {@code GET} returns an {@code ETag}; writes honour
 * {@code If-Match} (412 when stale). Writes are acknowledged only once durable and live on this node.
 * Thread-safe.
 */
public final class AdminServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY_BYTES = 1024 * 1024;

    private final transient ConfigReloader reloader;
    private final transient dev.switchboard.rules.Picker picker = dev.switchboard.rules.Picker.create();

    /**
     * @param reloader the configuration this API edits and reports on
     */
    public AdminServlet(ConfigReloader reloader) {
        this.reloader = Objects.requireNonNull(reloader, "reloader");
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String token = reloader.get().admin().token();
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        String method = req.getMethod();
        boolean readsBody = path.equals("/virtual-models") && (method.equals("PUT") || method.equals("DELETE"));
        boolean hasBody = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        boolean admitted = !token.isEmpty() && authorized(req.getHeader("Authorization"), token);
        if (hasBody && !(readsBody && admitted)) {
            // The container closes a connection whose request body was left unread; say so, or a keep-alive
            // client sends its next request into the closed connection (RFC 9112 section 9.6).
            resp.setHeader("Connection", "close");
        }
        if (token.isEmpty()) {
            error(resp, 404, "not_found_error", "not_found", "not found");
            return;
        }
        if (!admitted) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"switchboard-admin\"");
            error(resp, 401, "authentication_error", "invalid_admin_token", "missing or invalid admin token");
            return;
        }
        try {
            switch (path) {
                case "/virtual-models" -> {
                    switch (method) {
                        case "GET" -> list(resp);
                        case "PUT" -> upsert(req, resp);
                        case "DELETE" -> delete(req, resp);
                        default -> notAllowed(resp, "GET, PUT, DELETE");
                    }
                }
                case "/resolve" -> {
                    if (method.equals("GET")) {
                        resolve(req, resp);
                    } else {
                        notAllowed(resp, "GET");
                    }
                }
                case "/status" -> {
                    if (method.equals("GET")) {
                        json(resp, 200, status());
                    } else {
                        notAllowed(resp, "GET");
                    }
                }
                case "/reload" -> {
                    if (method.equals("POST")) {
                        reloader.reload();
                        json(resp, 200, status());
                    } else {
                        notAllowed(resp, "POST");
                    }
                }
                default -> error(resp, 404, "not_found_error", "not_found", "no admin endpoint " + path);
            }
        } catch (Refused r) {
            if (r.status == 413) {
                // The rest of the body stays unread (see above).
                resp.setHeader("Connection", "close");
            }
            error(resp, r.status, r.type, r.code, r.getMessage());
        }
    }

    private static boolean authorized(String header, String token) {
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        // Digests first: equal lengths, so the comparison time says nothing about the token.
        return MessageDigest.isEqual(Client.sha256(presented), Client.sha256(token));
    }

    // ---- virtual models -----------------------------------------------------------------------------

    private void list(HttpServletResponse resp) throws IOException {
        Snapshot snap = reloader.snapshot();
        // The ETag of the very snapshot listed: a concurrent write cannot make it newer than the rows.
        resp.setHeader("ETag", reloader.storeEtag(snap));
        List<Object> rows = new ArrayList<>();
        effective(snap).values().forEach(rows::add);
        json(resp, 200, rows);
    }

    /** Managed rows and the store rows they do not override, as views, sorted by source. */
    private static TreeMap<String, Map<String, Object>> effective(Snapshot snap) {
        TreeMap<String, Map<String, Object>> out = new TreeMap<>();
        Set<String> managed = snap.managedSources();
        List<String> warnings = snap.config().warnings();
        List<VirtualModel> rows = snap.config().rules().virtualModels();
        for (int i = 0; i < rows.size(); i++) {
            VirtualModel vm = rows.get(i);
            out.put(vm.source(), view(vm, managed.contains(vm.source()), warningsFor(vm, managed, snap, warnings)));
        }
        return out;
    }

    private static List<String> warningsFor(VirtualModel vm, Set<String> managed, Snapshot snap, List<String> all) {
        String label;
        if (managed.contains(vm.source())) {
            label = "virtual_models[" + snap.managed().indexOf(vm) + "]";
        } else {
            label = "virtual_models[" + snap.stored().indexOf(vm) + "]";
        }
        List<String> out = new ArrayList<>();
        for (String w : all) {
            int colon = w.indexOf(": virtual_models[");
            boolean fromStore = colon > 0 && !w.startsWith("virtual_models[");
            String rest = fromStore ? w.substring(colon + 2) : w;
            if (fromStore != managed.contains(vm.source()) && (rest.startsWith(label + ".") || rest.startsWith(label + ":"))) {
                out.add(rest.substring(rest.indexOf(": ") + 2));
            }
        }
        return out;
    }

    static Map<String, Object> view(VirtualModel vm, boolean managed, List<String> warnings) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", vm.source());
        m.put("kind", vm.isRedirect() ? "redirect" : "policy");
        List<Object> targets = new ArrayList<>();
        for (Target t : vm.targets()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("model", t.model());
            tm.put("weight", (long) t.weight());
            targets.add(tm);
        }
        m.put("targets", targets);
        m.put("strategy", vm.strategy() == null ? null : vm.strategy().yamlName());
        m.put("user_paths", new ArrayList<Object>(vm.userPaths()));
        m.put("enabled", vm.enabled());
        m.put("description", vm.description());
        m.put("managed", managed);
        m.put("warnings", new ArrayList<Object>(warnings));
        return m;
    }

    private void upsert(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, Object> body = body(req);
        Object sourceValue = body.get("source");
        if (!(sourceValue instanceof String s) || s.isBlank()) {
            throw new Refused(400, "source is required");
        }
        String source = s.strip();
        String oldSource = body.get("old_source") instanceof String o && !o.isBlank() ? o.strip() : null;
        Map<String, Object> row = new LinkedHashMap<>(body);
        row.remove("old_source");
        if (row.containsKey("target_model")) {
            row.put("target", row.remove("target_model"));
        }
        ConfigLoader loader = new ConfigLoader(name -> null);
        Snapshot after = write(req, stored -> {
                Snapshot snap = reloader.snapshot();
                Set<String> managed = snap.managedSources();
                if (managed.contains(source)) {
                    throw new Refused(409, "virtual model " + source + " is managed by config; edit your configuration instead");
                }
                VirtualModel existing = find(stored, source);
                if (oldSource != null && !oldSource.equals(source)) {
                    if (managed.contains(oldSource)) {
                        throw new Refused(409, "virtual model " + oldSource + " is managed by config; edit your configuration instead");
                    }
                    VirtualModel old = find(stored, oldSource);
                    if (old == null) {
                        throw new Refused(404, "virtual model not found: " + oldSource);
                    }
                    if (existing != null) {
                        throw new Refused(409, "virtual model " + source + " already exists");
                    }
                    existing = old;
                }
                if (!row.containsKey("enabled") || row.get("enabled") == null) {
                    // Omitted enabled keeps the stored value (also across a rename).
                    row.put("enabled", existing == null ? VirtualModel.DEFAULT_ENABLED : existing.enabled());
                }
                row.put("source", source);
                VirtualModel vm = loader.readRow(row, snap.config().rules().providers().keySet());
                List<VirtualModel> next = new ArrayList<>();
                for (VirtualModel x : stored) {
                    if (!x.source().equals(source) && !x.source().equals(oldSource)) {
                        next.add(x);
                    }
                }
                next.add(vm);
                return next;
            });
        resp.setHeader("ETag", reloader.storeEtag());
        Map<String, Object> stored = effective(after).get(source);
        json(resp, 200, stored);
    }

    private void delete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, Object> body = body(req);
        if (!(body.get("source") instanceof String s) || s.isBlank()) {
            throw new Refused(400, "source is required");
        }
        String source = s.strip();
        write(req, stored -> {
                if (reloader.snapshot().managedSources().contains(source)) {
                    throw new Refused(409, "virtual model " + source + " is managed by config; edit your configuration instead");
                }
                if (find(stored, source) == null) {
                    throw new Refused(404, "virtual model not found: " + source);
                }
                List<VirtualModel> next = new ArrayList<>(stored);
                next.removeIf(x -> x.source().equals(source));
                return next;
            });
        resp.setHeader("ETag", reloader.storeEtag());
        resp.setStatus(204);
    }

    /** One store write with the request's If-Match; refusals become their status (412 stale, 400 invalid). */
    private Snapshot write(HttpServletRequest req, java.util.function.UnaryOperator<List<VirtualModel>> change)
            throws IOException {
        try {
            return reloader.updateStore(req.getHeader("If-Match"), change);
        } catch (ConfigReloader.StaleException e) {
            throw new Refused(412, e.getMessage());
        } catch (InvalidConfigException e) {
            throw new Refused(400, String.join("; ", e.errors()));
        } catch (IOException e) {
            // Nothing was written; the client gets the reason in the usual shape, not a container page.
            throw new Refused(500, "the admin store could not be written: " + e.getMessage());
        }
    }

    private static VirtualModel find(List<VirtualModel> rows, String source) {
        for (VirtualModel vm : rows) {
            if (vm.source().equals(source)) {
                return vm;
            }
        }
        return null;
    }

    // ---- resolve and status -------------------------------------------------------------------------

    private void resolve(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String model = req.getParameter("model");
        if (model == null || model.isBlank()) {
            throw new Refused(400, "model is required");
        }
        String raw = req.getParameter("user_path");
        String path = null;
        if (raw != null && !raw.isBlank()) {
            try {
                path = UserPath.normalize(raw);
            } catch (InvalidUserPathException e) {
                error(resp, 400, "invalid_request_error", "invalid_user_path", "invalid user path: " + e.getMessage());
                return;
            }
        }
        SwitchboardConfig config = reloader.get();
        Decision d = Resolver.explain(config.rules(), model, new Caller(path, null, null), picker);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requested", d.requested());
        m.put("user_path", path);
        m.put("redirect", d.redirect());
        m.put("target", d.target());
        m.put("concrete", d.concrete());
        m.put("provider", d.provider());
        m.put("upstream_model", d.upstreamModel());
        m.put("allowed", d.allowed());
        m.put("outcome", d.outcome().name().toLowerCase(Locale.ROOT));
        m.put("policy", d.policy());
        m.put("reason", d.reason());
        m.put("steps", new ArrayList<Object>(d.steps()));
        json(resp, 200, m);
    }

    private Map<String, Object> status() {
        Snapshot snap = reloader.snapshot();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config_version", snap.version());
        List<Object> files = new ArrayList<>();
        for (Map.Entry<Path, String> f : snap.files().entrySet()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("path", f.getKey().toString());
            fm.put("sha256", f.getValue());
            fm.put("exists", Files.exists(f.getKey()));
            files.add(fm);
        }
        m.put("files", files);
        m.put("loaded_at", snap.loadedAt().toString());
        ConfigReloader.ReloadError err = reloader.lastError();
        if (err == null) {
            m.put("last_reload_error", null);
        } else {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("at", err.at().toString());
            em.put("errors", new ArrayList<Object>(err.errors()));
            m.put("last_reload_error", em);
        }
        List<VirtualModel> rows = snap.config().rules().virtualModels();
        long redirects = rows.stream().filter(VirtualModel::isRedirect).count();
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("virtual_models", (long) rows.size());
        counts.put("redirects", redirects);
        counts.put("policies", rows.size() - redirects);
        counts.put("managed", (long) snap.managed().size());
        counts.put("stored", (long) snap.stored().size());
        counts.put("providers", (long) snap.config().rules().providers().size());
        m.put("counts", counts);
        m.put("warnings", new ArrayList<Object>(snap.config().warnings()));
        return m;
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpServletRequest req) throws IOException {
        byte[] bytes = req.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new Refused(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        if (!(JsonTree.parse(bytes) instanceof Map<?, ?> m)) {
            throw new Refused(400, "request body must be a JSON object");
        }
        return (Map<String, Object>) m;
    }

    private static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        byte[] bytes = JsonTree.write(body);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    private static void notAllowed(HttpServletResponse resp, String allow) throws IOException {
        resp.setHeader("Allow", allow);
        error(resp, 405, "invalid_request_error", "method_not_allowed", "method not allowed; use " + allow);
    }

    private static void error(HttpServletResponse resp, int status, String type, String code, String message) throws IOException {
        new ErrorResponse(status, type, code, message, null).send(resp, false);
    }

    /** A refusal with its status; stackless, it only ever becomes a response. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String type;
        final String code;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
            this.type = switch (status) {
                case 404 -> "not_found_error";
                case 409 -> "conflict_error";
                case 412 -> "precondition_failed";
                case 500 -> "api_error";
                default -> "invalid_request_error";
            };
            this.code = switch (status) {
                case 404 -> "virtual_model_not_found";
                case 409 -> "conflict";
                case 412 -> "stale_etag";
                case 413 -> "request_too_large";
                case 500 -> "store_write_failed";
                default -> "invalid_virtual_model";
            };
        }
    }
}
