package dev.switchboard.experiments;

import dev.switchboard.admin.AdminException;
import dev.switchboard.admin.AdminExtension;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.exchange.Feedback;
import dev.switchboard.exchange.FeedbackSink;
import dev.switchboard.observe.GatewayMetrics;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.VirtualModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Experiments (SPEC section 10), on this node: a listener that files every exchange of a redirect under
 * its arm, a {@link FeedbackSink} that attaches {@code POST /v1/feedback} scores to the arm of the
 * exchange they name, and the admin endpoints {@code GET /admin/experiments},
 * {@code GET /admin/experiments/{source}} and {@code POST /admin/experiments/{source}/reset} (the source also in the
 * query: {@code GET /admin/experiments?source=NAME}, {@code POST /admin/experiments/reset?source=NAME}).
 *
 * <p>Memory is O(arms), not O(requests), plus the feedback index: at most {@link #MAX_FEEDBACK_REQUESTS}
 * request ids (the oldest go first; the latest half are always kept), each scorable for
 * {@code experiments.feedback_ttl}. Numbers are this node's; across nodes, the
 * metrics (labelled by virtual model and target) aggregate. Thread-safe.
 */
public final class Experiments implements ExchangeListener, FeedbackSink, AdminExtension {

    /** The most request ids kept for feedback; the oldest go first. */
    public static final int MAX_FEEDBACK_REQUESTS = FeedbackIndex.CAPACITY;
    /** How long a score for an exchange still under way waits for its end before it is refused as in progress. */
    public static final Duration FEEDBACK_WAIT = Duration.ofSeconds(1);
    /** The most scores waiting at once (each holds a request thread); more are refused as in progress at once. */
    static final int MAX_WAITING_SCORES = 8;
    private final Supplier<SwitchboardConfig> config;
    private final Clock clock;
    private final ScoreMetric scores;
    private final ConcurrentHashMap<String, Experiment> experiments = new ConcurrentHashMap<>();
    private final AtomicLong epochs = new AtomicLong();
    private final FeedbackIndex<Scorable> feedbackIndex = new FeedbackIndex<>();
    /** The arms of exchanges outside any experiment, by virtual model and target (configured names only). */
    private final ConcurrentHashMap<String, Scorable> outside = new ConcurrentHashMap<>();
    /** The redirects of the last rules seen, by source: recomputed only when the rules change. */
    private volatile Redirects redirects = new Redirects(null, Map.of());
    /**
     * The exchanges decided and not yet complete, by request id and caller (a client may send one id twice, and two
     * callers the same one), with how many: a score can arrive before its exchange is filed (the client has the whole
     * answer before the container reports the exchange's end), and then waits for it, if it comes from its caller.
     */
    private final ConcurrentHashMap<Pending, Integer> inFlight = new ConcurrentHashMap<>();
    private final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(MAX_WAITING_SCORES);

    /** An exchange under way: its request id and its caller (as the feedback index keys them). */
    private record Pending(String requestId, Caller caller) {
    }

    /**
     * @param config the live configuration (its {@code experiments:} settings and redirects)
     * @param clock the time (tests use a fake one)
     * @param scores where {@code switchboard_feedback} goes, or {@code null} for none
     */
    public Experiments(Supplier<SwitchboardConfig> config, Clock clock, ScoreMetric scores) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scores = scores;
    }

    // ---- recording ----------------------------------------------------------------------------------

    @Override
    public void onDecision(Exchange exchange) {
        inFlight.merge(new Pending(exchange.id(), exchange.caller()), 1, Integer::sum);
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        try {
            record(exchange, completion);
        } finally {
            inFlight.computeIfPresent(new Pending(exchange.id(), exchange.caller()), (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void record(Exchange exchange, Completion completion) {
        Decision d = exchange.decision();
        Rules live = config.get().rules();
        // Notices rules that changed (an experiment whose virtual model is gone ends), whatever this exchange was.
        redirects(live);
        if (d == null || completion.attempts().isEmpty()) {
            // Refused by the gateway, or never sent: no arm saw it, and nothing to score.
            return;
        }
        Instant now = clock.instant();
        Experiment experiment = null;
        String target = null;
        if (d.redirect() != null) {
            // Reconciled with the live rules, never with the rules the exchange was decided under: an exchange that
            // began before a change and ends after it would put the old definition back, starting the new one's
            // numbers over (and again at the next exchange of the new rules).
            experiment = current(d.redirect(), live, now, true);
            target = d.target();
            if (target == null) {
                // A caller who may use no arm (a fallback answers it from the start, SPEC 11) is in no arm's
                // population: neither its figures nor its feedback are an arm's.
                experiment = null;
            }
            ArmStats arm = experiment == null ? null : experiment.arm(target);
            if (arm != null && exchange.config().rules() != live
                    && !sameExperiment(redirects(exchange.config().rules()).bySource.get(d.redirect()),
                    experiment.definition())) {
                // Decided under a split that is gone: not this experiment's request (nor its feedback).
                arm = null;
                experiment = null;
            }
            if (arm != null) {
                Caller caller = exchange.caller();
                arm.record(completion, caller == null ? null : caller.stickyIdentity(), now, d.skipped() != null);
            }
        }
        feedbackIndex.put(exchange.id(), exchange.caller(), now.toEpochMilli(), scorable(d.redirect(), target, experiment));
    }

    /** @return the arm an exchange is scored under: one shared object per arm, so the index holds no new one */
    private Scorable scorable(String source, String target, Experiment experiment) {
        if (experiment != null) {
            return experiment.scorable(target);
        }
        if (source == null) {
            return Scorable.NONE;
        }
        return outside.computeIfAbsent(source + "\n" + target, k -> new Scorable(source, target, 0));
    }

    /**
     * The experiment of a redirect under these rules, reconciled with its definition; a read makes no new one of a
     * single-target redirect ({@link #current(String, Rules, Instant, boolean)}).
     */
    private Experiment current(String source, Rules rules, Instant now) {
        return current(source, rules, now, false);
    }

    /**
     * @param exchange whether an exchange of it is being filed: only then is a single-target redirect's experiment made
     *     (its numbers begin with its first exchange; a before/after needs traffic before the change). Made at every
     *     reload and read, each of a store's thousands of aliases held an arm's memory, traffic or not (a probe: 5,000
     *     rows written at once ran a 192 MB node out of memory in the store listener's reload).
     */
    private Experiment current(String source, Rules rules, Instant now, boolean exchange) {
        Experiment.Definition def = redirects(rules).bySource.get(source);
        if (def == null) {
            return null;
        }
        Experiment e = experiments.get(source);
        if (e == null) {
            if (!exchange && !def.split()) {
                return null;
            }
            Experiment fresh = new Experiment(source, epochs.incrementAndGet(), def, now);
            e = experiments.putIfAbsent(source, fresh);
            return e == null ? fresh : e;
        }
        Experiment.Definition was = e.definition();
        if (was != def && !was.equals(def) && !e.retarget(def, now)) {
            // A split's targets, weights or strategy changed: its numbers start over.
            Experiment fresh = new Experiment(source, epochs.incrementAndGet(), def, now);
            experiments.replace(source, e, fresh);
            e = experiments.get(source);
            if (e == null) {
                // A reload that deleted the source removed it meanwhile (a review: a NullPointerException here).
                return null;
            }
        }
        e.expire(now, config.get().experiments().window());
        return e;
    }

    /**
     * @return whether an exchange decided under {@code decided} belongs to the experiment now defined by {@code now}:
     *     the same definition, or a before/after (a target that changed keeps its arm beside the new one)
     */
    private static boolean sameExperiment(Experiment.Definition decided, Experiment.Definition now) {
        return decided != null && (decided.equals(now) || !decided.split() && !now.split());
    }

    /** @return the redirects of these rules: cached for the live ones; older rules' are made afresh (rare) */
    private Redirects redirects(Rules rules) {
        Redirects r = redirects;
        if (r.rules != rules) {
            Map<String, Experiment.Definition> by = new HashMap<>();
            for (VirtualModel vm : rules.virtualModels()) {
                if (vm.isRedirect() && vm.enabled()) {
                    by.put(vm.source(), Experiment.Definition.of(vm));
                }
            }
            r = new Redirects(rules, by);
            if (rules != config.get().rules()) {
                // Rules older than the live ones (a reload landed while this caller held them): used, never cached,
                // and they end no experiment of the newer rules.
                return r;
            }
            redirects = r;
            // A virtual model deleted (or no longer a redirect) ends its experiment, noticed at the next exchange or
            // read of the experiments: made again after that, it starts over.
            experiments.keySet().removeIf(s -> !by.containsKey(s));
        }
        return r;
    }

    private record Redirects(Rules rules, Map<String, Experiment.Definition> bySource, Set<String> names) {

        Redirects(Rules rules, Map<String, Experiment.Definition> bySource) {
            this(rules, bySource, names(rules));
        }

        /** The redirects' sources and targets, disabled ones too: as the gateway's own metrics name them. */
        private static Set<String> names(Rules rules) {
            Set<String> names = new HashSet<>();
            for (VirtualModel vm : rules == null ? List.<VirtualModel>of() : rules.virtualModels()) {
                if (vm.isRedirect()) {
                    names.add(vm.source());
                    vm.targets().forEach(t -> names.add(t.model()));
                }
            }
            return names;
        }

        /**
         * @return a metric label for a virtual model or target: the name when these redirects have it, else
         *     {@code other} (a score for an exchange of a redirect since dropped), empty for none
         */
        String label(String name) {
            return name == null ? "" : names.contains(name) ? name : GatewayMetrics.OTHER;
        }

        /** @return whether {@code label} is one {@link #label} gives */
        boolean labels(String label) {
            return label == null || label.isEmpty() || label.equals(GatewayMetrics.OTHER) || names.contains(label);
        }
    }

    // ---- feedback -----------------------------------------------------------------------------------

    /**
     * The arm an exchange open for a score went to: its virtual model and target ({@code null} outside redirects)
     * and its experiment's {@link Experiment#epoch} (0 outside experiments). Not the experiment itself: the index keeps
     * up to 98,304 exchanges, and each held the experiment it was in, so an experiment reset, redefined or deleted
     * stayed in memory with all its numbers until that many newer exchanges pushed it out (a soak probe: 3,000 resets
     * of a four-arm split, 38 MB).
     */
    record Scorable(String source, String target, long epoch) {
        static final Scorable NONE = new Scorable(null, null, 0);
    }

    @Override
    public Result accept(Feedback feedback, Caller caller) {
        Duration ttl = config.get().experiments().feedbackTtl();
        // Never seen, expired, or another caller's: the same answer, so a guess learns nothing.
        FeedbackIndex.Claim<Scorable> claim = feedbackIndex.claim(feedback.requestId(), caller,
                clock.instant().minus(ttl).toEpochMilli());
        Pending pending = new Pending(feedback.requestId(), caller);
        if (claim.result() == Result.UNKNOWN && inFlight.containsKey(pending)) {
            // Its exchange has not ended here yet: a score sent the moment the answer arrived waits for it (another
            // caller's exchange under way is as unknown to this one as any other id).
            if (!waiting.tryAcquire()) {
                return Result.IN_PROGRESS;
            }
            try {
                if (!awaitEnd(pending)) {
                    return Result.IN_PROGRESS;
                }
            } finally {
                waiting.release();
            }
            claim = feedbackIndex.claim(feedback.requestId(), caller, clock.instant().minus(ttl).toEpochMilli());
        }
        if (claim.result() != Result.RECORDED) {
            return claim.result();
        }
        Scorable s = claim.value();
        Experiment current = s.epoch == 0 ? null : experiments.get(s.source);
        if (current != null && current.scores(s)) {
            ArmStats arm = current.arm(s.target);
            if (arm != null) {
                arm.feedback(feedback.score());
            }
        }
        if (scores != null) {
            Redirects names = redirects(config.get().rules());
            scores.record(names.label(s.source), names.label(s.target), feedback.score());
            if (config.get().rules() != names.rules) {
                // A swap between reading the names and registering: its removal may have run before this registration.
                removeDroppedFeedback();
            }
        }
        return Result.RECORDED;
    }

    /** @return whether the exchange ended within {@link #FEEDBACK_WAIT} (polled: scores are rare, and few wait) */
    private boolean awaitEnd(Pending exchange) {
        long deadline = System.nanoTime() + FEEDBACK_WAIT.toNanos();
        while (inFlight.containsKey(exchange)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Removes the {@code switchboard.feedback} series of virtual models and targets the rules in force no longer
     * have: the series follow the configuration, however often it changes (as the gateway's own metrics do).
     */
    private synchronized void removeDroppedFeedback() {
        Redirects names = redirects(config.get().rules());
        scores.retain((virtualModel, target) -> names.labels(virtualModel) && names.labels(target));
    }

    // ---- reports ------------------------------------------------------------------------------------

    /** @return every experiment now: the splits of the current rules and the before/afters within their window */
    public List<Report.ExperimentView> list() {
        Instant now = clock.instant();
        Rules rules = config.get().rules();
        Duration window = config.get().experiments().window();
        Set<String> sources = new HashSet<>(redirects(rules).bySource.keySet());
        experiments.keySet().removeIf(s -> !sources.contains(s));
        List<Report.ExperimentView> out = new ArrayList<>();
        for (String source : new java.util.TreeSet<>(sources)) {
            Experiment e = current(source, rules, now);
            if (e != null && e.isExperiment(now, window)) {
                out.add(Report.of(e));
            }
        }
        return out;
    }

    /**
     * Reconciles every experiment with the rules in force now: called when a reload swapped them in, so a split whose
     * targets, weights or strategy changed starts its numbers ({@code since}) at the change, not at its next exchange
     * or read, and a deleted one ends then.
     */
    public void reconcile() {
        Instant now = clock.instant();
        Rules rules = config.get().rules();
        for (String source : redirects(rules).bySource.keySet()) {
            current(source, rules, now);
        }
        if (scores != null) {
            removeDroppedFeedback();
        }
    }

    /**
     * @param source a virtual model
     * @return its experiment, or {@code null} when it is none now
     */
    public Report.ExperimentView get(String source) {
        Instant now = clock.instant();
        Experiment e = current(source, config.get().rules(), now);
        return e != null && e.isExperiment(now, config.get().experiments().window()) ? Report.of(e) : null;
    }

    /**
     * Starts an experiment's numbers over. A before/after's before arm is dropped too, which ends it: the
     * answer is its one arm starting over, and it is no experiment afterwards (until its target changes again).
     *
     * @param source a virtual model
     * @return the fresh numbers, or {@code null} when it was no experiment
     */
    public Report.ExperimentView reset(String source) {
        Instant now = clock.instant();
        Experiment.Definition def = redirects(config.get().rules()).bySource.get(source);
        if (def == null || get(source) == null) {
            return null;
        }
        Experiment fresh = new Experiment(source, epochs.incrementAndGet(), def, now);
        experiments.put(source, fresh);
        return Report.of(fresh);
    }

    /** @return how many experiments this node holds numbers for (its memory: a test's look) */
    int held() {
        return experiments.size();
    }

    @Override
    public String prefix() {
        return "/experiments";
    }

    @Override
    public Object handle(String method, String rest, Map<String, String> query) {
        String named = query.get("source");
        if (named != null) {
            // The source in the query: any name, one a container refuses in a path included (Jetty answers 400 to an
            // encoded '%' or '\' there, so "x%y" could be neither shown nor reset).
            if (rest.equals("/reset")) {
                requireMethod(method, "POST");
                return found(named, reset(named));
            }
            if (!rest.isEmpty() && !rest.equals("/")) {
                throw new AdminException(ApiError.ADMIN_NOT_FOUND, "a source is named either in the path or in"
                        + " ?source=, not both: GET /admin/experiments?source=NAME, POST /admin/experiments/reset?source=NAME");
            }
            requireMethod(method, "GET");
            return found(named, get(named));
        }
        if (rest.isEmpty() || rest.equals("/")) {
            requireMethod(method, "GET");
            return list();
        }
        String path = rest.substring(1);
        // By method first: a GET of a source that ends in /reset ("team/reset") shows that experiment.
        if (path.endsWith("/reset") && method.equals("POST")) {
            String source = path.substring(0, path.length() - "/reset".length());
            return found(source, reset(source));
        }
        requireMethod(method, "GET");
        return found(path, get(path));
    }

    private static Object found(String source, Object view) {
        if (view == null) {
            throw new AdminException(ApiError.ADMIN_NOT_FOUND, "no experiment for " + source
                    + " (a redirect with several targets, or one whose target changed within experiments.window)");
        }
        return view;
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new AdminException(ApiError.METHOD_NOT_ALLOWED, allowed);
        }
    }
}
