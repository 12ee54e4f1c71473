package dev.switchboard.servlet;

import dev.switchboard.body.BodyReader;
import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Feedback;
import dev.switchboard.exchange.FeedbackSink;
import dev.switchboard.json.JsonTree;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/**
 * {@code POST /v1/feedback} (SPEC section 10): {@code {"request_id": "...", "score": 0..1 | true | false,
 * "comment"?: "..."}} from an authenticated caller, handed to the {@link FeedbackSink}; 204 when recorded,
 * 404 for a request id not open for feedback, 409 for a second score, 400 for a body that is not one.
 * Without a sink the path is not served (404 {@code unknown_path}). Thread-safe (stateless).
 */
final class FeedbackHandler {

    /** Feedback is small: a request id, a number and a comment of at most 500 characters. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    /** As long as a request id the gateway accepts from a client ({@code X-Request-Id}). */
    static final int MAX_REQUEST_ID = 128;

    private FeedbackHandler() {
    }

    static void handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange, FeedbackSink sink)
            throws IOException {
        if (sink == null) {
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, ApiError.UNKNOWN_PATH.with());
            return;
        }
        BodyReader.Body body;
        try {
            body = BodyReader.read(request::getInputStream, request.getContentLengthLong(),
                    request.getHeader("Content-Encoding"), MAX_BODY_BYTES);
        } catch (BodyReader.BodyException e) {
            Rejections.logIfReadBefore(e);
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, e.kind().error().with(e.getMessage()));
            return;
        }
        Object tree;
        try {
            tree = JsonTree.parseUnique(java.util.Arrays.copyOf(body.bytes(), body.length()));
        } catch (JsonTree.DuplicateKeyException e) {
            // Which copy counts differs by reader: a score for one request or another is no score (SPEC section 15).
            Rejections.send(response, exchange, ApiError.INVALID_FEEDBACK.with(e.describe()));
            return;
        }
        String problem = null;
        Feedback feedback = null;
        if (!(tree instanceof Map<?, ?> m)) {
            problem = "request body must be a JSON object {\"request_id\", \"score\", \"comment\"?}";
        } else if (!(m.get("request_id") instanceof String id) || id.isBlank() || id.length() > MAX_REQUEST_ID) {
            problem = "request_id must be the X-Switchboard-Request-Id of an earlier response";
        } else if (m.get("comment") != null && !(m.get("comment") instanceof String)) {
            problem = "comment must be a string";
        } else {
            Double score = score(m.get("score"));
            if (score == null) {
                problem = "score must be a number from 0 to 1, true or false";
            } else {
                feedback = new Feedback(id, score, (String) m.get("comment"));
            }
        }
        if (problem != null) {
            Rejections.send(response, exchange, ApiError.INVALID_FEEDBACK.with(problem));
            return;
        }
        switch (sink.accept(feedback, exchange.caller())) {
            case RECORDED -> {
                // Only a score taken is logged as one: a log summed for scores must not count refused ones.
                exchange.recorder().feedback(feedback);
                response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            }
            case UNKNOWN -> Rejections.send(response, exchange, ApiError.FEEDBACK_NOT_FOUND.with());
            case ALREADY_SCORED -> Rejections.send(response, exchange, ApiError.FEEDBACK_CONFLICT.with());
            case IN_PROGRESS -> {
                response.setHeader("Retry-After", "1");
                Rejections.send(response, exchange, ApiError.FEEDBACK_TOO_EARLY.with());
            }
        }
    }

    private static Double score(Object value) {
        if (value instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        if (value instanceof JsonTree.Num n) {
            try {
                double d = Double.parseDouble(n.text());
                return d >= 0 && d <= 1 ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
