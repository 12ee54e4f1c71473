package dev.switchboard.jetty;

import dev.switchboard.json.JsonTree;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in {@code echo} provider: answers chat completions, completions, responses, embeddings,
 * messages and count_tokens locally, streaming too, saying which model it received and echoing the
 * last user text. It lets the default configuration answer a curl with no key and no network, and
 * speaks each wire format closely enough for the official OpenAI and Anthropic SDKs.
 */
final class EchoProvider {

    private static final AtomicLong IDS = new AtomicLong();
    private static final int DEFAULT_DIMENSIONS = 8;
    private static final int MAX_DIMENSIONS = 4096;

    private EchoProvider() {
    }

    /**
     * Answers one request; a path it does not serve gets 404 {@code unsupported_endpoint}.
     *
     * @param path the canonical request path
     * @param body the (rewritten) request body, or {@code null}
     */
    static void handle(HttpServletRequest request, HttpServletResponse response, String path, byte[] body)
            throws IOException {
        Map<String, Object> req = body != null && JsonTree.parse(body) instanceof Map<?, ?> m ? cast(m) : Map.of();
        String model = req.get("model") instanceof String s ? s : "echo";
        boolean stream = Boolean.TRUE.equals(req.get("stream"));
        String said = lastUserText(req);
        String text = "echo from " + model + (said.isEmpty() ? "" : ": " + said);
        long id = IDS.incrementAndGet();
        long now = Instant.now().getEpochSecond();
        int inputTokens = Math.max(1, words(said).size());
        int outputTokens = words(text).size();
        switch (path) {
            case "/v1/chat/completions" -> {
                if (stream) {
                    sse(response);
                    String cid = "chatcmpl-echo-" + id;
                    event(response, null, chatChunk(cid, now, model, Map.of("role", "assistant", "content", ""), null));
                    for (String piece : pieces(text)) {
                        event(response, null, chatChunk(cid, now, model, Map.of("content", piece), null));
                    }
                    event(response, null, chatChunk(cid, now, model, Map.of(), "stop"));
                    if (includeUsage(req)) {
                        // stream_options.include_usage: one more chunk with no choices and the usage, as OpenAI sends.
                        event(response, null, map("id", cid, "object", "chat.completion.chunk", "created", now,
                                "model", model, "choices", List.of(),
                                "usage", usage("prompt_tokens", inputTokens, "completion_tokens", outputTokens)));
                    }
                    done(response);
                } else {
                    json(response, map("id", "chatcmpl-echo-" + id, "object", "chat.completion", "created", now,
                            "model", model, "choices", List.of(map("index", 0,
                                    "message", map("role", "assistant", "content", text, "refusal", null),
                                    "logprobs", null, "finish_reason", "stop")),
                            "usage", usage("prompt_tokens", inputTokens, "completion_tokens", outputTokens)));
                }
            }
            case "/v1/completions" -> {
                if (stream) {
                    sse(response);
                    for (String piece : pieces(text)) {
                        event(response, null, map("id", "cmpl-echo-" + id, "object", "text_completion", "created", now,
                                "model", model, "choices", List.of(map("text", piece, "index", 0, "logprobs", null,
                                        "finish_reason", null))));
                    }
                    if (includeUsage(req)) {
                        event(response, null, map("id", "cmpl-echo-" + id, "object", "text_completion", "created", now,
                                "model", model, "choices", List.of(),
                                "usage", usage("prompt_tokens", inputTokens, "completion_tokens", outputTokens)));
                    }
                    done(response);
                } else {
                    json(response, map("id", "cmpl-echo-" + id, "object", "text_completion", "created", now, "model", model,
                            "choices", List.of(map("text", text, "index", 0, "logprobs", null, "finish_reason", "stop")),
                            "usage", usage("prompt_tokens", inputTokens, "completion_tokens", outputTokens)));
                }
            }
            case "/v1/responses" -> responses(response, stream, "resp_echo_" + id, now, model, text, inputTokens, outputTokens);
            case "/v1/embeddings" -> embeddings(response, req, model);
            case "/v1/messages" -> messages(response, stream, "msg_echo_" + id, model, text, inputTokens, outputTokens);
            case "/v1/messages/count_tokens" -> json(response, map("input_tokens", inputTokens));
            default -> new dev.switchboard.error.ErrorResponse(404, "not_found_error", "unsupported_endpoint",
                    "the echo provider does not serve " + path, null).send(response, path.startsWith("/v1/messages"));
        }
    }

    private static void responses(HttpServletResponse response, boolean stream, String rid, long now, String model,
                                  String text, int in, int out) throws IOException {
        Map<String, Object> content = map("type", "output_text", "text", text, "annotations", List.of());
        Map<String, Object> message = map("type", "message", "id", "msg_" + rid, "status", "completed",
                "role", "assistant", "content", List.of(content));
        // The OpenAI SDK requires parallel_tool_calls, tool_choice, tools and the usage details.
        Map<String, Object> done = map("id", rid, "object", "response", "created_at", now, "status", "completed",
                "model", model, "output", List.of(message), "parallel_tool_calls", true, "tool_choice", "auto",
                "tools", List.of(),
                "usage", map("input_tokens", in,
                        "input_tokens_details", map("cached_tokens", 0, "cache_write_tokens", 0),
                        "output_tokens", out, "output_tokens_details", map("reasoning_tokens", 0),
                        "total_tokens", in + out));
        if (!stream) {
            json(response, done);
            return;
        }
        sse(response);
        Map<String, Object> created = new LinkedHashMap<>(done);
        created.put("status", "in_progress");
        created.put("output", List.of());
        int seq = 0;
        event(response, "response.created", map("type", "response.created", "sequence_number", seq++, "response", created));
        for (String piece : pieces(text)) {
            event(response, "response.output_text.delta", map("type", "response.output_text.delta", "sequence_number", seq++,
                    "item_id", "msg_" + rid, "output_index", 0, "content_index", 0, "delta", piece,
                    "logprobs", List.of()));
        }
        event(response, "response.output_text.done", map("type", "response.output_text.done", "sequence_number", seq++,
                "item_id", "msg_" + rid, "output_index", 0, "content_index", 0, "text", text, "logprobs", List.of()));
        event(response, "response.completed", map("type", "response.completed", "sequence_number", seq, "response", done));
    }

    /** Embeddings of {@code dimensions} numbers (8 unless asked), as floats or, for {@code encoding_format: base64}
     * (what the OpenAI Node SDK asks for by default), as the base64 of little-endian float32 values. */
    private static void embeddings(HttpServletResponse response, Map<String, Object> req, String model) throws IOException {
        int dimensions = DEFAULT_DIMENSIONS;
        if (req.get("dimensions") instanceof JsonTree.Num n && n.text().matches("[1-9][0-9]{0,3}")
                && Integer.parseInt(n.text()) <= MAX_DIMENSIONS) {
            dimensions = Integer.parseInt(n.text());
        }
        boolean base64 = "base64".equals(req.get("encoding_format"));
        List<String> inputs = new ArrayList<>();
        if (req.get("input") instanceof List<?> list) {
            list.forEach(i -> inputs.add(String.valueOf(i)));
        } else {
            inputs.add(String.valueOf(req.get("input")));
        }
        List<Object> data = new ArrayList<>();
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            tokens += Math.max(1, words(inputs.get(i)).size());
            float[] vector = vector(inputs.get(i), dimensions);
            data.add(map("object", "embedding", "index", i, "embedding", base64 ? base64(vector) : floats(vector)));
        }
        json(response, map("object", "list", "data", data, "model", model,
                "usage", map("prompt_tokens", tokens, "total_tokens", tokens)));
    }

    private static void messages(HttpServletResponse response, boolean stream, String mid, String model, String text,
                                 int in, int out) throws IOException {
        if (!stream) {
            json(response, map("id", mid, "type", "message", "role", "assistant", "model", model,
                    "content", List.of(map("type", "text", "text", text)), "stop_reason", "end_turn",
                    "stop_sequence", null, "usage", map("input_tokens", in, "output_tokens", out)));
            return;
        }
        sse(response);
        event(response, "message_start", map("type", "message_start", "message", map("id", mid, "type", "message",
                "role", "assistant", "model", model, "content", List.of(), "stop_reason", null, "stop_sequence", null,
                "usage", map("input_tokens", in, "output_tokens", 0))));
        event(response, "content_block_start", map("type", "content_block_start", "index", 0,
                "content_block", map("type", "text", "text", "")));
        for (String piece : pieces(text)) {
            event(response, "content_block_delta", map("type", "content_block_delta", "index", 0,
                    "delta", map("type", "text_delta", "text", piece)));
        }
        event(response, "content_block_stop", map("type", "content_block_stop", "index", 0));
        event(response, "message_delta", map("type", "message_delta",
                "delta", map("stop_reason", "end_turn", "stop_sequence", null), "usage", map("output_tokens", out)));
        event(response, "message_stop", map("type", "message_stop"));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static Map<String, Object> chatChunk(String id, long now, String model, Map<String, Object> delta,
                                                 String finish) {
        return map("id", id, "object", "chat.completion.chunk", "created", now, "model", model,
                "choices", List.of(map("index", 0, "delta", delta, "logprobs", null, "finish_reason", finish)));
    }

    private static Map<String, Object> usage(String inName, int in, String outName, int out) {
        return map(inName, in, outName, out, "total_tokens", in + out);
    }

    /** The text of the last user message, input or prompt: what a person would expect echoed back. */
    @SuppressWarnings("unchecked")
    private static String lastUserText(Map<String, Object> req) {
        Object source = req.containsKey("messages") ? req.get("messages")
                : req.containsKey("input") ? req.get("input") : req.get("prompt");
        if (source instanceof String s) {
            return s;
        }
        if (source instanceof List<?> list) {
            for (int i = list.size() - 1; i >= 0; i--) {
                Object item = list.get(i);
                if (item instanceof String s) {
                    return s;
                }
                if (item instanceof Map<?, ?> m && !"assistant".equals(m.get("role"))) {
                    return text(((Map<String, Object>) m).get("content"));
                }
            }
        }
        return "";
    }

    private static String text(Object content) {
        if (content instanceof String s) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        if (content instanceof List<?> parts) {
            for (Object part : parts) {
                if (part instanceof Map<?, ?> p && p.get("text") instanceof String t) {
                    sb.append(sb.length() == 0 ? "" : " ").append(t);
                }
            }
        }
        return sb.toString();
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.strip().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** Streamed pieces: each word with its leading space, as token streams look. */
    private static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        List<String> w = words(text);
        for (int i = 0; i < w.size(); i++) {
            out.add(i == 0 ? w.get(i) : " " + w.get(i));
        }
        return out;
    }

    /** A vector in [-1, 1) that depends only on the input text: the same text embeds the same everywhere. */
    private static float[] vector(String input, int dimensions) {
        float[] v = new float[dimensions];
        int h = input.hashCode();
        for (int i = 0; i < dimensions; i++) {
            h = h * 31 + i;
            v[i] = ((h >>> 8) % 2000) / 1000f - 1f;
        }
        return v;
    }

    private static List<Object> floats(float[] vector) {
        List<Object> out = new ArrayList<>(vector.length);
        for (float f : vector) {
            out.add(Double.parseDouble(Float.toString(f))); // 0.123, not the float's 0.12300000339746475
        }
        return out;
    }

    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static boolean includeUsage(Map<String, Object> req) {
        return req.get("stream_options") instanceof Map<?, ?> options && Boolean.TRUE.equals(options.get("include_usage"));
    }

    private static void json(HttpServletResponse response, Object value) throws IOException {
        byte[] bytes = JsonTree.write(value);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static void sse(HttpServletResponse response) {
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setHeader("Cache-Control", "no-cache");
    }

    private static void event(HttpServletResponse response, String name, Object data) throws IOException {
        ServletOutputStream out = response.getOutputStream();
        StringBuilder sb = new StringBuilder();
        if (name != null) {
            sb.append("event: ").append(name).append('\n');
        }
        sb.append("data: ").append(new String(JsonTree.write(data), StandardCharsets.UTF_8)).append("\n\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(HttpServletResponse response) throws IOException {
        response.getOutputStream().write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        response.getOutputStream().flush();
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
