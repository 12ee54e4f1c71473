package dev.switchboard.exchange;

import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One request the gateway handles (SPEC section 9): who asked, what for, how it was decided, and the
 * body to send. The filter builds it and publishes it as the request attribute {@link #ATTRIBUTE};
 * whoever routes after the filter (the bundled proxy, a host's own proxy) reads that one attribute
 * and never decides again. What happens afterwards (attempts, first byte, usage, the end) is
 * reported to its {@link #recorder()}.
 *
 * <p>Immutable (the recorder is the one moving part, and is thread-safe); {@link #withDecision} makes
 * the next stage's exchange, sharing the id, clock and recorder.
 */
public final class Exchange {

    /** The request attribute under which the filter publishes the exchange. */
    public static final String ATTRIBUTE = "dev.switchboard.exchange";
    /**
     * Request attribute a servlet behind the filter sets to {@link Boolean#TRUE} when it took the connection over and
     * will end the exchange itself ({@link Recorder#complete}): a realtime WebSocket ends at its close, not when the
     * upgrade returns.
     */
    public static final String ENDS_LATER = "dev.switchboard.exchange.endsLater";

    /**
     * A request attribute a container in front of the filter may set: the {@link System#nanoTime()} at which the request
     * arrived (a {@link Long}), when it held the request back before the filter saw it (the bundled proxy waits for the
     * whole body). The exchange then starts there: its time, duration and first byte count that wait too.
     */
    public static final String ARRIVED_NANOS = "dev.switchboard.arrivedNanos";

    private final String id;
    private final long startNanos;
    private final Instant startedAt;
    private final String method;
    private final Endpoint endpoint;
    private final String path;
    private final boolean anthropic;
    private final SwitchboardConfig config;
    private final Caller caller;
    private final Decision decision;
    private final List<Candidate> candidates;
    private final RewritableBody body;
    private final Recorder recorder;

    private Exchange(String id, long startNanos, Instant startedAt, String method, Endpoint endpoint, String path,
                     boolean anthropic, SwitchboardConfig config, Caller caller, Decision decision,
                     List<Candidate> candidates, RewritableBody body, Recorder recorder) {
        this.id = id;
        this.startNanos = startNanos;
        this.startedAt = startedAt;
        this.method = method;
        this.endpoint = endpoint;
        this.path = path;
        this.anthropic = anthropic;
        this.config = config;
        this.caller = caller;
        this.decision = decision;
        this.candidates = candidates;
        this.body = body;
        this.recorder = recorder;
        recorder.bind(this);
    }

    /**
     * Starts an exchange for a request the filter has identified (or failed to identify).
     *
     * @param id the request id ({@link RequestIds#of})
     * @param method the HTTP method as sent
     * @param endpoint what kind of request it is
     * @param path the canonical path of a handled endpoint ({@code /v1/chat/completions}), else the path as sent
     * @param anthropic whether errors take the Anthropic shape
     * @param config the one snapshot this request is decided with, start to end
     * @param caller the caller, or {@code null} when identification failed
     * @param candidates where a request without a model goes (empty when nowhere, or not yet decided)
     * @param listeners who observes it
     * @return the exchange, without a decision
     */
    public static Exchange start(String id, String method, Endpoint endpoint, String path, boolean anthropic,
                                 SwitchboardConfig config, Caller caller, List<Candidate> candidates,
                                 Listeners listeners) {
        return start(id, method, endpoint, path, anthropic, config, caller, candidates, listeners, null);
    }

    /**
     * As {@link #start(String, String, Endpoint, String, boolean, SwitchboardConfig, Caller, List, Listeners)}, from when
     * the request arrived.
     *
     * @param arrivedNanos the {@link System#nanoTime()} at which the request arrived ({@link #ARRIVED_NANOS}), or
     *     {@code null} for now
     * @return the exchange, without a decision
     */
    public static Exchange start(String id, String method, Endpoint endpoint, String path, boolean anthropic,
                                 SwitchboardConfig config, Caller caller, List<Candidate> candidates,
                                 Listeners listeners, Long arrivedNanos) {
        long now = System.nanoTime();
        Instant wall = Instant.now();
        long start = now;
        if (arrivedNanos != null && now - arrivedNanos > 0) {
            start = arrivedNanos;
            wall = wall.minusNanos(now - arrivedNanos);
        }
        return new Exchange(Objects.requireNonNull(id, "id"), start, wall, method, endpoint, path, anthropic,
                Objects.requireNonNull(config, "config"), caller, null, List.copyOf(candidates), null,
                new Recorder(listeners, start));
    }

    /**
     * The exchange once its model is resolved; tells the listeners ({@code onDecision}).
     *
     * @param decision the decision
     * @param body the body to send, or {@code null} when the decision does not allow sending one
     * @return the decided exchange (same id, clock and recorder)
     */
    public Exchange withDecision(Decision decision, RewritableBody body) {
        return withDecision(decision, body, decision.candidates());
    }

    /**
     * The exchange once decided, with only some of the decision's candidates to try (a request with
     * several models, whose other models were decided for the chosen provider, has no other).
     *
     * @param decision the decision
     * @param body the rewritten body, or {@code null} when the request is rejected
     * @param candidates the routes to try, in order
     * @return the decided exchange
     */
    public Exchange withDecision(Decision decision, RewritableBody body, List<Candidate> candidates) {
        Exchange next = new Exchange(id, startNanos, startedAt, method, endpoint, path, anthropic, config, caller,
                Objects.requireNonNull(decision, "decision"), List.copyOf(candidates), body, recorder);
        recorder.decided();
        return next;
    }

    /**
     * The exchange refused before its model was decided: it goes nowhere, so no provider is charged with it (the
     * access log's {@code provider} is null, the metrics' provider label empty).
     *
     * @return this exchange without candidates (same id, clock and recorder), or this one when it has none or was
     *     decided after all (an error sent with the exchange as it was before its decision keeps the decision)
     */
    public Exchange unrouted() {
        return candidates.isEmpty() || recorder.hasDecision() ? this : new Exchange(id, startNanos, startedAt, method,
                endpoint, path, anthropic, config, caller, decision, List.of(), body, recorder);
    }

    /** @return the request id ({@code X-Switchboard-Request-Id}) */
    public String id() {
        return id;
    }

    /** @return {@link System#nanoTime()} when the exchange started */
    public long startNanos() {
        return startNanos;
    }

    /** @return the wall-clock time the exchange started */
    public Instant startedAt() {
        return startedAt;
    }

    /** @return the HTTP method as sent */
    public String method() {
        return method;
    }

    /** @return what kind of request it is */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** @return the canonical path of a handled endpoint, else the path below the context as sent */
    public String path() {
        return path;
    }

    /** @return whether the gateway's errors take the Anthropic shape ({@code /v1/messages*}, or {@code anthropic-version} on the models list) */
    public boolean anthropic() {
        return anthropic;
    }

    /** @return the configuration snapshot this request is decided and routed with */
    public SwitchboardConfig config() {
        return config;
    }

    /** @return the caller, or {@code null} when it could not be identified (401 / 400) */
    public Caller caller() {
        return caller;
    }

    /** @return the decision, or {@code null} for a request without a model (or one rejected before) */
    public Decision decision() {
        return decision;
    }

    /**
     * @return where the request may go, in the order to try: the decision's candidates, or for a request
     *     without a model {@code default_provider} (empty when there is none)
     */
    public List<Candidate> candidates() {
        return candidates;
    }

    /** @return the body to send (rewritten), or {@code null} when the request's own stream is forwarded */
    public RewritableBody body() {
        return body;
    }

    /** @return where attempts, the first byte, usage and the end are reported */
    public Recorder recorder() {
        return recorder;
    }

    @Override
    public String toString() {
        return "Exchange[" + id + " " + method + " " + path + (decision == null ? "" : " " + decision.requested()
                + " -> " + decision.concrete() + " " + decision.outcome()) + "]";
    }
}
