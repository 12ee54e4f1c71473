package dev.switchboard.exchange;

/**
 * Token usage and how the answer ended, as the response said (SPEC section 9). A field the response
 * did not carry is {@code null}: unknown, never zero.
 *
 * @param inputTokens prompt / input tokens
 * @param outputTokens completion / output tokens
 * @param cachedTokens input tokens served from a prompt cache
 * @param reasoningTokens output tokens spent on reasoning
 * @param cacheCreationTokens input tokens written to a prompt cache (Anthropic)
 * @param finishReason {@code finish_reason} / {@code stop_reason} / {@code status} of the answer
 * @param errorEvent whether the answer, begun as a success, carried an error of the upstream's instead of (or after)
 *     its content: Anthropic's {@code error} event ({@code overloaded_error} ...), the Responses API's, a chat
 *     stream's {@code {"error": {...}}} chunk, an OpenAI-compatible server's {@code {"object": "error"}}
 */
public record Usage(Long inputTokens, Long outputTokens, Long cachedTokens, Long reasoningTokens,
                    Long cacheCreationTokens, String finishReason, boolean errorEvent) {

    /** Nothing known. */
    public static final Usage UNKNOWN = new Usage(null, null, null, null, null, null);

    /** An answer that carried no error event. */
    public Usage(Long inputTokens, Long outputTokens, Long cachedTokens, Long reasoningTokens, Long cacheCreationTokens,
                 String finishReason) {
        this(inputTokens, outputTokens, cachedTokens, reasoningTokens, cacheCreationTokens, finishReason, false);
    }
}
