package dev.switchboard.servlet;

import dev.switchboard.body.BodyReader;
import dev.switchboard.body.JsonModelLocator;
import dev.switchboard.body.ModelField;
import dev.switchboard.body.MultipartModelLocator;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.RewritableBody;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/**
 * Model-carrying requests (SPEC section 3): reads the body under the size cap, finds the
 * {@code model}, resolves it for the caller, and either rejects (SPEC section 5) or hands on a request
 * whose body carries the upstream model (a byte-exact splice) and whose length headers agree.
 * Thread-safe.
 */
final class ModelRequestHandler {

    private static final Set<String> BODY_HEADERS = Set.of("content-encoding", "transfer-encoding");
    private static final Set<String> BODY_AND_KEY_HEADERS =
            Set.of("content-encoding", "transfer-encoding", "authorization", "x-api-key");

    private final Picker picker;
    private volatile Parsers parsers;

    ModelRequestHandler(Picker picker) {
        this.picker = picker;
    }

    /** @return what to forward, or {@code null} when the request was answered here */
    Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange) throws IOException {
        SwitchboardConfig config = exchange.config();
        boolean multipart = exchange.endpoint() == Endpoint.MULTIPART_MODEL;
        int max = config.server().maxRequestBytes();
        BodyReader.Body body;
        try {
            body = BodyReader.read(request.getInputStream(), request.getContentLengthLong(),
                    request.getHeader("Content-Encoding"), max);
        } catch (BodyReader.BodyException e) {
            if (e.kind() != BodyReader.BodyException.Kind.UNDECODABLE) {
                Rejections.closeIfBodyUnread(request, response);
            }
            Rejections.send(response, exchange, e.kind().error().with(e.getMessage()));
            return null;
        }
        String boundary = multipart ? MultipartModelLocator.boundary(request.getContentType()) : null;
        if (multipart && boundary == null) {
            // Audio endpoints take forms only: reading such a body as JSON could disagree with the upstream.
            Rejections.send(response, exchange,
                    ApiError.INVALID_BODY.with("this endpoint takes multipart/form-data with a boundary"));
            return null;
        }
        ModelField field = boundary != null
                ? MultipartModelLocator.locate(body.bytes(), body.length(), boundary)
                : parsers(max).locate(body.bytes(), body.length());
        ErrorResponse invalid = field.error(boundary != null);
        if (invalid != null) {
            Rejections.send(response, exchange, invalid);
            return null;
        }
        Decision decision = Resolver.resolve(config.rules(), field.model(), exchange.caller(), picker);
        response.setHeader(VirtualModelFilter.MODEL_HEADER, headerSafe(decision.concrete()));
        if (decision.redirect() != null) {
            response.setHeader(VirtualModelFilter.VIRTUAL_MODEL_HEADER, headerSafe(decision.redirect()));
        }
        ApiError denied = ApiError.forOutcome(decision.outcome());
        if (denied != null) {
            Exchange decided = exchange.withDecision(decision, null);
            Rejections.send(response, decided, denied.with(decision.outcome() == Outcome.NOT_FOUND
                    ? decision.concrete() : decision.provider()));
            return null;
        }
        byte[] original = body.bytes();
        int length = body.length();
        RewritableBody rewritten = new RewritableBody(field.splice(original, length, decision.upstreamModel()),
                model -> field.splice(original, length, model));
        Exchange decided = exchange.withDecision(decision, rewritten);
        byte[] bytes = rewritten.bytes();
        Set<String> hidden = config.rules().identity().keysRequired() ? BODY_AND_KEY_HEADERS : BODY_HEADERS;
        return new Next(new SwitchboardRequest(request, bytes, bytes.length, hidden, null, response), response,
                decided, null);
    }

    /** Header values cannot carry CR/LF or other controls; a model name with them is shown escaped. */
    static String headerSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0xff) {
                StringBuilder sb = new StringBuilder(value.length() + 8);
                value.codePoints().forEach(cp -> {
                    if (cp < 0x20 || cp == 0x7f || cp > 0xff) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                });
                return sb.toString();
            }
        }
        return value;
    }

    private JsonModelLocator parsers(int max) {
        Parsers p = parsers;
        if (p == null || p.max != max) {
            p = new Parsers(max, new JsonModelLocator(max));
            parsers = p;
        }
        return p.json;
    }

    private record Parsers(int max, JsonModelLocator json) {
    }
}
