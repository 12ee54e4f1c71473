package dev.switchboard.rules;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** A redirect compiled for picking: target arrays and the per-node round-robin state. */
final class Redirect {

    final VirtualModel model;
    private final String[] targets;
    private final int[] weights;
    private final int totalWeight;
    private final byte[] sourceBytes;
    /** Smooth weighted round robin state (nginx's algorithm); guarded by {@code this}. */
    private final long[] current;

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
        this.current = new long[n];
    }

    String pick(Caller caller) {
        if (targets.length == 1) {
            return targets[0];
        }
        if (model.strategy() == Strategy.ROUND_ROBIN) {
            return targets[nextRoundRobin()];
        }
        String identity = caller.stickyIdentity();
        if (identity == null) {
            return targets[weightedRandom()];
        }
        return targets[rendezvous(identity)];
    }

    private synchronized int nextRoundRobin() {
        int best = 0;
        for (int i = 0; i < current.length; i++) {
            current[i] += weights[i];
            if (current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= totalWeight;
        return best;
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
    private int rendezvous(String identity) {
        long base = Hashing.fnv1a(Hashing.FNV_OFFSET, sourceBytes);
        base = Hashing.fnv1a(base, (byte) 0);
        base = Hashing.fnv1a(base, identity.getBytes(StandardCharsets.UTF_8));
        base = Hashing.fnv1a(base, (byte) 0);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < targets.length; i++) {
            long h = Hashing.mix(Hashing.fnv1a(base, targets[i].getBytes(StandardCharsets.UTF_8)));
            double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
            double score = -weights[i] / Math.log(u);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }
}
