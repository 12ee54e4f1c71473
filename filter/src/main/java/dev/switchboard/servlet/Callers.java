package dev.switchboard.servlet;

import dev.switchboard.rules.Identification;
import dev.switchboard.rules.Identity;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** Request -> caller (SPEC section 2, "Caller's path"): the gateway key, the host's attribute, the header. */
public final class Callers {

    private Callers() {
    }

    static Identification identify(HttpServletRequest request, Identity identity) {
        Object host = request.getAttribute(Identity.USER_PATH_ATTRIBUTE);
        return identify(name -> HeaderValues.joined(request, name), host instanceof String s ? s : null,
                request.getHeader(Identity.SESSION_ID_HEADER), identity);
    }

    /**
     * What a request presented to say who its caller is, kept to identify it again by later rules: an open socket's
     * events are judged by the keys and paths in force, not by those of its opening.
     *
     * @param headers every header of the request, each joined as {@link HeaderValues#joined} reads it (any name:
     *     the user-path header's own may change with the rules)
     * @param hostUserPath the host's attribute, or {@code null}
     * @param sessionId the session header's first value, or {@code null}
     */
    record Presented(Map<String, String> headers, String hostUserPath, String sessionId) {

        /** @return the caller by {@code identity}, as the request would be identified if it came now */
        Identification identify(Identity identity) {
            return Callers.identify(headers::get, hostUserPath, sessionId, identity);
        }
    }

    /**
     * Whether a request's headers identify a caller, as the filter will identify it (no host attribute: the bundled
     * proxy's case): a request that fails this is refused before a byte of its body is read.
     *
     * @param joined every value of a header, joined as {@link HeaderValues#joined} reads it, or {@code null}
     * @param identity the rules' identity
     * @return whether the filter would identify a caller
     */
    public static boolean identifies(UnaryOperator<String> joined, Identity identity) {
        return identify(joined, null, null, identity).ok();
    }

    /** @return what {@code request} presented, copied: it outlives the request */
    static Presented presented(HttpServletRequest request) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, HeaderValues.joined(request, name));
        }
        Object host = request.getAttribute(Identity.USER_PATH_ATTRIBUTE);
        return new Presented(Collections.unmodifiableMap(headers), host instanceof String s ? s : null,
                request.getHeader(Identity.SESSION_ID_HEADER));
    }

    private static Identification identify(UnaryOperator<String> joined, String host, String sessionId,
                                           Identity identity) {
        String key = null;
        if (identity.keysRequired()) {
            // Sent twice, either is one joined value no key matches: never "the first one wins".
            String bearer = bearer(joined.apply("Authorization"));
            String apiKey = joined.apply("x-api-key");
            key = bearer != null && (apiKey == null || identity.authenticate(bearer) != null) ? bearer : apiKey;
        }
        // Every value of the header, joined as a proxy would: two of them are refused, never "first wins".
        return identity.identify(key, host, joined.apply(identity.userPathHeader()), sessionId);
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        return a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ") ? a.substring(7).strip() : null;
    }
}
