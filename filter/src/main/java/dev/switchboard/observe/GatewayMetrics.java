package dev.switchboard.observe;

import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.exchange.Usage;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.live.Snapshot;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Provider;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's metrics (SPEC section 13) on a Micrometer {@link MeterRegistry}, named after the
 * OpenTelemetry GenAI conventions:
 * <ul>
 *   <li>{@code gen_ai.server.request.duration} (seconds, histogram): every exchange;</li>
 *   <li>{@code gen_ai.server.time_to_first_token} (seconds, histogram): exchanges whose response started;</li>
 *   <li>{@code gen_ai.client.token.usage} (tokens, histogram, {@code gen_ai.token.type} = input | output):
 *       usage the response stated (unknown usage records nothing, never zero);</li>
 *   <li>{@code switchboard.token.usage} (tokens, histogram, {@code switchboard.token.type} = cached | cache_write |
 *       reasoning), the same labels: the parts of that usage the response stated, as the access log's
 *       {@code cached_tokens}, {@code cache_write_tokens} and {@code reasoning_tokens} (outside the GenAI meter, whose
 *       types add up to the tokens billed);</li>
 *   <li>{@code switchboard.decisions} ({@code outcome}): every decision;</li>
 *   <li>{@code switchboard.failovers} ({@code switchboard.virtual_model}, {@code switchboard.target}: the target
 *       given up on, {@code reason}: its status or error code): every move to the next candidate (SPEC section 11);</li>
 *   <li>{@code switchboard.circuit.state} ({@code switchboard.target}, {@code state} = closed | open | half_open,
 *       value 1 for the state a target's breaker is in, else 0), when bound to {@link CircuitBreakers};</li>
 *   <li>{@code switchboard.config.reloads} ({@code result} = success | failure) and
 *       {@code switchboard.config.info} ({@code version}, value 1), when bound to a {@link LiveConfig}.</li>
 * </ul>
 * The three GenAI meters carry {@code gen_ai.operation.name}, {@code gen_ai.provider.name},
 * {@code gen_ai.request.model} (concrete), {@code gen_ai.original.model} (requested),
 * {@code switchboard.virtual_model}, {@code switchboard.target} and {@code error.type}. Label values come
 * only from the configuration (providers, their static models, virtual-model sources and targets) and
 * fixed sets; any other value is {@code other} and an absent one is empty, so a client sending 10,000
 * different names makes one series, not 10,000. No user, key or session is ever a label.
 *
 * <p>Bound to a {@link LiveConfig} ({@link #bind(LiveConfig)}), the label values are the names of the rules in
 * force, and each swap removes the series of every name the new rules no longer give (a target, a virtual model,
 * a provider dropped): the series follow the configuration, however often it changes. An exchange that outlived
 * the change (a long stream) is labelled with the rules in force at its end, so a dropped name is {@code other}
 * there and never brings its series back. Thread-safe.
 */
public final class GatewayMetrics implements ExchangeListener {

    /** What a label value not taken from the configuration becomes. */
    public static final String OTHER = "other";

    private static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68);
    private static final Duration[] FIRST_TOKEN_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
            0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
        4194304, 16777216, 67108864};
    /** The {@code switchboard.token.type} values, in the order of their slots in {@link Meters}. */
    private static final String[] PARTS = {"cached", "cache_write", "reasoning"};
    /** The API paths whose GenAI operation has a name in the conventions; others are {@code other}. */
    private static final Map<String, String> OPERATIONS = Map.of(
            "/v1/chat/completions", "chat", "/v1/messages", "chat", "/v1/responses", "chat",
            "/v1/completions", "text_completion", "/v1/complete", "text_completion",
            "/v1/embeddings", "embeddings");

    private final MeterRegistry registry;
    /** Bounded as the label values are (configured names, fixed sets). */
    private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();
    /** Decision counters by outcome ordinal, each made on its first decision (no series for outcomes never seen). */
    private final AtomicReferenceArray<Counter> decisions = new AtomicReferenceArray<>(Outcome.values().length);
    /** Failover counters by (virtual model, target given up on, reason); bounded as the labels are. */
    private final ConcurrentHashMap<List<String>, Counter> failovers = new ConcurrentHashMap<>();
    /** The configured names of the last rules seen, computed once per snapshot. */
    private final AtomicReference<Known> known = new AtomicReference<>();
    /** The live configuration whose rules in force give the label values, once bound; else each exchange's own. */
    private volatile LiveConfig live;

    /** @param registry where the meters go */
    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Counts the configuration's reloads and exposes the version in use; from now on, label values are the names of
     * the rules in force, and each swap removes the series of the names it dropped.
     *
     * @param live the live configuration
     * @return this
     */
    public GatewayMetrics bind(LiveConfig live) {
        Counter success = Counter.builder("switchboard.config.reloads").tag("result", "success")
                .description("configuration changes swapped in (file edits, admin writes)").register(registry);
        Counter failure = Counter.builder("switchboard.config.reloads").tag("result", "failure")
                .description("configuration changes refused as invalid; the last good one kept serving").register(registry);
        AtomicReference<Gauge> info = new AtomicReference<>(info(live.snapshot()));
        this.live = live;
        live.addReloadListener((swapped, inUse) -> {
            (swapped ? success : failure).increment();
            if (swapped) {
                removeDropped(known(inUse.config().rules()));
            }
            // Back to the version in use (an invalid edit undone): registering its gauge again would make
            // Micrometer warn of a double registration.
            if (swapped && !inUse.version().equals(info.get().getId().getTag("version"))) {
                registry.remove(info.getAndSet(info(inUse)));
            }
        });
        return this;
    }

    /**
     * Exposes the state of every target's circuit breaker as {@code switchboard.circuit.state}: one series per
     * target and state, 1 for the state it is in. The set of targets follows reloads; states are read at scrape
     * time.
     *
     * @param breakers the node's breakers
     * @return this
     */
    public GatewayMetrics bind(CircuitBreakers breakers) {
        MultiGauge gauge = MultiGauge.builder("switchboard.circuit.state")
                .description("the state of each target's circuit breaker: 1 for the state it is in").register(registry);
        // One registration at a time: two reloads at once (the file's watcher and an admin write) would otherwise
        // interleave their removals and additions of the gauge's series.
        Runnable refresh = () -> {
            synchronized (gauge) {
                registerRows(gauge, breakers);
            }
        };
        breakers.onChange(refresh);
        refresh.run();
        return this;
    }

    private static void registerRows(MultiGauge gauge, CircuitBreakers breakers) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (CircuitBreakers.Breaker b : breakers.breakers()) {
            String target = b.target();
            for (CircuitBreakers.State s : CircuitBreakers.State.values()) {
                rows.add(MultiGauge.Row.of(Tags.of("switchboard.target", target, "state",
                        s.name().toLowerCase(Locale.ROOT)), breakers, x -> x.state(target) == s ? 1 : 0));
            }
        }
        gauge.register(rows, true);
    }

    private Gauge info(Snapshot snapshot) {
        return Gauge.builder("switchboard.config.info", () -> 1).tag("version", snapshot.version())
                .description("the configuration version (sha-256) this node serves").register(registry);
    }

    @Override
    public void onDecision(Exchange exchange) {
        Outcome o = exchange.decision().outcome();
        Counter c = decisions.get(o.ordinal());
        if (c == null) {
            // A race registers the same counter twice: the registry hands back the one it holds.
            c = Counter.builder("switchboard.decisions").tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("model decisions by outcome").register(registry);
            decisions.set(o.ordinal(), c);
        }
        c.increment();
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        // One lookup of the label values' meters, built once: no builder or registry search per request.
        Known names = names(exchange);
        Labels labels = labels(names, exchange, completion);
        Meters m = meters.get(labels);
        if (m == null) {
            m = meters.computeIfAbsent(labels, this::meters);
        }
        m.duration.record(completion.durationNanos(), TimeUnit.NANOSECONDS);
        if (completion.firstByteNanos() >= 0) {
            m.firstToken(completion.firstByteNanos());
        }
        List<Attempt> attempts = completion.attempts();
        for (int i = 0; i < attempts.size() - 1; i++) {
            // Every attempt but the last was given up on: a failover to the next candidate (SPEC section 11).
            failover(names, exchange, attempts.get(i));
        }
        Usage u = completion.usage();
        m.tokens(Meters.INPUT, u.inputTokens());
        m.tokens(Meters.OUTPUT, u.outputTokens());
        m.tokens(Meters.PART, u.cachedTokens());
        m.tokens(Meters.PART + 1, u.cacheCreationTokens());
        m.tokens(Meters.PART + 2, u.reasoningTokens());
        LiveConfig l = live;
        Rules now = l == null ? names.rules : l.get().rules();
        if (now != names.rules) {
            // A swap since the names were read: its removal may have run before this exchange's meters were made.
            removeDropped(known(now));
        }
    }

    private void failover(Known names, Exchange exchange, Attempt given) {
        Decision d = exchange.decision();
        String reason = given.error() != null ? given.error() : given.status() > 0 ? Integer.toString(given.status()) : OTHER;
        List<String> labels = List.of(names.model(d == null ? null : d.redirect()), names.model(given.candidate().model()),
                reason);
        failovers.computeIfAbsent(labels, l -> Counter.builder("switchboard.failovers")
                .tag("switchboard.virtual_model", l.get(0)).tag("switchboard.target", l.get(1)).tag("reason", l.get(2))
                .description("moves to the next candidate after a failed attempt, by the target given up on and why")
                .register(registry)).increment();
    }

    /**
     * The GenAI labels of one exchange, in the order of {@link #meters(Labels)}'s tags. Its values are the
     * configuration's own strings (see {@link Known}), so equal labels compare by reference; the hash is
     * computed once. (A record's generated equals and hashCode showed as 2 % of the proxy's samples.)
     */
    private static final class Labels {
        final String operation;
        final String provider;
        final String requestModel;
        final String originalModel;
        final String virtualModel;
        final String target;
        final String error;
        private final int hash;

        Labels(String operation, String provider, String requestModel, String originalModel, String virtualModel,
               String target, String error) {
            this.operation = operation;
            this.provider = provider;
            this.requestModel = requestModel;
            this.originalModel = originalModel;
            this.virtualModel = virtualModel;
            this.target = target;
            this.error = error;
            int h = operation.hashCode();
            for (String v : new String[] {provider, requestModel, originalModel, virtualModel, target, error}) {
                h = 31 * h + v.hashCode();
            }
            this.hash = h;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Labels l && hash == l.hash && operation.equals(l.operation) && provider.equals(l.provider)
                    && requestModel.equals(l.requestModel) && originalModel.equals(l.originalModel)
                    && virtualModel.equals(l.virtualModel) && target.equals(l.target) && error.equals(l.error);
        }
    }

    /**
     * The meters of one label set. The time to first token and the token histograms are made on the first sample they
     * record: label sets whose exchanges never had a first byte or never stated usage (denials, errors) get no such
     * series, not series of zero (whose {@code _max} would read a first byte at 0 s).
     */
    private final class Meters {
        /** The slots of {@link #tokens}: input, output, then the parts in {@link #PARTS}' order. */
        static final int INPUT = 0;
        static final int OUTPUT = 1;
        static final int PART = 2;

        final Tags tags;
        final Timer duration;
        /** Made on the first exchange of these labels that had a first byte. */
        private volatile Timer firstToken;
        /** The token histograms by slot, each made on first use. */
        private final AtomicReferenceArray<DistributionSummary> tokens = new AtomicReferenceArray<>(PART + PARTS.length);
        /** Guarded by this: the series were removed ({@link #remove}); no token histogram is made after. */
        private boolean removed;

        Meters(Labels l) {
            tags = Tags.of("gen_ai.operation.name", l.operation, "gen_ai.provider.name", l.provider,
                    "gen_ai.request.model", l.requestModel, "gen_ai.original.model", l.originalModel,
                    "switchboard.virtual_model", l.virtualModel, "switchboard.target", l.target, "error.type", l.error);
            duration = Timer.builder("gen_ai.server.request.duration").description("the whole exchange, as the client saw it")
                    .serviceLevelObjectives(DURATION_BUCKETS).tags(tags).register(registry);
        }

        /** Records a time to the first byte of the response body. */
        void firstToken(long nanos) {
            Timer t = firstToken;
            if (t == null && (t = makeFirstToken()) == null) {
                // Removed while this exchange was recorded, as for tokens.
                return;
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }

        private synchronized Timer makeFirstToken() {
            if (firstToken == null && !removed) {
                firstToken = Timer.builder("gen_ai.server.time_to_first_token")
                        .description("until the first byte of the response body")
                        .serviceLevelObjectives(FIRST_TOKEN_BUCKETS).tags(tags).register(registry);
            }
            return firstToken;
        }

        /** Records a count of tokens in its slot's histogram; an unknown count ({@code null}) records nothing. */
        void tokens(int slot, Long count) {
            if (count == null) {
                return;
            }
            DistributionSummary d = tokens.get(slot);
            if (d == null && (d = make(slot)) == null) {
                // These series were removed (a swap dropped one of their names) while this exchange was recorded: its
                // sample goes with them. Made now, the histogram would stay registered for good, outside the map.
                return;
            }
            d.record(count);
        }

        private synchronized DistributionSummary make(int slot) {
            DistributionSummary d = tokens.get(slot);
            if (d == null && !removed) {
                d = slot < PART ? tokens("gen_ai.client.token.usage", "tokens per exchange, as the response stated them",
                        "gen_ai.token.type", slot == INPUT ? "input" : "output")
                        : tokens("switchboard.token.usage", "parts of the tokens per exchange, as the response stated them",
                        "switchboard.token.type", PARTS[slot - PART]);
                tokens.set(slot, d);
            }
            return d;
        }

        /** Takes every series of these labels out of the registry, for good. */
        synchronized void remove() {
            removed = true;
            registry.remove(duration);
            if (firstToken != null) {
                registry.remove(firstToken);
            }
            for (int i = 0; i < tokens.length(); i++) {
                if (tokens.get(i) != null) {
                    registry.remove(tokens.get(i));
                }
            }
        }

        /** A token histogram of these labels and one more, the kind of tokens it counts. */
        private DistributionSummary tokens(String name, String description, String typeLabel, String type) {
            return DistributionSummary.builder(name).baseUnit("tokens").description(description)
                    .serviceLevelObjectives(TOKEN_BUCKETS).tags(tags).tag(typeLabel, type).register(registry);
        }
    }

    private Meters meters(Labels l) {
        return new Meters(l);
    }

    private Labels labels(Known names, Exchange exchange, Completion completion) {
        Decision d = exchange.decision();
        Attempt last = completion.attempts().isEmpty() ? null : completion.attempts().get(completion.attempts().size() - 1);
        String concrete = last != null ? last.candidate().model() : d != null ? d.concrete() : null;
        String provider = last != null ? last.candidate().provider() : d != null ? d.provider()
                : exchange.candidates().isEmpty() ? null : exchange.candidates().get(0).provider();
        String error = completion.errorCode() != null ? completion.errorCode()
                : completion.status() >= 400 ? Integer.toString(completion.status())
                : completion.status() == 0 ? Completion.CLIENT_DISCONNECTED : "";
        return new Labels(OPERATIONS.getOrDefault(exchange.path(), OTHER), names.provider(provider), names.model(concrete),
                names.model(d == null ? null : d.requested()), names.model(d == null ? null : d.redirect()),
                names.model(d == null || d.redirect() == null ? null : d.target()), error);
    }

    /**
     * @return the names label values may take for this exchange: those of the rules in force when bound to a live
     *     configuration (an exchange decided with older rules may outlive them), else those of its own rules
     */
    private Known names(Exchange exchange) {
        LiveConfig l = live;
        return known(l != null ? l.get().rules() : exchange.config().rules());
    }

    /**
     * Removes the series (and the cached meters) of every label set with a name {@code names} does not give: what a
     * swap dropped. One at a time; a removal that finds nothing to remove is harmless.
     */
    private synchronized void removeDropped(Known names) {
        meters.entrySet().removeIf(e -> {
            if (names.gives(e.getKey())) {
                return false;
            }
            e.getValue().remove();
            return true;
        });
        failovers.entrySet().removeIf(e -> {
            List<String> l = e.getKey();
            if (names.givesModel(l.get(0)) && names.givesModel(l.get(1))) {
                return false;
            }
            registry.remove(e.getValue());
            return true;
        });
    }

    private Known known(Rules rules) {
        Known k = known.get();
        if (k == null || k.rules != rules) {
            k = new Known(rules);
            known.set(k);
        }
        return k;
    }

    /** The names a configuration gives: the only label values besides fixed sets. */
    private static final class Known {
        final Rules rules;
        /** Each name to itself: the configuration's instance of an equal string. */
        final Map<String, String> providers = new HashMap<>();
        final Map<String, String> models = new HashMap<>();

        Known(Rules rules) {
            this.rules = rules;
            for (Provider p : rules.providers().values()) {
                providers.put(p.name(), p.name());
                for (String m : p.models()) {
                    models.put(m, m);
                    String qualified = p.name() + "/" + m;
                    models.put(qualified, qualified);
                }
            }
            for (VirtualModel vm : rules.virtualModels()) {
                models.put(vm.source(), vm.source());
                for (Target t : vm.targets()) {
                    models.put(t.model(), t.model());
                }
                vm.fallbacks().forEach(f -> models.put(f, f));
            }
        }

        String provider(String name) {
            return name == null ? "" : providers.getOrDefault(name, OTHER);
        }

        String model(String name) {
            return name == null ? "" : models.getOrDefault(name, OTHER);
        }

        /** @return whether {@code value}, a model label, is one these rules give (a name, {@code other}, empty) */
        boolean givesModel(String value) {
            return value.isEmpty() || value.equals(OTHER) || models.containsKey(value);
        }

        /** @return whether every name in {@code l} is one these rules give */
        boolean gives(Labels l) {
            return (l.provider.isEmpty() || l.provider.equals(OTHER) || providers.containsKey(l.provider))
                    && givesModel(l.requestModel) && givesModel(l.originalModel) && givesModel(l.virtualModel)
                    && givesModel(l.target);
        }
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return out;
    }
}
