package dev.switchboard.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Usage as providers send it (SPEC section 9), in every shape, fed whole and split at every chunk size
 * from 1 byte up (as TCP reads and SSE chunks split it): the reader must read the same either way.
 */
final class UsageReaderTest {

    private static final String JSON = "application/json";
    private static final String SSE = "text/event-stream; charset=utf-8";
    /** An answer that said nothing but that it is an error. */
    private static final Usage ERROR_EVENT = new Usage(null, null, null, null, null, null, true);

    static Stream<Arguments> responses() {
        return Stream.of(
                Arguments.of("OpenAI chat", JSON, """
                        {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-5","choices":[{"index":0,
                        "message":{"role":"assistant","content":"hi \\"usage\\": {\\"prompt_tokens\\": 999}"},
                        "finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                        "prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},
                        "completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0}}}""",
                        new Usage(19L, 10L, 3L, 4L, null, "stop")),
                Arguments.of("OpenAI chat, usage first", "application/json; charset=utf-8", """
                        {"usage":{"prompt_tokens":5,"completion_tokens":1},"choices":[{"finish_reason":"length"}]}""",
                        new Usage(5L, 1L, null, null, null, "length")),
                Arguments.of("OpenAI chat without usage", JSON, """
                        {"choices":[{"finish_reason":"tool_calls","message":{"tool_calls":[]}}]}""",
                        new Usage(null, null, null, null, null, "tool_calls")),
                Arguments.of("vLLM chat: the stop string that matched is no finish reason", JSON, """
                        {"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
                        "content":"42"},"logprobs":null,"finish_reason":"stop","stop_reason":"</answer>"}],
                        "usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}""",
                        new Usage(7L, 2L, null, null, null, "stop")),
                Arguments.of("vLLM chat stream with its stop_reason", SSE, """
                        data: {"choices":[{"index":0,"delta":{"content":"42"},"finish_reason":null,"stop_reason":null}]}

                        data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"\\nUser:"}]}

                        data: [DONE]

                        """, new Usage(null, null, null, null, null, "stop")),
                Arguments.of("OpenAI legacy completion", JSON, """
                        {"object":"text_completion","choices":[{"text":"x","finish_reason":"stop"}],
                        "usage":{"prompt_tokens":2,"completion_tokens":3}}""", new Usage(2L, 3L, null, null, null, "stop")),
                Arguments.of("Responses", JSON, """
                        {"id":"resp_1","object":"response","status":"completed","output":[{"type":"message",
                        "status":"completed","content":[{"type":"output_text","text":"hi"}]}],
                        "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":8},"output_tokens":87,
                        "output_tokens_details":{"reasoning_tokens":64},"total_tokens":123}}""",
                        new Usage(36L, 87L, 8L, 64L, null, "completed")),
                Arguments.of("Responses echoing a tool whose schema a caller filled with a usage object", JSON, """
                        {"id":"resp_1","object":"response","status":"completed","output":[],"text":{"format":{
                        "type":"json_schema","schema":{"properties":{"usage":{"prompt_tokens":5,"cache_read_input_tokens":6}}}}},
                        "tools":[{"type":"function","name":"f","parameters":{"usage":{"cache_creation_input_tokens":987654321,
                        "input_tokens":1}}}],"usage":{"input_tokens":21,"input_tokens_details":{"cached_tokens":0},
                        "output_tokens":9,"output_tokens_details":{"reasoning_tokens":0}},"metadata":{}}""",
                        new Usage(21L, 9L, 0L, 0L, null, "completed")),
                Arguments.of("a Responses stream cut after response.created echoed such a tool", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","tools":[{"type":"function","name":"f","parameters":{"usage":{"input_tokens":0,"output_tokens":0}}}],"usage":null}}

                        """, Usage.UNKNOWN),
                Arguments.of("a Groq stream: usage under x_groq", SSE, """
                        data: {"choices":[{"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"queue_time":0.02,"prompt_tokens":12,"completion_tokens":3}}}

                        data: [DONE]

                        """, new Usage(12L, 3L, null, null, null, "stop")),
                // The answer's own usage stands over a member's, whichever comes first in the text.
                Arguments.of("a root usage before a member's", JSON, """
                        {"usage":{"prompt_tokens":11,"completion_tokens":5},"x_meta":{"usage":{"prompt_tokens":500,
                        "completion_tokens":600,"prompt_tokens_details":{"cached_tokens":3}}},"choices":[]}""",
                        new Usage(11L, 5L, 3L, null, null, null)),
                Arguments.of("a root usage after a member's", JSON, """
                        {"x_meta":{"usage":{"prompt_tokens":500,"completion_tokens":600}},"usage":{"prompt_tokens":11,
                        "completion_tokens":5}}""",
                        new Usage(11L, 5L, null, null, null, null)),
                Arguments.of("a member's usage in a later event than a root usage", SSE, """
                        data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}

                        data: {"x_groq":{"usage":{"prompt_tokens":12,"completion_tokens":3}}}

                        """, new Usage(12L, 3L, null, null, null, null)),
                Arguments.of("embeddings", JSON, """
                        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2,3e-5]}],
                        "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""",
                        new Usage(8L, null, null, null, null, null)),
                Arguments.of("Anthropic message", JSON, """
                        {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],
                        "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,
                        "cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":6}}""",
                        new Usage(12L, 6L, 50L, null, 100L, "end_turn")),
                Arguments.of("an error body", JSON, """
                        {"error":{"message":"rate limited","type":"rate_limit_error","code":"rate_limit"}}""",
                        ERROR_EVENT),
                Arguments.of("not JSON after all", JSON, "<html>oops</html>", Usage.UNKNOWN),
                Arguments.of("OpenAI chat stream with include_usage", SSE, """
                        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

                        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

                        data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}

                        data: [DONE]

                        """, new Usage(9L, 2L, 0L, 0L, null, "stop")),
                Arguments.of("OpenAI chat stream without usage", SSE, """
                        data: {"choices":[{"delta":{"content":"x"},"finish_reason":null}]}

                        data: {"choices":[{"delta":{},"finish_reason":"length"}]}

                        data: [DONE]

                        """, new Usage(null, null, null, null, null, "length")),
                Arguments.of("Responses stream", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","usage":null}}

                        event: response.output_text.delta
                        data: {"type":"response.output_text.delta","delta":"Hi"}

                        event: response.output_item.done
                        data: {"type":"response.output_item.done","item":{"type":"message","status":"incomplete"}}

                        event: response.completed
                        data: {"type":"response.completed","response":{"id":"r","status":"completed","usage":{"input_tokens":11,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2}}}}

                        """, new Usage(11L, 5L, 0L, 2L, null, "completed")),
                Arguments.of("a Responses stream cut at max_output_tokens: its reason, not the bare status", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","incomplete_details":null}}

                        event: response.incomplete
                        data: {"type":"response.incomplete","response":{"id":"r","incomplete_details":{"reason":"max_output_tokens"},"status":"incomplete","usage":{"input_tokens":3,"output_tokens":16}}}

                        """, new Usage(3L, 16L, null, null, null, "max_output_tokens")),
                Arguments.of("a Responses body incomplete for its content filter", JSON, """
                        {"id":"r","object":"response","status":"incomplete","output":[{"type":"message","content":[{"type":"output_text","text":"x","annotations":[],"incomplete_details":{"reason":"no"}}]}],"incomplete_details":{"reason":"content_filter"},"usage":{"input_tokens":3,"output_tokens":1}}
                        """, new Usage(3L, 1L, null, null, null, "content_filter")),
                Arguments.of("an incomplete response without a reason keeps its status", JSON, """
                        {"id":"r","object":"response","status":"incomplete","incomplete_details":null}
                        """, new Usage(null, null, null, null, null, "incomplete")),
                Arguments.of("a Responses stream cut after response.in_progress: no end was said", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"queued","usage":null}}

                        event: response.in_progress
                        data: {"type":"response.in_progress","response":{"id":"r","status":"in_progress","usage":null}}

                        """, Usage.UNKNOWN),
                Arguments.of("a Responses stream that ends with an error event", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","usage":null}}

                        event: error
                        data: {"type":"error","code":"server_error","message":"boom","sequence_number":1}

                        """, ERROR_EVENT),
                Arguments.of("a Responses stream that failed", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","usage":null}}

                        event: response.failed
                        data: {"type":"response.failed","response":{"id":"r","status":"failed","usage":null}}

                        """, new Usage(null, null, null, null, null, "failed", true)),
                Arguments.of("Anthropic stream", SSE, """
                        event: message_start
                        data: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"stop_reason":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":7,"output_tokens":1}}}

                        event: content_block_delta
                        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

                        event: message_delta
                        data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":15}}

                        event: message_stop
                        data: {"type":"message_stop"}

                        """, new Usage(25L, 15L, 7L, null, 0L, "max_tokens")),
                Arguments.of("an Anthropic stream cut after message_start", SSE, """
                        event: message_start
                        data: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"stop_reason":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":7,"output_tokens":1}}}

                        event: content_block_delta
                        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

                        """, new Usage(25L, null, 7L, null, 0L, null)),
                Arguments.of("SSE with CRLF lines, comments and a data field split over two lines", SSE,
                        ": keep-alive\r\n\r\ndata: {\"usage\":\r\ndata: {\"prompt_tokens\":4,\"completion_tokens\":1}}\r\n\r\n"
                                + "data:{\"choices\":[{\"finish_reason\":\"stop\"}]}\r\r",
                        new Usage(4L, 1L, null, null, null, "stop")),
                Arguments.of("a stream cut before its usage event ended", SSE,
                        "data: {\"choices\":[{\"finish_reason\":\"stop\"}]}\n\ndata: {\"usage\":{\"prompt_tokens\":4}",
                        new Usage(null, null, null, null, null, "stop")),
                Arguments.of("a negative count, which no count is", JSON, """
                        {"choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":-5,"completion_tokens":7,
                        "prompt_tokens_details":{"cached_tokens":-1},"completion_tokens_details":{"reasoning_tokens":-2}}}""",
                        new Usage(null, 7L, null, null, null, "stop")),
                Arguments.of("a stream whose later usage is negative: the earlier count stands", SSE,
                        "data: {\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\n\n"
                                + "data: {\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":3}}\n\n",
                        new Usage(4L, 3L, null, null, null, null)),
                // Errors the upstream sends after it answered 200: the exchange failed, whatever the status said.
                Arguments.of("an Anthropic stream overloaded after message_start", SSE, """
                        event: message_start
                        data: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}

                        event: error
                        data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

                        """, new Usage(25L, null, null, null, null, null, true)),
                Arguments.of("a chat stream with an error chunk", SSE, """
                        data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

                        data: {"error":{"message":"The server had an error while processing your request.","type":"server_error"}}

                        """, ERROR_EVENT),
                Arguments.of("an OpenAI-compatible server's error object", JSON, """
                        {"object":"error","message":"maximum context length exceeded","type":"BadRequestError","code":400}""",
                        ERROR_EVENT),
                Arguments.of("Ollama's error string", JSON, "{\"error\":\"model 'x' not found\"}", ERROR_EVENT),
                Arguments.of("an error object with a code and no message", JSON, "{\"error\":{\"code\":500}}", ERROR_EVENT),
                Arguments.of("an error object with a type only, in a stream", SSE, "data: {\"error\":{\"type\":\"x\"}}\n\n",
                        ERROR_EVENT),
                Arguments.of("an error object holding an object", JSON, "{\"error\":{\"details\":{}}}", ERROR_EVENT),
                Arguments.of("an error event whose data is no JSON", SSE, """
                        data: {"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

                        event:error
                        data: upstream overloaded

                        """, ERROR_EVENT),
                // Not errors: an error object whose members are all null or that is empty (a healthy fine-tuning job's
                // placeholder), an event named error with no data is never dispatched (SSE), and a later event field
                // names the type.
                Arguments.of("an error object of nulls, and an empty one", SSE, """
                        data: {"object":"fine_tuning.job","status":"running","error":{"code":null,"message":null,"param":null}}

                        data: {"error":{}}

                        """, new Usage(null, null, null, null, null, "running")),
                Arguments.of("an error event without data, and one renamed", SSE, """
                        event: error

                        event: error
                        event: message
                        data: {"usage":{"prompt_tokens":4}}

                        event: errors
                        data: x

                        """, new Usage(4L, null, null, null, null, null)),
                // A caller's tools, echoed in the answer, say nothing of how it ended.
                Arguments.of("a stop_reason and a status in an echoed tool", JSON, """
                        {"object":"response","status":"completed","tools":[{"type":"function","parameters":{
                        "stop_reason":"client_says_so","response":{"status":"failed"}}}],"metadata":{"x":{"stop_reason":"no"}},
                        "usage":{"input_tokens":3,"output_tokens":4}}""", new Usage(3L, 4L, null, null, null, "completed")),
                Arguments.of("a Responses stream cut after its start, echoing a stop_reason", SSE, """
                        event: response.created
                        data: {"type":"response.created","response":{"id":"r","status":"in_progress","tools":[{"type":"function","parameters":{"stop_reason":"end_turn"}}]}}

                        """, Usage.UNKNOWN),
                // Not errors: an error named deeper, in content or a tool's output, and a Responses body's null error.
                Arguments.of("error-like keys inside content", JSON, """
                        {"object":"response","status":"completed","error":null,"output":[{"type":"error","message":"x",
                        "content":[{"type":"output_text","text":"{\\"error\\":{\\"message\\":\\"no\\"}}"}]}],
                        "metadata":{"error":{"message":"a caller's"}},"usage":{"input_tokens":3,"output_tokens":4}}""",
                        new Usage(3L, 4L, null, null, null, "completed")),
                Arguments.of("a malformed event among good ones", SSE,
                        "data: {oops\n\ndata: {\"usage\":{\"prompt_tokens\":4}}\n\n",
                        new Usage(4L, null, null, null, null, null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void shouldReadTheSameUsageHoweverTheBodyIsSplit(String name, String type, String body, Usage expected) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {bytes.length, 1, 2, 3, 7, 64}) {
            // With and without a Content-Length: a body that comes whole is read in place.
            for (long declared : new long[] {-1, bytes.length}) {
                UsageReader reader = UsageReader.forResponse(type, null, declared);
                for (int i = 0; i < bytes.length; i += chunk) {
                    reader.accept(bytes, i, Math.min(chunk, bytes.length - i));
                }
                assertThat(reader.finish()).as("%s in chunks of %d, length %d", name, chunk, declared).isEqualTo(expected);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shouldNotReadCompressedOrOtherBodies() {
        assertThat(UsageReader.forResponse(JSON, "gzip")).isNull();
        assertThat(UsageReader.forResponse("audio/mpeg", null)).isNull();
        assertThat(UsageReader.forResponse(null, null)).isNull();
        assertThat(UsageReader.forResponse("application/problem+json", "identity")).isNotNull();
    }

    @ParameterizedTest(name = "in chunks of {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {4096, 65536, 65537, 100_000})
    void shouldReadAJsonBodyLargerThanTheOneKeptAsideAsItComes(int chunk) {
        // Past BUFFERED_JSON_BYTES the reader switches from the copy read at the end to the incremental parse,
        // in the middle of a chunk or at its edge: the usage after the switch must still be read.
        String pad = "x".repeat(UsageReader.BUFFERED_JSON_BYTES);
        byte[] bytes = ("{\"choices\":[{\"message\":{\"content\":\"" + pad + "\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":70000}}").getBytes(StandardCharsets.UTF_8);
        UsageReader reader = UsageReader.forResponse(JSON, null);
        for (int i = 0; i < bytes.length; i += chunk) {
            reader.accept(bytes, i, Math.min(chunk, bytes.length - i));
        }

        assertThat(reader.finish()).isEqualTo(new Usage(7L, 70000L, null, null, null, "stop"));
    }

    @org.junit.jupiter.api.Test
    void shouldReadNothingFromAJsonBodyPastTheBound() {
        UsageReader reader = UsageReader.forResponse(JSON, null);
        byte[] start = "{\"pad\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] pad = new byte[UsageReader.MAX_JSON_BYTES];
        java.util.Arrays.fill(pad, (byte) 'x');
        byte[] end = "\",\"usage\":{\"prompt_tokens\":7}}".getBytes(StandardCharsets.UTF_8);
        reader.accept(start, 0, start.length);
        reader.accept(pad, 0, pad.length);
        reader.accept(end, 0, end.length);

        assertThat(reader.finish()).isEqualTo(Usage.UNKNOWN);
    }

    @org.junit.jupiter.api.Test
    void shouldSkipAnEventLargerThanTheBoundAndKeepReading() {
        UsageReader reader = UsageReader.forResponse(SSE, null);
        byte[] big = ("data: {\"usage\":{\"prompt_tokens\":1},\"pad\":\"" + "x".repeat(UsageReader.MAX_EVENT_BYTES)
                + "\"}\n\n").getBytes(StandardCharsets.UTF_8);
        byte[] next = "data: {\"usage\":{\"completion_tokens\":2}}\n\n".getBytes(StandardCharsets.UTF_8);
        reader.accept(big, 0, big.length);
        reader.accept(next, 0, next.length);

        assertThat(reader.finish()).isEqualTo(new Usage(null, 2L, null, null, null, null));
    }

    static Stream<Arguments> streamEnds() {
        String chat = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"Hi\"},"
                + "\"finish_reason\":null}]}\n\n";
        String anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"stop_reason\":null,"
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
        String responses = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":"
                + "{\"status\":\"in_progress\"}}\n\n";
        return Stream.of(
                // name, stream, its last event came, it said it ended, it stopped before its end
                Arguments.of("chat, cut", chat, false, false, true),
                Arguments.of("chat, [DONE]", chat + "data: [DONE]\n\n", true, true, false),
                Arguments.of("chat, [DONE] not dispatched (no blank line)", chat + "data: [DONE]\n", false, false, true),
                Arguments.of("chat, [DONE] after CRLFs", chat + "data:[DONE]\r\n\r\n", true, true, false),
                Arguments.of("chat, [DONE] and a trailing space", chat + "data: [DONE] \n\n", true, true, false),
                Arguments.of("chat, [DONE] after two spaces", chat + "data:  [DONE]\n\n", true, true, false),
                Arguments.of("Perplexity's chat.completion chunks, cut", "data: {\"object\":\"chat.completion\","
                        + "\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n", false, false, true),
                Arguments.of("chat, a finish reason and no [DONE]", chat + "data: {\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", false, true, false),
                Arguments.of("chat, an error chunk", chat + "data: {\"error\":{\"message\":\"overloaded\"}}\n\n", false,
                        true, false),
                Arguments.of("chat, [DONE] inside a string is content", "data: {\"object\":\"chat.completion.chunk\","
                        + "\"choices\":[{\"delta\":{\"content\":\"[DONE]\"}}]}\n\n", false, false, true),
                Arguments.of("completions, cut", "data: {\"object\":\"text_completion\",\"choices\":[{\"text\":\"Hi\"}]}"
                        + "\n\n", false, false, true),
                // A server's own format says nothing of how its stream ends: not judged.
                Arguments.of("an old llama.cpp's own chunks", "data: {\"content\":\"Hi\",\"stop\":false}\n\n"
                        + "data: {\"content\":\"\",\"stop\":true}\n\n", false, false, false),
                Arguments.of("Anthropic, cut", anthropic, false, false, true),
                Arguments.of("Anthropic, message_delta's stop reason",
                        anthropic + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
                                + "{\"stop_reason\":\"end_turn\"}}\n\n", false, true, false),
                Arguments.of("Anthropic, message_stop", anthropic + "event: message_stop\ndata: {\"type\":\"message_stop\"}"
                        + "\n\n", true, true, false),
                Arguments.of("Anthropic, a message_stop type deeper is content",
                        anthropic + "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"message_stop\"}}\n\n",
                        false, false, true),
                Arguments.of("Anthropic, an error event", anthropic + "event: error\ndata: {\"type\":\"error\",\"error\":"
                        + "{\"type\":\"overloaded_error\"}}\n\n", false, true, false),
                Arguments.of("Responses, cut after created", responses, false, false, true),
                Arguments.of("Responses, completed", responses + "data: {\"type\":\"response.completed\",\"response\":"
                        + "{\"status\":\"completed\"}}\n\n", true, true, false),
                Arguments.of("Responses, incomplete", responses + "data: {\"type\":\"response.incomplete\",\"response\":"
                        + "{\"status\":\"incomplete\"}}\n\n", true, true, false),
                Arguments.of("Responses, failed", responses + "data: {\"type\":\"response.failed\",\"response\":"
                        + "{\"status\":\"failed\"}}\n\n", true, true, false),
                Arguments.of("Responses, an output item done is not the response's end", responses
                        + "data: {\"type\":\"response.output_item.done\",\"item\":{\"status\":\"completed\"}}\n\n",
                        false, false, true),
                Arguments.of("nothing at all", "", false, false, true),
                Arguments.of("keep-alive comments only", ": keep-alive\n\n: keep-alive\n\n", false, false, true),
                // Too long to read: it may have been the last event, so the stream may have said it ended.
                Arguments.of("an event past the bound", chat + "data: {\"pad\":\"" + "x".repeat(UsageReader.MAX_EVENT_BYTES)
                        + "\"}\n\n", false, true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamEnds")
    void shouldTellWhetherAStreamSaidItEndedHoweverItIsSplit(String name, String stream, boolean last, boolean said,
                                                            boolean early) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {Math.max(1, bytes.length), 1, 3, 64}) {
            UsageReader reader = UsageReader.forResponse(SSE, null);
            for (int i = 0; i < bytes.length; i += chunk) {
                reader.accept(bytes, i, Math.min(chunk, bytes.length - i));
            }
            assertThat(reader.lastEventSeen()).as("%s in chunks of %d: its last event", name, chunk).isEqualTo(last);
            assertThat(reader.saidItEnded()).as("%s in chunks of %d: said it ended", name, chunk).isEqualTo(said);
            assertThat(reader.endedEarly()).as("%s in chunks of %d: stopped before its end", name, chunk).isEqualTo(early);
        }
    }
    static Stream<Arguments> firstBlocks() {
        String overloaded = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";
        return Stream.of(
                Arguments.of("Anthropic's overloaded_error first", overloaded, true, true),
                Arguments.of("a chat stream's error chunk first", "data: {\"error\":{\"message\":\"busy\"}}\r\n\r\n",
                        true, true),
                Arguments.of("a message_start first", "event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
                        true, false),
                Arguments.of("a keep-alive comment alone", ": waiting\n\n", true, false),
                Arguments.of("an event not ended yet", "event: error\ndata: {\"type\":\"error\"}\n", false, false),
                Arguments.of("a comment not ended yet", ": waiting\n", false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstBlocks")
    void shouldTellWhenAStreamsFirstBlockEndedAndWhetherAnErrorCameHoweverItIsSplit(String name, String stream,
                                                                                  boolean ended, boolean error) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {bytes.length, 1, 3}) {
            UsageReader reader = UsageReader.forResponse(SSE, null);
            for (int i = 0; i < bytes.length; i += chunk) {
                reader.accept(bytes, i, Math.min(chunk, bytes.length - i));
            }
            assertThat(reader.firstBlockEnded()).as("%s in chunks of %d: first block ended", name, chunk).isEqualTo(ended);
            assertThat(reader.errorSeen()).as("%s in chunks of %d: an error", name, chunk).isEqualTo(error);
        }
    }
}
