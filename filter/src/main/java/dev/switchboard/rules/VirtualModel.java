package dev.switchboard.rules;

import java.util.List;
import java.util.Objects;

/**
 * One row of the virtual-model table: a redirect when it has targets, an access policy when not.
 *
 * @param source the trimmed name (redirect) or selector (policy) this row is keyed by
 * @param targets the weighted targets of a redirect; empty for a policy
 * @param strategy how several targets are chosen; {@code null} for a policy
 * @param fallbacks concrete models a redirect's request goes to, in this order, when its targets fail (SPEC
 *     section 11); never resolved again; empty for a policy and for a redirect without any
 * @param userPaths normalized paths: a redirect applies only inside them, a policy admits only them; empty = everyone
 * @param enabled a disabled redirect is inert, a disabled policy denies everyone
 * @param description free text, may be empty
 */
public record VirtualModel(String source, List<Target> targets, Strategy strategy, List<String> fallbacks,
                           List<String> userPaths, boolean enabled, String description) {

    /** Whether a row that does not say is enabled. */
    public static final boolean DEFAULT_ENABLED = true;

    /**
     * @param source a source or model name as written
     * @return it ignoring case, as access policies match a name when no policy matches it exactly (upstreams such as
     *     Ollama match names ignoring case): two names equal so are one name to such an upstream. Each code point is
     *     upper-cased, then lower-cased, as {@link String#equalsIgnoreCase} compares them, so that the long s and the
     *     final sigma fold as Go's {@code strings.EqualFold} folds them ({@code ſecret} is {@code secret}); the dotless
     *     i folds to i, more than Go does, which can only make a policy apply to more spellings.
     */
    public static String folded(String source) {
        int n = source.length();
        int i = 0;
        while (i < n) {
            char c = source.charAt(i);
            if (c >= 0x80 || (c >= 'A' && c <= 'Z')) {
                break;
            }
            i++;
        }
        if (i == n) {
            // Most names: ASCII without capitals, folded as they are.
            return source;
        }
        StringBuilder out = new StringBuilder(n).append(source, 0, i);
        while (i < n) {
            int cp = source.codePointAt(i);
            out.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp)));
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    public VirtualModel {
        Objects.requireNonNull(source, "source");
        targets = List.copyOf(targets);
        fallbacks = List.copyOf(fallbacks);
        userPaths = List.copyOf(userPaths);
        description = description == null ? "" : description;
        if (!targets.isEmpty() && strategy == null) {
            strategy = Strategy.DEFAULT;
        }
    }

    /**
     * A row without fallbacks.
     *
     * @param source the trimmed name or selector
     * @param targets the weighted targets of a redirect; empty for a policy
     * @param strategy how several targets are chosen; {@code null} for a policy
     * @param userPaths normalized paths; empty = everyone
     * @param enabled whether it is enabled
     * @param description free text
     */
    public VirtualModel(String source, List<Target> targets, Strategy strategy, List<String> userPaths, boolean enabled,
                        String description) {
        this(source, targets, strategy, List.of(), userPaths, enabled, description);
    }

    /** @return {@code true} for a redirect (has targets), {@code false} for an access policy */
    public boolean isRedirect() {
        return !targets.isEmpty();
    }

    /** @return {@code true} when the row applies to (redirect) or admits (policy) the caller path */
    public boolean inScope(String callerPath) {
        return userPaths.isEmpty() || UserPath.anyCovers(userPaths, callerPath);
    }
}
