package dev.switchboard.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;

/** A real servlet container on port 0 with one filter and one servlet, both on {@code /*}, async-supported. */
interface Harness {

    /** @return the port the container listens on */
    int port();

    /** @return the container's name and version, for test reports */
    String name();

    /** Stops the container. */
    void close() throws Exception;

    /** Starts a Jetty 12 ee10 or an embedded Tomcat (whichever version is on the class path). */
    static Harness start(String kind, Filter filter, HttpServlet servlet) throws Exception {
        return switch (kind) {
            case "jetty" -> JettyHarness.start(filter, servlet);
            case "tomcat" -> TomcatHarness.start(filter, servlet);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The same in a webapp at {@code contextPath} ({@code /app}), as a host app deploys the filter. */
    static Harness start(String kind, Filter filter, HttpServlet servlet, String contextPath) throws Exception {
        return switch (kind) {
            case "jetty" -> JettyHarness.start(new FilterHolder(filter), servlet, 0, contextPath);
            case "tomcat" -> TomcatHarness.start(filter, servlet, 0, contextPath);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** At the root, the servlet with a multipart config (its parts read by the container), or none. */
    static Harness start(String kind, Filter filter, HttpServlet servlet, MultipartConfigElement multipart)
            throws Exception {
        return switch (kind) {
            case "jetty" -> JettyHarness.start(new FilterHolder(filter), servlet, 0, "/", multipart);
            case "tomcat" -> TomcatHarness.start(filter, servlet, 0, "", multipart);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
