package dev.switchboard.exchange;

import dev.switchboard.body.ModelField;

/**
 * A request body whose {@code model} can be replaced byte-exactly (SPEC section 2, step 5): every
 * byte outside the value stays as the client sent it. {@link #bytes()} is the body for the chosen
 * candidate; {@link #withModel} re-splices the original for another one (failover), so every attempt
 * differs from the client's body only in {@code model}. Immutable; thread-safe.
 */
public final class RewritableBody {

    private final byte[] original;
    private final int length;
    private final ModelField field;
    private final byte[] chosen;

    /**
     * @param original the decoded body as the client sent it ({@code original[0..length)}; not copied, not changed)
     * @param length its length
     * @param field where its {@code model} is ({@link ModelField.Status#FOUND})
     * @param upstreamModel the chosen candidate's upstream model
     */
    public RewritableBody(byte[] original, int length, ModelField field, String upstreamModel) {
        this.original = original;
        this.length = length;
        this.field = field;
        this.chosen = field.splice(original, length, upstreamModel);
    }

    /** @return the body to send to the chosen candidate, exactly its length; do not modify */
    public byte[] bytes() {
        return chosen;
    }

    /**
     * @param upstreamModel another candidate's upstream model
     * @return the client's body with only {@code model} replaced by it
     */
    public byte[] withModel(String upstreamModel) {
        return field.splice(original, length, upstreamModel);
    }
}
