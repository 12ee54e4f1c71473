package dev.switchboard.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The round-robin rotation lives in the picker, not in a rules snapshot. */
final class PickerTest {

    private static final String RR = """
            virtual_models:
              - {source: rr, targets: [{model: a, weight: 2}, {model: b, weight: 1}], strategy: round_robin}
              - {source: other, target: x}
            """;

    private static Rules rules(String yaml) {
        return new ConfigLoader(name -> null).parse(yaml).rules();
    }

    private static List<String> picks(Rules rules, Picker picker, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Resolver.resolve(rules, "rr", Caller.ANONYMOUS, picker).target());
        }
        return out;
    }

    @Test
    void shouldRotateSmoothlyByWeight() {
        assertThat(picks(rules(RR), Picker.create(), 6)).containsExactly("a", "b", "a", "a", "b", "a");
    }

    @Test
    void shouldKeepTheRotationAcrossAReloadThatLeavesTheRedirectAsItWas() {
        Picker picker = Picker.create();
        List<String> before = picks(rules(RR), picker, 2);
        // A new snapshot (a reload) in which only another row changed.
        Rules reloaded = rules(RR.replace("target: x", "target: y"));

        List<String> after = picks(reloaded, picker, 4);

        assertThat(before).containsExactly("a", "b");
        assertThat(after).containsExactly("a", "a", "b", "a");
    }

    @Test
    void shouldStartANewRotationWhenTheTargetsOrWeightsChange() {
        Picker picker = Picker.create();
        picks(rules(RR), picker, 2);
        Rules reweighted = rules(RR.replace("weight: 2", "weight: 1"));

        assertThat(picks(reweighted, picker, 4)).containsExactly("a", "b", "a", "b");
    }

    @Test
    void shouldNotAdvanceTheRotationWhenExplaining() {
        Picker picker = Picker.create();
        Rules rules = rules(RR);
        picks(rules, picker, 1);

        String explained = Resolver.explain(rules, "rr", Caller.ANONYMOUS, picker).target();
        String again = Resolver.explain(rules, "rr", Caller.ANONYMOUS, picker).target();

        assertThat(explained).isEqualTo("b").isEqualTo(again);
        assertThat(picks(rules, picker, 1)).containsExactly("b");
    }

    @Test
    void shouldExplainAFreshRotationAsItsFirstPick() {
        assertThat(Resolver.explain(rules(RR), "rr", Caller.ANONYMOUS, Picker.create()).target()).isEqualTo("a");
    }

    @Test
    void shouldListTheOtherTargetsAfterTheRoundRobinPick() {
        Picker picker = Picker.create();
        Rules rules = rules(RR);
        picks(rules, picker, 1);

        Decision d = Resolver.resolve(rules, "rr", Caller.ANONYMOUS, picker);

        assertThat(d.candidates()).extracting(Candidate::model).containsExactly("b", "a");
    }
}
