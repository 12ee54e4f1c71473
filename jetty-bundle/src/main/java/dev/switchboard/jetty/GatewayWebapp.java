package dev.switchboard.jetty;

import dev.switchboard.admin.AdminServlet;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ConfigLocation;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.dashboard.Dashboard;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.experiments.Experiments;
import dev.switchboard.observe.AccessLog;
import dev.switchboard.observe.GatewayMetrics;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.ops.Log;
import dev.switchboard.ops.Version;
import dev.switchboard.rules.Picker;
import dev.switchboard.servlet.RealtimeEvents;
import dev.switchboard.servlet.VirtualModelFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * Installs the gateway into a servlet context: {@link VirtualModelFilter} in front of
 * {@link GatewayProxyServlet} (on {@code /*}), and, with a live configuration, the admin API at {@code /admin/*} and
 * its dashboard at {@code /admin/}. Used by the WAR (declared in its {@code web.xml}, also
 * serving {@code GET /healthz} outside the filter) and by the embedded {@link Gateway}.
 *
 * <p>WAR configuration, first that is set: the context parameter {@code switchboard.config}, the
 * system property {@code switchboard.config}, the environment variable {@code SWITCHBOARD_CONFIG},
 * else the built-in default (the demo echo provider). An invalid file fails the deployment with
 * every error in the message.
 */
public final class GatewayWebapp implements ServletContextListener {

    static final String PROXY_SERVLET = "switchboard-proxy";
    static final String REALTIME_SERVLET = "switchboard-realtime";
    private static final Log LOG = Log.get(GatewayWebapp.class);

    private final Supplier<SwitchboardConfig> given;
    private final LiveConfig givenReloader;
    private final List<ExchangeListener> listeners;
    private final InFlight inFlight;
    private final PrometheusMeterRegistry registry;
    /** The time circuit breakers open and half-open by (tests move it). */
    private final Clock clock;
    /** The registry and JVM binders this listener made (WAR), closed on undeploy; else {@code null}. */
    private Metrics ownedMetrics;
    /** The live configuration this listener loaded and watches (WAR), stopped on undeploy. */
    private LiveConfig owned;
    /** Whether the context serves the realtime API's WebSockets ({@link #proxyingRealtime}). */
    private boolean realtime;

    /** For {@code web.xml}: configuration from the context parameter, system property or environment. */
    public GatewayWebapp() {
        this(null, null, List.of(), new InFlight(), null);
    }

    /**
     * @param config the configuration requests are decided with
     * @param reloader the live configuration behind it, for the admin API; {@code null} leaves {@code /admin/*} unmapped
     */
    GatewayWebapp(Supplier<SwitchboardConfig> config, LiveConfig reloader) {
        this(config, reloader, List.of(), new InFlight(), null);
    }

    /**
     * @param config the configuration requests are decided with
     * @param reloader the reloader behind it, for the admin API; {@code null} leaves {@code /admin/*} unmapped
     * @param listeners who hears of every exchange (besides the access log and the metrics, always there)
     * @param inFlight where the proxy keeps its upstream requests in flight, for a stop to cut them
     * @param registry where metrics go, with the JVM and server binders its owner chose; {@code null} makes
     *     one with the JVM binders, closed on undeploy
     */
    GatewayWebapp(Supplier<SwitchboardConfig> config, LiveConfig reloader, List<ExchangeListener> listeners,
                  InFlight inFlight, PrometheusMeterRegistry registry) {
        this(config, reloader, listeners, inFlight, registry, Clock.systemUTC());
    }

    /**
     * @param config the configuration requests are decided with
     * @param reloader the reloader behind it, for the admin API; {@code null} leaves {@code /admin/*} unmapped
     * @param listeners who hears of every exchange (besides the access log and the metrics, always there)
     * @param inFlight where the proxy keeps its upstream requests in flight, for a stop to cut them
     * @param registry where metrics go; {@code null} makes one with the JVM binders, closed on undeploy
     * @param clock the time circuit breakers open and half-open by (SPEC section 11)
     */
    GatewayWebapp(Supplier<SwitchboardConfig> config, LiveConfig reloader, List<ExchangeListener> listeners,
                  InFlight inFlight, PrometheusMeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.given = config;
        this.givenReloader = reloader;
        this.listeners = List.copyOf(listeners);
        this.inFlight = inFlight;
        if (registry == null) {
            // The JVM binders once the config loaded (contextInitialized): a webapp that fails to start leaves no GC
            // listener behind to load classes from its stopped class loader.
            Metrics owned = Metrics.withoutJvm();
            this.registry = owned.registry();
            this.ownedMetrics = owned;
        } else {
            this.registry = registry;
        }
    }

    /**
     * Serves the realtime API's WebSockets ({@code GET /v1/realtime}, {@link RealtimeServlet}): for a context that Jetty's
     * WebSocket server was configured on (the bundled proxy). The WAR answers them 501: its containers differ.
     *
     * @return this listener
     */
    GatewayWebapp proxyingRealtime() {
        realtime = true;
        return this;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        LiveConfig reloader = givenReloader;
        Supplier<SwitchboardConfig> config = given;
        boolean builtInConfig = false;
        if (config == null) {
            ConfigLocation location = ConfigLocation.find(ConfigLocation.Fallback.BUILT_IN,
                    context.getInitParameter(ConfigLocation.PROPERTY));
            builtInConfig = location.builtIn();
            owned = load(context, location);
            reloader = owned;
            config = owned;
        }
        SwitchboardConfig initial = config.get();
        if (ownedMetrics != null) {
            ownedMetrics.bindJvm();
        }

        TargetBreakers breakers = new TargetBreakers(config, clock);
        breakers.refresh();
        ServletRegistration.Dynamic proxy = context.addServlet(PROXY_SERVLET, new GatewayProxyServlet(inFlight, breakers));
        proxy.setAsyncSupported(true);
        proxy.setInitParameter("timeout", "0");
        proxy.setInitParameter("idleTimeout", Long.toString(initial.server().upstreamIdleTimeout().toMillis()));
        proxy.setInitParameter("maxConnections", Integer.toString(GatewayProxyServlet.MAX_CONNECTIONS));
        if (context.getAttribute("org.eclipse.jetty.server.Executor") == null) {
            // Not inside Jetty (Tomcat, say): the proxy's HttpClient needs a thread pool of its own, and an upstream's
            // headers must leave room for ours within what the container writes (a 502 rather than an empty reply).
            proxy.setInitParameter("maxThreads", "256");
            proxy.setInitParameter(GatewayProxyServlet.MAX_RESPONSE_HEADERS_PARAMETER,
                    Integer.toString(GatewayProxyServlet.MAX_RESPONSE_HEADERS_OUTSIDE_JETTY));
        }
        proxy.setLoadOnStartup(1);
        proxy.addMapping("/*");

        Supplier<SwitchboardConfig> live = config;
        List<ExchangeListener> all = new ArrayList<>(listeners);
        // The bundled proxy and the WAR log every exchange unless the file says otherwise (SPEC section 9).
        all.add(new AccessLog(() -> live.get().observability().accessLogOr(true)));
        GatewayMetrics metrics = new GatewayMetrics(registry);
        if (reloader != null) {
            metrics.bind(reloader);
        }
        metrics.bind(breakers);
        all.add(metrics);
        // Experiments: per-arm statistics, the admin endpoints and POST /v1/feedback (the filter finds the sink).
        Experiments experiments = new Experiments(live, Clock.systemUTC(),
                new FeedbackHistogram(registry.getPrometheusRegistry()));
        all.add(experiments);
        experiments.reconcile();
        if (reloader != null) {
            // At the reload, not at the next request, scrape or read: the metrics' series follow the new targets at
            // once, and an experiment whose split changed starts its numbers then.
            reloader.addReloadListener((swapped, inUse) -> {
                if (swapped) {
                    breakers.refresh();
                    experiments.reconcile();
                }
            });
        }
        ServletRegistration.Dynamic scrape = context.addServlet("switchboard-metrics", new MetricsServlet(registry, live));
        // The path is read at start: a reload that changes it takes effect on the next restart.
        scrape.addMapping(initial.observability().metricsPath());

        // The WAR's web.xml sends the container's own errors here (the jar has JsonErrorHandler instead).
        context.addServlet("switchboard-error", new ErrorPageServlet()).addMapping(ErrorPageServlet.PATH);

        // The node's rotation: the live config's when there is one, so /admin/resolve explains what traffic does.
        Picker picker = reloader != null ? reloader.picker() : Picker.create();
        VirtualModelFilter checks = new VirtualModelFilter(config, picker, all,
                // Fail closed (SPEC section 15): a path none of the served APIs has never reaches a provider.
                VirtualModelFilter.UnknownPaths.REFUSE);
        if (realtime) {
            checks.proxyingRealtime();
            ServletRegistration.Dynamic sockets = context.addServlet(REALTIME_SERVLET,
                    new RealtimeServlet(config, picker, inFlight));
            // The provider's socket opens while no thread waits for it: the upgrade is an async dispatch.
            sockets.setAsyncSupported(true);
            sockets.addMapping("/v1/realtime", RealtimeEvents.TRANSLATIONS);
            if (reloader != null) {
                // A reload that removes a key or withdraws a model ends the sockets it concerns at once, also those on
                // which neither side speaks (each side's next message is judged too, for rules swapped without one).
                reloader.addReloadListener((swapped, inUse) -> {
                    if (swapped) {
                        inFlight.rulesChanged();
                    }
                });
            }
        }
        FilterRegistration.Dynamic filter = context.addFilter("switchboard", checks);
        filter.setAsyncSupported(true);
        // Bound to the proxy servlets by name: other servlets of the context (health) stay outside.
        filter.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), false,
                realtime ? new String[] {PROXY_SERVLET, REALTIME_SERVLET} : new String[] {PROXY_SERVLET});

        if (builtInConfig && !initial.admin().token().isEmpty()) {
            // The built-in config has no folder: admin edits would land in whatever folder the container was
            // started from and vanish when it starts from another. No admin API (and no dashboard) rather than
            // edits that get lost.
            LOG.warn("Switchboard: the admin API is off: the WAR runs on its built-in config, which has no folder to "
                    + "keep admin edits in; set the context parameter switchboard.config to a YAML file (admin edits "
                    + "are then kept beside it)");
        } else if (reloader != null && !builtInConfig) {
            // The admin API is its own servlet, outside the filter: it has its own bearer token, and admits the
            // dashboard's session (SPEC section 14) for requests that send none.
            Dashboard dashboard = new Dashboard(() -> live.get().admin().token());
            // Every applied configuration tells the dashboard its token: a rotation signs everyone out for good, even
            // if the token is rolled back before a session is used again.
            dashboard.tokenInForce(initial.admin().token());
            reloader.addReloadListener((swapped, inUse) -> dashboard.tokenInForce(inUse.config().admin().token()));
            // The bundled proxy's body gate asks it whose admin bodies it may hold (BodyAdmission).
            context.setAttribute(Dashboard.ATTRIBUTE, dashboard);
            ProviderModels catalog = new ProviderModels(live,
                    () -> (org.eclipse.jetty.client.HttpClient) context.getAttribute(PROXY_SERVLET + ".HttpClient"));
            ServletRegistration.Dynamic admin = context.addServlet("switchboard-admin",
                    new AdminServlet(reloader, List.of(experiments, catalog), breakers, dashboard.authenticator()));
            admin.addMapping("/admin/*");
            context.addServlet("switchboard-dashboard", dashboard.servlet()).addMapping(Dashboard.MAPPINGS);
        }
        if (given == null) {
            ServletRegistration.Dynamic health = context.addServlet("switchboard-health", new Health(live));
            health.addMapping("/healthz", "/readyz");
            if (reloader != null) {
                // The WAR: a reload that changes what it read at its start says so (the jar's Gateway does the same).
                reloader.addReloadListener(StartOnly.war(initial));
            }
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        // Stop the watcher thread on undeploy: no thread (or class loader) outlives the webapp.
        if (owned != null) {
            owned.close();
            owned = null;
            // The WAR's only: a webapp of its own, whose JDBC drivers nothing else uses.
            JdbcDrivers.deregisterLoadedBy(GatewayWebapp.class.getClassLoader());
        }
        if (ownedMetrics != null) {
            try {
                ownedMetrics.close();
            } catch (Exception e) {
                LOG.warn("Switchboard: closing the metrics registry failed", e);
            }
            ownedMetrics = null;
        }
    }

    private static LiveConfig load(ServletContext context, ConfigLocation location) {
        String path = location.path();
        try {
            LiveConfig live = location.builtIn() ? LiveConfig.builtIn(Cli.defaultConfig(), new ConfigLoader())
                    : LiveConfig.load(location.file(), new ConfigLoader());
            live.get().warnings().forEach(w -> LOG.warn("{}: {}", path == null ? "built-in config" : path, w));
            LOG.info("Switchboard {} gateway in {}: config {}", Version.current(),
                    context.getContextPath().isEmpty() ? "/" : context.getContextPath(),
                    path == null ? "built-in default (demo echo provider)" : path);
            return live.start();
        } catch (InvalidConfigException e) {
            // Expected (the operator's file is wrong): said in the container's own log with every error, then the
            // deployment fails (SPEC 6) without a stack trace; Tomcat keeps the reason out of catalina.out otherwise.
            LOG.error("Switchboard {}: {}; {} is not started:\n  {}", Version.current(), e.headline(path),
                    context.getContextPath().isEmpty() ? "/" : context.getContextPath(), String.join("\n  ", e.errors()));
            IllegalStateException failure = new IllegalStateException("Switchboard: " + e.headline(path) + ":\n"
                    + e.getMessage());
            failure.setStackTrace(new StackTraceElement[0]);
            throw failure;
        }
    }

    /**
     * {@code GET /healthz} -> 200 {@code ok}; {@code GET /readyz} -> 200 {@code ready} (SPEC section 13): in
     * a container the webapp is ready once deployed with a valid config and its admin store read (503 {@code waiting
     * for the admin store} before that: a database down when it started); the container's own shutdown stops routing
     * to it.
     */
    private static final class Health extends GetOnlyServlet {
        private static final long serialVersionUID = 1L;
        private final transient Supplier<SwitchboardConfig> config;

        Health(Supplier<SwitchboardConfig> config) {
            this.config = config;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain;charset=utf-8");
            resp.setHeader("Cache-Control", "no-store");
            boolean ready = req.getServletPath().equals("/readyz");
            if (ready && config.get().pendingStore() != null) {
                resp.setStatus(503);
                resp.getWriter().write("waiting for the admin store");
                return;
            }
            resp.getWriter().write(ready ? "ready" : "ok");
        }
    }
}
