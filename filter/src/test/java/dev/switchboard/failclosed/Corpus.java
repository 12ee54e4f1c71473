package dev.switchboard.failclosed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * The adversarial corpus of SPEC section 15: requests an attacker would send to reach a denied model,
 * each with what the client must get. Shared by the bare filter's tests (Jetty, Tomcat 10.1 and 11)
 * and the bundled proxy's, and judged on what the upstream received by {@link Judge}.
 *
 * <p>Callers: no path (so {@code up/secret}, scoped to {@code /acme}, is denied) unless a case sets one.
 */
public final class Corpus {

    /** The rules every case runs under; {@code %1$s} is the upstream's base URL. */
    public static final String CONFIG = """
            providers:
              up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up, models: [ok]}
              other: {type: openai-compatible, base_url: "%1$s", api_key: sk-other}
            default_provider: up
            identity: {trust_user_path_header: true}
            virtual_models:
              - {source: up/denied, enabled: false}
              - {source: up/secret, user_paths: [/acme]}
              - {source: alias, target: up/ok}
              - {source: sneaky, target: up/denied}
              - {source: elsewhere, target: other/m}
              - {source: "canary-10%%", target: up/ok}
            """;

    /** What no upstream may be asked for by this corpus's callers: as sent, and as the proxy would rewrite it. */
    public static final Set<String> DENIED = Set.of("up/denied", "denied", "up/secret", "secret");

    /** What the client must get. */
    public enum Kind {
        /** Exactly this status and SPEC 5 code, and nothing reaches the upstream. */
        REFUSED,
        /** Refused by the gateway or by the container before it (any 4xx), and nothing reaches the upstream. */
        NOT_FORWARDED,
        /** 2xx, the upstream received it once, and no emulated parser reads a denied model in it. */
        FORWARDED
    }

    /**
     * @param kind what the client must get
     * @param status the status, for {@link Kind#REFUSED}
     * @param code the SPEC 5 code, for {@link Kind#REFUSED} (on {@code /v1/messages*}: the Anthropic type)
     * @param upstreamPath for {@link Kind#FORWARDED} through the proxy: the path the upstream must see, or {@code null}
     */
    public record Expect(Kind kind, int status, String code, String upstreamPath) {
        @Override
        public String toString() {
            return switch (kind) {
                case REFUSED -> status + " " + code;
                case NOT_FORWARDED -> "not forwarded";
                case FORWARDED -> "forwarded";
            };
        }
    }

    /**
     * One request of the corpus.
     *
     * @param name what it tries
     * @param method the method, as sent
     * @param target the request target, as sent
     * @param headers header lines, as sent (duplicates kept)
     * @param body the body
     * @param chunked whether to send the body chunked
     * @param expect what the client must get
     */
    public record Attack(String name, String method, String target, List<String> headers, byte[] body, boolean chunked,
                         Expect expect) {
        @Override
        public String toString() {
            return name + " -> " + expect;
        }
    }

    private static final String CHAT = "/v1/chat/completions";
    private static final String JSON = "Content-Type: application/json";
    private static final String AUDIO = "/v1/audio/transcriptions";
    private static final String FORM = "Content-Type: multipart/form-data; boundary=b";

    private Corpus() {
    }

    static Expect refused(int status, String code) {
        return new Expect(Kind.REFUSED, status, code, null);
    }

    static Expect notForwarded() {
        return new Expect(Kind.NOT_FORWARDED, 0, null, null);
    }

    static Expect forwarded(String upstreamPath) {
        return new Expect(Kind.FORWARDED, 200, null, upstreamPath);
    }

    private static final Expect DENIED_403 = refused(403, "model_access_denied");
    private static final Expect DUPLICATE = refused(400, "duplicate_model");
    private static final Expect INVALID_MODEL = refused(400, "invalid_model");
    private static final Expect INVALID_JSON = refused(400, "invalid_json");
    private static final Expect AMBIGUOUS = refused(400, "invalid_request");
    private static final Expect INVALID_FORM = refused(400, "invalid_body");
    private static final Expect UNKNOWN_PATH = refused(404, "unknown_path");
    private static final Expect NOT_ALLOWED = refused(405, "method_not_allowed");

    /**
     * What the bundled proxy answers differently from the bare filter: it proxies the realtime API's WebSocket, so an
     * upgrade's model is decided (the filter, with no WebSocket proxy behind it, answers 501).
     */
    private static final Map<String, Expect> BUNDLED = Map.of(
            "realtime WebSocket", refused(403, "model_access_denied"),
            "realtime without upgrade", refused(400, "invalid_request"),
            "realtime translation WebSocket", refused(403, "model_access_denied"));

    /** @return every request of the corpus, with what the bundled proxy must answer */
    public static List<Attack> bundled() {
        List<Attack> all = new ArrayList<>();
        int replaced = 0;
        for (Attack a : all()) {
            Expect e = BUNDLED.get(a.name());
            all.add(e == null ? a : new Attack(a.name(), a.method(), a.target(), a.headers(), a.body(), a.chunked(), e));
            replaced += e == null ? 0 : 1;
        }
        if (replaced != BUNDLED.size()) {
            throw new IllegalStateException("a name of BUNDLED is no request of the corpus");
        }
        return all;
    }

    public static List<Attack> all() {
        List<Attack> all = new ArrayList<>();
        jsonKeys(all);
        nestedModels(all);
        queries(all);
        methods(all);
        paths(all);
        identity(all);
        contentTypes(all);
        forms(all);
        batches(all);
        others(all);
        gatewayLists(all);
        return all;
    }

    /**
     * Lists of models an upstream gateway routes by beside {@code model} (2026-12-07): OpenRouter's {@code models} and
     * LiteLLM's fallbacks passed unread, so a caller allowed {@code up/ok} reached a denied model through them.
     */
    private static void gatewayLists(List<Attack> all) {
        all.add(json("OpenRouter's models list naming a denied model", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"up/ok\",\"up/denied\"]}", DENIED_403));
        all.add(json("OpenRouter's models list naming a redirect to a denied model", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"sneaky\"]}", DENIED_403));
        all.add(json("LiteLLM's fallbacks naming a scoped model", CHAT, "{\"model\":\"up/ok\",\"fallbacks\":[\"up/secret\"]}",
                DENIED_403));
        all.add(json("LiteLLM's fallbacks on embeddings", "/v1/embeddings",
                "{\"model\":\"up/ok\",\"input\":\"x\",\"fallbacks\":[\"denied\"]}", DENIED_403));
        all.add(json("OpenRouter's models list on responses", "/v1/responses",
                "{\"model\":\"up/ok\",\"input\":\"x\",\"models\":[\"up/denied\"]}", DENIED_403));
        all.add(json("a models list on Anthropic's messages", "/v1/messages",
                "{\"model\":\"up/ok\",\"models\":[\"up/denied\"]}", refused(403, "permission_error")));
        all.add(json("LiteLLM's context window fallbacks as a map (cannot be checked)", CHAT,
                "{\"model\":\"up/ok\",\"context_window_fallbacks\":[{\"up/ok\":[\"up/denied\"]}]}", AMBIGUOUS));
        all.add(json("LiteLLM's fallbacks as objects with an address (cannot be checked)", CHAT,
                "{\"model\":\"up/ok\",\"fallbacks\":[{\"model\":\"up/ok\",\"api_base\":\"http://x\"}]}", AMBIGUOUS));
        all.add(json("content policy fallbacks as one name", CHAT,
                "{\"model\":\"up/ok\",\"content_policy_fallbacks\":\"up/denied\"}", AMBIGUOUS));
        all.add(json("a models list with a null in it", CHAT, "{\"model\":\"up/ok\",\"models\":[null,\"up/ok\"]}",
                AMBIGUOUS));
        all.add(json("models spelled in another case (Go reads it)", CHAT,
                "{\"model\":\"up/ok\",\"Models\":[\"up/denied\"]}", INVALID_MODEL));
        all.add(json("two models lists (the last wins in Python and Node)", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"up/ok\"],\"models\":[\"up/denied\"]}", DUPLICATE));
        all.add(json("a models list with an invisible character", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"up/den\\u200bied\"]}", INVALID_MODEL));
        all.add(json("a models list reaching another provider", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"elsewhere\"]}", refused(400, "mixed_providers")));
        all.add(json("a models list, allowed (rewritten as the model is)", CHAT,
                "{\"model\":\"up/ok\",\"models\":[\"alias\",\"up/ok\"],\"messages\":[]}", forwarded(CHAT)));
        all.add(json("a models list of null", CHAT, "{\"model\":\"up/ok\",\"models\":null}", forwarded(CHAT)));
        all.add(json("models in the query string (FastAPI fills a missing field from it)", CHAT + "?models=up/denied",
                "{\"model\":\"up/ok\"}", AMBIGUOUS));
        all.add(json("LiteLLM's user_config (a router of the caller's own)", CHAT, "{\"model\":\"up/ok\",\"user_config\":"
                + "{\"model_list\":[{\"model_name\":\"up/ok\",\"litellm_params\":{\"model\":\"denied\"}}]}}", AMBIGUOUS));
        all.add(json("LiteLLM's router settings override with fallbacks", CHAT, "{\"model\":\"up/ok\","
                + "\"router_settings_override\":{\"fallbacks\":[{\"up/ok\":[\"up/denied\"]}]}}", AMBIGUOUS));
        all.add(json("a literal extra_body naming a model (LiteLLM merges it into what it sends on)", CHAT,
                "{\"model\":\"up/ok\",\"extra_body\":{\"model\":\"up/denied\"}}", AMBIGUOUS));
        all.add(json("OpenRouter's preset", "/v1/responses", "{\"model\":\"up/ok\",\"input\":\"x\",\"Preset\":\"p\"}",
                AMBIGUOUS));
        all.add(json("model_list on embeddings", "/v1/embeddings", "{\"model\":\"up/ok\",\"input\":\"x\",\"model_list\":null}",
                AMBIGUOUS));
        String line = "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":"
                + "\"up/ok\",\"models\":[\"up/denied\"]}}";
        all.add(batch("a batch line's models list", "batch", line + "\n", DENIED_403));
        // A review (2026-12-07): the first version read these on the JSON-only routes alone.
        all.add(batch("a batch line's user_config", "batch", line.replace("\"models\":[\"up/denied\"]", "\"user_config\":{}")
                + "\n", AMBIGUOUS));
        String audio = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\nRIFF\r\n" + part("model", "up/ok");
        all.add(form("a transcription's fallbacks[] (LiteLLM reads a list and falls back to it)", FORM,
                audio + part("fallbacks[]", "up/denied") + "--b--\r\n", AMBIGUOUS));
        all.add(form("a transcription's models field", FORM, audio + part("models", "up/denied") + "--b--\r\n", AMBIGUOUS));
        all.add(form("a transcription's user_config in another case, behind a bracket", FORM,
                audio + part("[User_Config]", "{}") + "--b--\r\n", AMBIGUOUS));
        all.add(json("a video's fallbacks (JSON)", "/v1/videos", "{\"model\":\"up/ok\",\"prompt\":\"x\",\"fallbacks\":"
                + "[\"up/denied\"]}", DENIED_403));
        all.add(json("a video's user_config (JSON)", "/v1/videos", "{\"model\":\"up/ok\",\"prompt\":\"x\",\"user_config\":{}}",
                AMBIGUOUS));
        all.add(json("a thread's fallbacks", "/v1/threads", "{\"model\":\"up/ok\",\"fallbacks\":[\"up/denied\"]}", DENIED_403));
        all.add(json("a conversation's models list", "/v1/conversations", "{\"models\":[\"up/denied\"]}", DENIED_403));
        // The second review (2026-12-07).
        all.add(json("a container file's fallbacks (JSON)", "/v1/containers/cntr_1/files",
                "{\"file_id\":\"f\",\"model\":\"up/ok\",\"fallbacks\":[\"up/denied\"]}", DENIED_403));
        all.add(json("an upload part's user_config (JSON)", "/v1/uploads/up_1/parts", "{\"user_config\":{}}", AMBIGUOUS));
        String batchRequest = "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"up/ok\",%s}}]}";
        all.add(json("a message batch request's models list", "/v1/messages/batches",
                batchRequest.formatted("\"models\":[\"up/denied\"]"), refused(403, "permission_error")));
        all.add(json("a message batch request's extra_body", "/v1/messages/batches",
                batchRequest.formatted("\"extra_body\":{\"fallbacks\":[\"up/denied\"]}"), refused(400, "invalid_request_error")));
        all.add(raw("fallbacks[] in a transcription's query string", "POST", AUDIO + "?fallbacks%5B%5D=up/denied",
                bytes(audio + "--b--\r\n"), AMBIGUOUS, FORM));
        all.add(raw("user_config in an upload's query string", "POST", "/v1/files?User_Config=x",
                bytes(part("purpose", "assistants") + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                        + "Content-Type: text/plain\r\n\r\nhi\r\n--b--\r\n"), AMBIGUOUS, FORM));
        all.add(form("LiteLLM's target_model_names on a file upload", FORM, part("purpose", "assistants")
                + part("target_model_names", "up/ok,up/denied") + "--b\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n", AMBIGUOUS, "/v1/files"));
        // OpenRouter's server tools and plugins, which call models of their own (its OpenAPI spec, 2026-08).
        all.add(json("OpenRouter's advisor tool's model", "/v1/responses", "{\"model\":\"up/ok\",\"input\":\"x\",\"tools\":"
                + "[{\"type\":\"openrouter:advisor\",\"parameters\":{\"model\":\"up/denied\"}}]}", DENIED_403));
        all.add(json("OpenRouter's fusion tool's analysis models on chat", CHAT, "{\"model\":\"up/ok\",\"tools\":"
                + "[{\"type\":\"openrouter:fusion\",\"parameters\":{\"analysis_models\":[\"up/ok\",\"up/secret\"]}}]}",
                DENIED_403));
        all.add(json("OpenRouter's fusion plugin's analysis models", CHAT, "{\"model\":\"up/ok\",\"plugins\":"
                + "[{\"id\":\"fusion\",\"analysis_models\":[\"up/denied\"]}]}", DENIED_403));
        all.add(json("OpenRouter's fusion plugin's model", CHAT, "{\"model\":\"up/ok\",\"plugins\":"
                + "[{\"id\":\"fusion\",\"model\":\"sneaky\"}]}", DENIED_403));
        all.add(json("OpenRouter's plugin preset", CHAT, "{\"model\":\"up/ok\",\"plugins\":[{\"id\":\"fusion\","
                + "\"preset\":\"p\"}]}", AMBIGUOUS));
        all.add(json("OpenRouter's web plugin, allowed", CHAT, "{\"model\":\"up/ok\",\"plugins\":[{\"id\":\"web\"}],"
                + "\"messages\":[]}", forwarded(CHAT)));
        all.add(json("a function tool whose schema has a property named model, allowed", "/v1/responses",
                "{\"model\":\"up/ok\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"model\":{\"type\":\"string\"}}}}]}", forwarded("/v1/responses")));
        all.add(batch("a batch line's plugin model", "batch", "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":"
                + "\"/v1/chat/completions\",\"body\":{\"model\":\"up/ok\",\"plugins\":[{\"id\":\"fusion\",\"model\":"
                + "\"up/denied\"}]}}\n", DENIED_403));
        all.add(json("LiteLLM's target_model_names on a batch", "/v1/batches", "{\"input_file_id\":\"f\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\",\"target_model_names\":\"up/denied\"}", AMBIGUOUS));
    }

    private static void jsonKeys(List<Attack> all) {
        all.add(json("MODEL beside model (Go reads the last)", CHAT, "{\"model\":\"up/ok\",\"MODEL\":\"up/denied\"}", DUPLICATE));
        all.add(json("MODEL alone", CHAT, "{\"MODEL\":\"up/denied\"}", INVALID_MODEL));
        all.add(json("Model before model", CHAT, "{\"Model\":\"up/denied\",\"model\":\"up/ok\"}", DUPLICATE));
        all.add(json("mODEL in mixed case", CHAT, "{\"messages\":[],\"mODEL\":\"up/denied\",\"model\":\"up/ok\"}", DUPLICATE));
        all.add(json("escaped upper-case E", CHAT, "{\"model\":\"up/ok\",\"mod\\u0045l\":\"up/denied\"}", DUPLICATE));
        all.add(json("escaped exact key", CHAT, "{\"model\":\"up/ok\",\"m\\u006fdel\":\"up/denied\"}", DUPLICATE));
        all.add(json("all escaped", CHAT, "{\"\\u006d\\u006f\\u0064\\u0065\\u006c\":\"up/denied\"}", DENIED_403));
        all.add(json("model twice (Python reads the last)", CHAT, "{\"model\":\"up/ok\",\"model\":\"up/denied\"}", DUPLICATE));
        all.add(json("model twice, denied first", CHAT, "{\"model\":\"up/denied\",\"model\":\"up/ok\"}", DUPLICATE));
        all.add(json("escaped value", CHAT, "{\"model\":\"up/d\\u0065nied\"}", DENIED_403));
        all.add(json("escaped slash in value", CHAT, "{\"model\":\"up\\/denied\"}", DENIED_403));
        all.add(json("padded value", CHAT, "{\"model\":\"  up/denied\\t\"}", DENIED_403));
        all.add(json("denied", CHAT, "{\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("bare denied name", CHAT, "{\"model\":\"denied\"}", DENIED_403));
        all.add(json("scoped name for a caller outside", CHAT, "{\"model\":\"secret\"}", DENIED_403));
        all.add(json("redirect to a denied model", CHAT, "{\"model\":\"sneaky\"}", DENIED_403));
        all.add(json("upper case (Ollama matches names ignoring case)", CHAT, "{\"model\":\"up/DENIED\"}", DENIED_403));
        all.add(json("bare upper case", CHAT, "{\"model\":\"Denied\"}", DENIED_403));
        all.add(json("a no-break space (Python and Go strip it)", CHAT, "{\"model\":\"\\u00a0up/denied\"}", DENIED_403));
        all.add(json("a byte-order mark (JavaScript trims it)", CHAT, "{\"model\":\"up/denied\\ufeff\"}", DENIED_403));
        all.add(json("NEL (Python strips it)", CHAT, "{\"model\":\"denied\\u0085\"}", DENIED_403));
        all.add(json("a zero-width space inside", CHAT, "{\"model\":\"up/den\\u200bied\"}", INVALID_MODEL));
        all.add(json("a NUL inside", CHAT, "{\"model\":\"up/denied\\u0000\"}", INVALID_MODEL));
        // A review (2026-12-06): default-ignorable characters that are no format character, and a blank one.
        for (String c : List.of("\\u034f", "\\u3164", "\\uffa0", "\\u115f", "\\u17b4", "\\u2800", "\\udb40\\udc20",
                "\\ufe0f")) {
            all.add(json("an invisible " + c + " inside", CHAT, "{\"model\":\"up/denied" + c + "\"}", INVALID_MODEL));
        }
        all.add(json("a space inside", CHAT, "{\"model\":\"up/ denied\"}", INVALID_MODEL));
        all.add(json("a newline inside", CHAT, "{\"model\":\"up/ok\\nup/denied\"}", INVALID_MODEL));
        all.add(json("a lone surrogate", CHAT, "{\"model\":\"up/denied\\ud800\"}", INVALID_MODEL));
        all.add(json("model as a list", CHAT, "{\"model\":[\"up/denied\"]}", INVALID_MODEL));
        all.add(json("model as an object", CHAT, "{\"model\":{\"id\":\"up/denied\"}}", INVALID_MODEL));
        all.add(json("model null", CHAT, "{\"model\":null,\"MODEL\":\"up/denied\"}", DUPLICATE));
        all.add(json("empty model", CHAT, "{\"model\":\"\"}", INVALID_MODEL));
        all.add(json("a 300-character model", CHAT, "{\"model\":\"" + "m".repeat(300) + "\"}", INVALID_MODEL));
        all.add(json("a 100 KB model", CHAT, "{\"model\":\"" + "m".repeat(100_000) + "\"}", INVALID_MODEL));
        all.add(json("two documents", CHAT, "{\"model\":\"up/ok\"}{\"model\":\"up/denied\"}", INVALID_JSON));
        all.add(json("a document then garbage", CHAT, "{\"model\":\"up/ok\"} x", INVALID_JSON));
        all.add(json("a list", CHAT, "[{\"model\":\"up/denied\"}]", INVALID_JSON));
        all.add(json("NaN (Python reads it)", CHAT, "{\"model\":\"up/ok\",\"t\":NaN,\"MODEL\":\"up/denied\"}", INVALID_JSON));
        all.add(json("a comment", CHAT, "{\"model\":\"up/ok\" /* \"model\":\"up/denied\" */}", INVALID_JSON));
        all.add(json("a trailing comma", CHAT, "{\"model\":\"up/ok\",}", INVALID_JSON));
        all.add(json("single quotes", CHAT, "{'model':'up/denied'}", INVALID_JSON));
        all.add(json("nested 300 deep", CHAT, "{\"model\":\"up/ok\",\"x\":" + "[".repeat(300) + "]".repeat(300) + "}",
                INVALID_JSON));
        all.add(raw("UTF-16 (Python detects it)", "POST", CHAT, utf16("{\"model\":\"up/denied\"}"), INVALID_JSON, JSON));
        String urlencoded = "Content-Type: application/x-www-form-urlencoded";
        all.add(raw("JSON sent as a form, a form field inside a string (Express, Flask, LiteLLM read it)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\"&model=up/denied&\"}]}"),
                AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, a field named in brackets (qs reads [model] as model)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\"&[model]=up/denied\"}]}"),
                AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, a field split off at ';' (python-multipart before 0.0.30, old Python and Go)",
                "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\";model=up/denied;\"}]}"),
                AMBIGUOUS, urlencoded));
        all.add(raw("embeddings sent as a form, a field split off at ';'", "POST", "/v1/embeddings",
                bytes("{\"model\":\"up/ok\",\"input\":\"a;model=up/denied\"}"), AMBIGUOUS, urlencoded));
        all.add(raw("a no-break space before a form type (whitespace to Python)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\"&model=up/denied&\"}]}"),
                AMBIGUOUS, "Content-Type: \u00a0application/x-www-form-urlencoded"));
        all.add(raw("JSON sent as a form, a field name after 100 encoded spaces (PHP drops them)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"&" + "%20".repeat(100) + "model=up/denied\"}"), AMBIGUOUS, urlencoded));
        // A review (2026-12-06): names over 256 characters were not read, but qs ignores what follows the last ']'
        // and PHP cuts a name at a NUL, however long the rest.
        all.add(raw("JSON sent as a form, [model] and 300 characters more (qs reads model)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"&[model]" + "A".repeat(300) + "=up/denied&\"}"), AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, model, a NUL and 300 characters more (PHP reads model)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"&model%00" + "A".repeat(300) + "=up/denied&\"}"), AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, model%00 and a broken escape (PHP decodes each escape on its own)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"&model%00%=up/denied&\"}"), AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, %6Dodel[ and a broken escape", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"&%6Dodel[%ZZ]=up/denied&\"}"), AMBIGUOUS, urlencoded));
        all.add(raw("JSON sent as a form, 300 brackets before model (Rack reads model)", "POST", "/v1/batches",
                bytes("{\"input_file_id\":\"f\",\"x\":\"&" + "]".repeat(300) + "model=up/denied&\"}"), AMBIGUOUS, urlencoded));
        all.add(json("a realtime session split elsewhere, its bare transcription model goes along", "/v1/realtime/sessions",
                "{\"model\":\"elsewhere\",\"input_audio_transcription\":{\"model\":\"whisper-1\"}}",
                forwarded("/v1/realtime/sessions")));
        all.add(json("two models in one name (LiteLLM calls both)", CHAT, "{\"model\":\"up/ok,up/denied\"}", INVALID_MODEL));
        // A fail-closed probe of 2026-12-08: an upstream that puts the model in a URL path unescaped (Azure's
        // /deployments/{model}) decodes an escape, or stops at a delimiter, and runs the denied model.
        for (String spelled : List.of("up/de%6Eied", "up/%64enied", "up/denied?x", "up/denied#x", "up/denied;x",
                "up/x\\\\..\\\\denied")) {
            all.add(json("a URL delimiter in a name: " + spelled, CHAT, "{\"model\":\"" + spelled + "\"}", INVALID_MODEL));
        }
        all.add(json("a URL delimiter in a virtual name, which goes renamed", CHAT, "{\"model\":\"canary-10%\"}",
                forwarded(CHAT)));
        // The probe of 2026-12-07: a copy by Object.assign takes __proto__'s value for its prototype, and its model.
        all.add(json("__proto__ in moderation (Object.assign reads its model)", CHAT,
                "{\"model\":\"up/ok\",\"moderation\":{\"__proto__\":{\"model\":\"up/denied\"}}}", AMBIGUOUS));
        all.add(json("__proto__ at the top", "/v1/batches",
                "{\"input_file_id\":\"f\",\"__proto__\":{\"model\":\"up/denied\"}}", AMBIGUOUS));
        all.add(json("__proto__ escaped in a tool", "/v1/responses",
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image_generation\",\"\\u005f_proto__\":{\"model\":\"up/denied\"}}]}",
                AMBIGUOUS));
        all.add(json("__proto__ in a message, where no model is read", CHAT,
                "{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"__proto__\":{}}]}",
                forwarded(CHAT)));
        all.add(json("realtime session: its transcription model", "/v1/realtime/sessions",
                "{\"model\":\"up/ok\",\"input_audio_transcription\":{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("realtime client secret: a transcription session's model", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{\"transcription\":{\"model\":\"up/denied\"}}}}}",
                DENIED_403));
        all.add(json("reinforcement fine-tuning: its grader's model", "/v1/fine_tuning/jobs",
                "{\"model\":\"up/ok\",\"method\":{\"type\":\"reinforcement\",\"reinforcement\":{\"grader\":"
                        + "{\"type\":\"score_model\",\"model\":\"up/denied\"}}}}", DENIED_403));
        String rft = "{\"model\":\"up/ok\",\"method\":{\"type\":\"reinforcement\",\"reinforcement\":{\"grader\":%s}}}";
        String multi = "{\"type\":\"multi\",\"calculate_output\":\"a\",\"graders\":{\"a\":{\"type\":\"string_check\"},"
                + "\"b\":{\"type\":\"score_model\",\"model\":\"%s\"}}}";
        all.add(json("reinforcement fine-tuning: a multi grader's model", "/v1/fine_tuning/jobs",
                rft.formatted(multi.formatted("up/denied")), DENIED_403));
        all.add(json("reinforcement fine-tuning: a multi grader's models, allowed", "/v1/fine_tuning/jobs",
                rft.formatted(multi.formatted("alias")), forwarded("/v1/fine_tuning/jobs")));
        all.add(json("reinforcement fine-tuning: a multi grader of one grader (as OpenAI's spec types it)", "/v1/fine_tuning/jobs",
                rft.formatted("{\"type\":\"multi\",\"graders\":{\"type\":\"label_model\",\"model\":\"up/denied\"}}"),
                DENIED_403));
        all.add(json("reinforcement fine-tuning: Graders", "/v1/fine_tuning/jobs",
                rft.formatted(multi.formatted("up/denied").replace("\"graders\"", "\"Graders\"")), AMBIGUOUS));
        all.add(json("reinforcement fine-tuning: a grader named model", "/v1/fine_tuning/jobs",
                rft.formatted("{\"type\":\"multi\",\"graders\":{\"model\":{\"type\":\"score_model\",\"model\":\"up/ok\"}}}"),
                INVALID_MODEL));
        all.add(json("a grader run: its multi grader's model", "/v1/fine_tuning/alpha/graders/run",
                "{\"grader\":" + multi.formatted("up/denied") + ",\"model_sample\":\"x\"}", DENIED_403));
        all.add(json("a grader validation: its model", "/v1/fine_tuning/alpha/graders/validate",
                "{\"grader\":{\"type\":\"score_model\",\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("a grader run with a top-level model (LiteLLM routes by it)", "/v1/fine_tuning/alpha/graders/run",
                "{\"grader\":{\"type\":\"string_check\"},\"model_sample\":\"x\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("a grader run without a model", "/v1/fine_tuning/alpha/graders/run",
                "{\"grader\":{\"type\":\"string_check\"},\"model_sample\":\"x\"}", forwarded("/v1/fine_tuning/alpha/graders/run")));
        all.add(json("an eval with a top-level model", "/v1/evals", "{\"model\":\"up/denied\",\"testing_criteria\":[]}",
                DENIED_403));
        // A top-level model is LiteLLM's to route by; OpenAI's transcription session would run its default transcription
        // model: the transcription model is required.
        all.add(json("a transcription session with a top-level model", "/v1/realtime/transcription_sessions",
                "{\"model\":\"up/denied\"}", AMBIGUOUS));
        all.add(raw("JSON sent as a form, as curl -d sends it", "POST", CHAT, bytes("{\"model\":\"up/ok\",\"messages\":[]}"),
                forwarded(CHAT), urlencoded));
        // A model-less POST of the APIs takes a JSON object or nothing: anything else some upstream reads as one.
        all.add(raw("model-less POST: a form (LiteLLM reads its model)", "POST", "/v1/batches",
                bytes(part("model", "up/denied") + "--b--\r\n"), AMBIGUOUS, FORM));
        all.add(raw("model-less POST: URL-encoded fields", "POST", "/v1/batches", bytes("input_file_id=f&model=up/denied"),
                INVALID_JSON, urlencoded));
        all.add(raw("model-less POST: UTF-16 JSON (FastAPI's json.loads detects it)", "POST", "/v1/batches",
                utf16("\ufeff{\"input_file_id\":\"f\",\"model\":\"up/denied\"}"), INVALID_JSON, JSON));
        all.add(raw("model-less POST: JSON after a UTF-8 BOM (read past, as Python does)", "POST", "/v1/batches",
                bytes("\ufeff{\"input_file_id\":\"f\",\"model\":\"up/denied\"}"), DENIED_403, JSON));
        all.add(raw("model-less POST: no body", "POST", "/v1/batches/b_1/cancel", new byte[0], forwarded("/v1/batches/b_1/cancel")));
        // openai-node 7.60.0's evals.runs.cancel posts to .../runs/{id}/cancel with no body (OpenAI's API reference has
        // POST .../runs/{id}, which the table serves): a model-less cancel the gateway answers 404 unknown_path.
        all.add(raw("model-less POST: an eval run's cancel as openai-node 7.60.0 sends it", "POST",
                "/v1/evals/eval_1/runs/run_1/cancel", new byte[0], forwarded("/v1/evals/eval_1/runs/run_1/cancel")));
        all.add(raw("model-less POST: [] (openai-php cancels so)", "POST", "/v1/batches/b_1/cancel", bytes(" [ ]\n"),
                forwarded("/v1/batches/b_1/cancel"), JSON));
        all.add(raw("model-less POST: null (async-openai cancels so)", "POST", "/v1/fine_tuning/jobs/j_1/cancel", bytes(" null "),
                forwarded("/v1/fine_tuning/jobs/j_1/cancel"), JSON));
        all.add(raw("JSON sent as a form, && and ; in a string (not form fields to anyone)", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\",\"content\":\"if (a && model == b) x = 1; model=2\"}]}"),
                forwarded(CHAT), urlencoded));
        all.add(raw("model-less POST: an upload part, a form passed on unread", "POST", "/v1/uploads/u_1/parts",
                bytes("--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"p\"\r\n\r\nbytes\r\n--b--\r\n"),
                forwarded("/v1/uploads/u_1/parts"), FORM));
        all.add(raw("UTF-32 (Python detects it)", "POST", CHAT,
                "{\"model\":\"up/denied\"}".getBytes(java.nio.charset.Charset.forName("UTF-32LE")), INVALID_JSON, JSON));
        all.add(raw("invalid UTF-8 in a key", "POST", CHAT, bytes("{\"model\":\"up/ok\",\"mod", 0xff, "el\":\"up/denied\"}"),
                INVALID_JSON, JSON));
        all.add(raw("a NUL byte", "POST", CHAT, bytes("{\"model\":\"up/ok\",\"x\":\"", 0, "\"}"), INVALID_JSON, JSON));
        // An overlong quote (C0 A2): a lenient UTF-8 decoder that takes it for '"' ends the string there and reads a
        // second model after it. Jackson let it through in a skipped value; the byte scanner refuses it.
        all.add(raw("an overlong quote in a value", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"a", 0xC0, 0xA2, ",\"model\":\"up/denied\"}"), INVALID_JSON, JSON));
        all.add(raw("UTF-8 above U+10FFFF in a value", "POST", CHAT,
                bytes("{\"model\":\"up/ok\",\"x\":\"", 0xF4, 0x90, 0x80, 0x80, "\"}"), INVALID_JSON, JSON));
        all.add(raw("a UTF-8 BOM before a denied model", "POST", CHAT, bytes("", 0xEF, 0xBB, 0xBF, "{\"model\":\"up/denied\"}"),
                DENIED_403, JSON));
        all.add(raw("a UTF-8 BOM before an allowed model", "POST", CHAT, bytes("", 0xEF, 0xBB, 0xBF, "{\"model\":\"up/ok\"}"),
                forwarded("/v1/chat/completions"), JSON));
        all.add(json("an allowed model", CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"up/denied\"}],\"model\":\"up/ok\"}",
                forwarded("/v1/chat/completions")));
        all.add(json("an alias", CHAT, "{\"model\":\"alias\",\"stream\":true}", forwarded("/v1/chat/completions")));
        all.add(raw("chunked, denied", "POST", CHAT, "{\"model\":\"up/denied\"}".getBytes(StandardCharsets.UTF_8), true,
                DENIED_403, JSON));
        all.add(raw("gzip, denied", "POST", CHAT, gzip("{\"model\":\"up/denied\"}"), false, DENIED_403, JSON,
                "Content-Encoding: gzip"));
        all.add(raw("gzip, MODEL beside model", "POST", CHAT, gzip("{\"model\":\"up/ok\",\"MODEL\":\"up/denied\"}"), false,
                DUPLICATE, JSON, "Content-Encoding: gzip"));
        all.add(raw("gzip twice, one header", "POST", CHAT, gzip(gzip("{\"model\":\"up/denied\"}")), false, notForwarded(),
                JSON, "Content-Encoding: gzip"));
        all.add(raw("brotli", "POST", CHAT, "{\"model\":\"up/denied\"}".getBytes(StandardCharsets.UTF_8), false,
                refused(415, "unsupported_content_encoding"), JSON, "Content-Encoding: br"));
        all.add(raw("two encodings", "POST", CHAT, gzip("{\"model\":\"up/denied\"}"), false, notForwarded(), JSON,
                "Content-Encoding: gzip", "Content-Encoding: identity"));
    }

    private static void nestedModels(List<Attack> all) {
        String r = "/v1/responses";
        all.add(json("Responses tool model denied", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}", DENIED_403));
        all.add(json("Responses tool MODEL", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image_generation\",\"MODEL\":\"up/denied\"}]}", INVALID_MODEL));
        all.add(json("Responses Tools (Go reads it as tools)", r, "{\"model\":\"up/ok\",\"Tools\":[{\"model\":\"up/denied\"}]}",
                AMBIGUOUS));
        all.add(json("Responses tool\u017f with a long s (Go folds it to TOOLS)", r,
                "{\"model\":\"up/ok\",\"tool\u017f\":[{\"model\":\"up/denied\"}]}", AMBIGUOUS));
        all.add(json("Responses tools twice", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"model\":\"up/ok\"}],\"tools\":[{\"model\":\"up/denied\"}]}", DENIED_403));
        all.add(json("Responses tool model twice", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"model\":\"up/ok\",\"model\":\"up/denied\"}]}", DUPLICATE));
        all.add(json("Responses tools as one object", r, "{\"model\":\"up/ok\",\"tools\":{\"model\":\"up/denied\"}}",
                DENIED_403));
        all.add(json("Responses tool alias", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"web_search\"},{\"type\":\"image_generation\",\"model\":\"alias\"}]}",
                forwarded("/v1/responses")));
        // A fail-closed probe of 2026-12-08: an image generation tool or a moderation that names no model runs the
        // provider's default, which a policy may have turned off; named, it is checked (above).
        all.add(json("Responses image generation tool without a model", r,
                "{\"model\":\"up/ok\",\"input\":\"draw\",\"tools\":[{\"type\":\"image_generation\"}]}", AMBIGUOUS));
        all.add(json("Responses image generation tool, its type escaped, without a model", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image\\u005fgeneration\",\"size\":\"auto\"}]}", AMBIGUOUS));
        all.add(json("Responses image generation tool typed as Type (Go reads it), without a model", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"function\",\"Type\":\"image_generation\"}]}", AMBIGUOUS));
        all.add(json("Responses image generation tool an input item adds, without a model", r,
                "{\"model\":\"up/ok\",\"input\":[{\"type\":\"message\",\"tools\":[{\"type\":\"image_generation\"}]}]}",
                AMBIGUOUS));
        all.add(json("Responses image generation tool an allowed-tools choice lists, without a model", r,
                "{\"model\":\"up/ok\",\"tool_choice\":{\"type\":\"allowed_tools\",\"tools\":[{\"type\":\"image_generation\"}]}}",
                AMBIGUOUS));
        all.add(json("Responses image generation tool as one object (a lenient server's list of one), without a model", r,
                "{\"model\":\"up/ok\",\"tools\":{\"type\":\"image_generation\"}}", AMBIGUOUS));
        all.add(json("Responses image generation tool, its type key escaped, without a model", r,
                "{\"model\":\"up/ok\",\"tools\":[{\"t\\u0079pe\":\"imag\\u0065_generation\"}]}", AMBIGUOUS));
        all.add(json("Responses moderation without a model", r, "{\"model\":\"up/ok\",\"moderation\":{}}", AMBIGUOUS));
        all.add(json("chat moderation without a model", CHAT, "{\"model\":\"up/ok\",\"moderation\":{}}", AMBIGUOUS));
        all.add(json("eval run sampling tool without a model", "/v1/evals/e1/runs",
                "{\"data_source\":{\"type\":\"responses\",\"model\":\"up/ok\",\"sampling_params\":{\"tools\":"
                        + "[{\"type\":\"image_generation\"}]}}}", AMBIGUOUS));
        all.add(json("Responses words of an image tool and a moderation in text, a function tool", r,
                "{\"model\":\"up/ok\",\"input\":\"no image_generation, no moderation, caf\\u00e9\",\"moderation\":null,"
                        + "\"tools\":[{\"type\":\"function\",\"name\":\"image_generation\"}]}", forwarded("/v1/responses")));
        all.add(json("input_tokens tool model", "/v1/responses/input_tokens", "{\"tools\":[{\"model\":\"up/secret\"}]}",
                DENIED_403));
        all.add(json("input_tokens model", "/v1/responses/input_tokens", "{\"model\":\"up/denied\",\"input\":\"x\"}",
                DENIED_403));
        all.add(json("compact", "/v1/responses/compact", "{\"model\":\"up/denied\"}", DENIED_403));
        String mb = "/v1/messages/batches";
        all.add(json("message batch with a denied request", mb,
                "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"up/ok\"}},"
                        + "{\"custom_id\":\"b\",\"params\":{\"model\":\"up/denied\"}}]}", refused(403, "permission_error")));
        all.add(json("message batch params MODEL", mb, "{\"requests\":[{\"params\":{\"MODEL\":\"up/denied\"}}]}",
                refused(400, "invalid_request_error")));
        all.add(json("message batch Requests", mb, "{\"Requests\":[{\"params\":{\"model\":\"up/denied\"}}]}",
                refused(400, "invalid_request_error")));
        all.add(json("message batch requests twice", mb, "{\"requests\":[{\"params\":{\"model\":\"up/ok\"}}],"
                + "\"requests\":[{\"params\":{\"model\":\"up/denied\"}}]}", refused(403, "permission_error")));
        all.add(json("message batch params twice (Go merges them)", mb, "{\"requests\":[{\"params\":{\"model\":\"up/denied\"},"
                + "\"params\":{\"max_tokens\":1}}]}", refused(403, "permission_error")));
        all.add(json("message batch over two providers", mb, "{\"requests\":[{\"params\":{\"model\":\"up/a\"}},"
                + "{\"params\":{\"model\":\"other/b\"}}]}", refused(400, "invalid_request_error")));
        all.add(json("message batch without a model", mb, "{\"requests\":[{\"custom_id\":\"a\",\"params\":{}}]}",
                refused(400, "invalid_request_error")));
        all.add(json("message batch, allowed", mb, "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"alias\"}},"
                + "{\"custom_id\":\"b\",\"params\":{\"model\":\"up/ok\"}}]}", forwarded(mb)));
        all.add(json("realtime session model", "/v1/realtime/sessions", "{\"session\":{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("realtime session top-level model", "/v1/realtime/sessions", "{\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("realtime client secret", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"realtime\",\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("realtime Session", "/v1/realtime/client_secrets", "{\"Session\":{\"model\":\"up/denied\"}}", AMBIGUOUS));
        all.add(json("realtime transcription model", "/v1/realtime/transcription_sessions",
                "{\"input_audio_transcription\":{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("eval grader model", "/v1/evals",
                "{\"testing_criteria\":[{\"type\":\"label_model\",\"model\":\"up/denied\"}]}", DENIED_403));
        all.add(json("eval run data source model", "/v1/evals/e1/runs", "{\"data_source\":{\"model\":\"up/denied\"}}",
                DENIED_403));
        all.add(json("fine-tuning base model", "/v1/fine_tuning/jobs", "{\"model\":\"up/denied\",\"training_file\":\"f\"}",
                DENIED_403));
        all.add(json("assistant model", "/v1/assistants", "{\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("assistant update", "/v1/assistants/asst_1", "{\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("thread and run", "/v1/threads/runs", "{\"assistant_id\":\"a\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("run with a model override", "/v1/threads/t1/runs", "{\"assistant_id\":\"a\",\"model\":\"up/secret\"}",
                DENIED_403));
        all.add(json("run without a model", "/v1/threads/t1/runs", "{\"assistant_id\":\"a\"}",
                forwarded("/v1/threads/t1/runs")));
        all.add(json("batch create with a model", "/v1/batches", "{\"input_file_id\":\"f\",\"model\":\"up/denied\"}",
                DENIED_403));
        all.add(json("stored completion update with a model", "/v1/chat/completions/cc_1",
                "{\"metadata\":{},\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("upload of a batch file in parts", "/v1/uploads",
                "{\"purpose\":\"batch\",\"filename\":\"b.jsonl\",\"bytes\":10,\"mime_type\":\"text/jsonl\"}", AMBIGUOUS));
        all.add(json("upload of another file", "/v1/uploads",
                "{\"purpose\":\"fine-tune\",\"filename\":\"t.jsonl\",\"bytes\":10,\"mime_type\":\"text/jsonl\"}",
                forwarded("/v1/uploads")));
        all.add(json("upload in parts, purpose=batch in the query", "/v1/uploads?purpose=batch",
                "{\"filename\":\"b.jsonl\",\"bytes\":10,\"mime_type\":\"text/jsonl\"}", AMBIGUOUS));
        for (String p : List.of("/v1/completions", "/v1/embeddings", "/v1/moderations", "/v1/images/generations",
                "/v1/audio/speech")) {
            all.add(json("denied on " + p, p, "{\"model\":\"up/denied\"}", DENIED_403));
        }
        String m = "/v1/messages";
        Expect anthropicDenied = refused(403, "permission_error");
        Expect anthropicInvalid = refused(400, "invalid_request_error");
        all.add(json("Anthropic fallbacks: a denied model", m, "{\"model\":\"up/ok\",\"fallbacks\":[{\"model\":\"up/ok\"},"
                + "{\"model\":\"up/denied\"}]}", anthropicDenied));
        all.add(json("Anthropic fallbacks: default (the upstream picks)", m, "{\"model\":\"up/ok\",\"fallbacks\":\"default\"}",
                anthropicInvalid));
        all.add(json("Anthropic fallbacks as names (LiteLLM reads them)", m, "{\"model\":\"up/ok\",\"fallbacks\":[\"up/denied\"]}",
                anthropicInvalid));
        all.add(json("Anthropic fallbacks, allowed", m, "{\"model\":\"up/ok\",\"fallbacks\":[{\"model\":\"alias\"}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", forwarded(m)));
        all.add(json("Anthropic advisor tool's model", m, "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"advisor\","
                + "\"model\":\"up/denied\"}]}", anthropicDenied));
        all.add(json("Anthropic tool added in a content block", m, "{\"model\":\"up/ok\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"tool_addition\",\"tool\":{\"definition\":{\"model\":\"up/denied\"}}}]}]}",
                anthropicDenied));
        all.add(json("Anthropic tool changed in a compaction block", "/v1/messages/count_tokens", "{\"model\":\"up/ok\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"compaction\",\"tool_changes\":[{\"tool\":"
                + "{\"definition\":{\"model\":\"up/denied\"}}}]}]}]}", anthropicDenied));
        all.add(json("Anthropic message batch: a request's fallback", "/v1/messages/batches", "{\"requests\":[{\"custom_id\":\"a\","
                + "\"params\":{\"model\":\"up/ok\",\"fallbacks\":[{\"model\":\"up/denied\"}]}}]}", anthropicDenied));
        all.add(json("Anthropic message batch: fallbacks default", "/v1/messages/batches", "{\"requests\":[{\"custom_id\":\"a\","
                + "\"params\":{\"model\":\"up/ok\",\"fallbacks\":\"default\"}}]}", anthropicInvalid));
        all.add(json("Anthropic message batch: a top-level model (LiteLLM routes by it)", "/v1/messages/batches",
                "{\"model\":\"up/denied\",\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"up/ok\"}}]}", anthropicDenied));
        all.add(raw("Anthropic message batch sent as a form naming model", "POST", "/v1/messages/batches",
                bytes("{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"up/ok\",\"x\":\"&model=up/denied\"}}]}"),
                anthropicInvalid, "Content-Type: application/x-www-form-urlencoded", "anthropic-version: 2023-06-01"));
        all.add(json("responses: an allowed-tools choice's model", "/v1/responses", "{\"model\":\"up/ok\",\"tool_choice\":"
                + "{\"type\":\"allowed_tools\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}}", DENIED_403));
        all.add(json("responses: tool_choice as text", "/v1/responses", "{\"model\":\"up/ok\",\"tool_choice\":\"auto\"}",
                forwarded("/v1/responses")));
        all.add(json("responses: an allowed-tools choice's SVG writer", "/v1/responses", "{\"model\":\"up/ok\",\"tool_choice\":"
                + "{\"type\":\"allowed_tools\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/ok\","
                + "\"svg\":{\"model\":\"up/denied\"}}]}}",
                DENIED_403));
        all.add(json("chat moderation's model", CHAT, "{\"model\":\"up/ok\",\"moderation\":{\"model\":\"up/denied\"}}",
                DENIED_403));
        all.add(json("responses moderation's model", "/v1/responses", "{\"model\":\"up/ok\",\"moderation\":"
                + "{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("responses: an image tool's SVG writer", "/v1/responses", "{\"model\":\"up/ok\",\"tools\":"
                + "[{\"type\":\"image_generation\",\"model\":\"up/ok\",\"svg\":{\"model\":\"up/denied\"}}]}", DENIED_403));
        all.add(json("responses: a tool an input item adds", "/v1/responses", "{\"model\":\"up/ok\",\"input\":"
                + "[{\"type\":\"additional_tools\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}]}",
                DENIED_403));
        all.add(json("responses: input as text, moderation allowed", "/v1/responses", "{\"model\":\"up/ok\",\"input\":\"hi\","
                + "\"moderation\":{\"model\":\"alias\"}}", forwarded("/v1/responses")));
        all.add(json("responses input_tokens: moderation's model", "/v1/responses/input_tokens",
                "{\"model\":\"up/ok\",\"moderation\":{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("image generation: its SVG writer", "/v1/images/generations", "{\"model\":\"up/ok\",\"svg\":"
                + "{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("eval run: a sampling tool's model", "/v1/evals/eval_1/runs", "{\"data_source\":{\"type\":\"responses\","
                + "\"model\":\"up/ok\",\"sampling_params\":{\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}}}",
                DENIED_403));
        all.add(json("a conversation's stored item with a tool", "/v1/conversations", "{\"items\":[{\"type\":\"additional_tools\","
                + "\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}]}", DENIED_403));
        all.add(json("a conversation's added item's SVG writer", "/v1/conversations/conv_1/items", "{\"items\":[{\"tools\":"
                + "[{\"svg\":{\"model\":\"up/denied\"}}]}]}", DENIED_403));
        all.add(json("a conversation without models", "/v1/conversations", "{\"items\":[{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":\"hi\"}]}", forwarded("/v1/conversations")));
        all.add(raw("JSON sent as a form naming svg[model] (qs reads it)", "POST", "/v1/images/generations",
                bytes("{\"model\":\"up/ok\",\"x\":\"&svg[model]=up/denied\"}"), AMBIGUOUS,
                "Content-Type: application/x-www-form-urlencoded"));
        all.add(json("Anthropic messages", "/v1/messages", "{\"model\":\"up/denied\",\"max_tokens\":1}",
                refused(403, "permission_error")));
        all.add(json("Anthropic count_tokens", "/v1/messages/count_tokens", "{\"model\":\"up/denied\"}",
                refused(403, "permission_error")));
        all.add(json("Anthropic legacy complete", "/v1/complete", "{\"model\":\"up/denied\",\"prompt\":\"x\"}", refused(403, "permission_error")));
    }

    private static void queries(List<Attack> all) {
        String body = "{\"model\":\"up/ok\"}";
        for (String q : List.of("model=up/denied", "MoDeL=up/denied", "mo%64el=up/denied", "a=1;model=up/denied",
                "a=1&model=up/denied", "model%5B%5D=up/denied", "model.id=up/denied", "model=up/ok", "+model=up/denied",
                "_method=PUT")) {
            all.add(json("query " + q, CHAT + "?" + q, body, AMBIGUOUS));
        }
        // A review (2026-12-06): the names qs, PHP and Rack read as model (or as a container the API reads models from).
        for (String q : List.of("%5Bmodel%5D=up/denied", "%5Dmodel=up/denied", "model%5D=up/denied", "model%00=up/denied",
                "moderation%5Bmodel%5D=up/denied")) {
            all.add(json("query " + q, CHAT + "?" + q, body, AMBIGUOUS));
        }
        all.add(json("query tools[0][model] on responses", "/v1/responses?tools%5B0%5D%5Bmodel%5D=up/denied", body, AMBIGUOUS));
        // The second review: a broken escape left every escape of the name undecoded (PHP decodes each on its own),
        // and qs with dots reads .model as model.
        all.add(json("query .model", CHAT + "?.model=up/denied", body, AMBIGUOUS));
        // A broken escape is no URI query (the bundle's client threw on it, a 500): refused whatever the name.
        all.add(json("query model%00 and a broken escape", CHAT + "?model%00%ZZ=up/denied", body, AMBIGUOUS));
        all.add(json("query %6Dodel[ and a broken escape", CHAT + "?%6Dodel%5B%ZZ%5D=up/denied", body, AMBIGUOUS));
        for (String q : List.of("x=%ZZ", "x=%", "x=%4", "x=%%34%31")) {
            all.add(json("query with a broken escape " + q, CHAT + "?" + q, body, AMBIGUOUS));
        }
        all.add(raw("query with a broken escape on a model-less GET", "GET", "/v1/files?after=%ZZ", new byte[0], AMBIGUOUS));
        all.add(json("query [model] on a model-less POST", "/v1/batches?%5Bmodel%5D=up/denied", "{\"input_file_id\":\"f\"}",
                AMBIGUOUS));
        // Tomcat refuses a raw '[' in the request target itself.
        all.add(json("query model[]=up/denied", CHAT + "?model[]=up/denied", body, notForwarded()));
        all.add(raw("model in the query of a model-less GET", "GET", "/v1/files?model=up/denied", new byte[0], AMBIGUOUS));
        all.add(json("harmless query", CHAT + "?trace=1", body, forwarded("/v1/chat/completions")));
    }

    private static void methods(List<Attack> all) {
        byte[] denied = "{\"model\":\"up/denied\"}".getBytes(StandardCharsets.UTF_8);
        for (String m : List.of("PUT", "PATCH")) {
            all.add(raw(m + " on chat", m, CHAT, denied, NOT_ALLOWED, JSON));
        }
        all.add(raw("GET with a body", "GET", CHAT, denied, NOT_ALLOWED, JSON));
        all.add(raw("DELETE with a body", "DELETE", "/v1/chat/completions/cc_1", denied, NOT_ALLOWED, JSON));
        all.add(raw("lower-case post", "post", CHAT, denied, notForwarded(), JSON));
        all.add(raw("POST on the model list", "POST", "/v1/models", "{}".getBytes(StandardCharsets.UTF_8), NOT_ALLOWED, JSON));
        all.add(raw("DELETE a model", "DELETE", "/v1/models/up%2Fok", new byte[0], notForwarded()));
        all.add(raw("DELETE a model, plain", "DELETE", "/v1/models/ok", new byte[0], NOT_ALLOWED));
        for (String h : List.of("X-HTTP-Method-Override: PUT", "X-HTTP-Method: PUT", "X-Method-Override: PUT")) {
            all.add(raw(h, "POST", CHAT, "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8), AMBIGUOUS, JSON, h));
        }
        all.add(raw("GET a stored completion list", "GET", CHAT, new byte[0], forwarded("/v1/chat/completions")));
    }

    private static void paths(List<Attack> all) {
        String denied = "{\"model\":\"up/denied\"}";
        for (String p : List.of("/chat/completions", "/completions", "/embeddings", "/responses", "/messages",
                "/openai/deployments/denied/chat/completions", "/engines/denied/completions",
                "/v1/engines/denied/completions", "/v1beta/models/denied:generateContent",
                "/model/denied/invoke", "/model/denied/converse", "/api/chat",
                "/api/generate", "/api/embed", "/v2/chat/completions", "/v1/unlisted", "/v1", "/")) {
            all.add(json("unknown path " + p, p, denied, UNKNOWN_PATH));
        }
        // The bundle serves its own /metrics (a POST there is 405); to the bare filter it is unknown (404).
        all.add(json("POST /metrics", "/metrics", denied, notForwarded()));
        all.add(json("Gemini-style path under /v1/models", "/v1/models/denied:generateContent", denied, NOT_ALLOWED));
        all.add(raw("GET /favicon.ico", "GET", "/favicon.ico", new byte[0], UNKNOWN_PATH));
        all.add(raw("GET /v1/files/../../metrics", "GET", "/v1/files/%2e%2e/%2e%2e/metrics", new byte[0], notForwarded()));
        all.add(json("upper case", "/V1/CHAT/COMPLETIONS", denied, DENIED_403));
        for (String p : List.of("/v1/chat%2Fcompletions", "/v1//chat/completions", "/v1/./chat/completions",
                "/v1/x/../chat/completions", "/v1/chat/completions/", "/v1/chat/completions;x=1", "/v1/chat;x/completions",
                "/v1/%63hat/completions", "/v1/chat/completions%2F", "/v1/chat/completions/.", "/v1/chat/%2e/completions",
                "//v1/chat/completions", "/v1/x//../chat/completions")) {
            all.add(json("spelled " + p, p, denied, notForwarded()));
        }
        all.add(json("encoded allowed", "/v1/%63hat/completions", "{\"model\":\"up/ok\"}", forwarded("/v1/chat/completions")));
    }

    private static void identity(List<Attack> all) {
        String secret = "{\"model\":\"up/secret\"}";
        all.add(json("two user-path headers", CHAT, secret, refused(400, "invalid_user_path"), "X-User-Path: /acme",
                "X-User-Path: /other"));
        all.add(json("two user-path headers, other order", CHAT, secret, refused(400, "invalid_user_path"),
                "X-User-Path: /other", "X-User-Path: /acme"));
        all.add(json("a comma in the user path", CHAT, secret, refused(400, "invalid_user_path"), "X-User-Path: /other, /acme"));
        all.add(json("dot segments in the user path", CHAT, secret, refused(400, "invalid_user_path"),
                "X-User-Path: /acme/../other"));
        all.add(json("a path outside the scope", CHAT, secret, DENIED_403, "X-User-Path: /acmex"));
        all.add(json("a lower-case header name", CHAT, secret, refused(400, "invalid_user_path"), "x-user-path: /acme",
                "X-USER-PATH: /x"));
    }

    private static void contentTypes(List<Attack> all) {
        byte[] ok = "{\"model\":\"up/ok\"}".getBytes(StandardCharsets.UTF_8);
        all.add(raw("two Content-Types", "POST", CHAT, ok, AMBIGUOUS, JSON, "Content-Type: text/plain"));
        all.add(raw("unknown charset", "POST", CHAT, ok, AMBIGUOUS, "Content-Type: application/json; charset=x-nope"));
        all.add(raw("malformed charset", "POST", CHAT, ok, AMBIGUOUS, "Content-Type: application/json; charset=\"utf-8"));
        all.add(raw("UTF-16 charset", "POST", CHAT, ok, AMBIGUOUS, "Content-Type: application/json; charset=utf-16"));
        all.add(raw("RFC 2231 charset", "POST", CHAT, ok, AMBIGUOUS, "Content-Type: application/json; charset*=utf-8''utf-16"));
        all.add(raw("latin-1 charset", "POST", CHAT, ok, AMBIGUOUS, "Content-Type: application/json; charset=iso-8859-1"));
        all.add(raw("quoted UTF-8 charset", "POST", CHAT, ok, forwarded(CHAT), "Content-Type: application/json; charset=\"UTF-8\""));
        all.add(raw("text/plain", "POST", CHAT, ok, forwarded(CHAT), "Content-Type: text/plain"));
        all.add(raw("no Content-Type", "POST", CHAT, ok, forwarded(CHAT)));
        all.add(raw("a form to a JSON endpoint", "POST", CHAT, bytes(part("model", "up/denied") + "--b--\r\n"), INVALID_JSON, FORM));
        all.add(raw("url-encoded to a JSON endpoint", "POST", CHAT, bytes("model=up/denied"), INVALID_JSON,
                "Content-Type: application/x-www-form-urlencoded"));
    }

    private static void forms(List<Attack> all) {
        String ok = part("model", "up/ok");
        String denied = part("model", "up/denied");
        String file = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\nRIFF....\r\n";
        all.add(form("an allowed form", FORM, file + ok + "--b--\r\n", forwarded(AUDIO)));
        all.add(form("an alias in a form", FORM, file + part("model", "alias") + "--b--\r\n", forwarded(AUDIO)));
        all.add(form("a denied form", FORM, file + denied + "--b--\r\n", DENIED_403));
        all.add(form("a no-break space in a form", FORM, file + part("model", "\u00a0up/denied") + "--b--\r\n", DENIED_403));
        all.add(form("upper case in a form", FORM, file + part("model", "up/DENIED") + "--b--\r\n", DENIED_403));
        all.add(form("a padded denied model", FORM, file + part("model", " up/denied\t") + "--b--\r\n", DENIED_403));
        all.add(form("a quoted boundary", "Content-Type: multipart/form-data; boundary=\"b\"", ok + "--b--\r\n",
                forwarded(AUDIO)));
        all.add(form("an escape in the boundary (Go keeps it, busboy drops it)",
                "Content-Type: multipart/form-data; boundary=\"\\b\"", ok + "--b--\r\n", AMBIGUOUS));
        all.add(form("a second form under the escaped boundary", "Content-Type: multipart/form-data; boundary=\"\\b\"",
                ok + part("note", "x\r\n--\\b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied\r\n--\\b--")
                        + "--b--\r\n", AMBIGUOUS));
        all.add(form("boundary*", "Content-Type: multipart/form-data; boundary*=UTF-8''b", ok + "--b--\r\n", AMBIGUOUS));
        all.add(form("boundary*0", "Content-Type: multipart/form-data; boundary*0=b", ok + "--b--\r\n", AMBIGUOUS));
        all.add(form("two boundaries", "Content-Type: multipart/form-data; boundary=a; boundary=b", ok + "--b--\r\n",
                AMBIGUOUS));
        all.add(form("text after the quote", "Content-Type: multipart/form-data; boundary=\"b\"x", ok + "--b--\r\n",
                AMBIGUOUS));
        all.add(form("a comma", "Content-Type: multipart/form-data; boundary=b, text/plain", ok + "--b--\r\n", AMBIGUOUS));
        all.add(form("a boundary ending in a space", "Content-Type: multipart/form-data; boundary=\"b \"", ok + "--b --\r\n",
                AMBIGUOUS));
        all.add(raw("two Content-Types on a form", "POST", AUDIO, bytes(ok + "--b--\r\n"), AMBIGUOUS, FORM,
                "Content-Type: multipart/form-data; boundary=a"));
        // python-multipart (Starlette, FastAPI) reads no delimiter where Go and Werkzeug skip spaces or tabs after one;
        // before 0.0.10 it kept one map of headers for the whole form, in exact case (Debian 12 ships 0.0.5).
        all.add(form("a space after a delimiter", FORM, file + ok.replace("--b\r\n", "--b \r\n") + "--b--\r\n", INVALID_FORM));
        all.add(form("a tab after a delimiter", FORM, ok.replace("--b\r\n", "--b\t\r\n") + file + "--b--\r\n", INVALID_FORM));
        all.add(form("a part without a Content-Disposition (old python-multipart reads the last one's name)", FORM,
                ok + "--b\r\nX-Note: 1\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a part with only a Content-Type", FORM,
                ok + "--b\r\nContent-Type: text/plain\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("content-disposition in lower case after one spelled so (old python-multipart reads the name before)",
                FORM, ok + "--b\r\ncontent-disposition: form-data; name=\"note\"\r\n\r\nup/denied\r\n--b--\r\n",
                INVALID_FORM));
        // Dart's http package spells every part's header in lower case: a form like any other.
        all.add(form("content-disposition in lower case on every part (Dart's http)", FORM, (file + ok)
                .replace("Content-Disposition", "content-disposition").replace("Content-Type", "content-type") + "--b--\r\n",
                forwarded(AUDIO)));
        all.add(form("a quoted-printable part before the model (old python-multipart decodes the ones after it)", FORM,
                "--b\r\nContent-Disposition: form-data; name=\"note\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "x\r\n" + part("model", "up/=64enied") + "--b--\r\n", INVALID_FORM));
        all.add(form("a delimiter after a bare LF (Go reads it)", FORM, ok + "\n" + denied + "--b--\r\n", INVALID_FORM));
        all.add(form("a delimiter after a bare CR (Werkzeug reads it)", FORM, ok + "\r" + denied + "--b--\r\n", INVALID_FORM));
        all.add(form("a form in bare LFs (Go switches to LF)", FORM,
                "--b\nContent-Disposition: form-data; name=\"model\"\n\nup/denied\n--b--\n", INVALID_FORM));
        all.add(form("a bare LF inside a file", FORM, file.replace("RIFF....", "RIFF\n" + denied.strip()) + ok + "--b--\r\n",
                INVALID_FORM));
        all.add(form("the boundary inside the preamble", FORM, "x--b\r\n" + denied + "--b\r\n" + ok.substring(5) + "--b--\r\n",
                INVALID_FORM));
        all.add(form("a preamble line", FORM, "preamble\n" + denied + "\r\n" + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("a part after the close", FORM, ok + "--b--\r\n" + denied + "--b--\r\n", INVALID_FORM));
        all.add(form("two model parts", FORM, ok + denied + "--b--\r\n", DUPLICATE));
        all.add(form("a MODEL part", FORM, part("MODEL", "up/denied") + ok + "--b--\r\n", INVALID_MODEL));
        all.add(form("a model part with a filename", FORM,
                "--b\r\nContent-Disposition: form-data; name=\"model\"; filename=\"m\"\r\n\r\nup/denied\r\n" + ok + "--b--\r\n",
                INVALID_FORM));
        all.add(form("name*", FORM, "--b\r\nContent-Disposition: form-data; name=\"x\"; name*=UTF-8''model\r\n\r\nup/denied\r\n"
                + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("an escaped name", FORM, "--b\r\nContent-Disposition: form-data; name=\"mod\\el\"\r\n\r\nup/denied\r\n"
                + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("two names", FORM, "--b\r\nContent-Disposition: form-data; name=\"x\"; name=\"model\"\r\n\r\nup/denied\r\n"
                + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("two Content-Dispositions", FORM, "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n"
                + "Content-Disposition: form-data; name=\"model\"\r\n\r\nup/denied\r\n" + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("a folded Content-Disposition", FORM, "--b\r\nContent-Disposition: form-data;\r\n name=\"model\"\r\n\r\n"
                + "up/denied\r\n" + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("a bare LF between part headers", FORM, "--b\r\nX-A: 1\nContent-Disposition: form-data; name=\"model\""
                + "\r\n\r\nup/denied\r\n" + ok + "--b--\r\n", INVALID_FORM));
        all.add(form("a base64 model (python-multipart decodes it)", FORM, "--b\r\nContent-Disposition: form-data; name=\"model\""
                + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64.getEncoder().encodeToString(bytes("up/denied"))
                + "\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a quoted-printable model (Go decodes it)", FORM, "--b\r\nContent-Disposition: form-data; name=\"model\""
                + "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nup/=64enied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a UTF-16 model part", FORM, "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n"
                + "Content-Type: text/plain; charset=utf-16\r\n\r\nup/ok\r\n--b--\r\n", INVALID_FORM));
        all.add(form("no model part", FORM, file + "--b--\r\n", refused(400, "missing_model")));
        all.add(form("a backslash outside quotes hides a model part from one reader (python-multipart reads it)", FORM,
                ok + "--b\r\nContent-Disposition: form-data; a=\\\"; name=\"model\"\r\n\r\nup/denied\r\n--b--\r\n",
                INVALID_FORM));
        all.add(form("an unquoted name with more after it (Werkzeug reads model)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name=model x\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a single-quoted name (PHP reads model)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name='model'\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("an unterminated single-quoted name (PHP reads model)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name= 'model\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a no-break space before name (Go and Werkzeug strip it)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; \u00a0name=\"model\"\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a quote inside a quoted name (Werkzeug reads model)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name=\"model\"x\"\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a part named (ambiguous) beside an escaped quote", FORM, ok + "--b\r\nContent-Disposition: form-data; "
                + "name=\"(ambiguous)\"; x=\\\"; name=\"model\"\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a value without a parameter name before the name", FORM, ok
                + "--b\r\nContent-Disposition: form-data; x;=\";name=model\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a file name Go escapes (x\\\"; y.wav)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\\\"; y.wav\"\r\n\r\nRIFF\r\n--b--\r\n",
                forwarded(AUDIO)));
        all.add(form("a quote inside a token of a part's disposition", FORM, ok
                + "--b\r\nContent-Disposition: form-data; a=x\"; name=\"model\"\r\n\r\nup/denied\r\n--b--\r\n", INVALID_FORM));
        all.add(form("a file name with bare quotes after the part's name (npm form-data sends them)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"He said \"hi\".wav\"\r\n\r\nRIFF\r\n--b--\r\n",
                forwarded(AUDIO)));
        all.add(form("a form in EBCDIC (Starlette decodes names and values by the charset)",
                "Content-Type: multipart/form-data; boundary=b; charset=IBM037", ok + "--b--\r\n", AMBIGUOUS));
        all.add(form("a form whose charset is UTF-8", "Content-Type: multipart/form-data; boundary=b; charset=utf-8",
                ok + "--b--\r\n", forwarded(AUDIO)));
        // Apache HttpClient 5 declares ISO-8859-1 on the form, HttpClient 4's STRICT mode on each text part: ASCII reads
        // the same in both; anything else would be other characters to a reader that decodes by the charset.
        String latin1 = "Content-Type: multipart/form-data; charset=ISO-8859-1; boundary=b";
        all.add(form("a form in ISO-8859-1 (Apache HttpClient 5)", latin1, file + ok + "--b--\r\n", forwarded(AUDIO)));
        all.add(form("a form in ISO-8859-1, a denied model", latin1, file + denied + "--b--\r\n", DENIED_403));
        all.add(form("a form in ISO-8859-1, a model beyond ASCII", latin1, file + part("model", "up/d\u00e9nied") + "--b--\r\n",
                INVALID_FORM));
        String latin1Part = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Type: text/plain; "
                + "charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        all.add(form("a model part in ISO-8859-1 (HttpClient 4, STRICT)", FORM, file + latin1Part + "up/ok\r\n--b--\r\n",
                forwarded(AUDIO)));
        all.add(form("a model part in ISO-8859-1 beyond ASCII", FORM, file + latin1Part + "up/d\u00e9nied\r\n--b--\r\n",
                INVALID_FORM));
        all.add(form("not closed", FORM, ok, INVALID_FORM));
        all.add(raw("a form without a boundary", "POST", AUDIO, bytes(ok + "--b--\r\n"), AMBIGUOUS,
                "Content-Type: multipart/form-data"));
        all.add(raw("JSON to a form endpoint", "POST", AUDIO, bytes("{\"model\":\"up/denied\"}"), INVALID_FORM, JSON));
        all.add(form("a delimiter-looking line inside a value (RFC 2046 forbids it; parsers disagree)", FORM,
                file.replace("RIFF....", "RIFF\r\n--bx\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nup/denied")
                        + ok + "--b--\r\n", INVALID_FORM));
        String edits = "/v1/images/edits";
        all.add(form("image edit, its SVG writer's model denied (svg[model], as the SDKs send it)", FORM,
                ok + part("svg[model]", "up/denied") + "--b--\r\n", DENIED_403, edits));
        all.add(form("image edit, svg[model] in the query (qs builds it)", FORM, ok + "--b--\r\n", AMBIGUOUS,
                edits + "?svg%5Bmodel%5D=up/denied"));
        all.add(form("image edit, its SVG writer's model and effort allowed", FORM, ok + part("svg[model]", "alias")
                + part("svg[reasoning][effort]", "low") + "--b--\r\n", forwarded(edits), edits));
        all.add(form("image edit, svg[model] twice", FORM, ok + part("svg[model]", "up/ok") + part("svg[model]", "up/denied")
                + "--b--\r\n", DUPLICATE, edits));
        all.add(form("image edit with two images as image[] (openai-node sends them so)", FORM, ok
                + "--b\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n"
                + "--b--\r\n", forwarded(edits), edits));
        all.add(form("image edit, svg[Model]", FORM, ok + part("svg[Model]", "up/denied") + "--b--\r\n", INVALID_FORM, edits));
        all.add(form("image edit, svg.model (qs reads dots)", FORM, ok + part("svg.model", "up/denied") + "--b--\r\n",
                INVALID_FORM, edits));
        all.add(form("image edit, the svg object as one field", FORM, ok + part("svg", "{\"model\":\"up/denied\"}")
                + "--b--\r\n", INVALID_FORM, edits));
        all.add(form("model[] (multer and PHP read a list)", FORM, ok.replace("name=\"model\"", "name=\"model[]\"")
                + "--b--\r\n", INVALID_FORM));
        all.add(form("model[0] beside model", FORM, ok + part("model[0]", "up/denied") + "--b--\r\n", INVALID_FORM));
        // A review (2026-12-06): names PHP reads as model (leading spaces dropped, cut at a NUL), qs and Rack too.
        for (String name : List.of(" model", "[model]", "]model", "model]", "model\u0000x")) {
            all.add(form("a part named '" + name.replace("\u0000", "\\0") + "' beside model", FORM, ok + part(name, "up/denied")
                    + "--b--\r\n", INVALID_FORM));
        }
        all.add(form("image edit, svg[model] after a space", FORM, ok + part(" svg[model]", "up/denied") + "--b--\r\n",
                INVALID_FORM, "/v1/images/edits"));
        all.add(form("image edit, denied", FORM, denied + "--b--\r\n", DENIED_403, "/v1/images/edits"));
        all.add(form("image variation, denied", FORM, denied + "--b--\r\n", DENIED_403, "/v1/images/variations"));
        all.add(json("a decision, denied", "/v1/decisions", "{\"model\":\"up/denied\",\"input\":\"x\",\"questions\":[]}",
                DENIED_403));
        all.add(json("a decision through a redirect", "/v1/decisions", "{\"model\":\"alias\",\"input\":\"x\",\"questions\":[]}",
                forwarded("/v1/decisions")));
        all.add(json("a decision without a model", "/v1/decisions", "{\"input\":\"x\",\"questions\":[]}",
                refused(400, "missing_model")));
        // A custom voice: from an audio sample (no model) or a prompt (an optional model).
        String voices = "/v1/audio/voices";
        all.add(form("a voice from a prompt, its model denied", FORM, part("name", "v") + part("prompt", "warm")
                + part("type", "prompt") + denied + "--b--\r\n", DENIED_403, voices));
        all.add(form("a voice from a prompt through a redirect", FORM, part("name", "v") + part("prompt", "warm")
                + part("model", "alias") + "--b--\r\n", forwarded(voices), voices));
        all.add(form("a voice from an audio sample (no model)", FORM, part("name", "v") + part("consent", "cons_1")
                + file.replace("name=\"file\"", "name=\"audio_sample\"") + "--b--\r\n", forwarded(voices), voices));
        all.add(form("a voice, model twice", FORM, part("name", "v") + ok + denied + "--b--\r\n", DUPLICATE, voices));
        all.add(form("a voice, model[]", FORM, part("name", "v") + denied.replace("name=\"model\"", "name=\"model[]\"")
                + "--b--\r\n", INVALID_FORM, voices));
        // Video generation takes a form (openai-node always sends one) or JSON (openai-python without a file).
        String videos = "/v1/videos";
        String reference = "--b\r\nContent-Disposition: form-data; name=\"input_reference\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\nPNG\r\n";
        all.add(form("video, denied", FORM, part("prompt", "a cat") + denied + reference + "--b--\r\n", DENIED_403, videos));
        all.add(form("video, allowed, with a reference image", FORM, part("prompt", "a cat") + ok + reference + "--b--\r\n",
                forwarded(videos), videos));
        all.add(form("video, model twice", FORM, ok + denied + "--b--\r\n", DUPLICATE, videos));
        all.add(form("video, MODEL", FORM, ok.replace("name=\"model\"", "name=\"MODEL\"") + "--b--\r\n", INVALID_MODEL, videos));
        all.add(form("video without a model (the upstream would pick its default)", FORM, part("prompt", "a cat") + "--b--\r\n",
                refused(400, "missing_model"), videos));
        all.add(json("video as JSON, denied", videos, "{\"prompt\":\"a cat\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("video as JSON, a redirect to a denied model", videos, "{\"model\":\"sneaky\"}", DENIED_403));
        all.add(json("video as JSON, allowed", videos, "{\"prompt\":\"a cat\",\"model\":\"alias\"}", forwarded(videos)));
        all.add(json("video as JSON, model twice", videos, "{\"model\":\"up/ok\",\"model\":\"up/denied\"}", DUPLICATE));
        all.add(json("video as JSON in UTF-16", videos, "{\"model\":\"up/ok\"}", AMBIGUOUS,
                "Content-Type: application/json; charset=utf-16"));
        all.add(raw("video as a URL-encoded form naming a model", "POST", videos, bytes("prompt=a+cat&model=up/denied"),
                INVALID_JSON, "Content-Type: application/x-www-form-urlencoded"));
        all.add(raw("video as JSON sent as a URL-encoded form, a model inside a value", "POST", videos,
                bytes("{\"model\":\"up/ok\",\"prompt\":\"?a=1&model=up/denied\"}"), AMBIGUOUS,
                "Content-Type: application/x-www-form-urlencoded"));
        all.add(json("video remix naming a denied model", "/v1/videos/video_1/remix",
                "{\"prompt\":\"again\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("video remix", "/v1/videos/video_1/remix", "{\"prompt\":\"again\"}",
                forwarded("/v1/videos/video_1/remix")));
        all.add(form("video remix as a form (openai-node sends one when the body holds a file)", FORM,
                part("prompt", "again") + reference + "--b--\r\n", forwarded("/v1/videos/video_1/remix"),
                "/v1/videos/video_1/remix"));
        all.add(form("video remix as a form naming a denied model", FORM, part("prompt", "again") + denied + reference
                + "--b--\r\n", DENIED_403, "/v1/videos/video_1/remix"));
        all.add(raw("a video's content", "GET", "/v1/videos/video_1/content", new byte[0],
                forwarded("/v1/videos/video_1/content")));
        String video = reference.replace("input_reference", "video");
        all.add(form("a video edit (a form with a video, no model: OpenAI's API has none)", FORM, part("prompt", "brighter")
                + video + "--b--\r\n", forwarded("/v1/videos/edits"), "/v1/videos/edits"));
        all.add(form("a video edit naming a denied model (xAI's edits take one)", FORM, part("prompt", "brighter")
                + denied + video + "--b--\r\n", DENIED_403, "/v1/videos/edits"));
        all.add(form("a video extension naming a denied model", FORM, part("prompt", "longer") + part("seconds", "4")
                + denied + video + "--b--\r\n", DENIED_403, "/v1/videos/extensions"));
        all.add(form("a video character, model twice", FORM, part("name", "c") + ok + denied + video + "--b--\r\n",
                DUPLICATE, "/v1/videos/characters"));
        all.add(json("a video edit as JSON naming a denied model", "/v1/videos/edits",
                "{\"prompt\":\"x\",\"video\":{\"id\":\"video_1\"},\"model\":\"up/denied\"}", DENIED_403));
    }

    private static void batches(List<Attack> all) {
        String line1 = "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"up/ok\"}}";
        String line2 = "{\"custom_id\":\"2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"alias\"}}";
        String bad = "{\"custom_id\":\"3\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"up/denied\"}}";
        all.add(batch("a batch file", "batch", line1 + "\n" + line2 + "\n", forwarded("/v1/files")));
        all.add(batch("a batch file with CRLF lines", "batch", line1 + "\r\n" + line2 + "\r\n", forwarded("/v1/files")));
        all.add(batch("a denied line", "batch", line1 + "\n" + bad + "\n", DENIED_403));
        all.add(batch("a line whose image generation tool names no model", "batch", line1 + "\n"
                + "{\"custom_id\":\"4\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"model\":\"up/ok\","
                + "\"tools\":[{\"type\":\"image_generation\"}]}}\n", AMBIGUOUS));
        all.add(batch("a denied last line without a newline", "batch", line1 + "\n" + bad, DENIED_403));
        all.add(form("a single-quoted purpose (PHP reads a batch file)", FORM, "--b\r\nContent-Disposition: form-data; "
                + "name='purpose'\r\n\r\nbatch\r\n" + batchFile(bad + "\n") + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(form("a purpose, then a single-quoted one (PHP keeps the last)", FORM, part("purpose", "fine-tune")
                + "--b\r\nContent-Disposition: form-data; name='purpose'\r\n\r\nbatch\r\n" + batchFile(bad + "\n")
                + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(batch("a model beside a line's body", "batch",
                line1.replace("\"body\"", "\"model\":\"up/denied\",\"body\"") + "\n", AMBIGUOUS));
        all.add(batch("another provider's line, then a bare name (each line routes alone, in any order)", "batch",
                line1.replace("up/ok", "other/x") + "\n" + line1.replace("up/ok", "plain") + "\n", refused(400, "mixed_providers")));
        all.add(batch("a line over two providers", "batch", line1 + "\n" + line1.replace("up/ok", "other/x") + "\n",
                refused(400, "mixed_providers")));
        all.add(batch("lines split by a bare CR", "batch", line1 + "\r" + bad + "\n", AMBIGUOUS));
        all.add(batch("lines split by U+2028", "batch", line1 + "\u2028" + bad + "\n", AMBIGUOUS));
        all.add(batch("lines split by NEL", "batch", line1 + "\u0085" + bad + "\n", AMBIGUOUS));
        all.add(batch("lines split by a form feed", "batch", line1 + "\f" + bad + "\n", AMBIGUOUS));
        all.add(batch("a MODEL in a line", "batch", line1.replace("\"model\"", "\"MODEL\"") + "\n", INVALID_MODEL));
        all.add(batch("body twice in a line", "batch", bad.replace("\"body\":", "\"body\":{\"model\":\"up/ok\"},\"body\":") + "\n",
                DENIED_403));
        all.add(batch("Body in a line", "batch", line1.replace("\"body\"", "\"Body\"") + "\n", AMBIGUOUS));
        all.add(batch("a line without a model", "batch", "{\"custom_id\":\"1\",\"url\":\"/v1/embeddings\",\"body\":{}}\n",
                refused(400, "missing_model")));
        all.add(batch("a line that is not JSON", "batch", line1 + "\n{oops\n", INVALID_JSON));
        all.add(batch("a line for an endpoint whose models are not where a line's are (evals)", "batch", line1 + "\n"
                + line1.replace("/v1/chat/completions", "/v1/evals") + "\n", AMBIGUOUS));
        all.add(batch("a line for an endpoint spelled another way", "batch",
                line1.replace("/v1/chat/completions", "/v1/chat/completions/") + "\n", AMBIGUOUS));
        all.add(batch("a line without a url", "batch", line1.replace(",\"url\":\"/v1/chat/completions\"", "") + "\n", AMBIGUOUS));
        all.add(batch("a line whose url is not a string", "batch",
                line1.replace("\"/v1/chat/completions\"", "[\"/v1/chat/completions\"]") + "\n", AMBIGUOUS));
        all.add(batch("url twice in a line", "batch", line1.replace("\"url\":", "\"url\":\"/v1/evals\",\"url\":") + "\n",
                AMBIGUOUS));
        all.add(batch("URL in a line", "batch", line1.replace("\"url\"", "\"URL\"") + "\n", AMBIGUOUS));
        all.add(batch("a Responses line with a denied tool model", "batch", line1.replace("/v1/chat/completions", "/v1/responses")
                .replace("{\"model\":\"up/ok\"}", "{\"model\":\"up/ok\",\"tools\":[{\"type\":\"image_generation\","
                        + "\"model\":\"up/denied\"}]}") + "\n", DENIED_403));
        all.add(batch("a Responses line with a denied model in its allowed-tools choice", "batch", line1.replace(
                "/v1/chat/completions", "/v1/responses").replace("{\"model\":\"up/ok\"}", "{\"model\":\"up/ok\",\"tool_choice\":"
                + "{\"type\":\"allowed_tools\",\"tools\":[{\"type\":\"image_generation\",\"model\":\"up/denied\"}]}}") + "\n",
                DENIED_403));
        all.add(batch("a line's moderation model", "batch", line1.replace("{\"model\":\"up/ok\"}",
                "{\"model\":\"up/ok\",\"moderation\":{\"model\":\"up/denied\"}}") + "\n", DENIED_403));
        all.add(batch("an image line's SVG writer", "batch", line1.replace("/v1/chat/completions", "/v1/images/generations")
                .replace("{\"model\":\"up/ok\"}", "{\"model\":\"up/ok\",\"svg\":{\"model\":\"up/denied\"}}") + "\n", DENIED_403));
        all.add(batch("lines for every batch endpoint", "batch", String.join("\n", java.util.stream.Stream.of(
                "/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/moderations",
                "/v1/images/generations", "/v1/images/edits", "/v1/videos").map(u -> line1.replace("/v1/chat/completions", u))
                .toList()) + "\n", forwarded("/v1/files")));
        all.add(form("purpose=batch in an unquoted name with more after it", FORM, part("purpose", "fine-tune")
                + "--b\r\nContent-Disposition: form-data; name=purpose x\r\n\r\nbatch\r\n" + batchFile(bad + "\n") + "--b--\r\n",
                INVALID_FORM, "/v1/files"));
        all.add(batch("purpose Batch", "Batch", line1 + "\n" + bad + "\n", DENIED_403));
        all.add(batch("purpose with spaces", " batch ", line1 + "\n" + bad + "\n", DENIED_403));
        all.add(batch("an unknown purpose", "batch2", line1 + "\n" + bad + "\n", DENIED_403));
        all.add(batch("a fine-tuning file", "fine-tune", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n",
                forwarded("/v1/files")));
        all.add(form("an upload without a purpose (Anthropic's Files API)", FORM,
                batchFile("%PDF-1.4 binary") + "--b--\r\n", forwarded("/v1/files"), "/v1/files"));
        all.add(form("purpose=batch in the query of an upload without one", FORM,
                batchFile(bad + "\n") + "--b--\r\n", AMBIGUOUS, "/v1/files?purpose=batch"));
        all.add(form("[purpose]=batch in the query of an upload without one (qs reads purpose)", FORM,
                batchFile(bad + "\n") + "--b--\r\n", AMBIGUOUS, "/v1/files?%5Bpurpose%5D=batch"));
        all.add(form("purpose in the query beside the form's", FORM, part("purpose", "fine-tune") + batchFile(bad + "\n")
                + "--b--\r\n", AMBIGUOUS, "/v1/files?Purpose=batch"));
        all.add(raw("purpose in the query of a file list (a filter)", "GET", "/v1/files?purpose=batch", new byte[0],
                forwarded("/v1/files")));
        all.add(form("purpose twice", FORM, part("purpose", "fine-tune") + part("purpose", "batch") + batchFile(bad + "\n")
                + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(form("PURPOSE", FORM, part("PURPOSE", "batch") + part("purpose", "fine-tune") + batchFile(bad + "\n")
                + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(form("a file part named File", FORM, part("purpose", "batch") + batchFile(bad + "\n").replace("name=\"file\"",
                "name=\"File\"") + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(form("two file parts", FORM, part("purpose", "batch") + batchFile(line1 + "\n") + batchFile(bad + "\n")
                + "--b--\r\n", INVALID_FORM, "/v1/files"));
        all.add(form("a base64 batch file", FORM, part("purpose", "batch") + "--b\r\nContent-Disposition: form-data; "
                + "name=\"file\"; filename=\"in.jsonl\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getEncoder().encodeToString(bytes(bad + "\n")) + "\r\n--b--\r\n", INVALID_FORM, "/v1/files"));
        // A probe with the real parsers (2026-12-07): python-multipart (Starlette, FastAPI) takes a delimiter line with
        // padding for content, PHP files " file", file[] and file[0] under $_FILES['file'].
        all.add(form("a space after a delimiter, a batch line after it (python-multipart appends it to the file)", FORM,
                part("purpose", "batch") + batchFile(line1 + "\n") + part("note", bad).replace("--b\r\n", "--b \r\n")
                + "--b--\r\n", INVALID_FORM, "/v1/files"));
        for (String spelled : List.of(" file", "file[]", "file[0]", "[file]")) {
            all.add(form("a second file part named '" + spelled + "' (PHP files it as file)", FORM, part("purpose", "batch")
                    + batchFile(line1 + "\n") + batchFile(bad + "\n").replace("name=\"file\"", "name=\"" + spelled + "\"")
                    + "--b--\r\n", INVALID_FORM, "/v1/files"));
        }
        all.add(form("purpose=fine-tune, then a part without a Content-Disposition holding batch (old python-multipart "
                + "reads purpose twice)", FORM, part("purpose", "fine-tune") + "--b\r\nX-Note: 1\r\n\r\nbatch\r\n"
                + batchFile(bad + "\n") + "--b--\r\n", INVALID_FORM, "/v1/files"));
    }

    private static void others(List<Attack> all) {
        all.add(raw("realtime WebSocket", "GET", "/v1/realtime?model=up/denied", new byte[0], refused(501, "not_implemented"),
                "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version: 13"));
        all.add(raw("realtime without upgrade", "GET", "/v1/realtime?model=up/ok", new byte[0], refused(501, "not_implemented")));
        // A realtime call created from JSON, as openai-python sends it ({"sdp", "session"}): the session read as a client
        // secret's (an SDK probe and a review of 2026-12-07; it was refused as not a form before).
        all.add(json("creating a realtime call from JSON without its session", "/v1/realtime/calls",
                "{\"model\":\"up/ok\"}", AMBIGUOUS));
        all.add(json("creating a realtime call from JSON: its session's model", "/v1/realtime/calls",
                "{\"sdp\":\"v=0\\r\\n\",\"session\":{\"type\":\"realtime\",\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("creating a realtime call from JSON: its transcription model", "/v1/realtime/calls",
                "{\"sdp\":\"v=0\\r\\n\",\"session\":{\"type\":\"realtime\",\"model\":\"up/ok\",\"audio\":{\"input\":"
                + "{\"transcription\":{\"model\":\"up/denied\"}}}}}", DENIED_403));
        all.add(json("creating a realtime call from JSON: a model beside its session", "/v1/realtime/calls",
                "{\"sdp\":\"v=0\\r\\n\",\"model\":\"up/denied\",\"session\":{\"type\":\"realtime\",\"model\":\"up/ok\"}}",
                DENIED_403));
        all.add(json("creating a realtime call from JSON, allowed", "/v1/realtime/calls",
                "{\"sdp\":\"v=0\\r\\n\",\"session\":{\"type\":\"realtime\",\"model\":\"up/ok\"}}",
                forwarded("/v1/realtime/calls")));
        String offer = part("sdp", "v=0\r\no=- 1 1 IN IP4 0.0.0.0");
        all.add(form("creating a realtime call: its session's model", FORM, offer
                + part("session", "{\"type\":\"realtime\",\"model\":\"up/denied\"}") + "--b--\r\n", DENIED_403,
                "/v1/realtime/calls"));
        all.add(form("creating a realtime call: its session's transcription model", FORM, offer
                + part("session", "{\"type\":\"realtime\",\"model\":\"up/ok\",\"audio\":{\"input\":{\"transcription\":"
                + "{\"model\":\"up/denied\"}}}}") + "--b--\r\n", DENIED_403, "/v1/realtime/calls"));
        all.add(form("creating a realtime call with an allowed model", FORM, offer
                + part("session", "{\"type\":\"realtime\",\"model\":\"up/ok\"}") + "--b--\r\n",
                forwarded("/v1/realtime/calls"), "/v1/realtime/calls"));
        all.add(form("creating a realtime call: Model beside model in its session", FORM, offer
                + part("session", "{\"model\":\"up/ok\",\"Model\":\"up/denied\"}") + "--b--\r\n", DUPLICATE,
                "/v1/realtime/calls"));
        all.add(form("creating a realtime call: two session parts (readers differ on which counts)", FORM, offer
                + part("session", "{\"model\":\"up/ok\"}") + part("session", "{\"model\":\"up/denied\"}")
                + "--b--\r\n", INVALID_FORM, "/v1/realtime/calls"));
        all.add(form("creating a realtime call: a part named Session", FORM, offer
                + part("Session", "{\"model\":\"up/denied\"}") + "--b--\r\n", INVALID_FORM, "/v1/realtime/calls"));
        all.add(form("creating a realtime call: its session is not JSON", FORM, offer + part("session", "{\"model\":")
                + "--b--\r\n", INVALID_JSON, "/v1/realtime/calls"));
        all.add(form("creating a realtime call: a model field beside the session (LiteLLM reads it)", FORM, offer
                + part("model", "up/denied") + part("session", "{\"model\":\"up/ok\"}") + "--b--\r\n", DENIED_403,
                "/v1/realtime/calls"));
        // A review of 2026-12-07: the session's settings in the query, which Flask's request.values and PHP's
        // $_REQUEST merge with the form (FastAPI fills a missing field from it).
        all.add(raw("a realtime call's session in the query beside the SDP offer", "POST",
                "/v1/realtime/calls?session=%7B%22model%22%3A%22up%2Fdenied%22%7D",
                bytes("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"), AMBIGUOUS, "Content-Type: application/sdp"));
        all.add(form("a realtime call's session[model] in the query beside a checked session part", FORM, offer
                + part("session", "{\"model\":\"up/ok\"}") + "--b--\r\n", AMBIGUOUS,
                "/v1/realtime/calls?session%5Bmodel%5D=up%2Fdenied"));
        // A probe of 2026-12-07: a session settled without a model runs the provider's default, which no rule checked.
        all.add(raw("creating a realtime call from the SDP offer alone", "POST", "/v1/realtime/calls",
                bytes("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"), INVALID_FORM, "Content-Type: application/sdp"));
        all.add(form("a realtime call's form without its session part", FORM, offer + "--b--\r\n", AMBIGUOUS,
                "/v1/realtime/calls"));
        all.add(form("a realtime call's session without a model", FORM, offer + part("session", "{\"type\":\"realtime\"}")
                + "--b--\r\n", AMBIGUOUS, "/v1/realtime/calls"));
        all.add(json("a realtime client secret without a model", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"realtime\"}}", AMBIGUOUS));
        all.add(json("a realtime client secret without a session", "/v1/realtime/client_secrets", "{}", AMBIGUOUS));
        all.add(json("a realtime client secret whose transcription names no model", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"realtime\",\"model\":\"up/ok\",\"audio\":{\"input\":{\"transcription\":"
                + "{\"language\":\"en\"}}}}}", AMBIGUOUS));
        all.add(json("a transcription client secret without its transcription model", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{\"transcription\":{\"language\":"
                + "\"en\"}}}}}", AMBIGUOUS));
        all.add(json("a transcription client secret with its transcription model", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{\"transcription\":{\"model\":"
                + "\"up/ok\"}}}}}", forwarded("/v1/realtime/client_secrets")));
        all.add(json("a beta realtime session without a model", "/v1/realtime/sessions", "{}", AMBIGUOUS));
        all.add(json("a beta transcription session without a model", "/v1/realtime/transcription_sessions",
                "{\"input_audio_transcription\":{\"language\":\"en\"}}", AMBIGUOUS));
        all.add(json("accepting a realtime call without a model", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\"}", AMBIGUOUS));
        all.add(json("a translation client secret without a model", "/v1/realtime/translations/client_secrets",
                "{\"session\":{}}", AMBIGUOUS));
        // A review of 2026-12-07: a model counts only where the route reads (checks and rewrites) it, and the keys read
        // are refused in another case (Go's reader takes Type for type).
        all.add(json("accepting a call whose model is nested in a session object", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\",\"session\":{\"model\":\"up/denied\"}}", AMBIGUOUS));
        all.add(form("a realtime call's session part whose model is nested again", FORM, offer + part("session",
                "{\"type\":\"realtime\",\"session\":{\"model\":\"up/denied\"}}") + "--b--\r\n", AMBIGUOUS,
                "/v1/realtime/calls"));
        all.add(json("a beta transcription session's GA transcription model", "/v1/realtime/transcription_sessions",
                "{\"audio\":{\"input\":{\"transcription\":{\"model\":\"up/denied\"}}}}", DENIED_403));
        all.add(json("a beta transcription session's transcription in two places", "/v1/realtime/transcription_sessions",
                "{\"input_audio_transcription\":{\"model\":\"up/ok\"},\"audio\":{\"input\":{\"transcription\":"
                + "{\"model\":\"up/ok\"}}}}", AMBIGUOUS));
        all.add(json("a translation client secret's beta transcription model", "/v1/realtime/translations/client_secrets",
                "{\"session\":{\"model\":\"up/ok\",\"input_audio_transcription\":{\"model\":\"up/denied\"}}}",
                DENIED_403));
        all.add(json("a client secret's session type twice in two cases", "/v1/realtime/client_secrets",
                "{\"session\":{\"type\":\"transcription\",\"Type\":\"realtime\",\"audio\":{\"input\":"
                + "{\"transcription\":{\"model\":\"up/ok\"}}}}}", AMBIGUOUS));
        all.add(json("a client secret's transcription Model in another case", "/v1/realtime/client_secrets",
                "{\"session\":{\"model\":\"up/ok\",\"audio\":{\"input\":{\"transcription\":{\"model\":\"up/ok\","
                + "\"MODEL\":\"up/denied\"}}}}}", DUPLICATE));
        // Routing keys of upstream servers and gateways (the same probe): SGLang's LoRA adapter, LiteLLM's Azure
        // deployment and provider.
        // An SDK probe of 2026-12-07: a custom voice's consent recording (openai-node's audio.voiceConsents) was 404.
        String consent = part("language", "en") + part("name", "me") + "--b\r\nContent-Disposition: form-data; "
                + "name=\"recording\"; filename=\"c.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n";
        all.add(form("a voice consent recording", FORM, consent + "--b--\r\n", forwarded("/v1/audio/voice_consents"),
                "/v1/audio/voice_consents"));
        all.add(form("a voice consent recording with a denied model beside it", FORM, consent + part("model", "up/denied")
                + "--b--\r\n", DENIED_403, "/v1/audio/voice_consents"));
        all.add(json("SGLang's lora_path", CHAT, "{\"model\":\"up/ok\",\"messages\":[],\"lora_path\":\"denied\"}",
                AMBIGUOUS));
        all.add(json("LiteLLM's deployment_id", CHAT, "{\"model\":\"up/ok\",\"messages\":[],\"deployment_id\":"
                + "\"denied\"}", AMBIGUOUS));
        all.add(json("LiteLLM's custom_llm_provider", CHAT, "{\"model\":\"up/ok\",\"messages\":[],"
                + "\"custom_llm_provider\":\"azure\"}", AMBIGUOUS));
        all.add(raw("JSON sent as an SDP offer", "POST", "/v1/realtime/calls", bytes("{\"model\":\"up/denied\"}"),
                INVALID_FORM, "Content-Type: application/sdp"));
        all.add(json("a POST to the realtime socket's path", "/v1/realtime", "{\"model\":\"up/denied\"}", NOT_ALLOWED));
        all.add(raw("realtime translation WebSocket", "GET", "/v1/realtime/translations?model=up/denied", new byte[0],
                refused(501, "not_implemented"), "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
        all.add(json("accepting a realtime call (its session's model)", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("accepting a realtime call: its transcription model", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\",\"model\":\"up/ok\",\"audio\":{\"input\":{\"transcription\":"
                + "{\"model\":\"up/denied\"}}}}", DENIED_403));
        all.add(json("accepting a realtime call: Model beside model", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\",\"model\":\"up/ok\",\"Model\":\"up/denied\"}", DUPLICATE));
        all.add(json("accepting a realtime call with an allowed model", "/v1/realtime/calls/rtc_1/accept",
                "{\"type\":\"realtime\",\"model\":\"up/ok\"}", forwarded("/v1/realtime/calls/rtc_1/accept")));
        all.add(raw("hanging up a realtime call", "POST", "/v1/realtime/calls/rtc_1/hangup", new byte[0],
                forwarded("/v1/realtime/calls/rtc_1/hangup")));
        all.add(json("rejecting a realtime call", "/v1/realtime/calls/rtc_1/reject", "{\"status_code\":486}",
                forwarded("/v1/realtime/calls/rtc_1/reject")));
        all.add(json("referring a realtime call, with a model beside (LiteLLM routes by it)", "/v1/realtime/calls/rtc_1/refer",
                "{\"target_uri\":\"tel:+1\",\"model\":\"up/denied\"}", DENIED_403));
        all.add(json("a realtime translation session", "/v1/realtime/translations/client_secrets",
                "{\"session\":{\"model\":\"up/ok\"}}", forwarded("/v1/realtime/translations/client_secrets")));
        all.add(json("a realtime translation session with a denied model", "/v1/realtime/translations/client_secrets",
                "{\"session\":{\"model\":\"up/denied\"}}", DENIED_403));
        all.add(json("a realtime translation session: its transcription model", "/v1/realtime/translations/client_secrets",
                "{\"session\":{\"model\":\"up/ok\",\"audio\":{\"input\":{\"transcription\":"
                + "{\"model\":\"up/denied\"}}}}}", DENIED_403));
        all.add(raw("a model-less GET", "GET", "/v1/files", new byte[0], forwarded("/v1/files")));
        all.add(raw("a model-less GET with an id", "GET", "/v1/batches/batch_1", new byte[0], forwarded("/v1/batches/batch_1")));
        all.add(raw("an unknown provider named", "GET", "/v1/files", new byte[0], refused(400, "unknown_provider"),
                "X-Switchboard-Provider: nope"));
        all.add(raw("another provider named", "GET", "/v1/files", new byte[0], forwarded("/v1/files"),
                "X-Switchboard-Provider: other"));
        all.add(raw("two providers named (a proxy joins them; no first one wins)", "GET", "/v1/files", new byte[0],
                refused(400, "unknown_provider"), "X-Switchboard-Provider: other", "X-Switchboard-Provider: up"));
        all.add(json("a model-less POST with an allowed model", "/v1/batches", "{\"input_file_id\":\"f\",\"model\":\"up/ok\"}",
                forwarded("/v1/batches")));
    }

    // ---- builders --------------------------------------------------------------------------------

    private static Attack json(String name, String target, String body, Expect expect, String... headers) {
        List<String> h = new ArrayList<>(List.of(JSON));
        h.addAll(List.of(headers));
        return new Attack(name, "POST", target, List.copyOf(h), bytes(body), false, expect);
    }

    private static Attack raw(String name, String method, String target, byte[] body, Expect expect, String... headers) {
        return raw(name, method, target, body, false, expect, headers);
    }

    private static Attack raw(String name, String method, String target, byte[] body, boolean chunked, Expect expect,
                              String... headers) {
        return new Attack(name, method, target, List.of(headers), body, chunked, expect);
    }

    private static Attack form(String name, String contentType, String body, Expect expect) {
        return form(name, contentType, body, expect, AUDIO);
    }

    private static Attack form(String name, String contentType, String body, Expect expect, String path) {
        return new Attack(name, "POST", path, List.of(contentType), bytes(body), false, expect);
    }

    private static Attack batch(String name, String purpose, String file, Expect expect) {
        return form(name, FORM, part("purpose", purpose) + batchFile(file) + "--b--\r\n", expect, "/v1/files");
    }

    private static String part(String name, String value) {
        return "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    private static String batchFile(String content) {
        return "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + content + "\r\n";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Text with raw bytes between: strings are UTF-8, integers are single bytes. */
    private static byte[] bytes(Object... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : pieces) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) p);
            }
        }
        return out.toByteArray();
    }

    private static byte[] utf16(String s) {
        return s.getBytes(StandardCharsets.UTF_16LE);
    }

    private static byte[] gzip(String s) {
        return gzip(bytes(s));
    }

    private static byte[] gzip(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
