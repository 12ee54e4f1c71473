package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.failclosed.Corpus;
import dev.switchboard.failclosed.RawClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The realtime API's WebSocket through the bundled proxy (SPEC section 15): the model of the query decided and
 * rewritten before anything is opened, the provider's key on the provider's socket and nothing of the client's,
 * every client event checked as a request body is (a refused one answered with an error event and sent nowhere),
 * closes and cuts passed on, and one exchange per socket with the usage the provider reported. The client is the JDK's
 * WebSocket client; the provider a Jetty WebSocket server recording what it received.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class RealtimeProxyTest {

    private RealtimeUpstream upstream;
    private Gateway gateway;
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        upstream = new RealtimeUpstream();
        ExchangeListener ends = new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.add(completion);
            }
        };
        gateway = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                  other: {type: openai-compatible, base_url: "%1$s", api_key: sk-other}
                  echo: {type: echo}
                  down: {type: openai-compatible, base_url: "http://127.0.0.1:1", api_key: sk-down}
                default_provider: up
                virtual_models:
                  - {source: regular, targets: [up/rt-a]}
                  - {source: guarded, targets: [down/rt-a], fallbacks: [up/rt-secret]}
                  - {source: up/rt-secret, enabled: false}
                  - {source: whisper, targets: [up/transcribe-x]}
                  - {source: elsewhere, targets: [other/transcribe-y]}
                  - {source: up/denied, enabled: false}
                """.formatted(upstream.url()), ends);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            gateway.stop();
        } finally {
            upstream.stop();
        }
    }

    @BeforeEach
    void forget() throws InterruptedException {
        // A refusal's exchange ends just after its answer was written: the last test's may still come.
        while (completions.poll(300, TimeUnit.MILLISECONDS) != null) {
            completions.clear();
        }
        upstream.upgrades.clear();
        upstream.received.clear();
        upstream.closes.clear();
        upstream.refuse = 0;
        completions.clear();
    }

    @Test
    void shouldRelayASocketWithItsModelRewrittenAndOnlyTheProvidersKey() throws Exception {
        Messages client = new Messages();
        WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer the-callers-own")
                .header("OpenAI-Beta", "realtime=v1").header("OpenAI-Organization", "org-caller").subprotocols("realtime")
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/realtime?model=regular"), client)
                .get(10, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo("realtime");
        RealtimeUpstream.Upgrade upgrade = upstream.upgrades.poll(5, TimeUnit.SECONDS);
        assertThat(upgrade.query()).isEqualTo("model=rt-a");
        assertThat(upgrade.header("Authorization")).isEqualTo("Bearer sk-up");
        assertThat(upgrade.header("OpenAI-Beta")).isEqualTo("realtime=v1");
        assertThat(upgrade.header("OpenAI-Organization")).isNull();
        assertThat(client.next()).isEqualTo("{\"type\":\"session.created\",\"session\":{\"model\":\"rt-a\"}}");

        // A transcription model named in an event: resolved for the caller and rewritten, the rest of the event as sent.
        ws.sendText("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"audio\":{\"input\":"
                + "{\"transcription\":{\"model\":\"whisper\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"session.update\",\"session\":"
                + "{\"type\":\"realtime\",\"audio\":{\"input\":{\"transcription\":{\"model\":\"transcribe-x\"}}}}}");
        // A ping goes to the provider, whose pong comes back through the gateway.
        ws.sendPing(ByteBuffer.wrap("are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        assertThat(client.pongs.poll(5, TimeUnit.SECONDS)).isEqualTo("are you there");
        // Once a checked transcription model went on, an update of its other settings keeps it: passed.
        String language = "{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"transcription\":"
                + "{\"language\":\"en\"}}}}}";
        ws.sendText(language, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(language);
        // Turned off (null), the provider has no model: settings without one are refused again.
        String off = "{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"transcription\":null}}}}";
        ws.sendText(off, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(off);
        ws.sendText(language, true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"param\":\"session.audio.input.transcription.model\"");
        assertThat(upstream.received).isEmpty();
        ws.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"type\":\"response.done\"");
        ws.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"type\":\"response.done\"");
        assertThat(completions).isEmpty();

        ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).isEqualTo("1000 bye");
        Completion end = completions.poll(5, TimeUnit.SECONDS);
        assertThat(end.status()).isEqualTo(101);
        assertThat(end.errorCode()).isNull();
        // The provider's first message (session.created) is the exchange's first byte.
        assertThat(end.firstByteNanos()).isBetween(0L, end.durationNanos());
        assertThat(end.attempts()).hasSize(1);
        assertThat(end.attempts().get(0).candidate().model()).isEqualTo("up/rt-a");
        // Two responses of 10 in, 5 out, 2 cached each.
        assertThat(end.usage().inputTokens()).isEqualTo(20L);
        assertThat(end.usage().outputTokens()).isEqualTo(10L);
        assertThat(end.usage().cachedTokens()).isEqualTo(4L);
    }

    @Test
    void shouldRecordTheUsageAsUnknownWhenTheSocketEndsWithAResponseUnderWay() throws Exception {
        Messages client = new Messages();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/realtime?model=regular"), client)
                .get(10, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"session.created\"");
        ws.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"type\":\"response.done\"");
        // The provider begins a second response; the client leaves before it is done.
        ws.sendText("{\"type\":\"response.create\",\"response\":{\"metadata\":{\"hold\":\"yes\"}}}", true)
                .get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"type\":\"response.created\"");

        ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        Completion end = completions.poll(5, TimeUnit.SECONDS);

        // Not the 10 in and 5 out of the first response: the second one's tokens, billed, are in no event.
        assertThat(end.status()).isEqualTo(101);
        assertThat(end.usage()).isEqualTo(dev.switchboard.exchange.Usage.UNKNOWN);
    }

    @Test
    void shouldServeTheOfficialJavaSdksRealtimeConnection() throws Exception {
        com.openai.core.ClientOptions options = sdkOptions();
        try (com.openai.helpers.RealtimeConnection c = com.openai.helpers.RealtimeConnection.connect(options,
                com.openai.helpers.RealtimeWebSocketOptions.builder().model("regular").build())) {
            assertThat(c.receive().isSessionCreated()).isTrue();
            RealtimeUpstream.Upgrade upgrade = upstream.upgrades.poll(5, TimeUnit.SECONDS);
            assertThat(upgrade.query()).isEqualTo("model=rt-a");
            assertThat(upgrade.header("Authorization")).isEqualTo("Bearer sk-up");

            // A session's model the caller may not use: the SDK reads the gateway's answer as the API's error event.
            c.send(com.openai.models.realtime.RealtimeClientEvent.ofSessionUpdate(
                    com.openai.models.realtime.SessionUpdateEvent.builder().session(
                            com.openai.models.realtime.RealtimeSessionCreateRequest.builder().model("up/denied").build())
                            .build()));
            com.openai.models.realtime.RealtimeServerEvent refused = c.receive();
            assertThat(refused.isError()).isTrue();
            assertThat(refused.asError().error().code()).contains("model_access_denied");
            assertThat(refused.asError().error().param()).contains("session.model");

            c.send(com.openai.models.realtime.RealtimeClientEvent.ofResponseCreate(
                    com.openai.models.realtime.ResponseCreateEvent.builder().build()));
            com.openai.models.realtime.RealtimeServerEvent done = c.receive();
            assertThat(done.isResponseDone()).isTrue();
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("\"response.create\"");
            assertThat(upstream.received).isEmpty();
        }
        Completion end = completions.poll(5, TimeUnit.SECONDS);
        assertThat(end.status()).isEqualTo(101);
        assertThat(end.usage().inputTokens()).isEqualTo(10L);
    }

    @Test
    void shouldServeTheOfficialJavaSdksTranslationSession() throws Exception {
        com.openai.core.ClientOptions options = sdkOptions();
        try (com.openai.helpers.TranslationConnection c = com.openai.helpers.TranslationConnection.connect(options,
                com.openai.helpers.TranslationWebSocketOptions.builder().model("regular").build())) {
            assertThat(c.receive().isSessionCreated()).isTrue();
            // Its own path at the provider, the model rewritten, the provider's key.
            RealtimeUpstream.Upgrade upgrade = upstream.upgrades.poll(5, TimeUnit.SECONDS);
            assertThat(upgrade.path()).isEqualTo("/v1/realtime/translations");
            assertThat(upgrade.query()).isEqualTo("model=rt-a");
            assertThat(upgrade.header("Authorization")).isEqualTo("Bearer sk-up");

            // The transcription model of a translation's input: resolved for the caller and rewritten.
            c.send(com.openai.models.realtime.RealtimeTranslationClientEvent.ofSessionUpdate(
                    com.openai.models.realtime.RealtimeTranslationSessionUpdateEvent.builder().session(
                            com.openai.models.realtime.RealtimeTranslationSessionUpdateRequest.builder().audio(
                                    com.openai.models.realtime.RealtimeTranslationSessionUpdateRequest.Audio.builder()
                                            .input(com.openai.models.realtime.RealtimeTranslationSessionUpdateRequest.Audio
                                                    .Input.builder().transcription(com.openai.models.realtime
                                                            .RealtimeTranslationSessionUpdateRequest.Audio.Input
                                                            .Transcription.builder().model("whisper").build()).build())
                                            .build()).build()).build()));
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS))
                    .contains("\"type\":\"session.update\"").contains("\"model\":\"transcribe-x\"")
                    .doesNotContain("whisper");
            c.send(com.openai.models.realtime.RealtimeTranslationClientEvent.ofSessionInputAudioBufferAppend(
                    com.openai.models.realtime.RealtimeTranslationInputAudioBufferAppendEvent.builder().audio("AAAA")
                            .build()));
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("session.input_audio_buffer.append");
        }
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isNull();
        // A conversation's event is not a translation session's: refused there, never sent.
        Messages client = new Messages();
        WebSocket ws = connect("/v1/realtime/translations?model=regular", client);
        assertThat(client.next()).contains("session.created");
        ws.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"code\":\"invalid_request\"").contains("\"param\":\"type\"");
        ws.sendText("{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"transcription\":"
                + "{\"model\":\"up/denied\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"code\":\"model_access_denied\"");
        assertThat(upstream.received.poll(1, TimeUnit.SECONDS)).isNull();
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        // A denied model is refused before anything opens, as on the conversation's socket.
        assertThatThrownBy(() -> connect("/v1/realtime/translations?model=up/denied")).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
    }

    @Test
    void shouldOpenASipCallsSocketByItsCallIdAtTheProviderTheCallerNames() throws Exception {
        com.openai.core.ClientOptions options = sdkOptions();
        // The call's session model was checked at its accept: the socket names the call, and goes to default_provider.
        try (com.openai.helpers.RealtimeConnection c = com.openai.helpers.RealtimeConnection.connect(options,
                com.openai.helpers.RealtimeWebSocketOptions.builder().callId("rtc_123").build())) {
            assertThat(c.receive().isSessionCreated()).isTrue();
            RealtimeUpstream.Upgrade upgrade = upstream.upgrades.poll(5, TimeUnit.SECONDS);
            assertThat(upgrade.path()).isEqualTo("/v1/realtime");
            assertThat(upgrade.query()).isEqualTo("call_id=rtc_123");
            assertThat(upgrade.header("Authorization")).isEqualTo("Bearer sk-up");
            // Its events are checked as any socket's: a denied model, or another provider's, goes nowhere.
            c.send(com.openai.models.realtime.RealtimeClientEvent.ofSessionUpdate(
                    com.openai.models.realtime.SessionUpdateEvent.builder().session(
                            com.openai.models.realtime.RealtimeSessionCreateRequest.builder().model("up/denied").build())
                            .build()));
            assertThat(c.receive().asError().error().code()).contains("model_access_denied");
            c.send(com.openai.models.realtime.RealtimeClientEvent.ofSessionUpdate(
                    com.openai.models.realtime.SessionUpdateEvent.builder().session(
                            com.openai.models.realtime.RealtimeSessionCreateRequest.builder().model("elsewhere").build())
                            .build()));
            assertThat(c.receive().asError().error().code()).contains("mixed_providers");
            assertThat(upstream.received.poll(1, TimeUnit.SECONDS)).isNull();
        }
        // The provider the call came in at, named: its key.
        Messages client = new Messages();
        WebSocket ws = http.newWebSocketBuilder().header("X-Switchboard-Provider", "other").buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/realtime?call_id=rtc_9"), client)
                .get(10, TimeUnit.SECONDS);
        assertThat(client.next()).contains("session.created");
        RealtimeUpstream.Upgrade named = upstream.upgrades.poll(5, TimeUnit.SECONDS);
        assertThat(named.query()).isEqualTo("call_id=rtc_9");
        assertThat(named.header("Authorization")).isEqualTo("Bearer sk-other");
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        // One parameter, a plain id, and only on a conversation's socket.
        for (String path : List.of("/v1/realtime?call_id=rtc_1&model=regular", "/v1/realtime?model=regular&call_id=rtc_1",
                "/v1/realtime?call_id=rtc%2F1", "/v1/realtime?call_id=", "/v1/realtime/translations?call_id=rtc_1")) {
            assertThatThrownBy(() -> connect(path)).as(path).cause()
                    .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(400));
        }
        assertThat(upstream.upgrades).isEmpty();
    }

    @Test
    void shouldHoldATranscriptionSessionsAudioUntilACheckedTranscriptionModelIsInForce() throws Exception {
        // openai-java's transcription() opens ?intent=transcription: no model, to default_provider.
        try (com.openai.helpers.RealtimeConnection c = com.openai.helpers.RealtimeConnection.connect(sdkOptions(),
                com.openai.helpers.RealtimeWebSocketOptions.builder().transcription().build())) {
            assertThat(c.receive().isSessionCreated()).isTrue();
            RealtimeUpstream.Upgrade upgrade = upstream.upgrades.poll(5, TimeUnit.SECONDS);
            assertThat(upgrade.query()).isEqualTo("intent=transcription");
            assertThat(upgrade.header("Authorization")).isEqualTo("Bearer sk-up");
        }
        Messages client = new Messages();
        WebSocket ws = connect("/v1/realtime?intent=transcription", client);
        assertThat(client.next()).contains("session.created");
        assertThat(upstream.upgrades.poll(5, TimeUnit.SECONDS).query()).isEqualTo("intent=transcription");
        // Audio before a transcription model: the provider would pick one no rule checked.
        String audio = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}";
        ws.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"code\":\"invalid_request\"").contains("before sending audio");
        assertThat(upstream.received.poll(1, TimeUnit.SECONDS)).isNull();
        ws.sendText("{\"type\":\"transcription_session.update\",\"session\":{\"input_audio_transcription\":"
                + "{\"model\":\"whisper\"}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("\"model\":\"transcribe-x\"");
        // In force once the provider took it (its answer comes 200 ms after the update): the audio waits for it.
        ws.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(100, TimeUnit.MILLISECONDS)).as("held until the provider answered").isNull();
        assertThat(client.updates.poll(5, TimeUnit.SECONDS)).contains("\"type\":\"transcription_session.updated\"");
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(audio);
        ws.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(audio);
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);

        // A model the provider refuses (an error naming the update) is not in force: the provider would transcribe
        // with its own, so the audio held meanwhile is refused, as any before a model.
        Messages refusedModel = new Messages();
        WebSocket rs = connect("/v1/realtime?intent=transcription", refusedModel);
        assertThat(refusedModel.next()).contains("session.created");
        upstream.upgrades.clear();
        rs.sendText("{\"type\":\"session.update\",\"event_id\":\"u1\",\"session\":{\"type\":\"transcription\",\"audio\":"
                + "{\"input\":{\"transcription\":{\"model\":\"up/transcribe-refused\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("\"model\":\"transcribe-refused\"");
        rs.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(refusedModel.next()).contains("\"type\":\"error\"").contains("\"event_id\":\"u1\"")
                .contains("not a transcription model");
        assertThat(refusedModel.next()).contains("\"code\":\"invalid_request\"").contains("before sending audio");
        rs.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(refusedModel.next()).contains("before sending audio");
        assertThat(upstream.received.poll(1, TimeUnit.SECONDS)).as("no audio reached the provider").isNull();
        rs.sendClose(1000, "").get(5, TimeUnit.SECONDS);

        // A review of 2026-12-07: the answer to an earlier update (one naming no transcription model) is not the answer
        // to the update of a model the provider then refuses: the provider answers in order, and its session shows what
        // is in force.
        Messages twice = new Messages();
        WebSocket ts = connect("/v1/realtime?intent=transcription", twice);
        assertThat(twice.next()).contains("session.created");
        upstream.upgrades.clear();
        ts.sendText("{\"type\":\"session.update\",\"event_id\":\"u1\",\"session\":{\"type\":\"transcription\"}}", true)
                .get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("u1");
        ts.sendText("{\"type\":\"session.update\",\"event_id\":\"u2\",\"session\":{\"type\":\"transcription\",\"audio\":"
                + "{\"input\":{\"transcription\":{\"model\":\"up/transcribe-refused\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("transcribe-refused");
        ts.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(twice.updates.poll(5, TimeUnit.SECONDS)).contains("\"type\":\"session.updated\"").doesNotContain("transcribe");
        assertThat(twice.next()).contains("\"type\":\"error\"").contains("\"event_id\":\"u2\"");
        assertThat(twice.next()).contains("before sending audio");
        ts.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(twice.next()).contains("before sending audio");
        assertThat(upstream.received.poll(1, TimeUnit.SECONDS)).as("no audio reached the provider").isNull();
        // A model the provider takes is in force as its session shows it; another refused after it leaves it in force.
        ts.sendText("{\"type\":\"session.update\",\"event_id\":\"u3\",\"session\":{\"type\":\"transcription\",\"audio\":"
                + "{\"input\":{\"transcription\":{\"model\":\"whisper\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("transcribe-x");
        assertThat(twice.updates.poll(5, TimeUnit.SECONDS)).contains("session.updated").contains("transcribe-x");
        ts.sendText("{\"type\":\"session.update\",\"event_id\":\"u4\",\"session\":{\"type\":\"transcription\",\"audio\":"
                + "{\"input\":{\"transcription\":{\"model\":\"up/transcribe-refused\"}}}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("transcribe-refused");
        assertThat(twice.next()).contains("\"event_id\":\"u4\"");
        ts.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(audio);
        ts.sendClose(1000, "").get(5, TimeUnit.SECONDS);

        // Its model in the query (as openai-java sends transcription().model(M)) is the transcription model: checked,
        // rewritten, in force from the start.
        Messages named = new Messages();
        WebSocket ns = connect("/v1/realtime?intent=transcription&model=whisper", named);
        assertThat(named.next()).contains("session.created");
        assertThat(upstream.upgrades.poll(5, TimeUnit.SECONDS).query()).isEqualTo("intent=transcription&model=transcribe-x");
        ns.sendText(audio, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(audio);
        ns.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        upstream.upgrades.clear();
        for (String path : List.of("/v1/realtime?intent=transcription&model=up/denied")) {
            assertThatThrownBy(() -> connect(path)).as(path).cause()
                    .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
        }
        for (String path : List.of("/v1/realtime?intent=translation", "/v1/realtime?intent=transcription&intent=transcription",
                "/v1/realtime?intent=transcription&call_id=rtc_1", "/v1/realtime?intent", "/v1/realtime/translations?intent=transcription")) {
            assertThatThrownBy(() -> connect(path)).as(path).cause()
                    .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(400));
        }
        assertThat(upstream.upgrades).isEmpty();
    }

    @Test
    void shouldAskForAGatewayKeyAndDecideForItsCaller() throws Exception {
        Gateway keyed = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                default_provider: up
                identity:
                  clients:
                    - {name: app, key_sha256: %2$s, user_path: /acme/app}
                models: {enabled_by_default: false}
                virtual_models:
                  - {source: up/rt-a, user_paths: [/acme]}
                """.formatted(upstream.url(), "816cc088903c2212b63adf33e2e66c3b4c7ad801f341525470a1fa1603ffe379"));
        try {
            URI uri = URI.create("ws://127.0.0.1:" + keyed.port() + "/v1/realtime?model=up/rt-a");
            for (String key : new String[] {null, "sk-gw-wrong"}) {
                WebSocket.Builder b = http.newWebSocketBuilder();
                if (key != null) {
                    b.header("Authorization", "Bearer " + key);
                }
                assertThatThrownBy(() -> b.buildAsync(uri, new Messages()).get(10, TimeUnit.SECONDS)).cause()
                        .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                                e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
            }
            assertThat(upstream.upgrades).isEmpty();
            Messages client = new Messages();
            WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer sk-gw-app").buildAsync(uri, client)
                    .get(10, TimeUnit.SECONDS);
            assertThat(client.next()).contains("session.created");
            assertThat(upstream.upgrades.poll(5, TimeUnit.SECONDS).header("Authorization")).isEqualTo("Bearer sk-up");
            // The caller's path admits up/rt-a only: another model in an event is refused for this caller.
            ws.sendText("{\"type\":\"session.update\",\"session\":{\"model\":\"up/rt-b\"}}", true).get(5, TimeUnit.SECONDS);
            assertThat(client.next()).contains("\"code\":\"model_access_denied\"");
            ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        } finally {
            keyed.stop();
        }
    }

    @Test
    void shouldCloseASocketWhoseGatewayKeyAReloadRemoved() throws Exception {
        String yaml = """
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                default_provider: up
                identity:
                  clients:
                    - {name: ops, key_sha256: 426c13d44cd52ef691b00f86796c792580bb33b44d7072f5c4ee7070d233a95f}
                %2$s
                models: {enabled_by_default: false}
                virtual_models:
                  - {source: up/rt-a, user_paths: [/acme]}
                  - {source: up/rt-b, user_paths: [/beta]}
                """;
        String app = "    - {name: app, key_sha256: 816cc088903c2212b63adf33e2e66c3b4c7ad801f341525470a1fa1603ffe379, "
                + "user_path: %s}";
        java.util.concurrent.atomic.AtomicReference<dev.switchboard.config.SwitchboardConfig> rules =
                new java.util.concurrent.atomic.AtomicReference<>(TestGateway.config(
                        yaml.formatted(upstream.url(), app.formatted("/acme/app"))));
        Gateway live = Gateway.start(rules::get, null, rules.get().server(), List.of(new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.add(completion);
            }
        }));
        URI uri = URI.create("ws://127.0.0.1:" + live.port() + "/v1/realtime?model=up/rt-a");
        try {
            // The key's path moves to /beta/app: every event is judged for the caller the rules in force identify.
            Messages moved = new Messages();
            WebSocket ms = http.newWebSocketBuilder().header("Authorization", "Bearer sk-gw-app").buildAsync(uri, moved)
                    .get(10, TimeUnit.SECONDS);
            assertThat(moved.next()).contains("session.created");
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), app.formatted("/acme/app") + "\n"
                    + "    - {name: spare, key_sha256: " + "0".repeat(64) + "}")));
            ms.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"input_audio_buffer.clear\"}");
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), app.formatted("/beta/app"))));
            ms.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(moved.next()).contains("\"code\":\"model_access_denied\"");
            assertThat(moved.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(upstream.received).isEmpty();
            completions.clear();

            // The key is removed: the next event is answered invalid_api_key, sent nowhere, and the socket closes.
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), app.formatted("/acme/app"))));
            Messages removed = new Messages();
            WebSocket rs = http.newWebSocketBuilder().header("Authorization", "Bearer sk-gw-app").buildAsync(uri, removed)
                    .get(10, TimeUnit.SECONDS);
            assertThat(removed.next()).contains("session.created");
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "")));
            rs.sendText("{\"type\":\"response.create\",\"event_id\":\"e9\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(removed.next()).contains("\"code\":\"invalid_api_key\"").contains("\"event_id\":\"e9\"");
            assertThat(removed.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(removed.reason).isEqualTo("the gateway key or user path is no longer accepted");
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(upstream.received).isEmpty();
            Completion end = completions.poll(5, TimeUnit.SECONDS);
            assertThat(end.status()).isEqualTo(101);
            assertThat(end.errorCode()).isEqualTo("invalid_api_key");

            // A client that only listens while the provider speaks: the provider's next message after the reload ends
            // the socket, not the client's next event.
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), app.formatted("/acme/app"))));
            Messages listening = new Messages();
            WebSocket ls = http.newWebSocketBuilder().header("Authorization", "Bearer sk-gw-app").buildAsync(uri, listening)
                    .get(10, TimeUnit.SECONDS);
            assertThat(listening.next()).contains("session.created");
            upstream.closes.clear();
            ls.sendText("{\"type\":\"conversation.item.delete\",\"item_id\":\"tick\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(listening.next()).contains("tick0");
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "")));
            String after = listening.next();
            while (after.contains("response.output_audio.delta")) {
                // A tick already relayed before the reload was in force (a slow machine): the next one is judged.
                after = listening.next();
            }
            assertThat(after).contains("\"code\":\"invalid_api_key\"");
            assertThat(listening.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(listening.texts).as("nothing of the provider's after the error").isEmpty();
            assertThat(completions.poll(5, TimeUnit.SECONDS).errorCode()).isEqualTo("invalid_api_key");
        } finally {
            live.stop();
        }
    }

    @Test
    void shouldCloseASilentSocketAtTheReloadThatRemovedItsKey(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String yaml = """
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up}
                default_provider: up
                server: {host: 127.0.0.1, port: 0}
                identity:
                  clients:
                    - {name: ops, key_sha256: 426c13d44cd52ef691b00f86796c792580bb33b44d7072f5c4ee7070d233a95f}
                %s
                """;
        String app = "    - {name: app, key_sha256: 816cc088903c2212b63adf33e2e66c3b4c7ad801f341525470a1fa1603ffe379}";
        java.nio.file.Path file = dir.resolve("switchboard.yaml");
        java.nio.file.Files.writeString(file, yaml.formatted(upstream.url(), app));
        dev.switchboard.live.LiveConfig rules = dev.switchboard.live.LiveConfig.load(file,
                new dev.switchboard.config.ConfigLoader());
        Gateway live = Gateway.start(rules, rules, rules.get().server(), List.of(new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.add(completion);
            }
        }));
        try {
            Messages silent = new Messages();
            http.newWebSocketBuilder().header("Authorization", "Bearer sk-gw-app")
                    .buildAsync(URI.create("ws://127.0.0.1:" + live.port() + "/v1/realtime?model=rt-a"), silent)
                    .get(10, TimeUnit.SECONDS);
            assertThat(silent.next()).contains("session.created");
            // A reload that keeps the key leaves the socket open.
            java.nio.file.Files.writeString(file, yaml.formatted(upstream.url(), app + "\n    - {name: spare, key_sha256: "
                    + "0".repeat(64) + "}"));
            rules.reload();
            assertThat(silent.texts.poll(1, TimeUnit.SECONDS)).isNull();
            assertThat(silent.closed).isNotDone();
            // Neither side speaks again: the reload that removes the key ends the socket itself.
            java.nio.file.Files.writeString(file, yaml.formatted(upstream.url(), ""));
            rules.reload();
            assertThat(silent.next()).contains("\"code\":\"invalid_api_key\"");
            assertThat(silent.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(silent.reason).isEqualTo("the gateway key or user path is no longer accepted");
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(silent.texts).as("one error event, nothing after it").isEmpty();
            assertThat(upstream.received).isEmpty();
            Completion end = completions.poll(5, TimeUnit.SECONDS);
            assertThat(end.status()).isEqualTo(101);
            assertThat(end.errorCode()).isEqualTo("invalid_api_key");
        } finally {
            live.stop();
            rules.close();
        }
    }

    @Test
    void shouldHoldNoThreadWhileAProviderSocketOpens() throws Exception {
        // A provider that takes the connection and never answers the upgrade (its listen queue, never accepted).
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Gateway slow = TestGateway.start("""
                    providers:
                      mute: {type: openai-compatible, base_url: "http://127.0.0.1:%d", api_key: sk-mute}
                    default_provider: mute
                    server: {upstream_connect_timeout: 1s}
                    failover: {max_attempts: 1}
                    """.formatted(silent.getLocalPort()), new ExchangeListener() {
                        @Override
                        public void onComplete(Exchange exchange, Completion completion) {
                            completions.add(completion);
                        }
                    });
            try {
                List<CompletableFuture<WebSocket>> opening = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    opening.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + slow.port()
                            + "/v1/realtime?model=rt-a"), new Messages()));
                }
                Thread.sleep(1_500);
                // Three upgrades wait for the provider, and no server thread waits with them.
                assertThat(opening).noneMatch(CompletableFuture::isDone);
                assertThat(Thread.getAllStackTraces().values()).noneMatch(stack -> java.util.Arrays.stream(stack)
                        .anyMatch(frame -> frame.getClassName().startsWith(RealtimeServlet.class.getName())));
                for (CompletableFuture<WebSocket> o : opening) {
                    // Given up on at the connect timeout and 5 s: 504, as a request's provider that does not answer.
                    assertThatThrownBy(() -> o.get(15, TimeUnit.SECONDS)).cause()
                            .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                                assertThat(e.getResponse().statusCode()).isEqualTo(504);
                                assertThat(String.valueOf(e.getResponse().body())).contains("upstream_timeout");
                            });
                }
                Completion end = completions.poll(5, TimeUnit.SECONDS);
                assertThat(end.status()).isEqualTo(504);
                assertThat(end.attempts()).singleElement().satisfies(a -> assertThat(a.status()).isZero());
            } finally {
                slow.stop();
            }
        }
    }

    @org.junit.jupiter.api.RepeatedTest(5) // a race with the server's stop, under load: 12 of 25 failed before the fix
    void shouldCloseBothSidesWhenTheGatewayStops() throws Exception {
        Gateway stopping = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                default_provider: up
                """.formatted(upstream.url()), new ExchangeListener() {
                    @Override
                    public void onComplete(Exchange exchange, Completion completion) {
                        completions.add(completion);
                    }
                });
        Messages client = new Messages();
        http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + stopping.port() + "/v1/realtime?model=rt-a"),
                client).get(10, TimeUnit.SECONDS);
        assertThat(client.next()).contains("session.created");
        stopping.stop();
        // Both sides get a close (1001, going away), not a dropped connection, and the exchange ends.
        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(upstream.closes.poll(10, TimeUnit.SECONDS)).startsWith("1001");
        assertThat(completions.poll(5, TimeUnit.SECONDS).status()).isEqualTo(101);
    }

    @Test
    void shouldRefuseADeniedModelBeforeAnythingIsOpened() throws Exception {
        for (String model : List.of("up/denied", "up%2Fdenied", "up/DENIED")) {
            assertThatThrownBy(() -> connect("/v1/realtime?model=" + model)).as(model).cause()
                    .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                        assertThat(e.getResponse().statusCode()).isEqualTo(403);
                        assertThat(String.valueOf(e.getResponse().body())).contains("model_access_denied");
                    });
        }
        assertThat(upstream.upgrades).isEmpty();
        assertThat(completions.poll(5, TimeUnit.SECONDS).status()).isEqualTo(403);
    }

    // A review: the socket's model skipped the URL-delimiter rule of a body's; "de%6Eied" is "denied" to an upstream
    // that puts the model in a URL unescaped (Azure's deployment).
    @Test
    void shouldRefuseAModelWithAUrlDelimiterSentAsWrittenBeforeAnythingIsOpened() throws Exception {
        assertThatThrownBy(() -> connect("/v1/realtime?model=up/de%256Eied")).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                    assertThat(e.getResponse().statusCode()).isEqualTo(400);
                    assertThat(String.valueOf(e.getResponse().body())).contains("invalid_model");
                });
        assertThat(upstream.upgrades).isEmpty();
    }

    @Test
    void shouldAnswerARefusedEventWithAnErrorEventAndSendItNowhere() throws Exception {
        Messages client = new Messages();
        WebSocket ws = connect("/v1/realtime?model=regular", client);
        assertThat(client.next()).contains("session.created");
        String[][] refused = {
            {"{\"type\":\"session.update\",\"event_id\":\"e1\",\"session\":{\"model\":\"up/denied\"}}",
                "\"code\":\"model_access_denied\"", "\"param\":\"session.model\"", "\"event_id\":\"e1\""},
            {"{\"type\":\"transcription_session.update\",\"session\":{\"input_audio_transcription\":{\"model\":\"up/denied\"}}}",
                "\"code\":\"model_access_denied\"", "\"param\":\"session.input_audio_transcription.model\""},
            {"{\"type\":\"session.update\",\"session\":{\"model\":\"elsewhere\"}}", "\"code\":\"mixed_providers\""},
            {"{\"type\":\"session.update\",\"session\":{\"model\":\"up/de%6Eied\"}}", "\"code\":\"invalid_model\"",
                "\"param\":\"session.model\""},
            {"{\"type\":\"session.update\",\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":"
                + "{\"transcription\":{\"language\":\"en\"}}}}}", "\"code\":\"invalid_request\"",
                "\"param\":\"session.audio.input.transcription.model\""},
            {"{\"type\":\"session.update\",\"session\":{\"input_audio_transcripti\\u006fn\":{},"
                + "\"input_audio_transcription\":{\"model\":\"whisper\"}}}", "\"code\":\"invalid_request\"", "sent twice"},
            {"{\"type\":\"transcription_session.update\",\"session\":{\"input_audio_transcription\":{}}}",
                "\"code\":\"invalid_request\"", "\"param\":\"session.input_audio_transcription.model\""},
            {"{\"type\":\"session.update\",\"session\":{\"model\":\"regular\",\"MODEL\":\"up/denied\"}}",
                "\"code\":\"duplicate_model\""},
            {"{\"type\":\"session.update\",\"Session\":{\"model\":\"up/denied\"}}", "\"code\":\"invalid_request\""},
            {"{\"type\":\"session.update\",\"session\":{},\"models\":[\"up/denied\"]}", "\"code\":\"model_access_denied\""},
            {"{\"type\":\"session.update\",\"type\":\"session.update\"}", "\"code\":\"invalid_request\"", "sent twice"},
            {"{\"type\":\"session.update\",\"Type\":\"x\"}", "\"code\":\"invalid_request\""},
            {"{\"type\":\"session.delete\"}", "\"code\":\"invalid_request\"", "\"param\":\"type\""},
            {"{\"event_id\":\"e2\"}", "\"code\":\"invalid_request\"", "\"event_id\":\"e2\""},
            {"{\"type\":\"session.update\",\"session\":" + "{\"a\":".repeat(300) + "1" + "}".repeat(301),
                "\"code\":\"invalid_json\""},
            {"not json", "\"code\":\"invalid_json\""},
            {"[1]", "\"code\":\"invalid_json\""},
        };
        for (String[] c : refused) {
            ws.sendText(c[0], true).get(5, TimeUnit.SECONDS);
            String error = client.next();
            assertThat(error).as(c[0]).startsWith("{\"type\":\"error\",\"event_id\":\"event_switchboard_");
            for (int i = 1; i < c.length; i++) {
                assertThat(error).as(c[0]).contains(c[i]);
            }
        }
        ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, TimeUnit.SECONDS);
        assertThat(client.next()).contains("\"type\":\"error\"").contains("not binary");
        // Deep, but within the JSON rules (256 levels): an event like any other.
        String deep = "{\"type\":\"conversation.item.create\",\"item\":" + "{\"a\":".repeat(100) + "1" + "}".repeat(101);
        ws.sendText(deep, true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo(deep);
        // The socket stays open, and the next event goes on: the provider received only it.
        ws.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"input_audio_buffer.clear\"}");
        assertThat(upstream.received).isEmpty();
        ch.qos.logback.classic.Logger relayLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                RealtimeRelay.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        relayLog.addAppender(log);
        try {
            ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            assertThat(completions.poll(5, TimeUnit.SECONDS).status()).isEqualTo(101);
            // Answered in the socket one by one; told to the operator once, at the socket's end.
            assertThat(log.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                    .contains("refused " + (refused.length + 1) + " event(s)").contains("model_access_denied=")
                    .contains("invalid_json="));
        } finally {
            relayLog.detachAppender(log);
        }
    }

    @Test
    void shouldRefuseAnUpgradeItCannotCheck() throws Exception {
        String[] upgrade = {"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13"};
        record Case(String path, int status, String says, String... extra) {
        }
        for (Case c : List.of(
                new Case("/v1/realtime?model=regular&api-key=x", 400, "takes model (and intent=transcription"),
                new Case("/v1/realtime?MoDeL=regular", 400, "takes model (and intent=transcription"),
                new Case("/v1/realtime?model=regular&Intent=transcription", 400, "not 'Intent=transcription'"),
                new Case("/v1/realtime?model=regular&model=regular", 400, "named twice"),
                new Case("/v1/realtime?model=regular%", 400, "percent escape"),
                new Case("/v1/realtime?model=a%E9", 400, "not UTF-8"),
                new Case("/v1/realtime?model=up/de%E2%80%8Bnied", 400, "invalid_model"),
                new Case("/v1/realtime", 400, "name the model"),
                new Case("/v1/realtime?model=regular", 403, "browser page", "Origin: https://evil.example"),
                new Case("/v1/realtime?model=echo/x", 501, "has no realtime API"))) {
            List<String> headers = new java.util.ArrayList<>(List.of(upgrade));
            headers.addAll(List.of(c.extra()));
            RawClient.Response r = RawClient.send(gateway.port(), new Corpus.Attack(c.path(), "GET", c.path(), headers,
                    new byte[0], false, null));
            assertThat(r.status()).as(c.path()).isEqualTo(c.status());
            assertThat(r.text()).as(c.path()).contains(c.says());
        }
        // Other spellings of the path: checked by the filter, but not the socket's servlet: refused, nothing sent on.
        for (String path : List.of("/V1/realtime?model=regular", "/v1/realtime/?model=regular", "/v1//realtime?model=regular",
                "/v1/realtime/Translations?model=regular", "/v1/realtime/translations/?model=regular")) {
            RawClient.Response r = RawClient.send(gateway.port(), new Corpus.Attack(path, "GET", path, List.of(upgrade),
                    new byte[0], false, null));
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.text()).as(path).contains("open the realtime socket at its path");
        }
        assertThat(upstream.upgrades).isEmpty();
        RawClient.Response plain = RawClient.send(gateway.port(), new Corpus.Attack("plain", "GET",
                "/v1/realtime?model=regular", List.of(), new byte[0], false, null));
        assertThat(plain.status()).isEqualTo(400);
        assertThat(plain.text()).contains("is a WebSocket");
        // An upgrade the WebSocket server would refuse is refused before the provider's socket opens.
        for (List<String> headers : List.of(List.of("Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"),
                List.of("Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version: 8"))) {
            RawClient.Response r = RawClient.send(gateway.port(), new Corpus.Attack("half", "GET",
                    "/v1/realtime?model=regular", headers, new byte[0], false, null));
            assertThat(r.status()).as(headers.toString()).isEqualTo(400);
            assertThat(r.text()).as(headers.toString()).contains("Sec-WebSocket-Version: 13");
        }
        // Without Connection: Upgrade, Jetty refuses it itself (400), before the filter.
        RawClient.Response r = RawClient.send(gateway.port(), new Corpus.Attack("no connection", "GET",
                "/v1/realtime?model=regular", List.of("Upgrade: websocket", "Connection: keep-alive",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"), new byte[0], false, null));
        assertThat(r.status()).isEqualTo(400);
        assertThat(upstream.upgrades).isEmpty();
    }

    @Test
    void shouldDropTheClientsConnectionWhenTheProviderDropsItsOwn() throws Exception {
        Messages client = new Messages();
        WebSocket ws = connect("/v1/realtime?model=regular", client);
        assertThat(client.next()).contains("session.created");
        ws.sendText("{\"type\":\"conversation.item.delete\",\"item_id\":\"cut\"}", true).get(5, TimeUnit.SECONDS);
        // No close frame reaches the client: the JDK's client reports 1006, the code of a connection lost without one.
        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1006);
        Completion end = completions.poll(5, TimeUnit.SECONDS);
        assertThat(end.errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldPassTheProvidersOwnCloseCodeOn() throws Exception {
        Messages client = new Messages();
        WebSocket ws = connect("/v1/realtime?model=regular", client);
        assertThat(client.next()).contains("session.created");
        ws.sendText("{\"type\":\"conversation.item.delete\",\"item_id\":\"close4000\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4000);
        assertThat(client.reason).isEqualTo("custom reason");
        assertThat(completions.poll(5, TimeUnit.SECONDS).errorCode()).isNull();
    }

    @Test
    void shouldJudgeEveryEventByTheRulesInForceAndCloseWhenTheSocketsModelIsWithdrawn() throws Exception {
        String yaml = """
                providers:
                  up: {type: openai-compatible, base_url: "%1$s", api_key: sk-up}
                default_provider: up
                server: {upstream_idle_timeout: %2$s}
                virtual_models:
                  - {source: whisper, targets: [up/transcribe-x]}
                """;
        java.util.concurrent.atomic.AtomicReference<dev.switchboard.config.SwitchboardConfig> rules =
                new java.util.concurrent.atomic.AtomicReference<>(TestGateway.config(yaml.formatted(upstream.url(), "600s")));
        Gateway live = Gateway.start(rules::get, null, rules.get().server(), List.of(new ExchangeListener() {
            @Override
            public void onComplete(Exchange exchange, Completion completion) {
                completions.add(completion);
            }
        }));
        try {
            Messages client = new Messages();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + live.port()
                    + "/v1/realtime?model=rt-a"), client).get(10, TimeUnit.SECONDS);
            assertThat(client.next()).contains("session.created");
            // A reload denies whisper's target: the next event naming it is refused, the socket stays open.
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "600s")
                    + "  - {source: up/transcribe-x, enabled: false}\n"));
            ws.sendText("{\"type\":\"session.update\",\"session\":{\"input_audio_transcription\":{\"model\":\"whisper\"}}}",
                    true).get(5, TimeUnit.SECONDS);
            assertThat(client.next()).contains("\"code\":\"model_access_denied\"");
            // Another denies the socket's own model: the next event gets an error event and the socket closes (1008).
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "600s") + "  - {source: up/rt-a, enabled: false}\n"));
            ws.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(client.next()).contains("\"code\":\"model_access_denied\"").contains("\"param\":\"model\"");
            assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(upstream.received).isEmpty();
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            Completion withdrawn = completions.poll(5, TimeUnit.SECONDS);
            assertThat(withdrawn.status()).isEqualTo(101);
            assertThat(withdrawn.errorCode()).isEqualTo("model_access_denied");

            // Open at a fallback (the target cannot be reached): judged by the model it is open at, not the first target.
            String fallback = yaml.formatted(upstream.url(), "600s").replace("providers:\n",
                    "providers:\n  down: {type: openai-compatible, base_url: \"http://127.0.0.1:1\"}\n")
                    + "  - {source: voice, targets: [down/rt-a], fallbacks: [up/rt-b]}\n";
            rules.set(TestGateway.config(fallback));
            Messages voice = new Messages();
            WebSocket vs = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + live.port()
                    + "/v1/realtime?model=voice"), voice).get(10, TimeUnit.SECONDS);
            assertThat(voice.next()).contains("\"model\":\"rt-b\"");
            completions.clear();
            rules.set(TestGateway.config(fallback + "  - {source: down/rt-a, enabled: false}\n"));
            vs.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"input_audio_buffer.clear\"}");
            rules.set(TestGateway.config(fallback + "  - {source: up/rt-b, enabled: false}\n"));
            vs.sendText("{\"type\":\"input_audio_buffer.clear\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(voice.next()).contains("\"code\":\"model_access_denied\"");
            assertThat(voice.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(upstream.received).isEmpty();
            // Closed by the gateway: the access log says why.
            assertThat(completions.poll(5, TimeUnit.SECONDS).errorCode()).isEqualTo("model_access_denied");

            // The transcription model an event set is withdrawn by a reload: the provider would go on using it, so the
            // socket is closed at its next event.
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "600s")));
            Messages transcribing = new Messages();
            WebSocket ts = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + live.port()
                    + "/v1/realtime?model=rt-a"), transcribing).get(10, TimeUnit.SECONDS);
            assertThat(transcribing.next()).contains("session.created");
            ts.sendText("{\"type\":\"session.update\",\"session\":{\"input_audio_transcription\":{\"model\":\"whisper\"}}}",
                    true).get(5, TimeUnit.SECONDS);
            assertThat(upstream.received.poll(5, TimeUnit.SECONDS)).contains("transcribe-x");
            upstream.closes.clear();
            completions.clear();
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "600s") + "  - {source: up/transcribe-x, enabled: false}\n"));
            ts.sendText("{\"type\":\"input_audio_buffer.commit\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(transcribing.next()).contains("\"code\":\"model_access_denied\"");
            assertThat(transcribing.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1008");
            assertThat(upstream.received).isEmpty();
            assertThat(completions.poll(5, TimeUnit.SECONDS).errorCode()).isEqualTo("model_access_denied");

            // A socket silent for upstream_idle_timeout is closed on both sides (1001), not dropped, and not a cut.
            rules.set(TestGateway.config(yaml.formatted(upstream.url(), "1s")));
            Messages idle = new Messages();
            http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + live.port() + "/v1/realtime?model=rt-a"),
                    idle).get(10, TimeUnit.SECONDS);
            assertThat(idle.next()).contains("session.created");
            assertThat(idle.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
            assertThat(upstream.closes.poll(5, TimeUnit.SECONDS)).startsWith("1001");
            assertThat(completions.poll(5, TimeUnit.SECONDS).errorCode()).isNull();
        } finally {
            live.stop();
        }
    }

    @Test
    void shouldCloseBothSidesOfEveryIdleSocketWithAFrameThoughBothSidesTimersExpireTogether() throws Exception {
        // Each side's connection sees the same traffic, so both idle timers expire within a moment of each other: the
        // first ends the relay and closes both sides with 1001; the second must not drop the connection under the close
        // frame being written (the provider then read 1006, a lost connection, about once in twenty sockets).
        int sockets = 40;
        Gateway live = TestGateway.start("""
                providers:
                  up: {type: openai-compatible, base_url: "%s", api_key: sk-up}
                default_provider: up
                server: {upstream_idle_timeout: 1s}
                """.formatted(upstream.url()));
        try {
            List<Messages> clients = new java.util.ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                Messages client = new Messages();
                http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + live.port()
                        + "/v1/realtime?model=rt-a"), client).get(10, TimeUnit.SECONDS);
                assertThat(client.next()).contains("session.created");
                clients.add(client);
            }
            List<String> upstreamCloses = new java.util.ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                upstreamCloses.add(upstream.closes.poll(10, TimeUnit.SECONDS));
            }
            assertThat(upstreamCloses).allMatch(close -> close != null && close.startsWith("1001 "));
            for (Messages client : clients) {
                assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
            }
        } finally {
            live.stop();
        }
    }

    @Test
    void shouldNeverOpenATargetTheCallerMayNotUse() throws Exception {
        // guarded's target cannot be reached, and its fallback is denied to everyone: nothing is opened.
        assertThatThrownBy(() -> connect("/v1/realtime?model=guarded")).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(502));
        assertThat(upstream.upgrades).isEmpty();
        Completion end = completions.poll(5, TimeUnit.SECONDS);
        assertThat(end.attempts()).singleElement().satisfies(a -> assertThat(a.candidate().model()).isEqualTo("down/rt-a"));
    }

    @Test
    void shouldAnswerInSpecShapeWhenTheProviderRefusesTheUpgrade() throws Exception {
        upstream.refuse = 401;
        assertThatThrownBy(() -> connect("/v1/realtime?model=regular")).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> {
                    assertThat(e.getResponse().statusCode()).as(String.valueOf(e.getResponse().body())).isEqualTo(502);
                    assertThat(String.valueOf(e.getResponse().body())).contains("upstream_unavailable").contains("401");
                });
        Completion end = completions.poll(5, TimeUnit.SECONDS);
        assertThat(end.status()).isEqualTo(502);
        assertThat(end.attempts()).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(401));
    }

    /** The official openai-java client's options, its base URL the gateway's, its key the caller's own. */
    private com.openai.core.ClientOptions sdkOptions() {
        return com.openai.core.ClientOptions.builder().httpClient(com.openai.client.okhttp.OkHttpClient.builder().build())
                .baseUrl("http://127.0.0.1:" + gateway.port() + "/v1").apiKey("sk-the-callers-own").build();
    }

    private WebSocket connect(String path) throws Exception {
        return connect(path, new Messages());
    }

    private WebSocket connect(String path, Messages listener) throws Exception {
        return http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + path), listener)
                .get(10, TimeUnit.SECONDS);
    }

    /** Whole text messages as they arrive, and how the socket ended. */
    private static final class Messages implements WebSocket.Listener {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        /** The provider's answers to session updates ({@code ...session.updated}), which {@link #next} passes over. */
        final BlockingQueue<String> updates = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        volatile String reason;
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        String next() throws InterruptedException {
            String text = texts.poll(5, TimeUnit.SECONDS);
            assertThat(text).as("a message within 5 s").isNotNull();
            return text;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                (text.matches("\\{\"type\":\"(transcription_)?session\\.updated\".*") ? updates : texts).add(text);
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            pongs.add(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            this.reason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable e) {
            error.complete(e);
        }
    }
}
