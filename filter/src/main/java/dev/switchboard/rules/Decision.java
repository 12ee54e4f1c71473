package dev.switchboard.rules;

import java.util.List;

/**
 * The result of resolving one requested model for one caller (SPEC section 2). The top-level fields
 * describe the chosen candidate, the first of {@link #candidates()}.
 *
 * @param requested the trimmed requested name
 * @param redirect the source of the redirect that applied, or {@code null}
 * @param target the target the redirect chose for this caller (the first target it may use when the pick is closed
 *     to it), or {@code null}: no redirect applied, or the caller may use none of its targets (a fallback answers)
 * @param concrete the model after redirects (as written, before provider routing)
 * @param provider the provider it routes to, or {@code null} (bare filter, or not routable)
 * @param upstreamModel the model name to send upstream (the body's new {@code model})
 * @param outcome the verdict
 * @param policy the source of the access policy that decided, or {@code null} when none matched
 * @param reason one sentence on why
 * @param candidates every concrete model this request may go to, in the order to try them, each routed
 *     and checked for this caller; never empty, the first is the chosen one
 * @param steps every step explained, in order; empty unless the decision was made by {@code explain}
 * @param skipped a target of the redirect an access policy closes to this caller, when that changed where it goes:
 *     the pick given up for the first candidate it may use (SPEC 11), or, for round robin, one its turn was taken
 *     without; else {@code null}
 */
public record Decision(String requested, String redirect, String target, String concrete, String provider,
                       String upstreamModel, Outcome outcome, String policy, String reason,
                       List<Candidate> candidates, List<String> steps, String skipped) {

    public Decision {
        candidates = List.copyOf(candidates);
        steps = List.copyOf(steps);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("a decision has at least one candidate");
        }
    }

    /** @return whether the request may go on */
    public boolean allowed() {
        return outcome == Outcome.ALLOWED;
    }

    /** @return the concrete model qualified by its provider ({@code openai/gpt-5}), as access policies see it */
    public String qualified() {
        return provider == null ? concrete : provider + "/" + upstreamModel;
    }

    /** @return the chosen candidate */
    public Candidate chosen() {
        return candidates.get(0);
    }
}
