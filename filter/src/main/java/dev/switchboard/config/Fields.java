package dev.switchboard.config;

import dev.switchboard.rules.InvalidUserPathException;
import dev.switchboard.rules.UserPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to a {@link Value} tree that records, instead of throwing, every problem it meets: each
 * message starts with the YAML path of what is wrong, shows the bad value (never a secret) and its line.
 * The readers ({@link ConfigReader}, {@link VirtualModelReader}) share one instance per document, so a
 * user fixes a file in one pass.
 */
final class Fields {

    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~";

    private final List<String> errors = new ArrayList<>();

    /** Whether nothing was wrong so far. */
    boolean ok() {
        return errors.isEmpty();
    }

    int count() {
        return errors.size();
    }

    /** Records a problem that has no place in the tree (an environment variable, say). */
    void add(String line) {
        errors.add(line);
    }

    
    String userPath(String raw, String path, Value where) {
        try {
            return UserPath.normalize(raw);
        } catch (InvalidUserPathException e) {
            error(path, where, "invalid user path \"" + raw + "\": " + e.getMessage());
            return null;
        }
    }

    Value.Mapping mapping(Value v, String path) {
        if (v == null || isNull(v)) {
            return null;
        }
        if (v instanceof Value.Mapping m) {
            return m;
        }
        error(path, v, "must be a mapping, was " + v.describe());
        return null;
    }

    /** Like {@link #mapping} but a missing or null value is an error too. */
    Value.Mapping required(Value v, String path) {
        if (v == null || isNull(v)) {
            error(path, v, "must be a mapping, was null");
            return null;
        }
        return mapping(v, path);
    }

    Value.Sequence sequence(Value v, String path) {
        if (v == null || isNull(v)) {
            return null;
        }
        if (v instanceof Value.Sequence s) {
            return s;
        }
        error(path, v, "must be a list, was " + v.describe());
        return null;
    }

    String string(Value.Mapping m, String path, String key, String def) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s) {
            return s.text();
        }
        error(join(path, key), v, "must be a string, was " + v.describe());
        return def;
    }

    List<String> strings(Value.Mapping m, String path, String key) {
        List<String> out = new ArrayList<>();
        Value.Sequence seq = sequence(m.entries().get(key), join(path, key));
        if (seq == null) {
            return out;
        }
        for (int i = 0; i < seq.items().size(); i++) {
            Value item = seq.items().get(i);
            if (item instanceof Value.Scalar s && s.type() != Value.Type.NULL && !s.text().isBlank()) {
                out.add(s.text().strip());
            } else {
                error(join(path, key) + "[" + i + "]", item, "must be a non-empty string, was " + item.describe());
            }
        }
        return out;
    }

    int integer(Value.Mapping m, String path, String key, int def, int min, int max) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s && s.type() == Value.Type.INT) {
            long n = parseLong(s.text());
            if (n < min || n > max) {
                error(join(path, key), v, "must be between " + min + " and " + max + ", was " + s.text());
                return def;
            }
            return (int) n;
        }
        error(join(path, key), v, "must be an integer, was " + v.describe());
        return def;
    }

    boolean bool(Value.Mapping m, String path, String key, boolean def) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        if (v instanceof Value.Scalar s && s.type() == Value.Type.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        error(join(path, key), v, "must be true or false, was " + v.describe());
        return def;
    }

    /**
     * As {@link #bool}, but a key written with no value ({@code enabled:} left half done, a variable that expanded to
     * nothing) is an error rather than the default: for the switches that gate models, whose default lets them through.
     */
    boolean gate(Value.Mapping m, String path, String key, boolean def) {
        Value v = m.entries().get(key);
        if (v != null && isNull(v)) {
            error(join(path, key), v, "must be true or false, was empty (taken for the default, it would be " + def + ")");
            return false;
        }
        return bool(m, path, key, def);
    }

    /**
     * A key written with no value ({@code target:} left half done, a variable that expanded to nothing) where leaving
     * it out means something wider: an error, not the key's absence.
     *
     * @param left what the entry would be without it (the rest of the message)
     */
    void empty(Value.Mapping m, String path, String key, String left) {
        Value v = m.entries().get(key);
        if (v != null && isNull(v)) {
            error(join(path, key), v, "is empty: " + left + "; leave the key out to mean that");
        }
    }

    Duration duration(Value.Mapping m, String path, String key, Duration def) {
        return duration(m, path, key, def, false);
    }

    /** @param zeroAllowed whether 0 is a meaning of its own ("none"), not a mistake */
    Duration duration(Value.Mapping m, String path, String key, Duration def, boolean zeroAllowed) {
        Value v = m.entries().get(key);
        if (v == null || isNull(v)) {
            return def;
        }
        Duration d = v instanceof Value.Scalar s && (s.type() == Value.Type.STRING || s.type() == Value.Type.INT)
                ? Durations.parse(s.text()) : null;
        if (d == null) {
            error(join(path, key), v, "must be a duration such as 600s, 500ms, 10m, 1h or 7d, was " + v.describe());
            return def;
        }
        if (d.isZero() && !zeroAllowed) {
            error(join(path, key), v, "must be > 0, was " + ((Value.Scalar) v).text());
            return def;
        }
        if (d.compareTo(Durations.MAX) > 0) {
            // Nine digits of days pass the format, but deadlines counted in nanoseconds overflow past 292 years.
            error(join(path, key), v, "must be at most " + Durations.format(Durations.MAX) + ", was "
                    + ((Value.Scalar) v).text());
            return def;
        }
        return d;
    }

    void onlyKeys(Value.Mapping m, String path, List<String> allowed) {
        onlyKeys(m, path, allowed, allowed);
    }

    /**
     * Records each key of {@code m} not in {@code allowed} as unknown, its message suggesting and listing
     * {@code named}: the keys its writer may send, which may include aliases taken off before the mapping is read.
     */
    void onlyKeys(Value.Mapping m, String path, List<String> allowed, List<String> named) {
        for (Map.Entry<String, Value> e : m.entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String suggestion = closest(e.getKey(), named);
                error(join(path, e.getKey()), e.getValue(), "unknown key"
                        + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
                        + "; expected one of: " + String.join(", ", named));
            }
        }
    }

    void checkUnique(List<String> items, String path, Value where, String what) {
        Set<String> seen = new HashSet<>();
        for (String item : items) {
            if (!seen.add(item)) {
                error(path, where, "duplicate " + what + " '" + item + "'");
            }
        }
    }

    void error(String path, Value where, String message) {
        // A row read on its own (admin API) has paths relative to it: "targets[0].weight", not ".targets[0].weight".
        path = path.startsWith(".") ? path.substring(1) : path;
        String line = where == null || where.line() == 0 ? "" : " (line " + where.line() + ")";
        errors.add(YamlTree.display(path) + ": " + message + line);
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    
    static boolean isNull(Value v) {
        return v instanceof Value.Scalar s && s.type() == Value.Type.NULL;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static long parseLong(String text) {
        try {
            String t = text.replace("_", "");
            if (t.startsWith("0x")) {
                return Long.parseLong(t.substring(2), 16);
            }
            if (t.startsWith("0o")) {
                return Long.parseLong(t.substring(2), 8);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return text.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || TOKEN_CHARS.indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }

    static String declared(Set<String> names) {
        return names.isEmpty() ? " (no providers are declared)" : " (declared: " + String.join(", ", names) + ")";
    }

    /** The allowed key within edit distance 2, for "did you mean". */
    private static String closest(String key, List<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
