package dev.switchboard.experiments;

import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The arms of one redirect (SPEC section 10) since its definition last changed or was reset. A split
 * (two or more targets) keeps one arm per target; a single-target redirect keeps its target's arm, and
 * when its target changes while traffic was flowing it becomes a before/after comparison: the old
 * target's arm is kept (and no longer grows) beside the new one for {@code experiments.window}.
 * Thread-safe: the arm table is replaced, never changed in place, under this object's lock.
 */
final class Experiment {

    /**
     * The most arms a before/after keeps: the current target's and the last targets before it that saw traffic, the
     * one current longest ago dropped first. A redirect retargeted 1,000 times within the window kept 1,000 arms.
     */
    static final int MAX_BEFORE_AFTER_ARMS = 8;

    /**
     * What an experiment compares: its targets, their weights and how they are chosen. A change of any
     * resets a split's numbers (its arms would no longer be comparable).
     *
     * @param targets the targets, baseline first
     * @param weights their weights
     * @param strategy how a target is chosen
     */
    record Definition(List<String> targets, List<Integer> weights, Strategy strategy) {

        static Definition of(VirtualModel redirect) {
            List<String> t = new ArrayList<>();
            List<Integer> w = new ArrayList<>();
            if (redirect.strategy() == Strategy.FAILOVER) {
                // Not a split: every request goes to the first target while it answers; the others are backups
                // (SPEC section 11). It is compared before/after, like a redirect with one target.
                return new Definition(List.of(redirect.targets().get(0).model()), List.of(Target.DEFAULT_WEIGHT),
                        redirect.strategy());
            }
            for (Target target : redirect.targets()) {
                t.add(target.model());
                w.add(target.weight());
            }
            return new Definition(List.copyOf(t), List.copyOf(w), redirect.strategy());
        }

        boolean split() {
            return targets.size() > 1;
        }
    }

    final String source;
    /** Distinguishes this instance from the one a reset or a new definition replaces (feedback keeps its own). */
    final long epoch;
    // Written under this object's lock, read without it on every exchange.
    private volatile Definition definition;
    /** When the definition took effect (or the numbers were reset). */
    private final Instant since;
    /** For a before/after: when the target changed; else {@code null}. */
    private volatile Instant changedAt;
    private volatile Map<String, ArmStats> arms;
    /** The feedback index's value for each target's exchanges: one per target, made on first use. */
    private final java.util.concurrent.ConcurrentHashMap<String, Experiments.Scorable> scorables =
            new java.util.concurrent.ConcurrentHashMap<>();

    Experiment(String source, long epoch, Definition definition, Instant since) {
        this.source = Objects.requireNonNull(source, "source");
        this.epoch = epoch;
        this.definition = definition;
        this.since = since;
        Map<String, ArmStats> a = new LinkedHashMap<>();
        definition.targets().forEach(t -> a.put(t, new ArmStats(t)));
        this.arms = a;
    }

    /** @return whether an exchange scored under {@code s} counts in this experiment's arm of its target now */
    boolean scores(Experiments.Scorable s) {
        return s.epoch() == epoch && scorables.get(s.target()) == s;
    }

    /**
     * @param target a target of this experiment's exchanges
     * @return the feedback index's value for the target's exchanges (the same object every time, until the target
     *     comes back after another: {@link #retarget})
     */
    Experiments.Scorable scorable(String target) {
        Experiments.Scorable s = scorables.get(target);
        return s != null ? s : scorables.computeIfAbsent(target, t -> new Experiments.Scorable(source, t, epoch));
    }

    /** @return the arm of a target of the current definition, or {@code null} */
    ArmStats arm(String target) {
        return arms.get(target);
    }

    Definition definition() {
        return definition;
    }

    Instant since() {
        return since;
    }

    Instant changedAt() {
        return changedAt;
    }

    /** @return the arms, baseline first */
    List<ArmStats> arms() {
        return List.copyOf(arms.values());
    }

    /**
     * A single-target redirect's target changed: keep the old arm if it saw traffic (before), add the new; at most
     * {@link #MAX_BEFORE_AFTER_ARMS} in all.
     *
     * @param next the new single-target definition
     * @param at when the change was seen
     * @return whether the change could be folded in (else the caller starts a new experiment)
     */
    synchronized boolean retarget(Definition next, Instant at) {
        if (definition.split() || next.split()) {
            return false;
        }
        String target = next.targets().get(0);
        Map<String, ArmStats> a = new LinkedHashMap<>();
        for (ArmStats arm : arms.values()) {
            // An arm that never saw traffic tells nothing "before": only arms with numbers are kept.
            if (arm.snapshot().requests() > 0 && !arm.target().equals(target)) {
                a.put(arm.target(), arm);
            }
        }
        // A target it had before (A, then B, then A again) starts afresh: its old numbers are from before the baseline's,
        // and kept they made the "after" arm half "before" (a probe). The same target (a strategy or weight changed
        // only) goes on counting.
        boolean same = target.equals(definition.targets().get(0)) && arms.containsKey(target);
        a.put(target, same ? arms.get(target) : new ArmStats(target));
        if (!same) {
            // Scores for its earlier exchanges are not the fresh arm's: they hold the scorable dropped here.
            scorables.remove(target);
        }
        // In the order each target was last current: the oldest go first.
        Iterator<String> oldest = a.keySet().iterator();
        for (int extra = a.size() - MAX_BEFORE_AFTER_ARMS; extra > 0; extra--) {
            oldest.next();
            oldest.remove();
        }
        arms = a;
        definition = next;
        changedAt = a.size() > 1 ? at : changedAt;
        return true;
    }

    /**
     * @param now the time
     * @param window how long a before/after is kept
     * @return whether this is an experiment now: a split, or a before/after within its window
     */
    synchronized boolean isExperiment(Instant now, java.time.Duration window) {
        return definition.split() || (changedAt != null && arms.size() > 1 && !now.isAfter(changedAt.plus(window)));
    }

    /**
     * Drops the before arms of a before/after whose window has passed.
     *
     * @param now the time
     * @param window the window
     */
    void expire(Instant now, java.time.Duration window) {
        Instant changed = changedAt;
        if (changed == null || !now.isAfter(changed.plus(window))) {
            // Called on every exchange: nothing to drop, no lock taken.
            return;
        }
        synchronized (this) {
            if (!definition.split() && changedAt != null && now.isAfter(changedAt.plus(window))) {
                Map<String, ArmStats> a = new LinkedHashMap<>();
                String current = definition.targets().get(0);
                a.put(current, arms.get(current));
                arms = a;
                changedAt = null;
            }
        }
    }
}
