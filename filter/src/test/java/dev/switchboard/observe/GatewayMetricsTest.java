package dev.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Endpoint;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Listeners;
import dev.switchboard.exchange.Usage;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The metrics listener's label values (SPEC section 13): configured names or {@code other}, never what a client made up. */
final class GatewayMetricsTest {

    private static final SwitchboardConfig CONFIG = new ConfigLoader(name -> null).parse("""
            providers:
              up: {type: openai-compatible, base_url: "http://127.0.0.1:1", api_key: k, models: [ok]}
            default_provider: up
            virtual_models:
              - {source: alias, targets: [up/ok, up/other]}
            """);

    @Test
    void shouldKeepTheSeriesBoundedWhatever10000ClientsCallTheirModels() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry)));
        for (int i = 0; i < 10_000; i++) {
            run(listeners, "made-up-" + i + "-" + Integer.toHexString(i * 7919), i % 3 == 0 ? 500 : 200, "user-" + i);
        }
        run(listeners, "alias", 200, "alice");
        run(listeners, "up/ok", 200, "bob");

        long durationSeries = registry.getMeters().stream()
                .filter(m -> m.getId().getName().equals("gen_ai.server.request.duration")).count();
        // made-up names: two error types (none, 500); alias and up/ok: one each.
        assertThat(durationSeries).isEqualTo(4);
        // A series is a name and its labels; a histogram's buckets (le) are parts of one series.
        long series = registry.getMeters().stream()
                .map(m -> m.getId().getName().replace(".histogram", "") + m.getId().getTags().stream()
                        .filter(t -> !t.getKey().equals("le")).toList())
                .distinct().count();
        assertThat(series).isLessThan(20);
        assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags()).allSatisfy(t ->
                assertThat(t.getValue()).doesNotContain("made-up", "user-", "alice", "bob"));
        Meter alias = registry.find("gen_ai.server.request.duration").tag("gen_ai.original.model", "alias").meter();
        assertThat(alias).isNotNull();
        assertThat(alias.getId().getTag("switchboard.virtual_model")).isEqualTo("alias");
        assertThat(alias.getId().getTag("switchboard.target")).isIn("up/ok", "up/other");
        assertThat(registry.find("gen_ai.server.request.duration").tag("gen_ai.original.model", "other")
                .tag("error.type", "500").timer().count()).isEqualTo(3334);
    }

    @Test
    void shouldShowTheVersionInUseWithoutAWarningWhenAnInvalidEditIsUndone(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        String good = "providers:\n  up: {type: openai-compatible, base_url: \"http://127.0.0.1:1\"}\ndefault_provider: up\n";
        Files.writeString(file, good, StandardCharsets.UTF_8);
        ch.qos.logback.classic.Logger micrometer = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.micrometer");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        micrometer.addAppender(events);
        micrometer.setLevel(Level.WARN);
        try (LiveConfig live = LiveConfig.load(file, new ConfigLoader(name -> null))) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new GatewayMetrics(registry).bind(live);
            String version = live.snapshot().version();

            Files.writeString(file, good + "oops: [\n", StandardCharsets.UTF_8);
            live.reload();
            Files.writeString(file, good, StandardCharsets.UTF_8);
            live.reload();

            assertThat(registry.get("switchboard.config.reloads").tag("result", "failure").counter().count()).isEqualTo(1);
            assertThat(registry.get("switchboard.config.reloads").tag("result", "success").counter().count()).isEqualTo(1);
            assertThat(registry.find("switchboard.config.info").gauges()).singleElement()
                    .satisfies(g -> assertThat(g.getId().getTag("version")).isEqualTo(version))
                    .extracting(Gauge::value).isEqualTo(1.0);
        } finally {
            micrometer.detachAppender(events);
            micrometer.setLevel(null);
        }
        assertThat(events.list).isEmpty();
    }

    @Test
    void shouldRecordTheCachedCacheWriteAndReasoningTokensAResponseStatedAndNoneItDidNot() {
        // What a cost dashboard needs beside input and output: cache reads are billed below plain input, cache
        // writes (Anthropic's cache_creation_input_tokens) above it.
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry)));
        run(listeners, "alias", 200, "alice", new Usage(25L, 9L, 7L, 3L, 100L, "stop"));
        run(listeners, "alias", 200, "bob", new Usage(40L, 2L, 11L, null, null, "stop"));
        run(listeners, "up/ok", 200, "carol", new Usage(5L, 7L, null, null, null, "stop"));

        // alias has two targets: its summaries are summed over both.
        assertThat(part(registry, "cached", d -> d.count())).isEqualTo(2.0);
        assertThat(part(registry, "cached", d -> d.totalAmount())).isEqualTo(18.0);
        assertThat(part(registry, "cache_write", d -> d.count())).isEqualTo(1.0);
        assertThat(part(registry, "cache_write", d -> d.totalAmount())).isEqualTo(100.0);
        assertThat(part(registry, "reasoning", d -> d.totalAmount())).isEqualTo(3.0);
        assertThat(registry.find("switchboard.token.usage").tag("gen_ai.original.model", "up/ok").meters())
                .as("a response that stated no part records none, not a zero").isEmpty();
        assertThat(registry.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "input")
                .tag("gen_ai.original.model", "alias").summaries().stream().mapToDouble(d -> d.totalAmount()).sum())
                .isEqualTo(65.0);
    }

    // An observability probe: exchanges with no first byte (refusals, the gateway's own errors) made a time-to-first-token
    // series of count 0 whose _max read a first byte at 0 s.
    @Test
    void shouldMakeNoTimeToFirstTokenSeriesForExchangesThatHadNoFirstByte() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry)));
        Exchange refused = start(listeners, CONFIG, "up/ok", "alice");
        refused.recorder().complete(403);
        run(listeners, "up/ok", 200, "bob");

        assertThat(registry.find("gen_ai.server.request.duration").timers()).extracting(t -> t.getId().getTag("error.type"))
                .containsExactlyInAnyOrder("403", "");
        assertThat(registry.find("gen_ai.server.time_to_first_token").timers())
                .as("one series, the answered exchange's").singleElement()
                .satisfies(t -> assertThat(t.count()).isEqualTo(1));
    }

    // Regression: a name dropped from the rules kept its series until a restart; admin churn with traffic grew a scrape
    // to 57 MB. Now a swap removes them, and an exchange that outlived the swap does not bring them back.
    @Test
    void shouldDropTheSeriesOfEveryNameASwapRemovedAndNeverBringThemBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        try (LiveConfig live = oneTarget(file, "first")) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry).bind(live)));
            run(listeners, live.get(), "alias", List.of(502, 200), "alice");
            // Decided under the first rules; it ends after every change below (a long stream).
            Exchange late = start(listeners, live.get(), "alias", "bob");
            for (int i = 0; i < 50; i++) {
                retarget(live, file, "m" + i);
                run(listeners, live.get(), "alias", List.of(502, 200), "user-" + i);
            }
            end(late, 200);

            assertThat(registry.find("gen_ai.server.request.duration").timers())
                    .extracting(t -> t.getId().getTag("switchboard.target") + " " + t.count())
                    .containsExactlyInAnyOrder("up/m49 1", "other 1");
            assertThat(registry.find("switchboard.failovers").counters())
                    .extracting(c -> c.getId().getTag("switchboard.target") + " " + c.count())
                    .containsExactly("up/m49 1.0");
            assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags())
                    .noneSatisfy(t -> assertThat(t.getValue()).matches("up/(first|m[0-9]|m[0-3][0-9]|m4[0-8])"));
            // Usage of the late exchange went to its "other" series: not a new series of the dropped target.
            assertThat(registry.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "input").summaries())
                    .extracting(d -> d.getId().getTag("switchboard.target")).containsExactlyInAnyOrder("up/m49", "other");
        }
    }

    // Regression (probe): an exchange that found its label set's meters just before a swap removed them made its token
    // histograms after it: series of dropped names that stayed registered for good (about 2 names in 600 changes).
    @Test
    void shouldLeaveNoSeriesOfADroppedNameWhileExchangesEndDuringTheSwaps(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        try (LiveConfig live = oneTarget(file, "t0")) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry).bind(live)));
            java.util.concurrent.atomic.AtomicBoolean swapping = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<Thread> ending = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    while (swapping.get()) {
                        run(listeners, live.get(), "alias", List.of(200), "u");
                    }
                });
                thread.start();
                ending.add(thread);
            }
            for (int i = 1; i <= 300; i++) {
                retarget(live, file, "t" + i);
            }
            swapping.set(false);
            for (Thread thread : ending) {
                thread.join();
            }
            // Every exchange has ended: one more swap, and only its name may be left.
            retarget(live, file, "last");

            assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags())
                    .extracting(t -> t.getValue()).filteredOn(v -> v.startsWith("up/"))
                    .as("series of names the last swap dropped").isEmpty();
        }
    }

    // Regression (review): the swap's removal ran while an exchange was being recorded, between finding its meters and
    // recording its usage, and the token histograms were made after it: series of a dropped name, registered for good.
    // The registry's clock runs the swap inside the exchange's recording, where a scheduler would, rarely.
    @Test
    void shouldMakeNoSeriesOfANameASwapDroppedWhileItsExchangeWasRecorded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        AtomicReference<Runnable> duringRecording = new AtomicReference<>();
        io.micrometer.core.instrument.Clock clock = new io.micrometer.core.instrument.Clock() {
            @Override
            public long wallTime() {
                Runnable swap = duringRecording.getAndSet(null);
                if (swap != null) {
                    swap.run();
                }
                return System.currentTimeMillis();
            }

            @Override
            public long monotonicTime() {
                return System.nanoTime();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry(io.micrometer.core.instrument.simple.SimpleConfig.DEFAULT, clock);
        try (LiveConfig live = oneTarget(file, "first")) {
            Listeners listeners = Listeners.of(List.of(new GatewayMetrics(registry).bind(live)));
            // The label set's meters exist (an exchange without usage made them) before the one that is recorded.
            Exchange first = start(listeners, live.get(), "alias", "alice");
            first.recorder().attempt(new Attempt(1, first.decision().chosen(), 200, null, 1_000_000));
            first.recorder().complete(200);
            Exchange second = start(listeners, live.get(), "alias", "bob");
            second.recorder().attempt(new Attempt(1, second.decision().chosen(), 200, null, 1_000_000));
            duringRecording.set(() -> retarget(live, file, "second"));

            end(second, 200);

            assertThat(duringRecording.get()).as("the swap ran inside the recording").isNull();
            assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags()).extracting(t -> t.getValue())
                    .doesNotContain("up/first");
        }
    }

    /** A config of one redirect, {@code alias} to {@code up/TARGET}. */
    private static final String ONE_TARGET = "providers:\n  up: {type: openai-compatible, base_url: \"http://127.0.0.1:1\","
            + " api_key: k}\ndefault_provider: up\nvirtual_models:\n  - {source: alias, targets: [up/%s]}\n";

    private static LiveConfig oneTarget(Path file, String target) throws java.io.IOException {
        Files.writeString(file, ONE_TARGET.formatted(target), StandardCharsets.UTF_8);
        return LiveConfig.load(file, new ConfigLoader(name -> null));
    }

    /** Swaps in {@code alias} to {@code up/TARGET}. */
    private static void retarget(LiveConfig live, Path file, String target) {
        try {
            Files.writeString(file, ONE_TARGET.formatted(target), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        live.reload();
    }

    private static double part(SimpleMeterRegistry registry, String type,
                               java.util.function.ToDoubleFunction<io.micrometer.core.instrument.DistributionSummary> value) {
        return registry.get("switchboard.token.usage").tag("gen_ai.original.model", "alias")
                .tag("switchboard.token.type", type).summaries().stream().mapToDouble(value).sum();
    }

    private static void run(Listeners listeners, String model, int status, String user) {
        run(listeners, model, status, user, new Usage(5L, 7L, null, null, null, "stop"));
    }

    private static void run(Listeners listeners, SwitchboardConfig config, String model, List<Integer> statuses,
                            String user) {
        Exchange e = start(listeners, config, model, user);
        for (int i = 0; i < statuses.size(); i++) {
            e.recorder().attempt(new Attempt(i + 1, e.decision().chosen(), statuses.get(i), null, 1_000_000));
        }
        end(e, statuses.get(statuses.size() - 1));
    }

    private static Exchange start(Listeners listeners, SwitchboardConfig config, String model, String user) {
        Caller caller = Caller.ofPath("/" + user);
        Decision d = Resolver.resolve(config.rules(), model, caller, Picker.create());
        return Exchange.start(user, "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, config, caller,
                List.of(), listeners).withDecision(d, null);
    }

    private static void end(Exchange e, int status) {
        e.recorder().firstByte();
        e.recorder().usage(new Usage(5L, 7L, null, null, null, "stop"));
        e.recorder().complete(status);
    }

    private static void run(Listeners listeners, String model, int status, String user, Usage usage) {
        Caller caller = Caller.ofPath("/" + user);
        Decision d = Resolver.resolve(CONFIG.rules(), model, caller, Picker.create());
        Exchange e = Exchange.start(user, "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, CONFIG, caller,
                List.of(), listeners).withDecision(d, null);
        e.recorder().attempt(new Attempt(1, d.chosen(), status, null, 1_000_000));
        e.recorder().firstByte();
        e.recorder().usage(usage);
        e.recorder().complete(status);
    }
}
