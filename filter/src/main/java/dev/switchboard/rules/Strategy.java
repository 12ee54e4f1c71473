package dev.switchboard.rules;

import java.util.Locale;

/** How a redirect with several targets picks one (SPEC section 2, step 2). */
public enum Strategy {
    /** Weighted rendezvous hashing of (source, caller identity): a caller keeps its target. */
    STICKY,
    /** Smooth weighted round robin, per node. */
    ROUND_ROBIN,
    /** The targets in the order written, weights ignored: the first while it answers (SPEC section 11). */
    FAILOVER;

    /** Strategy of a redirect that does not name one. */
    public static final Strategy DEFAULT = STICKY;

    /** @return the name used in YAML and JSON ({@code sticky}, {@code round_robin}, {@code failover}) */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param name a YAML name
     * @return the strategy, or {@code null} when the name is unknown
     */
    public static Strategy fromYamlName(String name) {
        for (Strategy s : values()) {
            if (s.yamlName().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
