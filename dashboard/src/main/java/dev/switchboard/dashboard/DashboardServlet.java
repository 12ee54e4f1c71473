package dev.switchboard.dashboard;

import dev.switchboard.admin.AdminException;
import dev.switchboard.error.ApiError;
import dev.switchboard.rules.Client;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Serves the dashboard: {@code /admin} (redirect to {@code /admin/}), {@code /admin/} (the page: the application
 * with a live session, else the sign-in page), {@code /admin/ui/*} (its files: without a session only those the
 * sign-in page needs) and {@code /admin/session} ({@code POST} signs in, {@code GET} describes the session,
 * {@code DELETE} signs out). Everything answers 404 while {@code admin.token} is empty, as the admin API does.
 */
final class DashboardServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** The largest sign-in body read. */
    static final int MAX_SIGN_IN_BYTES = 8 * 1024;
    /** What the sign-in page needs: served without a session. */
    private static final Set<String> PUBLIC = Set.of("signin.js", "style.css", "favicon.svg");
    /** The pages and everything they load come from here; nothing inline, nothing from elsewhere. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final transient Dashboard dashboard;
    private final transient dev.switchboard.admin.RefusedTokens refusedTokens =
            new dev.switchboard.admin.RefusedTokens("a dashboard sign-in");

    DashboardServlet(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        String token = dashboard.token();
        String path = req.getServletPath();
        try {
            if (token.isEmpty()) {
                throw new AdminException(ApiError.ADMIN_NOT_FOUND, "not found");
            }
            switch (path) {
                case "/admin" -> {
                    String query = req.getQueryString();
                    resp.sendRedirect(req.getContextPath() + "/admin/" + (query == null ? "" : "?" + query));
                }
                case "/admin/" -> {
                    requireRead(req, resp);
                    Sessions.Session s = dashboard.session(req, token);
                    if (s != null) {
                        dashboard.touchUnlessPoll(req, s);
                    }
                    page(req, resp, s == null ? "signin.html" : "index.html");
                }
                case "/admin/session" -> session(req, resp, token);
                default -> asset(req, resp, token, req.getPathInfo() == null ? "" : req.getPathInfo().substring(1));
            }
        } catch (AdminException e) {
            resp.setHeader("Cache-Control", "no-store");
            e.response().send(resp, false);
        }
    }

    private void page(HttpServletRequest req, HttpServletResponse resp, String name) throws IOException {
        Assets.Asset page = dashboard.assets().get(name);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        resp.setHeader("X-Frame-Options", "DENY");
        send(req, resp, page);
    }

    private void asset(HttpServletRequest req, HttpServletResponse resp, String token, String name) throws IOException {
        requireRead(req, resp);
        Assets.Asset a = dashboard.assets().get(name);
        if (a == null || name.endsWith(".html")) {
            throw new AdminException(ApiError.ADMIN_NOT_FOUND, "no dashboard file " + (a == null ? "of that name" : name));
        }
        if (!PUBLIC.contains(name) && dashboard.session(req, token) == null) {
            throw new AdminException(ApiError.INVALID_ADMIN_TOKEN, null);
        }
        // Revalidated on every load: an upgraded gateway's page never runs with the old release's modules.
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("ETag", a.etag());
        if (a.etag().equals(req.getHeader("If-None-Match"))) {
            resp.setStatus(304);
            return;
        }
        send(req, resp, a);
    }

    private void session(HttpServletRequest req, HttpServletResponse response, String token) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        List<String> ids = Dashboard.cookies(req);
        String method = req.getMethod();
        // HEAD answers as GET does, without the body, as everywhere in the admin API.
        HttpServletResponse resp = method.equals("HEAD") ? new dev.switchboard.admin.HeadResponse(response) : response;
        switch (method.equals("HEAD") ? "GET" : method) {
            case "POST" -> {
                if (!SameOrigin.admits(req)) {
                    throw new AdminException(ApiError.ADMIN_FORBIDDEN, "a sign-in from another origin is refused");
                }
                String presented = signInToken(req, resp);
                // Digests first: equal lengths, so the comparison time says nothing about the token.
                if (presented == null || !MessageDigest.isEqual(Client.sha256(presented), Client.sha256(token))) {
                    if (presented != null) {
                        refusedTokens.note(req.getRemoteAddr());
                    }
                    throw new AdminException(ApiError.INVALID_ADMIN_TOKEN, null);
                }
                // A fresh id at every sign-in: a session id known before it (fixation) is worth nothing.
                ids.forEach(dashboard.sessions()::close);
                Sessions.Opened opened = dashboard.sessions().open(token);
                resp.addHeader("Set-Cookie", cookie(req, opened.id(), false));
                json(resp, 200, describe(opened.session()));
            }
            case "GET" -> {
                Sessions.Session s = dashboard.session(req, token);
                if (s == null) {
                    throw new AdminException(ApiError.INVALID_ADMIN_TOKEN, null);
                }
                dashboard.touchUnlessPoll(req, s);
                json(resp, 200, describe(s));
            }
            case "DELETE" -> {
                Sessions.Session s = dashboard.session(req, token);
                if (s != null) {
                    dashboard.checkWrite(req, s);
                    ids.forEach(dashboard.sessions()::close);
                }
                resp.addHeader("Set-Cookie", cookie(req, "", true));
                resp.setStatus(204);
            }
            default -> {
                resp.setHeader("Allow", "GET, HEAD, POST, DELETE");
                throw new AdminException(ApiError.METHOD_NOT_ALLOWED, "GET, POST, DELETE");
            }
        }
    }

    private Map<String, Object> describe(Sessions.Session s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("csrf_token", s.csrfToken());
        view.put("csrf_header", Dashboard.CSRF_HEADER);
        view.put("idle_timeout_seconds", dashboard.sessions().idleTimeout().toSeconds());
        return view;
    }

    /** @return the {@code token} of a sign-in body {@code {"token": "..."}}, or {@code null} */
    private static String signInToken(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body;
        try {
            body = AdminException.readBody(req, MAX_SIGN_IN_BYTES);
        } catch (AdminException e) {
            if (e.error() == ApiError.ADMIN_BODY_TOO_LARGE) {
                // The rest of the body stays unread: the container closes the connection, so say so (RFC 9112 9.6).
                resp.setHeader("Connection", "close");
            }
            throw e;
        }
        Object tree;
        try {
            tree = dev.switchboard.json.JsonTree.parseUnique(body);
        } catch (dev.switchboard.json.JsonTree.DuplicateKeyException e) {
            // As on the admin API: readers differ on which copy counts, so neither does.
            throw new AdminException(ApiError.INVALID_REQUEST, e.describe());
        }
        if (!(tree instanceof Map<?, ?> fields)) {
            throw new AdminException(ApiError.INVALID_REQUEST, "the sign-in body must be a JSON object {\"token\": \"...\"}");
        }
        // Stripped, as the bearer header's is: a token pasted with the line end of the file it came from still signs in.
        return fields.get("token") instanceof String token ? token.strip() : null;
    }

    /** The session cookie: scoped to the admin paths, out of reach of scripts and of other sites. */
    private static String cookie(HttpServletRequest req, String value, boolean clear) {
        StringBuilder c = new StringBuilder(Dashboard.COOKIE).append('=').append(value)
                .append("; Path=").append(req.getContextPath()).append("/admin");
        if (clear) {
            c.append("; Max-Age=0");
        }
        c.append("; HttpOnly; SameSite=Strict");
        if (req.isSecure()) {
            c.append("; Secure");
        }
        return c.toString();
    }

    private static void requireRead(HttpServletRequest req, HttpServletResponse resp) {
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            resp.setHeader("Allow", "GET, HEAD");
            throw new AdminException(ApiError.METHOD_NOT_ALLOWED, "GET");
        }
    }

    private static void send(HttpServletRequest req, HttpServletResponse resp, Assets.Asset a) throws IOException {
        resp.setStatus(200);
        resp.setContentType(a.contentType());
        resp.setContentLength(a.bytes().length);
        if (!req.getMethod().equals("HEAD")) {
            resp.getOutputStream().write(a.bytes());
        }
    }

    private static void json(HttpServletResponse resp, int status, Map<String, Object> view) throws IOException {
        byte[] bytes = Json.object(view);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
