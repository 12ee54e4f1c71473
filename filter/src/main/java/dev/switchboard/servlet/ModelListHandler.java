package dev.switchboard.servlet;

import dev.switchboard.body.BodyReader;
import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Rules;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} (SPEC section 4): captures the downstream
 * list (also when the servlet answers asynchronously or gzip-compressed) and answers it shaped for the
 * caller. Thread-safe.
 */
final class ModelListHandler {

    /** The largest {@code /v1/models} response this filter transforms. */
    static final int MAX_MODELS_RESPONSE_BYTES = 16 * 1024 * 1024;

    private static final Log LOG = Log.get(ModelListHandler.class);
    private static final Set<String> MODELS_HEADERS = Set.of("accept-encoding", "x-switchboard-provider");
    private static final Set<String> MODELS_AND_KEY_HEADERS = Set.of("accept-encoding", "authorization", "x-api-key", "x-switchboard-provider");

    /** Whether a list cut at its upstream's page was logged: once per filter. */
    private final AtomicBoolean cutWarned = new AtomicBoolean();

    /**
     * @param singleId for {@code GET /v1/models/{id}} the id, else {@code null}
     * @return what to forward, or {@code null} when the request was answered here (a paging parameter refused)
     */
    Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange, String singleId)
            throws IOException {
        Rules rules = exchange.config().rules();
        // Anthropic's list pages: the caller's paging applies to the list as shaped for it (its ids are the caller's),
        // so the upstream is asked for its whole list (also to find one model in it), not the caller's page of it.
        boolean paged = singleId == null && exchange.anthropic();
        ModelsList.Page page = ModelsList.Page.ALL;
        if (paged) {
            try {
                page = ModelsList.Page.of(request.getQueryString());
            } catch (IllegalArgumentException e) {
                Rejections.send(response, exchange, ApiError.INVALID_REQUEST.with(e.getMessage()));
                return null;
            }
        }
        Set<String> hidden = rules.identity().keysRequired() ? MODELS_AND_KEY_HEADERS : MODELS_HEADERS;
        CapturingResponse captured = new CapturingResponse(response);
        SwitchboardRequest wrapped = new SwitchboardRequest(request, null, 0, hidden,
                singleId == null ? null : Paths.MODELS_PATH, captured);
        if (exchange.anthropic()) {
            wrapped.query(ModelsList.Page.forwarded(singleId == null ? request.getQueryString() : null));
        }
        ModelsList.Page shown = page;
        Runnable finish = () -> {
            try {
                finish(captured, response, rules, exchange, singleId, shown);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                // Same guard as the request side: our failure is a JSON 500, never a container page.
                LOG.error("Switchboard filter failed shaping /v1/models", e);
                if (!response.isCommitted()) {
                    try {
                        Rejections.send(response, exchange, ApiError.INTERNAL_ERROR.with());
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                }
            }
        };
        wrapped.beforeComplete(finish);
        return new Next(wrapped, captured, exchange, finish);
    }

    /**
     * @return the request's path inside its webapp, as sent (for {@link Paths#segments}); when the container
     *     found the webapp through another spelling of its context path ({@code //app}, {@code /%61pp},
     *     {@code /./app}, {@code /app/../app}), the path it mapped inside it: its decoded servlet path and path info
     */
    static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        if (context.isEmpty()) {
            return uri;
        }
        // The context path as a whole first segment: /appx/../app begins with /app, but not with its segment.
        boolean inside = uri.startsWith(context) && (uri.length() == context.length()
                || uri.charAt(context.length()) == '/' || uri.charAt(context.length()) == ';');
        if (inside && Paths.segments(uri.substring(context.length())) != null) {
            return uri.substring(context.length());
        }
        // The container matched the webapp on the decoded, normalised path, which the raw URI does not start with
        // (or climbs out of and back into, or passes through a longer name: /appx/../app): judge what it maps, never
        // the whole URI or a piece of a segment as a path of no API (SPEC 15).
        String mapped = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        // Already decoded: a '%' left in it is a character, not an escape to decode twice.
        return mapped.replace("%", "%25");
    }

    private void finish(CapturingResponse captured, HttpServletResponse response, Rules rules, Exchange exchange,
                        String singleId, ModelsList.Page page) throws IOException {
        if (captured.passedThrough() || response.isCommitted()) {
            return;
        }
        Caller caller = exchange.caller();
        boolean anthropic = exchange.anthropic();
        byte[] raw = captured.captured();
        byte[] plain = raw;
        String encoding = captured.contentEncoding();
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            try {
                BodyReader.Body decoded = BodyReader.read(new ByteArrayInputStream(raw), raw.length, encoding,
                        MAX_MODELS_RESPONSE_BYTES);
                plain = Arrays.copyOf(decoded.bytes(), decoded.length());
            } catch (BodyReader.BodyException e) {
                plain = null;
            }
        }
        ModelsList.Result result = plain != null && captured.getStatus() == 200
                ? ModelsList.transform(plain, rules, caller, anthropic, singleId, page) : null;
        if (result != null && result.cut() && cutWarned.compareAndSet(false, true)) {
            LOG.warn("the downstream's model list says more pages follow (has_more: true); /v1/models leaves out the "
                    + "models past the page it answered (logged once)");
        }
        if (result == null && captured.getStatus() == 200) {
            // A list we cannot read (an encoding we cannot decode, not JSON) cannot be shaped, and passing it
            // on would list models this caller may not call (SPEC section 4).
            Rejections.send(response, exchange, ApiError.MODELS_LIST_UNREADABLE.with());
            return;
        }
        if (result == null) {
            // Not a model list (an upstream error, say): the client gets it exactly as sent.
            if (encoding != null) {
                response.setHeader("Content-Encoding", encoding);
            }
            response.setContentLength(raw.length);
            response.getOutputStream().write(raw);
            response.flushBuffer();
            return;
        }
        if (result.status() == 404) {
            Rejections.send(response, exchange, ApiError.LISTED_MODEL_NOT_FOUND.with(singleId));
            return;
        }
        response.setStatus(200);
        response.setContentType("application/json");
        // The list is this caller's: no shared cache may keep it, and the upstream's validators describe another body.
        response.setHeader("Cache-Control", "private, no-store");
        response.setHeader("ETag", null);
        response.setHeader("Last-Modified", null);
        response.setHeader("Vary", "Authorization, x-api-key, anthropic-version, " + rules.identity().userPathHeader());
        response.setContentLength(result.body().length);
        response.getOutputStream().write(result.body());
        response.flushBuffer();
    }
}
