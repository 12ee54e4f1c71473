package dev.switchboard.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolution (SPEC section 2) as a pure function of (rules, requested model, caller): redirect,
 * target choice, provider routing, access. No I/O. The only state touched is a round-robin
 * redirect's counter; a sticky pick for a caller without any identity is random by definition.
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
     * @return the decision, without {@link Decision#steps()}
     */
    public static Decision resolve(Rules rules, String requested, Caller caller) {
        return resolve(rules, requested, caller, null);
    }

    /**
     * Like {@link #resolve} and records every step in {@link Decision#steps()} (for {@code explain} and
     * {@code /admin/resolve}).
     *
     * @param rules the snapshot to decide with
     * @param requested the body's {@code model}
     * @param caller who is asking
     * @return the decision with its steps
     */
    public static Decision explain(Rules rules, String requested, Caller caller) {
        return resolve(rules, requested, caller, new ArrayList<>());
    }

    /**
     * Steps 3 and 4 alone: routes and checks a concrete model without applying redirects (a redirect's
     * target is concrete; {@code /v1/models} lists exactly what these allow).
     *
     * @param rules the snapshot
     * @param concrete a concrete model
     * @param caller who is asking
     * @return the decision, without steps
     */
    public static Decision resolveConcrete(Rules rules, String concrete, Caller caller) {
        return routeAndCheck(rules, concrete, null, null, concrete, caller, null);
    }

    private static Decision resolve(Rules rules, String requested, Caller caller, List<String> steps) {
        String name = requested.strip();
        String callerPath = caller.userPath();

        // 1. Redirect: exact, case-sensitive, one level; disabled = inert; scoped = fall through.
        String redirect = null;
        String target = null;
        String concrete = name;
        Redirect r = rules.redirect(name);
        if (r == null) {
            step(steps, "redirect: none has source '" + name + "'");
        } else if (!r.model.enabled()) {
            step(steps, "redirect: '" + name + "' is disabled, so it is inert; the name stays");
        } else if (!r.model.inScope(callerPath)) {
            step(steps, "redirect: '" + name + "' applies only inside " + r.model.userPaths() + "; caller path "
                    + describe(callerPath) + " is outside, so the name stays");
        } else {
            // 2. Target choice.
            redirect = name;
            target = r.pick(caller);
            concrete = target;
            if (steps != null) {
                if (r.model.targets().size() == 1) {
                    step(steps, "redirect: '" + name + "' -> '" + target + "'");
                } else {
                    String identity = caller.stickyIdentity();
                    String how = r.model.strategy() == Strategy.ROUND_ROBIN ? "round_robin (per node)"
                            : identity == null ? "sticky, but the caller has no identity: weighted random pick"
                            : "sticky on " + identity;
                    step(steps, "redirect: '" + name + "' -> '" + target + "' chosen from " + r.model.targets()
                            + " by " + how);
                }
            }
        }

        return routeAndCheck(rules, name, redirect, target, concrete, caller, steps);
    }

    private static Decision routeAndCheck(Rules rules, String name, String redirect, String target, String concrete,
                                          Caller caller, List<String> steps) {
        String callerPath = caller.userPath();
        // 3. Provider.
        String provider = null;
        String upstream = concrete;
        if (rules.providers().isEmpty()) {
            step(steps, "provider: none declared (bare filter); the model is forwarded as written");
        } else {
            Route route = route(rules, concrete);
            if (route == null) {
                step(steps, "provider: nothing routes '" + concrete + "' and there is no default_provider");
                return new Decision(name, redirect, target, concrete, null, concrete, Outcome.NOT_FOUND, null,
                        "unsupported model: " + concrete, steps(steps));
            }
            provider = route.provider();
            upstream = route.upstreamModel();
            if (steps != null) {
                step(steps, switch (route.via()) {
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
        String reason = reason(rules, policy, outcome, accessProvider, model, callerPath);
        step(steps, "access: " + reason);

        // Credentials last: a caller who may not use the model learns that, not how the gateway is set up.
        if (outcome == Outcome.ALLOWED && provider != null && !rules.providers().get(provider).configured()) {
            outcome = Outcome.PROVIDER_UNAVAILABLE;
            reason = "provider " + provider + " is not configured";
            step(steps, "provider: " + provider + " has no api_key, so it is not routed to");
        }
        return new Decision(name, redirect, target, concrete, provider, upstream, outcome,
                policy == null ? null : policy.source(), reason, steps(steps));
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
        return access(rules, rules.policyFor(key[0], key[1]), callerPath) == Outcome.ALLOWED;
    }

    /**
     * What access policies see: the provider and the model at it. Without a provider (bare filter) a
     * model written {@code a/b} is read as provider {@code a}, model {@code b}, as selectors are.
     *
     * @return {provider or null, model}
     */
    private static String[] accessKey(String provider, String model) {
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

    private static void step(List<String> steps, String text) {
        if (steps != null) {
            steps.add(text);
        }
    }

    private static List<String> steps(List<String> steps) {
        return steps == null ? List.of() : steps;
    }

    private static String describe(String callerPath) {
        return callerPath == null ? "(none)" : callerPath;
    }
}
