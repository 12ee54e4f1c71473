package dev.switchboard.servlet;

import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shapes a {@code GET /v1/models} list for one caller (SPEC section 4): {@code keep_only_aliases}
 * drops provider entries; entries the caller may not call are removed; enabled, in-scope redirects
 * whose targets the caller may all call are added (fields copied from the target's entry, else
 * {@code owned_by: "switchboard"}), replacing an entry with the same id; an in-scope redirect whose
 * targets are not all callable removes the entry it shadows (its name is not callable either);
 * sorted by id in UTF-8 byte order. Access policies never appear.
 */
final class ModelsList {

    /** When this class was loaded (the filter's start), in epoch seconds: the date of a redirect without a target entry. */
    private static final JsonTree.Num STARTED = new JsonTree.Num(Long.toString(Instant.now().getEpochSecond()));

    /** The transformed response: a status and a JSON body. */
    record Result(int status, byte[] body) {
    }

    private ModelsList() {
    }

    /**
     * @param upstream the downstream response body
     * @param rules the snapshot
     * @param caller who is asking
     * @param anthropic whether to answer in the Anthropic shape
     * @param singleId for {@code /v1/models/{id}}: the one entry to answer, else {@code null}
     * @return the result, or {@code null} when the body is not a model list (pass it through)
     */
    @SuppressWarnings("unchecked")
    static Result transform(byte[] upstream, Rules rules, Caller caller, boolean anthropic, String singleId) {
        if (!(JsonTree.parse(upstream) instanceof Map<?, ?> root) || !(root.get("data") instanceof List<?> data)) {
            return null;
        }
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Object item : data) {
            if (item instanceof Map<?, ?> entry && entry.get("id") instanceof String id) {
                byId.putIfAbsent(id, (Map<String, Object>) entry);
            }
        }
        TreeMap<String, Map<String, Object>> out = new TreeMap<>(ModelsList::compareUtf8);
        if (!rules.keepOnlyAliases()) {
            for (Map.Entry<String, Map<String, Object>> e : byId.entrySet()) {
                // Listed only when callable as written: a body's name is stripped and judged (a listed "m " would be
                // called as "m", whose access may differ; "a,b" or a zero-width space would be refused).
                String id = e.getKey();
                if (ModelNames.problem(id) == null && id.equals(ModelNames.strip(id))
                        && Resolver.resolveConcrete(rules, id, caller).allowed()) {
                    out.put(e.getKey(), e.getValue());
                }
            }
        }
        for (VirtualModel vm : rules.virtualModels()) {
            if (!vm.isRedirect() || !vm.enabled() || !vm.inScope(caller.userPath())) {
                continue;
            }
            Map<String, Object> base = null;
            boolean callable = true;
            for (Target t : vm.targets()) {
                Candidate d = Resolver.resolveConcrete(rules, t.model(), caller);
                callable &= d.allowed();
                if (base == null) {
                    base = byId.containsKey(t.model()) ? byId.get(t.model()) : byId.get(d.qualified());
                }
            }
            if (!callable) {
                out.remove(vm.source());
                continue;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            if (base != null) {
                entry.putAll(base);
            } else {
                entry.put("id", vm.source());
                entry.put("object", "model");
                entry.put("created", STARTED); // no date of its own: when this filter started, not 1970
                entry.put("owned_by", "switchboard");
            }
            entry.put("id", vm.source());
            out.put(vm.source(), entry);
        }
        if (singleId != null) {
            Map<String, Object> entry = out.get(singleId);
            if (entry == null) {
                return new Result(404, null);
            }
            return new Result(200, JsonTree.write(anthropic ? anthropicEntry(entry) : entry));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (anthropic) {
            List<Object> entries = new ArrayList<>();
            out.values().forEach(e -> entries.add(anthropicEntry(e)));
            body.put("data", entries);
            body.put("has_more", Boolean.FALSE);
            body.put("first_id", out.isEmpty() ? null : out.firstKey());
            body.put("last_id", out.isEmpty() ? null : out.lastKey());
        } else {
            body.put("object", "list");
            body.put("data", new ArrayList<Object>(out.values()));
        }
        return new Result(200, JsonTree.write(body));
    }

    private static Map<String, Object> anthropicEntry(Map<String, Object> e) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("type", "model");
        a.put("id", e.get("id"));
        a.put("display_name", e.get("display_name") instanceof String s ? s : e.get("id"));
        Object createdAt = e.get("created_at");
        if (!(createdAt instanceof String)) {
            long epoch = 0;
            if (e.get("created") instanceof JsonTree.Num n) {
                try {
                    epoch = Long.parseLong(n.text());
                } catch (NumberFormatException ignored) {
                    epoch = 0;
                }
            }
            if (epoch < Instant.MIN.getEpochSecond() || epoch > Instant.MAX.getEpochSecond()) {
                // A long that no Instant holds: shown like an unreadable one, not thrown out of the filter.
                epoch = 0;
            }
            createdAt = Instant.ofEpochSecond(epoch).toString();
        }
        a.put("created_at", createdAt);
        return a;
    }

    static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
