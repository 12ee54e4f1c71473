package dev.switchboard.servlet;

import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.VirtualModel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Shapes a {@code GET /v1/models} list for one caller (SPEC section 4): {@code keep_only_aliases}
 * drops provider entries; entries the caller may not call are removed; enabled, in-scope redirects
 * with a target or fallback the caller may call are added (fields copied from the first such one's entry, else
 * {@code owned_by: "switchboard"}), replacing an entry with the same id; an in-scope redirect with none
 * removes the entry it shadows (its name is not callable either);
 * sorted by id in UTF-8 byte order. Access policies never appear.
 */
final class ModelsList {

    /**
     * @param id an id an upstream lists
     * @return whether a request may name it as written: usable ({@link ModelNames#problem}), nothing a reader strips at
     *     either end (a body's name is stripped first), and sendable as written ({@link ModelNames#sendable})
     */
    private static boolean callableAsWritten(String id) {
        return ModelNames.problem(id) == null && id.equals(ModelNames.strip(id)) && ModelNames.sendable(id);
    }

    /**
     * A name the list does not hold as written but a request may use, routed to an entry it does hold: a bare
     * {@code gpt-5} that the provider listing it, or {@code default_provider}, serves as {@code openai/gpt-5}. Its entry,
     * named as asked, as the provider itself answers a retrieval. Not a redirect's source (the list holds those it
     * lists), nor with {@code keep_only_aliases} (the list holds aliases alone).
     *
     * @return the entry, or {@code null}
     */
    private static Map<String, Object> routedTo(String id, Map<String, Map<String, Object>> listed, Rules rules,
                                                Caller caller) {
        if (rules.keepOnlyAliases() || !callableAsWritten(id)
                || rules.virtualModels().stream().anyMatch(vm -> vm.isRedirect() && vm.source().equals(id))) {
            return null;
        }
        Candidate c = Resolver.resolveConcrete(rules, id, caller);
        Map<String, Object> entry = c.allowed() && c.provider() != null ? listed.get(c.qualified()) : null;
        if (entry == null || id.equals(c.qualified())) {
            return null;
        }
        Map<String, Object> named = new LinkedHashMap<>(entry);
        named.put("id", id);
        return named;
    }

    /** When this class was loaded (the filter's start), in epoch seconds: the date of a redirect without a target entry. */
    private static final JsonTree.Num STARTED = new JsonTree.Num(Long.toString(Instant.now().getEpochSecond()));

    /**
     * The transformed response: a status and a JSON body.
     *
     * @param cut whether the downstream's list said more pages follow ({@code has_more}), which this answer leaves out
     */
    record Result(int status, byte[] body, boolean cut) {
    }

    private ModelsList() {
    }

    /**
     * Anthropic's paging of a list ({@code limit}, {@code after_id}, {@code before_id}), applied to the list as shaped
     * for the caller: its ids are the caller's (a redirect's name among them), so an upstream could not page it.
     * Cursors are positions in the list's order, so one that is no longer listed (a redirect removed between two
     * pages) still finds its place.
     *
     * @param limit how many entries, or {@code null} for all (Anthropic's default is 20; this gateway lists all, so a
     *     client that reads one page sees every model)
     * @param afterId the entries after this id, or {@code null}
     * @param beforeId the entries before this id, or {@code null}
     */
    record Page(Integer limit, String afterId, String beforeId) {

        /** Every entry: the OpenAI shape, which has no paging. */
        static final Page ALL = new Page(null, null, null);
        /** Anthropic's largest page. */
        static final int MAX_LIMIT = 1000;
        private static final Set<String> PARAMETERS = Set.of("limit", "after_id", "before_id");

        /**
         * @param query a request's query string, or {@code null}
         * @return its paging
         * @throws IllegalArgumentException saying what is wrong: a limit that is not an integer from 1 to
         *     {@link #MAX_LIMIT}, a parameter given twice, both cursors, a {@code ;} in the query
         */
        static Page of(String query) {
            if (query != null && query.indexOf(';') >= 0) {
                // Jetty, Tomcat and Anthropic split on & alone, some frameworks on ; too: "a=1;limit=5" has a limit to
                // some and none to others, so what this gateway pages by and what it forwards could differ.
                throw new IllegalArgumentException("separate the query's parameters with &, not ;");
            }
            Map<String, String> found = new HashMap<>();
            for (String[] pair : pairs(query)) {
                if (PARAMETERS.contains(pair[0]) && found.put(pair[0], pair[1]) != null) {
                    throw new IllegalArgumentException(pair[0] + " is given twice");
                }
            }
            String limit = found.get("limit");
            Integer n = null;
            if (limit != null && !limit.isEmpty()) {
                n = limit.matches("[0-9]{1,4}") ? Integer.valueOf(limit) : null;
                if (n == null || n < 1 || n > MAX_LIMIT) {
                    throw new IllegalArgumentException("limit must be an integer from 1 to " + MAX_LIMIT + ", was \""
                            + limit + "\"");
                }
            }
            String after = emptyAsAbsent(found.get("after_id"));
            String before = emptyAsAbsent(found.get("before_id"));
            if (after != null && before != null) {
                throw new IllegalArgumentException("give after_id or before_id, not both");
            }
            return new Page(n, after, before);
        }

        /**
         * @param query a request's query string ({@link #of} read it), or {@code null}
         * @return the query to ask the list's upstream with: the paging parameters left out, {@code limit=1000} added (so
         *     an Anthropic upstream answers its whole list in one page, which the caller's paging then applies to);
         *     the other parameters as sent, empty ones ({@code a&&b}) dropped
         */
        static String forwarded(String query) {
            StringBuilder out = new StringBuilder();
            if (query != null && !query.isEmpty()) {
                for (String pair : query.split("&", -1)) {
                    if (!pair.isEmpty() && !PARAMETERS.contains(RequestChecks.queryName(pair))) {
                        out.append(pair).append('&');
                    }
                }
            }
            return out.append("limit=").append(MAX_LIMIT).toString();
        }

        /**
         * @param ids the list's ids, sorted
         * @return the ids on this page, and whether more lie beyond it in its direction ({@code has_more})
         */
        Slice apply(List<String> ids) {
            int from = afterId == null ? 0 : position(ids, afterId, true);
            int to = beforeId == null ? ids.size() : position(ids, beforeId, false);
            if (limit == null || to - from <= limit) {
                return new Slice(ids.subList(from, to), false);
            }
            // before_id asks for the page just before the cursor: its last entries.
            return beforeId != null ? new Slice(ids.subList(to - limit, to), true) : new Slice(ids.subList(from, from + limit), true);
        }

        /** One page's ids, and whether more lie beyond it. */
        record Slice(List<String> ids, boolean more) {
        }

        /** @return the index of the first id after {@code cursor} ({@code after}), else of the first not before it */
        private static int position(List<String> ids, String cursor, boolean after) {
            int i = 0;
            while (i < ids.size()) {
                int c = compareUtf8(ids.get(i), cursor);
                if (after ? c > 0 : c >= 0) {
                    break;
                }
                i++;
            }
            return i;
        }

        private static String emptyAsAbsent(String value) {
            return value == null || value.isEmpty() ? null : value;
        }

        /** @return the query's parameters, each {name, value}, the name as {@link RequestChecks#queryName} reads it */
        private static List<String[]> pairs(String query) {
            List<String[]> out = new ArrayList<>();
            if (query == null || query.isEmpty()) {
                return out;
            }
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                out.add(new String[] {RequestChecks.queryName(pair), eq < 0 ? "" : RequestChecks.queryDecoded(pair.substring(eq + 1))});
            }
            return out;
        }
    }

    /**
     * @param upstream the downstream response body
     * @param rules the snapshot
     * @param caller who is asking
     * @param anthropic whether to answer in the Anthropic shape
     * @param singleId for {@code /v1/models/{id}}: the one entry to answer, else {@code null}
     * @param page the entries of the list to answer ({@link Page#ALL} for the OpenAI shape and a single entry)
     * @return the result, or {@code null} when the body is not a model list (pass it through)
     */
    @SuppressWarnings("unchecked")
    static Result transform(byte[] upstream, Rules rules, Caller caller, boolean anthropic, String singleId, Page page) {
        if (!(JsonTree.parse(upstream) instanceof Map<?, ?> root) || !(root.get("data") instanceof List<?> data)) {
            return null;
        }
        boolean cut = Boolean.TRUE.equals(root.get("has_more"));
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
                // called as "m", whose access may differ; "a,b", a zero-width space or a URL delimiter would be refused).
                String id = e.getKey();
                if (callableAsWritten(id) && Resolver.resolveConcrete(rules, id, caller).allowed()) {
                    out.put(e.getKey(), e.getValue());
                }
            }
        }
        for (VirtualModel vm : rules.virtualModels()) {
            if (!vm.isRedirect() || !vm.enabled() || !vm.inScope(caller.userPath())) {
                continue;
            }
            // Callable when one of its candidates is this caller's: a pick it may not use gives way to the next one
            // it may (SPEC 11). The entry is that first one's.
            Map<String, Object> base = null;
            boolean callable = false;
            List<String> candidates = new ArrayList<>();
            vm.targets().forEach(t -> candidates.add(t.model()));
            candidates.addAll(vm.fallbacks());
            for (String model : candidates) {
                Candidate d = Resolver.resolveConcrete(rules, model, caller);
                if (d.allowed()) {
                    callable = true;
                    base = byId.containsKey(model) ? byId.get(model) : byId.get(d.qualified());
                    break;
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
                entry = routedTo(singleId, out, rules, caller);
            }
            if (entry == null) {
                return new Result(404, null, cut);
            }
            return new Result(200, JsonTree.write(anthropic ? anthropicEntry(entry) : entry), cut);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (anthropic) {
            Page.Slice slice = page.apply(new ArrayList<>(out.keySet()));
            List<String> ids = slice.ids();
            List<Object> entries = new ArrayList<>(ids.size());
            ids.forEach(id -> entries.add(anthropicEntry(out.get(id))));
            body.put("data", entries);
            body.put("has_more", slice.more());
            body.put("first_id", ids.isEmpty() ? null : ids.get(0));
            body.put("last_id", ids.isEmpty() ? null : ids.get(ids.size() - 1));
        } else {
            body.put("object", "list");
            body.put("data", new ArrayList<Object>(out.values()));
        }
        return new Result(200, JsonTree.write(body), cut);
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
