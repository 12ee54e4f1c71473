package dev.switchboard.servlet;

import dev.switchboard.body.UpstreamGateways;
import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The checks of SPEC section 15 that need no body: the parts of a request that upstreams read in ways
 * the gateway would not see (method overrides, a second Content-Type, a charset, a {@code model} in the
 * query string, a body on a read). Each returns the error to answer with, or {@code null}. Stateless.
 */
final class RequestChecks {

    /** Headers some frameworks (Express's method-override, Rails, ASP.NET) take as the real method. */
    private static final List<String> METHOD_OVERRIDES =
            List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
    private static final String MULTIPART = "multipart/";
    private static final String URLENCODED = "application/x-www-form-urlencoded";

    private RequestChecks() {
    }

    /**
     * @param request the request
     * @param route its route
     * @param api whether the path is one of the served APIs' (else the host app's, whose forms are its business)
     * @return the error for a request no upstream may read differently, or {@code null}
     */
    static ErrorResponse check(HttpServletRequest request, Api.Route route, boolean api) {
        String sent = sentMethod(request);
        if (!request.getMethod().equals(sent)) {
            // A filter before this one changed the method (Spring's HiddenHttpMethodFilter reads a _method field): the
            // override the checks below refuse, made where they could not see it.
            return ApiError.INVALID_REQUEST.with("the method " + sent + " was overridden before the gateway saw the "
                    + "request; send the real method");
        }
        for (String h : METHOD_OVERRIDES) {
            if (request.getHeader(h) != null) {
                return ApiError.INVALID_REQUEST.with(h + " is not accepted; send the real method");
            }
        }
        if (HeaderValues.twice(request, "Content-Type")) {
            return ApiError.INVALID_REQUEST.with("two Content-Type headers");
        }
        String type = request.getHeader("Content-Type");
        if (api && type != null && !printableAscii(type)) {
            // A no-break space or NEL before the type is whitespace to Python and Go, a character to us.
            return ApiError.INVALID_REQUEST.with("Content-Type must be printable ASCII");
        }
        String problem = charsetProblem(type, route.takesJson() || (api && form(type)));
        if (problem != null) {
            return ApiError.INVALID_REQUEST.with(problem);
        }
        String declared = api ? null : declaredCharset(type);
        if (declared != null && !declared.equals(StandardCharsets.UTF_8.name()) && !ASCII_FIRST.contains(declared)) {
            // A host path under /v1/ whose body is read here: the servlet behind may read it as JSON by its charset
            // (EBCDIC, UTF-16), which this filter cannot read as one.
            return ApiError.INVALID_REQUEST.with("a body under /v1/ must be UTF-8 or an ASCII-first charset, was "
                    + declared);
        }
        String query = request.getQueryString();
        String malformed = api && query != null ? malformed(query) : null;
        if (malformed != null) {
            // Upstreams read such a query each their own way (Go refuses a broken escape, Python keeps it as it is),
            // and a URI cannot carry it on: Jetty's client threw on it, a 500 with a stack trace.
            return ApiError.INVALID_REQUEST.with("the query string is not a valid URI query: " + malformed);
        }
        if (query != null) {
            List<String> containers = route.shape() == null ? List.of() : route.shape().topLevelNames();
            for (String name : queryNames(query)) {
                if (name.equals("_method")) {
                    return ApiError.INVALID_REQUEST.with("_method is not accepted; send the real method");
                }
                if (name.equals("model")) {
                    // FastAPI fills a missing body field from the query, PHP and Rails read model[]: on every
                    // path the gateway serves, a model goes in the body only (realtime is refused before this).
                    return ApiError.INVALID_REQUEST.with("model belongs in the request body, not the query string");
                }
                if (api && UpstreamGateways.named(name)) {
                    // An upstream gateway's list of models or routing (LiteLLM reads ?fallbacks[]= as a list), on every
                    // path of the APIs, as model is.
                    return ApiError.INVALID_REQUEST.with(name + " is an upstream gateway's list of models or routing; "
                            + "it is not accepted in the query string");
                }
                if (name.equals("purpose") && route.readsPurpose()) {
                    // The purpose says whether an upload is a batch file, whose every line is checked: an upstream
                    // that fills a missing form field from the query (FastAPI) must not read one the gateway did not.
                    return ApiError.INVALID_REQUEST.with("purpose belongs in the request body, not the query string");
                }
                // The containers of the route's body that hold models; a form's svg[model] too (Multipart reads it), and
                // a form's JSON part (a realtime call's session: Flask's request.values and PHP's $_REQUEST merge the
                // query with the form).
                if (containers.contains(name) || route.kind() == Api.Kind.FORM && name.equals("svg")
                        || name.equals(route.jsonPart())) {
                    // tools[0][model], svg[model]: qs builds the structure a body would hold the model in.
                    return ApiError.INVALID_REQUEST.with(name + " belongs in the request body, not the query string");
                }
            }
        }
        return null;
    }

    /**
     * @return the method the client sent, which a filter before this one may show as another (a method override); on
     *     a dispatch of the container's own, the method shown (an error dispatch shows GET in Tomcat 11, Servlet 6.1)
     */
    static String sentMethod(HttpServletRequest request) {
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            return request.getMethod();
        }
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        return r instanceof HttpServletRequest h ? h.getMethod() : request.getMethod();
    }

    /**
     * @return whether a Content-Type is a form's (multipart or URL-encoded): form readers decode names and values
     *     by its charset (Starlette does), so only UTF-8 is read the same by all
     */
    static boolean form(String contentType) {
        return multipart(contentType) || urlEncoded(contentType);
    }

    /** @return whether a Content-Type is a multipart one */
    static boolean multipart(String contentType) {
        return typeIs(contentType, MULTIPART);
    }

    /** @return whether a Content-Type's media type is {@code type} whole (in any case; not a prefix of another) */
    static boolean isType(String contentType, String type) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().equalsIgnoreCase(type);
    }

    /** @return whether a Content-Type is {@code application/x-www-form-urlencoded} */
    static boolean urlEncoded(String contentType) {
        return typeIs(contentType, URLENCODED);
    }

    /**
     * Read on every request, so without a lower-cased copy: whether the type starts with {@code prefix} (lower-case
     * ASCII) after leading whitespace, in ASCII letters of either case only (a dotless {@code ı} is no {@code i}).
     */
    private static boolean typeIs(String contentType, String prefix) {
        if (contentType == null) {
            return false;
        }
        int i = 0;
        while (i < contentType.length() && Character.isWhitespace(contentType.charAt(i))) {
            i++;
        }
        if (contentType.length() - i < prefix.length()) {
            return false;
        }
        for (int j = 0; j < prefix.length(); j++) {
            char c = contentType.charAt(i + j);
            char p = prefix.charAt(j);
            if (c != p && c != Character.toUpperCase(p)) {
                return false;
            }
        }
        return true;
    }

    private static boolean printableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads a body as a URL-encoded form the way its readers do, without building it, and returns the first of
     * {@code names} one of them would see a field of. Two readings:
     * <ul>
     *   <li>Express ({@code qs}), Werkzeug, Starlette, PHP and Rack: pairs split at {@code &}, a name decoded
     *   ({@code +} and {@code %XX}) with its leading spaces dropped and cut at a NUL (PHP), {@code name[...]},
     *   {@code [name]}, {@code ]name} and {@code name]} read as {@code name};</li>
     *   <li>readers that split at {@code ;} too: python-multipart before 0.0.30 (Starlette's and FastAPI's
     *   {@code request.form()}), Python's {@code parse_qs} before 3.9.2 (3.8.8, 3.7.10, 3.6.13), Go's
     *   {@code url.ParseQuery} before 1.17: a name decoded and nothing else done to it.</li>
     * </ul>
     * Every name is decoded, however long (a bracket or a NUL may end the part a reader keeps anywhere), so a large
     * body costs two passes.
     *
     * @param names the field names to look for
     * @return the first of {@code names} the form has a field of, or {@code null}
     */
    static String formFieldNamed(byte[] body, int length, List<String> names) {
        String named = formFieldNamed(body, length, names, false);
        return named != null ? named : formFieldNamed(body, length, names, true);
    }

    /** @param semicolons the second reading above: {@code ;} separates pairs, a name is only decoded */
    private static String formFieldNamed(byte[] body, int length, List<String> names, boolean semicolons) {
        int longest = 0;
        for (String n : names) {
            longest = Math.max(longest, n.length());
        }
        StringBuilder base = new StringBuilder(longest);
        int i = 0;
        while (i <= length) {
            int end = i;
            while (end < length && body[end] != '&' && body[end] != '=' && !(semicolons && body[end] == ';')) {
                end++;
            }
            // Every name, however long (qs reads [model]AAA... as model, PHP model%00AAA...), read as it is scanned:
            // no copy of it, and no further than the longest name looked for.
            String name = formName(body, i, end, semicolons, longest, base);
            if (name != null && names.contains(name)) {
                return name;
            }
            while (end < length && body[end] != '&' && !(semicolons && body[end] == ';')) {
                end++;
            }
            i = end + 1;
        }
        return null;
    }

    /**
     * One form name as a reader keeps it, decoded escape by escape as PHP and Python decode ({@code +} a space, a valid
     * {@code %XX} its byte, anything else as it is). The first reading: leading spaces dropped and the name cut at a
     * NUL (PHP), then {@code name[...]}, {@code [name]}, {@code ]name} and {@code name]} read as {@code name} (PHP,
     * {@code qs}, Rack). The second: the decoded name.
     *
     * @param longest the longest name looked for: a longer one is none of them
     * @param out an empty buffer to build it in
     * @return the name, or {@code null} when it is longer than {@code longest}
     */
    private static String formName(byte[] body, int from, int to, boolean semicolons, int longest, StringBuilder out) {
        out.setLength(0);
        boolean leading = !semicolons;
        boolean brackets = !semicolons;
        for (int j = from; j < to; ) {
            int c = body[j] & 0xff;
            int hi = c == '%' && j + 2 < to ? HeldForm.hex(body[j + 1]) : -1;
            int lo = hi >= 0 ? HeldForm.hex(body[j + 2]) : -1;
            if (lo >= 0) {
                c = hi * 16 + lo;
                j += 3;
            } else {
                c = c == '+' ? ' ' : c;
                j++;
            }
            if (!semicolons) {
                if (c == 0) {
                    break;
                }
                if (leading && c == ' ') {
                    continue;
                }
                leading = false;
                boolean bracket = c == '[' || c == ']';
                if (brackets && bracket) {
                    continue;
                }
                brackets = false;
                if (bracket) {
                    break;
                }
            }
            if (out.length() == longest) {
                return null;
            }
            out.append((char) c);
        }
        return out.toString();
    }

    /**
     * Charsets a multipart form may declare beside UTF-8 (Apache HttpClient 5 declares ISO-8859-1 by default): each reads
     * ASCII as ASCII and nothing else as ASCII, so a form whose names read and values read are ASCII ({@link
     * Multipart#fields}) is read the same by a reader that decodes it by its charset (Starlette) and by one that does not.
     */
    static final java.util.Set<String> ASCII_FIRST = java.util.Set.of("US-ASCII", "ISO-8859-1", "windows-1252");

    /**
     * @return whether the Content-Type declares a charset other than UTF-8 (one {@link #charsetProblem} let pass: an
     *     {@link #ASCII_FIRST} one on a form)
     */
    static boolean declaresOtherCharset(String contentType) {
        String name = declaredCharset(contentType);
        return name != null && !name.equals(StandardCharsets.UTF_8.name());
    }

    /** @return the canonical name of the charset the Content-Type declares, "" for one unknown, null for none */
    private static String declaredCharset(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).contains("charset")) {
            return null;
        }
        for (String param : contentType.split(";")) {
            String value = charsetValue(param);
            if (value != null) {
                try {
                    return Charset.forName(value).name();
                } catch (IllegalArgumentException e) {
                    return "";
                }
            }
        }
        return null;
    }

    /** @return the value of a {@code charset=} parameter of a Content-Type, unquoted, or null for another parameter */
    private static String charsetValue(String param) {
        String p = param.strip();
        int eq = p.indexOf('=');
        if (eq <= 0 || !p.substring(0, eq).strip().equalsIgnoreCase("charset")) {
            return null;
        }
        String value = p.substring(eq + 1).strip();
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1)
                : value;
    }

    /**
     * @param contentType a Content-Type, or {@code null}
     * @param utf8Only whether the body is read as JSON or as a form (only UTF-8 is accepted then)
     * @return why its charset is refused, or {@code null}
     */
    static String charsetProblem(String contentType, boolean utf8Only) {
        if (contentType == null) {
            return null;
        }
        String lower = contentType.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("charset");
        if (at < 0) {
            return null;
        }
        for (String param : contentType.split(";")) {
            String p = param.strip();
            int eq = p.indexOf('=');
            String name = eq < 0 ? p : p.substring(0, eq).strip();
            if (!name.equalsIgnoreCase("charset") && !name.toLowerCase(Locale.ROOT).startsWith("charset*")) {
                continue;
            }
            if (eq < 0 || !name.equalsIgnoreCase("charset")) {
                return "malformed charset in Content-Type";
            }
            String value = charsetValue(p);
            Charset cs;
            try {
                cs = Charset.forName(value);
            } catch (IllegalArgumentException e) {
                return "unknown charset in Content-Type";
            }
            if (utf8Only && !cs.equals(StandardCharsets.UTF_8) && !(multipart(contentType) && ASCII_FIRST.contains(cs.name()))) {
                return "JSON bodies and forms must be UTF-8";
            }
        }
        return null;
    }

    /**
     * @param query a request's raw query string
     * @return what makes it no URI query (RFC 3986 section 3.4, with {@code [} and {@code ]}, which SDKs send in
     *     names such as {@code include[]}, as {@link java.net.URI} reads them), or null
     */
    static String malformed(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '%') {
                if (i + 2 >= query.length() || !asciiHex(query.charAt(i + 1)) || !asciiHex(query.charAt(i + 2))) {
                    return "a '%' not followed by two hexadecimal digits";
                }
                i += 2;
            } else if (c <= ' ' || c >= 0x7F || "\"#<>\\^`{|}".indexOf(c) >= 0) {
                // Beyond ASCII too: Jetty's client sends such a character on as one ISO-8859-1 byte (or '?'), not the
                // UTF-8 read here, and throws on a non-ASCII space or control.
                return c > ' ' && c < 0x7F ? "'" + c + "' must be percent-encoded"
                        : String.format(Locale.ROOT, "the character U+%04X must be percent-encoded", (int) c);
            }
        }
        return null;
    }

    private static boolean asciiHex(char c) {
        // Not Character.digit alone: it takes other scripts' digits (U+0661) and the fullwidth ones too.
        return c < 0x80 && Character.digit(c, 16) >= 0;
    }

    /**
     * Query parameter names as any framework reads them: split on {@code &} and {@code ;}, decoded,
     * lowercase, and a structured name ({@code model[]}, {@code [model]}, {@code model]}, {@code model.x}) as its base.
     */
    static List<String> queryNames(String query) {
        List<String> names = new java.util.ArrayList<>();
        for (String pair : query.split("[&;]")) {
            names.add(queryName(pair));
        }
        return names;
    }

    /**
     * @param pair one {@code name=value} of a query (or a name alone)
     * @return its name decoded, stripped and in lower case, cut at a NUL (PHP), and read as the frameworks that build
     *     structures from names read it: {@code model[]}, {@code model[0]} (PHP, {@code qs}), {@code [model]} ({@code qs}
     *     drops a leading bracket), {@code ]model}, {@code model]} (Rack), {@code model.x} and {@code .model} ({@code qs}
     *     with dots) are {@code model}
     */
    static String queryName(String pair) {
        int eq = pair.indexOf('=');
        String name = queryDecoded(eq < 0 ? pair : pair.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            name = name.substring(0, nul).strip();
        }
        int start = 0;
        while (start < name.length() && structure(name.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < name.length() && !structure(name.charAt(end))) {
            end++;
        }
        return name.substring(start, end);
    }

    private static boolean structure(char c) {
        return c == '[' || c == ']' || c == '.';
    }

    /**
     * @return a query's name or value percent-decoded escape by escape ({@code +} as a space), as PHP and Python decode:
     *     a broken escape stays as it is and the others are still decoded; the bytes read as UTF-8
     */
    static String queryDecoded(String raw) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
            return raw;
        }
        return new String(queryBytes(raw), StandardCharsets.UTF_8);
    }

    /**
     * @return a query's name or value percent-decoded escape by escape ({@code +} as a space), a broken escape kept as
     *     it is: the bytes, before any charset reads them
     */
    static byte[] queryBytes(String raw) {
        byte[] in = raw.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (int j = 0; j < in.length; ) {
            int hi = in[j] == '%' && j + 2 < in.length ? HeldForm.hex(in[j + 1]) : -1;
            int lo = hi >= 0 ? HeldForm.hex(in[j + 2]) : -1;
            if (lo >= 0) {
                out.write(hi * 16 + lo);
                j += 3;
            } else {
                out.write(in[j] == '+' ? ' ' : in[j]);
                j++;
            }
        }
        return out.toByteArray();
    }
}
