package dev.switchboard.admin;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.error.ApiError;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.ReloadError;
import dev.switchboard.live.Snapshot;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.VirtualModel;
import dev.switchboard.store.StaleException;
import dev.switchboard.store.StoreUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The rules of the admin API's virtual-model writes (SPEC section 7), without HTTP: a {@code PUT} upserts
 * (replaces the whole entry; {@code enabled} omitted keeps the stored value, across a rename too;
 * {@code target_model} is {@code target}; {@code old_source} renames: 404 when it is absent, 409 when the
 * new source exists), a {@code DELETE} removes (404 when absent), and rows of the config file are
 * {@code managed}: 409 for any write to them. Bodies are JSON objects as {@code JsonTree} parses them;
 * values are stored literally ({@code ${VAR}} is not expanded).
 *
 * <p>Every refusal is an {@link AdminException} carrying its row of the error table. Writes are validated
 * against the whole configuration, durable, and live on this node when a method returns. While the config
 * file on disk cannot be used, writes are validated against the last good configuration (the one in force)
 * and say so ({@link Written#brokenConfig()}); a store that cannot be read or written refuses them with a
 * message naming it. Thread-safe.
 */
public final class VirtualModelService {

    private static final Log LOG = Log.get(VirtualModelService.class);

    private static final String MANAGED = " is managed by config; edit your configuration instead";

    private final LiveConfig live;
    /** Reads rows of the API: its values are literal, so no environment is consulted. */
    private final ConfigLoader rows = new ConfigLoader(name -> null);

    /**
     * A listing and the ETag of the very snapshot it lists (a concurrent write cannot make the ETag newer
     * than the rows).
     *
     * @param rows the live table, sorted by source
     * @param etag the store's ETag
     */
    public record Listing(List<VirtualModelView> rows, String etag) {
        public Listing {
            rows = List.copyOf(rows);
        }
    }

    /**
     * A row written.
     *
     * @param row the row as it is stored and live now
     * @param etag the store's new ETag
     * @param brokenConfig why the config file on disk cannot be used, when it cannot (the write was validated
     *     against the last good configuration, which stays in force), else {@code null}
     */
    public record Written(VirtualModelView row, String etag, ReloadError brokenConfig) {
    }

    /**
     * A row deleted.
     *
     * @param etag the store's new ETag
     * @param brokenConfig as in {@link Written#brokenConfig()}
     */
    public record Deleted(String etag, ReloadError brokenConfig) {
    }

    /**
     * @param live the configuration whose admin store this edits
     */
    public VirtualModelService(LiveConfig live) {
        this.live = Objects.requireNonNull(live, "live");
    }

    /** @return every row in force: the config file's and the store rows they do not override, sorted by source */
    public Listing list() {
        Snapshot snap = live.snapshot();
        return new Listing(views(snap), snap.storeEtag());
    }

    /**
     * @param snap a snapshot
     * @return its rows in force as views, with their warnings, sorted by source
     */
    static List<VirtualModelView> views(Snapshot snap) {
        Set<String> managed = snap.managedSources();
        List<VirtualModelView> out = new ArrayList<>();
        for (VirtualModel vm : snap.config().rules().virtualModels()) {
            out.add(VirtualModelView.of(vm, managed.contains(vm.source()), snap.config().warnings()));
        }
        out.sort(Comparator.comparing(VirtualModelView::source));
        return out;
    }

    /**
     * Creates or replaces a store row (and renames it, with {@code old_source}).
     *
     * @param ifMatch the client's {@code If-Match}, or {@code null}
     * @param body the JSON object: {@code source}, {@code old_source?}, {@code target_model | target | targets?},
     *     {@code strategy?}, {@code user_paths?}, {@code enabled?}, {@code description?}
     * @return the row as stored and the new ETag
     * @throws AdminException {@link ApiError#INVALID_VIRTUAL_MODEL} (no source, invalid row or configuration),
     *     {@link ApiError#CONFLICT} (managed source, rename onto an existing one),
     *     {@link ApiError#VIRTUAL_MODEL_NOT_FOUND} (rename of an absent one), {@link ApiError#STALE_ETAG},
     *     {@link ApiError#STORE_UNAVAILABLE}, {@link ApiError#STORE_WRITE_FAILED}
     */
    public Written upsert(String ifMatch, Map<String, Object> body) {
        checkTypes(body);
        String source = source(body);
        String oldSource = body.get("old_source") instanceof String o && !o.isBlank() ? o.strip() : null;
        Map<String, Object> given = new LinkedHashMap<>(body);
        given.remove("old_source");
        if (given.containsKey("target_model")) {
            if (given.containsKey("target")) {
                // Both are the one target: taking either would store a row other than the one sent, and answer 200.
                throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "(document): has both 'target_model' and "
                        + "'target'; use one");
            }
            given.put("target", given.remove("target_model"));
        }
        LiveConfig.Update update = write(ifMatch, snap -> {
            Set<String> managed = snap.managedSources();
            if (managed.contains(source)) {
                throw new AdminException(ApiError.CONFLICT, "virtual model " + source + MANAGED);
            }
            List<VirtualModel> stored = snap.stored();
            VirtualModel existing = find(stored, source);
            if (oldSource != null && !oldSource.equals(source)) {
                if (managed.contains(oldSource)) {
                    throw new AdminException(ApiError.CONFLICT, "virtual model " + oldSource + MANAGED);
                }
                VirtualModel old = find(stored, oldSource);
                if (old == null) {
                    throw new AdminException(ApiError.VIRTUAL_MODEL_NOT_FOUND, oldSource);
                }
                if (existing != null) {
                    throw new AdminException(ApiError.CONFLICT, "virtual model " + source + " already exists");
                }
                existing = old;
            }
            Map<String, Object> row = new LinkedHashMap<>(given);
            if (row.get("enabled") == null) {
                // Omitted enabled keeps the stored value (also across a rename).
                row.put("enabled", existing == null ? VirtualModel.DEFAULT_ENABLED : existing.enabled());
            }
            row.put("source", source);
            VirtualModel vm = rows.readRow(row, snap.config().rules().providers().keySet());
            String spelled = vm.isRedirect() ? null : policySpelledOtherwise(snap.managed(), source);
            if (spelled != null) {
                // Access policies match ignoring case, as upstreams that do (Ollama) read names: a store policy that
                // differs from a config policy only in case would be the one an exact match finds, and could open what
                // the file closed. (Redirects match exactly, and their targets are checked.)
                throw new AdminException(ApiError.CONFLICT, "virtual model " + source + " differs only in case from "
                        + spelled + ", which" + MANAGED);
            }
            List<VirtualModel> next = new ArrayList<>();
            for (VirtualModel x : stored) {
                if (!x.source().equals(source) && !x.source().equals(oldSource)) {
                    next.add(x);
                }
            }
            next.add(vm);
            return next;
        });
        Snapshot after = update.snapshot();
        VirtualModelView view = views(after).stream().filter(v -> v.source().equals(source)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the row just written is not live: " + source));
        return new Written(view, after.storeEtag(), update.brokenConfig());
    }

    /**
     * Removes a store row.
     *
     * @param ifMatch the client's {@code If-Match}, or {@code null}
     * @param body the JSON object {@code {source}}
     * @return the store's new ETag, and whether the config file on disk was used
     * @throws AdminException {@link ApiError#INVALID_VIRTUAL_MODEL} (no source), {@link ApiError#CONFLICT}
     *     (managed), {@link ApiError#VIRTUAL_MODEL_NOT_FOUND}, {@link ApiError#STALE_ETAG},
     *     {@link ApiError#STORE_UNAVAILABLE}, {@link ApiError#STORE_WRITE_FAILED}
     */
    public Deleted delete(String ifMatch, Map<String, Object> body) {
        for (String key : body.keySet()) {
            if (!key.equals("source")) {
                // As a PUT refuses a key it does not know: a client that sent more meant something this does not do.
                throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "unknown key '" + key
                        + "'; a delete takes only {\"source\": \"...\"}");
            }
        }
        String source = source(body);
        LiveConfig.Update update = write(ifMatch, snap -> {
            if (snap.managedSources().contains(source)) {
                throw new AdminException(ApiError.CONFLICT, "virtual model " + source + MANAGED);
            }
            if (find(snap.stored(), source) == null) {
                throw new AdminException(ApiError.VIRTUAL_MODEL_NOT_FOUND, source);
            }
            List<VirtualModel> next = new ArrayList<>(snap.stored());
            next.removeIf(x -> x.source().equals(source));
            return next;
        });
        return new Deleted(update.snapshot().storeEtag(), update.brokenConfig());
    }

    /** @return the source of a managed policy equal to {@code source} ignoring case but spelled otherwise, or {@code null} */
    private static String policySpelledOtherwise(List<VirtualModel> managed, String source) {
        String folded = VirtualModel.folded(source);
        for (VirtualModel m : managed) {
            if (!m.isRedirect() && !m.source().equals(source) && VirtualModel.folded(m.source()).equals(folded)) {
                return m.source();
            }
        }
        return null;
    }

    private static String source(Map<String, Object> body) {
        Object given = body.get("source");
        if (given != null && !(given instanceof String)) {
            throw typeError("source", given);
        }
        if (!(given instanceof String s) || s.isBlank()) {
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "source is required");
        }
        return s.strip();
    }

    /** The fields of a row that hold text: a JSON number or boolean there is a client's mistake, not a name. */
    private static final List<String> TEXT_FIELDS = List.of("old_source", "target_model", "target", "strategy",
            "description");

    /**
     * The JSON types of a row's fields, which the config's reader (YAML, where {@code target: 5} is the name "5")
     * does not check: {@code "target_model": 5} would be stored as the model "5", {@code "user_paths": [1]} as "/1",
     * {@code "old_source": 5} ignored, turning a rename into a create.
     */
    private static void checkTypes(Map<String, Object> body) {
        for (String key : TEXT_FIELDS) {
            Object v = body.get(key);
            if (v != null && !(v instanceof String)) {
                throw typeError(key, v);
            }
        }
        if (body.get("enabled") != null && !(body.get("enabled") instanceof Boolean)) {
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, "enabled must be true or false, was "
                    + kind(body.get("enabled")));
        }
        for (String key : List.of("user_paths", "fallbacks")) {
            if (body.get(key) instanceof List<?> items) {
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String)) {
                        throw typeError(key + "[" + i + "]", items.get(i));
                    }
                }
            }
        }
        if (body.get("targets") instanceof List<?> targets) {
            for (int i = 0; i < targets.size(); i++) {
                Object t = targets.get(i);
                Object model = t instanceof Map<?, ?> m ? m.get("model") : t;
                if (model != null && !(model instanceof String)) {
                    throw typeError("targets[" + i + "]" + (t instanceof Map ? ".model" : ""), model);
                }
            }
        }
    }

    private static AdminException typeError(String field, Object value) {
        return new AdminException(ApiError.INVALID_VIRTUAL_MODEL, field + " must be a string, was " + kind(value));
    }

    private static String kind(Object value) {
        return value instanceof String ? "a string" : value instanceof Boolean ? "a boolean"
                : value instanceof List ? "a list" : value instanceof Map ? "an object" : "a number";
    }

    /** One store write; its failures become their rows (412 stale, 400 invalid, 503 unreachable, 500 not written). */
    private LiveConfig.Update write(String ifMatch, Function<Snapshot, List<VirtualModel>> change) {
        try {
            return live.update(ifMatch, change);
        } catch (StaleException e) {
            throw new AdminException(ApiError.STALE_ETAG, e.getMessage());
        } catch (InvalidConfigException e) {
            throw new AdminException(ApiError.INVALID_VIRTUAL_MODEL, String.join("; ", e.errors()));
        } catch (dev.switchboard.live.StoreNotAppliedException e) {
            // This node's view of the store is stale and it cannot refresh it: no write from it (409, nothing written).
            throw new AdminException(ApiError.CONFLICT, e.getMessage());
        } catch (StoreUnavailableException e) {
            // A database that is down (SPEC 12): nothing written, the last good rules still serve.
            LOG.warn("Switchboard: an admin write was refused, nothing written: {}", e.getMessage());
            throw new AdminException(ApiError.STORE_UNAVAILABLE, String.valueOf(e.getMessage()));
        } catch (IOException e) {
            // Nothing was written; the client gets the reason in the usual shape, not a container page, and the
            // operator reads it in the log too (a folder the gateway may not write to is theirs to mend).
            LOG.warn("Switchboard: an admin write failed, nothing written: {}", e.getMessage());
            throw new AdminException(ApiError.STORE_WRITE_FAILED, String.valueOf(e.getMessage()));
        }
    }

    private static VirtualModel find(List<VirtualModel> rows, String source) {
        for (VirtualModel vm : rows) {
            if (vm.source().equals(source)) {
                return vm;
            }
        }
        return null;
    }
}
