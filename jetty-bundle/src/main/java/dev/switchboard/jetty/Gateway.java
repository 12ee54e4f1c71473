package dev.switchboard.jetty;

import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.live.LiveConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The bundled gateway: a Jetty 12 server with the filter in front of {@link GatewayProxyServlet}
 * (installed by {@link GatewayWebapp}, as in the WAR), {@code GET /healthz} answered before both (health checks need no key),
 * JSON error pages, and a graceful stop that lets in-flight requests finish for up to
 * {@link #STOP_TIMEOUT}.
 */
final class Gateway {

    /** How long a stop waits for in-flight requests (streams included) before closing them. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Server server;
    private final ServerConnector connector;

    private Gateway(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Builds and starts the gateway.
     *
     * @param config the current configuration; read on every request
     * @return the started gateway
     * @throws Exception when Jetty cannot start (port in use, say)
     */
    static Gateway start(Supplier<SwitchboardConfig> config) throws Exception {
        return start(config, null, config.get().server());
    }

    /**
     * Builds and starts the gateway.
     *
     * @param config the current configuration; read on every request
     * @param reloader the reloader behind {@code config}, for {@code /admin/*}; {@code null} for none
     * @param listen where to listen (host and port; the config file's, or the command line's)
     * @return the started gateway
     * @throws Exception when Jetty cannot start (port in use, say)
     */
    static Gateway start(Supplier<SwitchboardConfig> config, LiveConfig reloader, ServerSettings listen)
            throws Exception {
        return start(config, reloader, listen, List.of());
    }

    /**
     * Builds and starts the gateway.
     *
     * @param config the current configuration; read on every request
     * @param reloader the reloader behind {@code config}, for {@code /admin/*}; {@code null} for none
     * @param listen where to listen (host and port; the config file's, or the command line's)
     * @param listeners who hears of every exchange
     * @return the started gateway
     * @throws Exception when Jetty cannot start (port in use, say)
     */
    static Gateway start(Supplier<SwitchboardConfig> config, LiveConfig reloader, ServerSettings listen,
                         List<ExchangeListener> listeners) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("switchboard");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The SDKs send /v1/models/openai%2Fgpt-5: an encoded slash must reach the filter, which decodes it
        // itself (and routes the canonical path); Jetty's default refuses it with a 400.
        http.setUriCompliance(UriCompliance.DEFAULT.with("switchboard", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        server.addConnector(connector);

        Metrics metrics = Metrics.create().bind(server);
        ServletContextHandler context = new ServletContextHandler("/");
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        context.addEventListener(new GatewayWebapp(config, reloader, listeners, metrics.registry()));
        context.setErrorHandler(new JsonErrorHandler());

        GracefulHandler graceful = new GracefulHandler(new Health(context));
        server.setHandler(graceful);
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
        server.setStopAtShutdown(true);
        // Closed after the server stopped: the last exchanges are still counted.
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStopped(org.eclipse.jetty.util.component.LifeCycle event) {
                metrics.close();
            }
        });
        server.start();
        return new Gateway(server, connector);
    }

    /** @return the port actually bound (the configured one, or a free one for 0) */
    int port() {
        return connector.getLocalPort();
    }

    /** @return the host the connector is bound to */
    String host() {
        String host = connector.getHost();
        return host == null ? "0.0.0.0" : host;
    }

    void join() throws InterruptedException {
        server.join();
    }

    void stop() throws Exception {
        server.stop();
    }

    /** {@code GET /healthz} -> 200 {@code ok}, before the filter: health checks carry no gateway key. */
    private static final class Health extends Handler.Wrapper {

        private static final ByteBuffer OK = ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();

        Health(Handler next) {
            super(next);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if ("/healthz".equals(Request.getPathInContext(request))) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.write(true, OK.slice(), callback);
                return true;
            }
            return super.handle(request, response, callback);
        }
    }
}
