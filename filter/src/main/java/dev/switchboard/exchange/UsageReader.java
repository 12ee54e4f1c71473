package dev.switchboard.exchange;

import java.util.Arrays;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.async.ByteArrayFeeder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;

/**
 * Reads token usage and how the answer ended from a response body as it passes to the client (SPEC
 * section 9), a tap that never changes, holds back or delays a byte: the caller writes each chunk to the
 * client first and then hands it here. A JSON body up to {@link #BUFFERED_JSON_BYTES} is copied aside and
 * read once at its end (a blocking parse that skips string values it does not need, which costs a fraction of
 * an incremental one); a larger one is read as it comes by a non-blocking parse (up to {@link #MAX_JSON_BYTES};
 * nothing is kept but the current token). SSE streams are read one event at a time (events up to
 * {@link #MAX_EVENT_BYTES}; a larger one is skipped).
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
    /** JSON bodies up to this size are copied aside and read at their end; larger ones as they come. */
    public static final int BUFFERED_JSON_BYTES = 64 * 1024;
    /** The largest SSE event read for usage; a larger one is skipped. */
    public static final int MAX_EVENT_BYTES = 1024 * 1024;
    /** What joins the data lines of one SSE event. */
    private static final byte[] NEWLINE = {'\n'};

    /** Buffers recycled per thread, not taken from and given back to the default shared deque per answer (7 % of a read). */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256)
                    .maxDocumentLength(MAX_JSON_BYTES).build())
            .recyclerPool(JsonRecyclerPools.threadLocalPool())
            .build();

    private final boolean sse;
    /** The body's declared length, or -1. */
    private final long contentLength;
    private Long input;
    private Long output;
    private Long cached;
    private Long reasoning;
    private Long cacheCreation;
    private String finish;

    // JSON: the body so far while it is small, else one non-blocking parse of the whole body.
    private byte[] body;
    private int bodyLength;
    private JsonParser parser;
    private long fed;
    private boolean stopped;

    // SSE: the current line and the current event's data.
    private Bytes line;
    private Bytes data;
    private boolean lineTooLong;
    private boolean eventTooLong;
    private boolean afterCr;

    private UsageReader(boolean sse, long contentLength) {
        this.sse = sse;
        this.contentLength = contentLength;
    }

    /**
     * @param contentType the response's Content-Type, or {@code null}
     * @param contentEncoding the response's Content-Encoding, or {@code null}
     * @return a reader for a JSON or SSE body, or {@code null} when there is nothing it can read
     *     (another type, or a compressed body, which is passed to the client untouched)
     */
    public static UsageReader forResponse(String contentType, String contentEncoding) {
        return forResponse(contentType, contentEncoding, -1);
    }

    /**
     * @param contentType the response's Content-Type, or {@code null}
     * @param contentEncoding the response's Content-Encoding, or {@code null}
     * @param contentLength the response's Content-Length, or -1 (a JSON body that comes whole in its first chunk
     *     is then read in place, without a copy)
     * @return a reader for a JSON or SSE body, or {@code null} when there is nothing it can read
     */
    public static UsageReader forResponse(String contentType, String contentEncoding, long contentLength) {
        if (contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.strip().equalsIgnoreCase("identity")) {
            return null;
        }
        if (contentType == null) {
            return null;
        }
        if (contentType.regionMatches(true, 0, "text/event-stream", 0, 17)) {
            return new UsageReader(true, contentLength);
        }
        int semi = contentType.indexOf(';');
        String media = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
        return media.equalsIgnoreCase("application/json") || media.regionMatches(true, media.length() - 5, "+json", 0, 5)
                ? new UsageReader(false, contentLength) : null;
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
            sse(bytes, offset, offset + length);
        } else {
            json(bytes, offset, length);
        }
    }

    /**
     * The body ended: reads what is left (an SSE event not followed by a blank line is not dispatched,
     * as the SSE standard says).
     *
     * @return what the response said ({@link Usage#UNKNOWN} when nothing)
     */
    public Usage finish() {
        if (!sse && !stopped) {
            stopped = true;
            if (body != null) {
                parse(body, 0, bodyLength);
                body = null;
            } else if (parser != null) {
                ((ByteArrayFeeder) parser.nonBlockingInputFeeder()).endOfInput();
                drain();
                parser.close();
            }
        }
        if (input == null && output == null && cached == null && reasoning == null && cacheCreation == null
                && finish == null) {
            return Usage.UNKNOWN;
        }
        return new Usage(input, output, cached, reasoning, cacheCreation, finish);
    }

    // ---- JSON ----------------------------------------------------------------------------------------

    private void json(byte[] bytes, int offset, int length) {
        if (stopped) {
            return;
        }
        fed += length;
        if (fed > MAX_JSON_BYTES) {
            stopped = true;
            body = null;
            return;
        }
        if (fed == length && length == contentLength) {
            // The whole body in one chunk, as small answers come: read it where it is, no copy.
            stopped = true;
            parse(bytes, offset, length);
            return;
        }
        if (parser == null && fed <= BUFFERED_JSON_BYTES) {
            if (body == null) {
                body = new byte[(int) (contentLength > 0 && contentLength <= BUFFERED_JSON_BYTES ? contentLength : length)];
            } else if (bodyLength + length > body.length) {
                body = Arrays.copyOf(body, Math.min(BUFFERED_JSON_BYTES, Math.max(bodyLength + length, body.length * 2)));
            }
            System.arraycopy(bytes, offset, body, bodyLength, length);
            bodyLength += length;
            return;
        }
        try {
            if (parser == null) {
                // Too large to keep aside: from here on, read as it comes.
                parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
                if (body != null) {
                    ((ByteArrayFeeder) parser.nonBlockingInputFeeder()).feedInput(body, 0, bodyLength);
                    body = null;
                    drain();
                }
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

    /** Reads one whole JSON text (a body, an event's data); a malformed one is read up to its fault. */
    private void parse(byte[] bytes, int offset, int length) {
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), bytes, offset, length)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                token(p, t);
            }
        } catch (JacksonException e) {
            // Not JSON, or cut: what was read before the fault stands.
        }
    }

    // ---- SSE -----------------------------------------------------------------------------------------

    private void sse(byte[] bytes, int from, int to) {
        if (line == null) {
            line = new Bytes();
            data = new Bytes();
        }
        int i = from;
        if (afterCr && i < to) {
            afterCr = false;
            if (bytes[i] == '\n') {
                // CRLF split between two chunks: the CR already ended the line.
                i++;
            }
        }
        while (i < to) {
            int end = i;
            while (end < to && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            if (line.length + (end - i) <= MAX_EVENT_BYTES) {
                line.append(bytes, i, end - i);
            } else {
                lineTooLong = true;
            }
            if (end == to) {
                return;
            }
            if (bytes[end] == '\r') {
                if (end + 1 < to) {
                    if (bytes[end + 1] == '\n') {
                        end++;
                    }
                } else {
                    afterCr = true;
                }
            }
            lineEnded();
            i = end + 1;
        }
    }

    private void lineEnded() {
        if (line.length == 0 && !lineTooLong) {
            dispatch();
            return;
        }
        field();
        line.length = 0;
        lineTooLong = false;
    }

    /** One field line of an event: only {@code data} matters. */
    private void field() {
        byte[] l = line.bytes;
        int n = line.length;
        if (n < 4 || l[0] != 'd' || l[1] != 'a' || l[2] != 't' || l[3] != 'a' || (n > 4 && l[4] != ':')) {
            return;
        }
        int from = n > 5 && l[5] == ' ' ? 6 : Math.min(n, 5);
        if (lineTooLong || data.length + n - from + 1 > MAX_EVENT_BYTES) {
            eventTooLong = true;
            return;
        }
        if (data.length > 0) {
            data.append(NEWLINE, 0, 1);
        }
        data.append(l, from, n - from);
    }

    private void dispatch() {
        if (!eventTooLong && data.length > 0 && data.bytes[0] == '{') {
            // "[DONE]" and anything else that is not an object carries no usage.
            parse(data.bytes, 0, data.length);
        }
        data.length = 0;
        eventTooLong = false;
    }

    /** A growable byte buffer without ByteArrayOutputStream's lock per write. */
    private static final class Bytes {
        byte[] bytes = new byte[256];
        int length;

        void append(byte[] b, int offset, int n) {
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + n, bytes.length * 2));
            }
            System.arraycopy(b, offset, bytes, length, n);
            length += n;
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
            if ("usage".equals(object)) {
                switch (name) {
                    case "prompt_tokens", "input_tokens" -> input = p.getLongValue();
                    case "completion_tokens", "output_tokens" -> output = p.getLongValue();
                    case "cache_read_input_tokens" -> cached = p.getLongValue();
                    case "cache_creation_input_tokens" -> cacheCreation = p.getLongValue();
                    default -> {
                    }
                }
            } else if ("cached_tokens".equals(name) && ("prompt_tokens_details".equals(object)
                    || "input_tokens_details".equals(object)) && "usage".equals(nameOf(ctx.getParent()))) {
                cached = p.getLongValue();
            } else if ("reasoning_tokens".equals(name) && ("completion_tokens_details".equals(object)
                    || "output_tokens_details".equals(object)) && "usage".equals(nameOf(ctx.getParent()))) {
                reasoning = p.getLongValue();
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
