package dev.switchboard.servlet;

import dev.switchboard.rules.Identification;
import dev.switchboard.rules.Identity;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/** Request -> caller (SPEC section 2, "Caller's path"): the gateway key, the host's attribute, the header. */
final class Callers {

    private Callers() {
    }

    static Identification identify(HttpServletRequest request, Identity identity) {
        String key = null;
        if (identity.keysRequired()) {
            // Sent twice, either is one joined value no key matches: never "the first one wins".
            String bearer = bearer(HeaderValues.joined(request, "Authorization"));
            String apiKey = HeaderValues.joined(request, "x-api-key");
            key = bearer != null && (apiKey == null || identity.authenticate(bearer) != null) ? bearer : apiKey;
        }
        Object host = request.getAttribute(Identity.USER_PATH_ATTRIBUTE);
        // Every value of the header, joined as a proxy would: two of them are refused, never "first wins".
        return identity.identify(key, host instanceof String s ? s : null,
                HeaderValues.joined(request, identity.userPathHeader()), request.getHeader(Identity.SESSION_ID_HEADER));
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        return a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ") ? a.substring(7).strip() : null;
    }
}
