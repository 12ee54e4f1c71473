package dev.switchboard.servlet;

import dev.switchboard.body.ModelField;
import dev.switchboard.body.Multipart;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;

/**
 * The opening of a realtime WebSocket ({@code GET /v1/realtime?model=M}, SPEC section 15; a translation session's at
 * {@code /v1/realtime/translations}): a WebSocket upgrade from a program (no browser page: no {@code Origin}), with no
 * body and a query of {@code model} (resolved and checked for the caller as a body's model is), with
 * {@code intent=transcription} for a transcription session, or a SIP call's {@code call_id} alone (model-less: the
 * caller's access to the provider decides). The proxy that takes the socket over builds the upstream's query itself
 * (the concrete name, the intent or the call, nothing else of the client's), so what the upstream reads is what was
 * checked here; the events the client sends on the socket are checked one by one ({@link RealtimeEvents}).
 */
final class RealtimeUpgrade {

    private RealtimeUpgrade() {
    }

    /**
     * @param request the upgrade request
     * @return why it is refused before its model is looked at, or {@code null}
     */
    static ErrorResponse check(HttpServletRequest request) {
        if (!"GET".equalsIgnoreCase(request.getMethod())) {
            return ApiError.METHOD_NOT_ALLOWED.with("GET");
        }
        if (!upgradeToWebSocket(request)) {
            return ApiError.INVALID_REQUEST.with("the realtime API is a WebSocket: send GET with ?model=... as a"
                    + " WebSocket upgrade (Upgrade: websocket)");
        }
        if (!headerHas(request, "Connection", "upgrade") || request.getHeader("Sec-WebSocket-Key") == null
                || !"13".equals(request.getHeader("Sec-WebSocket-Version"))) {
            // Judged before the provider's socket is opened: an upgrade the server side would then refuse opens nothing.
            return ApiError.INVALID_REQUEST.with("a WebSocket upgrade needs Connection: Upgrade, Sec-WebSocket-Key and"
                    + " Sec-WebSocket-Version: 13");
        }
        if (request.getHeader("Origin") != null) {
            // A page a browser shows could open it with nothing the page's user agreed to: the provider's key would act
            // for any site the operator visits. Programs (the SDKs, ws, websockets) send no Origin.
            return ApiError.ADMIN_FORBIDDEN.with("the realtime socket is not opened from a browser page (Origin: "
                    + ModelNames.visible(request.getHeader("Origin")) + "); connect from a server");
        }
        if (HeaderValues.hasBody(request)) {
            return ApiError.INVALID_REQUEST.with("a WebSocket upgrade has no body");
        }
        return null;
    }

    /** @return whether a comma-separated header lists a token, in any case */
    private static boolean headerHas(HttpServletRequest request, String name, String token) {
        Enumeration<String> values = request.getHeaders(name);
        while (values != null && values.hasMoreElements()) {
            for (String t : values.nextElement().split(",")) {
                if (t.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** @return whether every {@code Upgrade} header names {@code websocket} and nothing else */
    private static boolean upgradeToWebSocket(HttpServletRequest request) {
        Enumeration<String> values = request.getHeaders("Upgrade");
        boolean any = false;
        while (values != null && values.hasMoreElements()) {
            if (!values.nextElement().strip().equalsIgnoreCase("websocket")) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /**
     * Reads the model of the query and decides it for the caller.
     *
     * @return what to pass on (the request as it came: it has no body), or {@code null} when refused here
     */
    static Next decide(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Picker picker)
            throws IOException {
        Query query;
        try {
            query = query(request.getQueryString());
            if ((query.callId() != null || query.transcription()) && RealtimeEvents.TRANSLATIONS.equals(exchange.path())) {
                throw new IllegalArgumentException("a translation session takes a model, and nothing else");
            }
        } catch (IllegalArgumentException e) {
            Rejections.send(response, exchange, ApiError.INVALID_REQUEST.with(e.getMessage()));
            return null;
        }
        if (query.transcription()) {
            request.setAttribute(RealtimeEvents.TRANSCRIPTION, Boolean.TRUE);
        }
        if (query.callId() != null || query.model() == null) {
            // A SIP call's socket (its session's model was checked when the call was accepted), or a transcription
            // session whose model its events will set (no audio goes on before a checked one is in force). Model-less,
            // it goes where requests without one go (the provider the caller names), the caller judged by its access
            // to that provider.
            if (query.callId() != null) {
                request.setAttribute(RealtimeEvents.CALL_ID, query.callId());
            }
            return new Next(request, response, exchange, null);
        }
        String model = query.model();
        ApiError unusable = ModelField.nameError(model);
        if (unusable != null) {
            Rejections.send(response, exchange, unusable.with());
            return null;
        }
        Decision d = Resolver.resolve(exchange.config().rules(), model, exchange.caller(), picker);
        response.setHeader(VirtualModelFilter.MODEL_HEADER, ModelRequestHandler.headerSafe(d.concrete()));
        if (d.redirect() != null) {
            response.setHeader(VirtualModelFilter.VIRTUAL_MODEL_HEADER, ModelRequestHandler.headerSafe(d.redirect()));
        }
        ApiError denied = ApiError.forOutcome(d.outcome());
        if (denied != null) {
            Rejections.send(response, exchange.withDecision(d, null),
                    denied.with(d.outcome() == Outcome.NOT_FOUND ? d.concrete() : d.provider()));
            return null;
        }
        if (!ModelNames.sendable(d.upstreamModel())) {
            // As in a request's body (ModelRequestHandler): sent as written, an upstream could read it as another model.
            Rejections.send(response, exchange.withDecision(d, null), ApiError.MODEL_UNSENDABLE.with());
            return null;
        }
        return new Next(request, response, exchange.withDecision(d, null), null);
    }

    /**
     * What a socket's query names: a model, or (a SIP call's socket) the call; a transcription session says so.
     *
     * @param model the model, decoded, or {@code null}
     * @param callId the call's id, or {@code null}
     * @param transcription whether the socket is a transcription session ({@code intent=transcription})
     */
    record Query(String model, String callId, boolean transcription) {
    }

    /**
     * @param query the raw query string
     * @return what it names: {@code model}; {@code intent=transcription}, with a {@code model} (the transcription
     *     model) or without; or {@code call_id} alone (a call's id: letters, digits, {@code _-.}); each once
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static Query query(String query) {
        if (query == null || query.isEmpty()) {
            throw new IllegalArgumentException("name the model in the query: ?model=...");
        }
        String malformed = RequestChecks.malformed(query);
        if (malformed != null) {
            throw new IllegalArgumentException("the query has a broken percent escape or a character a URI must escape: "
                    + malformed);
        }
        String model = null;
        String callId = null;
        boolean transcription = false;
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String raw = eq < 0 ? null : pair.substring(eq + 1);
            if (name.equals("model") && raw != null) {
                if (model != null) {
                    throw new IllegalArgumentException("model is named twice in the query");
                }
                model = decode(raw);
            } else if (name.equals("call_id") && raw != null && callId == null) {
                if (raw.isEmpty() || raw.length() > 128 || !raw.chars().allMatch(c -> c < 0x80
                        && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.'))) {
                    throw new IllegalArgumentException("a call_id is 1 to 128 letters, digits, '_', '-' or '.'");
                }
                callId = raw;
            } else if (name.equals("intent") && "transcription".equals(raw) && !transcription) {
                transcription = true;
            } else {
                // Nothing else: every other parameter (an Azure api-key, another intent, a name spelled another way, one
                // sent twice) would be read by an upstream as something this gateway did not check.
                throw new IllegalArgumentException("the realtime socket takes model (and intent=transcription for a"
                        + " transcription session), or call_id alone (a SIP call's socket), each once; not '"
                        + ModelNames.visible(truncated(pair)) + "'");
            }
        }
        if (callId != null && (model != null || transcription)) {
            throw new IllegalArgumentException("a SIP call's socket takes call_id alone");
        }
        if (callId == null && model == null && !transcription) {
            throw new IllegalArgumentException("name the model in the query: ?model=...");
        }
        return new Query(model, callId, transcription);
    }

    private static String truncated(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    /** A query value as a form decodes it ({@code +} is a space), its bytes strict UTF-8; its escapes are whole. */
    private static String decode(String raw) {
        byte[] bytes = RequestChecks.queryBytes(raw);
        String value = Multipart.utf8(bytes, 0, bytes.length);
        if (value == null) {
            throw new IllegalArgumentException("the model in the query is not UTF-8");
        }
        return value;
    }
}
