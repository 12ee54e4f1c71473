package dev.switchboard.rules;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;


/**
 * A redirect compiled for picking: target arrays, its fallbacks and hashing inputs (rotation state lives in
 * {@link Picker}).
 */
final class Redirect {

    final VirtualModel model;
    private final String[] targets;
    private final int[] weights;
    private final int totalWeight;
    private final byte[] sourceBytes;
    private final byte[][] targetBytes;
    /** The targets' indexes in the order written: a {@code failover} redirect's order for every caller. */
    private final int[] written;
    private final String[] fallbacks;
    private static final int[] SINGLE = {0};

    Redirect(VirtualModel model) {
        this.model = model;
        int n = model.targets().size();
        this.targets = new String[n];
        this.weights = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            targets[i] = model.targets().get(i).model();
            weights[i] = model.targets().get(i).weight();
            total += weights[i];
        }
        this.totalWeight = total;
        this.sourceBytes = model.source().getBytes(StandardCharsets.UTF_8);
        this.targetBytes = new byte[n][];
        for (int i = 0; i < n; i++) {
            targetBytes[i] = targets[i].getBytes(StandardCharsets.UTF_8);
        }
        this.written = new int[n];
        for (int i = 0; i < n; i++) {
            written[i] = i;
        }
        this.fallbacks = model.fallbacks().toArray(String[]::new);
    }

    /**
     * The order in which this redirect's targets are tried for a caller: the pick first, then the
     * others. Sticky with an identity orders all targets by their rendezvous score for it (the next
     * best for this caller); {@code failover} keeps the order written for everyone; otherwise the others
     * follow in the order written.
     *
     * @return target indexes, the chosen one first; not to be modified
     */
    int[] order(Caller caller, Picker picker) {
        return order(caller, picker, null);
    }

    /** @param usable for round robin: which targets the caller may use ({@link Picker#nextRoundRobin}), or null */
    int[] order(Caller caller, Picker picker, boolean[] usable) {
        int n = targets.length;
        if (n == 1) {
            return SINGLE;
        }
        if (model.strategy() == Strategy.FAILOVER) {
            return written;
        }
        String identity = model.strategy() == Strategy.ROUND_ROBIN ? null : caller.stickyIdentity();
        if (identity != null) {
            return rendezvousOrder(identity);
        }
        int first = model.strategy() == Strategy.ROUND_ROBIN
                ? picker.nextRoundRobin(model.source(), model.targets(), weights, usable)
                : weightedRandom();
        int[] order = new int[n];
        order[0] = first;
        for (int i = 0, j = 1; i < n; i++) {
            if (i != first) {
                order[j++] = i;
            }
        }
        return order;
    }

    /** @return target {@code index}'s model */
    String target(int index) {
        return targets[index];
    }

    /** @return the fallbacks, in order; not to be modified */
    String[] fallbacks() {
        return fallbacks;
    }

    private int weightedRandom() {
        int r = ThreadLocalRandom.current().nextInt(totalWeight);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /**
     * Weighted rendezvous hashing: score_i = -w_i / ln(u_i), u_i uniform in (0,1) from a hash of
     * (source, identity, target_i). The highest score wins. Stable across nodes and restarts, and
     * raising one weight only moves callers onto that target.
     */
    private int[] rendezvousOrder(String identity) {
        long base = Hashing.fnv1a(Hashing.FNV_OFFSET, sourceBytes);
        base = Hashing.fnv1a(base, (byte) 0);
        base = Hashing.fnv1a(base, identity.getBytes(StandardCharsets.UTF_8));
        base = Hashing.fnv1a(base, (byte) 0);
        int n = targets.length;
        double[] scores = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            long h = Hashing.mix(Hashing.fnv1a(base, targetBytes[i]));
            double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
            scores[i] = -weights[i] / Math.log(u);
            order[i] = i;
        }
        // Highest score first; ties (practically impossible) keep the written order.
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
