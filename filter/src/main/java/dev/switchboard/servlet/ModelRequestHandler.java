package dev.switchboard.servlet;

import dev.switchboard.body.BatchFile;
import dev.switchboard.body.BodyReader;
import dev.switchboard.body.DefaultedModels;
import dev.switchboard.body.JsonModelLocator;
import dev.switchboard.body.ModelField;
import dev.switchboard.body.Multipart;
import dev.switchboard.body.Shape;
import dev.switchboard.body.UpstreamGateways;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.RewritableBody;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Route;
import dev.switchboard.rules.Rules;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Requests whose body may carry models (SPEC sections 3 and 15): reads the body under the size cap,
 * finds every model name where the route says the API puts them (a batch file: on every line),
 * resolves each for the caller, and either rejects (SPEC section 5) or hands on a request whose body
 * carries the upstream models (a byte-exact splice) and whose length headers agree. All models of one
 * request must route to one provider. Thread-safe.
 */
final class ModelRequestHandler {

    /** A host path's body that names a model: read as a model-less API body is, with the gateways' lists and keys. */
    private static final Shape HOST_MODEL_CHECKED = UpstreamGateways.checkedIn(Api.OPTIONAL_MODEL);

    private final Picker picker;
    private volatile Parsers parsers;

    ModelRequestHandler(Picker picker) {
        this.picker = picker;
    }

    /**
     * @param route the request's route; {@link Api.Kind#MODEL_LESS} for a model-less POST whose body is
     *     scanned for a model anyway
     * @param hidden the request headers not to pass on
     * @return what to forward, or {@code null} when the request was answered here
     */
    Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Api.Route route,
                Set<String> hidden) throws IOException {
        return handle(request, response, exchange, route, hidden, false);
    }

    /**
     * @param hostPath a POST to a path of no served API (the bare filter's host app): a body that is not a JSON
     *     object is the host's business; on a path of the APIs a model-less POST takes a JSON object or nothing
     */
    Next handle(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Api.Route route,
                Set<String> hidden, boolean hostPath) throws IOException {
        SwitchboardConfig config = exchange.config();
        int max = config.server().maxRequestBytes();
        BodyReader.Body body;
        try {
            body = BodyReader.read(request::getInputStream, request.getContentLengthLong(),
                    request.getHeader("Content-Encoding"), max);
        } catch (BodyReader.BodyException e) {
            Rejections.logIfReadBefore(e);
            if (e.kind() != BodyReader.BodyException.Kind.UNDECODABLE) {
                Rejections.closeIfBodyUnread(request, response);
            }
            Rejections.send(response, exchange, e.kind().error().with(e.getMessage()));
            return null;
        } catch (IOException e) {
            if (ApiError.isHeldBodiesFull(e)) {
                // The bundled proxy did not take this body in (SPEC 15: bounded memory): refused unread, at once.
                Rejections.closeIfBodyUnread(request, response);
                Rejections.send(response, exchange, ApiError.OVERLOADED.with(ApiError.HeldBodiesFull.MESSAGE));
                return null;
            }
            if (!ApiError.isTimeout(e)) {
                // The body broke off (a malformed chunk, a client that left mid-upload). Thrown on, it ended no
                // exchange: the container's 400 carried a request id that no access-log line or metric had.
                Rejections.closeIfBodyUnread(request, response);
                try {
                    Rejections.send(response, exchange, ApiError.INVALID_BODY.with("the request body broke off before its end"));
                } catch (IOException gone) {
                    // The client left: nobody to tell, but the exchange is still recorded.
                }
                return null;
            }
            // The body stopped arriving (SPEC section 15): 408, never a container's 500.
            Rejections.closeIfBodyUnread(request, response);
            Rejections.send(response, exchange, ApiError.REQUEST_TIMEOUT.with("the request body did not arrive in time"));
            return null;
        }
        // A realtime call created from JSON (openai-python), not a form (openai-node, openai-java): its session is a field.
        boolean callJson = route.jsonPart() != null && RequestChecks.isType(request.getContentType(), "application/json");
        if (route.jsonPart() != null && !callJson && !RequestChecks.multipart(request.getContentType())) {
            // The SDP offer alone (application/sdp) creates a call whose session the provider settles with its default
            // model, which no rule checked (RealtimeSessions): the session's settings are required.
            Rejections.send(response, exchange, ApiError.INVALID_BODY.with("this endpoint takes multipart/form-data (the"
                    + " SDP offer, sdp, and the session's settings as JSON, session) or JSON ({\"sdp\": ..., \"session\":"
                    + " {...}}), the session naming its model; an offer alone runs the provider's default model, which"
                    + " this gateway cannot check"));
            return null;
        }
        boolean form = !callJson && (route.kind() == Api.Kind.FILES || route.kind() == Api.Kind.FORM
                && (!route.takesJson() || RequestChecks.multipart(request.getContentType())));
        Located located;
        if (form) {
            Multipart.ContentType type = Multipart.contentType(request.getContentType());
            if (!type.form()) {
                // Forms only: reading such a body as JSON could disagree with the upstream.
                Rejections.send(response, exchange,
                        ApiError.INVALID_BODY.with("this endpoint takes multipart/form-data with a boundary"));
                return null;
            }
            if (type.problem() != null) {
                Rejections.send(response, exchange, ApiError.INVALID_REQUEST.with(type.problem()));
                return null;
            }
            List<Multipart.Part> parts = Multipart.parts(body.bytes(), body.length(), type.boundary());
            located = form(body, parts, route.kind() == Api.Kind.FILES, route.shape() == null || route.shape().required(),
                    max, RequestChecks.declaresOtherCharset(request.getContentType()));
            if (route.jsonPart() != null && located.error() == null) {
                located = jsonPart(body, parts, route, located, max);
            }
        } else {
            Shape shape = callJson ? Api.CALL_JSON : route.shape();
            located = Located.of(DefaultedModels.check(parsers(max).locate(body.bytes(), 0, body.length(), shape,
                    route.kind() == Api.Kind.MODEL_LESS), body.bytes(), 0, body.length(), shape), false);
            if (route.session() != null && located.error() == null) {
                ErrorResponse unnamed = RealtimeSessions.unnamed(body.bytes(), 0, body.length(),
                        callJson ? RealtimeSessions.Settings.SESSION_FIELD : route.session());
                located = unnamed == null ? located : new Located(located.field(), unnamed);
            }
            if (hostPath && located.field().status() == ModelField.Status.FOUND) {
                // A host path whose body names a model as an LLM API's does (LiteLLM's /v1/rerank behind the filter): the
                // upstream gateways' lists and routing keys beside it are read as on the APIs' paths. A host body that
                // names no model keeps its own keys (a "preset" of the host's own API).
                located = Located.of(parsers(max).locate(body.bytes(), 0, body.length(), HOST_MODEL_CHECKED, true), false);
            }
        }
        ModelField field = located.field();
        ErrorResponse invalid = located.error();
        if (invalid == null && !form && !hostPath && field.status() == ModelField.Status.NOT_OBJECT
                && !nothing(body.bytes(), body.length())) {
            // Not JSON to us, but a form or UTF-16 JSON to others (FastAPI's json.loads reads that).
            invalid = ApiError.INVALID_JSON.with();
        }
        if (invalid == null && hostPath && field.status() == ModelField.Status.NOT_OBJECT
                && objectInAnotherEncoding(body.bytes(), body.length(), route, max)) {
            // Not JSON to us, but an object to Python's json.loads, which reads UTF-16 and UTF-32 (FastAPI, Flask): on
            // a path of the APIs it is refused above; here it would pass to the host app.
            invalid = ApiError.INVALID_JSON.with();
        }
        if (invalid == null && !form && !hostPath && RequestChecks.urlEncoded(request.getContentType())) {
            invalid = formFields(body, route);
        }
        if (invalid == null && route.kind() == Api.Kind.JSON && field.captured().containsKey("purpose")
                && mayHoldModels(field.captured().get("purpose"))) {
            invalid = ApiError.INVALID_REQUEST.with("batch files are uploaded with POST /v1/files, where every line is checked");
        }
        if (invalid != null) {
            Rejections.send(response, exchange, invalid);
            return null;
        }
        byte[] original = body.bytes();
        int length = body.length();
        if (field.status() != ModelField.Status.FOUND) {
            // No model in it: forwarded as sent, to where the exchange routes requests without one.
            return new Next(new SwitchboardRequest(request, original, length, hidden, null, response), response,
                    exchange, null);
        }
        return decide(request, response, exchange, field, original, length, hidden);
    }

    private Next decide(HttpServletRequest request, HttpServletResponse response, Exchange exchange, ModelField field,
                        byte[] original, int length, Set<String> hidden) throws IOException {
        List<ModelField.Site> sites = field.sites();
        // One request's own model and the models beside it (a tool's, a transcription's) go to one upstream; the
        // lines of a batch (a file's, a message batch's, an eval's criteria) each name their own, and two providers
        // among them are refused whatever their order.
        boolean follows = sites.size() > 1 && !sites.get(0).path().contains("[") && !sites.get(0).path().startsWith("line ");
        // Indexed like sites: no map or set for the one model of most requests.
        Decision[] decisions = new Decision[sites.size()];
        Decision primary = null;
        boolean mixed = false;
        for (int i = 0; i < decisions.length; i++) {
            ModelField.Site site = sites.get(i);
            Decision d = Resolver.resolve(exchange.config().rules(), site.model(), exchange.caller(), picker);
            if (primary != null && primary.provider() != null && !Objects.equals(d.provider(), primary.provider())
                    && follows && defaulted(exchange.config().rules(), site.model(), d)) {
                // A bare name beside the request's model (a transcription or tool model) goes where the request goes:
                // checked as that provider's, not refused as another's because a split chose this provider.
                d = Resolver.resolve(exchange.config().rules(), primary.provider() + "/" + ModelNames.strip(site.model()),
                        exchange.caller(), picker);
            }
            if (primary == null) {
                primary = d;
                response.setHeader(VirtualModelFilter.MODEL_HEADER, headerSafe(d.concrete()));
                if (d.redirect() != null) {
                    response.setHeader(VirtualModelFilter.VIRTUAL_MODEL_HEADER, headerSafe(d.redirect()));
                }
            }
            ApiError denied = ApiError.forOutcome(d.outcome());
            if (denied != null) {
                ErrorResponse e = denied.with(d.outcome() == Outcome.NOT_FOUND ? d.concrete() : d.provider());
                Rejections.send(response, exchange.withDecision(d, null),
                        sites.size() == 1 && site.path().equals("model") ? e : e.at(site.path()));
                return null;
            }
            if (!ModelNames.sendable(d.upstreamModel())) {
                // A name sent as written (no redirect renamed it) that an upstream could read as another model.
                ErrorResponse e = ApiError.MODEL_UNSENDABLE.with();
                Rejections.send(response, exchange.withDecision(d, null),
                        sites.size() == 1 && site.path().equals("model") ? e : e.at(site.path()));
                return null;
            }
            decisions[i] = d;
            mixed |= !Objects.equals(d.provider(), primary.provider());
        }
        if (mixed) {
            Set<String> providers = new LinkedHashSet<>();
            for (Decision d : decisions) {
                providers.add(d.provider());
            }
            Rejections.send(response, exchange.withDecision(primary, null),
                    ApiError.MIXED_PROVIDERS.with(String.join(", ", providers)));
            return null;
        }
        ModelField.Site first = sites.get(0);
        // The splice hands over each site: one model needs no lookup; a batch file's thousands get one map, built once.
        Function<ModelField.Site, Decision> decisionOf = decisions.length == 1 ? site -> decisions[0]
                : byIdentity(sites, decisions);
        RewritableBody rewritten = new RewritableBody(
                field.splice(original, length, s -> decisionOf.apply(s).upstreamModel()),
                model -> field.splice(original, length, s -> s == first ? model : decisionOf.apply(s).upstreamModel()),
                field.asksForStream());
        // Other models were decided for the chosen provider: a request with several has no other candidate.
        Exchange decided = sites.size() == 1 ? exchange.withDecision(primary, rewritten)
                : exchange.withDecision(primary, rewritten, List.of(primary.chosen()));
        byte[] bytes = rewritten.bytes();
        return new Next(new SwitchboardRequest(request, bytes, bytes.length, hidden, null, response), response,
                decided, null);
    }

    /**
     * @return whether a name has no route of its own: no redirect, no provider prefix, no provider's static
     *     {@code models} listing it (so it went to {@code default_provider}, or nowhere)
     */
    static boolean defaulted(Rules rules, String requested, Decision d) {
        if (d.redirect() != null) {
            return false;
        }
        Route route = Resolver.route(rules, ModelNames.strip(requested));
        return route == null || route.via() == Route.Via.DEFAULT;
    }

    private static Function<ModelField.Site, Decision> byIdentity(List<ModelField.Site> sites, Decision[] decisions) {
        Map<ModelField.Site, Decision> map = new IdentityHashMap<>(decisions.length * 2);
        for (int i = 0; i < decisions.length; i++) {
            map.put(sites.get(i), decisions[i]);
        }
        return map::get;
    }

    /**
     * A body's models, or the error that refuses it.
     *
     * @param field where the models are, or why there are none
     * @param error the error for a body that cannot be used, or {@code null}
     */
    private record Located(ModelField field, ErrorResponse error) {
        /** @param multipart whether a broken body is a broken form (else broken JSON: a batch file's line) */
        static Located of(ModelField field, boolean multipart) {
            return new Located(field, field.error(multipart));
        }
    }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    /**
     * Whether a body that is not JSON to us is a JSON object with a model to Python's {@code json.loads(bytes)}: it picks
     * UTF-16 or UTF-32 from a byte order mark, else from where the first four bytes are zero ({@code json.detect_encoding};
     * a UTF-8 byte order mark the locator reads past itself).
     * Decoded as it would be and read again; a body it does not decode (a binary upload) is no object.
     */
    private boolean objectInAnotherEncoding(byte[] bytes, int length, Api.Route route, int max) {
        java.nio.charset.Charset charset;
        int b0 = length > 0 ? bytes[0] & 0xff : -1;
        int b1 = length > 1 ? bytes[1] & 0xff : -1;
        if (length >= 4 && b0 == 0 && b1 == 0 && (bytes[2] & 0xff) == 0xFE && (bytes[3] & 0xff) == 0xFF
                || length >= 4 && b0 == 0xFF && b1 == 0xFE && bytes[2] == 0 && bytes[3] == 0) {
            charset = java.nio.charset.Charset.forName("UTF-32");
        } else if (b0 == 0xFE && b1 == 0xFF || b0 == 0xFF && b1 == 0xFE) {
            charset = java.nio.charset.StandardCharsets.UTF_16;
        } else if (length >= 4 && b0 == 0) {
            charset = b1 != 0 ? java.nio.charset.StandardCharsets.UTF_16BE : java.nio.charset.Charset.forName("UTF-32BE");
        } else if (length >= 4 && b1 == 0) {
            charset = bytes[2] != 0 || bytes[3] != 0 ? java.nio.charset.StandardCharsets.UTF_16LE
                    : java.nio.charset.Charset.forName("UTF-32LE");
        } else if (length == 2 && (b0 == 0 || b1 == 0)) {
            charset = b0 == 0 ? java.nio.charset.StandardCharsets.UTF_16BE : java.nio.charset.StandardCharsets.UTF_16LE;
        } else {
            return false;
        }
        String text;
        try {
            text = charset.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ModelField.Status status = parsers(max).locate(utf8, 0, utf8.length, route.shape(), true).status();
        // An object with a model key (a name, or one we would refuse): an object without one is the host's.
        return status != ModelField.Status.NOT_OBJECT && status != ModelField.Status.NONE;
    }

    /**
     * @return whether a model-less POST's body says nothing: empty or whitespace (after a UTF-8 BOM: where the
     *     locator finds no document), or a JSON {@code null} or {@code []} (openai-php and async-openai send those to
     *     cancel endpoints)
     */
    private static boolean nothing(byte[] bytes, int length) {
        int from = JsonModelLocator.firstSignificant(bytes, 0, length);
        if (from < 0) {
            return true;
        }
        if (bytes[from] == '[') {
            int close = JsonModelLocator.firstSignificant(bytes, from + 1, length);
            return close >= 0 && bytes[close] == ']' && JsonModelLocator.firstSignificant(bytes, close + 1, length) < 0;
        }
        return length - from >= NULL.length && java.util.Arrays.equals(bytes, from, from + NULL.length, NULL, 0, NULL.length)
                && JsonModelLocator.firstSignificant(bytes, from + NULL.length, length) < 0;
    }

    /**
     * A JSON body sent as a URL-encoded form ({@code curl -d} does): Express, Flask and LiteLLM read it as one, so a
     * {@code &model=} inside a string would be their model. Refused when the form names a field the gateway
     * reads ({@code model}; {@code purpose} where the API has one), as those readers split it: at {@code &}, the
     * name case kept, {@code model[]} for PHP and {@code qs}, leading spaces dropped as PHP drops them; and at
     * {@code ;} too, as older python-multipart (Starlette), Python and Go do ({@link RequestChecks#formFieldNamed}).
     */
    private static ErrorResponse formFields(BodyReader.Body body, Api.Route route) {
        // A form reading of the body must name none of the fields the route reads models (or a purpose) from.
        String named = RequestChecks.formFieldNamed(body.bytes(), body.length(), route.shape().topLevelNames());
        return named == null ? null : ApiError.INVALID_REQUEST.with("read as the form its Content-Type says, the body"
                + " names a " + named + " field; send JSON as application/json");
    }

    /** Upload purposes whose files carry no model (OpenAI's); any other purpose is checked as a batch file. */
    private static final Set<String> MODEL_FREE_PURPOSES = Set.of("assistants", "vision", "fine-tune", "user_data", "evals");

    /**
     * @return whether a file uploaded for this purpose may be run as a batch: {@code batch}, and anything
     *     unknown; an upload without a purpose (Anthropic's Files API) cannot be, OpenAI refuses it
     */
    private static boolean mayHoldModels(String purpose) {
        return purpose != null && !MODEL_FREE_PURPOSES.contains(purpose);
    }

    /**
     * A form's models: its {@code model} field, and for an upload to {@code /v1/files} whose purpose is
     * {@code batch} (or not one OpenAI knows to hold no model: fail closed) every line's.
     *
     * @param parts the form's parts, or {@code null} when it is no valid form
     * @param required whether a form that is no upload to {@code /v1/files} must name a model
     * @param asciiOnly whether the form declares a charset other than UTF-8 (see {@link Multipart#fields})
     */
    private Located form(BodyReader.Body body, List<Multipart.Part> parts, boolean files, boolean required, int max,
                         boolean asciiOnly) {
        if (parts == null) {
            return Located.of(ModelField.failed(ModelField.Status.INVALID_BODY, null), true);
        }
        ModelField fields = files ? Multipart.fields(body.bytes(), parts, false, asciiOnly, "purpose")
                : Multipart.fields(body.bytes(), parts, required, asciiOnly);
        if (!files || fields.error(true) != null || !mayHoldModels(fields.captured().get("purpose"))) {
            return Located.of(fields, true);
        }
        String spelled = Multipart.otherSpelling(parts, "file");
        if (spelled != null) {
            // PHP files " file", file[] and file[0] under $_FILES['file']: the lines checked must be the ones it runs.
            return Located.of(ModelField.failed(ModelField.Status.AMBIGUOUS, spelled), true);
        }
        Multipart.Part file = null;
        for (Multipart.Part p : parts) {
            if (p.name() != null && p.name().equalsIgnoreCase("file")) {
                if (file != null || !p.name().equals("file")) {
                    return Located.of(ModelField.failed(ModelField.Status.AMBIGUOUS, "one part named file"), true);
                }
                file = p;
            }
        }
        if (file == null) {
            return Located.of(ModelField.failed(ModelField.Status.MISSING, "a batch upload has no file part"), true);
        }
        ModelField lines = BatchFile.locate(body.bytes(), file.start(), file.end(), parsers(max));
        if (lines.status() != ModelField.Status.FOUND || fields.sites().isEmpty()) {
            // A line is JSON: its problems are JSON's (invalid_json, invalid_model...), naming the line.
            return Located.of(lines, false);
        }
        List<ModelField.Site> all = new ArrayList<>(fields.sites());
        all.addAll(lines.sites());
        return Located.of(new ModelField(ModelField.Status.FOUND, null, all, Map.of()), true);
    }

    /**
     * A form's JSON part (a realtime call's {@code session}), its models where the route's shape says, beside what the
     * form's own fields name. One part of that exact name, or none (the provider's defaults: no model).
     */
    private Located jsonPart(BodyReader.Body body, List<Multipart.Part> parts, Api.Route route, Located fields,
                             int max) {
        String name = route.jsonPart();
        String spelled = Multipart.otherSpelling(parts, name);
        if (spelled != null) {
            return Located.of(ModelField.failed(ModelField.Status.AMBIGUOUS, spelled), true);
        }
        Multipart.Part json = null;
        for (Multipart.Part p : parts) {
            if (p.name() != null && p.name().equalsIgnoreCase(name)) {
                if (json != null || !p.name().equals(name)) {
                    return Located.of(ModelField.failed(ModelField.Status.AMBIGUOUS, "one part named " + name), true);
                }
                json = p;
            }
        }
        if (json == null) {
            return new Located(fields.field(), RealtimeSessions.missingSettings(name));
        }
        ModelField settings = parsers(max).locate(body.bytes(), json.start(), json.end() - json.start(), route.shape(),
                false);
        ErrorResponse unnamed = settings.error(false) != null ? null
                : RealtimeSessions.unnamed(body.bytes(), json.start(), json.end() - json.start(), route.session());
        if (unnamed != null) {
            return new Located(settings, unnamed);
        }
        if (settings.status() != ModelField.Status.FOUND) {
            // Broken JSON, a duplicated or ambiguous model: JSON's errors; no model in the settings: the form's own.
            return settings.error(false) != null ? Located.of(settings, false) : fields;
        }
        if (fields.field().status() != ModelField.Status.FOUND) {
            return Located.of(settings, false);
        }
        List<ModelField.Site> all = new ArrayList<>(fields.field().sites());
        all.addAll(settings.sites());
        return Located.of(new ModelField(ModelField.Status.FOUND, null, all, Map.of()), true);
    }

    /** Header values cannot carry CR/LF or other controls; a model name with them is shown escaped. */
    static String headerSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0xff) {
                StringBuilder sb = new StringBuilder(value.length() + 8);
                value.codePoints().forEach(cp -> {
                    if (cp < 0x20 || cp == 0x7f || cp > 0xff) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                });
                return sb.toString();
            }
        }
        return value;
    }

    private JsonModelLocator parsers(int max) {
        Parsers p = parsers;
        if (p == null || p.max != max) {
            p = new Parsers(max, new JsonModelLocator(max));
            parsers = p;
        }
        return p.json;
    }

    private record Parsers(int max, JsonModelLocator json) {
    }
}
