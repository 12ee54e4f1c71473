package dev.switchboard.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/**
 * A request header read as one value however often it was sent: every value joined with a comma, as a proxy in
 * front may join them. A header that says who the caller is, where the request goes or what it may do is never
 * "the first one wins": two of them are one value no check admits.
 */
public final class HeaderValues {

    private HeaderValues() {
    }

    /**
     * @param request the request
     * @param name the header's name
     * @return its value, every value joined by {@code ","} when sent more than once, or {@code null} when not sent
     */
    public static String joined(HttpServletRequest request, String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String first = values.nextElement();
        if (!values.hasMoreElements()) {
            return first;
        }
        StringBuilder all = new StringBuilder(first);
        while (values.hasMoreElements()) {
            all.append(',').append(values.nextElement());
        }
        return all.toString();
    }

    /**
     * @param request the request
     * @param name the header's name
     * @return whether it was sent more than once (readers differ on which one counts)
     */
    public static boolean twice(HttpServletRequest request, String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return false;
        }
        values.nextElement();
        return values.hasMoreElements();
    }

    /**
     * @param request the request
     * @return whether it has a body (a length above zero, or a transfer coding: chunked)
     */
    public static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }
}
