package dev.switchboard.body;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code multipart/form-data} body (RFC 7578) read at byte level, so file parts are never decoded
 * or copied apart from the one splice. The body is never handed to {@code getParts()}: that would
 * consume it and needs multipart config on the target servlet.
 *
 * <p>Fail closed (SPEC section 15): the form is read as Go's {@code mime/multipart}, Werkzeug and
 * busboy would read it, and refused wherever they could disagree with us or with each other: a
 * boundary parameter that is not one plain {@code boundary} (RFC 2231 {@code boundary*}, two of them,
 * a comma, text after the closing quote), a delimiter after a bare CR or LF (Go accepts bare LF), the
 * boundary in the preamble or the epilogue, spaces or tabs after a delimiter, a part without a
 * {@code Content-Disposition} (or one in another case than another part's) or with a
 * {@code Content-Transfer-Encoding}, part headers
 * with folded lines or bare line ends, two names, {@code name*} or escapes in a name. Thread-safe
 * (stateless).
 */
public final class Multipart {

    /** RFC 2046: at most 70 characters. */
    static final int MAX_BOUNDARY = 70;
    private static final String BCHARS = "'()+_,-./:=? ";
    /** Splits a part's header block into its lines (compiled once: String.split compiles a two-character pattern each call). */
    private static final java.util.regex.Pattern CRLF =
            java.util.regex.Pattern.compile("\r\n", java.util.regex.Pattern.LITERAL);

    private Multipart() {
    }

    /**
     * A request's Content-Type read as a form's.
     *
     * @param form whether the media type is {@code multipart/form-data}
     * @param boundary the unescaped boundary, or {@code null} when not a form or refused
     * @param problem why a form's Content-Type is refused, or {@code null}
     */
    public record ContentType(boolean form, String boundary, String problem) {
    }

    /**
     * One part of a form.
     *
     * @param name its field name, or {@code null} when it has none
     * @param filename whether its Content-Disposition names a file ({@code filename} or {@code filename*})
     * @param headers its header block, as sent
     * @param start offset of its first content byte
     * @param end offset just past its last content byte
     */
    public record Part(String name, boolean filename, String headers, int start, int end) {
    }

    /**
     * @param contentType the request's Content-Type, or {@code null}
     * @return whether it is a form, and its boundary or why it is refused
     */
    public static ContentType contentType(String contentType) {
        if (contentType == null) {
            return new ContentType(false, null, null);
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        if (!type.equals("multipart/form-data")) {
            return new ContentType(false, null, null);
        }
        if (contentType.indexOf(',') >= 0) {
            return refused("a comma in the Content-Type");
        }
        String boundary = null;
        int i = semi < 0 ? contentType.length() : semi + 1;
        int n = contentType.length();
        while (i < n) {
            while (i < n && (contentType.charAt(i) == ' ' || contentType.charAt(i) == '\t')) {
                i++;
            }
            if (i == n) {
                break;
            }
            int eq = contentType.indexOf('=', i);
            if (eq < 0) {
                return refused("a Content-Type parameter without a value");
            }
            String name = contentType.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || !isToken(name)) {
                return refused("a malformed Content-Type parameter");
            }
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < n && contentType.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = contentType.charAt(i++);
                    if (c == '\\') {
                        // Go keeps a backslash before a letter, busboy and Werkzeug drop it: two boundaries.
                        return refused("a backslash in a quoted Content-Type parameter");
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    return refused("an unclosed quote in the Content-Type");
                }
                while (i < n && (contentType.charAt(i) == ' ' || contentType.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && contentType.charAt(i) != ';') {
                    return refused("text after a closing quote in the Content-Type");
                }
            } else {
                int end = contentType.indexOf(';', i);
                value.append(contentType, i, end < 0 ? n : end);
                String v = value.toString().strip();
                value.setLength(0);
                value.append(v);
                if (!isToken(v)) {
                    return refused("a malformed Content-Type parameter");
                }
                i = end < 0 ? n : end;
            }
            i++;
            if (name.startsWith("boundary")) {
                if (!name.equals("boundary")) {
                    return refused("an RFC 2231 boundary parameter");
                }
                if (boundary != null) {
                    return refused("two boundary parameters");
                }
                boundary = value.toString();
            }
        }
        if (boundary == null) {
            return refused("multipart/form-data without a boundary");
        }
        if (!validBoundary(boundary)) {
            return refused("an invalid multipart boundary");
        }
        return new ContentType(true, boundary, null);
    }

    private static ContentType refused(String why) {
        return new ContentType(true, null, why);
    }

    private static boolean validBoundary(String b) {
        if (b.isEmpty() || b.length() > MAX_BOUNDARY || b.endsWith(" ")) {
            return false;
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || BCHARS.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits a form into its parts.
     *
     * @param body the body bytes
     * @param length how many bytes are the body
     * @param boundary the boundary from {@link #contentType}
     * @return the parts, or {@code null} when the form is broken or ambiguous
     */
    public static List<Part> parts(byte[] body, int length, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] next = crlf(delimiter);
        // Every delimiter at a line start must follow CRLF: Go also ends a line at a bare LF, busboy does not.
        int first = -1;
        for (int at = indexOf(body, 0, length, delimiter); at >= 0; at = indexOf(body, at + 1, length, delimiter)) {
            boolean crlf = at >= 2 && body[at - 2] == '\r' && body[at - 1] == '\n';
            boolean bare = at >= 1 && (body[at - 1] == '\n' || body[at - 1] == '\r') && !crlf;
            if (bare) {
                return null;
            }
            if (first < 0) {
                if (at != 0 && !crlf) {
                    // The boundary inside the preamble: a parser that skips no preamble would start here.
                    return null;
                }
                first = at;
            }
        }
        if (first < 0) {
            return null;
        }
        List<Part> parts = new ArrayList<>();
        int pos = first + delimiter.length;
        // Content-Disposition spelled so on some part, and in another case on some part (see plainHeaders).
        boolean exact = false;
        boolean otherCase = false;
        while (true) {
            if (startsWith(body, pos, length, new byte[] {'-', '-'})) {
                // The epilogue must not hold the boundary either: nothing after the close is a part to anyone.
                return indexOf(body, pos, length, delimiter) < 0 ? parts : null;
            }
            // No padding after a delimiter either: Go and Werkzeug skip spaces and tabs there, python-multipart (under
            // Starlette and FastAPI) takes such a line for content and busboy drops the part after it.
            if (!startsWith(body, pos, length, new byte[] {'\r', '\n'})) {
                return null;
            }
            pos += 2;
            if (startsWith(body, pos, length, new byte[] {'\r', '\n'})) {
                // No header at all: Tomcat and Werkzeug end the block at this empty line (a nameless part), where a
                // search for CRLFCRLF from here would take the next part's lines for this one's headers.
                return null;
            }
            int headersEnd = indexOf(body, pos, length, new byte[] {'\r', '\n', '\r', '\n'});
            if (headersEnd < 0) {
                return null;
            }
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            String name = fieldName(headers);
            int spelled = plainHeaders(headers);
            exact |= spelled == EXACT;
            otherCase |= spelled == OTHER_CASE;
            if (name == AMBIGUOUS || spelled == 0 || exact && otherCase) {
                return null;
            }
            int valueStart = headersEnd + 4;
            int valueEnd = indexOf(body, valueStart, length, next);
            if (valueEnd < 0) {
                return null;
            }
            parts.add(new Part(name, hasFilename(headers), headers, valueStart, valueEnd));
            pos = valueEnd + next.length;
        }
    }

    /** {@link #plainHeaders}: a {@code Content-Disposition} spelled so. */
    private static final int EXACT = 1;
    /** {@link #plainHeaders}: a {@code Content-Disposition} in another case (Dart's {@code http} sends it lower-case). */
    private static final int OTHER_CASE = 2;

    /**
     * Whether every parser reads a part's headers as its own: python-multipart before 0.0.10 (Debian 12 ships 0.0.5)
     * keeps one map of headers for the whole form, looked up in exact case, so a part without a
     * {@code Content-Disposition}, or with one in another case after a part with one spelled so, is read under the
     * name before it, and a {@code Content-Transfer-Encoding} of one part decodes the parts after it. RFC 7578 asks
     * every part for a {@code Content-Disposition}; a form that spells all of them in another case is read by that
     * parser as a form of no names, which hides no model.
     *
     * @return 0 when the part is refused, else {@link #EXACT} or {@link #OTHER_CASE}
     */
    private static int plainHeaders(String headers) {
        int spelled = 0;
        for (String line : CRLF.split(headers)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                spelled = line.startsWith("Content-Disposition:") ? EXACT : OTHER_CASE;
            }
        }
        return identityTransferEncoding(headers) ? spelled : 0;
    }

    /** @return whether {@code --boundary} occurs anywhere in the body (a body without it is no form at all) */
    public static boolean hasDelimiter(byte[] body, int length, String boundary) {
        return indexOf(body, 0, length, ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1)) >= 0;
    }

    /**
     * Finds the form's text fields by name (a model, a purpose) as a {@link ModelField}: the sites are
     * the parts named as the first of {@code models}; the others of {@code captures} are captured.
     *
     * @param body the body bytes
     * @param parts its parts
     * @param required whether a model part must be present
     * @param captures other text fields to read
     * @return the model part's location (unquoted), or why the form cannot be used
     */
    public static ModelField fields(byte[] body, List<Part> parts, boolean required, String... captures) {
        return fields(body, parts, required, false, captures);
    }

    /**
     * @param asciiOnly whether the fields read must be ASCII: the form declares another charset than UTF-8 (an
     *     ASCII-first one, which a reader such as Starlette decodes its fields by), or a field's part does
     * @see #fields(byte[], List, boolean, String...)
     */
    public static ModelField fields(byte[] body, List<Part> parts, boolean required, boolean asciiOnly,
                                    String... captures) {
        List<ModelField.Site> sites = new ArrayList<>();
        Map<String, String> captured = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(MODELS);
        names.addAll(List.of(captures));
        for (Part p : parts) {
            String spelled = otherSpelling(p.name(), names);
            if (spelled != null) {
                return ModelField.failed(ModelField.Status.AMBIGUOUS, spelled);
            }
            String filed = p.name() == null ? null : filedAs(p.name());
            if (filed != null && UpstreamGateways.named(filed)) {
                // LiteLLM reads a form's fallbacks[] as a list and falls back to its names: none can be checked here.
                return ModelField.failed(ModelField.Status.UNCHECKABLE, filed + " (a form field) is an upstream gateway's"
                        + " list of models or routing");
            }
        }
        for (String field : names) {
            boolean model = MODELS.contains(field);
            int count = 0;
            for (Part p : parts) {
                if (p.name() == null || !p.name().equalsIgnoreCase(field)) {
                    continue;
                }
                count++;
                if (!p.name().equals(field)) {
                    return ModelField.failed(model ? ModelField.Status.NOT_STRING : ModelField.Status.AMBIGUOUS,
                            field + " spelled in another case");
                }
                if (count > 1) {
                    return ModelField.failed(model ? ModelField.Status.DUPLICATE : ModelField.Status.AMBIGUOUS,
                            field.equals("model") ? null : field + " sent twice");
                }
                String problem = textPart(p);
                boolean asciiPart = problem == ASCII_FIRST_TEXT;
                if (problem != null && !asciiPart) {
                    return ModelField.failed(ModelField.Status.AMBIGUOUS, field + " " + problem);
                }
                String value = utf8(body, p.start(), p.end());
                if (value == null) {
                    return ModelField.failed(ModelField.Status.INVALID_BODY, null);
                }
                if ((asciiOnly || asciiPart) && !value.chars().allMatch(c -> c < 0x80)) {
                    // Decoded by the declared charset, these bytes are other characters than the UTF-8 read here.
                    return ModelField.failed(ModelField.Status.AMBIGUOUS, field + " is not ASCII in a form or part that"
                            + " declares a charset other than UTF-8");
                }
                if (!model) {
                    captured.put(field, value);
                } else if (ModelField.unusable(value) != null) {
                    return ModelField.failed(ModelField.unusable(value), null);
                } else {
                    sites.add(new ModelField.Site(field, value, p.start(), p.end(), false));
                }
            }
        }
        if (required && (sites.isEmpty() || !sites.get(0).path().equals("model"))) {
            return ModelField.failed(ModelField.Status.MISSING, null);
        }
        return new ModelField(sites.isEmpty() ? ModelField.Status.NONE : ModelField.Status.FOUND, null, sites, captured);
    }

    /**
     * The form fields that name models: the request's, and (image edits) the model writing SVG output, which the
     * SDKs send as {@code svg[model]}.
     */
    private static final List<String> MODELS = List.of("model", "svg[model]");

    /**
     * @param parts a form's parts
     * @param field a field read from the form by its exact name (an upload's {@code file})
     * @return what is wrong with a part named another spelling of it (see {@link #otherSpelling(String, List)}), or
     *     {@code null}
     */
    public static String otherSpelling(List<Part> parts, String field) {
        List<String> fields = List.of(field);
        for (Part p : parts) {
            String spelled = otherSpelling(p.name(), fields);
            if (spelled != null) {
                return spelled;
            }
        }
        return null;
    }

    /**
     * Whether a part's name is another spelling of a field read here, which some reader takes for it: a list or map
     * of it ({@code model[]}, {@code model[0]}: Express's {@code qs} and multer, PHP), a dotted path ({@code svg.model}:
     * {@code qs} with dots), the whole object as one field ({@code svg}, which a JSON form field reads), the nested
     * model in another case ({@code svg[Model]}), or the name behind what a reader drops: leading spaces and all
     * after a NUL (PHP), leading brackets ({@code [model]}: {@code qs}; {@code ]model}, {@code model]}: Rack).
     *
     * @return what is wrong with it, or {@code null}
     */
    private static String otherSpelling(String name, List<String> fields) {
        if (name == null || fields.contains(name)) {
            return null;
        }
        String kept = kept(name);
        int start = leadingBrackets(kept);
        String base = filedAs(name);
        int cut = start + base.length();
        for (String field : fields) {
            if (field.equalsIgnoreCase(base) && cut < kept.length()) {
                return field + " sent as a list or map";
            }
            if (field.equals(base) && (start > 0 || !kept.equals(name))) {
                return field + " spelled with what a reader drops (leading spaces or brackets, a NUL)";
            }
        }
        if (base.equalsIgnoreCase("svg") && (cut == kept.length() || kept.toLowerCase(Locale.ROOT).contains("model"))) {
            return "svg[model] spelled another way";
        }
        return null;
    }

    /**
     * @return the field a lenient reader files a part so named under: without what PHP drops (leading spaces, all after
     *     a NUL) and the brackets {@code qs} and Rack skip at its start, up to the first bracket or dot
     *     ({@code fallbacks} of {@code fallbacks[]}, {@code [fallbacks][0]})
     */
    private static String filedAs(String name) {
        String kept = kept(name);
        int start = leadingBrackets(kept);
        int cut = start;
        while (cut < kept.length() && kept.charAt(cut) != '[' && kept.charAt(cut) != ']' && kept.charAt(cut) != '.') {
            cut++;
        }
        return kept.substring(start, cut);
    }

    /** @return how many brackets {@code qs} and Rack skip at the start of a name */
    private static int leadingBrackets(String kept) {
        int start = 0;
        while (start < kept.length() && (kept.charAt(start) == '[' || kept.charAt(start) == ']')) {
            start++;
        }
        return start;
    }

    /** @return a part's name without what PHP drops: leading spaces, and all after a NUL */
    private static String kept(String name) {
        int from = 0;
        while (from < name.length() && name.charAt(from) == ' ') {
            from++;
        }
        int nul = name.indexOf('\0', from);
        return name.substring(from, nul < 0 ? name.length() : nul);
    }

    /**
     * Why a part cannot be read as one text field by every parser, or {@code null}: a filename (Werkzeug
     * files it under {@code request.files}, not the form), or a type or charset other than UTF-8 text (an
     * encoded part is no part at all: {@link #plainHeaders}).
     */
    static String textPart(Part p) {
        if (p.filename()) {
            return "has a filename";
        }
        String problem = null;
        for (String line : CRLF.split(p.headers())) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("content-type")) {
                String v = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT).replace(" ", "").replace("\"", "");
                if (v.equals("text/plain") || v.equals("text/plain;charset=utf-8")) {
                    continue;
                }
                // Apache HttpClient 4's STRICT mode sends each text part as ISO-8859-1: as good as UTF-8 for ASCII.
                problem = v.equals("text/plain;charset=iso-8859-1") || v.equals("text/plain;charset=us-ascii")
                        || v.equals("text/plain;charset=windows-1252")
                        ? (problem == null ? ASCII_FIRST_TEXT : problem) : "is not UTF-8 text/plain";
            }
        }
        return problem;
    }

    /** What {@link #textPart} says of text in an ASCII-first charset: usable when its bytes are ASCII (by identity). */
    private static final String ASCII_FIRST_TEXT = new String("is text/plain in a charset other than UTF-8");

    /** @return the bytes as strict UTF-8, or {@code null} when they are not */
    public static String utf8(byte[] body, int start, int end) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * A parameter of a part's Content-Disposition as a container hands it to a servlet ({@code filename} for
     * {@code Part.getSubmittedFileName()}): unquoted, a backslash in quotes escaping the next character.
     *
     * @return its value, or {@code null} when the part has no such parameter
     */
    public static String dispositionParameter(String headers, String parameter) {
        for (String line : CRLF.split(headers)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                continue;
            }
            for (String p : parameters(line.substring(colon + 1), Reading.QUOTES_ANYWHERE)) {
                int eq = p.indexOf('=');
                if (eq < 0 || !asciiStrip(p.substring(0, eq)).equalsIgnoreCase(parameter)) {
                    continue;
                }
                String v = asciiStrip(p.substring(eq + 1));
                if (v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"")) {
                    return v;
                }
                StringBuilder out = new StringBuilder(v.length());
                for (int i = 1; i < v.length() - 1; i++) {
                    char c = v.charAt(i);
                    if (c == '\\' && i + 1 < v.length() - 1) {
                        c = v.charAt(++i);
                    }
                    out.append(c);
                }
                return out.toString();
            }
        }
        return null;
    }

    private static boolean hasFilename(String headers) {
        for (String line : CRLF.split(headers)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                for (String param : parameters(line.substring(colon + 1), Reading.QUOTES_ANYWHERE)) {
                    if (param.strip().toLowerCase(Locale.ROOT).startsWith("filename")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** What {@link #fieldName} returns for a part whose name parsers read differently (compared by identity). */
    private static final String AMBIGUOUS = new String("(ambiguous)");

    /**
     * The {@code name} parameter of a part's Content-Disposition, {@code null} when there is none, or
     * {@link #AMBIGUOUS} when parsers disagree on it: two Content-Disposition headers or two name
     * parameters (map-based parsers keep the last), a folded line or a bare CR or LF, an RFC 2231
     * {@code name*} (decoded by some), a backslash in a quoted name (unescaped by some),
     * {@code <name>} (unquoted by Python's email), {@code 'name'} (unquoted by PHP), or a name that depends on how
     * quotes and backslashes are
     * read ({@link Reading}): {@code a=\"; name="model"} has no name to Go and is {@code model} to
     * python-multipart and Werkzeug.
     */
    static String fieldName(String headers) {
        String name = null;
        boolean seen = false;
        for (String line : CRLF.split(headers)) {
            // A folded line is unfolded by some parsers (Tomcat); a bare CR or LF ends a line for others (Go).
            if (line.startsWith(" ") || line.startsWith("\t") || line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                return AMBIGUOUS;
            }
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("content-disposition")) {
                continue;
            }
            if (seen) {
                return AMBIGUOUS;
            }
            seen = true;
            String value = line.substring(colon + 1);
            Reading[] readings = Reading.values();
            name = nameParameter(value, readings[0]);
            for (int r = 1; r < readings.length; r++) {
                String other = nameParameter(value, readings[r]);
                // By identity first: a part may be named "(ambiguous)" itself.
                if (name == AMBIGUOUS || other == AMBIGUOUS || !java.util.Objects.equals(name, other)) {
                    return AMBIGUOUS;
                }
            }
        }
        return name;
    }

    /** How parsers split a header's parameters at {@code ;}: where a quote opens, and what a backslash escapes. */
    enum Reading {
        /** A quote opens anywhere outside one; a backslash escapes only inside quotes (our reading, busboy's). */
        QUOTES_ANYWHERE,
        /** A quote opens only a value ({@code ="...}); other quotes are text (Werkzeug's, Python email's). */
        QUOTES_OPEN_VALUES,
        /** A backslash escapes the next character inside quotes or out (python-multipart's). */
        ESCAPES_ANYWHERE,
        /** A backslash escapes nothing. */
        NO_ESCAPES;

        /** Whether parameter names must be tokens: under the readings of Go and Werkzeug, which strip Unicode spaces. */
        boolean tokens() {
            return this == QUOTES_ANYWHERE || this == QUOTES_OPEN_VALUES;
        }
    }

    /** @return the {@code name} parameter as one reading splits the parameters, {@code null}, or {@link #AMBIGUOUS} */
    private static String nameParameter(String value, Reading reading) {
        String name = null;
        for (String p : parameters(value, reading)) {
            String param = asciiStrip(p);
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            if (eq == 0) {
                // x;=";name=model: no parameter to us, the start of name=model to Werkzeug.
                return AMBIGUOUS;
            }
            String key = asciiStrip(eq > 0 ? param.substring(0, eq) : param).toLowerCase(Locale.ROOT);
            if (reading.tokens() && !isToken(key)) {
                // A no-break space or NEL before "name" is whitespace to Go and Werkzeug, not to us.
                return AMBIGUOUS;
            }
            if (key.startsWith("name*")) {
                return AMBIGUOUS;
            }
            if (key.equals("name") && eq > 0) {
                if (name != null) {
                    return AMBIGUOUS;
                }
                String v = asciiStrip(param.substring(eq + 1));
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                    if (v.indexOf('\\') >= 0 || v.indexOf('"') >= 0) {
                        // name="model"x": Werkzeug reads model; escapes and inner quotes are read differently.
                        return AMBIGUOUS;
                    }
                } else if (!isToken(v) || v.startsWith("'")) {
                    // name=model x: Werkzeug reads "model", Python's email "model x"; a token is read alike by all,
                    // but one that opens with a single quote: PHP reads name='model' (and name='model) as model.
                    return AMBIGUOUS;
                }
                name = v;
            }
        }
        return name;
    }

    /** @return {@code s} without the spaces and tabs around it (nothing else: others are not whitespace to all) */
    private static String asciiStrip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    /** @return a header value's parameters, split at each {@code ;} outside quotes as {@code reading} reads them */
    private static List<String> parameters(String value, Reading reading) {
        List<String> out = new ArrayList<>();
        int start = 0;
        boolean quoted = false;
        boolean valueStart = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\' && reading != Reading.NO_ESCAPES) {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (c == '\\' && reading == Reading.ESCAPES_ANYWHERE) {
                i++;
            } else if (c == ';') {
                out.add(value.substring(start, i));
                start = i + 1;
                valueStart = false;
            } else if (c == '=') {
                valueStart = true;
            } else if (c != ' ' && c != '\t') {
                quoted = c == '"' && (reading != Reading.QUOTES_OPEN_VALUES || valueStart);
                valueStart = false;
            }
        }
        out.add(value.substring(start));
        return out;
    }

    /**
     * Whether a part's bytes are its value: no Content-Transfer-Encoding, or one {@code 7bit}, {@code 8bit}
     * or {@code binary}. python-multipart decodes base64 and quoted-printable, so an encoded model would
     * be checked as one name and called as another.
     */
    private static boolean identityTransferEncoding(String headers) {
        boolean seen = false;
        for (String line : CRLF.split(headers)) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("content-transfer-encoding")) {
                continue;
            }
            String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            if (seen || !(value.equals("7bit") || value.equals("8bit") || value.equals("binary"))) {
                return false;
            }
            seen = true;
        }
        return true;
    }

    private static byte[] crlf(byte[] delimiter) {
        byte[] out = new byte[delimiter.length + 2];
        out[0] = '\r';
        out[1] = '\n';
        System.arraycopy(delimiter, 0, out, 2, delimiter.length);
        return out;
    }

    private static boolean startsWith(byte[] body, int pos, int length, byte[] prefix) {
        if (pos + prefix.length > length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, int from, int length, byte[] needle) {
        outer:
        for (int i = from; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
