package dev.switchboard.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link Rules} snapshots for tests without YAML, so resolution is tested as the pure function it
 * is. Providers keep declaration order (first declared wins inventory routing). Paths must be given
 * normalized, as the config loader would store them.
 */
final class RulesFixture {

    private final List<VirtualModel> rows = new ArrayList<>();
    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private String defaultProvider;
    private boolean enabledByDefault = Rules.DEFAULT_ENABLED_BY_DEFAULT;

    private RulesFixture() {
    }

    static RulesFixture rules() {
        return new RulesFixture();
    }

    RulesFixture provider(String name, ProviderType type, String apiKey, String... models) {
        String baseUrl = type == ProviderType.ECHO ? null : "https://" + name + ".example";
        providers.put(name, new Provider(name, type, baseUrl, apiKey, List.of(models), Map.of()));
        return this;
    }

    RulesFixture defaultProvider(String name) {
        this.defaultProvider = name;
        return this;
    }

    RulesFixture enabledByDefault(boolean enabled) {
        this.enabledByDefault = enabled;
        return this;
    }

    RulesFixture redirect(String source, String target, String... userPaths) {
        return row(source, List.of(new Target(target, 1)), null, true, userPaths);
    }

    RulesFixture disabledRedirect(String source, String target) {
        return row(source, List.of(new Target(target, 1)), null, false);
    }

    RulesFixture split(String source, Strategy strategy, Target... targets) {
        return row(source, Arrays.asList(targets), strategy, true);
    }

    RulesFixture policy(String source, String... userPaths) {
        return row(source, List.of(), null, true, userPaths);
    }

    RulesFixture disabledPolicy(String source, String... userPaths) {
        return row(source, List.of(), null, false, userPaths);
    }

    Rules build() {
        return new Rules(rows, providers, defaultProvider, Identity.DEFAULT, enabledByDefault,
                Rules.DEFAULT_KEEP_ONLY_ALIASES);
    }

    private RulesFixture row(String source, List<Target> targets, Strategy strategy, boolean enabled,
                             String... userPaths) {
        rows.add(new VirtualModel(source, targets, strategy, List.of(userPaths), enabled, ""));
        return this;
    }
}
