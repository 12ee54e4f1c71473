package dev.switchboard.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.error.ApiError;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The exchange record, its recorder and the listener containment, without a server. */
final class ExchangeTest {

    private static final SwitchboardConfig CONFIG = new ConfigLoader(name -> null).parse("""
            providers:
              openai: {type: openai, api_key: sk-test}
              files: {type: openai-compatible, base_url: "http://127.0.0.1:1"}
            default_provider: files
            virtual_models:
              - {source: smart, targets: [openai/a, openai/b, openai/c]}
              - {source: openai/c, enabled: false}
            """);

    private static Exchange start(Listeners listeners) {
        return Exchange.start("id-1", "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, CONFIG,
                Caller.ofPath("/team"), List.of(), listeners);
    }

    @Test
    void shouldKeepIdClockAndRecorderAcrossTheDecision() {
        Exchange started = start(Listeners.NONE);
        Decision d = Resolver.resolve(CONFIG.rules(), "smart", Caller.ofPath("/team"), Picker.create());

        Exchange decided = started.withDecision(d, null);

        assertThat(decided.id()).isEqualTo("id-1");
        assertThat(decided.startNanos()).isEqualTo(started.startNanos());
        assertThat(decided.recorder()).isSameAs(started.recorder());
        assertThat(decided.config()).isSameAs(CONFIG);
        assertThat(started.decision()).isNull();
        assertThat(decided.decision()).isSameAs(d);
        assertThat(decided.candidates()).isEqualTo(d.candidates());
    }

    @Test
    void shouldChargeAnUndecidedRefusalToNoProviderButKeepADecisionMadeMeanwhile() {
        RecordingListener recording = new RecordingListener();
        Listeners listeners = Listeners.of(List.of(recording));
        // Refused before its model was known: it goes nowhere, not to default_provider.
        Exchange refused = Exchange.start("refused", "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, CONFIG,
                Caller.ofPath("/team"), Resolver.withoutModel(CONFIG.rules()), listeners);
        assertThat(refused.candidates()).extracting(c -> c.provider()).containsExactly("files");
        refused.unrouted().recorder().complete(400);
        assertThat(recording.of("refused")).filteredOn(e -> e.kind().equals("complete")).singleElement()
                .satisfies(e -> assertThat(e.exchange().candidates()).isEmpty());

        // An error sent with the exchange as it was before its decision (the filter's catch-all) keeps the decision.
        Exchange started = Exchange.start("decided", "POST", Endpoint.JSON_MODEL, "/v1/chat/completions", false, CONFIG,
                Caller.ofPath("/team"), Resolver.withoutModel(CONFIG.rules()), listeners);
        Decision d = Resolver.resolve(CONFIG.rules(), "openai/a", Caller.ofPath("/team"), Picker.create());
        started.withDecision(d, null);
        started.unrouted().recorder().complete(500);
        assertThat(recording.of("decided")).filteredOn(e -> e.kind().equals("complete")).singleElement()
                .satisfies(e -> assertThat(e.exchange().decision()).isSameAs(d));
    }

    @Test
    void shouldListEveryTargetAsACandidateWithTheChosenOneFirstAndEachCheckedForTheCaller() {
        Decision d = Resolver.resolve(CONFIG.rules(), "smart", Caller.ofPath("/team"), Picker.create());

        assertThat(d.candidates()).hasSize(3);
        assertThat(d.candidates().get(0).model()).isEqualTo(d.concrete());
        assertThat(d.candidates()).extracting(c -> c.model()).containsExactlyInAnyOrder("openai/a", "openai/b", "openai/c");
        assertThat(d.candidates()).filteredOn(c -> c.model().equals("openai/c"))
                .singleElement().satisfies(c -> assertThat(c.outcome()).isEqualTo(Outcome.DISABLED));
        assertThat(d.candidates()).filteredOn(c -> !c.model().equals("openai/c"))
                .allSatisfy(c -> assertThat(c.allowed()).isTrue());
    }

    @Test
    void shouldOrderStickyCandidatesTheSameWayForTheSameCaller() {
        Caller caller = Caller.ofPath("/team/alice");
        List<String> first = Resolver.resolve(CONFIG.rules(), "smart", caller, Picker.create()).candidates().stream()
                .map(c -> c.model()).toList();
        for (int i = 0; i < 20; i++) {
            assertThat(Resolver.resolve(CONFIG.rules(), "smart", caller, Picker.create()).candidates())
                    .extracting(c -> c.model()).containsExactlyElementsOf(first);
        }
    }

    @Test
    void shouldSendARequestWithoutAModelToTheDefaultProvider() {
        assertThat(Resolver.withoutModel(CONFIG.rules())).singleElement().satisfies(c -> {
            assertThat(c.provider()).isEqualTo("files");
            assertThat(c.model()).isNull();
            assertThat(c.allowed()).isTrue();
        });
        SwitchboardConfig none = new ConfigLoader(name -> null).parse("providers: {openai: {type: openai, api_key: k}}");
        assertThat(Resolver.withoutModel(none.rules())).isEmpty();
    }

    @Test
    void shouldReportEventsInOrderAndCompleteOnlyOnce() throws InterruptedException {
        RecordingListener recording = new RecordingListener();
        Exchange started = start(Listeners.of(List.of(recording)));
        Decision d = Resolver.resolve(CONFIG.rules(), "openai/a", Caller.ofPath("/team"), Picker.create());
        Exchange decided = started.withDecision(d, null);
        Recorder r = decided.recorder();
        r.attempt(new Attempt(r.nextAttemptNumber(), d.chosen(), 200, null, 5));
        r.firstByte();
        r.firstByte();
        r.usage(new Usage(10L, 2L, null, null, null, "stop"));

        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                r.complete(200);
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        assertThat(recording.kinds("id-1")).containsExactly("decision", "attempt", "first_byte", "usage", "complete");
        Completion c = recording.completion("id-1");
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.errorCode()).isNull();
        assertThat(c.attempts()).singleElement().satisfies(a -> assertThat(a.number()).isEqualTo(1));
        assertThat(c.firstByteNanos()).isNotNegative().isLessThanOrEqualTo(c.durationNanos());
        assertThat(c.usage().inputTokens()).isEqualTo(10L);
        assertThat(c.usage().cachedTokens()).isNull();
        assertThat(r.nextAttemptNumber()).isEqualTo(2);
        // Every event saw the decided exchange.
        assertThat(recording.of("id-1")).allSatisfy(e -> assertThat(e.exchange()).isSameAs(decided));
    }

    @Test
    void shouldRecordTheGatewaysOwnErrorCode() {
        RecordingListener recording = new RecordingListener();
        Exchange e = start(Listeners.of(List.of(recording)));
        e.recorder().error(ApiError.INVALID_JSON.with());
        e.recorder().complete(400);

        Completion c = recording.completion("id-1");
        assertThat(c.errorCode()).isEqualTo("invalid_json");
        assertThat(c.attempts()).isEmpty();
        assertThat(c.firstByteNanos()).isEqualTo(-1);
        assertThat(c.usage()).isEqualTo(Usage.UNKNOWN);
        assertThat(recording.kinds("id-1")).containsExactly("complete");
    }

    @Test
    void shouldRecordACutResponseAsAnErrorWithTheFirstCauseReported() {
        RecordingListener recording = new RecordingListener();
        Exchange e = start(Listeners.of(List.of(recording)));
        e.recorder().firstByte();
        e.recorder().cut("upstream_unavailable");
        e.recorder().cut(Completion.CLIENT_DISCONNECTED);
        e.recorder().complete(200);

        Completion c = recording.completion("id-1");
        assertThat(c.status()).as("the status the client got").isEqualTo(200);
        assertThat(c.cut()).isTrue();
        assertThat(c.errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldNotMarkACompleteResponseAsCut() {
        RecordingListener recording = new RecordingListener();
        Exchange e = start(Listeners.of(List.of(recording)));
        e.recorder().complete(200);

        assertThat(recording.completion("id-1").cut()).isFalse();
    }

    @Test
    void shouldContainAListenerThatThrowsAndStillCallTheOthers() {
        AtomicInteger calls = new AtomicInteger();
        ExchangeListener broken = new ExchangeListener() {
            @Override
            public void onDecision(Exchange exchange) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                calls.incrementAndGet();
                throw new IllegalArgumentException("another listener bug");
            }
        };
        RecordingListener recording = new RecordingListener();
        Exchange e = start(Listeners.of(List.of(broken, recording)));
        Decision d = Resolver.resolve(CONFIG.rules(), "openai/a", Caller.ofPath("/team"), Picker.create());

        e.withDecision(d, null).recorder().complete(200);

        assertThat(calls).hasValue(2);
        assertThat(recording.kinds("id-1")).containsExactly("decision", "complete");
    }

    /** Handles two events; the others are the interface's defaults. */
    private static class TwoEvents implements ExchangeListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onFirstByte(Exchange exchange, long nanosSinceStart) {
            seen.add("first_byte " + (nanosSinceStart >= 0));
        }

        @Override
        public void onComplete(Exchange exchange, Completion completion) {
            seen.add("complete " + completion.status());
        }
    }

    @Test
    void shouldCallAListenerForTheEventsItOverridesAlsoWhenInherited() {
        TwoEvents direct = new TwoEvents();
        TwoEvents inherited = new TwoEvents() { };
        RecordingListener recording = new RecordingListener();
        Exchange e = start(Listeners.of(List.of(direct, inherited, recording)));
        Decision d = Resolver.resolve(CONFIG.rules(), "openai/a", Caller.ofPath("/team"), Picker.create());
        Recorder r = e.withDecision(d, null).recorder();

        r.attempt(new Attempt(1, d.candidates().get(0), 200, null, 5));
        r.firstByte();
        r.usage(Usage.UNKNOWN);
        r.complete(200);

        assertThat(direct.seen).containsExactly("first_byte true", "complete 200");
        assertThat(inherited.seen).containsExactly("first_byte true", "complete 200");
        assertThat(recording.kinds("id-1")).containsExactly("decision", "attempt", "first_byte", "usage", "complete");
    }

    @Test
    void shouldResplicateOnlyTheModelForAnotherCandidate() {
        byte[] client = "{\"model\":\"smart\", \"n\":1.00}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        dev.switchboard.body.ModelField field = new dev.switchboard.body.JsonModelLocator(1024).locate(client, client.length,
                dev.switchboard.body.Shape.of(true, "model"));
        RewritableBody body = new RewritableBody(field.splice(client, client.length, s -> "a"),
                m -> field.splice(client, client.length, s -> m), field.asksForStream());

        assertThat(body.asksForStream()).isFalse();
        assertThat(new String(body.bytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"a\", \"n\":1.00}");
        assertThat(new String(body.withModel("b\"c"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"b\\\"c\", \"n\":1.00}");
        assertThat(new String(client, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"smart\", \"n\":1.00}");
    }

    @Test
    void shouldReuseASaneClientRequestId() {
        assertThat(RequestIds.of("abc-123")).isEqualTo("abc-123");
        String longest = "x".repeat(RequestIds.MAX_LENGTH);
        assertThat(RequestIds.of(longest)).isEqualTo(longest);
        assertThat(RequestIds.of("!~#")).isEqualTo("!~#");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "tab\there", "caf\u00e9", "line\nbreak", "del\u007f"})
    void shouldReplaceAClientRequestIdThatIsNotVisibleAscii(String bad) {
        assertThat(RequestIds.of(bad)).matches("[0-9a-f]{32}");
    }

    @Test
    void shouldReplaceAClientRequestIdLongerThan128() {
        assertThat(RequestIds.of("x".repeat(RequestIds.MAX_LENGTH + 1))).matches("[0-9a-f]{32}");
        assertThat(RequestIds.of(null)).matches("[0-9a-f]{32}");
    }

    @Test
    void shouldMakeDistinctIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(RequestIds.of(null));
        }
        assertThat(ids).doesNotHaveDuplicates();
    }
}
