package dev.switchboard.config;

import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Selector;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the virtual-model table: the config file's {@code virtual_models}, an admin store document and a
 * single admin API row, with one set of rules and messages for all three.
 */
final class VirtualModelReader {

    static final List<String> VIRTUAL_MODEL_KEYS = List.of("source", "target", "targets", "strategy", "fallbacks",
            "user_paths", "enabled", "description");
    /**
     * Keys of an admin API row: the file's, and the API's {@code target_model} (the same as {@code target}) and
     * {@code old_source} (a rename), which the service takes off before the row is read: named in an unknown key's
     * message, so that it lists and suggests what a client of the API may send, and still refused here.
     */
    static final List<String> ADMIN_ROW_KEYS = List.of("source", "old_source", "target", "target_model", "targets",
            "strategy", "fallbacks", "user_paths", "enabled", "description");
    static final List<String> TARGET_KEYS = List.of("model", "weight");
    /** A target's weight is at most this, so that sums cannot overflow. */
    static final int MAX_WEIGHT = 1_000_000;
    /** The most the weights of one redirect add up to. */
    static final long MAX_TOTAL_WEIGHT = 1_000_000_000;

    private final Fields fields;
    /**
     * Whether the rows are the admin store's: written through any node, so one may name a provider this node does not
     * declare yet (a rolling change). Such a {@code provider/} policy guards nothing on this node (a warning says so,
     * {@link Lint}); refusing it refused the whole store, and every later change of it, deny policies included.
     */
    private final boolean store;
    /** The keys an unknown key's message names (a row may have only {@link #VIRTUAL_MODEL_KEYS}). */
    private final List<String> keys;

    VirtualModelReader(Fields fields) {
        this(fields, false, VIRTUAL_MODEL_KEYS);
    }

    private VirtualModelReader(Fields fields, boolean store, List<String> keys) {
        this.fields = fields;
        this.store = store;
        this.keys = keys;
    }

    /** A reader with its own problem list, for one admin API row. */
    static VirtualModelReader forAdminRow() {
        return new VirtualModelReader(new Fields(), false, ADMIN_ROW_KEYS);
    }

    /** A reader with its own problem list, for the admin store's rows. */
    static VirtualModelReader forStore() {
        return new VirtualModelReader(new Fields(), true, VIRTUAL_MODEL_KEYS);
    }

    /** Keys of an admin store document. */
    static final List<String> STORE_KEYS = List.of("version", "virtual_models");

    /**
     * Reads an admin store document ({@code version}, {@code virtual_models}) with the same validation as
     * the config file's table.
     *
     * @param root the parsed store
     * @param providerNames the config's declared providers
     * @return the store's rows
     * @throws InvalidConfigException listing every problem
     */
    List<VirtualModel> readStore(Value root, Set<String> providerNames) {
        if (!(root instanceof Value.Mapping doc)) {
            throw new InvalidConfigException(List.of("(document): must be a mapping with virtual_models, was " + root.describe()));
        }
        fields.onlyKeys(doc, "", STORE_KEYS);
        Value list = doc.entries().get("virtual_models");
        if (list == null || Fields.isNull(list)) {
            // Every store this gateway writes lists its rows, none as []: one that does not ("version: 1" alone, a
            // save cut short after the header) is not read as no rows, which would drop every stored deny.
            throw new InvalidConfigException(List.of("(document): the admin store lists no virtual_models (a store with"
                    + " no rows says 'virtual_models: []'); it reads as cut short"));
        }
        List<VirtualModel> rows = readAll(list, providerNames);
        if (!fields.ok()) {
            throw new InvalidConfigException(fields.errors());
        }
        return rows;
    }

    /**
     * Reads one admin API row (JSON body already turned into a {@link Value}); messages are those
     * {@code validate} prints, with paths relative to the row.
     *
     * @return the row
     * @throws InvalidConfigException listing every problem
     */
    VirtualModel readRow(Value row, Set<String> providerNames) {
        VirtualModel vm = read(row, "", providerNames);
        if (!fields.ok() || vm == null) {
            throw new InvalidConfigException(fields.ok() ? List.of("invalid virtual model") : fields.errors());
        }
        return vm;
    }

    /**
     * Reads the rows of a table store, each named by its own path ({@code virtual_models[source=x]}).
     *
     * @return the rows
     * @throws InvalidConfigException listing every problem
     */
    List<VirtualModel> readRows(List<Value> rows, List<String> paths, Set<String> providerNames) {
        List<VirtualModel> out = readEach(rows, paths::get, providerNames);
        if (!fields.ok()) {
            throw new InvalidConfigException(fields.errors());
        }
        return out;
    }

    List<VirtualModel> readAll(Value v, Set<String> providerNames) {
        Value.Sequence seq = fields.sequence(v, "virtual_models");
        if (seq == null) {
            return new ArrayList<>();
        }
        return readEach(seq.items(), i -> "virtual_models[" + i + "]", providerNames);
    }

    private List<VirtualModel> readEach(List<Value> items, java.util.function.IntFunction<String> pathOf,
                                        Set<String> providerNames) {
        List<VirtualModel> out = new ArrayList<>();
        Map<String, String> sources = new HashMap<>();
        Map<String, String[]> policies = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = pathOf.apply(i);
            Value item = items.get(i);
            // Duplicates are checked on the raw source, so they show even when a row has other errors;
            // the duplicate row is still read, so its own errors show in the same run.
            if (item instanceof Value.Mapping mm && mm.entries().get("source") instanceof Value.Scalar s
                    && s.type() != Value.Type.NULL && !s.text().isBlank()) {
                String previous = sources.putIfAbsent(s.text().strip(), path);
                if (previous != null) {
                    fields.error(path + ".source", s, "duplicate source '" + ModelNames.visible(s.text().strip()) + "' (also "
                            + previous + ")");
                } else if (!mm.entries().containsKey("target") && !mm.entries().containsKey("targets")) {
                    // Policies match names ignoring case when none matches exactly: two policies one name apart in case
                    // would let the spelling a caller sends choose between them (a deny and an allow, say).
                    String[] other = policies.putIfAbsent(dev.switchboard.rules.VirtualModel.folded(s.text().strip()),
                            new String[] {path, s.text().strip()});
                    if (other != null) {
                        fields.error(path + ".source", s, "the policy '" + ModelNames.visible(s.text().strip())
                                + "' differs from the policy '" + ModelNames.visible(other[1]) + "' (" + other[0]
                                + ") only in case; policies match names ignoring case, so the spelling a caller sends"
                                + " would choose between them: keep one");
                    }
                }
            }
            VirtualModel vm = read(item, path, providerNames);
            if (vm != null) {
                out.add(vm);
            }
        }
        return out;
    }

    /**
     * Reads and validates one virtual model; errors are recorded under {@code path}.
     *
     * @return the row, or {@code null} when it is invalid
     */
    VirtualModel read(Value v, String path, Set<String> providerNames) {
        int before = fields.count();
        Value.Mapping m = fields.required(v, path);
        if (m == null) {
            return null;
        }
        fields.onlyKeys(m, path, VIRTUAL_MODEL_KEYS, keys);
        String source = fields.string(m, path, "source", null);
        if (source == null) {
            fields.error(path + ".source", m, "is required");
        } else if (source.isBlank()) {
            fields.error(path + ".source", m.entries().get("source"), "must not be empty");
        } else {
            source = source.strip();
            usableName(source, false, path + ".source", m.entries().get("source"));
        }
        // Empty (a line left half done, ${T:-} with T unset) is not left out: without a target the entry is an access
        // policy, which may admit callers the author meant to redirect, even past a provider-wide deny.
        String policy = "without a target this entry is an access policy, not a redirect";
        fields.empty(m, path, "target", policy);
        fields.empty(m, path, "targets", policy);
        fields.empty(m, path, "user_paths", "without user paths the entry admits every caller");
        boolean hasTarget = m.entries().containsKey("target") && !Fields.isNull(m.entries().get("target"));
        boolean hasTargets = m.entries().containsKey("targets") && !Fields.isNull(m.entries().get("targets"));
        List<Target> targets = new ArrayList<>();
        if (hasTarget && hasTargets) {
            fields.error(path, m, "has both 'target' and 'targets'; use one");
        } else if (hasTarget) {
            String t = fields.string(m, path, "target", "");
            if (t.isBlank()) {
                fields.error(path + ".target", m.entries().get("target"), "must not be empty");
            } else if (usableName(t.strip(), true, path + ".target", m.entries().get("target"))) {
                targets.add(new Target(t.strip(), Target.DEFAULT_WEIGHT));
            }
        } else if (hasTargets) {
            readTargets(m.entries().get("targets"), path + ".targets", targets);
        }
        if (source != null && !source.isBlank()) {
            for (int i = 0; i < targets.size(); i++) {
                if (targets.get(i).model().equals(source)) {
                    String tp = hasTarget ? path + ".target" : path + ".targets[" + i + "].model";
                    fields.error(tp, hasTarget ? m.entries().get("target") : m.entries().get("targets"),
                            "virtual model '" + source + "' cannot target itself");
                }
            }
        }
        String strategyName = fields.string(m, path, "strategy", null);
        Strategy strategy = null;
        if (strategyName != null) {
            strategy = Strategy.fromYamlName(strategyName.strip());
            if (strategy == null) {
                fields.error(path + ".strategy", m.entries().get("strategy"),
                        "must be sticky, round_robin or failover, was \"" + strategyName + "\"");
            } else if (!hasTarget && !hasTargets) {
                fields.error(path + ".strategy", m.entries().get("strategy"),
                        "only a redirect has a strategy; this entry has no target, so it is an access policy");
            }
        }
        List<String> fallbacks = readFallbacks(m, path, source, targets, hasTarget || hasTargets);
        List<String> userPaths = new ArrayList<>();
        Value.Sequence up = fields.sequence(m.entries().get("user_paths"), path + ".user_paths");
        if (up != null) {
            for (int i = 0; i < up.items().size(); i++) {
                String p = path + ".user_paths[" + i + "]";
                Value item = up.items().get(i);
                if (item instanceof Value.Scalar s && s.type() != Value.Type.NULL) {
                    String normalized = fields.userPath(s.text(), p, item);
                    if (normalized != null && !userPaths.contains(normalized)) {
                        userPaths.add(normalized);
                    }
                } else {
                    fields.error(p, item, "must be a user path string, was " + item.describe());
                }
            }
        }
        boolean enabled = fields.gate(m, path, "enabled", VirtualModel.DEFAULT_ENABLED);
        String description = fields.string(m, path, "description", "");
        if (description.indexOf('\0') >= 0) {
            // PostgreSQL text cannot hold it: refused in every store alike, not only when it reaches a database.
            fields.error(path + ".description", m.entries().get("description"),
                    "must not contain a NUL character (U+0000)");
        }
        if (!store && !hasTarget && !hasTargets && source != null && !source.isBlank() && !providerNames.isEmpty()) {
            Selector s = Selector.parse(source, providerNames);
            if (s.kind() == Selector.Kind.PROVIDER && !providerNames.contains(s.provider())) {
                fields.error(path + ".source", m.entries().get("source"),
                        "'" + source + "' names no declared provider" + Fields.declared(providerNames));
            }
        }
        if (fields.count() > before) {
            return null;
        }
        return new VirtualModel(source, targets, strategy, fallbacks, userPaths, enabled, description);
    }

    /**
     * A redirect's {@code fallbacks} (SPEC section 11): concrete models, each once, none a target of the same
     * redirect or its own source (a fallback is never resolved again, so that would call the redirect's name
     * as a model).
     */
    private List<String> readFallbacks(Value.Mapping m, String path, String source, List<Target> targets,
                                       boolean redirect) {
        List<String> out = new ArrayList<>();
        Value v = m.entries().get("fallbacks");
        Value.Sequence seq = fields.sequence(v, path + ".fallbacks");
        if (seq == null) {
            return out;
        }
        if (!redirect && !seq.items().isEmpty()) {
            fields.error(path + ".fallbacks", v, "only a redirect has fallbacks; this entry has no target, so it is an "
                    + "access policy");
            return out;
        }
        Set<String> targetModels = new HashSet<>();
        targets.forEach(t -> targetModels.add(t.model()));
        for (int i = 0; i < seq.items().size(); i++) {
            String fp = path + ".fallbacks[" + i + "]";
            Value item = seq.items().get(i);
            if (!(item instanceof Value.Scalar s) || s.type() != Value.Type.STRING || s.text().isBlank()) {
                fields.error(fp, item, "must be a non-empty model name, was " + item.describe());
                continue;
            }
            String model = s.text().strip();
            if (!usableName(model, true, fp, item)) {
                continue;
            }
            if (model.equals(source)) {
                fields.error(fp, item, "virtual model '" + source + "' cannot fall back to itself");
            } else if (targetModels.contains(model)) {
                fields.error(fp, item, "'" + model + "' is already a target of this redirect");
            } else if (out.contains(model)) {
                fields.error(fp, item, "duplicate fallback: " + model);
            } else {
                out.add(model);
            }
        }
        return out;
    }

    /**
     * A name as the request side takes one (SPEC section 15, {@link ModelNames}): a source no caller could send, or a
     * target or fallback an upstream could trim, split or read as another model than the one checked, is refused
     * here, where the operator sees why, instead of being a dead row, or a policy on a name no request ever matches.
     * A target or fallback is sent, never requested, so it may hold a plain space inside: some servers name their
     * models so ({@code up/My Model}), and no upstream splits a name at one.
     *
     * @param name the name, stripped of Java's whitespace
     * @param sent whether it is a target or fallback
     * @return whether it is usable; an error is recorded under {@code path} when it is not
     */
    private boolean usableName(String name, boolean sent, String path, Value where) {
        String problem = ModelNames.problem(sent ? name.replace(' ', '-') : name);
        if (problem == null && !ModelNames.strip(name).equals(name)) {
            // Spaces Java keeps but some upstream strips (a no-break space, a byte-order mark) at either end.
            problem = ModelNames.UNUSABLE;
        }
        if (problem == null) {
            return true;
        }
        fields.error(path, where, problem + ", was " + Value.Scalar.quoted(name));
        return false;
    }

    private void readTargets(Value v, String path, List<Target> targets) {
        Value.Sequence seq = fields.sequence(v, path);
        if (seq == null) {
            return;
        }
        if (seq.items().isEmpty()) {
            fields.error(path, v, "targets must contain at least one model");
            return;
        }
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < seq.items().size(); i++) {
            String tp = path + "[" + i + "]";
            Value item = seq.items().get(i);
            String model;
            int weight = Target.DEFAULT_WEIGHT;
            if (item instanceof Value.Scalar s && s.type() == Value.Type.STRING) {
                model = s.text();
            } else {
                Value.Mapping t = fields.required(item, tp);
                if (t == null) {
                    continue;
                }
                fields.onlyKeys(t, tp, TARGET_KEYS);
                model = fields.string(t, tp, "model", null);
                if (model == null) {
                    fields.error(tp + ".model", t, "is required");
                    continue;
                }
                Value w = t.entries().get("weight");
                if (w != null && !Fields.isNull(w)) {
                    if (w instanceof Value.Scalar ws && ws.type() == Value.Type.INT) {
                        long parsed = Fields.parseLong(ws.text());
                        if (parsed < 1) {
                            fields.error(tp + ".weight", w, "must be > 0, was " + ws.text());
                            continue;
                        }
                        if (parsed > MAX_WEIGHT) {
                            fields.error(tp + ".weight", w, "must be at most " + MAX_WEIGHT + ", was " + ws.text());
                            continue;
                        }
                        weight = (int) parsed;
                    } else {
                        fields.error(tp + ".weight", w, "must be a positive integer, was " + w.describe());
                        continue;
                    }
                }
            }
            if (model.isBlank()) {
                fields.error(tp + ".model", item, "must not be empty");
                continue;
            }
            model = model.strip();
            if (!usableName(model, true, tp + ".model", item)) {
                continue;
            }
            if (!seen.add(model)) {
                fields.error(tp + ".model", item, "duplicate target: " + model);
                continue;
            }
            total += weight;
            targets.add(new Target(model, weight));
        }
        if (total > MAX_TOTAL_WEIGHT) {
            // The picks add weights up in 32 bits: past this, a split would pick wrongly or not at all.
            fields.error(path, v, "the targets' weights must add up to at most " + MAX_TOTAL_WEIGHT + ", were " + total);
        }
    }
}
