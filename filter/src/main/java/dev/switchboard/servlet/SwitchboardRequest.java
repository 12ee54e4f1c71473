package dev.switchboard.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request the next servlet sees: the (rewritten) body with a Content-Length that every header
 * accessor agrees on, decoded (no Content-Encoding, no Transfer-Encoding), some headers hidden (gateway
 * keys, Accept-Encoding on transformed responses), optionally another path ({@code /v1/models/{id}} is
 * answered from {@code /v1/models}), and async hooks so a captured response is finished before
 * {@link AsyncContext#complete()}.
 */
final class SwitchboardRequest extends HttpServletRequestWrapper {

    private static final String CONTENT_LENGTH = "content-length";

    private final byte[] body;
    private final int length;
    private final Set<String> hidden;
    private final String pathOverride;
    private final ServletResponse response;
    private Runnable beforeComplete;
    /** The query string to show instead of the real one, or {@code null}. */
    private String query;
    /** Its parameters, read at the first ask. */
    private Map<String, String[]> parameters;
    /** The query strings they were read from (a dispatch may change them). */
    private String parametersKey;
    private ReplayInputStream in;
    /** A held form's fields and parts, read at the first ask. */
    private HeldForm form;
    /** Whether the servlet read the held body as a form: as in a container, its stream then has nothing left. */
    private boolean formRead;
    private BufferedReader reader;
    private AsyncContext asyncContext;

    /**
     * @param request the original request
     * @param body the new body, or {@code null} to keep the original stream
     * @param length the new body's length
     * @param hidden lowercase names of headers to hide
     * @param pathOverride the path below the context to show instead of the real one, or {@code null}
     * @param response the response handed down the chain with this request
     */
    SwitchboardRequest(HttpServletRequest request, byte[] body, int length, Set<String> hidden, String pathOverride,
                       ServletResponse response) {
        super(request);
        this.body = body;
        this.length = length;
        this.hidden = hidden;
        this.pathOverride = pathOverride;
        this.response = response;
    }

    /** @return whether the body was read whole before the request was handed on (it is replayed from memory) */
    boolean bodyRead() {
        return body != null;
    }

    void beforeComplete(Runnable hook) {
        this.beforeComplete = hook;
    }

    /** @param query the query string to show the chain instead of the real one (read by a proxy servlet behind) */
    void query(String query) {
        this.query = query;
        this.parameters = null;
    }

    // ---- body --------------------------------------------------------------------------------------

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (body == null) {
            return super.getInputStream();
        }
        if (reader != null) {
            throw new IllegalStateException("getReader() was already called");
        }
        if (in == null) {
            in = new ReplayInputStream(body, formRead ? 0 : length, this);
        }
        return in;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (body == null) {
            return super.getReader();
        }
        if (in != null) {
            throw new IllegalStateException("getInputStream() was already called");
        }
        if (reader == null) {
            Charset cs = StandardCharsets.UTF_8;
            String enc = getCharacterEncoding();
            if (enc != null) {
                try {
                    cs = Charset.forName(enc);
                } catch (IllegalArgumentException e) {
                    throw new UnsupportedEncodingException(enc);
                }
            }
            reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body, 0, formRead ? 0 : length), cs));
        }
        return reader;
    }

    @Override
    public int getContentLength() {
        return body == null ? super.getContentLength() : length;
    }

    @Override
    public long getContentLengthLong() {
        return body == null ? super.getContentLengthLong() : length;
    }

    // ---- headers -----------------------------------------------------------------------------------

    private boolean isHidden(String name) {
        if (name == null) {
            return false;
        }
        // A handful of names, compared without allocating: this runs for every header a proxy copies.
        for (String h : hidden) {
            if (h.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String getHeader(String name) {
        if (body != null && CONTENT_LENGTH.equalsIgnoreCase(name)) {
            return Integer.toString(length);
        }
        return isHidden(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        if (body != null && CONTENT_LENGTH.equalsIgnoreCase(name)) {
            return Collections.enumeration(List.of(Integer.toString(length)));
        }
        return isHidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        List<String> names = new ArrayList<>();
        boolean hasLength = false;
        for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
            String name = e.nextElement();
            if (isHidden(name)) {
                continue;
            }
            hasLength |= CONTENT_LENGTH.equalsIgnoreCase(name);
            names.add(name);
        }
        if (body != null && !hasLength) {
            names.add("Content-Length");
        }
        return Collections.enumeration(names);
    }

    @Override
    public int getIntHeader(String name) {
        if (body != null && CONTENT_LENGTH.equalsIgnoreCase(name)) {
            return length;
        }
        return isHidden(name) ? -1 : super.getIntHeader(name);
    }

    @Override
    public long getDateHeader(String name) {
        return isHidden(name) ? -1 : super.getDateHeader(name);
    }

    // ---- path --------------------------------------------------------------------------------------

    @Override
    public String getRequestURI() {
        return pathOverride == null ? super.getRequestURI() : getContextPath() + pathOverride;
    }

    @Override
    public StringBuffer getRequestURL() {
        if (pathOverride == null) {
            return super.getRequestURL();
        }
        StringBuffer url = new StringBuffer();
        url.append(getScheme()).append("://").append(getServerName());
        int port = getServerPort();
        if (!(("http".equals(getScheme()) && port == 80) || ("https".equals(getScheme()) && port == 443))) {
            url.append(':').append(port);
        }
        return url.append(getRequestURI());
    }

    @Override
    public String getServletPath() {
        String sp = super.getServletPath();
        return pathOverride == null || sp.isEmpty() || super.getPathInfo() != null ? sp : pathOverride;
    }

    @Override
    public String getPathInfo() {
        String pi = super.getPathInfo();
        if (pathOverride == null || pi == null) {
            return pi;
        }
        String sp = super.getServletPath();
        return pathOverride.startsWith(sp) ? pathOverride.substring(sp.length()) : pi;
    }

    @Override
    public String getQueryString() {
        return query != null ? query : pathOverride != null ? null : super.getQueryString();
    }

    // A GET with a shown query has no form body: its parameters are the query's (a servlet that reads them, such as a
    // framework's @RequestParam, must see the query the chain is shown, not the caller's). A form the filter held is
    // read from the held bytes, after the query's parameters: the container, whose body is gone, would see none of it
    // (and Jetty, with a multipart config, answers 400 when it finds the body gone).

    @Override
    public String getParameter(String name) {
        if (query == null && !formHeld()) {
            return super.getParameter(name);
        }
        String[] values = parameters().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (query == null && !formHeld()) {
            return super.getParameterMap();
        }
        // Its own arrays, as the containers' maps: a caller that writes into one changes no later answer.
        Map<String, String[]> copy = new LinkedHashMap<>();
        parameters().forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return query == null && !formHeld() ? super.getParameterNames() : Collections.enumeration(parameters().keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        if (query == null && !formHeld()) {
            return super.getParameterValues(name);
        }
        String[] values = parameters().get(name);
        return values == null ? null : values.clone();
    }

    @Override
    public Collection<Part> getParts() throws IOException, ServletException {
        return multipartHeld() ? heldForm().parts() : super.getParts();
    }

    @Override
    public Part getPart(String name) throws IOException, ServletException {
        return multipartHeld() ? heldForm().part(name) : super.getPart(name);
    }

    /**
     * The held form, for parts: a body read as a stream before it was read as a form has none left to read them from
     * (Jetty's reading).
     */
    private HeldForm heldForm() throws ServletException {
        if (form == null && (in != null || reader != null)) {
            throw new ServletException("the request body was read as a stream: no form is left");
        }
        formRead = true;
        return form();
    }

    /** @return whether the body was held and is a form the container would have read */
    private boolean formHeld() {
        return body != null && HeldForm.isForm(getMethod(), getContentType());
    }

    private boolean multipartHeld() {
        return formHeld() && !HeldForm.isUrlEncoded(getContentType());
    }

    private HeldForm form() {
        if (form == null) {
            Object tempDir = getServletContext().getAttribute(ServletContext.TEMPDIR);
            form = HeldForm.read(body, length, getContentType(), formCharset(),
                    tempDir instanceof File f ? f : null);
        }
        return form;
    }

    /** The request's charset, else the container's default for a form's: UTF-8 in Jetty, the specification's in others. */
    private Charset formCharset() {
        String enc = getCharacterEncoding();
        if (enc != null) {
            try {
                return Charset.forName(enc);
            } catch (IllegalArgumentException e) {
                // A charset the JVM does not know: read as the container's default.
            }
        }
        String server = getServletContext().getServerInfo();
        return server != null && server.toLowerCase(Locale.ROOT).contains("jetty") ? StandardCharsets.UTF_8
                : StandardCharsets.ISO_8859_1;
    }

    /**
     * @return the shown query's parameters, then a held form's, decoded, in their order (read again only when a
     *     dispatch changed the query: Tomcat puts its forward's and include's request below this one)
     */
    private Map<String, String[]> parameters() {
        String[] queries = queries();
        String key = String.join("\n", Arrays.asList(queries));
        if (parameters != null && key.equals(parametersKey)) {
            return parameters;
        }
        Map<String, List<String>> found = new LinkedHashMap<>();
        queryParameters(queries[0], found);
        if (formHeld() && (form != null || in == null && reader == null)) {
            // A body read as a stream first is no form any more: the query's parameters only, as in a container. A
            // URL-encoded one read as a form has nothing left for the stream; a multipart one keeps it readable (a
            // container without a multipart config leaves it so, and this one cannot tell).
            formRead |= HeldForm.isUrlEncoded(getContentType());
            form().fields().forEach((k, v) -> found.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }
        if (queries.length > 1) {
            // A dispatch's query: its values before the request's, its new names after the request's (Tomcat's order).
            Map<String, List<String>> dispatched = new LinkedHashMap<>();
            queryParameters(queries[1], dispatched);
            dispatched.forEach((k, v) -> found.merge(k, v, (old, added) -> {
                List<String> both = new ArrayList<>(added);
                both.addAll(old);
                return both;
            }));
        }
        Map<String, String[]> out = new LinkedHashMap<>();
        found.forEach((k, v) -> out.put(k, v.toArray(String[]::new)));
        parameters = Collections.unmodifiableMap(out);
        parametersKey = key;
        return parameters;
    }

    /**
     * The query strings whose parameters a servlet sees: the request's, and a dispatch's whose values come first
     * (Servlet 6.0 sections 9.3, 9.4.1). Where the container dispatches with a request of its own below this one
     * (Tomcat), this one sees the dispatch; where it wraps this one (Jetty), it merges the dispatch's itself.
     */
    private String[] queries() {
        if (query != null) {
            return new String[] {query};
        }
        return switch (getDispatcherType()) {
            case FORWARD -> new String[] {(String) getAttribute(RequestDispatcher.FORWARD_QUERY_STRING), getQueryString()};
            case INCLUDE -> new String[] {getQueryString(), (String) getAttribute(RequestDispatcher.INCLUDE_QUERY_STRING)};
            default -> new String[] {getQueryString()};
        };
    }

    /** A query's pairs, decoded as UTF-8; a pair with a broken escape or no name is left out, as in a form. */
    private static void queryParameters(String query, Map<String, List<String>> into) {
        if (query == null) {
            return;
        }
        // The container's query string is its bytes as Latin-1 (percent-escaped, as clients send it); other text is UTF-8.
        boolean latin1 = query.chars().allMatch(c -> c < 0x100);
        byte[] bytes = query.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        Map<String, List<String>> pairs = new LinkedHashMap<>();
        HeldForm.urlEncoded(bytes, bytes.length, StandardCharsets.UTF_8, pairs);
        pairs.forEach((k, v) -> into.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    }

    // ---- async ---------------------------------------------------------------------------------------

    @Override
    public AsyncContext startAsync() {
        // Not super.startAsync(): that hands AsyncContext.getRequest()/getResponse() the unwrapped originals
        // (gateway keys, the consumed body, an uncaptured /v1/models response) to a servlet that uses them.
        return wrap(super.startAsync(this, response));
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return wrap(super.startAsync(request, response));
    }

    @Override
    public AsyncContext getAsyncContext() {
        AsyncContext current = super.getAsyncContext();
        return asyncContext != null ? asyncContext : current;
    }

    private AsyncContext wrap(AsyncContext context) {
        asyncContext = beforeComplete == null ? context : new CompletingAsyncContext(context, beforeComplete);
        return asyncContext;
    }
}
