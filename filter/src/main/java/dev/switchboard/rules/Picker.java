package dev.switchboard.rules;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only state target choice has (SPEC section 2, step 2): each {@code round_robin} redirect's
 * rotation (one per set of targets its callers may use), kept per source outside any rules snapshot,
 * so a reload that leaves a redirect's targets and weights as they were keeps its rotation going. A
 * redirect whose targets or weights change starts a new rotation. Sticky picks need no state.
 *
 * <p>One picker serves a node's live traffic; {@link #peeking()} reads the same rotation without
 * advancing it, for {@code explain} and {@code /admin/resolve}. Thread-safe.
 */
public final class Picker {

    /** Rotation state of one redirect: nginx's smooth weighted round robin; guarded by {@code this}. */
    private static final class Rotation {
        final List<Target> definition;
        final long[] current;

        Rotation(List<Target> definition) {
            this.definition = definition;
            this.current = new long[definition.size()];
        }
    }

    private final ConcurrentHashMap<String, Rotation> rotations;
    private final boolean advance;

    private Picker(ConcurrentHashMap<String, Rotation> rotations, boolean advance) {
        this.rotations = rotations;
        this.advance = advance;
    }

    /** @return a picker with no rotation started */
    public static Picker create() {
        return new Picker(new ConcurrentHashMap<>(), true);
    }

    /** @return a view of this picker's rotations that tells the next pick without taking it */
    public Picker peeking() {
        return advance ? new Picker(rotations, false) : this;
    }

    /**
     * @param usable which targets the caller may use, or {@code null} for all: callers who may use the same targets
     *     share a rotation of their own among those targets, so a caller who may not use one takes no turn from the
     *     callers who may (each class of callers rotates as configured among what it may use); callers who may use none
     *     rotate over all of them, apart
     * @return the index of the next target of a round-robin redirect, advancing unless peeking
     */
    int nextRoundRobin(String source, List<Target> targets, int[] weights, boolean[] usable) {
        // Callers who may use every target share the redirect's own rotation; any other set (none included) has its own.
        String key = usable == null || all(usable) ? source : source + '\u0000' + mask(usable);
        Rotation r = rotations.get(key);
        if (r == null || !r.definition.equals(targets)) {
            if (!advance) {
                // Not started (or just redefined): the first pick of a fresh rotation.
                return smooth(new long[weights.length], weights, usable);
            }
            r = rotations.compute(key, (k, old) -> old != null && old.definition.equals(targets) ? old
                    : new Rotation(targets));
        }
        synchronized (r) {
            return smooth(advance ? r.current : r.current.clone(), weights, usable);
        }
    }

    private static boolean all(boolean[] usable) {
        for (boolean u : usable) {
            if (!u) {
                return false;
            }
        }
        return true;
    }

    private static boolean none(boolean[] usable) {
        for (boolean u : usable) {
            if (u) {
                return false;
            }
        }
        return true;
    }

    private static String mask(boolean[] usable) {
        StringBuilder sb = new StringBuilder(usable.length);
        for (boolean u : usable) {
            sb.append(u ? '1' : '0');
        }
        return sb.toString();
    }

    /** nginx's smooth weighted round robin over the usable targets (all when {@code usable} is null or names none). */
    private static int smooth(long[] current, int[] weights, boolean[] usable) {
        boolean all = usable == null || none(usable);
        int best = -1;
        long total = 0;
        for (int i = 0; i < current.length; i++) {
            if (all || usable[i]) {
                current[i] += weights[i];
                total += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
        }
        current[best] -= total;
        return best;
    }
}
