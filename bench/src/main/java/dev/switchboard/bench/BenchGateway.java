package dev.switchboard.bench;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.jetty.Main;
import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The load run's proxy arms: {@code on} is the bundled gateway through its own entry point, exactly
 * as {@code java -jar switchboard.jar --config CONFIG --port PORT} runs it; {@code off} is a bare
 * Jetty ee10 {@code ProxyServlet.Transparent} to the config's {@code default_provider} with the same
 * timeouts and connection limits, which is the cost of Jetty's proxy alone (no Switchboard code);
 * {@code core} is Jetty core's {@code ProxyHandler.Reverse} to the same upstream (no servlet layer), the
 * fastest proxy the JVM stack offers and so the ceiling the gateway is measured against.
 * Usage: {@code BenchGateway on|off|core CONFIG PORT}.
 */
public final class BenchGateway {

    private BenchGateway() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("on")) {
            Main.main(new String[] {"--config", args[1], "--host", "127.0.0.1", "--port", args[2]});
            return;
        }
        SwitchboardConfig config = new ConfigLoader().load(Path.of(args[1]));
        int port = Integer.parseInt(args[2]);
        String upstream = config.rules().providers().get(config.rules().defaultProvider()).baseUrl();
        Server server = new Server(new QueuedThreadPool(256, 8));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        if (args[0].equals("core")) {
            URI to = URI.create(upstream);
            ProxyHandler.Reverse proxy = new ProxyHandler.Reverse(request -> HttpURI.build(request.getHttpURI())
                    .scheme(to.getScheme()).host(to.getHost()).port(to.getPort()));
            server.setHandler(proxy);
            server.start();
            System.out.println("Jetty core ProxyHandler.Reverse on http://127.0.0.1:" + connector.getLocalPort());
            server.join();
            return;
        }
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = new ServletHolder(new ProxyServlet.Transparent());
        proxy.setAsyncSupported(true);
        proxy.setInitParameter("proxyTo", upstream);
        proxy.setInitParameter("timeout", "0");
        proxy.setInitParameter("idleTimeout", Long.toString(config.server().upstreamIdleTimeout().toMillis()));
        proxy.setInitParameter("maxConnections", "1024");
        context.addServlet(proxy, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("bare Jetty ProxyServlet (filter off) on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }
}
