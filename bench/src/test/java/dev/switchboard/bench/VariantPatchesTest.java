package dev.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's feature-cost arms (`no-experiments`, `no-listeners`) are builds of the tree with a patch of
 * bench/variants applied (bench/variant.sh). A change to the lines a patch touches used to go unnoticed until the
 * next full benchmark run, which then measured without those arms: every patch must still apply to the tree as it
 * is. Needs git (the project is built from a clone).
 */
class VariantPatchesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyVariantPatchAppliesToTheTree() throws Exception {
        List<Path> patches;
        try (Stream<Path> files = Files.list(ROOT.resolve("bench/variants"))) {
            patches = files.filter(p -> p.toString().endsWith(".patch")).sorted().toList();
        }
        assertFalse(patches.isEmpty(), "no patches in " + ROOT.resolve("bench/variants"));
        for (Path patch : patches) {
            Process git = new ProcessBuilder("git", "apply", "--check", patch.toString())
                    .directory(ROOT.toFile()).redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(git.waitFor(60, TimeUnit.SECONDS), "git apply --check did not end");
            assertEquals(0, git.exitValue(), patch.getFileName() + " no longer applies to the tree: make it again "
                    + "against the code it changes (bench/variant.sh builds from it)\n" + out);
        }
    }

    @Test
    void theCheckNoticesAPatchThatDoesNotApply() throws IOException, InterruptedException {
        Path broken = Files.createTempFile("variant", ".patch");
        try {
            Files.writeString(broken, """
                    diff --git a/pom.xml b/pom.xml
                    --- a/pom.xml
                    +++ b/pom.xml
                    @@ -1,1 +1,1 @@
                    -this line is not in the parent pom
                    +nor is this one
                    """);
            Process git = new ProcessBuilder("git", "apply", "--check", broken.toString())
                    .directory(ROOT.toFile()).redirectErrorStream(true).start();
            git.getInputStream().readAllBytes();
            assertTrue(git.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, git.exitValue());
        } finally {
            Files.delete(broken);
        }
    }
}
