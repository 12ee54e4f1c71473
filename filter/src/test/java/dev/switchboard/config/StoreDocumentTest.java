package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The admin store as a file people read and other tools parse: every name reads back as written, by the gateway
 * (YAML 1.2) and by YAML 1.1 readers (PyYAML, js-yaml's default), which read some plain words as booleans, numbers,
 * dates or not at all.
 */
final class StoreDocumentTest {

    // Regression (probe): written plain, PyYAML could not read the store (=), and read on, Y, 0b101, 1:20, 1_000 and
    // 2026-12-07 as booleans, numbers and a date.
    private static final List<String> YAML11_TRAPS = List.of("=", "on", "Off", "Y", "n", "yes", "NO", "true", "Null",
            "0b101", "1:20", "1_000", "2026-12-07", "1e3", ".inf", "0x1F", "012", "~", "<<", "-", "x:", "#x",
            "@x", "!x", "*x", "&x", "${A}", "'q'", "\"dq\"", "é", "12");

    private static VirtualModel redirect(String source, String target) {
        return new VirtualModel(source, List.of(new Target(target, Target.DEFAULT_WEIGHT)), Strategy.DEFAULT, List.of(),
                true, "");
    }

    @Test
    void shouldWriteEveryNameSoThatEveryYamlReaderReadsItAsWritten() {
        List<VirtualModel> rows = new ArrayList<>();
        for (String name : YAML11_TRAPS) {
            rows.add(redirect(name, "up/" + name));
        }
        byte[] yaml = ConfigLoader.renderStore(rows);
        String text = new String(yaml, StandardCharsets.UTF_8);

        // Read back by the gateway: the same names and targets.
        List<VirtualModel> back = new ConfigLoader(name -> null).readStore(yaml, Set.of("up"));
        assertThat(back).extracting(VirtualModel::source).containsExactlyInAnyOrderElementsOf(YAML11_TRAPS);
        for (VirtualModel vm : back) {
            assertThat(vm.targets().get(0).model()).isEqualTo("up/" + vm.source());
        }
        // Each one a YAML 1.1 reader would read otherwise is quoted (a quoted scalar is a string to every reader).
        for (String name : List.of("=", "on", "Off", "Y", "n", "yes", "NO", "true", "Null", "0b101", "1:20", "1_000",
                "2026-12-07", "1e3", ".inf", "0x1F", "012", "12")) {
            assertThat(text).as(name).contains("source: \"" + name + "\"\n");
        }
        assertThat(text).contains("source: \"$${A}\"\n");
    }

    @Test
    void shouldKeepOrdinaryNamesPlain() {
        String text = new String(ConfigLoader.renderStore(List.of(redirect("fast", "openai/gpt-5-mini"),
                redirect("router/openai/gpt-4o:nitro", "ollama/llama3:latest"))), StandardCharsets.UTF_8);

        assertThat(text).contains("- source: fast\n  target: openai/gpt-5-mini\n")
                .contains("- source: router/openai/gpt-4o:nitro\n  target: ollama/llama3:latest\n").endsWith("\n");
    }
}
