package dev.switchboard.live;

import java.util.List;

/**
 * An admin write refused because this node could not apply the admin store as it is now (its config file cannot
 * be used, or the store's rows do not build with it): the write would start from the node's last good rows and
 * drop every row written since, by another node or by hand. Nothing is written.
 */
public final class StoreNotAppliedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    /** @param errors why the node could not apply the store (its last reload's errors), possibly empty */
    public StoreNotAppliedException(List<String> errors) {
        super("this node cannot apply the admin store as it is now" + (errors.isEmpty() ? "" : ": " + String.join("; ", errors))
                + "; fix its configuration first (nothing was written, so that no row written since is lost)");
        this.errors = List.copyOf(errors);
    }

    /** @return why the node could not apply the store */
    public List<String> errors() {
        return errors;
    }
}
