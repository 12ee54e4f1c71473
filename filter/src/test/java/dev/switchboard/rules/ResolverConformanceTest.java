package dev.switchboard.rules;

import static dev.switchboard.rules.Outcome.ALLOWED;
import static dev.switchboard.rules.Outcome.DENIED;
import static dev.switchboard.rules.Outcome.DISABLED;
import static dev.switchboard.rules.Outcome.NOT_FOUND;
import static dev.switchboard.rules.Outcome.PROVIDER_UNAVAILABLE;
import static dev.switchboard.rules.ProviderType.ANTHROPIC;
import static dev.switchboard.rules.ProviderType.ECHO;
import static dev.switchboard.rules.ProviderType.OPENAI;
import static dev.switchboard.rules.ProviderType.OPENAI_COMPATIBLE;
import static dev.switchboard.rules.RulesFixture.rules;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC section 2 ("Resolution") as a table: every rule of redirect, provider routing and access, plus the
 * README's decisions where the spec is silent (access before credentials, default-off is DISABLED, the
 * bare filter matches policies as written) and the GoModel cases worth re-creating. Each row is one
 * requested model for one caller against one rules snapshot, with every field of the decision expected.
 * Target choice among several targets is covered by {@link StickyDistributionTest}.
 */
final class ResolverConformanceTest {

    private static final String NO_PATH = null;
    private static final String NO_PROVIDER = null;
    private static final String NO_REDIRECT = null;
    private static final String NO_POLICY = null;

    /** A bundled-proxy config: providers with static inventories, a default, redirects and two policies. */
    private static Rules gateway() {
        return rules()
                .provider("openai", OPENAI, "sk-openai", "gpt-5", "gpt-5-mini", "shared-model")
                .provider("anthropic", ANTHROPIC, "sk-anthropic", "claude-sonnet-4-6", "shared-model")
                .provider("openrouter", OPENAI_COMPATIBLE, "", "Qwen/Qwen3-1.7B")
                .provider("demo", ECHO, "")
                .defaultProvider("demo")
                .redirect("regular", "anthropic/claude-sonnet-4-6")
                .redirect("everyday", "gpt-5")
                .disabledRedirect("retired", "openai/gpt-5-mini")
                .redirect("labs-model", "openai/gpt-5-mini", "/acme/labs")
                .redirect("root-scoped", "openai/gpt-5-mini", "/")
                .redirect("swap-a", "swap-b")
                .redirect("swap-b", "swap-a")
                .redirect("chain-1", "chain-2")
                .redirect("chain-2", "openai/gpt-5-mini")
                .redirect("gated", "openai/gpt-5")
                .redirect("off-alias", "openai/o3-pro")
                .policy("openai/gpt-5", "/acme/ml", "/acme/labs")
                .disabledPolicy("openai/o3-pro")
                .build();
    }

    /** The same real model name shadowed by an enabled or a disabled redirect. */
    private static Rules shadow(boolean enabled) {
        RulesFixture r = rules()
                .provider("anthropic", ANTHROPIC, "sk-anthropic", "claude-sonnet-4-6", "claude-opus-4-6");
        return (enabled ? r.redirect("anthropic/claude-opus-4-6", "anthropic/claude-sonnet-4-6")
                : r.disabledRedirect("anthropic/claude-opus-4-6", "anthropic/claude-sonnet-4-6")).build();
    }

    static Stream<Case> redirects() {
        Rules g = gateway();
        return Stream.of(
                row("exact source applies the redirect", g, "regular", NO_PATH,
                        ALLOWED, "anthropic/claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "regular", NO_POLICY),
                row("requested name is trimmed before matching", g, " \tregular \n", NO_PATH,
                        ALLOWED, "anthropic/claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "regular", NO_POLICY),
                row("match is case-sensitive", g, "Regular", NO_PATH,
                        ALLOWED, "Regular", "demo", "Regular", NO_REDIRECT, NO_POLICY),
                row("a longer name is not a match", g, "regular-2", NO_PATH,
                        ALLOWED, "regular-2", "demo", "regular-2", NO_REDIRECT, NO_POLICY),
                row("a prefix of the source is not a match", g, "regula", NO_PATH,
                        ALLOWED, "regula", "demo", "regula", NO_REDIRECT, NO_POLICY),
                row("disabled redirect is inert: the name stays", g, "retired", "/acme/ml",
                        ALLOWED, "retired", "demo", "retired", NO_REDIRECT, NO_POLICY),
                row("scoped redirect applies to a caller below its path", g, "labs-model", "/acme/labs/bob",
                        ALLOWED, "openai/gpt-5-mini", "openai", "gpt-5-mini", "labs-model", NO_POLICY),
                row("scoped redirect applies to a caller at its path", g, "labs-model", "/acme/labs",
                        ALLOWED, "openai/gpt-5-mini", "openai", "gpt-5-mini", "labs-model", NO_POLICY),
                row("scoped redirect falls through outside its path, without error", g, "labs-model", "/acme/ml",
                        ALLOWED, "labs-model", "demo", "labs-model", NO_REDIRECT, NO_POLICY),
                row("scoped redirect falls through for a sibling sharing a prefix", g, "labs-model", "/acme/labs-x",
                        ALLOWED, "labs-model", "demo", "labs-model", NO_REDIRECT, NO_POLICY),
                row("scoped redirect falls through for a caller without a path", g, "labs-model", NO_PATH,
                        ALLOWED, "labs-model", "demo", "labs-model", NO_REDIRECT, NO_POLICY),
                row("redirect scoped to / applies to a caller without a path", g, "root-scoped", NO_PATH,
                        ALLOWED, "openai/gpt-5-mini", "openai", "gpt-5-mini", "root-scoped", NO_POLICY),
                row("shadow: a redirect named like a real model wins", shadow(true), "anthropic/claude-opus-4-6",
                        NO_PATH, ALLOWED, "anthropic/claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6",
                        "anthropic/claude-opus-4-6", NO_POLICY),
                row("disabling the shadow restores the real model", shadow(false), "anthropic/claude-opus-4-6",
                        NO_PATH, ALLOWED, "anthropic/claude-opus-4-6", "anthropic", "claude-opus-4-6",
                        NO_REDIRECT, NO_POLICY),
                row("a -> b plus b -> a is a swap (a gives b)", g, "swap-a", NO_PATH,
                        ALLOWED, "swap-b", "demo", "swap-b", "swap-a", NO_POLICY),
                row("a -> b plus b -> a is a swap (b gives a)", g, "swap-b", NO_PATH,
                        ALLOWED, "swap-a", "demo", "swap-a", "swap-b", NO_POLICY),
                row("a target is never resolved again (one level)", g, "chain-1", NO_PATH,
                        ALLOWED, "chain-2", "demo", "chain-2", "chain-1", NO_POLICY),
                row("access is checked on the target, not the source (denied)", g, "gated", "/acme/sales",
                        DENIED, "openai/gpt-5", "openai", "gpt-5", "gated", "openai/gpt-5"),
                row("access is checked on the target, not the source (allowed)", g, "gated", "/acme/ml/alice",
                        ALLOWED, "openai/gpt-5", "openai", "gpt-5", "gated", "openai/gpt-5"),
                row("a redirect cannot reach a disabled model", g, "off-alias", "/acme/ml",
                        DISABLED, "openai/o3-pro", "openai", "o3-pro", "off-alias", "openai/o3-pro"),
                row("a bare target is routed and checked like a bare request", g, "everyday", NO_PATH,
                        DENIED, "gpt-5", "openai", "gpt-5", "everyday", "openai/gpt-5"));
    }

    static Stream<Case> routing() {
        Rules g = gateway();
        Rules noDefault = rules()
                .provider("openai", OPENAI, "sk-openai", "gpt-5")
                .redirect("alias", "mystery")
                .build();
        Rules declaredOrder = rules()
                .provider("zeta", OPENAI_COMPATIBLE, "", "common")
                .provider("alpha", OPENAI_COMPATIBLE, "", "common")
                .build();
        return Stream.of(
                row("prefix of a declared provider routes there, upstream model is the rest", g, "openai/gpt-5-mini",
                        NO_PATH, ALLOWED, "openai/gpt-5-mini", "openai", "gpt-5-mini", NO_REDIRECT, NO_POLICY),
                row("prefix routes even a model the inventory does not list", g, "anthropic/claude-next", NO_PATH,
                        ALLOWED, "anthropic/claude-next", "anthropic", "claude-next", NO_REDIRECT, NO_POLICY),
                row("prefix splits at the first slash only", g, "openrouter/meta-llama/llama-3-70b", NO_PATH,
                        ALLOWED, "openrouter/meta-llama/llama-3-70b", "openrouter", "meta-llama/llama-3-70b",
                        NO_REDIRECT, NO_POLICY),
                row("bare id in a static inventory routes to that provider", g, "claude-sonnet-4-6", NO_PATH,
                        ALLOWED, "claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", NO_REDIRECT, NO_POLICY),
                row("bare id in two inventories goes to the first declared (openai)", g, "shared-model", NO_PATH,
                        ALLOWED, "shared-model", "openai", "shared-model", NO_REDIRECT, NO_POLICY),
                row("first declared wins, not the alphabetically first", declaredOrder, "common", NO_PATH,
                        ALLOWED, "common", "zeta", "common", NO_REDIRECT, NO_POLICY),
                row("bare id no inventory claims goes to default_provider", g, "llama-local", NO_PATH,
                        ALLOWED, "llama-local", "demo", "llama-local", NO_REDIRECT, NO_POLICY),
                row("Qwen/... whose prefix is no provider goes to the inventory as a bare id", g, "Qwen/Qwen3-1.7B",
                        NO_PATH, ALLOWED, "Qwen/Qwen3-1.7B", "openrouter", "Qwen/Qwen3-1.7B", NO_REDIRECT, NO_POLICY),
                row("Qwen/... whose prefix is no provider goes to the default as a bare id", g, "Qwen/Qwen3-8B",
                        NO_PATH, ALLOWED, "Qwen/Qwen3-8B", "demo", "Qwen/Qwen3-8B", NO_REDIRECT, NO_POLICY),
                row("provider names are case-sensitive prefixes", g, "OpenAI/gpt-5", NO_PATH,
                        ALLOWED, "OpenAI/gpt-5", "demo", "OpenAI/gpt-5", NO_REDIRECT, NO_POLICY),
                row("nothing routes a bare id without default_provider: not found", noDefault, "mystery", NO_PATH,
                        NOT_FOUND, "mystery", NO_PROVIDER, "mystery", NO_REDIRECT, NO_POLICY)
                        .because("unsupported model: mystery"),
                row("unknown prefix without default_provider: not found", noDefault, "acme/gpt-5", NO_PATH,
                        NOT_FOUND, "acme/gpt-5", NO_PROVIDER, "acme/gpt-5", NO_REDIRECT, NO_POLICY)
                        .because("unsupported model: acme/gpt-5"),
                row("not found names the concrete model after the redirect", noDefault, "alias", NO_PATH,
                        NOT_FOUND, "mystery", NO_PROVIDER, "mystery", "alias", NO_POLICY)
                        .because("unsupported model: mystery"),
                row("a still-routable model resolves without default_provider", noDefault, "gpt-5", NO_PATH,
                        ALLOWED, "gpt-5", "openai", "gpt-5", NO_REDIRECT, NO_POLICY));
    }

    static Stream<Case> bareFilter() {
        Rules bare = rules()
                .redirect("regular", "anthropic/claude-sonnet-4-6")
                .policy("openai/", "/team")
                .disabledPolicy("anthropic/claude-opus-4-6")
                .disabledPolicy("o3")
                .policy("Qwen/Qwen3-1.7B", "/labs")
                .build();
        return Stream.of(
                row("bare filter forwards a bare name as written", bare, "gpt-5", NO_PATH,
                        ALLOWED, "gpt-5", NO_PROVIDER, "gpt-5", NO_REDIRECT, NO_POLICY),
                row("bare filter forwards a redirect target as written", bare, "regular", NO_PATH,
                        ALLOWED, "anthropic/claude-sonnet-4-6", NO_PROVIDER, "anthropic/claude-sonnet-4-6", "regular",
                        NO_POLICY),
                row("bare filter: a/b policy matches the model written a/b", bare, "anthropic/claude-opus-4-6",
                        "/team", DISABLED, "anthropic/claude-opus-4-6", NO_PROVIDER, "anthropic/claude-opus-4-6",
                        NO_REDIRECT, "anthropic/claude-opus-4-6"),
                row("bare filter: a/ policy matches models written a/... (denied)", bare, "openai/gpt-5", NO_PATH,
                        DENIED, "openai/gpt-5", NO_PROVIDER, "openai/gpt-5", NO_REDIRECT, "openai/"),
                row("bare filter: a/ policy matches models written a/... (allowed)", bare, "openai/gpt-5", "/team/x",
                        ALLOWED, "openai/gpt-5", NO_PROVIDER, "openai/gpt-5", NO_REDIRECT, "openai/"),
                row("bare filter: a/ policy does not match the unprefixed name", bare, "gpt-5", "/elsewhere",
                        ALLOWED, "gpt-5", NO_PROVIDER, "gpt-5", NO_REDIRECT, NO_POLICY),
                row("bare filter: bare policy b matches b", bare, "o3", "/team",
                        DISABLED, "o3", NO_PROVIDER, "o3", NO_REDIRECT, "o3"),
                row("bare filter: a tag of b has b's policy (Ollama's b:latest)", bare, "o3:latest", "/team",
                        DISABLED, "o3:latest", NO_PROVIDER, "o3:latest", NO_REDIRECT, "o3"),
                // Second review: the bare filter split gpt-5@preset/fast at its slash before looking at its base.
                row("bare filter: a preset after b is closed by b's policy", bare, "o3@preset/fast", "/team",
                        DISABLED, "o3@preset/fast", NO_PROVIDER, "o3@preset/fast", NO_REDIRECT, "o3"),
                row("bare filter: a variant of a/b is closed by a/b's policy", bare, "anthropic/claude-opus-4-6:x", "/team",
                        DISABLED, "anthropic/claude-opus-4-6:x", NO_PROVIDER, "anthropic/claude-opus-4-6:x",
                        NO_REDIRECT, "anthropic/claude-opus-4-6"),
                row("bare filter: bare policy b matches x/b", bare, "vendor/o3", "/team",
                        DISABLED, "vendor/o3", NO_PROVIDER, "vendor/o3", NO_REDIRECT, "o3"),
                row("bare filter: Qwen/... policy matches as written", bare, "Qwen/Qwen3-1.7B", "/other",
                        DENIED, "Qwen/Qwen3-1.7B", NO_PROVIDER, "Qwen/Qwen3-1.7B", NO_REDIRECT, "Qwen/Qwen3-1.7B"));
    }

    static Stream<Case> access() {
        Rules providerPolicy = rules()
                .provider("openai", OPENAI, "sk-openai", "gpt-5")
                .provider("anthropic", ANTHROPIC, "sk-anthropic", "claude-sonnet-4-6")
                .provider("openrouter", OPENAI_COMPATIBLE, "", "Qwen/Qwen3-1.7B")
                .defaultProvider("openrouter")
                .policy("openai/gpt-5", "/acme/ml")
                .policy("anthropic/", "/acme/ml")
                .disabledPolicy("openrouter/meta-llama/llama-3-70b")
                .disabledPolicy("Qwen/Qwen3-1.7B")
                .disabledPolicy("acme/secret")
                .policy("Qwen/Qwen3-1.7B@fast", "/acme")
                .build();
        Rules precedence = rules()
                .provider("openai", OPENAI, "sk-openai", "gpt-5")
                .provider("anthropic", ANTHROPIC, "sk-anthropic")
                .provider("google", OPENAI_COMPATIBLE, "")
                .disabledPolicy("/")
                .policy("openai/", "/team")
                .policy("openai/gpt-4o")
                .disabledPolicy("anthropic/")
                .policy("anthropic/claude-opus-4-6", "/team")
                .disabledPolicy("gpt-5")
                .policy("gemini-2.5-pro", "/team")
                .disabledPolicy("anthropic/claude-opus-4-6:x")
                .disabledPolicy("gemini-2.5-pro:x")
                .build();
        Rules paths = rules()
                .provider("openai", OPENAI, "sk-openai")
                .policy("openai/team-model", "/team")
                .policy("openai/multi", "/acme/ml", "/acme/labs")
                .policy("openai/everyone", "/")
                .policy("openai/open")
                .disabledPolicy("openai/closed", "/team")
                .build();
        Rules defaultOff = rules()
                .provider("openai", OPENAI, "sk-openai")
                .enabledByDefault(false)
                .policy("openai/gpt-5")
                .build();
        Rules defaultOn = rules()
                .provider("openai", OPENAI, "sk-openai")
                .build();
        return Stream.of(
                row("a bare name routed to openai is checked as openai/gpt-5 (denied)", providerPolicy, "gpt-5",
                        "/acme/sales", DENIED, "gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/gpt-5"),
                row("a bare name routed to openai is checked as openai/gpt-5 (allowed)", providerPolicy, "gpt-5",
                        "/acme/ml/alice", ALLOWED, "gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/gpt-5"),
                row("the qualified name meets the same policy", providerPolicy, "openai/gpt-5", "/acme/sales",
                        DENIED, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/gpt-5"),
                row("a bare name cannot dodge a provider/ policy", providerPolicy, "claude-sonnet-4-6", NO_PATH,
                        DENIED, "claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", NO_REDIRECT, "anthropic/"),
                row("provider/model policy on a model with a slash", providerPolicy,
                        "openrouter/meta-llama/llama-3-70b", NO_PATH, DISABLED, "openrouter/meta-llama/llama-3-70b",
                        "openrouter", "meta-llama/llama-3-70b", NO_REDIRECT, "openrouter/meta-llama/llama-3-70b"),
                row("a Qwen/... policy is a bare model id, matched on the routed provider", providerPolicy,
                        "Qwen/Qwen3-1.7B", NO_PATH, DISABLED, "Qwen/Qwen3-1.7B", "openrouter", "Qwen/Qwen3-1.7B",
                        NO_REDIRECT, "Qwen/Qwen3-1.7B"),
                row("a Qwen/... policy matches the id on any provider", providerPolicy, "openrouter/Qwen/Qwen3-1.7B",
                        NO_PATH, DISABLED, "openrouter/Qwen/Qwen3-1.7B", "openrouter", "Qwen/Qwen3-1.7B",
                        NO_REDIRECT, "Qwen/Qwen3-1.7B"),
                // SPEC 15: a variant reaches the model its base names (OpenRouter's :nitro, :free, @preset/...): a policy
                // closing the base closes the variant; one admitting it does not admit the variant.
                row("a variant of a provider/model has its policy", providerPolicy,
                        "openrouter/meta-llama/llama-3-70b:nitro", NO_PATH, DISABLED,
                        "openrouter/meta-llama/llama-3-70b:nitro", "openrouter", "meta-llama/llama-3-70b:nitro",
                        NO_REDIRECT, "openrouter/meta-llama/llama-3-70b"),
                row("a variant of a bare id has its policy", providerPolicy, "Qwen/Qwen3-1.7B:free", NO_PATH, DISABLED,
                        "Qwen/Qwen3-1.7B:free", "openrouter", "Qwen/Qwen3-1.7B:free", NO_REDIRECT, "Qwen/Qwen3-1.7B"),
                row("a preset of a model has its policy", providerPolicy, "openai/gpt-5@preset/fast:free",
                        "/acme/sales", DENIED, "openai/gpt-5@preset/fast:free", "openai", "gpt-5@preset/fast:free",
                        NO_REDIRECT, "openai/gpt-5"),
                // Second review: the nearest base that admitted ended the search, past a farther one that closes.
                row("a base that admits does not hide a farther one that closes", providerPolicy,
                        "Qwen/Qwen3-1.7B@fast:free", "/acme/x", DISABLED, "Qwen/Qwen3-1.7B@fast:free", "openrouter",
                        "Qwen/Qwen3-1.7B@fast:free", NO_REDIRECT, "Qwen/Qwen3-1.7B"),
                row("a variant whose base admits the caller is decided as any other name", providerPolicy,
                        "openai/gpt-5:nitro", "/acme/ml/a", ALLOWED, "openai/gpt-5:nitro", "openai", "gpt-5:nitro",
                        NO_REDIRECT, NO_POLICY),
                row("an x/model policy whose x is no provider matches the bare id x/model", providerPolicy,
                        "acme/secret", "/acme/ml", DISABLED, "acme/secret", "openrouter", "acme/secret", NO_REDIRECT,
                        "acme/secret"),

                row("precedence: provider/model beats provider/ and /", precedence, "openai/gpt-4o", NO_PATH,
                        ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("precedence: provider/model beats a disabled provider/", precedence, "anthropic/claude-opus-4-6",
                        "/team/a", ALLOWED, "anthropic/claude-opus-4-6", "anthropic", "claude-opus-4-6", NO_REDIRECT,
                        "anthropic/claude-opus-4-6"),
                row("precedence: the most specific policy decides alone (its paths deny)", precedence,
                        "anthropic/claude-opus-4-6", "/other", DENIED, "anthropic/claude-opus-4-6", "anthropic",
                        "claude-opus-4-6", NO_REDIRECT, "anthropic/claude-opus-4-6"),
                row("precedence: provider/ beats a bare model policy", precedence, "openai/gpt-5", "/team",
                        ALLOWED, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/"),
                row("precedence: provider/ beats / (denied by its paths)", precedence, "openai/gpt-4.1", NO_PATH,
                        DENIED, "openai/gpt-4.1", "openai", "gpt-4.1", NO_REDIRECT, "openai/"),
                row("precedence: a bare model policy applies on any provider", precedence, "google/gpt-5", "/team",
                        DISABLED, "google/gpt-5", "google", "gpt-5", NO_REDIRECT, "gpt-5"),
                row("precedence: a bare model policy beats /", precedence, "google/gemini-2.5-pro", "/team/x",
                        ALLOWED, "google/gemini-2.5-pro", "google", "gemini-2.5-pro", NO_REDIRECT, "gemini-2.5-pro"),
                row("precedence: / applies when nothing else matches", precedence, "google/gemma", "/team",
                        DISABLED, "google/gemma", "google", "gemma", NO_REDIRECT, "/"),
                // Review: an admitting base admitted every variant (a tag may be another model), over provider/.
                row("precedence: a base that admits does not admit its variant", precedence, "openai/gpt-4o:online",
                        NO_PATH, DENIED, "openai/gpt-4o:online", "openai", "gpt-4o:online", NO_REDIRECT, "openai/"),
                // Review: the base's provider/model policy was found before the variant's own bare policy.
                row("precedence: a variant's own bare policy beats its base's", precedence, "google/gemini-2.5-pro:x",
                        "/team", DISABLED, "google/gemini-2.5-pro:x", "google", "gemini-2.5-pro:x", NO_REDIRECT,
                        "gemini-2.5-pro:x"),
                row("precedence: a variant's own policy beats its base's", precedence, "anthropic/claude-opus-4-6:x",
                        "/team", DISABLED, "anthropic/claude-opus-4-6:x", "anthropic", "claude-opus-4-6:x",
                        NO_REDIRECT, "anthropic/claude-opus-4-6:x"),
                row("precedence: a name with colons but no policy on a base meets provider/", precedence,
                        "openai/ft:gpt-4.1:acme::x1", NO_PATH, DENIED, "openai/ft:gpt-4.1:acme::x1", "openai",
                        "ft:gpt-4.1:acme::x1", NO_REDIRECT, "openai/"),

                row("user_paths: a caller at the listed path is inside", paths, "openai/team-model", "/team",
                        ALLOWED, "openai/team-model", "openai", "team-model", NO_REDIRECT, "openai/team-model"),
                row("user_paths: a caller below the listed path is inside", paths, "openai/team-model", "/team/alpha",
                        ALLOWED, "openai/team-model", "openai", "team-model", NO_REDIRECT, "openai/team-model"),
                row("user_paths: /team does not cover /team-alpha", paths, "openai/team-model", "/team-alpha",
                        DENIED, "openai/team-model", "openai", "team-model", NO_REDIRECT, "openai/team-model"),
                row("user_paths: /team does not cover its parent", paths, "openai/team-model", "/",
                        DENIED, "openai/team-model", "openai", "team-model", NO_REDIRECT, "openai/team-model"),
                row("user_paths: a caller without a path is outside any other list", paths, "openai/team-model",
                        NO_PATH, DENIED, "openai/team-model", "openai", "team-model", NO_REDIRECT, "openai/team-model"),
                row("user_paths: any listed path admits", paths, "openai/multi", "/acme/labs/x",
                        ALLOWED, "openai/multi", "openai", "multi", NO_REDIRECT, "openai/multi"),
                row("user_paths: / admits a caller without a path", paths, "openai/everyone", NO_PATH,
                        ALLOWED, "openai/everyone", "openai", "everyone", NO_REDIRECT, "openai/everyone"),
                row("user_paths: / admits every path", paths, "openai/everyone", "/anyone/at/all",
                        ALLOWED, "openai/everyone", "openai", "everyone", NO_REDIRECT, "openai/everyone"),
                row("disabled policy denies everyone, even callers inside its paths", paths, "openai/closed",
                        "/team", DISABLED, "openai/closed", "openai", "closed", NO_REDIRECT, "openai/closed"),

                row("enabled_by_default true: no policy allows", defaultOn, "openai/gpt-5", NO_PATH,
                        ALLOWED, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, NO_POLICY),
                row("enabled_by_default false: no policy is disabled (not a path matter)", defaultOff,
                        "openai/gpt-4o", "/team", DISABLED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT,
                        NO_POLICY),
                row("enabled_by_default false: an enabled policy allows", defaultOff, "openai/gpt-5", NO_PATH,
                        ALLOWED, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/gpt-5"),
                row("enabled_by_default false: a policy admitting a model admits none of its variants", defaultOff,
                        "openai/gpt-5:70b", NO_PATH, DISABLED, "openai/gpt-5:70b", "openai", "gpt-5:70b", NO_REDIRECT,
                        NO_POLICY));
    }

    static Stream<Case> credentials() {
        Rules r = rules()
                .provider("openai", OPENAI, "")
                .provider("anthropic", ANTHROPIC, "", "claude-sonnet-4-6")
                .provider("local", OPENAI_COMPATIBLE, "", "llama")
                .defaultProvider("openai")
                .policy("anthropic/", "/team")
                .disabledPolicy("openai/o3-pro")
                .redirect("smart", "anthropic/claude-opus-4-6")
                .build();
        return Stream.of(
                row("allowed caller learns the provider has no key", r, "openai/gpt-5", NO_PATH,
                        PROVIDER_UNAVAILABLE, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, NO_POLICY)
                        .because("provider openai is not configured"),
                row("inventory routing to a keyless provider is unavailable", r, "claude-sonnet-4-6", "/team",
                        PROVIDER_UNAVAILABLE, "claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", NO_REDIRECT,
                        "anthropic/").because("provider anthropic is not configured"),
                row("default routing to a keyless provider is unavailable", r, "gpt-9", NO_PATH,
                        PROVIDER_UNAVAILABLE, "gpt-9", "openai", "gpt-9", NO_REDIRECT, NO_POLICY)
                        .because("provider openai is not configured"),
                row("a redirect to a keyless provider is unavailable", r, "smart", "/team/a",
                        PROVIDER_UNAVAILABLE, "anthropic/claude-opus-4-6", "anthropic", "claude-opus-4-6", "smart",
                        "anthropic/").because("provider anthropic is not configured"),
                row("access before credentials: a denied caller gets DENIED", r, "claude-sonnet-4-6", "/other",
                        DENIED, "claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", NO_REDIRECT, "anthropic/"),
                row("access before credentials: a disabled model is DISABLED", r, "openai/o3-pro", NO_PATH,
                        DISABLED, "openai/o3-pro", "openai", "o3-pro", NO_REDIRECT, "openai/o3-pro"),
                row("a provider type that needs no key is available without one", r, "llama", NO_PATH,
                        ALLOWED, "llama", "local", "llama", NO_REDIRECT, NO_POLICY));
    }

    /** GoModel's virtual-model tests that concern resolution (reference/gomodel-semantics.md). */
    static Stream<Case> gomodel() {
        Rules redirect = rules()
                .provider("openai", OPENAI, "sk-openai")
                .provider("anthropic", ANTHROPIC, "sk-anthropic")
                .redirect("smart", "anthropic/claude-sonnet-4-6")
                .build();
        Rules gate = rules()
                .provider("openai", OPENAI, "sk-openai")
                .policy("openai/gpt-4o", "/team")
                .build();
        Rules disabled = rules()
                .provider("openai", OPENAI, "sk-openai")
                .disabledPolicy("openai/gpt-4o")
                .build();
        Rules openPolicy = rules()
                .provider("openai", OPENAI, "sk-openai")
                .enabledByDefault(false)
                .policy("openai/gpt-4o")
                .build();
        Rules disabledRedirect = rules()
                .provider("openai", OPENAI, "sk-openai")
                .defaultProvider("openai")
                .disabledRedirect("smart", "openai/gpt-4o")
                .build();
        Rules scoped = rules()
                .provider("openai", OPENAI, "sk-openai")
                .defaultProvider("openai")
                .redirect("smart", "openai/gpt-4o", "/team")
                .build();
        Rules precedence = rules()
                .provider("openai", OPENAI, "sk-openai")
                .provider("anthropic", ANTHROPIC, "sk-anthropic")
                .policy("/", "/global")
                .policy("openai/", "/openai-team")
                .policy("openai/gpt-4o", "/exact")
                .build();
        return Stream.of(
                row("GoModel: redirect resolves", redirect, "smart", NO_PATH,
                        ALLOWED, "anthropic/claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "smart", NO_POLICY),
                row("GoModel: policy gates by path, no path denied", gate, "openai/gpt-4o", NO_PATH,
                        DENIED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: policy gates by path, /team/alice allowed under /team", gate, "openai/gpt-4o",
                        "/team/alice", ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: disabled policy turns a model off", disabled, "openai/gpt-4o", "/team",
                        DISABLED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: enabled policy with empty paths allows all (no path)", openPolicy, "openai/gpt-4o",
                        NO_PATH, ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: enabled policy with empty paths allows all (any path)", openPolicy, "openai/gpt-4o",
                        "/x/y", ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: disabled redirect does not resolve", disabledRedirect, "smart", NO_PATH,
                        ALLOWED, "smart", "openai", "smart", NO_REDIRECT, NO_POLICY),
                row("GoModel: scoped redirect applies in scope", scoped, "smart", "/team/a",
                        ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", "smart", NO_POLICY),
                row("GoModel: scoped redirect does not apply out of scope", scoped, "smart", "/other",
                        ALLOWED, "smart", "openai", "smart", NO_REDIRECT, NO_POLICY),
                row("GoModel: precedence, exact openai/gpt-4o wins", precedence, "openai/gpt-4o", "/exact",
                        ALLOWED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: precedence, exact wins even over paths the others admit", precedence, "openai/gpt-4o",
                        "/openai-team", DENIED, "openai/gpt-4o", "openai", "gpt-4o", NO_REDIRECT, "openai/gpt-4o"),
                row("GoModel: precedence, other openai models fall to openai/", precedence, "openai/gpt-5",
                        "/openai-team", ALLOWED, "openai/gpt-5", "openai", "gpt-5", NO_REDIRECT, "openai/"),
                row("GoModel: precedence, anthropic/claude falls to the global policy (allowed)", precedence,
                        "anthropic/claude", "/global", ALLOWED, "anthropic/claude", "anthropic", "claude", NO_REDIRECT,
                        "/"),
                row("GoModel: precedence, anthropic/claude falls to the global policy (denied)", precedence,
                        "anthropic/claude", "/openai-team", DENIED, "anthropic/claude", "anthropic", "claude",
                        NO_REDIRECT, "/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"redirects", "routing", "bareFilter", "access", "credentials", "gomodel"})
    void shouldResolveAsSpecified(Case c) {
        Decision d = Resolver.resolve(c.rules, c.requested, Caller.ofPath(c.callerPath), Picker.create());

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(d.requested()).as("%s: requested", c).isEqualTo(c.requested.strip());
        soft.assertThat(d.outcome()).as("%s: outcome", c).isEqualTo(c.outcome);
        soft.assertThat(d.allowed()).as("%s: allowed", c).isEqualTo(c.outcome == ALLOWED);
        soft.assertThat(d.concrete()).as("%s: concrete", c).isEqualTo(c.concrete);
        soft.assertThat(d.provider()).as("%s: provider", c).isEqualTo(c.provider);
        soft.assertThat(d.upstreamModel()).as("%s: upstream model", c).isEqualTo(c.upstream);
        soft.assertThat(d.redirect()).as("%s: redirect", c).isEqualTo(c.redirect);
        soft.assertThat(d.target()).as("%s: target", c).isEqualTo(c.redirect == null ? null : c.concrete);
        soft.assertThat(d.policy()).as("%s: policy", c).isEqualTo(c.policy);
        soft.assertThat(d.reason()).as("%s: reason", c).isNotBlank();
        if (c.reason != null) {
            soft.assertThat(d.reason()).as("%s: reason", c).isEqualTo(c.reason);
        }
        soft.assertAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"redirects", "routing", "bareFilter", "access", "credentials", "gomodel"})
    void shouldExplainEveryStepAndResolveWithoutSteps(Case c) {
        Caller caller = Caller.ofPath(c.callerPath);

        Decision resolved = Resolver.resolve(c.rules, c.requested, caller, Picker.create());
        Decision explained = Resolver.explain(c.rules, c.requested, caller, Picker.create());

        assertThat(resolved.steps()).as("%s: resolve steps", c).isEmpty();
        assertThat(explained.steps()).as("%s: explain steps", c).isNotEmpty()
                .allSatisfy(step -> assertThat(step).isNotBlank())
                .anySatisfy(step -> assertThat(step).startsWith("redirect: "))
                .anySatisfy(step -> assertThat(step).startsWith("provider: "));
        if (resolved.outcome() != NOT_FOUND) {
            assertThat(explained.steps()).as("%s: access step", c)
                    .anySatisfy(step -> assertThat(step).startsWith("access: "));
        }
        assertThat(explained).as("%s: explain vs resolve", c)
                .usingRecursiveComparison().ignoringFields("steps").isEqualTo(resolved);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"redirects", "routing", "bareFilter", "access", "credentials", "gomodel"})
    void shouldAllowExactlyWhatResolveLetsThroughAccess(Case c) {
        Decision d = Resolver.resolve(c.rules, c.requested, Caller.ofPath(c.callerPath), Picker.create());
        if (d.outcome() == NOT_FOUND) {
            // Nothing routes it, so there is no (provider, model) pair to ask allows() about.
            assertThat(Resolver.route(c.rules, d.concrete())).as("%s: route", c).isNull();
            return;
        }

        boolean allows = Resolver.allows(c.rules, d.provider(), d.upstreamModel(), c.callerPath);

        // allows() is the access step alone: a keyless provider does not change its answer.
        assertThat(allows).as("%s: allows() for outcome %s", c, d.outcome())
                .isEqualTo(d.outcome() == ALLOWED || d.outcome() == PROVIDER_UNAVAILABLE);
    }

    private static Case row(String description, Rules rules, String requested, String callerPath, Outcome outcome,
                            String concrete, String provider, String upstream, String redirect, String policy) {
        return new Case(description, rules, requested, callerPath, outcome, concrete, provider, upstream, redirect,
                policy, null);
    }

    /** One row of the table; {@code reason} is checked only when given. */
    record Case(String description, Rules rules, String requested, String callerPath, Outcome outcome,
                String concrete, String provider, String upstream, String redirect, String policy, String reason) {

        Case because(String expectedReason) {
            return new Case(description, rules, requested, callerPath, outcome, concrete, provider, upstream, redirect,
                    policy, expectedReason);
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
