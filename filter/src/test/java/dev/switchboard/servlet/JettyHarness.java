package dev.switchboard.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

final class JettyHarness implements Harness {

    private final Server server;
    private final int port;

    private JettyHarness(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    static JettyHarness start(Filter filter, HttpServlet servlet) throws Exception {
        return start(new FilterHolder(filter), servlet);
    }

    /** With a holder the container instantiates and configures (init-params): it calls init and destroy. */
    static JettyHarness start(FilterHolder fh, HttpServlet servlet) throws Exception {
        return start(fh, servlet, 0);
    }

    /** @param idleTimeoutMillis the connector's idle timeout (a stalled body read fails after it), 0 for Jetty's default */
    static JettyHarness start(FilterHolder fh, HttpServlet servlet, int idleTimeoutMillis) throws Exception {
        return start(fh, servlet, idleTimeoutMillis, "/");
    }

    /** @param contextPath the webapp's context path, {@code "/"} for the root */
    static JettyHarness start(FilterHolder fh, HttpServlet servlet, int idleTimeoutMillis, String contextPath) throws Exception {
        return start(fh, servlet, idleTimeoutMillis, contextPath, null);
    }

    /** @param multipart the servlet's multipart config, or {@code null} for none */
    static JettyHarness start(FilterHolder fh, HttpServlet servlet, int idleTimeoutMillis, String contextPath,
                              MultipartConfigElement multipart) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        if (idleTimeoutMillis > 0) {
            connector.setIdleTimeout(idleTimeoutMillis);
        }
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath(contextPath);
        fh.setAsyncSupported(true);
        context.addFilter(fh, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder sh = new ServletHolder(servlet);
        sh.setAsyncSupported(true);
        if (multipart != null) {
            sh.getRegistration().setMultipartConfig(multipart);
        }
        context.addServlet(sh, "/*");
        server.setHandler(context);
        server.start();
        return new JettyHarness(server, connector.getLocalPort());
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String name() {
        return "Jetty " + Server.getVersion();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
