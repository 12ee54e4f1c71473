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
 */
public record Usage(Long inputTokens, Long outputTokens, Long cachedTokens, Long reasoningTokens,
                    Long cacheCreationTokens, String finishReason) {

    /** Nothing known. */
    public static final Usage UNKNOWN = new Usage(null, null, null, null, null, null);
}
