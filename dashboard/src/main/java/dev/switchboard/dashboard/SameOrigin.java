package dev.switchboard.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Whether a browser's write comes from the dashboard's own origin. The browser states the origin of the page that
 * sent a request in {@code Origin} (and, in current browsers, how it relates in {@code Sec-Fetch-Site}); the request's
 * own {@code Host} says where it was sent. Only host and port are compared, not the scheme, so that a gateway behind
 * a TLS-terminating proxy (the browser on https, the gateway on http) still recognizes its own pages.
 */
final class SameOrigin {

    private SameOrigin() {
    }

    /**
     * @param req a request made with the session cookie
     * @return whether nothing says it came from another origin: {@code Origin} names this host and port, or, without
     *     {@code Origin}, {@code Sec-Fetch-Site} is absent or {@code same-origin}
     */
    static boolean admits(HttpServletRequest req) {
        String origin = req.getHeader("Origin");
        if (origin != null) {
            return sameAuthority(origin, req.getHeader("Host"));
        }
        String site = req.getHeader("Sec-Fetch-Site");
        return site == null || site.equals("same-origin");
    }

    /**
     * @param origin an {@code Origin} header ({@code scheme://host[:port]}, or {@code null})
     * @param host a {@code Host} header ({@code host[:port]})
     * @return whether both name the same host and port (a missing port is the origin scheme's default)
     */
    static boolean sameAuthority(String origin, String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        URI o;
        URI h;
        try {
            o = new URI(origin.strip());
            h = new URI("http://" + host.strip());
        } catch (URISyntaxException e) {
            return false;
        }
        if (o.getScheme() == null || o.getHost() == null || h.getHost() == null || o.getRawPath() != null
                && !o.getRawPath().isEmpty()) {
            // "null" (a sandboxed or opaque origin), or not an origin at all.
            return false;
        }
        int defaultPort = "https".equalsIgnoreCase(o.getScheme()) ? 443 : "http".equalsIgnoreCase(o.getScheme()) ? 80 : -1;
        int originPort = o.getPort() == -1 ? defaultPort : o.getPort();
        int hostPort = h.getPort() == -1 ? defaultPort : h.getPort();
        return originPort == hostPort && o.getHost().toLowerCase(Locale.ROOT).equals(h.getHost().toLowerCase(Locale.ROOT));
    }
}
