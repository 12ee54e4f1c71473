package dev.switchboard.rules;

import java.util.List;

/**
 * Resolution (SPEC section 2) as a pure function of (rules, requested model, caller, picker):
 * redirect, target choice, provider routing, access. No I/O. The only state is the {@link Picker}'s
 * round-robin rotation, which the caller passes in (so a reload does not reset it, and
 * {@code explain} reads it without advancing it); a sticky pick for a caller without any identity is
 * random by definition.
 *
 * <p>Thread-safe.
 */
public final class Resolver {

    private Resolver() {
    }

    /**
     * Resolves a requested model for a caller.
     *
     * @param rules the snapshot to decide with
     * @param requested the body's {@code model} (trimmed here)
     * @param caller who is asking
     * @param picker the node's round-robin state; advanced by a {@code round_robin} redirect
     * @return the decision, without {@link Decision#steps()}
     */
    public static Decision resolve(Rules rules, String requested, Caller caller, Picker picker) {
        return resolve(rules, requested, caller, picker, Trace.NONE);
    }

    /**
     * Like {@link #resolve} and records every step in {@link Decision#steps()} (for {@code explain} and
     * {@code /admin/resolve}); a {@code round_robin} rotation is read, not advanced.
     *
     * @param rules the snapshot to decide with
     * @param requested the body's {@code model}
     * @param caller who is asking
     * @param picker the node's round-robin state (only peeked at)
     * @return the decision with its steps
     */
    public static Decision explain(Rules rules, String requested, Caller caller, Picker picker) {
        return resolve(rules, requested, caller, picker.peeking(), Trace.keep());
    }

    /**
     * Steps 3 and 4 alone: routes and checks a concrete model without applying redirects (a redirect's
     * target is concrete; {@code /v1/models} lists exactly what these allow).
     *
     * @param rules the snapshot
     * @param concrete a concrete model
     * @param caller who is asking
     * @return the candidate
     */
    public static Candidate resolveConcrete(Rules rules, String concrete, Caller caller) {
        return routeAndCheck(rules, concrete, caller, Trace.NONE);
    }

    /**
     * Where a request without a model goes (files, batches): {@code default_provider}, unchanged.
     *
     * @param rules the snapshot
     * @return the one candidate, or an empty list when there is no default provider (404) or no providers
     *     at all (the bare filter: the host app decides)
     */
    public static List<Candidate> withoutModel(Rules rules) {
        // Asked for every request before its body is read: made once per rule set, not a string per request.
        List<Candidate> made = rules.withoutModel;
        if (made != null) {
            return made;
        }
        String provider = rules.defaultProvider();
        if (provider == null) {
            made = List.of();
        } else {
            boolean configured = rules.providers().get(provider).configured();
            made = List.of(new Candidate(null, provider, null, configured ? Outcome.ALLOWED : Outcome.PROVIDER_UNAVAILABLE,
                    null, configured ? "default_provider " + provider + " takes requests without a model"
                    : "provider " + provider + " is not configured"));
        }
        rules.withoutModel = made;
        return made;
    }

    /**
     * Where a request without a model goes when it is Anthropic's (a message batch, its results, Anthropic's Files API:
     * the SDK sends {@code anthropic-version}): {@code default_provider} when it is an {@code anthropic} provider, else the
     * one {@code anthropic} provider when the rules declare exactly one, else {@code default_provider} as for any request
     * without a model (an upstream gateway may serve Anthropic's API too). Without it an Anthropic SDK's batch results
     * and file uploads went to an OpenAI default provider, with its key.
     *
     * @param rules the snapshot
     * @param anthropic whether the request is Anthropic's
     * @return the one candidate, or an empty list (see {@link #withoutModel(Rules)})
     */
    public static List<Candidate> withoutModel(Rules rules, boolean anthropic) {
        if (!anthropic) {
            return withoutModel(rules);
        }
        List<Candidate> made = rules.withoutModelAnthropic;
        if (made != null) {
            return made;
        }
        String fallback = rules.defaultProvider();
        Provider chosen = fallback == null ? null : rules.providers().get(fallback);
        if (chosen == null || chosen.type() != ProviderType.ANTHROPIC) {
            List<Provider> anthropics = rules.providers().values().stream()
                    .filter(p -> p.type() == ProviderType.ANTHROPIC).toList();
            chosen = anthropics.size() == 1 ? anthropics.get(0) : null;
        }
        if (chosen == null) {
            made = withoutModel(rules);
        } else {
            made = List.of(new Candidate(null, chosen.name(), null, chosen.configured() ? Outcome.ALLOWED
                    : Outcome.PROVIDER_UNAVAILABLE, null, chosen.configured()
                    ? chosen.name() + " takes Anthropic's requests without a model"
                    : "provider " + chosen.name() + " is not configured"));
        }
        rules.withoutModelAnthropic = made;
        return made;
    }

    /**
     * Where a request without a model goes when the client names the provider
     * ({@code X-Switchboard-Provider}, SPEC section 15).
     *
     * @param rules the rules
     * @param provider the provider's name
     * @return its one candidate, or an empty list when no such provider is declared
     */
    public static List<Candidate> toProvider(Rules rules, String provider) {
        Provider p = rules.providers().get(provider);
        if (p == null) {
            return List.of();
        }
        return List.of(new Candidate(null, provider, null, p.configured() ? Outcome.ALLOWED : Outcome.PROVIDER_UNAVAILABLE,
                null, p.configured() ? "X-Switchboard-Provider names " + provider : "provider " + provider + " is not configured"));
    }

    private static Decision resolve(Rules rules, String requested, Caller caller, Picker picker, Trace trace) {
        // What any upstream strips (Python, JavaScript, Go: no-break space, NEL, BOM...) is stripped here too.
        String name = ModelNames.strip(requested);
        String callerPath = caller.userPath();

        // 1. Redirect: exact, case-sensitive, one level; disabled = inert; scoped = fall through.
        Redirect r = rules.redirect(name);
        if (r == null) {
            if (trace.recording()) {
                trace.step("redirect: none has source '" + name + "'");
            }
        } else if (!r.model.enabled()) {
            if (trace.recording()) {
                trace.step("redirect: '" + name + "' is disabled, so it is inert; the name stays");
            }
        } else if (!r.model.inScope(callerPath)) {
            if (trace.recording()) {
                trace.step("redirect: '" + name + "' applies only inside " + r.model.userPaths() + "; caller path "
                        + describe(callerPath) + " is outside, so the name stays");
            }
        } else {
            // 2. Target choice: the pick first, then the other targets in the strategy's order, then the fallbacks.
            // Round robin takes the turn among the targets this caller may use, in a rotation of the callers who may
            // use the same ones: a caller who may not use one takes no turn from those who may (a sticky pick needs
            // no mask: its next-best is the caller's own).
            // Each target checked once, by index: reused below as the candidates.
            Candidate[] checked = null;
            boolean[] usable = null;
            String skipped = null;
            if (r.model.strategy() == Strategy.ROUND_ROBIN && r.model.targets().size() > 1) {
                checked = new Candidate[r.model.targets().size()];
                usable = new boolean[checked.length];
                for (int i = 0; i < usable.length; i++) {
                    Candidate c = routeAndCheck(rules, r.target(i), caller, Trace.NONE);
                    checked[i] = c;
                    usable[i] = c.allowed();
                    if (skipped == null && closed(c)) {
                        // Closed to this caller by an access policy (not a missing key, which closes it to everyone).
                        skipped = c.model();
                    }
                }
            }
            int[] order = r.order(caller, picker, usable);
            if (skipped != null && trace.recording()) {
                trace.step("round_robin: this caller's turn is taken among the targets it may use ('" + skipped
                        + "' is not one), in the rotation of the callers who may use the same ones");
            }
            String target = r.target(order[0]);
            if (trace.recording()) {
                if (r.model.targets().size() == 1) {
                    trace.step("redirect: '" + name + "' -> '" + target + "'");
                } else {
                    String identity = caller.stickyIdentity();
                    String how = r.model.strategy() == Strategy.ROUND_ROBIN ? "round_robin (per node)"
                            : r.model.strategy() == Strategy.FAILOVER ? "failover (the first target while it answers)"
                            : identity == null ? "sticky, but the caller has no identity: weighted random pick"
                            : "sticky on " + identity;
                    trace.step("redirect: '" + name + "' -> '" + target + "' chosen from " + r.model.targets()
                            + " by " + how);
                }
            }
            // Checked again only to explain it: the trace records the steps of the chosen one's check.
            Candidate chosen = checked != null && !trace.recording() ? checked[order[0]]
                    : routeAndCheck(rules, target, caller, trace);
            String[] fallbacks = r.fallbacks();
            List<Candidate> candidates;
            if (order.length == 1 && fallbacks.length == 0) {
                candidates = List.of(chosen);
            } else {
                // Each later candidate is routed and checked for this caller too: a denied one is never called.
                Candidate[] all = new Candidate[order.length + fallbacks.length];
                all[0] = chosen;
                for (int i = 1; i < order.length; i++) {
                    all[i] = checked != null ? checked[order[i]]
                            : routeAndCheck(rules, r.target(order[i]), caller, Trace.NONE);
                }
                for (int i = 0; i < fallbacks.length; i++) {
                    all[order.length + i] = routeAndCheck(rules, fallbacks[i], caller, Trace.NONE).asFallback();
                }
                int first = 0;
                while (first < all.length && !all[first].allowed()) {
                    first++;
                }
                if (first == all.length && all[0].outcome() != Outcome.PROVIDER_UNAVAILABLE) {
                    // None may be called: a candidate the caller may use whose provider has no key says so (503),
                    // rather than the pick's refusal (access is judged before credentials).
                    first = 0;
                    while (first < all.length && all[first].outcome() != Outcome.PROVIDER_UNAVAILABLE) {
                        first++;
                    }
                }
                if (first > 0 && first < all.length) {
                    // The pick is not this caller's (denied, or not routable): a candidate the caller may not use is
                    // skipped, never called (SPEC 11), the pick too. The first one it may use answers, the others
                    // stay in their order; refused only when none may be used.
                    Candidate pick = all[0];
                    Candidate instead = all[first];
                    System.arraycopy(all, 0, all, 1, first);
                    all[0] = instead;
                    // The caller's arm is the target that answers. A fallback is not an arm: when every target is
                    // closed to the caller, the redirect chose none for it (no arm's figures, no arm's label).
                    target = instead.fallback() ? null : instead.model();
                    if (skipped == null && closed(pick)) {
                        skipped = pick.model();
                    }
                    if (trace.recording()) {
                        trace.step("skipped: '" + pick.model() + "' (" + pick.reason() + "); the first candidate"
                                + " this caller may use is '" + instead.model() + "' ("
                                + (instead.fallback() ? "fallback" : "target") + ")");
                    }
                }
                candidates = List.of(all);
                if (trace.recording()) {
                    trace.step("failover: when an attempt fails before the answer starts, then "
                            + describeLater(candidates));
                }
            }
            return decision(name, name, target, candidates, skipped, trace);
        }
        return decision(name, null, null, List.of(routeAndCheck(rules, name, caller, trace)), null, trace);
    }

    /** @return whether an access policy (or models.enabled_by_default) closes the candidate to this caller */
    private static boolean closed(Candidate c) {
        return c.outcome() == Outcome.DENIED || c.outcome() == Outcome.DISABLED;
    }

    private static Decision decision(String requested, String redirect, String target, List<Candidate> candidates,
                                     String skipped, Trace trace) {
        Candidate c = candidates.get(0);
        return new Decision(requested, redirect, target, c.model(), c.provider(), c.upstreamModel(), c.outcome(),
                c.policy(), c.reason(), candidates, trace.steps(), skipped);
    }

    private static Candidate routeAndCheck(Rules rules, String concrete, Caller caller, Trace trace) {
        String callerPath = caller.userPath();
        // 3. Provider.
        String provider = null;
        String upstream = concrete;
        if (rules.providers().isEmpty()) {
            trace.step("provider: none declared (bare filter); the model is forwarded as written");
        } else {
            Route route = route(rules, concrete);
            if (route == null) {
                if (trace.recording()) {
                trace.step("provider: nothing routes '" + concrete + "' and there is no default_provider");
            }
                return new Candidate(concrete, null, concrete, Outcome.NOT_FOUND, null, "unsupported model: " + concrete);
            }
            provider = route.provider();
            upstream = route.upstreamModel();
            if (trace.recording()) {
                trace.step(switch (route.via()) {
                    case PREFIX -> "provider: prefix '" + provider + "/' routes to provider " + provider
                            + ", upstream model '" + upstream + "'";
                    case INVENTORY -> "provider: '" + concrete + "' is in the static models of provider " + provider;
                    case DEFAULT -> "provider: no prefix or static models list claims '" + concrete
                            + "'; default_provider " + provider + " takes it";
                });
            }
        }

        // 4. Access, on the concrete model qualified by its provider.
        String[] key = accessKey(provider, provider == null ? concrete : upstream);
        String accessProvider = key[0];
        String model = key[1];
        VirtualModel policy = rules.policyFor(accessProvider, model);
        Outcome outcome = access(rules, policy, callerPath);
        if (outcome == Outcome.ALLOWED) {
            // A variant (gpt-5:nitro, llama3:latest) is closed by a policy that closes one of its bases (SPEC 15).
            VirtualModel base = closingBase(rules, provider, provider == null ? concrete : upstream, callerPath);
            if (base != null) {
                policy = base;
                outcome = access(rules, base, callerPath);
            }
        }
        String reason = reason(rules, policy, outcome, accessProvider, model, callerPath);
        if (trace.recording()) {
            trace.step("access: " + reason);
        }

        // Credentials last: a caller who may not use the model learns that, not how the gateway is set up.
        if (outcome == Outcome.ALLOWED && provider != null && !rules.providers().get(provider).configured()) {
            outcome = Outcome.PROVIDER_UNAVAILABLE;
            reason = "provider " + provider + " is not configured";
            trace.step("provider: " + provider + " has no api_key, so it is not routed to");
        }
        return new Candidate(concrete, provider, upstream, outcome, policy == null ? null : policy.source(), reason);
    }

    /**
     * Whether a caller may send a request without a model (files, batches, stored objects) to a provider: when it
     * may call at least one of its models, by a policy naming one ({@code provider/model}, or a bare model), or by
     * the rule for the rest ({@code provider/}, else {@code /}, else {@code models.enabled_by_default}). A caller
     * who may call none of them does not reach the provider's account.
     *
     * @param rules the snapshot
     * @param provider the provider the request goes to
     * @param callerPath the caller's normalized path, or {@code null}
     * @return {@link Outcome#ALLOWED}, {@link Outcome#DENIED} or {@link Outcome#DISABLED}
     */
    public static Outcome providerAccess(Rules rules, String provider, String callerPath) {
        Outcome rest = access(rules, rules.providerPolicyFor(provider), callerPath);
        return rest == Outcome.ALLOWED || rules.modelPolicyAdmits(provider, callerPath) ? Outcome.ALLOWED : rest;
    }

    /**
     * Whether a caller may call a model that routes to {@code provider} as {@code model} (the access step
     * alone; used to list {@code /v1/models} exactly as callable).
     *
     * @param rules the snapshot
     * @param provider the provider name, or {@code null} for the bare filter
     * @param model the model id at that provider
     * @param callerPath the caller's normalized path, or {@code null}
     * @return whether access is allowed
     */
    public static boolean allows(Rules rules, String provider, String model, String callerPath) {
        String[] key = accessKey(provider, model);
        if (access(rules, rules.policyFor(key[0], key[1]), callerPath) != Outcome.ALLOWED) {
            return false;
        }
        return closingBase(rules, provider, model, callerPath) == null;
    }

    /** @return the policy naming a base of a variant that closes it to this caller ({@link Rules#closingBasePolicy}) */
    private static VirtualModel closingBase(Rules rules, String provider, String model, String callerPath) {
        if (Rules.variantCut(model, model.length()) <= 0) {
            // Most names: no suffix, nothing to look at (and no predicate made).
            return null;
        }
        return rules.closingBasePolicy(provider, model, p -> access(rules, p, callerPath) == Outcome.ALLOWED);
    }

    /**
     * What access policies see: the provider and the model at it. Without a provider (bare filter) a
     * model written {@code a/b} is read as provider {@code a}, model {@code b}, as selectors are.
     *
     * @return {provider or null, model}
     */
    static String[] accessKey(String provider, String model) {
        if (provider == null) {
            int slash = model.indexOf('/');
            if (slash > 0 && slash < model.length() - 1) {
                return new String[] {model.substring(0, slash), model.substring(slash + 1)};
            }
        }
        return new String[] {provider, model};
    }

    /** Step 4's verdict from the most specific policy (or {@code models.enabled_by_default} without one). */
    private static Outcome access(Rules rules, VirtualModel policy, String callerPath) {
        if (policy == null) {
            return rules.enabledByDefault() ? Outcome.ALLOWED : Outcome.DISABLED;
        }
        if (!policy.enabled()) {
            return Outcome.DISABLED;
        }
        return policy.inScope(callerPath) ? Outcome.ALLOWED : Outcome.DENIED;
    }

    /**
     * Routes a concrete model to a provider (SPEC section 2, step 3): a declared provider's prefix, else
     * the first provider whose static {@code models} list holds the id, else {@code default_provider}.
     *
     * @param rules the snapshot, with providers declared
     * @param concrete the concrete model
     * @return the route, or {@code null} when nothing routes it
     */
    public static Route route(Rules rules, String concrete) {
        int slash = concrete.indexOf('/');
        if (slash > 0 && slash < concrete.length() - 1) {
            String prefix = concrete.substring(0, slash);
            if (rules.providers().containsKey(prefix)) {
                return new Route(prefix, concrete.substring(slash + 1), Route.Via.PREFIX);
            }
        }
        for (Provider p : rules.providers().values()) {
            if (p.models().contains(concrete)) {
                return new Route(p.name(), concrete, Route.Via.INVENTORY);
            }
        }
        return rules.defaultProvider() == null ? null
                : new Route(rules.defaultProvider(), concrete, Route.Via.DEFAULT);
    }

    private static String reason(Rules rules, VirtualModel policy, Outcome outcome, String provider, String model,
                                 String callerPath) {
        String qualified = provider == null ? model : provider + "/" + model;
        if (policy == null) {
            return "no access policy matches '" + qualified + "'; models.enabled_by_default is " + rules.enabledByDefault();
        }
        if (!policy.enabled()) {
            return "policy '" + policy.source() + "' disables '" + qualified + "' for everyone";
        }
        if (policy.userPaths().isEmpty()) {
            return "policy '" + policy.source() + "' admits every caller";
        }
        return "policy '" + policy.source() + "' admits " + (outcome == Outcome.ALLOWED ? "" : "only ") + policy.userPaths()
                + "; caller path " + describe(callerPath) + " is " + (outcome == Outcome.ALLOWED ? "inside" : "outside");
    }

    /** The candidates after the first, in order, each with its role and, for one the caller may not use, why. */
    private static String describeLater(List<Candidate> candidates) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            sb.append(i == 1 ? "" : ", ").append('\'').append(c.model()).append("' (")
                    .append(c.fallback() ? "fallback" : "target");
            if (!c.allowed()) {
                sb.append("; skipped: ").append(c.reason());
            }
            sb.append(')');
        }
        return sb.toString();
    }

    private static String describe(String callerPath) {
        return callerPath == null ? "(none)" : callerPath;
    }
}
