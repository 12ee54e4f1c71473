package dev.switchboard.jetty;

import dev.switchboard.error.ApiError;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The WAR's error page ({@code WEB-INF/web.xml}): an error the container answers itself, after the gateway's own
 * answer was dropped (Tomcat fails a request whose body ends before its length, and renders its HTML report with the
 * exception's stack, Switchboard's frames included), in the SPEC 5 shape as the jar's {@link JsonErrorHandler}
 * writes it (without Jetty's server classes: a stock container hides them from a webapp). Only for the container's error dispatch: a request naming its path is a path of no API (404).
 */
final class ErrorPageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** Where {@code web.xml} sends errors. */
    static final String PATH = "/.switchboard-error";

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (resp.isCommitted()) {
            // An answer already under way that the gateway broke off (a cut stream: Tomcat includes the error page
            // into it): nothing may be added to it, or the cut would end in a JSON document.
            return;
        }
        if (req.getDispatcherType() != DispatcherType.ERROR) {
            ApiError.UNKNOWN_PATH.with().send(resp, false);
            return;
        }
        int status = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code && code >= 400
                ? code : 500;
        String uri = req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String u ? u : "";
        String path = uri.startsWith(req.getContextPath()) ? uri.substring(req.getContextPath().length()) : uri;
        String allow = status == 405 ? VirtualModelFilter.allowedAt(path) : null;
        if (allow != null) {
            // The container refused the method itself (Tomcat: TRACE) and listed its own methods: the API's instead.
            resp.setHeader("Allow", allow);
            ApiError.METHOD_NOT_ALLOWED.with(allow).send(resp, anthropicShape(path));
            return;
        }
        ApiError.forHttpStatus(status).withStatus(status, HttpStatus.getMessage(status).toLowerCase(Locale.ROOT))
                .send(resp, anthropicShape(path));
    }

    /**
     * @param path a request's path as sent, before the filter canonicalizes it
     * @return whether an error there is in Anthropic's shape: the Messages API however its slashes and case are spelled
     */
    static boolean anthropicShape(String path) {
        int i = 0;
        while (i + 1 < path.length() && path.charAt(i) == '/' && path.charAt(i + 1) == '/') {
            i++;
        }
        return path.regionMatches(true, i, "/v1/messages", 0, "/v1/messages".length());
    }
}
