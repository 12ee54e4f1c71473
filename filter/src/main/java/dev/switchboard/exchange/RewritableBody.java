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
    private final boolean asksForStream;

    /**
     * @param chosen the body for the chosen candidate, exactly its length (not copied; do not modify)
     * @param splice the client's body with its model replaced by the given upstream model; must be
     *     thread-safe and leave the client's bytes unchanged
     * @param asksForStream whether the body asks for a stream ({@link dev.switchboard.body.ModelField#asksForStream()})
     */
    public RewritableBody(byte[] chosen, Function<String, byte[]> splice, boolean asksForStream) {
        this.chosen = Objects.requireNonNull(chosen, "chosen");
        this.splice = Objects.requireNonNull(splice, "splice");
        this.asksForStream = asksForStream;
    }

    /** @return the body to send to the chosen candidate, exactly its length; do not modify */
    public byte[] bytes() {
        return chosen;
    }

    /** @return whether the body asks for a stream: its top-level {@code stream} is {@code true} (failover timing only) */
    public boolean asksForStream() {
        return asksForStream;
    }

    /**
     * @param upstreamModel another candidate's upstream model
     * @return the client's body with only its model replaced by it
     */
    public byte[] withModel(String upstreamModel) {
        return splice.apply(upstreamModel);
    }
}
