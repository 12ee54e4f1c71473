package dev.switchboard.exchange;

import java.util.Objects;
import java.util.function.Function;

/**
 * A request body whose model values can be replaced byte-exactly (SPEC section 2, step 5): every
 * byte outside them stays as the client sent it. {@link #bytes()} is the body for the chosen
 * candidate; {@link #withModel} re-splices the client's original for another one (failover), so every
 * attempt differs from the client's body only in its model. Immutable; thread-safe.
 */
public final class RewritableBody {

    private final byte[] chosen;
    private final Function<String, byte[]> splice;

    /**
     * @param chosen the body for the chosen candidate, exactly its length (not copied; do not modify)
     * @param splice the client's body with its model replaced by the given upstream model; must be
     *     thread-safe and leave the client's bytes unchanged
     */
    public RewritableBody(byte[] chosen, Function<String, byte[]> splice) {
        this.chosen = Objects.requireNonNull(chosen, "chosen");
        this.splice = Objects.requireNonNull(splice, "splice");
    }

    /** @return the body to send to the chosen candidate, exactly its length; do not modify */
    public byte[] bytes() {
        return chosen;
    }

    /**
     * @param upstreamModel another candidate's upstream model
     * @return the client's body with only its model replaced by it
     */
    public byte[] withModel(String upstreamModel) {
        return splice.apply(upstreamModel);
    }
}
