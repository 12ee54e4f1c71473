package dev.switchboard.exchange;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.async.ByteArrayFeeder;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads token usage and how the answer ended from a response body as it passes to the client (SPEC
 * section 9), a tap that never changes, holds back or delays a byte: the caller writes each chunk to the
 * client first and then hands it here. JSON bodies are read by a non-blocking streaming parse (up to
 * {@link #MAX_JSON_BYTES}; nothing is materialized but the current token); SSE streams one event at a
 * time (events up to {@link #MAX_EVENT_BYTES}; a larger one is skipped).
 *
 * <p>Understood: OpenAI chat/completions ({@code usage.prompt_tokens}, {@code completion_tokens},
 * {@code prompt_tokens_details.cached_tokens}, {@code completion_tokens_details.reasoning_tokens},
 * {@code choices[].finish_reason}; in streams the chunk that carries {@code usage}), the Responses API
 * ({@code usage.input_tokens}, {@code output_tokens}, {@code input_tokens_details.cached_tokens},
 * {@code output_tokens_details.reasoning_tokens}, {@code status}; in streams {@code response.completed}),
 * embeddings ({@code usage.prompt_tokens}) and Anthropic messages ({@code usage.input_tokens},
 * {@code output_tokens}, {@code cache_read_input_tokens}, {@code cache_creation_input_tokens},
 * {@code stop_reason}; in streams {@code message_start} and {@code message_delta}). A later value
 * replaces an earlier one (a stream's last word counts); what no part of the response said stays
 * {@code null}: unknown, never zero.
 *
 * <p>Not thread-safe: one reader per response, fed by one thread at a time.
 */
public final class UsageReader {

    /** The largest JSON body read for usage (SPEC section 9); past it the rest is not read. */
    public static final int MAX_JSON_BYTES = 16 * 1024 * 1024;
    /** The largest SSE event read for usage; a larger one is skipped. */
    public static final int MAX_EVENT_BYTES = 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256)
                    .maxDocumentLength(MAX_JSON_BYTES).build())
            .build();

    private final boolean sse;
    private Long input;
    private Long output;
    private Long cached;
    private Long reasoning;
    private Long cacheCreation;
    private String finish;

    // JSON: one non-blocking parse of the whole body.
    private JsonParser parser;
    private long fed;
    private boolean stopped;

    // SSE: the current line and the current event's data.
    private final ByteArrayOutputStream line;
    private final ByteArrayOutputStream data;
    private boolean lineTooLong;
    private boolean eventTooLong;
    private boolean afterCr;

    private UsageReader(boolean sse) {
        this.sse = sse;
        // Only a stream needs line and event buffers; a JSON body is parsed as it comes.
        this.line = sse ? new ByteArrayOutputStream(256) : null;
        this.data = sse ? new ByteArrayOutputStream(256) : null;
    }

    /**
     * @param contentType the response's Content-Type, or {@code null}
     * @param contentEncoding the response's Content-Encoding, or {@code null}
     * @return a reader for a JSON or SSE body, or {@code null} when there is nothing it can read
     *     (another type, or a compressed body, which is passed to the client untouched)
     */
    public static UsageReader forResponse(String contentType, String contentEncoding) {
        if (contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.strip().equalsIgnoreCase("identity")) {
            return null;
        }
        if (contentType == null) {
            return null;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            return new UsageReader(true);
        }
        int semi = type.indexOf(';');
        String media = (semi < 0 ? type : type.substring(0, semi)).strip();
        return media.equals("application/json") || media.endsWith("+json") ? new UsageReader(false) : null;
    }

    /**
     * The next bytes of the body, after they went to the client.
     *
     * @param bytes a buffer
     * @param offset where the chunk starts
     * @param length its length
     */
    public void accept(byte[] bytes, int offset, int length) {
        if (sse) {
            for (int i = offset; i < offset + length; i++) {
                sseByte(bytes[i]);
            }
        } else {
            json(bytes, offset, length);
        }
    }

    /** @return what the response said so far ({@link Usage#UNKNOWN} when nothing) */
    public Usage usage() {
        if (input == null && output == null && cached == null && reasoning == null && cacheCreation == null
                && finish == null) {
            return Usage.UNKNOWN;
        }
        return new Usage(input, output, cached, reasoning, cacheCreation, finish);
    }

    /**
     * The body ended: reads what is left (an SSE event not followed by a blank line is not dispatched,
     * as the SSE standard says).
     *
     * @return what the response said ({@link Usage#UNKNOWN} when nothing)
     */
    public Usage finish() {
        if (!sse && parser != null && !stopped) {
            ((ByteArrayFeeder) parser.nonBlockingInputFeeder()).endOfInput();
            drain();
            parser.close();
            stopped = true;
        }
        return usage();
    }

    // ---- JSON ----------------------------------------------------------------------------------------

    private void json(byte[] bytes, int offset, int length) {
        if (stopped) {
            return;
        }
        fed += length;
        if (fed > MAX_JSON_BYTES) {
            stopped = true;
            return;
        }
        try {
            if (parser == null) {
                parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
            }
            ((ByteArrayFeeder) parser.nonBlockingInputFeeder()).feedInput(bytes, offset, offset + length);
            drain();
        } catch (JacksonException e) {
            // Not JSON after all: nothing more to read here, and nothing to tell the client.
            stopped = true;
        }
    }

    private void drain() {
        try {
            JsonToken t;
            while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
                token(parser, t);
            }
        } catch (JacksonException e) {
            stopped = true;
        }
    }

    // ---- SSE -----------------------------------------------------------------------------------------

    private void sseByte(byte b) {
        if (b == '\n' && afterCr) {
            // CRLF: the CR already ended the line.
            afterCr = false;
            return;
        }
        afterCr = b == '\r';
        if (b != '\n' && b != '\r') {
            if (line.size() < MAX_EVENT_BYTES) {
                line.write(b);
            } else {
                lineTooLong = true;
            }
            return;
        }
        if (line.size() == 0 && !lineTooLong) {
            dispatch();
            return;
        }
        field();
        line.reset();
        lineTooLong = false;
    }

    /** One field line of an event: only {@code data} matters. */
    private void field() {
        byte[] l = line.toByteArray();
        if (l.length < 5 || l[0] != 'd' || l[1] != 'a' || l[2] != 't' || l[3] != 'a' || (l.length > 4 && l[4] != ':')) {
            return;
        }
        int from = l.length > 5 && l[5] == ' ' ? 6 : 5;
        if (lineTooLong || data.size() + l.length - from + 1 > MAX_EVENT_BYTES) {
            eventTooLong = true;
            return;
        }
        if (data.size() > 0) {
            data.write('\n');
        }
        data.write(l, from, l.length - from);
    }

    private void dispatch() {
        try {
            if (!eventTooLong && data.size() > 0) {
                event(data.toByteArray());
            }
        } finally {
            data.reset();
            eventTooLong = false;
        }
    }

    private void event(byte[] json) {
        if (json[0] != '{') {
            // "[DONE]" and anything else that is not an object carries no usage.
            return;
        }
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                token(p, t);
            }
        } catch (JacksonException e) {
            // A malformed event: skipped, the stream goes on.
        }
    }

    // ---- what a token means --------------------------------------------------------------------------

    private void token(JsonParser p, JsonToken t) {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_STRING) {
            return;
        }
        TokenStreamContext ctx = p.streamReadContext();
        if (!ctx.inObject()) {
            return;
        }
        String name = ctx.currentName();
        String object = nameOf(ctx);
        if (t == JsonToken.VALUE_NUMBER_INT) {
            long v = p.getLongValue();
            if ("usage".equals(object)) {
                switch (name) {
                    case "prompt_tokens", "input_tokens" -> input = v;
                    case "completion_tokens", "output_tokens" -> output = v;
                    case "cache_read_input_tokens" -> cached = v;
                    case "cache_creation_input_tokens" -> cacheCreation = v;
                    default -> {
                    }
                }
            } else if ("cached_tokens".equals(name) && ("prompt_tokens_details".equals(object)
                    || "input_tokens_details".equals(object)) && "usage".equals(nameOf(ctx.getParent()))) {
                cached = v;
            } else if ("reasoning_tokens".equals(name) && ("completion_tokens_details".equals(object)
                    || "output_tokens_details".equals(object)) && "usage".equals(nameOf(ctx.getParent()))) {
                reasoning = v;
            }
            return;
        }
        switch (name) {
            case "finish_reason" -> {
                // choices[].finish_reason: the object's parent is the "choices" array.
                TokenStreamContext parent = ctx.getParent();
                if (parent != null && parent.inArray() && "choices".equals(nameOf(parent))) {
                    finish = p.getString();
                }
            }
            case "stop_reason" -> finish = p.getString();
            case "status" -> {
                // Responses: the response's own status, at the top of a body or under "response" in an event.
                if (ctx.getParent() == null || ctx.getParent().inRoot() || "response".equals(object)) {
                    finish = p.getString();
                }
            }
            default -> {
            }
        }
    }

    /** @return the key under which a context's object or array sits in its parent, or {@code null} */
    private static String nameOf(TokenStreamContext ctx) {
        TokenStreamContext parent = ctx == null ? null : ctx.getParent();
        return parent != null && parent.inObject() ? parent.currentName() : null;
    }
}
