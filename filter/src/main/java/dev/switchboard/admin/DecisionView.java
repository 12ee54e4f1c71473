package dev.switchboard.admin;

import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * A decision of the resolver (SPEC section 2) as JSON: the one writer used by {@code /admin/resolve}
 * (this record, every step explained and every candidate route) and by {@code explain --json} (its
 * {@link #brief()}: the keys of SPEC section 8, then the candidates in the order they would be tried). Written
 * in component order with snake_case names.
 *
 * @param requested the trimmed requested name
 * @param userPath the caller's normalized user path, or {@code null}
 * @param redirect the source of the redirect that applied, or {@code null}
 * @param target the target it chose, or {@code null}
 * @param concrete the model after redirects
 * @param provider the provider it routes to, or {@code null}
 * @param upstreamModel the model sent upstream
 * @param allowed whether the request may go on
 * @param outcome the verdict ({@code allowed}, {@code denied}, {@code disabled}, {@code not_found},
 *     {@code provider_unavailable})
 * @param policy the access policy that decided, or {@code null}
 * @param reason one sentence on why
 * @param steps every step explained, in order
 * @param candidates every concrete model the request may go to, in the order they would be tried
 */
public record DecisionView(String requested, String userPath, String redirect, String target, String concrete,
                           String provider, String upstreamModel, boolean allowed, Outcome outcome, String policy,
                           String reason, List<String> steps, List<CandidateView> candidates) {

    /**
     * One candidate route, in the order they would be tried (SPEC section 11).
     *
     * @param model the concrete model, or {@code null} for a request without a model
     * @param role {@code target} (one of the redirect's targets, or the model itself) or {@code fallback}
     * @param provider the provider it routes to, or {@code null}
     * @param upstreamModel the model sent upstream, or {@code null}
     * @param allowed whether this caller may use it (a candidate it may not use is skipped, never called)
     * @param outcome the verdict for it
     * @param policy the access policy that decided, or {@code null}
     * @param reason one sentence on why
     */
    public record CandidateView(String model, Role role, String provider, String upstreamModel, boolean allowed,
                                Outcome outcome, String policy, String reason) {
    }

    /** What a candidate is to the redirect. */
    public enum Role {
        /** One of the redirect's targets (or, without a redirect, the requested model). */
        TARGET,
        /** One of the redirect's {@code fallbacks}. */
        FALLBACK
    }

    /**
     * The keys {@code explain --json} prints: those of SPEC section 8, then every candidate in the order it would
     * be tried (SPEC section 11), each saying whether this caller may use it.
     *
     * @param requested the trimmed requested name
     * @param redirect the source of the redirect that applied, or {@code null}
     * @param target the target it chose, or {@code null}
     * @param concrete the model after redirects
     * @param provider the provider, or {@code null}
     * @param upstreamModel the model sent upstream
     * @param allowed whether the request may go on
     * @param policy the access policy that decided, or {@code null}
     * @param reason one sentence on why
     * @param candidates every candidate route, the chosen one first, then the other targets, then the fallbacks
     */
    public record Brief(String requested, String redirect, String target, String concrete, String provider,
                        String upstreamModel, boolean allowed, String policy, String reason,
                        List<CandidateView> candidates) {

        public Brief {
            candidates = List.copyOf(candidates);
        }

        /** @return this as one JSON object, UTF-8 */
        public byte[] json() {
            return JsonTree.write(this);
        }
    }

    public DecisionView {
        steps = List.copyOf(steps);
        candidates = List.copyOf(candidates);
    }

    /**
     * @param d a decision
     * @param userPath the caller's normalized user path it was made for, or {@code null}
     * @return its view
     */
    public static DecisionView of(Decision d, String userPath) {
        List<CandidateView> candidates = new ArrayList<>();
        for (Candidate c : d.candidates()) {
            candidates.add(new CandidateView(c.model(), c.fallback() ? Role.FALLBACK : Role.TARGET, c.provider(),
                    c.upstreamModel(), c.allowed(), c.outcome(), c.policy(), c.reason()));
        }
        return new DecisionView(d.requested(), userPath, d.redirect(), d.target(), d.concrete(), d.provider(),
                d.upstreamModel(), d.allowed(), d.outcome(), d.policy(), d.reason(), d.steps(), candidates);
    }

    /** @return the keys of SPEC section 8 and the candidates */
    public Brief brief() {
        return new Brief(requested, redirect, target, concrete, provider, upstreamModel, allowed, policy, reason,
                candidates);
    }

    /** @return this as one JSON object, UTF-8 */
    public byte[] json() {
        return JsonTree.write(this);
    }
}
