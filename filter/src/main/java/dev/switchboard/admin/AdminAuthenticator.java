package dev.switchboard.admin;

import jakarta.servlet.http.HttpServletRequest;

/**
 * A second way into the admin API besides the bearer token: the dashboard's session cookie (module
 * {@code switchboard-dashboard}). {@link AdminServlet} consults it only for a request that carries no
 * {@code Authorization} header, so scripts that send the token are judged exactly as without it. Thread-safe.
 */
public interface AdminAuthenticator {

    /**
     * @param request an admin request without an {@code Authorization} header
     * @param token the admin token in force (never empty: without one the API is off)
     * @return whether the request is admitted; {@code false} when it carries no credential this authenticator
     *     recognizes (answered 401, as a missing token is)
     * @throws AdminException to refuse a request it recognizes but will not admit (403 for a write without its
     *     CSRF token, or from another origin)
     */
    boolean admits(HttpServletRequest request, String token);
}
