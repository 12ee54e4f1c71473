package dev.switchboard.admin;

import dev.switchboard.config.Warning;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code GET /admin/virtual-models} (SPEC section 7, GoModel's shape), written as JSON in this
 * order with snake_case names.
 *
 * @param source the source
 * @param kind {@code redirect} or {@code policy}
 * @param targets a redirect's targets; empty for a policy
 * @param strategy {@code sticky}, {@code round_robin} or {@code failover}; {@code null} for a policy
 * @param fallbacks a redirect's fallbacks, in the order they are tried (SPEC section 11); empty for a policy
 * @param userPaths the normalized paths it applies to or admits
 * @param enabled whether it is enabled
 * @param description free text
 * @param managed whether it is defined in the config file (read-only through the API)
 * @param warnings the messages of the warnings about this row, without file and path
 */
public record VirtualModelView(String source, Kind kind, List<TargetView> targets, String strategy,
                               List<String> fallbacks, List<String> userPaths, boolean enabled, String description, boolean managed,
                               List<String> warnings) {

    /** What a row is. */
    public enum Kind {
        /** It has targets. */
        REDIRECT,
        /** It has none: an access policy. */
        POLICY
    }

    /**
     * @param model the target model
     * @param weight its weight
     */
    public record TargetView(String model, int weight) {
    }

    public VirtualModelView {
        targets = List.copyOf(targets);
        fallbacks = List.copyOf(fallbacks);
        userPaths = List.copyOf(userPaths);
        warnings = List.copyOf(warnings);
    }

    /**
     * @param vm a row of the live table
     * @param managed whether it comes from the config file
     * @param all every warning of the configuration; those about this row are picked by file and source
     * @return its view
     */
    static VirtualModelView of(VirtualModel vm, boolean managed, List<Warning> all) {
        List<TargetView> targets = new ArrayList<>();
        for (Target t : vm.targets()) {
            targets.add(new TargetView(t.model(), t.weight()));
        }
        List<String> warnings = new ArrayList<>();
        for (Warning w : all) {
            // A config-file row's warnings have no file; a store row's name the store.
            if (vm.source().equals(w.source()) && (w.file() == null) == managed) {
                warnings.add(w.message());
            }
        }
        return new VirtualModelView(vm.source(), vm.isRedirect() ? Kind.REDIRECT : Kind.POLICY, targets,
                vm.strategy() == null ? null : vm.strategy().yamlName(), vm.fallbacks(), vm.userPaths(), vm.enabled(),
                vm.description(), managed, warnings);
    }
}
