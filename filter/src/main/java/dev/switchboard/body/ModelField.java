package dev.switchboard.body;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.ModelNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a request body's model names are (every {@link Site}), or why the body cannot be used (SPEC
 * sections 5 and 15). Found names can be replaced byte-exactly with {@link #splice}: every byte outside
 * the values is kept, numbers and whitespace included.
 *
 * @param status what was found
 * @param where the path of the field at fault ({@code tools[1].model}, {@code line 3}), or {@code null}
 * @param sites every model name found, in body order; the primary one (the shape's first path) first
 * @param captured the shape's captured fields that were present, by path
 * @param asksForStream whether the document's top-level {@code stream} is {@code true} (the last of two wins, as Python
 *     and Node read it; the key compared decoded and exactly): for the failover's timing only, never for a check
 */
public record ModelField(Status status, String where, List<Site> sites, Map<String, String> captured,
                         boolean asksForStream) {

    /** The longest model name accepted (SPEC section 15, limits). */
    public static final int MAX_MODEL_LENGTH = ModelNames.MAX_LENGTH;

    /**
     * One model name in a body.
     *
     * @param path where it is ({@code model}, {@code tools[0].model}, {@code line 2: body.model})
     * @param model the decoded value
     * @param start offset of the value's first byte (the opening quote, or a form field's first byte)
     * @param end offset just past the value's last byte
     * @param quoted whether the value is a JSON string (its replacement must be JSON-escaped and quoted)
     */
    public record Site(String path, String model, int start, int end, boolean quoted) {
    }

    /** Why a body does or does not carry usable model names. */
    public enum Status {
        /** At least one model name; every one a usable string. */
        FOUND,
        /** No model name, and the endpoint does not require one. */
        NONE,
        /** Not a JSON object, on an endpoint that does not require one (a model-less POST). */
        NOT_OBJECT,
        /** The body is not valid JSON, not a JSON object, or not a readable multipart form. */
        INVALID_BODY,
        /** The primary model is missing. */
        MISSING,
        /** A model is not a string, or its key is spelled in another case ({@code MODEL}). */
        NOT_STRING,
        /** A model name is empty. */
        EMPTY,
        /** A model name is longer than {@link #MAX_MODEL_LENGTH}. */
        TOO_LONG,
        /** A model name holds a space, control or invisible character ({@link ModelNames#problem}). */
        UNUSABLE,
        /** A model appears twice in one object (also via escapes or another case). */
        DUPLICATE,
        /** Some other part of the request is ambiguous to the upstream parsers; {@link #where} says which. */
        AMBIGUOUS,
        /**
         * The request names models in a way the gateway cannot check ({@code fallbacks: "default"}, which lets the
         * upstream pick them; a batch line for an endpoint whose models are read elsewhere); {@link #where} says which.
         */
        UNCHECKABLE
    }

    public ModelField {
        sites = List.copyOf(sites);
        captured = Map.copyOf(captured);
    }

    /**
     * A body that does not ask for a stream (a form, a batch file).
     *
     * @param status why it does or does not carry models
     * @param where the path of the field at fault, or {@code null}
     * @param sites every model name found
     * @param captured the shape's captured fields that were present
     */
    public ModelField(Status status, String where, List<Site> sites, Map<String, String> captured) {
        this(status, where, sites, captured, false);
    }

    /**
     * @param status why the body cannot be used
     * @param where the field or line at fault, or {@code null}
     * @return a result without sites
     */
    public static ModelField failed(Status status, String where) {
        return new ModelField(status, where, List.of(), Map.of());
    }

    /**
     * @param value a model name as sent
     * @return why it cannot be used ({@link Status#EMPTY}, {@link Status#TOO_LONG}, {@link Status#UNUSABLE}),
     *     or {@code null} when it can
     */
    static Status unusable(String value) {
        if (value.length() > MAX_MODEL_LENGTH) {
            return Status.TOO_LONG;
        }
        if (ModelNames.problem(value) == null) {
            return null;
        }
        return ModelNames.strip(value).isEmpty() ? Status.EMPTY : Status.UNUSABLE;
    }

    /**
     * The one mapping of an unusable model name to its row, for every place a name can be refused: a body's model
     * fields, a form's, and {@code /admin/resolve}, which answers as a request naming it is answered.
     *
     * @param value a model name as sent
     * @return its row ({@link ApiError#MODEL_TOO_LONG}, {@link ApiError#EMPTY_MODEL}, {@link ApiError#MODEL_UNUSABLE},
     *     none taking an argument), or {@code null} when the name can be used
     */
    public static ApiError nameError(String value) {
        Status s = unusable(value);
        return s == null ? null : nameError(s);
    }

    private static ApiError nameError(Status unusable) {
        return switch (unusable) {
            case EMPTY -> ApiError.EMPTY_MODEL;
            case TOO_LONG -> ApiError.MODEL_TOO_LONG;
            case UNUSABLE -> ApiError.MODEL_UNUSABLE;
            default -> throw new IllegalArgumentException("not a status of a model name: " + unusable);
        };
    }

    /** @return the primary model name, or {@code null} when none was found */
    public String model() {
        return sites.isEmpty() ? null : sites.get(0).model();
    }

    /**
     * The error for a body that cannot be used.
     *
     * @param multipart whether the body was a multipart form (a broken one is {@code invalid_body})
     * @return the error, or {@code null} when the body is usable
     */
    public ErrorResponse error(boolean multipart) {
        ErrorResponse e = switch (status) {
            case FOUND, NONE, NOT_OBJECT -> null;
            case INVALID_BODY -> multipart ? ApiError.INVALID_BODY.with("request body is not a valid multipart form")
                    : ApiError.INVALID_JSON.with();
            case MISSING -> ApiError.MISSING_MODEL.with();
            case NOT_STRING -> ApiError.INVALID_MODEL.with();
            case EMPTY, TOO_LONG, UNUSABLE -> nameError(status).with();
            case DUPLICATE -> ApiError.DUPLICATE_MODEL.with();
            case AMBIGUOUS -> multipart ? ApiError.INVALID_BODY.with("request body is not a valid multipart form")
                    : ApiError.INVALID_REQUEST.with("the request is ambiguous to upstream parsers");
            case UNCHECKABLE -> ApiError.INVALID_REQUEST.with("the request names models in a way the gateway cannot check");
        };
        return e == null || where == null ? e : e.at(where);
    }

    /**
     * Replaces every model name.
     *
     * @param body the body the names were located in
     * @param length the body's length
     * @param newModel the name to write for each site
     * @return a new array holding the spliced body, or {@code body} itself (trimmed to length) when nothing changes
     */
    public byte[] splice(byte[] body, int length, Function<Site, String> newModel) {
        if (status != Status.FOUND) {
            throw new IllegalStateException("no model to replace: " + status);
        }
        List<Site> ordered = new ArrayList<>(sites);
        ordered.sort(Comparator.comparingInt(Site::start));
        List<byte[]> values = new ArrayList<>(ordered.size());
        boolean same = true;
        int size = length;
        for (Site s : ordered) {
            String m = newModel.apply(s);
            byte[] v = s.quoted() ? JsonTree.quote(m) : m.getBytes(StandardCharsets.UTF_8);
            values.add(v);
            same &= java.util.Arrays.equals(body, s.start(), s.end(), v, 0, v.length);
            size += v.length - (s.end() - s.start());
        }
        if (same) {
            return length == body.length ? body : java.util.Arrays.copyOf(body, length);
        }
        byte[] out = new byte[size];
        int from = 0;
        int to = 0;
        for (int i = 0; i < ordered.size(); i++) {
            Site s = ordered.get(i);
            System.arraycopy(body, from, out, to, s.start() - from);
            to += s.start() - from;
            byte[] v = values.get(i);
            System.arraycopy(v, 0, out, to, v.length);
            to += v.length;
            from = s.end();
        }
        System.arraycopy(body, from, out, to, length - from);
        return out;
    }
}
