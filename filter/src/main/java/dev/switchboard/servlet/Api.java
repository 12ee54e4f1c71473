package dev.switchboard.servlet;

import dev.switchboard.body.Shape;
import dev.switchboard.body.UpstreamGateways;
import dev.switchboard.exchange.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The APIs the gateway serves, as one route table (SPEC sections 3 and 15): for each path and method,
 * what kind of request it is and where its body carries model names. A path that is not in the table
 * is {@link Endpoint#UNKNOWN}; a known path with a method the API does not define there is a 405.
 *
 * <p>Paths are matched on their canonical form ({@link Paths#segments}): percent-decoded ({@code %2F}
 * included, as upstreams that decode it route), dot segments and {@code ;params} removed, fixed
 * segments ignoring case. The path forwarded upstream is that canonical form, fixed segments in
 * lowercase and ids re-encoded, so the upstream routes exactly what was checked. Thread-safe (immutable).
 */
final class Api {

    /** How a route's request is read. */
    enum Kind {
        /** A JSON body whose models sit where the route's shape says. */
        JSON,
        /**
         * A multipart form with a {@code model} field; with a shape, also a JSON body that carries models there, and
         * the shape says whether the model is required (in either).
         */
        FORM,
        /** {@code POST /v1/files}: a form whose batch files are JSONL with a model per line. */
        FILES,
        /** {@code GET /v1/models}. */
        MODELS,
        /** {@code GET /v1/models/{id}}. */
        MODEL,
        /** No model: stored objects; goes to {@code default_provider} or {@code X-Switchboard-Provider}. */
        MODEL_LESS,
        /**
         * {@code GET /v1/realtime} and {@code GET /v1/realtime/translations}: a WebSocket whose model is in the query;
         * proxied by the bundled proxy, 501 where the filter runs without a realtime proxy behind it.
         */
        REALTIME_SOCKET,
        /** {@code POST /v1/feedback}: a score for an earlier exchange, answered by the gateway (SPEC section 10). */
        FEEDBACK
    }

    /**
     * @param kind how the request is read
     * @param shape where a JSON body carries models ({@code null} for kinds without one, and for a form that takes no
     *     JSON)
     * @param takesForm a model-less {@code POST} whose API takes a multipart form (upload parts, container files):
     *     such a form is passed on unread; every other model-less {@code POST} takes a JSON object or nothing
     * @param jsonPart the part of a form that holds JSON, its models where {@code shape} says (creating a realtime
     *     call: {@code session}), or {@code null}; such a route takes a form or an SDP offer alone, never JSON
     * @param session where a request that creates a realtime session keeps its settings, which must name its models
     *     ({@link RealtimeSessions}), or {@code null} for any other route
     */
    record Route(Kind kind, Shape shape, boolean takesForm, String jsonPart, RealtimeSessions.Settings session) {

        Route(Kind kind, Shape shape) {
            this(kind, shape, false, null, null);
        }

        Route(Kind kind, Shape shape, boolean takesForm) {
            this(kind, shape, takesForm, null, null);
        }

        /** @return whether the body names an upload's purpose ({@code POST /v1/files}, {@code /v1/uploads}) */
        boolean readsPurpose() {
            return kind == Kind.FILES || (shape != null && shape.captures().contains("purpose"));
        }

        Endpoint endpoint() {
            return switch (kind) {
                case JSON -> Endpoint.JSON_MODEL;
                case FORM -> Endpoint.MULTIPART_MODEL;
                case FILES -> Endpoint.FILE_UPLOAD;
                case MODELS -> Endpoint.MODELS;
                case MODEL -> Endpoint.MODEL;
                case MODEL_LESS -> Endpoint.OTHER;
                case FEEDBACK -> Endpoint.FEEDBACK;
                case REALTIME_SOCKET -> Endpoint.REALTIME;
            };
        }

        /** @return whether a body that is no multipart form is read as JSON here (a form route with a shape takes both) */
        boolean takesJson() {
            return kind == Kind.JSON || kind == Kind.FORM && shape != null && jsonPart == null;
        }

        /** @return whether requests on this route carry a model that must be checked */
        boolean carriesModel() {
            return kind == Kind.JSON || kind == Kind.FORM || kind == Kind.FILES || kind == Kind.REALTIME_SOCKET;
        }
    }

    /**
     * A request path looked up in the table.
     *
     * @param routes the route of each method the API defines on the path
     * @param paths the canonical path to forward, by method (a segment can be fixed for one method and
     *     an id for another: {@code /v1/threads/runs})
     * @param modelId for {@code /v1/models/{id}}, the id (may hold {@code /})
     */
    record Match(Map<String, Route> routes, Map<String, String> paths, String modelId) {

        /** @return the canonical path of the method's route */
        String path(String method) {
            String m = method.toUpperCase(Locale.ROOT);
            return paths.get(m.equals("HEAD") ? "GET" : m);
        }

        /** @return the route for the method (HEAD as GET), or {@code null} when the API does not define it */
        Route route(String method) {
            String m = method.toUpperCase(Locale.ROOT);
            return routes.get(m.equals("HEAD") ? "GET" : m);
        }

        /** @return the methods for an {@code Allow} header */
        String allow() {
            Set<String> all = new LinkedHashSet<>(routes.keySet());
            if (all.contains("GET")) {
                all.add("HEAD");
            }
            return String.join(", ", all);
        }
    }

    /** The model of a model-less POST, if it has one: checked like any other (SPEC section 15). */
    static final Shape OPTIONAL_MODEL = Shape.of(false, "model");
    /**
     * A realtime call created from JSON (openai-python's {@code calls.create}: {@code {"sdp": ..., "session": {...}}}):
     * the session's models under {@code session}, and a top-level {@code model} (LiteLLM routes by one).
     */
    static final Shape CALL_JSON = UpstreamGateways.checkedIn(Shape.of(false, "session.model", "model",
            "session.audio.input.transcription.model", "session.input_audio_transcription.model"));
    /** A realtime call's session settings: its model and its transcription model (GA and beta spellings). */
    private static final Shape CALL_SESSION = Shape.of(false, "model", "audio.input.transcription.model",
            "input_audio_transcription.model");

    private static final Shape MODEL = Shape.of(true, "model");
    /**
     * The Responses API's models: the request's own, its tools' (image generation, and the model writing SVG output),
     * its moderation's, those of tools an input item adds, and of the tools an allowed-tools choice lists (the same
     * two).
     */
    private static final String[] RESPONSES_MODELS = {"model", "tools[].model", "tools[].svg.model", "moderation.model",
        "input[].tools[].model", "input[].tools[].svg.model", "tool_choice.tools[].model", "tool_choice.tools[].svg.model"};
    private static final Shape RESPONSES = Shape.of(true, RESPONSES_MODELS);
    /**
     * Anthropic's Messages API: the request's model, a tool's (the advisor tool), its fallbacks' (a list of models, or
     * {@code "default"} for models the upstream picks: refused), and tools a content block adds.
     */
    private static final String[] MESSAGES_MODELS = {"model", "tools[].model", "fallbacks[].model",
        "messages[].content[].tool.definition.model", "messages[].content[].tool_changes[].tool.definition.model"};

    /** @param literal whether the pattern has no placeholder */
    private record Entry(String[] pattern, String method, Route route, boolean literal) {

        Entry(String[] pattern, String method, Route route) {
            this(pattern, method, route, java.util.Arrays.stream(pattern).noneMatch(p -> p.startsWith("{")));
        }
    }

    private static final List<Entry> TABLE = new ArrayList<>();

    static {
        for (String p : List.of("/v1/completions", "/v1/embeddings", "/v1/moderations", "/v1/audio/speech",
                "/v1/complete", "/v1/assistants", "/v1/decisions")) {
            json(p, MODEL);
        }
        json("/v1/chat/completions", Shape.of(true, "model", "moderation.model"));
        json("/v1/images/generations", Shape.of(true, "model", "svg.model"));
        for (String p : List.of("/v1/messages", "/v1/messages/count_tokens")) {
            json(p, Shape.of(true, MESSAGES_MODELS).containersOnly("fallbacks"));
        }
        // Reinforcement fine-tuning grades with a model of its own (a score_model or label_model grader), or with a
        // multi grader's: its graders are a map of named graders (OpenAI's guide), or one grader (its OpenAPI spec).
        json("/v1/fine_tuning/jobs", Shape.of(true, "model", "method.reinforcement.grader.model",
                "method.reinforcement.grader.graders.model", "method.reinforcement.grader.graders.*.model"));
        for (String p : List.of("/v1/fine_tuning/alpha/graders/run", "/v1/fine_tuning/alpha/graders/validate")) {
            json(p, Shape.of(false, "model", "grader.model", "grader.graders.model", "grader.graders.*.model"));
        }
        json("/v1/responses", RESPONSES);
        json("/v1/responses/compact", RESPONSES);
        json("/v1/responses/input_tokens", Shape.of(false, RESPONSES_MODELS));
        json("/v1/assistants/{id}", OPTIONAL_MODEL);
        json("/v1/threads/runs", OPTIONAL_MODEL);
        json("/v1/threads/{id}/runs", OPTIONAL_MODEL);
        // Creating a realtime session: its settings must name its models (RealtimeSessions), or the provider runs its
        // default, which no rule checked.
        session("/v1/realtime/sessions", Shape.of(false, "model", "session.model", "input_audio_transcription.model",
                "session.input_audio_transcription.model", "audio.input.transcription.model",
                "session.audio.input.transcription.model"), RealtimeSessions.Settings.BETA);
        session("/v1/realtime/client_secrets", Shape.of(false, "session.model", "model",
                "session.audio.input.transcription.model", "session.input_audio_transcription.model"),
                RealtimeSessions.Settings.SESSION_FIELD);
        session("/v1/realtime/transcription_sessions", Shape.of(false, "input_audio_transcription.model", "model",
                "audio.input.transcription.model"), RealtimeSessions.Settings.TRANSCRIPTION);
        session("/v1/realtime/translations/client_secrets", Shape.of(false, "session.model", "model",
                "session.audio.input.transcription.model", "session.input_audio_transcription.model"),
                RealtimeSessions.Settings.SESSION_FIELD);
        // Accepting a SIP call configures its session (the realtime session's fields, at the top).
        session("/v1/realtime/calls/{id}/accept", CALL_SESSION, RealtimeSessions.Settings.BODY);
        // Creating a WebRTC call: the SDP offer and the session's settings (a JSON part) in one form.
        TABLE.add(new Entry("v1/realtime/calls".split("/"), "POST", new Route(Kind.FORM,
                UpstreamGateways.checkedIn(CALL_SESSION), false, "session", RealtimeSessions.Settings.BODY)));
        json("/v1/evals", Shape.of(false, "testing_criteria[].model", "model"));
        json("/v1/evals/{id}/runs", Shape.of(false, "data_source.model", "model", "data_source.sampling_params.tools[].model",
                "data_source.sampling_params.tools[].svg.model"));
        // A top-level model too: LiteLLM routes any request by one.
        // Each request's params are a Messages request: the gateways' lists and routing keys are read there as at the top.
        List<String> batchModels = new ArrayList<>();
        for (String m : MESSAGES_MODELS) {
            batchModels.add("requests[].params." + m);
        }
        UpstreamGateways.NAME_LISTS.stream().filter(n -> !n.equals("fallbacks"))
                .forEach(n -> batchModels.add("requests[].params." + n + "[]"));
        UpstreamGateways.NESTED_MODELS.forEach(p -> batchModels.add("requests[].params." + p));
        batchModels.add("model");
        json("/v1/messages/batches", Shape.of(true, batchModels.toArray(String[]::new))
                .containersOnly("requests[].params.fallbacks")
                .refusing(java.util.stream.Stream.concat(UpstreamGateways.ROUTING.stream(), UpstreamGateways.NESTED_ROUTING.stream())
                        .map(k -> "requests[].params." + k).toList()));
        // Uploads are assembled from parts the gateway cannot check line by line: batch files go through /v1/files.
        json("/v1/uploads", OPTIONAL_MODEL.capturing("purpose"));
        for (String p : List.of("/v1/audio/transcriptions", "/v1/audio/translations", "/v1/images/edits",
                "/v1/images/variations")) {
            add(p, "POST", Kind.FORM);
        }
        // OpenAI's video generation: the SDKs send a form (openai-node always, openai-python with a file) or JSON.
        form("/v1/videos", MODEL);
        // Video edits, extensions and characters upload a video and name no model in OpenAI's API (the source video's
        // is used), but OpenAI-compatible upstreams take one there (xAI's edits and extensions): read, and a model
        // checked when there is one. Custom voices: from an audio sample (no model) or a prompt (an optional model).
        // A remix is JSON, but openai-node sends a form when its body holds a file.
        for (String p : List.of("/v1/videos/edits", "/v1/videos/extensions", "/v1/videos/characters",
                "/v1/videos/{id}/remix", "/v1/audio/voices")) {
            form(p, OPTIONAL_MODEL);
        }
        // A custom voice's consent recording (a form: the recording, its language and name), which a voice from an audio
        // sample names: no model in OpenAI's API, a model field checked when there is one.
        form("/v1/audio/voice_consents", OPTIONAL_MODEL);
        add("/v1/files", "POST", Kind.FILES);
        add("/v1/models", "GET", Kind.MODELS);
        add("/v1/models/{rest}", "GET", Kind.MODEL);
        // The realtime API's sockets: a conversation's and a translation's, each GET with its model in the query.
        for (String p : List.of("/v1/realtime", "/v1/realtime/translations")) {
            add(p, "GET", Kind.REALTIME_SOCKET);
        }
        add("/v1/feedback", "POST", Kind.FEEDBACK);

        modelLess("GET", "/v1/chat/completions", "/v1/chat/completions/{id}/messages",
                "/v1/responses/{id}/input_items", "/v1/files", "/v1/files/{id}/content", "/v1/batches",
                "/v1/batches/{id}", "/v1/messages/batches", "/v1/messages/batches/{id}/results",
                "/v1/fine_tuning/jobs", "/v1/fine_tuning/jobs/{id}", "/v1/fine_tuning/jobs/{id}/events",
                "/v1/fine_tuning/jobs/{id}/checkpoints", "/v1/assistants", "/v1/threads/{id}/runs",
                "/v1/threads/{id}/runs/{id}/steps", "/v1/threads/{id}/runs/{id}/steps/{id}", "/v1/evals",
                "/v1/evals/{id}/runs", "/v1/evals/{id}/runs/{id}/output_items",
                "/v1/evals/{id}/runs/{id}/output_items/{id}", "/v1/vector_stores/{id}/files/{id}/content",
                "/v1/vector_stores/{id}/file_batches/{id}", "/v1/vector_stores/{id}/file_batches/{id}/files",
                "/v1/containers/{id}/files/{id}/content", "/v1/videos", "/v1/videos/{id}/content",
                "/v1/videos/characters/{id}");
        modelLess("POST", "/v1/chat/completions/{id}", "/v1/responses/{id}/cancel", "/v1/batches",
                "/v1/batches/{id}/cancel", "/v1/messages/batches/{id}/cancel", "/v1/uploads/{id}/complete", "/v1/uploads/{id}/cancel", "/v1/fine_tuning/jobs/{id}/cancel",
                "/v1/fine_tuning/jobs/{id}/pause", "/v1/fine_tuning/jobs/{id}/resume", "/v1/threads",
                "/v1/threads/{id}", "/v1/threads/{id}/messages", "/v1/threads/{id}/messages/{id}",
                "/v1/threads/{id}/runs/{id}", "/v1/threads/{id}/runs/{id}/submit_tool_outputs",
                "/v1/threads/{id}/runs/{id}/cancel", "/v1/evals/{id}", "/v1/evals/{id}/runs/{id}",
                "/v1/evals/{id}/runs/{id}/cancel",
                "/v1/vector_stores", "/v1/vector_stores/{id}", "/v1/vector_stores/{id}/search",
                "/v1/vector_stores/{id}/files", "/v1/vector_stores/{id}/files/{id}",
                "/v1/vector_stores/{id}/file_batches", "/v1/vector_stores/{id}/file_batches/{id}/cancel",
                "/v1/containers", "/v1/conversations/{id}", "/v1/realtime/calls/{id}/hangup",
                "/v1/realtime/calls/{id}/reject", "/v1/realtime/calls/{id}/refer");
        // Items stored in a conversation can add tools that a later response runs: their models are checked now.
        Route items = new Route(Kind.MODEL_LESS, UpstreamGateways.checkedIn(Shape.of(false, "model", "items[].tools[].model",
                "items[].tools[].svg.model")));
        for (String p : List.of("/v1/conversations", "/v1/conversations/{id}/items")) {
            TABLE.add(new Entry(p.substring(1).split("/"), "POST", items));
        }
        Route forms = new Route(Kind.MODEL_LESS, UpstreamGateways.checkedIn(OPTIONAL_MODEL), true);
        for (String p : List.of("/v1/uploads/{id}/parts", "/v1/containers/{id}/files")) {
            TABLE.add(new Entry(p.substring(1).split("/"), "POST", forms));
        }
        modelLess("GET", "/v1/chat/completions/{id}", "/v1/responses/{id}", "/v1/files/{id}",
                "/v1/messages/batches/{id}", "/v1/assistants/{id}", "/v1/threads/{id}",
                "/v1/threads/{id}/messages", "/v1/threads/{id}/messages/{id}", "/v1/threads/{id}/runs/{id}",
                "/v1/evals/{id}", "/v1/evals/{id}/runs/{id}", "/v1/vector_stores", "/v1/vector_stores/{id}",
                "/v1/vector_stores/{id}/files", "/v1/vector_stores/{id}/files/{id}", "/v1/containers",
                "/v1/containers/{id}", "/v1/containers/{id}/files", "/v1/containers/{id}/files/{id}",
                "/v1/conversations/{id}", "/v1/conversations/{id}/items", "/v1/conversations/{id}/items/{id}",
                "/v1/videos/{id}", "/v1/audio/voice_consents", "/v1/audio/voice_consents/{id}");
        modelLess("POST", "/v1/audio/voice_consents/{id}");
        modelLess("DELETE", "/v1/chat/completions/{id}", "/v1/responses/{id}", "/v1/files/{id}",
                "/v1/messages/batches/{id}", "/v1/assistants/{id}", "/v1/threads/{id}",
                "/v1/threads/{id}/messages/{id}", "/v1/evals/{id}", "/v1/evals/{id}/runs/{id}",
                "/v1/vector_stores/{id}", "/v1/vector_stores/{id}/files/{id}", "/v1/containers/{id}",
                "/v1/containers/{id}/files/{id}", "/v1/conversations/{id}", "/v1/conversations/{id}/items/{id}",
                "/v1/videos/{id}", "/v1/audio/voices/{id}", "/v1/audio/voice_consents/{id}");
    }

    private Api() {
    }

    private static void json(String pattern, Shape shape) {
        TABLE.add(new Entry(pattern.substring(1).split("/"), "POST", new Route(Kind.JSON,
                UpstreamGateways.checkedIn(shape))));
    }

    /** A JSON route that creates a realtime session, its settings where {@code settings} says. */
    private static void session(String pattern, Shape shape, RealtimeSessions.Settings settings) {
        TABLE.add(new Entry(pattern.substring(1).split("/"), "POST", new Route(Kind.JSON,
                UpstreamGateways.checkedIn(shape), false, null, settings)));
    }

    /** A form route that also takes JSON, its model where the shape says (required or not). */
    private static void form(String pattern, Shape shape) {
        TABLE.add(new Entry(pattern.substring(1).split("/"), "POST", new Route(Kind.FORM, UpstreamGateways.checkedIn(shape))));
    }

    private static void add(String pattern, String method, Kind kind) {
        TABLE.add(new Entry(pattern.substring(1).split("/"), method, new Route(kind, null)));
    }

    private static void modelLess(String method, String... patterns) {
        Route route = new Route(Kind.MODEL_LESS, method.equals("POST") ? UpstreamGateways.checkedIn(OPTIONAL_MODEL) : null);
        for (String p : patterns) {
            TABLE.add(new Entry(p.substring(1).split("/"), method, route));
        }
    }

    /**
     * The matches of paths sent exactly in their canonical form with no id in them ({@code /v1/chat/completions}):
     * nearly all traffic, looked up once. Bounded by the table: only its literal paths can get in.
     */
    private static final ConcurrentHashMap<String, Match> CANONICAL = new ConcurrentHashMap<>();

    /**
     * @param rawPath the request path below the context path, as sent (still percent-encoded)
     * @return the match, or {@code null} when the API has no such path (or it cannot be decoded)
     */
    static Match lookup(String rawPath) {
        Match known = CANONICAL.get(rawPath);
        if (known != null) {
            return known;
        }
        List<String> segments = Paths.segments(rawPath);
        if (segments == null || segments.isEmpty() || !segments.get(0).equalsIgnoreCase("v1")) {
            return null;
        }
        Map<String, Route> routes = new LinkedHashMap<>();
        Map<String, String> paths = new LinkedHashMap<>();
        String modelId = null;
        boolean literal = true;
        for (Entry e : TABLE) {
            if (!routes.containsKey(e.method) && matches(e.pattern, segments)) {
                routes.put(e.method, e.route);
                paths.put(e.method, canonical(e.pattern, segments));
                literal &= e.literal;
                if (e.route.kind() == Kind.MODEL) {
                    modelId = String.join("/", segments.subList(2, segments.size()));
                }
            }
        }
        if (routes.isEmpty()) {
            return null;
        }
        Match match = new Match(Collections.unmodifiableMap(routes), Collections.unmodifiableMap(paths), modelId);
        if (literal && paths.values().stream().allMatch(rawPath::equals)) {
            CANONICAL.putIfAbsent(rawPath, match);
        }
        return match;
    }

    /** @return whether the segments match the pattern (fixed segments ignoring case) */
    private static boolean matches(String[] pattern, List<String> segments) {
        boolean rest = pattern[pattern.length - 1].equals("{rest}");
        if (rest ? segments.size() < pattern.length : segments.size() != pattern.length) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            String p = pattern[Math.min(i, pattern.length - 1)];
            if (!p.startsWith("{") && !segments.get(i).equalsIgnoreCase(p)) {
                return false;
            }
        }
        return true;
    }

    /** @return the canonical path of segments that match the pattern */
    private static String canonical(String[] pattern, List<String> segments) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            String p = pattern[Math.min(i, pattern.length - 1)];
            out.append('/').append(p.startsWith("{") ? encode(segments.get(i)) : p);
        }
        return out.toString();
    }

    /** Percent-encodes all but RFC 3986 unreserved characters. */
    private static String encode(String segment) {
        StringBuilder sb = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
