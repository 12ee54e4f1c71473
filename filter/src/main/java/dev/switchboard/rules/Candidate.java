package dev.switchboard.rules;

/**
 * One concrete model a request may be sent to, routed and checked for the caller (SPEC section 2,
 * steps 3 and 4). A {@link Decision} lists them in the order they would be tried: the chosen target
 * first, then the redirect's other targets by its strategy's order, then its {@code fallbacks} (failover,
 * SPEC section 11). A candidate whose outcome is not {@link Outcome#ALLOWED} is never called.
 *
 * @param model the concrete model (as written, before provider routing); {@code null} for a request
 *     without a model, which goes to {@code default_provider} unchanged
 * @param provider the provider it routes to, or {@code null} (bare filter, or not routable)
 * @param upstreamModel the model name to send upstream; {@code null} for a request without a model
 * @param outcome whether this caller may use it
 * @param policy the source of the access policy that decided, or {@code null}
 * @param reason one sentence on why
 * @param fallback whether it is one of the redirect's {@code fallbacks} rather than one of its targets
 */
public record Candidate(String model, String provider, String upstreamModel, Outcome outcome, String policy,
                        String reason, boolean fallback) {

    /**
     * A target (not a fallback).
     *
     * @param model the concrete model, or {@code null} for a request without a model
     * @param provider the provider it routes to, or {@code null}
     * @param upstreamModel the model name to send upstream
     * @param outcome whether this caller may use it
     * @param policy the access policy that decided, or {@code null}
     * @param reason one sentence on why
     */
    public Candidate(String model, String provider, String upstreamModel, Outcome outcome, String policy,
                     String reason) {
        this(model, provider, upstreamModel, outcome, policy, reason, false);
    }

    /** @return this candidate as one of the redirect's fallbacks */
    Candidate asFallback() {
        return new Candidate(model, provider, upstreamModel, outcome, policy, reason, true);
    }

    /** @return whether this candidate may be called */
    public boolean allowed() {
        return outcome == Outcome.ALLOWED;
    }

    /** @return the model qualified by its provider ({@code openai/gpt-5}), as access policies and metrics see it */
    public String qualified() {
        return provider == null || upstreamModel == null ? model : provider + "/" + upstreamModel;
    }
}
