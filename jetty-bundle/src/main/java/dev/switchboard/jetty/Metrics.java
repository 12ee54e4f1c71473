package dev.switchboard.jetty;

import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.Server;

/**
 * The Prometheus registry of one gateway (SPEC section 13) with the JVM binders (memory, GC, threads,
 * class loading, CPU, uptime, file descriptors) and, for the embedded server, Jetty's (thread pool,
 * connections). Closing it unbinds the GC listener and closes the registry, so an undeployed WAR
 * leaves nothing behind.
 */
final class Metrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    /** The GC binder (it listens to notifications until closed), once {@link #bindJvm} ran. */
    private JvmGcMetrics gc;

    private Metrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** @return a registry with the JVM binders */
    static Metrics create() {
        return withoutJvm().bindJvm();
    }

    /** @return a registry without the JVM binders yet (the bundled proxy binds them while its webapp starts) */
    static Metrics withoutJvm() {
        return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * Adds the JVM binders: memory, GC, threads, class loading, CPU, uptime, file descriptors.
     *
     * @return this
     */
    synchronized Metrics bindJvm() {
        if (gc == null) {
            new JvmMemoryMetrics().bindTo(registry);
            gc = new JvmGcMetrics();
            gc.bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
        }
        return this;
    }

    /**
     * Adds Jetty's thread pool and connection metrics.
     *
     * @param server the embedded server
     * @return this
     */
    Metrics bind(Server server) {
        new JettyServerThreadPoolMetrics(server.getThreadPool(), java.util.List.of()).bindTo(registry);
        JettyConnectionMetrics.addToAllConnectors(server, registry);
        return this;
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (gc != null) {
                gc.close();
            }
        }
        registry.close();
    }
}
