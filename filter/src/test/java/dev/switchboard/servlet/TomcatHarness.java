package dev.switchboard.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

final class TomcatHarness implements Harness {

    private final Tomcat tomcat;
    private final int port;
    private final Path base;

    private TomcatHarness(Tomcat tomcat, int port, Path base) {
        this.tomcat = tomcat;
        this.port = port;
        this.base = base;
    }

    static TomcatHarness start(Filter filter, HttpServlet servlet) throws Exception {
        return start(filter, servlet, 0);
    }

    /** @param readTimeoutMillis the connector's {@code connectionTimeout} (reads of a request), 0 for Tomcat's default */
    static TomcatHarness start(Filter filter, HttpServlet servlet, int readTimeoutMillis) throws Exception {
        return start(filter, servlet, readTimeoutMillis, "");
    }

    /** @param contextPath the webapp's context path, {@code ""} for the root */
    static TomcatHarness start(Filter filter, HttpServlet servlet, int readTimeoutMillis, String contextPath) throws Exception {
        return start(filter, servlet, readTimeoutMillis, contextPath, null);
    }

    /** @param multipart the servlet's multipart config, or {@code null} for none */
    @SuppressWarnings("deprecation") // addServletMappingDecoded: the one mapping call both Tomcat 10.1 and 11 have
    static TomcatHarness start(Filter filter, HttpServlet servlet, int readTimeoutMillis, String contextPath,
                               MultipartConfigElement multipart) throws Exception {
        Path base = Files.createTempDirectory("tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (readTimeoutMillis > 0) {
            connector.setProperty("connectionTimeout", Integer.toString(readTimeoutMillis));
        }
        tomcat.setConnector(connector);
        Context context = tomcat.addContext(contextPath, base.toString());
        FilterDef def = new FilterDef();
        def.setFilterName("switchboard");
        def.setFilter(filter);
        def.setAsyncSupported("true");
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("switchboard");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        Wrapper wrapper = Tomcat.addServlet(context, "echo", servlet);
        wrapper.setAsyncSupported(true);
        if (multipart != null) {
            wrapper.setMultipartConfigElement(multipart);
        }
        context.addServletMappingDecoded("/*", "echo");
        tomcat.start();
        return new TomcatHarness(tomcat, connector.getLocalPort(), base);
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String name() {
        return ServerInfo.getServerInfo();
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (var files = Files.walk(base)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
