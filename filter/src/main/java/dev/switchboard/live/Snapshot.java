package dev.switchboard.live;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.rules.VirtualModel;
import dev.switchboard.store.AdminStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * @param version SHA-256 (hex) over the config file's and the store's contents
 * @param loadedAt when this snapshot was loaded (by the holder's clock)
 * @param files every file it was read from, with the SHA-256 of its bytes ({@code null} when absent)
 * @param storeRevision the revision of the store contents it holds ({@code absent} for a store not written yet)
 */
public record Snapshot(SwitchboardConfig config, List<VirtualModel> managed, List<VirtualModel> stored,
                       String version, Instant loadedAt, Map<Path, String> files, String storeRevision) {

    public Snapshot {
        Objects.requireNonNull(config, "config");
        managed = List.copyOf(managed);
        stored = List.copyOf(stored);
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(loadedAt, "loadedAt");
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        Objects.requireNonNull(storeRevision, "storeRevision");
    }

    /** @return the sources defined in the config file */
    public Set<String> managedSources() {
        Set<String> out = new HashSet<>();
        managed.forEach(vm -> out.add(vm.source()));
        return out;
    }

    /** @return the ETag of the store as this snapshot read it (pair it with this snapshot's rows) */
    public String storeEtag() {
        return AdminStore.etag(storeRevision);
    }
}
