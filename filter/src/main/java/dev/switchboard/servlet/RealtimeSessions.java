package dev.switchboard.servlet;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.json.JsonTree;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The requests that create a realtime session over HTTP (its client secret, a beta session, a SIP call's accept, a
 * WebRTC call's settings) must name its models (SPEC section 15): a session settled without one runs the provider's
 * default model, which no rule checked, and a client secret then lets the caller use it at the provider directly.
 * So the session's {@code model} is required (a transcription session's: its transcription model), and transcription
 * settings that name no model are refused, as in the socket ({@link RealtimeEvents}).
 */
final class RealtimeSessions {

    /** Where a request keeps the settings of the session it creates. */
    enum Settings {
        /** The body is the session: a call's {@code accept}, a call's session part (its keys at the top only). */
        BODY,
        /** Beta {@code /v1/realtime/sessions}: the body is the session, or (no top-level model) its session object. */
        BETA,
        /** In its {@code session} object: the client secrets of conversations, transcriptions and translations. */
        SESSION_FIELD,
        /** The body is a transcription session (beta {@code /v1/realtime/transcription_sessions}). */
        TRANSCRIPTION
    }

    /** The keys read here: a spelling of one in another case is refused (Go's JSON reader takes it for the key). */
    private static final List<String> READ = List.of("type", "model", "session", "audio", "input", "transcription",
            "input_audio_transcription");

    private RealtimeSessions() {
    }

    /**
     * Where a model counts is where the route's shape reads it (checked and rewritten there): each route's shape has
     * the session's {@code model} and both spellings of its transcription model at the place this reads them.
     *
     * @param bytes the buffer holding the settings' JSON (already read as valid JSON by the model locator)
     * @param from where the JSON starts
     * @param length its length
     * @param settings where the session's settings are
     * @return why the request is refused (its session names no model where the provider would pick one, or spells a key
     *     readers take differently), or {@code null}
     */
    static ErrorResponse unnamed(byte[] bytes, int from, int length, Settings settings) {
        Object tree;
        try {
            tree = JsonTree.parseUnique(from == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, from, from + length));
        } catch (JsonTree.DuplicateKeyException e) {
            return ApiError.INVALID_REQUEST.with("a key sent twice in the session's settings: " + e.describe());
        } catch (RuntimeException e) {
            // Valid JSON the tree reader does not take (nested deeper than it goes): not judged, so not passed.
            return ApiError.INVALID_REQUEST.with("realtime session settings nested too deep to check");
        }
        if (!(tree instanceof Map<?, ?> body)) {
            return null;
        }
        String prefix = settings == Settings.SESSION_FIELD ? "session." : "";
        Object s = body;
        if (settings == Settings.SESSION_FIELD || settings == Settings.BETA && !body.containsKey("model")
                && body.get("session") instanceof Map<?, ?>) {
            s = body.get("session");
            prefix = "session.";
        }
        String spelled = otherCase(body);
        if (spelled != null) {
            return spelled(spelled);
        }
        if (!(s instanceof Map<?, ?> session)) {
            return missing("session.model", "name the session's model");
        }
        spelled = otherCase(session);
        if (spelled != null) {
            return spelled(prefix + spelled);
        }
        boolean transcription = settings == Settings.TRANSCRIPTION || "transcription".equals(session.get("type"));
        String transcriptionPath = null;
        Object transcriptionSettings = null;
        if (session.get("audio") instanceof Map<?, ?> audio) {
            spelled = otherCase(audio);
            if (spelled == null && audio.get("input") instanceof Map<?, ?> input) {
                spelled = otherCase(input);
                if (input.get("transcription") != null) {
                    transcriptionSettings = input.get("transcription");
                    transcriptionPath = prefix + "audio.input.transcription";
                }
            }
            if (spelled != null) {
                return spelled(prefix + "audio." + spelled);
            }
        }
        if (session.get("input_audio_transcription") != null) {
            if (transcriptionSettings != null) {
                // Two places name the transcription: which one a provider reads is its own.
                return ApiError.INVALID_REQUEST.with("transcription settings in two places (audio.input.transcription and"
                        + " input_audio_transcription); send one").at(prefix + "input_audio_transcription");
            }
            transcriptionSettings = session.get("input_audio_transcription");
            transcriptionPath = prefix + "input_audio_transcription";
        }
        if (transcriptionSettings instanceof Map<?, ?> t) {
            spelled = otherCase(t);
            if (spelled != null) {
                return spelled(transcriptionPath + "." + spelled);
            }
            if (!(t.get("model") instanceof String)) {
                return missing(transcriptionPath + ".model", "name the transcription model");
            }
        }
        if (transcription) {
            String path = prefix + (settings == Settings.TRANSCRIPTION ? "input_audio_transcription"
                    : "audio.input.transcription") + ".model";
            return transcriptionSettings instanceof Map<?, ?> ? null
                    : missing(path, "name the transcription model of a transcription session");
        }
        return session.get("model") instanceof String ? null
                : missing(prefix + "model", "name the session's model");
    }

    /** @return a key of {@code m} that is one of {@link #READ} in another case, or {@code null} */
    private static String otherCase(Map<?, ?> m) {
        for (Object k : m.keySet()) {
            if (k instanceof String key && !READ.contains(key)) {
                for (String read : READ) {
                    if (read.equalsIgnoreCase(key)) {
                        return key;
                    }
                }
            }
        }
        return null;
    }

    private static ErrorResponse spelled(String path) {
        return ApiError.INVALID_REQUEST.with("a key of the session's settings in another case (readers differ on"
                + " whether it counts)").at(path);
    }

    /**
     * @param part the name of the form's part that holds the session's settings
     * @return the refusal of a form without that part (its session would run the provider's default model)
     */
    static ErrorResponse missingSettings(String part) {
        return missing(part, "send the session's settings as JSON in the form's " + part + " part, naming its model");
    }

    private static ErrorResponse missing(String path, String what) {
        return ApiError.INVALID_REQUEST.with(what + ": without one the provider runs a model of its own choosing, which"
                + " this gateway cannot check").at(path);
    }
}
