package dev.switchboard.jetty;

import dev.switchboard.error.ApiError;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A servlet that answers {@code GET} and {@code HEAD} only; any other method is 405 in the SPEC 5 shape. The servlet
 * API's own {@code TRACE} would echo every request header (a front proxy's credentials included) to anyone, before
 * the servlet's own checks.
 */
abstract class GetOnlyServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            resp.setHeader("Allow", "GET, HEAD");
            ApiError.METHOD_NOT_ALLOWED.with("GET, HEAD").send(resp, false);
            return;
        }
        super.service(req, resp);
    }
}
