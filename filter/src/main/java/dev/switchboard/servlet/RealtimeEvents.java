package dev.switchboard.servlet;

import dev.switchboard.body.JsonModelLocator;
import dev.switchboard.body.ModelField;
import dev.switchboard.body.Shape;
import dev.switchboard.body.UpstreamGateways;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Usage;
import dev.switchboard.json.JsonTree;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Identification;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The events a client sends on a realtime socket (SPEC section 15), each checked before it goes upstream as a request
 * body is: strict JSON, one object, a client event type of the realtime API, and every model in it resolved and
 * checked for the socket's caller and rewritten (a session's model, its transcription model, beta and GA spellings),
 * all at the socket's provider. A refused event goes nowhere: the client gets an {@code error} event in the realtime
 * API's shape instead, and the socket stays open, as the realtime API answers an invalid event. Also reads the usage of
 * the upstream's {@code response.done} events. The caller, too, is identified again for every event by the keys and
 * paths in force: a gateway key a reload removed ends the socket opened with it. One per socket; its methods are
 * called by the client's and the provider's sides, one at a time.
 */
public final class RealtimeEvents {

    /** The client events of the realtime API (GA and beta); any other type is refused. */
    static final Set<String> CLIENT_EVENTS = Set.of("session.update", "transcription_session.update",
            "input_audio_buffer.append", "input_audio_buffer.commit", "input_audio_buffer.clear",
            "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate",
            "conversation.item.delete", "response.create", "response.cancel", "output_audio_buffer.clear");

    /** The client events of a translation session ({@code /v1/realtime/translations}); any other type is refused. */
    static final Set<String> TRANSLATION_EVENTS = Set.of("session.update", "session.input_audio_buffer.append",
            "session.close");

    /** The request attribute naming the SIP call a socket opens at ({@code ?call_id=}, no model in its query). */
    public static final String CALL_ID = "dev.switchboard.realtime.callId";

    /** The request attribute saying a socket is a transcription session ({@code intent=transcription}). */
    public static final String TRANSCRIPTION = "dev.switchboard.realtime.transcription";

    /** The path of the translation sessions' socket. */
    public static final String TRANSLATIONS = "/v1/realtime/translations";

    /**
     * Where an event carries models: the session's model and its transcription model (GA: {@code session.audio.input
     * .transcription.model}; beta: {@code session.input_audio_transcription.model}), a top-level model, and the lists an
     * upstream gateway routes by, read as every request body's are.
     */
    static final Shape SHAPE = UpstreamGateways.checkedIn(Shape.of(false, "model", "session.model",
            "session.input_audio_transcription.model", "session.audio.input.transcription.model"))
            .capturing("type", "event_id");

    private static final AtomicLong EVENT_IDS = new AtomicLong();

    private final Callers.Presented presented;
    private final Candidate connected;
    private final Supplier<SwitchboardConfig> live;
    private final Picker picker;
    private final String provider;
    private final JsonModelLocator locator;
    /** The client event types of the socket's API. */
    private final Set<String> clientEvents;
    /** Whether the socket is a transcription session: no audio goes on before a checked transcription model is in force. */
    private final boolean transcribing;
    /** The caller as the rules in force identify it (at the opening, the exchange's). */
    private Caller caller;
    /** The rules the socket was last judged by and let go on, or {@code null} before the first judgement. */
    private SwitchboardConfig judged;
    /**
     * The transcription model in force at the provider, as checked ({@code provider/model}): the query's of a
     * transcription session, then the one the provider's {@code session.updated} shows (or, when it shows none, the one
     * of the update it answers); {@code null} while none is.
     */
    private String transcriptionModel;
    /**
     * A transcription model the provider's session shows that this socket never sent (its own choice): no audio goes on
     * while it is in force. {@code null} when there is none.
     */
    private String unchecked;
    /** Every transcription model sent on this socket: the name the provider knows it by, and as checked. */
    private final Map<String, String> sent = new java.util.HashMap<>();
    /** The most session updates kept unanswered per socket. */
    private static final int MAX_UNANSWERED = 64;
    /** The session updates sent and not answered yet, oldest first (the provider answers them in order). */
    private final java.util.Deque<Update> unanswered = new java.util.ArrayDeque<>();
    /** The client's event read while a transcription model waits for the provider's answer: judged once it came. */
    private String held;

    /**
     * A session update sent to the provider.
     *
     * @param eventId the client's id of it, or {@code null}
     * @param model the transcription model it set, as checked, or {@code null} (none, or turned off)
     * @param cleared whether it turned transcription off
     */
    private record Update(String eventId, String model, boolean cleared) {
    }

    /**
     * @param exchange the socket's exchange, decided (its caller)
     * @param request the upgrade, whose gateway key and user path identify the caller again at every event
     * @param connected the candidate the socket is open at: every model of an event must go to its provider, and the
     *     rules in force must still let the caller use it
     * @param live the rules in force: each event is judged by them, not by those of the socket's opening
     * @param picker the node's rotation, for a virtual model named in an event
     * @param maxBytes the largest event read
     */
    public RealtimeEvents(Exchange exchange, HttpServletRequest request, Candidate connected,
                          Supplier<SwitchboardConfig> live, Picker picker, int maxBytes) {
        this.presented = Callers.presented(request);
        this.caller = exchange.caller();
        this.connected = connected;
        this.live = live;
        this.picker = picker;
        this.provider = connected.provider();
        this.locator = new JsonModelLocator(maxBytes);
        this.clientEvents = TRANSLATIONS.equals(exchange.path()) ? TRANSLATION_EVENTS : CLIENT_EVENTS;
        this.transcribing = Boolean.TRUE.equals(request.getAttribute(TRANSCRIPTION));
        if (transcribing && connected.model() != null) {
            // A transcription session's model (its query's, checked at the opening) is its transcription model.
            this.transcriptionModel = connected.model();
            sent.put(connected.upstreamModel(), connected.model());
        }
    }

    /**
     * What becomes of one client event.
     *
     * @param forward the event to send upstream (the models rewritten), or {@code null} when refused
     * @param reply the {@code error} event to send the client instead, or {@code null}
     * @param error the refusal, or {@code null}
     * @param revoked why the socket is to be closed after the reply (a reload changed the rules: the caller's key is
     *     no longer accepted, or the caller may no longer use the socket's own model), or {@code null}
     */
    public record Verdict(String forward, String reply, ErrorResponse error, String revoked) {

        /**
         * The event is held, neither sent nor refused: a transcription model is waiting for the provider's answer, and
         * {@link #answered} gives the event back once it came. Read no more of the client until then.
         */
        public static final Verdict HELD = new Verdict(null, null, null, null);

        /** @return whether the event is held ({@link #HELD}) */
        public boolean held() {
            return this == HELD;
        }
    }

    /**
     * @param text a text message the client sent
     * @return whether and what to send upstream
     */
    public synchronized Verdict check(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ModelField field = locator.locate(bytes, bytes.length, SHAPE);
        String clientId = field.captured().get("event_id");
        if (waiting()) {
            // Whatever it is, it follows the update: judged once the provider said whether it took the model.
            held = text;
            return Verdict.HELD;
        }
        SwitchboardConfig config = live.get();
        Rules rules = config.rules();
        // Judged once per rule set: a transcription model an event sets is checked by the same rules as it is set.
        Verdict revoked = config == judged ? null : revoked(config, clientId);
        if (revoked != null) {
            return revoked;
        }
        ErrorResponse broken = field.status() == ModelField.Status.NOT_OBJECT ? ApiError.INVALID_JSON.with()
                : field.error(false);
        if (broken != null) {
            return refused(broken, null, clientId);
        }
        String type = field.captured().get("type");
        if (type == null || !clientEvents.contains(type)) {
            return refused(ApiError.INVALID_REQUEST.with("not a client event of the realtime API: "
                    + (type != null ? "'" + ModelNames.visible(type) + "'" : "no type")), "type", clientId);
        }
        if (type.startsWith("input_audio_buffer.") && !type.equals("input_audio_buffer.clear")) {
            if (unchecked != null) {
                // The provider's session shows a transcription model no rule checked (its own choice).
                return refused(ApiError.INVALID_REQUEST.with("the provider transcribes this session with '"
                        + ModelNames.visible(unchecked) + "', which this gateway did not check; name the transcription"
                        + " model in a session update"), "type", clientId);
            }
            if (transcribing && transcriptionModel == null) {
                // The provider would transcribe it with a model of its own choosing, which no rule checked.
                return refused(ApiError.INVALID_REQUEST.with("name the transcription model in a session update before"
                        + " sending audio: without one the provider transcribes with a model of its choosing, which this"
                        + " gateway cannot check"), "type", clientId);
            }
        }
        Transcription transcription = null;
        if (type.endsWith("session.update")) {
            transcription = transcription(bytes);
            if (transcription.refusal() != null) {
                return refused(transcription.refusal(), transcription.path(), clientId);
            }
        }
        if (field.status() != ModelField.Status.FOUND) {
            if (transcription != null) {
                sentUpdate(clientId, null, transcription.cleared());
            }
            return new Verdict(text, null, null, null);
        }
        Map<ModelField.Site, Decision> decisions = new LinkedHashMap<>();
        for (ModelField.Site site : field.sites()) {
            Decision d = Resolver.resolve(rules, site.model(), caller, picker);
            if (!Objects.equals(d.provider(), provider) && ModelRequestHandler.defaulted(rules, site.model(), d)) {
                // A bare name (a transcription model) goes where the socket goes, as beside a request's model.
                d = Resolver.resolve(rules, provider + "/" + ModelNames.strip(site.model()), caller, picker);
            }
            ApiError denied = ApiError.forOutcome(d.outcome());
            if (denied != null) {
                return refused(denied.with(d.outcome() == Outcome.NOT_FOUND ? d.concrete() : d.provider())
                        .at(site.path()), site.path(), clientId);
            }
            if (!Objects.equals(d.provider(), provider)) {
                return refused(ApiError.MIXED_PROVIDERS.with(provider + ", " + d.provider()).at(site.path()), site.path(),
                        clientId);
            }
            if (!ModelNames.sendable(d.upstreamModel())) {
                return refused(ApiError.MODEL_UNSENDABLE.with().at(site.path()), site.path(), clientId);
            }
            decisions.put(site, d);
        }
        byte[] rewritten = field.splice(bytes, bytes.length, s -> decisions.get(s).upstreamModel());
        String model = null;
        for (Map.Entry<ModelField.Site, Decision> e : decisions.entrySet()) {
            if (e.getKey().path().endsWith("transcription.model")) {
                // In force once the provider took it (answered): one it refused leaves the one before in force.
                model = e.getValue().qualified();
                sent.put(e.getValue().upstreamModel(), model);
            }
        }
        if (transcription != null) {
            sentUpdate(clientId, model, transcription.cleared());
        }
        return new Verdict(new String(rewritten, StandardCharsets.UTF_8), null, null, null);
    }

    /** A session update goes to the provider: it is answered in turn; turning transcription off counts at once. */
    private void sentUpdate(String eventId, String model, boolean cleared) {
        if (unanswered.size() == MAX_UNANSWERED) {
            // A provider that does not answer: the oldest is forgotten (the session it shows stays what counts).
            unanswered.poll();
        }
        unanswered.add(new Update(eventId, model, cleared));
        if (cleared) {
            transcriptionModel = null;
            unchecked = null;
        }
    }

    /**
     * @return whether the client's events wait for the provider: no transcription model in force, and an update that
     *     sets one not answered yet (whether audio may go, and settings without a model, depend on its answer)
     */
    private boolean waiting() {
        return transcriptionModel == null && unchecked == null && unanswered.stream().anyMatch(u -> u.model() != null);
    }

    /**
     * Reads a provider's message for its answers to the session updates sent (it answers each, in order):
     * {@code session.updated} answers the oldest, and the transcription model it shows is the one in force (as checked
     * when this socket sent it; one it never sent is {@link #unchecked}; a session that shows none keeps the model of the
     * update answered, or none after one that turned it off); an {@code error} naming an update's {@code event_id}
     * answers that one, one naming no event the oldest (it may be it), and leaves the model in force as it was.
     *
     * @param text a text message the provider sent
     * @return the client's event held while a transcription model waited, to judge now that the wait ended; else
     *     {@code null}
     */
    public synchronized String answered(String text) {
        if (!text.contains("session.updated") && !(text.contains("\"error\"") && !unanswered.isEmpty())) {
            return null;
        }
        if (!(providerEvent(text) instanceof Map<?, ?> event) || !(event.get("type") instanceof String type)) {
            return null;
        }
        if (type.endsWith("session.updated")) {
            Update answered = unanswered.poll();
            Object shown = shownTranscription(event.get("session"));
            if (shown instanceof String name) {
                transcriptionModel = sent.get(name);
                unchecked = transcriptionModel == null ? name : null;
            } else if (shown == JSON_NULL) {
                transcriptionModel = null;
                unchecked = null;
            } else if (answered != null && (answered.model() != null || answered.cleared())) {
                transcriptionModel = answered.model();
                unchecked = null;
            }
        } else if (type.equals("error")) {
            Object of = event.get("error") instanceof Map<?, ?> error ? error.get("event_id") : null;
            if (of instanceof String id) {
                // The error of another event the client named leaves the updates as they are.
                for (java.util.Iterator<Update> it = unanswered.iterator(); it.hasNext(); ) {
                    if (id.equals(it.next().eventId())) {
                        it.remove();
                        break;
                    }
                }
            } else {
                unanswered.poll();
            }
        } else {
            return null;
        }
        if (held == null || waiting()) {
            return null;
        }
        String release = held;
        held = null;
        return release;
    }

    /** Marks a transcription shown as {@code null} (turned off), apart from one not shown at all. */
    private static final Object JSON_NULL = new Object();

    /**
     * @param session a {@code session.updated} event's session
     * @return the transcription model it shows (GA {@code audio.input.transcription.model}, beta
     *     {@code input_audio_transcription.model}), {@link #JSON_NULL} when it shows transcription off, or {@code null}
     *     when it shows nothing of it
     */
    private static Object shownTranscription(Object session) {
        if (!(session instanceof Map<?, ?> s)) {
            return null;
        }
        Object settings = null;
        boolean shown = false;
        if (s.get("audio") instanceof Map<?, ?> audio && audio.get("input") instanceof Map<?, ?> input
                && input.containsKey("transcription")) {
            settings = input.get("transcription");
            shown = true;
        } else if (s.containsKey("input_audio_transcription")) {
            settings = s.get("input_audio_transcription");
            shown = true;
        }
        if (!shown) {
            return null;
        }
        if (settings instanceof Map<?, ?> t && t.get("model") instanceof String model) {
            return model;
        }
        return JSON_NULL;
    }

    /**
     * The rules in force judged again, for a message the provider sends: a reload that removed the caller's key or
     * withdrew the socket's model ends the socket then too, not only at the client's next event. Judged once per rule
     * set (a reload swaps the configuration: the same one was judged already).
     *
     * @return the verdict that ends the socket, or {@code null} while the caller may go on
     */
    public synchronized Verdict revokedSince() {
        SwitchboardConfig config = live.get();
        return config == judged ? null : revoked(config, null);
    }

    /**
     * Identifies the caller again (its key hashed) and resolves the socket's models: the same answer for one rule set,
     * so {@link #judged} remembers the last rule set that let the caller go on.
     *
     * @return the verdict that ends the socket when {@code config} no longer lets its caller use it, else {@code null}
     */
    private Verdict revoked(SwitchboardConfig config, String clientId) {
        Rules rules = config.rules();
        Identification who = presented.identify(rules.identity());
        if (!who.ok()) {
            // The rules changed under an open socket: its caller's key (or path) is no longer accepted.
            ErrorResponse gone = ApiError.forIdentity(who.failure()).with(who.message());
            return new Verdict(null, refused(gone, null, clientId).reply(), gone,
                    "the gateway key or user path is no longer accepted");
        }
        caller = who.caller();
        ErrorResponse withdrawn = withdrawn(rules);
        if (withdrawn != null) {
            // The rules changed under an open socket: its own model is no longer this caller's to use.
            return new Verdict(null, refused(withdrawn, "model", clientId).reply(), withdrawn,
                    "the model is no longer available to this caller");
        }
        judged = config;
        return null;
    }

    /**
     * @return why the rules in force no longer let the caller use the model the socket is open at (a policy on it, its
     *     provider gone or without its key), or {@code null} while they do
     */
    private ErrorResponse withdrawn(Rules rules) {
        Provider p = rules.providers().get(provider);
        if (p == null || !p.configured()) {
            return ApiError.PROVIDER_UNAVAILABLE.with(provider);
        }
        if (connected.model() == null) {
            // A SIP call's socket (its model was checked at the call's accept): the caller's access to the provider.
            if (Resolver.providerAccess(rules, provider, caller.userPath()) != Outcome.ALLOWED) {
                return ApiError.PROVIDER_ACCESS_DENIED.with();
            }
        } else {
            Outcome now = Resolver.resolveConcrete(rules, connected.model(), caller).outcome();
            if (now == Outcome.DENIED || now == Outcome.DISABLED) {
                return ApiError.forOutcome(now).with();
            }
        }
        List<String> judgedModels = new java.util.ArrayList<>();
        judgedModels.add(transcriptionModel);
        unanswered.forEach(u -> judgedModels.add(u.model()));
        for (String model : judgedModels) {
            if (model == null) {
                continue;
            }
            // The provider transcribes with the model an earlier event set (or is about to): withdrawn, it ends the
            // socket too.
            Outcome transcribing = Resolver.resolveConcrete(rules, model, caller).outcome();
            if (transcribing == Outcome.DENIED || transcribing == Outcome.DISABLED) {
                return ApiError.forOutcome(transcribing).with().at("transcription model " + model);
            }
        }
        return null;
    }

    /**
     * What a session update does to the transcription model.
     *
     * @param refusal why the update is refused, or {@code null}
     * @param path where in the event, for the refusal
     * @param cleared whether it turns transcription off ({@code null} settings): no model is in force after it
     */
    private record Transcription(ErrorResponse refusal, String path, boolean cleared) {
    }

    /**
     * A session update's transcription settings. Settings without a model are refused while no checked model is in
     * force at the provider (it would transcribe with its default, which no rule checked); a key sent twice anywhere
     * in the update is refused (readers differ on which copy counts: {@code transcripti\u006fn} beside
     * {@code transcription}).
     */
    private Transcription transcription(byte[] bytes) {
        Object parsed;
        try {
            parsed = JsonTree.parseUnique(bytes);
        } catch (JsonTree.DuplicateKeyException e) {
            return new Transcription(ApiError.INVALID_REQUEST.with("a key sent twice in the session update: "
                    + e.describe()), e.path(), false);
        } catch (RuntimeException e) {
            parsed = null;
        }
        if (!(parsed instanceof Map<?, ?> event)) {
            // Valid JSON the tree reader does not take (nested deeper than it goes): not judged, so not passed.
            return new Transcription(ApiError.INVALID_REQUEST.with("a session update nested too deep to check"), "session",
                    false);
        }
        if (!(event.get("session") instanceof Map<?, ?> session)) {
            return new Transcription(null, null, false);
        }
        Object settings;
        String path;
        if (session.containsKey("input_audio_transcription")) {
            settings = session.get("input_audio_transcription");
            path = "session.input_audio_transcription";
        } else if (session.get("audio") instanceof Map<?, ?> audio && audio.get("input") instanceof Map<?, ?> input
                && input.containsKey("transcription")) {
            settings = input.get("transcription");
            path = "session.audio.input.transcription";
        } else {
            return new Transcription(null, null, false);
        }
        if (settings == null) {
            return new Transcription(null, path, true);
        }
        if (settings instanceof Map<?, ?> m && !m.containsKey("model") && transcriptionModel == null) {
            return new Transcription(ApiError.INVALID_REQUEST.with("name the transcription model (" + path + ".model):"
                    + " without one the provider transcribes with a model of its choosing, which this gateway cannot"
                    + " check"), path + ".model", false);
        }
        return new Transcription(null, path, false);
    }

    /** @return the error event for a binary message, which the realtime API has none of (its audio is base64 in JSON) */
    public static String binaryRefused() {
        return refused(ApiError.INVALID_REQUEST.with("the realtime API takes JSON text messages, not binary ones"), null,
                null).reply();
    }

    /**
     * The realtime API's error event for a refused client event.
     *
     * @param param where in the event the fault is, or {@code null} for the error's own
     */
    private static Verdict refused(ErrorResponse error, String param, String clientEventId) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("type", error.type());
        detail.put("code", error.code());
        detail.put("message", error.message());
        detail.put("param", param != null ? param : error.param());
        detail.put("event_id", clientEventId);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "error");
        event.put("event_id", "event_switchboard_" + EVENT_IDS.incrementAndGet());
        event.put("error", detail);
        return new Verdict(null, new String(JsonTree.write(event), StandardCharsets.UTF_8), error, null);
    }

    /**
     * A provider's event about one response.
     *
     * @param done {@code false} for {@code response.created} (a response under way, which the provider bills as it
     *     generates it), {@code true} for {@code response.done}
     * @param usage a done response's usage ({@code response.usage}), or {@code null} when it stated none
     */
    public record ResponseEvent(boolean done, Usage usage) {
    }

    /**
     * @param text a text message the upstream sent
     * @return what it says of a response, read once; {@code null} for any other message
     */
    public static ResponseEvent response(String text) {
        if (!text.contains("response.created") && !text.contains("response.done")) {
            return null;
        }
        if (!(providerEvent(text) instanceof Map<?, ?> event) || !(event.get("type") instanceof String type)) {
            return null;
        }
        if (type.equals("response.created")) {
            return new ResponseEvent(false, null);
        }
        if (!type.equals("response.done")) {
            return null;
        }
        if (!(event.get("response") instanceof Map<?, ?> response) || !(response.get("usage") instanceof Map<?, ?> usage)) {
            return new ResponseEvent(true, null);
        }
        Long cached = usage.get("input_token_details") instanceof Map<?, ?> details ? count(details.get("cached_tokens")) : null;
        return new ResponseEvent(true, new Usage(count(usage.get("input_tokens")), count(usage.get("output_tokens")),
                cached, null, null, response.get("status") instanceof String s ? s : null));
    }

    /** @return a provider's message read as JSON, or {@code null} when it is none (passed on all the same) */
    private static Object providerEvent(String text) {
        try {
            return JsonTree.parse(text.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Long count(Object value) {
        if (value instanceof JsonTree.Num n) {
            try {
                long v = Long.parseLong(n.text());
                return v < 0 ? null : v;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return value instanceof Number n ? n.longValue() : null;
    }

    /**
     * @param a the usage so far, or {@code null}
     * @param b one more response's, or {@code null}
     * @return both summed (a figure either leaves unknown stays unknown; the last finish reason)
     */
    public static Usage plus(Usage a, Usage b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return new Usage(sum(a.inputTokens(), b.inputTokens()), sum(a.outputTokens(), b.outputTokens()),
                sum(a.cachedTokens(), b.cachedTokens()), sum(a.reasoningTokens(), b.reasoningTokens()),
                sum(a.cacheCreationTokens(), b.cacheCreationTokens()),
                b.finishReason() != null ? b.finishReason() : a.finishReason());
    }

    private static Long sum(Long a, Long b) {
        return a == null || b == null ? null : a + b;
    }
}
