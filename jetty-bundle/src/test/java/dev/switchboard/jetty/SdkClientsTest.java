package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStreamEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official OpenAI and Anthropic Java SDKs, unmodified, against the real gateway on port 0 with the
 * built-in echo provider behind it: what a user's code sees through Switchboard. Every parsed answer is
 * {@code validate()}d, so a field the SDK requires and the gateway leaves out fails here.
 */
final class SdkClientsTest {

    /**
     * Echo behind everything; {@code echo-secret} is in the inventory but disabled by policy, so the
     * list can show it is removed. {@code claude-sonnet-4-6} is an alias an Anthropic user would write.
     */
    private static final String CONFIG = """
            providers:
              demo:
                type: echo
                models: [echo-small, echo-large, echo-secret]
            default_provider: demo
            virtual_models:
              - source: regular
                target: demo/echo-small
              - source: claude-sonnet-4-6
                target: demo/echo-large
              - source: demo/echo-secret
                enabled: false
            """;

    /** No default_provider: a model no inventory lists routes nowhere (404). */
    private static final String STRICT = """
            providers:
              demo:
                type: echo
                models: [echo-small]
            """;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static Gateway gateway;
    private static Gateway strict;
    private static OpenAIClient openai;
    private static AnthropicClient anthropic;
    private static OpenAIClient strictOpenai;
    private static AnthropicClient strictAnthropic;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(CONFIG);
        strict = TestGateway.start(STRICT);
        openai = openai(gateway);
        anthropic = anthropic(gateway);
        strictOpenai = openai(strict);
        strictAnthropic = anthropic(strict);
    }

    @AfterAll
    static void stop() throws Exception {
        for (OpenAIClient c : new OpenAIClient[] {openai, strictOpenai}) {
            if (c != null) {
                c.close();
            }
        }
        for (AnthropicClient c : new AnthropicClient[] {anthropic, strictAnthropic}) {
            if (c != null) {
                c.close();
            }
        }
        if (gateway != null) {
            gateway.stop();
        }
        if (strict != null) {
            strict.stop();
        }
    }

    // ---- OpenAI SDK ------------------------------------------------------------------------------

    @Test
    void shouldAnswerOpenAiChatCompletionThroughAlias() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("regular").addUserMessage("hello there").build();

        try (HttpResponseFor<ChatCompletion> raw = openai.chat().completions().withRawResponse().create(params)) {
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(raw.headers().values("X-Switchboard-Model")).containsExactly("demo/echo-small");
            assertThat(raw.headers().values("X-Switchboard-Virtual-Model")).containsExactly("regular");
            ChatCompletion completion = raw.parse().validate();

            assertThat(completion.model()).isEqualTo("echo-small");
            assertThat(completion.choices()).hasSize(1);
            ChatCompletion.Choice choice = completion.choices().get(0);
            assertThat(choice.message().content()).contains("echo from echo-small: hello there");
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.promptTokens()).isEqualTo(2));
        }
    }

    @Test
    void shouldStreamOpenAiChatCompletionThroughAlias() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("regular").addUserMessage("stream this please").build();

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            chunks = stream.stream().map(ChatCompletionChunk::validate).toList();
        }

        assertThat(chunks).allSatisfy(c -> assertThat(c.model()).isEqualTo("echo-small"));
        List<String> deltas = chunks.stream().flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content().orElse("")).filter(s -> !s.isEmpty()).toList();
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(3);
        assertThat(String.join("", deltas)).isEqualTo("echo from echo-small: stream this please");
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
                .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
    }

    @Test
    void shouldAnswerOpenAiResponsesThroughAlias() {
        Response response = openai.responses().create(ResponseCreateParams.builder()
                .model("regular").input("what is new").build()).validate();

        assertThat(response.model().asString()).isEqualTo("echo-small");
        assertThat(outputText(response)).isEqualTo("echo from echo-small: what is new");
    }

    @Test
    void shouldStreamOpenAiResponsesThroughAlias() {
        List<ResponseStreamEvent> events;
        try (StreamResponse<ResponseStreamEvent> stream = openai.responses().createStreaming(
                ResponseCreateParams.builder().model("regular").input("stream a response").build())) {
            events = stream.stream().map(ResponseStreamEvent::validate).toList();
        }

        List<String> deltas = events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .map(e -> e.asOutputTextDelta().delta()).toList();
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(3);
        assertThat(String.join("", deltas)).isEqualTo("echo from echo-small: stream a response");
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isCompleted()).isTrue();
        assertThat(outputText(last.asCompleted().response())).isEqualTo("echo from echo-small: stream a response");
    }

    @Test
    void shouldAnswerOpenAiEmbeddingsThroughAlias() {
        CreateEmbeddingResponse response = openai.embeddings().create(EmbeddingCreateParams.builder()
                .model("regular").input("embed me").build()).validate();

        assertThat(response.model()).isEqualTo("echo-small");
        assertThat(response.data()).hasSize(1);
        assertThat(response.data().get(0).index()).isZero();
        assertThat(response.data().get(0).embedding()).hasSize(8)
                .allSatisfy(v -> assertThat(v).isBetween(-1.0f, 1.0f));
        assertThat(response.usage().promptTokens()).isEqualTo(2);
    }

    @Test
    void shouldListAliasesAndHideDisabledModelsForOpenAi() {
        List<Model> models = openai.models().list().data();
        models.forEach(Model::validate);

        assertThat(models).extracting(Model::id)
                .containsExactly("claude-sonnet-4-6", "demo/echo-large", "demo/echo-small", "regular");
        Model alias = models.stream().filter(m -> m.id().equals("regular")).findFirst().orElseThrow();
        assertThat(alias.ownedBy()).isEqualTo("demo");
        assertThat(openai.models().retrieve("regular").validate().id()).isEqualTo("regular");
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo/echo-secret", "echo-secret"})
    void shouldRaisePermissionDeniedForDisabledModelInOpenAi(String model) {
        com.openai.errors.PermissionDeniedException e = catchThrowableOfType(
                com.openai.errors.PermissionDeniedException.class,
                () -> openai.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(model).addUserMessage("hi").build()));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.code()).contains("model_access_denied");
        assertThat(e.type()).contains("permission_error");
        assertThat(e.param()).contains("model");
        assertThat(e.getMessage()).contains("requested model is not available");
        assertThat(e.headers().values("X-Switchboard-Model")).containsExactly(model);
    }

    @Test
    @SuppressWarnings("deprecation") // openai-java 4.101 marks the Videos API deprecated; it is served and still called.
    void shouldCheckTheModelOfAVideoTheOpenAiSdkAsksForAsAForm() {
        // openai-java sends videos.create as multipart/form-data: its model field is read and checked like any other.
        com.openai.errors.PermissionDeniedException e = catchThrowableOfType(
                com.openai.errors.PermissionDeniedException.class,
                () -> openai.videos().create(com.openai.models.videos.VideoCreateParams.builder()
                        .model("demo/echo-secret").prompt("a cat on a skateboard").build()));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.code()).contains("model_access_denied");
        assertThat(e.headers().values("X-Switchboard-Model")).containsExactly("demo/echo-secret");
    }

    @Test
    void shouldRaiseNotFoundForUnknownModelInOpenAi() {
        com.openai.errors.NotFoundException listed = catchThrowableOfType(com.openai.errors.NotFoundException.class,
                () -> openai.models().retrieve("no-such-model"));
        assertThat(listed).isNotNull();
        assertThat(listed.statusCode()).isEqualTo(404);
        assertThat(listed.code()).contains("model_not_found");

        com.openai.errors.NotFoundException routed = catchThrowableOfType(com.openai.errors.NotFoundException.class,
                () -> strictOpenai.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("no-such-model").addUserMessage("hi").build()));
        assertThat(routed).isNotNull();
        assertThat(routed.statusCode()).isEqualTo(404);
        assertThat(routed.code()).contains("model_not_found");
        assertThat(routed.type()).contains("not_found_error");
        assertThat(routed.getMessage()).contains("unsupported model: no-such-model");
    }

    // ---- Anthropic SDK ---------------------------------------------------------------------------

    @Test
    void shouldAnswerAnthropicMessageThroughAlias() {
        Message message = anthropic.messages().create(MessageCreateParams.builder()
                .model("claude-sonnet-4-6").maxTokens(64).addUserMessage("hello claude").build()).validate();

        assertThat(message.model().asString()).isEqualTo("echo-large");
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).text().map(TextBlock::text)).contains("echo from echo-large: hello claude");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(2);
    }

    @Test
    void shouldStreamAnthropicMessageThroughAlias() {
        List<RawMessageStreamEvent> events;
        try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(
                MessageCreateParams.builder().model("claude-sonnet-4-6").maxTokens(64)
                        .addUserMessage("stream to me").build())) {
            events = stream.stream().map(RawMessageStreamEvent::validate).toList();
        }

        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(0).asMessageStart().message().model().asString()).isEqualTo("echo-large");
        List<String> deltas = events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .map(e -> e.asContentBlockDelta().delta().asText().text()).toList();
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(3);
        assertThat(String.join("", deltas)).isEqualTo("echo from echo-large: stream to me");
        assertThat(events.stream().filter(RawMessageStreamEvent::isMessageDelta).findFirst()
                .flatMap(e -> e.asMessageDelta().delta().stopReason())).contains(StopReason.END_TURN);
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
    }

    @Test
    void shouldCountAnthropicTokensThroughAlias() {
        long tokens = anthropic.messages().countTokens(MessageCountTokensParams.builder()
                .model("claude-sonnet-4-6").addUserMessage("one two three four").build()).validate().inputTokens();

        assertThat(tokens).isEqualTo(4);
    }

    @Test
    void shouldRaisePermissionDeniedForDisabledModelInAnthropic() {
        com.anthropic.errors.PermissionDeniedException e = catchThrowableOfType(
                com.anthropic.errors.PermissionDeniedException.class,
                () -> anthropic.messages().create(MessageCreateParams.builder()
                        .model("demo/echo-secret").maxTokens(64).addUserMessage("hi").build()));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.type().map(t -> t.asString())).contains("permission_error");
        assertThat(e.apiMessage()).contains("requested model is not available");
        // SPEC section 5: the Anthropic shape on /v1/messages, nothing more.
        Map<?, ?> body = e.body().convert(Map.class);
        assertThat(body).isEqualTo(Map.of("type", "error",
                "error", Map.of("type", "permission_error", "message", "requested model is not available")));
    }

    @Test
    void shouldRaiseNotFoundForUnknownModelInAnthropic() {
        com.anthropic.errors.NotFoundException e = catchThrowableOfType(com.anthropic.errors.NotFoundException.class,
                () -> strictAnthropic.messages().create(MessageCreateParams.builder()
                        .model("no-such-model").maxTokens(64).addUserMessage("hi").build()));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.type().map(t -> t.asString())).contains("not_found_error");
        assertThat(e.apiMessage()).contains("unsupported model: no-such-model");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static OpenAIClient openai(Gateway g) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + g.port() + "/v1").apiKey("sk-any")
                .maxRetries(0).timeout(TIMEOUT).build();
    }

    private static AnthropicClient anthropic(Gateway g) {
        return AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + g.port()).apiKey("sk-any")
                .maxRetries(0).timeout(TIMEOUT).build();
    }

    private static String outputText(Response response) {
        return response.output().stream()
                .flatMap(item -> item.message().stream())
                .flatMap(m -> m.content().stream())
                .map(c -> c.outputText().map(ResponseOutputText::text))
                .flatMap(Optional::stream)
                .collect(Collectors.joining());
    }
}
