package dev.switchboard.jetty;

import dev.switchboard.admin.AdminServlet;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.dashboard.Dashboard;
import dev.switchboard.servlet.Callers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;

/**
 * How much of a request's body the body gate ({@link RequestBodyGate}) may hold for it: nothing for a request its
 * servlet refuses for its credentials before reading a byte of its body, so that a client without them cannot take the
 * memory bodies are held in (the gate reserves a body's declared length as it starts: a few connections that declare
 * large bodies and send them at the minimum rate made every other body 503 {@code overloaded} for hours). Else the
 * most its servlet reads: {@code server.max_request_bytes} on the API's paths, less on the admin paths.
 *
 * <ul>
 *   <li>The dashboard's sign-in ({@code /admin/session}): its own bound, 8 KiB (the token is in its body).</li>
 *   <li>Any other path under {@code /admin}: the admin API's bound (1 MiB) when the request presents the admin token
 *       or, sending no {@code Authorization}, a live dashboard session; none otherwise, and none while the admin API
 *       is off (its paths are 404).</li>
 *   <li>Any other path, when gateway keys are configured: the filter's bound when the request presents a key the rules
 *       accept (and a user path they take); none otherwise (401, unread).</li>
 * </ul>
 *
 * <p>Read per request, from the rules in force. Thread-safe.
 */
final class BodyAdmission implements ToLongFunction<Request> {

    /** What {@link #applyAsLong} answers for a body not to be held: the request goes on at once, its body unread. */
    static final long NONE = -1;

    private final Supplier<SwitchboardConfig> config;
    private final Supplier<Dashboard> dashboard;

    /**
     * @param config the rules in force
     * @param dashboard the webapp's dashboard, or {@code null} while it has none (not started, or the admin API off)
     */
    BodyAdmission(Supplier<SwitchboardConfig> config, Supplier<Dashboard> dashboard) {
        this.config = config;
        this.dashboard = dashboard;
    }

    /** @return the most bytes of the request's body to hold, or {@link #NONE} */
    @Override
    public long applyAsLong(Request request) {
        SwitchboardConfig rules = config.get();
        String path = Request.getPathInContext(request);
        if (path != null && (path.equals("/admin") || path.startsWith("/admin/"))) {
            if (path.equals(Dashboard.SIGN_IN)) {
                return Dashboard.MAX_SIGN_IN_BYTES;
            }
            String token = rules.admin().token();
            if (token.isEmpty()) {
                return NONE;
            }
            String authorization = joined(request, "Authorization");
            if (authorization != null) {
                return AdminServlet.authorized(authorization, token) ? AdminServlet.MAX_BODY_BYTES : NONE;
            }
            Dashboard d = dashboard.get();
            return d != null && d.signedIn(sessionIds(request)) ? AdminServlet.MAX_BODY_BYTES : NONE;
        }
        if (rules.rules().identity().keysRequired()
                && !Callers.identifies(name -> joined(request, name), rules.rules().identity())) {
            return NONE;
        }
        return rules.server().maxRequestBytes();
    }

    /** @return every value of a header joined with commas, as the servlet side reads it, or {@code null} */
    private static String joined(Request request, String name) {
        List<String> values = request.getHeaders().getValuesList(name);
        return values.isEmpty() ? null : String.join(",", values);
    }

    private static List<String> sessionIds(Request request) {
        List<String> ids = new ArrayList<>(1);
        for (HttpCookie c : Request.getCookies(request)) {
            if (Dashboard.COOKIE.equals(c.getName())) {
                ids.add(c.getValue());
            }
        }
        return ids;
    }
}
