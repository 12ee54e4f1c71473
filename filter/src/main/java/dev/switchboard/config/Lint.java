package dev.switchboard.config;

import dev.switchboard.rules.Provider;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Route;
import dev.switchboard.rules.Rules;
import dev.switchboard.rules.Selector;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Warnings: configurations that are legal but probably not what the operator meant. {@code validate}
 * prints them and still exits 0; the proxy logs them at start and on reload.
 */
final class Lint {

    private Lint() {
    }

    /**
     * Where a row of the virtual-model table was written.
     *
     * @param file {@code null} for the config file, else the admin store's name
     * @param path the row's YAML path in that file ({@code virtual_models[3]})
     */
    record Origin(String file, String path) {
    }

    /**
     * @param file {@code null} for the config file, else the admin store's name
     * @param index the row's index in that file's {@code virtual_models}
     * @return where that row is
     */
    static Origin origin(String file, int index) {
        return new Origin(file, "virtual_models[" + index + "]");
    }

    /**
     * @param count how many rows
     * @return where each row of the config file's table is: {@code virtual_models[0]}, ...
     */
    static List<Origin> configRows(int count) {
        List<Origin> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(origin(null, i));
        }
        return out;
    }

    /** Tokens shorter than this are warned about: a word such as {@code secret} or {@code changeme} is guessed. */
    static final int SHORT_TOKEN = 16;

    /**
     * @param admin the admin settings
     * @param observability the observability settings
     * @return a warning for each bearer token set shorter than {@link #SHORT_TOKEN} characters (the admin API can
     *     rewrite every route; {@code /metrics} names every model and caller's traffic)
     */
    static List<Warning> tokens(AdminSettings admin, ObservabilitySettings observability) {
        List<Warning> out = new ArrayList<>(2);
        shortToken(out, "admin.token", admin.token());
        shortToken(out, "observability.metrics_token", observability.metricsToken());
        return out;
    }

    /**
     * @param server the server settings
     * @return a warning when {@code upstream_idle_timeout} is shorter than {@code client_idle_timeout}: while the gateway
     *     waits on a client that pauses its reading, the provider's connection is idle too, and a pause between the two
     *     ends a stream at the provider's timeout, not the client's
     */
    static List<Warning> timeouts(ServerSettings server) {
        if (server.upstreamIdleTimeout().compareTo(server.clientIdleTimeout()) >= 0) {
            return List.of();
        }
        return List.of(new Warning(null, "server.upstream_idle_timeout", null, "upstream_idle_timeout ("
                + Durations.format(server.upstreamIdleTimeout()) + ") is shorter than client_idle_timeout ("
                + Durations.format(server.clientIdleTimeout()) + ", the bundled proxy's): a client that pauses its reading"
                + " for longer than the"
                + " first has its stream cut, since the provider's connection waits with it (recorded as the client's"
                + " client_timeout); keep upstream_idle_timeout at or above client_idle_timeout"));
    }

    /**
     * A gateway key that binds no user path, while the user-path header is trusted: its caller names its own path
     * (a README audit: key "bob" sent {@code X-User-Path: /acme/ml} and passed the {@code /acme/ml} policy). Meant so
     * for a trusted service that speaks for its users; said, since it reads like a key that gates access.
     */
    private static void identity(List<Warning> out, dev.switchboard.rules.Identity identity) {
        if (!identity.trustUserPathHeader()) {
            return;
        }
        List<dev.switchboard.rules.Client> clients = identity.clients();
        for (int i = 0; i < clients.size(); i++) {
            if (clients.get(i).userPath() == null) {
                out.add(new Warning(null, "identity.clients[" + i + "]", null, "the key of '" + clients.get(i).name()
                        + "' binds no user_path while trust_user_path_header is true: its caller may claim any user path"
                        + " (and pass any user_paths policy) with the " + identity.userPathHeader() + " header; bind one"
                        + " (user_path: /team) unless it speaks for its own users, or set trust_user_path_header: false"));
            }
        }
    }

    /**
     * A target or fallback with a URL delimiter ({@link dev.switchboard.rules.ModelNames#sendable}): a warning, not an
     * error, so that a store or config that held one before the rule still loads (an error would stop every node that
     * reads it); the request side refuses it.
     */
    private static void unsendable(List<Warning> out, String file, String path, String source, String model,
                                   String then) {
        // The whole name: a provider's name holds none of them (letters, digits, '.', '_', '-'), so the part sent does.
        if (!dev.switchboard.rules.ModelNames.sendable(model)) {
            out.add(new Warning(file, path, source, "'" + model + "': " + dev.switchboard.rules.ModelNames.URL_DELIMITER
                    + ", so " + then));
        }
    }

    private static void shortToken(List<Warning> out, String path, String token) {
        if (!token.isEmpty() && token.length() < SHORT_TOKEN) {
            out.add(new Warning(null, path, null, "the token is " + token.length() + " characters, short enough to be "
                    + "guessed; use " + SHORT_TOKEN + " or more random ones (for example the output of "
                    + "`openssl rand -hex 32`)"));
        }
    }

    /**
     * @param rules the rules to look at
     * @param origins where each of {@code rules.virtualModels()} was written, in order
     * @return the warnings, providers first, then the rows in order
     */
    static List<Warning> warnings(Rules rules, List<Origin> origins) {
        List<Warning> out = new ArrayList<>();
        for (Provider p : rules.providers().values()) {
            if (!p.configured()) {
                out.add(new Warning(null, "providers." + p.name(), null, "api_key is empty, so provider " + p.name()
                        + " is not routed to or listed until it is set"));
            }
        }
        identity(out, rules.identity());
        Set<String> redirectSources = new HashSet<>();
        Set<String> enabledSources = new HashSet<>();
        Set<String> policySources = new HashSet<>();
        for (VirtualModel vm : rules.virtualModels()) {
            if (vm.isRedirect()) {
                redirectSources.add(vm.source());
                if (vm.enabled()) {
                    enabledSources.add(vm.source());
                }
            } else {
                policySources.add(vm.source());
            }
        }
        boolean providerMode = !rules.providers().isEmpty();
        // The provider-wide policies ('p/'), which outrank a bare model's policy on their provider (SPEC 2).
        Map<String, VirtualModel> providerPolicies = new LinkedHashMap<>();
        for (VirtualModel vm : rules.virtualModels()) {
            if (providerMode && !vm.isRedirect()) {
                Selector s = Selector.parse(vm.source(), rules.providers().keySet());
                if (s.kind() == Selector.Kind.PROVIDER && rules.providers().containsKey(s.provider())) {
                    providerPolicies.put(s.provider(), vm);
                }
            }
        }
        List<VirtualModel> rows = rules.virtualModels();
        // NFC form -> the first row written so: two sources that look alike, in other code points (é as one, or as e
        // and a combining accent), are two names to the gateway and to every upstream.
        Map<String, Integer> lookAlike = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            VirtualModel vm = rows.get(i);
            String file = origins.get(i).file();
            String path = origins.get(i).path();
            String nfc = java.text.Normalizer.normalize(vm.source(), java.text.Normalizer.Form.NFC);
            Integer first = lookAlike.putIfAbsent(nfc, i);
            if (first != null && !rows.get(first).source().equals(vm.source())) {
                Origin o = origins.get(first);
                out.add(new Warning(file, path + ".source", vm.source(), "looks like '" + rows.get(first).source()
                        + "' (" + (o.file() == null ? "" : o.file() + ", ") + o.path() + ") but is written with other Unicode code points (one"
                        + " composed, one not): two names to the gateway and to upstreams; keep one spelling"));
            }
            if (vm.isRedirect()) {
                for (int j = 0; j < vm.targets().size(); j++) {
                    Target t = vm.targets().get(j);
                    String tp = vm.targets().size() == 1 ? path + ".target" : path + ".targets[" + j + "].model";
                    if (redirectSources.contains(t.model())) {
                        out.add(new Warning(file, tp, vm.source(), "'" + t.model() + "' is also the source of a redirect;"
                                + " targets are not resolved again, so '" + vm.source() + "' goes to the model '"
                                + t.model() + "' itself"));
                    }
                    if (providerMode && Resolver.route(rules, t.model()) == null) {
                        out.add(new Warning(file, tp, vm.source(), "no provider can route '" + t.model() + "' (no declared"
                                + " provider prefix, no static models list holds it, and there is no default_provider)"));
                    }
                    unsendable(out, file, tp, vm.source(), t.model(), "a request it picks is refused (400)");
                }
                for (int j = 0; j < vm.fallbacks().size(); j++) {
                    String f = vm.fallbacks().get(j);
                    String fp = path + ".fallbacks[" + j + "]";
                    if (redirectSources.contains(f)) {
                        out.add(new Warning(file, fp, vm.source(), "'" + f + "' is also the source of a redirect;"
                                + " fallbacks are not resolved again, so '" + vm.source() + "' falls back to the model '"
                                + f + "' itself"));
                    }
                    if (providerMode && Resolver.route(rules, f) == null) {
                        out.add(new Warning(file, fp, vm.source(), "no provider can route the fallback '" + f + "' (no"
                                + " declared provider prefix, no static models list holds it, and there is no"
                                + " default_provider)"));
                    }
                    unsendable(out, file, fp, vm.source(), f, "it is skipped, never called");
                }
                String shadowed = shadowedBy(rules, vm.source());
                if (shadowed != null) {
                    out.add(new Warning(file, path + ".source", vm.source(), "'" + vm.source() + "' shadows a model that"
                            + " provider " + shadowed + " lists; requests for it go to " + targetsOf(vm)));
                }
                String other = providerMode && vm.enabled() ? otherSpelling(rules, vm.source()) : null;
                // Covered when the other name is redirected too, or when a policy gates the model by either name.
                if (other != null && !enabledSources.contains(other) && !policySources.contains(other)
                        && !policySources.contains(vm.source())) {
                    out.add(new Warning(file, path + ".source", vm.source(), "redirects match the name as written: a"
                            + " request for '" + other + "' reaches the model '" + vm.source() + "' names without"
                            + " this redirect; add a redirect for '" + other + "' too, or gate the model with an access"
                            + " policy"));
                }
            } else {
                Selector s = Selector.parse(vm.source(), rules.providers().keySet());
                if (providerMode && s.kind() == Selector.Kind.PROVIDER && !rules.providers().containsKey(s.provider())) {
                    // Only an admin store's row gets here (the config file refuses it): written through a node that
                    // declares the provider, read on one that does not yet.
                    out.add(new Warning(file, path + ".source", vm.source(), "policy '" + vm.source() + "' names no"
                            + " provider this node declares, so it guards nothing here (requests for '" + vm.source()
                            + "...' go to the default provider as bare model names) until its config declares '"
                            + s.provider() + "'"));
                }
                if (providerMode && s.kind() == Selector.Kind.MODEL && vm.source().indexOf('/') > 0) {
                    String prefix = vm.source().substring(0, vm.source().indexOf('/'));
                    out.add(new Warning(file, path + ".source", vm.source(), "policy '" + vm.source() + "' can never"
                            + " match a model of provider '" + prefix + "': '" + prefix + "' is not a declared provider,"
                            + " so it selects only the bare model id '" + vm.source() + "'"));
                }
                if (!vm.enabled() && !vm.userPaths().isEmpty()) {
                    out.add(new Warning(file, path + ".user_paths", vm.source(),
                            "a disabled policy denies everyone, so these paths have no effect"));
                }
                if (providerMode && s.kind() == Selector.Kind.MODEL && vm.source().indexOf('/') < 0) {
                    for (Map.Entry<String, VirtualModel> e : providerPolicies.entrySet()) {
                        VirtualModel wide = e.getValue();
                        String exact = e.getKey() + "/" + vm.source();
                        List<String> served = rules.providers().get(e.getKey()).models();
                        // Only where the provider may serve the model: any, without a static list; else one it lists.
                        if (!policySources.contains(exact) && (served.isEmpty() || served.contains(vm.source()))
                                && (wide.enabled() != vm.enabled() || wide.enabled()
                                && !Set.copyOf(wide.userPaths()).equals(Set.copyOf(vm.userPaths())))) {
                            out.add(new Warning(file, path + ".source", vm.source(), "policy '" + vm.source() + "' does"
                                    + " not decide for '" + exact + "': the policy '" + wide.source() + "' is more"
                                    + " specific there and " + effect(wide) + "; add a policy '" + exact + "' to decide"
                                    + " there as this one does"));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** @return what a policy does, for a sentence */
    private static String effect(VirtualModel policy) {
        return !policy.enabled() ? "denies everyone" : policy.userPaths().isEmpty() ? "admits every caller"
                : "admits " + policy.userPaths();
    }

    private static String shadowedBy(Rules rules, String source) {
        int slash = source.indexOf('/');
        if (slash > 0) {
            Provider p = rules.providers().get(source.substring(0, slash));
            if (p != null && p.models().contains(source.substring(slash + 1))) {
                return p.name();
            }
        }
        for (Provider p : rules.providers().values()) {
            if (p.models().contains(source)) {
                return p.name();
            }
        }
        return null;
    }

    /**
     * @return the other name of the very model a redirect's source names, when a client may send it: the bare id of
     *     {@code provider/id} when that id routes to the same provider, or {@code provider/id} for a bare id the
     *     provider's static list holds (a real model, not a virtual name routed to {@code default_provider});
     *     {@code null} when there is none
     */
    private static String otherSpelling(Rules rules, String source) {
        Route route = Resolver.route(rules, source);
        if (route == null) {
            return null;
        }
        if (route.via() == Route.Via.PREFIX) {
            Route bare = Resolver.route(rules, route.upstreamModel());
            return bare != null && bare.provider().equals(route.provider())
                    && bare.upstreamModel().equals(route.upstreamModel()) ? route.upstreamModel() : null;
        }
        return route.via() == Route.Via.INVENTORY ? route.provider() + "/" + source : null;
    }

    private static String targetsOf(VirtualModel vm) {
        List<String> models = new ArrayList<>();
        for (Target t : vm.targets()) {
            models.add("'" + t.model() + "'");
        }
        return String.join(" / ", models);
    }
}
