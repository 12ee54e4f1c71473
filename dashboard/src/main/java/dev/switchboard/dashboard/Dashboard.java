package dev.switchboard.dashboard;

import dev.switchboard.admin.AdminAuthenticator;
import dev.switchboard.admin.AdminException;
import dev.switchboard.error.ApiError;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The admin dashboard (SPEC section 14): a web page at {@code GET /admin/}, from files in this jar, that an
 * operator signs in to with the admin token, and the session that then admits the page to the admin API.
 *
 * <p>Install both halves: {@link #servlet()} at {@link #MAPPINGS} (the page, its files, and
 * {@code /admin/session} to sign in and out), and {@link #authenticator()} in the
 * {@link dev.switchboard.admin.AdminServlet} mapped at {@code /admin/*}, which then admits a request that carries
 * the session cookie instead of a bearer token. A request with an {@code Authorization} header never reaches the
 * authenticator: scripts are judged by their token alone.
 *
 * <p>The rules: signing in with the admin token opens a server-side session on this node, whose id is the cookie
 * {@link #COOKIE} ({@code HttpOnly}, {@code SameSite=Strict}, {@code Path=<context>/admin}, {@code Secure} when the
 * request arrived over HTTPS). It ends after {@link #IDLE_TIMEOUT} without an operator's request (the page's
 * background refreshes, sent with {@link #POLL_HEADER}, do not count), at sign-out, and when {@code admin.token}
 * changes. Every write (any method but {@code GET}/{@code HEAD}) made with the cookie must carry the session's CSRF
 * token in {@link #CSRF_HEADER} and must not come from another origin; else 403. Thread-safe.
 */
public final class Dashboard {

    /** How long a session lives without an operator's request (SPEC section 14: 30 minutes). */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** The session cookie. */
    public static final String COOKIE = "switchboard_admin_session";
    /** The request header that carries a session's CSRF token on writes. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** A request header the page sets on its automatic refreshes: they do not keep an idle session alive. */
    public static final String POLL_HEADER = "X-Switchboard-Poll";
    /** Where {@link #servlet()} is mapped, relative to the context: exact paths and the files' folder. */
    public static final String[] MAPPINGS = {"/admin", "/admin/", "/admin/session", "/admin/ui/*"};
    /** The sign-in's path: {@code POST} with the admin token in its body, {@code DELETE} signs out. */
    public static final String SIGN_IN = "/admin/session";
    /** The largest sign-in body read. */
    public static final int MAX_SIGN_IN_BYTES = DashboardServlet.MAX_SIGN_IN_BYTES;
    /** The servlet context attribute a webapp may keep its dashboard under, for the handlers in front of it. */
    public static final String ATTRIBUTE = Dashboard.class.getName();

    private static final Set<String> READS = Set.of("GET", "HEAD");

    private final Supplier<String> token;
    private final Sessions sessions;
    private final Assets assets = new Assets(Dashboard.class.getClassLoader());

    /**
     * @param token the admin token in force ({@code admin.token}, read on every request; empty turns the dashboard
     *     off, as it turns off the API)
     */
    public Dashboard(Supplier<String> token) {
        this(token, Clock.systemUTC(), IDLE_TIMEOUT);
    }

    /**
     * @param token the admin token in force
     * @param clock what idle times are measured with (tests move it by hand)
     * @param idleTimeout how long a session lives without use
     */
    Dashboard(Supplier<String> token, Clock clock, Duration idleTimeout) {
        this.token = Objects.requireNonNull(token, "token");
        this.sessions = new Sessions(clock, idleTimeout);
    }

    /** @return the servlet of the page, its files and {@code /admin/session}; map it at {@link #MAPPINGS} */
    public HttpServlet servlet() {
        return new DashboardServlet(this);
    }

    /** @return what lets {@link dev.switchboard.admin.AdminServlet} admit the page's requests by their session */
    public AdminAuthenticator authenticator() {
        return this::admits;
    }

    /**
     * @param sessionIds the values of the session cookie a request carries
     * @return whether one of them is a live session of the admin token in force (its requests are admitted, writes
     *     with their CSRF token)
     */
    public boolean signedIn(List<String> sessionIds) {
        String t = token();
        for (String id : sessionIds) {
            if (sessions.find(id, t) != null) {
                return true;
            }
        }
        return false;
    }

    /** @return the admin token in force, {@code ""} when the admin API is off */
    String token() {
        String t = token.get();
        return t == null ? "" : t;
    }

    /**
     * Tells the dashboard which admin token is in force, as each configuration is applied: a change signs every session
     * out, even when the token later changes back.
     *
     * @param token the admin token of the configuration just applied
     */
    public void tokenInForce(String token) {
        sessions.tokenInForce(token);
    }

    Sessions sessions() {
        return sessions;
    }

    Assets assets() {
        return assets;
    }

    /**
     * @param req a request to the admin API without an {@code Authorization} header
     * @param adminToken the token in force
     * @return whether its session admits it
     * @throws AdminException 403 for a write of a live session without its CSRF token, or from another origin
     */
    private boolean admits(HttpServletRequest req, String adminToken) {
        Sessions.Session s = session(req, adminToken);
        if (s == null) {
            return false;
        }
        checkWrite(req, s);
        touchUnlessPoll(req, s);
        return true;
    }

    /**
     * @param req a request of a live session
     * @param s its session
     * @throws AdminException 403 when it is a write from another origin or without the session's CSRF token
     */
    void checkWrite(HttpServletRequest req, Sessions.Session s) {
        if (READS.contains(req.getMethod())) {
            return;
        }
        if (!SameOrigin.admits(req)) {
            throw new AdminException(ApiError.ADMIN_FORBIDDEN, "a write from another origin is refused");
        }
        if (!s.csrfMatches(req.getHeader(CSRF_HEADER))) {
            throw new AdminException(ApiError.ADMIN_FORBIDDEN, "this write needs the session's CSRF token in " + CSRF_HEADER);
        }
    }

    /** An operator's request restarts the idle time; the page's background refreshes do not. */
    void touchUnlessPoll(HttpServletRequest req, Sessions.Session s) {
        if (req.getHeader(POLL_HEADER) == null) {
            sessions.touch(s);
        }
    }

    /**
     * @param req a request
     * @param adminToken the token in force
     * @return the live session of one of its session cookies, or {@code null}
     */
    Sessions.Session session(HttpServletRequest req, String adminToken) {
        for (String id : cookies(req)) {
            Sessions.Session s = sessions.find(id, adminToken);
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    /**
     * Every value of the session cookie a request carries: a browser sends several when a page of a sibling host (same
     * site, {@code Domain=} the parent) has set one with this name, first when its path is longer. Taking only the
     * first would let such a cookie sign the operator out for good.
     *
     * @return the values, in the order sent
     */
    static List<String> cookies(HttpServletRequest req) {
        Cookie[] cookies = req.getCookies();
        if (cookies == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(1);
        for (Cookie c : cookies) {
            if (COOKIE.equals(c.getName())) {
                out.add(c.getValue());
            }
        }
        return out;
    }
}
