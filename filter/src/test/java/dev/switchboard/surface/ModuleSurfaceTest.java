package dev.switchboard.surface;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The filter jar's module exports exactly the API packages; the body readers, JSON and ops helpers stay inside. */
final class ModuleSurfaceTest {

    @Test
    void shouldExportOnlyTheApiPackages() throws IOException {
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }

        assertThat(module.name()).isEqualTo("dev.switchboard.filter");
        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertThat(exported).containsExactlyInAnyOrder("dev.switchboard.admin", "dev.switchboard.config",
                "dev.switchboard.error", "dev.switchboard.exchange", "dev.switchboard.live", "dev.switchboard.observe", "dev.switchboard.rules",
                "dev.switchboard.servlet", "dev.switchboard.store");
        assertThat(module.exports()).allSatisfy(e -> assertThat(e.isQualified()).isFalse());
        // Present in the jar, not exported.
        assertThat(Path.of("target", "classes", "dev", "switchboard", "body")).isDirectory();
        assertThat(Path.of("target", "classes", "dev", "switchboard", "json")).isDirectory();
        assertThat(Path.of("target", "classes", "dev", "switchboard", "ops")).isDirectory();
        assertThat(module.requires()).extracting(ModuleDescriptor.Requires::name)
                .contains("jakarta.servlet", "tools.jackson.core", "org.snakeyaml.engine", "org.slf4j", "java.logging");
    }
}
