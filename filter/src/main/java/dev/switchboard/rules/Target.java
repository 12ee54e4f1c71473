package dev.switchboard.rules;

import java.util.Objects;

/**
 * One target of a redirect: a concrete model and its positive weight.
 *
 * @param model the concrete model, never resolved again
 * @param weight the relative share, {@code >= 1}
 */
public record Target(String model, int weight) {

    /** Weight of a target that does not state one. */
    public static final int DEFAULT_WEIGHT = 1;

    public Target {
        Objects.requireNonNull(model, "model");
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be >= 1, but was " + weight);
        }
    }

    @Override
    public String toString() {
        return model + " (weight " + weight + ")";
    }
}
