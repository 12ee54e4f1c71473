package dev.switchboard.jetty;

import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.Snapshot;
import dev.switchboard.ops.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Warns of a reload that changes a setting read only at start: the reload is in force, but this node goes on
 * listening where it listens, with the timeouts and the metrics path it has (every other key is read per request
 * or applied at the reload). Once per value. The jar reads the host, the port, both idle timeouts and the metrics path
 * at start; the WAR the upstream idle timeout and the metrics path (its container listens, and times its clients).
 */
final class StartOnly implements LiveConfig.ReloadListener {

    private static final Log LOG = Log.get(StartOnly.class);
    private static final List<String> JAR = List.of("server.host", "server.port", "server.client_idle_timeout",
            "server.upstream_idle_timeout", "observability.metrics_path");
    private static final List<String> WAR = List.of("server.upstream_idle_timeout", "observability.metrics_path");

    private final boolean jar;
    private final List<String> names;
    /** The file's values at start, and what is in use: the command line's host and port win over the file's. */
    private final List<Object> configured;
    private final List<Object> inUse;
    /** The values last warned of; guarded by the LiveConfig's lock, under which every listener is told. */
    private List<Object> warned;

    private StartOnly(boolean jar, SwitchboardConfig configured, ServerSettings listening) {
        this.jar = jar;
        this.names = jar ? JAR : WAR;
        this.configured = values(configured.server(), configured.observability().metricsPath());
        this.inUse = values(listening, configured.observability().metricsPath());
        this.warned = this.configured;
    }

    /**
     * @param configured the configuration the jar started with
     * @param listening its server settings as in use (the command line's host and port, the port bound)
     * @return the jar's listener
     */
    static StartOnly jar(SwitchboardConfig configured, ServerSettings listening) {
        return new StartOnly(true, configured, listening);
    }

    /**
     * @param configured the configuration the webapp started with
     * @return the WAR's listener
     */
    static StartOnly war(SwitchboardConfig configured) {
        return new StartOnly(false, configured, configured.server());
    }

    @Override
    public void reloaded(boolean swapped, Snapshot snapshot) {
        List<Object> now = values(snapshot.config().server(), snapshot.config().observability().metricsPath());
        if (!swapped || now.equals(warned)) {
            return;
        }
        warned = now;
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            boolean fromCommandLine = jar && i < 2 && !configured.get(i).equals(inUse.get(i)) && !configured.get(i).equals(0);
            if (!fromCommandLine && !now.get(i).equals(inUse.get(i)) && !now.get(i).equals(configured.get(i))) {
                changed.add(names.get(i) + " " + now.get(i) + " (in use: " + inUse.get(i) + ")");
            }
        }
        if (!changed.isEmpty()) {
            LOG.warn("Switchboard: reloaded, but {} take{} effect at the next {} only", String.join(", ", changed),
                    changed.size() == 1 ? "s" : "", jar ? "start" : "deployment");
        }
    }

    private List<Object> values(ServerSettings s, String metricsPath) {
        return jar ? List.of(s.host(), s.port(), seconds(s.clientIdleTimeout()), seconds(s.upstreamIdleTimeout()), metricsPath)
                : List.of(seconds(s.upstreamIdleTimeout()), metricsPath);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
