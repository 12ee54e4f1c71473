package dev.switchboard.jetty;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The load run's proxy arms: {@code on} is the bundled gateway exactly as {@code java -jar} runs it
 * (filter + proxy servlet); {@code off} is the same proxy servlet with no filter in front, which is
 * the cost of Jetty's ProxyServlet alone. Usage: {@code BenchGateway on|off CONFIG PORT}.
 */
public final class BenchGateway {

    private BenchGateway() {
    }

    public static void main(String[] args) throws Exception {
        boolean filter = args[0].equals("on");
        SwitchboardConfig config = new ConfigLoader().load(Path.of(args[1]));
        int port = Integer.parseInt(args[2]);
        if (filter) {
            Gateway g = Gateway.start(() -> config, null, config.server().withAddress("127.0.0.1", port));
            System.out.println("gateway (filter on) on http://127.0.0.1:" + g.port());
            g.join();
            return;
        }
        Server server = new Server(new QueuedThreadPool(256, 8));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = new ServletHolder(new GatewayProxyServlet(() -> config));
        proxy.setAsyncSupported(true);
        proxy.setInitParameter("timeout", "0");
        proxy.setInitParameter("idleTimeout", Long.toString(config.server().upstreamIdleTimeout().toMillis()));
        proxy.setInitParameter("maxConnections", "1024");
        context.addServlet(proxy, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("gateway (filter off) on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }
}
