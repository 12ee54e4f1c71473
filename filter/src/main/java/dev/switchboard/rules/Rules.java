package dev.switchboard.rules;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable snapshot of everything resolution needs: virtual models, providers, identity and
 * model defaults. Built once per (re)load and swapped whole; safe to share between threads. The
 * only mutable part is each round-robin redirect's counter, which is per node by definition.
 *
 * <p>Instances are assumed valid: the config loader validates before it builds them.
 */
public final class Rules {

    /** Access when no policy matches (GoModel's {@code MODELS_ENABLED_BY_DEFAULT}). */
    public static final boolean DEFAULT_ENABLED_BY_DEFAULT = true;
    /** Whether {@code /v1/models} lists only redirects. */
    public static final boolean DEFAULT_KEEP_ONLY_ALIASES = false;

    private final List<VirtualModel> virtualModels;
    private final Map<String, Provider> providers;
    private final String defaultProvider;
    private final Identity identity;
    private final boolean enabledByDefault;
    private final boolean keepOnlyAliases;

    private final Map<String, Redirect> redirects = new HashMap<>();
    /** provider -> model -> policy: looked up without building a "provider/model" string per request. */
    private final Map<String, Map<String, VirtualModel>> providerModelPolicies = new HashMap<>();
    private final Map<String, VirtualModel> providerPolicies = new HashMap<>();
    private final Map<String, VirtualModel> modelPolicies = new HashMap<>();
    /** The same two maps keyed by the model in lower case: the fallback when no policy names the model exactly. */
    private final Map<String, Map<String, VirtualModel>> foldedProviderModelPolicies = new HashMap<>();
    private final Map<String, VirtualModel> foldedModelPolicies = new HashMap<>();
    private final VirtualModel globalPolicy;
    /** The lengths of the models policies name (as written and folded), to skip a variant's bases none can name. */
    private final java.util.BitSet lengths = new java.util.BitSet();
    /** {@link Resolver#withoutModel}'s answer for these rules, made on first use (immutable; a race makes it twice). */
    volatile List<Candidate> withoutModel;
    /** {@link Resolver#withoutModel(Rules, boolean)}'s answer for an Anthropic-shaped request, made on first use. */
    volatile List<Candidate> withoutModelAnthropic;

    /**
     * @param virtualModels the rows, sources unique
     * @param providers providers by name, in declaration order; empty for the bare filter
     * @param defaultProvider the provider for names nothing else routes, or {@code null}
     * @param identity identity settings
     * @param enabledByDefault access when no policy matches
     * @param keepOnlyAliases whether {@code /v1/models} lists only redirects
     */
    public Rules(List<VirtualModel> virtualModels, Map<String, Provider> providers, String defaultProvider,
                 Identity identity, boolean enabledByDefault, boolean keepOnlyAliases) {
        this.virtualModels = List.copyOf(virtualModels);
        this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        this.defaultProvider = defaultProvider;
        this.identity = Objects.requireNonNull(identity, "identity");
        this.enabledByDefault = enabledByDefault;
        this.keepOnlyAliases = keepOnlyAliases;
        VirtualModel global = null;
        for (VirtualModel vm : this.virtualModels) {
            if (vm.isRedirect()) {
                redirects.put(vm.source(), new Redirect(vm));
                continue;
            }
            Selector s = Selector.parse(vm.source(), this.providers.keySet());
            switch (s.kind()) {
                case GLOBAL -> global = vm;
                case PROVIDER -> providerPolicies.put(s.provider(), vm);
                case PROVIDER_MODEL -> {
                    lengths.set(s.model().length());
                    lengths.set(fold(s.model()).length());
                    providerModelPolicies.computeIfAbsent(s.provider(), k -> new HashMap<>()).put(s.model(), vm);
                    foldedProviderModelPolicies.computeIfAbsent(s.provider(), k -> new HashMap<>())
                            .putIfAbsent(fold(s.model()), vm);
                }
                case MODEL -> {
                    lengths.set(s.model().length());
                    lengths.set(fold(s.model()).length());
                    modelPolicies.put(s.model(), vm);
                    foldedModelPolicies.putIfAbsent(fold(s.model()), vm);
                }
                default -> throw new IllegalStateException(s.kind().name());
            }
        }
        this.globalPolicy = global;
    }

    /** @return rules with no virtual models, no providers and every default */
    public static Rules empty() {
        return new Rules(List.of(), Map.of(), null, Identity.DEFAULT, DEFAULT_ENABLED_BY_DEFAULT,
                DEFAULT_KEEP_ONLY_ALIASES);
    }

    /** @return every row, in the order given */
    public List<VirtualModel> virtualModels() {
        return virtualModels;
    }

    /** @return providers by name in declaration order; empty for the bare filter */
    public Map<String, Provider> providers() {
        return providers;
    }

    /** @return the default provider's name, or {@code null} */
    public String defaultProvider() {
        return defaultProvider;
    }

    /** @return identity settings */
    public Identity identity() {
        return identity;
    }

    /** @return access when no policy matches */
    public boolean enabledByDefault() {
        return enabledByDefault;
    }

    /** @return whether {@code /v1/models} lists only redirects */
    public boolean keepOnlyAliases() {
        return keepOnlyAliases;
    }

    Redirect redirect(String source) {
        return redirects.get(source);
    }

    /**
     * @return the policy on the models of a provider that no policy names ({@code provider/}, else {@code /}), or
     *     {@code null}
     */
    VirtualModel providerPolicyFor(String provider) {
        VirtualModel p = providerPolicies.get(provider);
        return p != null ? p : globalPolicy;
    }

    /**
     * @return whether a policy naming a model ({@code provider/model} of this provider, or a bare model) admits a
     *     caller at this provider: then the caller may call at least that model of the provider. A policy counts only
     *     where it is the one that decides its model ({@link #policyFor}): a bare model's policy is less specific
     *     than {@code provider/} and than {@code provider/model}, so beside either it opens nothing at the provider.
     */
    boolean modelPolicyAdmits(String provider, String callerPath) {
        Map<String, VirtualModel> named = providerModelPolicies.get(provider);
        for (Map<String, VirtualModel> policies : java.util.Arrays.asList(named, modelPolicies)) {
            if (policies != null) {
                for (Map.Entry<String, VirtualModel> e : policies.entrySet()) {
                    VirtualModel vm = e.getValue();
                    if (vm.enabled() && vm.inScope(callerPath) && policyFor(provider, e.getKey()) == vm) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The single most specific policy for a routed model: {@code provider/model}, {@code provider/},
     * bare model, {@code /}; models are matched exactly, else ignoring case.
     *
     * @param provider the provider, or {@code null}
     * @param model the model id at that provider
     * @return the policy, or {@code null} when none matches
     */
    VirtualModel policyFor(String provider, String model) {
        VirtualModel p;
        if (provider != null) {
            p = lookup(providerModelPolicies.get(provider), foldedProviderModelPolicies.get(provider), model);
            if (p != null) {
                return p;
            }
            p = providerPolicies.get(provider);
            if (p != null) {
                return p;
            }
        }
        p = lookup(modelPolicies, foldedModelPolicies, model);
        return p != null ? p : globalPolicy;
    }

    /**
     * A policy naming the model exactly, else one naming it in another case (SPEC section 15): some
     * upstreams (Ollama) match model names ignoring case, so {@code GPT-5} must not dodge a policy on
     * {@code gpt-5}. An exact policy wins over one that differs in case.
     */
    private static VirtualModel lookup(Map<String, VirtualModel> exact, Map<String, VirtualModel> folded, String model) {
        VirtualModel p = exact == null ? null : exact.get(model);
        return p != null || folded == null ? p : folded.get(fold(model));
    }

    /**
     * The policy that names a routed model itself ({@code provider/model}, else the bare model where no
     * {@code provider/} policy outranks it), as {@link #policyFor} orders them; {@code null} when the model is decided
     * by a wider one ({@code provider/}, {@code /}) or none.
     */
    VirtualModel namedPolicy(String provider, String model) {
        if (provider != null) {
            VirtualModel p = lookup(providerModelPolicies.get(provider), foldedProviderModelPolicies.get(provider), model);
            if (p != null) {
                return p;
            }
            if (providerPolicies.containsKey(provider)) {
                return null;
            }
        }
        return lookup(modelPolicies, foldedModelPolicies, model);
    }

    /**
     * The policy that closes a variant to a caller through one of its bases (SPEC section 15): a name with a suffix
     * after {@code :} or {@code @} (OpenRouter's {@code gpt-5:nitro}, {@code gpt-5@preset/x}; Ollama's
     * {@code llama3:70b}; Bedrock's {@code ...-v1:0}) reaches the model its base names, so a policy naming a base
     * that closes it to the caller closes the variant too, unless a policy names the variant itself. A base's policy
     * that admits the caller admits nothing (a tag or a preset may be another model): every base is looked at.
     *
     * @param provider the provider, or {@code null} for the bare filter (the whole name is cut, then read as a
     *     selector reads it: {@code gpt-5@preset/x}'s base is {@code gpt-5})
     * @param model the model id at that provider (the whole name in the bare filter)
     * @param allowed whether a policy admits the caller
     * @return the first closing base policy, nearest first, or {@code null}
     */
    VirtualModel closingBasePolicy(String provider, String model, java.util.function.Predicate<VirtualModel> allowed) {
        int cut = variantCut(model, model.length());
        if (cut <= 0 || named(provider, model) != null) {
            return null;
        }
        // Folding keeps an ASCII name's length: a base no policy name is as long as is skipped without a copy (a name
        // of many suffixes costs one scan, not one lookup per suffix). The bare filter reads a base as a selector.
        boolean ascii = provider != null;
        for (int i = 0; i < model.length() && ascii; i++) {
            ascii = model.charAt(i) < 0x80;
        }
        for (; cut > 0; cut = variantCut(model, cut)) {
            if (ascii && !lengths.get(cut)) {
                continue;
            }
            VirtualModel p = named(provider, model.substring(0, cut));
            if (p != null && !allowed.test(p)) {
                return p;
            }
        }
        return null;
    }

    /** @return {@link #namedPolicy} as access sees the name ({@link Resolver#accessKey}: the bare filter reads a/b) */
    private VirtualModel named(String provider, String model) {
        String[] key = Resolver.accessKey(provider, model);
        return namedPolicy(key[0], key[1]);
    }

    /** @return where the last variant suffix ({@code :x} or {@code @x}) before {@code end} begins, or -1 */
    static int variantCut(String model, int end) {
        return Math.max(model.lastIndexOf(':', end - 1), model.lastIndexOf('@', end - 1));
    }

    private static String fold(String model) {
        return VirtualModel.folded(model);
    }
}
