package dev.switchboard.config;

import dev.switchboard.rules.Rules;
import java.util.List;
import java.util.Objects;

/**
 * A whole, validated configuration file: the rules snapshot plus the proxy's own settings.
 *
 * @param server proxy settings
 * @param rules the resolution snapshot
 * @param admin admin API settings
 * @param reload reload settings
 * @param observability access log and metrics settings
 * @param experiments experiment and feedback settings
 * @param failover what the bundled proxy retries and its circuit breakers (SPEC section 11)
 * @param warnings things that are legal but probably not meant, each with its file and YAML path
 * @param pendingStore {@code null} when the rules are whole; else why they are not: the admin store, which holds part
 *     of them, has not been read since this node started (a database down at the start). Such a configuration decides
 *     nothing: requests are refused with 503 {@code store_unavailable} until the store is read
 */
public record SwitchboardConfig(ServerSettings server, Rules rules, AdminSettings admin, ReloadSettings reload,
                                ObservabilitySettings observability, ExperimentsSettings experiments,
                                FailoverSettings failover, List<Warning> warnings, String pendingStore) {

    public SwitchboardConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(reload, "reload");
        Objects.requireNonNull(observability, "observability");
        Objects.requireNonNull(experiments, "experiments");
        Objects.requireNonNull(failover, "failover");
        warnings = List.copyOf(warnings);
    }

    /** A whole configuration: its rules include the admin store's rows. */
    public SwitchboardConfig(ServerSettings server, Rules rules, AdminSettings admin, ReloadSettings reload,
                             ObservabilitySettings observability, ExperimentsSettings experiments,
                             FailoverSettings failover, List<Warning> warnings) {
        this(server, rules, admin, reload, observability, experiments, failover, warnings, null);
    }

    /**
     * A configuration with the default observability, experiment and failover settings.
     *
     * @param server proxy settings
     * @param rules the resolution snapshot
     * @param admin admin API settings
     * @param reload reload settings
     * @param warnings warnings
     */
    public SwitchboardConfig(ServerSettings server, Rules rules, AdminSettings admin, ReloadSettings reload,
                             List<Warning> warnings) {
        this(server, rules, admin, reload, ObservabilitySettings.DEFAULT, ExperimentsSettings.DEFAULT,
                FailoverSettings.DEFAULT, warnings);
    }

    /**
     * @param other proxy settings
     * @return this configuration with them (tests and the command line set the listen address)
     */
    public SwitchboardConfig withServer(ServerSettings other) {
        return new SwitchboardConfig(other, rules, admin, reload, observability, experiments, failover, warnings,
                pendingStore);
    }

    /**
     * @param why why the admin store cannot be read
     * @return this configuration (the config file's part) marked as waiting for its admin store ({@link #pendingStore})
     */
    public SwitchboardConfig waitingForStore(String why) {
        return new SwitchboardConfig(server, rules, admin, reload, observability, experiments, failover, warnings,
                Objects.requireNonNull(why, "why"));
    }
}
