package dev.switchboard.exchange;

import java.util.Arrays;
import java.util.Locale;
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
 * client first and then hands it here. A JSON body up to {@link #BUFFERED_JSON_BYTES} is copied aside (or, when
 * it comes whole in one chunk, left where it is) and read once at its end by {@link UsageScanner}, a single pass
 * that decodes only the few values it needs; a larger one is read as it comes by Jackson's non-blocking parser
 * (up to {@link #MAX_JSON_BYTES}; nothing is kept but the current token). Both name what they read the same way
 * ({@link #integer}, {@link #string}). SSE streams are read one event at a time by the scanner (events up to
 * {@link #MAX_EVENT_BYTES}; a larger one is skipped).
 *
 * <p>Understood: OpenAI chat/completions ({@code usage.prompt_tokens}, {@code completion_tokens},
 * {@code prompt_tokens_details.cached_tokens}, {@code completion_tokens_details.reasoning_tokens},
 * {@code choices[].finish_reason}; in streams the chunk that carries {@code usage}), the Responses API
 * ({@code usage.input_tokens}, {@code output_tokens}, {@code input_tokens_details.cached_tokens},
 * {@code output_tokens_details.reasoning_tokens}, {@code status} but {@code queued} and {@code in_progress}, which
 * say it has not ended; in streams {@code response.completed}),
 * embeddings ({@code usage.prompt_tokens}) and Anthropic messages ({@code usage.input_tokens},
 * {@code output_tokens}, {@code cache_read_input_tokens}, {@code cache_creation_input_tokens},
 * {@code stop_reason}; in streams {@code message_start} and {@code message_delta}). Only a {@code usage} object of the
 * root or of a root member counts ({@link #anchored}): deeper, or in an array, it is what an answer echoes of the
 * request; within one JSON text the root's own usage stands over a root member's. A later value
 * replaces an earlier one (a stream's last word counts); a negative count is no count and is skipped; what no part
 * of the response said stays {@code null}: unknown, never zero.
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
    /** An SSE event's type field, and the type that says the stream carries an error. */
    private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't', ':'};
    private static final byte[] ERROR_TYPE = {'e', 'r', 'r', 'o', 'r'};
    /** The data of a chat or completions stream's last event. */
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    /** For bodies past {@link #BUFFERED_JSON_BYTES}; buffers recycled per thread, not through the default shared deque. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(UsageScanner.MAX_DEPTH)
                    .maxDocumentLength(MAX_JSON_BYTES).build())
            .recyclerPool(JsonRecyclerPools.threadLocalPool())
            .build();

    private final boolean sse;
    /** The body's declared length, or -1. */
    private final long contentLength;
    /** Whether every JSON body is read by the incremental parse (as a large one is): for tests of the scanner. */
    private final boolean incremental;
    private UsageScanner scanner;
    private Long input;
    private Long output;
    private Long cached;
    private Long reasoning;
    private Long cacheCreation;
    /** The counts (bits 0-4: input, output, cached, cache creation, reasoning) the current JSON text's own usage gave. */
    private int rootCounts;
    private String finish;
    private String incompleteReason;
    private boolean errorEvent;
    /**
     * A stream's own last event came: {@code data: [DONE]} (chat and completions), or an event of type
     * {@code message_stop} (Anthropic) or {@code response.completed}, {@code response.incomplete},
     * {@code response.failed} (Responses).
     */
    private boolean lastEvent;
    /** An SSE event too long to read was skipped: what it said is unknown (it may have been the stream's last). */
    private boolean skipped;
    /**
     * An event in the format of a chat, completions, Anthropic or Responses stream came (a root {@code object} that
     * names a completion, {@code chat.completion.chunk} or {@code text_completion}, a root {@code type} of
     * {@code message_*}, {@code content_block_*} or {@code response.*}): the stream speaks an API whose end it would
     * say.
     */
    private boolean spokeApi;
    /** An SSE event with data came (comments and events without data are nothing). */
    private boolean anyEvent;
    /** The incremental parse is inside the root's error object and saw a member other than null there. */
    private boolean errorMembers;
    /** An SSE stream's first block ended (an empty line: an event, or comments alone). */
    private boolean blockEnded;

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
    /** The current event's type is {@code error} ({@code event: error}), whatever its data says. */
    private boolean errorType;
    private boolean afterCr;

    private UsageReader(boolean sse, long contentLength, boolean incremental) {
        this.sse = sse;
        this.contentLength = contentLength;
        this.incremental = incremental;
    }

    /** @return a reader of a JSON body that reads it all with the incremental Jackson parse, as it does a large one */
    static UsageReader incrementalJson() {
        return new UsageReader(false, -1, true);
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
            return new UsageReader(true, contentLength, false);
        }
        String media = mediaType(contentType);
        return media.equals("application/json") || media.endsWith("+json") ? new UsageReader(false, contentLength, false)
                : null;
    }

    /**
     * @param contentType a Content-Type value
     * @return its media type, without its parameters, stripped and in lower case: what a client branches on
     */
    public static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
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
     * @return whether an SSE stream's own last event came ({@code [DONE]}, {@code message_stop},
     *     {@code response.completed}, {@code response.incomplete}, {@code response.failed}): nothing of the answer
     *     is missing, whatever becomes of the connection after it
     */
    public boolean lastEventSeen() {
        return lastEvent;
    }

    /**
     * @return whether an SSE stream said it ended, or may have: its last event, an error, a finish reason (a chat
     *     stream's {@code finish_reason}, Anthropic's {@code stop_reason}, a Responses status that is no longer
     *     {@code in_progress}), or an event too long to read
     */
    public boolean saidItEnded() {
        return lastEvent || errorEvent || finish != null || skipped;
    }

    /**
     * @return whether an SSE stream of a chat, completions, Anthropic or Responses request stopped before its end: it
     *     spoke that API's format, or sent no event at all, and did not say it ended ({@link #saidItEnded}). A stream
     *     in a server's own format (an old llama.cpp's {@code {"content": ..., "stop": true}} chunks) cannot be judged
     *     by its end, and is not
     */
    public boolean endedEarly() {
        return (spokeApi || !anyEvent) && !saidItEnded();
    }

    /**
     * @return whether an SSE stream's first block ended: its first event, or a block of comments alone (a keep-alive
     *     a server sends while its model has not begun)
     */
    public boolean firstBlockEnded() {
        return blockEnded;
    }

    /**
     * @return whether what was read so far holds an error in place of an answer: an SSE {@code error} event, Anthropic's
     *     and the Responses API's {@code {"type": "error"}}, a chat stream's {@code {"error": {...}}}, a
     *     {@code response.failed}
     */
    public boolean errorSeen() {
        return errorEvent;
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
        if ("incomplete".equals(finish) && incompleteReason != null) {
            finish = incompleteReason;
        }
        if (input == null && output == null && cached == null && reasoning == null && cacheCreation == null
                && finish == null && !errorEvent) {
            return Usage.UNKNOWN;
        }
        return new Usage(input, output, cached, reasoning, cacheCreation, finish, errorEvent);
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
        if (parser == null && fed <= BUFFERED_JSON_BYTES && !incremental) {
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
        if (scanner == null) {
            scanner = new UsageScanner(this);
        }
        scanner.read(bytes, offset, offset + length);
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
        if (lineTooLong) {
            // Not read (its start may not even be kept): whatever it said is unknown.
            skipped = true;
        }
        field();
        line.length = 0;
        lineTooLong = false;
    }

    /** One field line of an event: {@code data}, and an {@code event} that says {@code error}. */
    private void field() {
        byte[] l = line.bytes;
        int n = line.length;
        if (n >= 6 && Arrays.equals(l, 0, 6, EVENT, 0, 6)) {
            // The event's type, the last one named (SSE: one space after the colon is not part of the value).
            int from = n > 6 && l[6] == ' ' ? 7 : 6;
            errorType = !lineTooLong && Arrays.equals(l, from, n, ERROR_TYPE, 0, ERROR_TYPE.length);
            return;
        }
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
        blockEnded = true;
        if (data.length > 0 || eventTooLong) {
            anyEvent = true;
        }
        if (errorType && (data.length > 0 || eventTooLong)) {
            // An error event, also when its data is no JSON (a server's plain "data: overloaded"); an event with no
            // data is not dispatched (SSE), so it says nothing.
            errorEvent = true;
        }
        if (!eventTooLong && data.length > 0 && data.bytes[0] == '{') {
            // "[DONE]" and anything else that is not an object carries no usage.
            parse(data.bytes, 0, data.length);
        } else if (!eventTooLong && done(data)) {
            lastEvent = true;
        }
        if (eventTooLong) {
            skipped = true;
        }
        data.length = 0;
        eventTooLong = false;
        errorType = false;
    }

    /** @return whether an event's data is {@code [DONE]}, spaces or tabs around it aside */
    private static boolean done(Bytes data) {
        int from = 0;
        int n = data.length;
        while (n > from && (data.bytes[n - 1] == ' ' || data.bytes[n - 1] == '\t')) {
            n--;
        }
        while (from < n && (data.bytes[from] == ' ' || data.bytes[from] == '\t')) {
            from++;
        }
        return Arrays.equals(data.bytes, from, n, DONE, 0, DONE.length);
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

    // ---- what a value means ----------------------------------------------------------------------------

    // The property names that matter, as small numbers (both readers name keys by them); OTHER is any other key,
    // or none (a value in an array, or the root).
    static final int OTHER = 0;
    static final int USAGE = 1;
    static final int PROMPT_TOKENS = 2;
    static final int INPUT_TOKENS = 3;
    static final int COMPLETION_TOKENS = 4;
    static final int OUTPUT_TOKENS = 5;
    static final int CACHE_READ_INPUT_TOKENS = 6;
    static final int CACHE_CREATION_INPUT_TOKENS = 7;
    static final int CACHED_TOKENS = 8;
    static final int PROMPT_TOKENS_DETAILS = 9;
    static final int INPUT_TOKENS_DETAILS = 10;
    static final int REASONING_TOKENS = 11;
    static final int COMPLETION_TOKENS_DETAILS = 12;
    static final int OUTPUT_TOKENS_DETAILS = 13;
    static final int FINISH_REASON = 14;
    static final int CHOICES = 15;
    static final int STOP_REASON = 16;
    static final int STATUS = 17;
    static final int RESPONSE = 18;
    /** Anthropic's {@code message_start} event: {@code {"message":{"usage":{...}}}}. */
    static final int MESSAGE = 19;
    static final int TYPE = 20;
    static final int OBJECT = 21;
    static final int ERROR = 22;
    /** The Responses API's {@code incomplete_details}, which says why a response is {@code incomplete}. */
    static final int INCOMPLETE_DETAILS = 23;
    static final int REASON = 24;
    private static final String[] NAMES = {null, "usage", "prompt_tokens", "input_tokens", "completion_tokens",
        "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "cached_tokens",
        "prompt_tokens_details", "input_tokens_details", "reasoning_tokens", "completion_tokens_details",
        "output_tokens_details", "finish_reason", "choices", "stop_reason", "status", "response", "message", "type",
        "object", "error", "incomplete_details", "reason"};
    /** By length: the numbers of the names of that length (most keys of an answer match no name's length). */
    private static final int[][] BY_LENGTH;
    private static final byte[][] NAME_BYTES = new byte[NAMES.length][];

    static {
        int longest = 0;
        for (int i = 1; i < NAMES.length; i++) {
            NAME_BYTES[i] = NAMES[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            longest = Math.max(longest, NAMES[i].length());
        }
        BY_LENGTH = new int[longest + 1][0];
        for (int i = 1; i < NAMES.length; i++) {
            int[] same = BY_LENGTH[NAMES[i].length()];
            same = Arrays.copyOf(same, same.length + 1);
            same[same.length - 1] = i;
            BY_LENGTH[NAMES[i].length()] = same;
        }
    }

    /** @return the number of a property name, {@link #OTHER} for any name that does not matter or none */
    static int id(String name) {
        if (name != null) {
            for (int i = 1; i < NAMES.length; i++) {
                if (NAMES[i].equals(name)) {
                    return i;
                }
            }
        }
        return OTHER;
    }

    /** @return the number of a property name given as its UTF-8 bytes (without escapes) */
    static int id(byte[] bytes, int from, int to) {
        int n = to - from;
        if (n >= BY_LENGTH.length) {
            return OTHER;
        }
        for (int i : BY_LENGTH[n]) {
            byte[] name = NAME_BYTES[i];
            if (name[0] == bytes[from] && Arrays.equals(name, 0, n, bytes, from, to)) {
                return i;
            }
        }
        return OTHER;
    }

    /**
     * @param name a string's key
     * @param object the key under which its object sits in an object ({@link #OTHER} when in an array or the root)
     * @param depth that object's depth (the root's is 0), or -1 when it is an element of an array
     * @return whether that string is read (all other strings are skipped, never decoded: an answer holds a
     *     {@code type} in every item and block)
     */
    static boolean readsString(int name, int object, int depth) {
        return name == FINISH_REASON || (name == STOP_REASON || name == STATUS) && (depth == 0 || depth == 1)
                || (name == TYPE || name == OBJECT || name == ERROR) && depth == 0
                || name == REASON && object == INCOMPLETE_DETAILS && (depth == 1 || depth == 2);
    }

    /**
     * @param object the key under which an object sits ({@link #OTHER} when in an array or the root)
     * @param depth that object's depth (the root's is 0), or -1 when an array holds it or one of its parents
     * @return whether that object, once it closed holding a member other than {@code null}, says the answer is an error
     *     in place of one: it is the root's member {@code error} (a chat stream's {@code {"error": {...}}} chunk, an
     *     OpenAI-style error body sent with 200), whatever it holds ({@code {"code": 500}} alone says as much as a
     *     message). An error object whose members are all {@code null} is a healthy answer's placeholder (a
     *     fine-tuning job's)
     */
    static boolean inErrorObject(int object, int depth) {
        return object == ERROR && depth == 1;
    }

    /** An object that {@link #inErrorObject} accepts closed, holding a member other than {@code null}. */
    void errorObject() {
        errorEvent = true;
    }

    /**
     * @param name an integer's key
     * @param object the key under which its object sits in an object ({@link #OTHER} when in an array or the root)
     * @param parentKey the same for the object's parent
     * @return whether that integer is read (only those are converted: one past a long ends the read, as in Jackson)
     */
    static boolean readsInteger(int name, int object, int parentKey) {
        // message_start's output_tokens is a placeholder (1) that message_delta replaces: a stream cut between the two
        // has output tokens nobody counted (unknown), not 1.
        return object == USAGE && name >= PROMPT_TOKENS && name <= CACHE_CREATION_INPUT_TOKENS
                && !(name == OUTPUT_TOKENS && parentKey == MESSAGE)
                || name == CACHED_TOKENS && (object == PROMPT_TOKENS_DETAILS || object == INPUT_TOKENS_DETAILS)
                && parentKey == USAGE
                || name == REASONING_TOKENS && (object == COMPLETION_TOKENS_DETAILS || object == OUTPUT_TOKENS_DETAILS)
                && parentKey == USAGE;
    }

    /**
     * Whether an integer that {@link #readsInteger} accepts belongs to a usage object where the APIs put an answer's usage:
     * a member of the root (the answer's own) or of a root member (the object an event wraps: Responses'
     * {@code response}, Anthropic's {@code message}, Groq's {@code x_groq}). Not in an array, nor deeper: there an
     * answer echoes what the caller sent (the Responses API echoes the request's tools and their JSON schemas, which a
     * caller may fill with a {@code usage} object of its own numbers).
     *
     * @param object the key under which the integer's object sits
     * @param depth that object's depth (the root's is 0), or -1 when an array holds it or one of its parents
     * @return whether the integer is read
     */
    static boolean anchored(int object, int depth) {
        int usage = object == USAGE ? depth : depth - 1;
        return usage == 1 || usage == 2;
    }

    /**
     * An integer value that {@link #readsInteger} and {@link #anchored} accept.
     *
     * @param name its key
     * @param object the key under which its object sits
     * @param value the value
     */
    void integer(int name, int object, int depth, long value) {
        if (value < 0) {
            // No count is negative: such a value says nothing (the metrics' histograms would drop it while the access
            // log printed it), so it is unknown, and an earlier count of the response stands.
            return;
        }
        int field;
        if (object == USAGE) {
            switch (name) {
                case PROMPT_TOKENS, INPUT_TOKENS -> field = 0;
                case COMPLETION_TOKENS, OUTPUT_TOKENS -> field = 1;
                case CACHE_READ_INPUT_TOKENS -> field = 2;
                case CACHE_CREATION_INPUT_TOKENS -> field = 3;
                default -> {
                    return;
                }
            }
        } else if (name == CACHED_TOKENS) {
            field = 2;
        } else if (name == REASONING_TOKENS) {
            field = 4;
        } else {
            return;
        }
        // Within one JSON text the answer's own usage (the root's) stands over a root member's, whichever comes first:
        // {"usage":{...},"x_meta":{"usage":{...}}} is the first one's. Across texts (a stream's events) the later counts.
        int bit = 1 << field;
        if ((object == USAGE ? depth : depth - 1) == 1) {
            rootCounts |= bit;
        } else if ((rootCounts & bit) != 0) {
            return;
        }
        switch (field) {
            case 0 -> input = value;
            case 1 -> output = value;
            case 2 -> cached = value;
            case 3 -> cacheCreation = value;
            default -> reasoning = value;
        }
    }

    /** A JSON text begins (a body, an event's data): its counts are read afresh against the ones before. */
    void textBegins() {
        rootCounts = 0;
    }

    /**
     * A string value in an object, where {@link #readsString} accepts it.
     *
     * @param name its key
     * @param object the key under which its object sits in an object ({@link #OTHER} when in an array or the root)
     * @param arrayKey when the object is an element of an array, the key of that array; else {@link #OTHER}
     * @param depth the object's depth (the root's is 0), or -1 when it is an element of an array
     * @param value the value
     */
    void string(int name, int object, int arrayKey, int depth, String value) {
        boolean root = depth == 0;
        switch (name) {
            // choices[].finish_reason
            case FINISH_REASON -> {
                if (arrayKey == CHOICES) {
                    finish = value;
                }
            }
            // Anthropic's, at the top of a message or in message_delta's delta (readsString: no deeper, where an answer
            // echoes a caller's tools, nor in an array: vLLM's choices[].stop_reason is the stop string from the request
            // or the token that matched, beside the choice's own finish_reason, no finish reason).
            case STOP_REASON -> finish = value;
            // Responses: the response's own status, at the top of a body or under "response" in an event. "queued" and
            // "in_progress" (response.created, response.in_progress) say it has not ended: like message_start's output
            // tokens, a placeholder, so that a stream cut after them ended no way the upstream said. "failed" is the
            // Responses API's own way to end in an error (response.failed).
            case STATUS -> {
                if ((root || object == RESPONSE && depth == 1) && !value.equals("in_progress") && !value.equals("queued")) {
                    finish = value;
                    if (value.equals("failed")) {
                        errorEvent = true;
                    }
                }
            }
            // Why a Responses answer is incomplete (max_output_tokens, content_filter): its finish reason, in place of
            // the status's bare "incomplete", as a chat answer's "length" is (the response's own, at the top of a body
            // or under "response" in an event).
            case REASON -> {
                if (object == INCOMPLETE_DETAILS && (depth == 1 || depth == 2)) {
                    incompleteReason = value;
                }
            }
            // An error in place of an answer's content, in a stream or a body the upstream began with 200: Anthropic's
            // and the Responses API's {"type":"error"}, an OpenAI-compatible server's {"object":"error"} (a chat
            // stream's {"error":{...}} is an errorObject; deeper, an error is part of some content).
            case TYPE, OBJECT -> {
                if (root && value.equals("error")) {
                    errorEvent = true;
                } else if (root && name == TYPE && (value.equals("message_stop") || value.equals("response.completed")
                        || value.equals("response.incomplete") || value.equals("response.failed"))) {
                    // A stream's last event (Anthropic's, the Responses API's).
                    lastEvent = true;
                    spokeApi = true;
                } else if (root && (name == TYPE ? value.startsWith("message_") || value.startsWith("content_block_")
                        || value.startsWith("response.") : value.contains("completion"))) {
                    // Chat and completions chunks: "chat.completion.chunk", "text_completion", Perplexity's
                    // "chat.completion", Azure On Your Data's "extensions.chat.completion.chunk".
                    spokeApi = true;
                }
            }
            // Ollama's and TGI's {"error": "..."} (an error object: errorObject).
            case ERROR -> {
                if (root) {
                    errorEvent = true;
                }
            }
            default -> {
            }
        }
    }

    /** One token of the incremental parse (bodies past {@link #BUFFERED_JSON_BYTES}). */
    private void token(JsonParser p, JsonToken t) {
        TokenStreamContext ctx = p.streamReadContext();
        if (t == JsonToken.PROPERTY_NAME || t == JsonToken.END_ARRAY || t == JsonToken.VALUE_NULL) {
            return;
        }
        if (ctx.getNestingDepth() == 1 && (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)) {
            textBegins();
        }
        if (t == JsonToken.END_OBJECT) {
            // After an object's end the context is its parent's, whose current name is the key the object sat under.
            if (errorMembers && ctx.inObject() && ctx.getNestingDepth() == 1 && id(ctx.currentName()) == ERROR) {
                errorObject();
            }
            if (ctx.getNestingDepth() <= 1) {
                errorMembers = false;
            }
            return;
        }
        // A value's object: the context itself for a scalar; for a container, the one it was opened in.
        TokenStreamContext holder = t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY ? ctx.getParent() : ctx;
        if (holder != null && holder.getNestingDepth() == 2 && holder.inObject()
                && inErrorObject(id(nameOf(holder)), depth(holder))) {
            errorMembers = true;
        }
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_STRING) {
            return;
        }
        if (!ctx.inObject()) {
            return;
        }
        int name = id(ctx.currentName());
        TokenStreamContext parent = ctx.getParent();
        int object = id(nameOf(ctx));
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (readsInteger(name, object, id(nameOf(parent))) && anchored(object, depth(ctx))
                    && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                // Past a long, the count is unknown, as the scanner reads it; its siblings stand.
                integer(name, object, depth(ctx), p.getLongValue());
            }
        } else {
            int depth = parent != null && parent.inArray() ? -1 : ctx.getNestingDepth() - 1;
            if (readsString(name, object, depth)) {
                string(name, object, parent != null && parent.inArray() ? id(nameOf(parent)) : OTHER, depth, p.getString());
            }
        }
    }

    /** @return the depth of a context's object (the root's is 0), or -1 when an array holds it or one of its parents */
    private static int depth(TokenStreamContext ctx) {
        for (TokenStreamContext c = ctx; c != null; c = c.getParent()) {
            if (c.inArray()) {
                return -1;
            }
        }
        return ctx.getNestingDepth() - 1;
    }

    /** @return the key under which a context's object or array sits in its parent, or {@code null} */
    private static String nameOf(TokenStreamContext ctx) {
        TokenStreamContext parent = ctx == null ? null : ctx.getParent();
        return parent != null && parent.inObject() ? parent.currentName() : null;
    }
}
