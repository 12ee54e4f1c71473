package dev.switchboard.jetty;

import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.live.LiveConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled gateway: a Jetty 12 server with the filter in front of {@link GatewayProxyServlet}
 * (installed by {@link GatewayWebapp}, as in the WAR), {@code GET /healthz} answered before both (health checks need no key),
 * request bodies read without holding a thread ({@link RequestBodyGate}), JSON error pages, and a graceful
 * stop ({@link #stop()}) that lets in-flight requests finish for up to {@code server.drain_timeout}, then
 * cuts the rest the way a failed upstream is cut.
 */
final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Threads of the server's pool (requests and the proxy's client share it). */
    static final int MAX_THREADS = 256;
    /** Connections the kernel holds for the acceptor (the listen backlog); see where the connector is made. */
    static final int ACCEPT_QUEUE = 1024;
    /** Open files kept for the rest of the process when the connection limit is set (see {@link #connectionLimit()}). */
    static final int RESERVED_FILES = 256;
    /** The connection limit's floor, for a process allowed very few open files. */
    static final int MIN_CONNECTIONS = 64;
    /** How often the connection limit's warning may be repeated while it is reached again and again. */
    static final Duration LIMIT_WARNING_EVERY = Duration.ofMinutes(1);
    /** After the drain time ran out and the rest was cut: how long the cut responses get to reach their clients. */
    private static final Duration CUT_GRACE = Duration.ofSeconds(2);

    private final Server server;
    private final ServerConnector connector;
    private final Supplier<SwitchboardConfig> config;
    private final InFlight inFlight;
    private final Health health;
    private final GracefulHandler graceful;

    /**
     * The most connections the gateway holds open at once: half of the open files the process may have, less
     * {@link #RESERVED_FILES} (each client connection may need an upstream one beside it; the rest are the JVM's jars, the
     * config and store files, the log), at least {@link #MIN_CONNECTIONS}; 0 (no limit) where the JVM cannot tell its
     * limit. At the limit the acceptor stops, and new connections wait in the listen queue for one to close: without it,
     * one client holding every file descriptor failed each accept with "Too many open files" (logged once a second), and
     * the requests in progress could open no upstream connection (a 502 blamed on the provider) and no config file.
     */
    static int connectionLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return connectionLimit(unix.getMaxFileDescriptorCount());
        }
        return 0;
    }

    /** @param maxFiles the open files the process may have (the JVM raises its soft limit to the hard one) */
    static int connectionLimit(long maxFiles) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_CONNECTIONS, (maxFiles - RESERVED_FILES) / 2));
    }

    /** Jetty's limit, which says so in the gateway's log (Jetty's own lines are at INFO, which the jar leaves out). */
    private static final class ConnectionLimit extends NetworkConnectionLimit {
        /** When the last warning was logged ({@link System#nanoTime}); {@link #limit} runs under Jetty's lock. */
        private long warned;
        private boolean ever;

        ConnectionLimit(int max, ServerConnector connector) {
            super(max, connector);
        }

        @Override
        protected void limit() {
            super.limit();
            long now = System.nanoTime();
            if (!ever || now - warned >= LIMIT_WARNING_EVERY.toNanos()) {
                ever = true;
                warned = now;
                LOG.warn("Switchboard: at its limit of {} connections at once (half the process's open-file limit, less {}); "
                        + "new connections wait in the listen queue until some close (said at most once a minute)",
                        getMaxNetworkConnectionCount(), RESERVED_FILES);
            }
        }
    }

    private Gateway(Server server, ServerConnector connector, Supplier<SwitchboardConfig> config, InFlight inFlight,
                    Health health, GracefulHandler graceful) {
        this.server = server;
        this.connector = connector;
        this.config = config;
        this.inFlight = inFlight;
        this.health = health;
        this.graceful = graceful;
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
        return start(config, reloader, listen, listeners, java.time.Clock.systemUTC());
    }

    /**
     * Builds and starts the gateway.
     *
     * @param config the current configuration; read on every request
     * @param reloader the reloader behind {@code config}, for {@code /admin/*}; {@code null} for none
     * @param listen where to listen (host and port; the config file's, or the command line's)
     * @param listeners who hears of every exchange
     * @param clock the time circuit breakers open and half-open by (tests move it)
     * @return the started gateway
     * @throws Exception when Jetty cannot start (port in use, say)
     */
    static Gateway start(Supplier<SwitchboardConfig> config, LiveConfig reloader, ServerSettings listen,
                         List<ExchangeListener> listeners, java.time.Clock clock) throws Exception {
        return start(config, reloader, listen, listeners, clock, connectionLimit());
    }

    /**
     * Builds and starts the gateway.
     *
     * @param config the current configuration; read on every request
     * @param reloader the reloader behind {@code config}, for {@code /admin/*}; {@code null} for none
     * @param listen where to listen (host and port; the config file's, or the command line's)
     * @param listeners who hears of every exchange
     * @param clock the time circuit breakers open and half-open by (tests move it)
     * @param maxConnections the most connections held open at once ({@link #connectionLimit()}), 0 for no limit
     * @return the started gateway
     * @throws Exception when Jetty cannot start (port in use, say)
     */
    static Gateway start(Supplier<SwitchboardConfig> config, LiveConfig reloader, ServerSettings listen,
                         List<ExchangeListener> listeners, java.time.Clock clock, int maxConnections) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 8);
        threads.setName("switchboard");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The SDKs send /v1/models/openai%2Fgpt-5: an encoded slash must reach the filter, which decodes it
        // itself (and routes the canonical path); Jetty's default refuses it with a 400. So must the empty segment a
        // client's URL joining makes (/v1//chat/completions). An encoded dot segment (%2e) no client makes but a
        // probe: Jetty's 400 stays.
        http.setUriCompliance(UriCompliance.DEFAULT.with("switchboard", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        // A client that reads nothing of its response for this long is cut (README "Faults").
        connector.setIdleTimeout(listen.clientIdleTimeout().toMillis());
        // Jetty's graceful stop sets every connection's idle timeout to 1 s (its default here), busy ones included: a
        // stream whose client or upstream paused about that long while a write was pending was cut in the drain, as a
        // client timeout. Connections keep their own; stop() waits for requests, not connections.
        connector.setShutdownIdleTimeout(-1);
        // The kernel's queue of connections not yet accepted: Java's default, 50, dropped the SYNs of a burst past it,
        // and each dropped one waited a second for its retry (900 connects at once: 375-812 of them took 1 s). Linux
        // takes the smaller of this and net.core.somaxconn (4096 since 5.4).
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        server.addConnector(connector);
        if (maxConnections > 0) {
            server.addBean(new ConnectionLimit(maxConnections, connector));
        }
        HeaderDeadline headDeadline = new HeaderDeadline(connector.getScheduler(), HeaderDeadline.DEADLINE);
        connector.addBean(headDeadline);

        InFlight inFlight = new InFlight();
        // Listening first (issue 18): /healthz answers while the webapp starts (about half of a start on one core),
        // /readyz says 503 "starting" and every other request gets a 503 "starting" until the webapp is in.
        // Jetty's connection metrics before the port opens (a connection gets its listeners when it is made, so
        // one opened while the webapp starts would never be counted); the JVM binders after, while it starts.
        Metrics metrics = Metrics.withoutJvm().bind(server);
        Health health = new Health(config);
        GracefulHandler graceful = new DrainingHandler(health);
        server.setHandler(headDeadline.handler(graceful));
        server.setErrorHandler(new JsonErrorHandler());
        // The drain is stop()'s own; the JVM's shutdown is the command line's (Cli), which exits 0 after it: Jetty's
        // own stop at shutdown stays off (its default; setting it, even to false, loads Jetty's shutdown thread).
        server.start();

        try {
            metrics.bindJvm();
            // Closed after the server stopped: the last exchanges are still counted.
            server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                @Override
                public void lifeCycleStopped(org.eclipse.jetty.util.component.LifeCycle event) {
                    metrics.close();
                }
            });
            ServletContextHandler context = new ServletContextHandler("/");
            context.getServletHandler().setDecodeAmbiguousURIs(true);
            // The realtime API's WebSockets: Jetty's WebSocket server on the context, before the webapp adds its servlet.
            org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer.configure(context, null);
            context.addEventListener(new GatewayWebapp(config, reloader, listeners, inFlight, metrics.registry(), clock)
                    .proxyingRealtime());
            context.setErrorHandler(new JsonErrorHandler());
            // Bodies are held whole while they are checked: at most an eighth of the heap of them at once (copies
            // of a body, the filter's and the proxy's, take about as much again), and none of a request refused for its
            // credentials.
            RequestBodyGate webapp = new RequestBodyGate(context, () -> config.get().server(),
                    new BodyAdmission(config, () -> (dev.switchboard.dashboard.Dashboard) context.getServletContext()
                            .getAttribute(dev.switchboard.dashboard.Dashboard.ATTRIBUTE)),
                    Runtime.getRuntime().maxMemory() / 8);
            // A handler set on a running server is neither started nor stopped for it: started here, and managed,
            // so that the server's stop stops it (else its proxy client's selector holds the pool's stop for 5 s).
            // A webapp that fails to start fails the start and stops the server, as when it started first.
            health.setHandler(webapp);
            health.manage(webapp);
            webapp.start();
            if (!context.isAvailable()) {
                throw new IllegalStateException("the gateway's webapp did not start");
            }
            health.in = true;
            if (reloader != null) {
                reloader.addReloadListener(StartOnly.jar(config.get(), listen.withAddress(listen.host(),
                        connector.getLocalPort())));
            }
        } catch (Exception | Error e) {
            try {
                server.stop();
            } catch (Exception | Error stopping) {
                e.addSuppressed(stopping);
            }
            throw new StartFailure(e);
        }
        return new Gateway(server, connector, config, inFlight, health, graceful);
    }

    /** The webapp did not start (the port was open and is closed again); its cause says why. */
    static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartFailure(Throwable cause) {
            super("the gateway did not start: " + cause.getMessage(), cause);
        }
    }

    /** @return the port actually bound (the configured one, or a free one for 0) */
    int port() {
        return connector.getLocalPort();
    }

    /** @return the connector clients connect to (tests look at its parts) */
    ServerConnector connector() {
        return connector;
    }

    /** @return the host the connector is bound to */
    String host() {
        String host = connector.getHost();
        return host == null ? "0.0.0.0" : host;
    }

    void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops gracefully: stops accepting, lets in-flight requests (streams included) finish for up to
     * {@code server.drain_timeout}, then cuts those still open (an SSE stream gets an {@code error} event
     * {@code shutting_down} first; the exchange records the cut) and stops. Realtime sockets are closed on both sides
     * with 1001 as the drain begins, and the server stops once their close frames are written (2 s at most).
     *
     * @return how many responses were cut because the drain time ran out
     * @throws Exception when Jetty fails to stop
     */
    int stop() throws Exception {
        // Readiness first (SPEC 13): a load balancer polling /readyz stops sending while we still serve.
        health.draining = true;
        Duration delay = config.get().server().drainDelay();
        if (!delay.isZero()) {
            LOG.info("Switchboard: draining; /readyz answers 503, serving {} ms more before the drain", delay.toMillis());
            Thread.sleep(delay.toMillis());
        }
        Duration drain = config.get().server().drainTimeout();
        // Realtime sockets have no end of their own to wait for: closed on both sides (1001, going away) as the drain
        // begins, by the gateway itself, before Jetty's own shutdown would close them without waiting for the frames.
        CompletableFuture<Void> sockets = inFlight.closeSockets();
        // Stops accepting; each response from here on closes its connection when it ends, and a request that still
        // comes on a kept-alive connection is answered 503 shutting_down (DrainingHandler) without going upstream.
        inFlight.stopAccepting();
        Graceful.shutdown(server);
        // The requests in flight, not the connections: a kept-alive connection with no request is closed by the stop
        // below (the connections keep their idle timeout, see the connector).
        CompletableFuture<Void> drained = graceful.shutdown();
        int cut = 0;
        try {
            drained.get(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            cut = inFlight.cutAll();
            LOG.warn("Switchboard: the drain time ({} ms) ran out; cut {} response(s) still in flight", drain.toMillis(), cut);
            try {
                drained.get(CUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillOpen) {
                // Requests the proxy does not own (a slow body, the admin API): the server closes them below.
            }
        }
        try {
            // Their close frames written before the connections go.
            sockets.get(CUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("Switchboard: realtime sockets still closing after {} ms; stopping anyway", CUT_GRACE.toMillis());
        }
        server.setStopTimeout(0);
        server.stop();
        return cut;
    }

    /**
     * Counts the requests in flight for the drain ({@link GracefulHandler}), and lets one that comes on a kept-alive
     * connection once the drain began through to the gateway, instead of Jetty's bare 503: {@code /readyz} answers
     * {@code draining}, and an API request is an exchange like any other, answered 503 {@code shutting_down} with its
     * request id and logged, never sent upstream ({@link InFlight#stopping}).
     */
    private static final class DrainingHandler extends GracefulHandler {
        DrainingHandler(Handler handler) {
            super(handler);
        }

        @Override
        protected void handleShutdownRejection(Request request, Response response, Callback callback) {
            try {
                if (!getHandler().handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable x) {
                Response.writeError(request, response, callback, x);
            }
        }
    }

    /**
     * {@code GET /healthz} -> 200 {@code ok} (alive) and {@code GET /readyz} -> 200 {@code ready}; 503
     * {@code starting} until the webapp is in ({@link #in}), 503 {@code draining} once a stop began (SPEC
     * section 13), 503 {@code waiting for the admin store} while the node has not read its admin store since it started
     * (a database down: it refuses every request meanwhile); before the filter: probes carry no gateway key. Until the webapp is in, every other request gets
     * a 503 {@code starting} error with {@code Retry-After: 1}.
     */
    private static final class Health extends Handler.Wrapper {

        private static final ByteBuffer OK = ascii("ok");
        private static final ByteBuffer READY = ascii("ready");
        private static final ByteBuffer STARTING = ascii("starting");
        private static final ByteBuffer DRAINING = ascii("draining");
        private static final ByteBuffer WAITING = ascii("waiting for the admin store");

        private final Supplier<SwitchboardConfig> config;

        /** The webapp is started: requests go to it. */
        volatile boolean in;
        /** A stop began: not ready for new work. */
        volatile boolean draining;

        Health(Supplier<SwitchboardConfig> config) {
            super(true);
            this.config = config;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            boolean ready = "/readyz".equals(path);
            boolean started = in;
            if (ready || "/healthz".equals(path)) {
                String method = request.getMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    // As the WAR's probes answer (GetOnlyServlet): a POST is no health check.
                    response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                    return json(response, callback, 405, ApiError.METHOD_NOT_ALLOWED.with("GET, HEAD").body(false));
                }
                ByteBuffer answer = !ready ? OK : !started ? STARTING : draining ? DRAINING
                        : config.get().pendingStore() != null ? WAITING : READY;
                response.setStatus(answer == OK || answer == READY ? 200 : 503);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                response.write(true, answer.slice(), callback);
                return true;
            }
            if (!started) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                return json(response, callback, 503, ApiError.STARTING.with().body(ErrorPageServlet.anthropicShape(path)));
            }
            return super.handle(request, response, callback);
        }

        /** Answers with an error body of SPEC 5; headers set before it stay. */
        private static boolean json(Response response, Callback callback, int status, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }

        private static ByteBuffer ascii(String s) {
            return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
        }
    }
}
