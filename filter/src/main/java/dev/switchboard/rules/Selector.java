package dev.switchboard.rules;

import java.util.Set;

/**
 * What an access policy's source selects (SPEC section 2, step 4), most specific first:
 * {@code provider/model}, {@code provider/}, a bare {@code model} (on any provider), {@code /}.
 *
 * @param kind the selector kind
 * @param provider the provider name for the two provider kinds, else {@code null}
 * @param model the model id for {@code provider/model} and bare selectors, else {@code null}
 */
public record Selector(Kind kind, String provider, String model) {

    /** Selector kinds, from least to most specific. */
    public enum Kind {
        /** {@code /}: every model. */
        GLOBAL,
        /** A bare model id, on any provider. */
        MODEL,
        /** {@code provider/}: every model of one provider. */
        PROVIDER,
        /** {@code provider/model}. */
        PROVIDER_MODEL
    }

    /**
     * Parses a policy source. With providers declared, the part before the first {@code /} is a provider
     * only if it names a declared one ({@code Qwen/Qwen3-1.7B} stays a bare id); without providers (bare
     * filter) any {@code a/b} is read as provider {@code a}, model {@code b}, matching models as written.
     *
     * @param source the trimmed source
     * @param providerNames declared provider names (empty for the bare filter)
     * @return the selector; a {@code provider/} naming an undeclared provider parses as {@link Kind#PROVIDER}
     *     too, and validation rejects it
     */
    public static Selector parse(String source, Set<String> providerNames) {
        if (source.equals("/")) {
            return new Selector(Kind.GLOBAL, null, null);
        }
        int slash = source.indexOf('/');
        if (slash < 0) {
            return new Selector(Kind.MODEL, null, source);
        }
        String prefix = source.substring(0, slash);
        String rest = source.substring(slash + 1);
        boolean providerMode = !providerNames.isEmpty();
        if (rest.isEmpty() && slash > 0) {
            return new Selector(Kind.PROVIDER, prefix, null);
        }
        if (slash > 0 && (!providerMode || providerNames.contains(prefix))) {
            return new Selector(Kind.PROVIDER_MODEL, prefix, rest);
        }
        return new Selector(Kind.MODEL, null, source);
    }
}
