package dev.switchboard.admin;

import dev.switchboard.config.Warning;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.ReloadError;
import dev.switchboard.live.Snapshot;
import dev.switchboard.observe.CircuitBreakers;
import dev.switchboard.store.AdminStore;
import dev.switchboard.ops.Version;
import dev.switchboard.rules.VirtualModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/status} and {@code POST /admin/reload} (SPEC sections 7 and 13): the release running, the
 * configuration version in use, the files it was read from, the admin store (SPEC section 12), when, the last
 * reload error, counts, warnings and this node's circuit breakers (SPEC section 11). Written as JSON in this
 * order.
 *
 * @param version the release version of Switchboard ({@link Version#current()})
 * @param configVersion SHA-256 over the config file and the store
 * @param files every file read, with its SHA-256 and whether it exists now
 * @param store the admin store this node serves
 * @param loadedAt when the snapshot in use was loaded
 * @param lastReloadError why newer content is not in use, or {@code null}
 * @param counts the rows of the table
 * @param warnings every warning, as {@code validate} prints it
 * @param circuitBreakers every upstream target's breaker on this node, sorted by target (empty in the bare filter)
 */
record StatusView(String version, String configVersion, List<FileView> files, StoreView store, Instant loadedAt,
                  ErrorView lastReloadError, Counts counts, List<String> warnings,
                  List<CircuitBreakers.Breaker> circuitBreakers) {

    /**
     * @param kind {@code file} or {@code postgresql}
     * @param location the file, or the database address (never a credential)
     * @param revision the store revision this node serves (a file's SHA-256, a table's revision number); {@code null}
     *     while it has not read the store since it started (its snapshot file's while it serves that: {@code fromSnapshot})
     * @param lastSync when this node last read the store successfully; {@code null} before it ever did.
     *     While the store cannot be read, {@code last_reload_error} says why and this stays at the last success
     * @param fromSnapshot where the rows in force come from when they are the store's snapshot file's (the node
     *     started while its database could not be reached, and has not read it since), else {@code null}
     */
    record StoreView(String kind, String location, String revision, Instant lastSync,
                     LiveConfig.ServedSnapshot fromSnapshot) {
    }

    /**
     * @param path the file
     * @param sha256 the SHA-256 of what was read, {@code null} when it did not exist
     * @param exists whether it exists now
     */
    record FileView(String path, String sha256, boolean exists) {
    }

    /**
     * @param at when it was found
     * @param errors every error
     */
    record ErrorView(Instant at, List<String> errors) {
    }

    /**
     * @param virtualModels rows in force
     * @param redirects of which redirects
     * @param policies of which access policies
     * @param managed rows of the config file
     * @param stored rows of the store (overridden ones included)
     * @param providers declared providers
     */
    record Counts(int virtualModels, int redirects, int policies, int managed, int stored, int providers) {
    }

    static StatusView of(LiveConfig live, CircuitBreakers breakers) {
        // One snapshot for every field: a concurrent reload must not mix two.
        Snapshot snap = live.snapshot();
        AdminStore store = live.store();
        // A node that has not read its store since it started serves no revision of it: unknown, not 0.
        String revision = snap.config().pendingStore() != null ? null : snap.storeRevision();
        return of(snap, live.lastError(), new StoreView(store.kind(), store.location(), revision, live.lastSync(),
                live.servedSnapshot()), breakers.breakers());
    }

    static StatusView of(Snapshot snap, ReloadError error, StoreView store, List<CircuitBreakers.Breaker> breakers) {
        List<FileView> files = new ArrayList<>();
        for (Map.Entry<Path, String> f : snap.files().entrySet()) {
            files.add(new FileView(f.getKey().toString(), f.getValue(), Files.exists(f.getKey())));
        }
        List<VirtualModel> rows = snap.config().rules().virtualModels();
        int redirects = (int) rows.stream().filter(VirtualModel::isRedirect).count();
        Counts counts = new Counts(rows.size(), redirects, rows.size() - redirects, snap.managed().size(),
                snap.stored().size(), snap.config().rules().providers().size());
        List<String> warnings = snap.config().warnings().stream().map(Warning::toString).toList();
        return new StatusView(Version.current(), snap.version(), List.copyOf(files), store, snap.loadedAt(),
                error == null ? null : new ErrorView(error.at(), error.errors()), counts, warnings, List.copyOf(breakers));
    }
}
