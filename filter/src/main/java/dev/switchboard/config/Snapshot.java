package dev.switchboard.config;

import dev.switchboard.rules.VirtualModel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One loaded state of the config file plus the admin store: what requests are decided with, and what
 * {@code /admin/status} reports. Immutable.
 *
 * @param config the merged configuration (config-file rows override store rows of the same source)
 * @param managed the config file's rows (read-only through the admin API)
 * @param stored the admin store's rows, including ones a config row overrides
 * @param version SHA-256 (hex) over the config file's and the store's bytes
 * @param loadedAt when this snapshot was loaded
 * @param files every file it was read from, with the SHA-256 of its bytes ({@code null} when absent)
 */
public record Snapshot(SwitchboardConfig config, List<VirtualModel> managed, List<VirtualModel> stored,
                       String version, Instant loadedAt, Map<Path, String> files) {

    public Snapshot {
        Objects.requireNonNull(config, "config");
        managed = List.copyOf(managed);
        stored = List.copyOf(stored);
        files = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(files));
    }

    /** @return the sources defined in the config file */
    public Set<String> managedSources() {
        java.util.Set<String> out = new java.util.HashSet<>();
        managed.forEach(vm -> out.add(vm.source()));
        return out;
    }
}
