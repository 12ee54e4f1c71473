package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Documents refused outright (README "Check a config"): each with one precise line, quickly, and only ever
 * as an {@link InvalidConfigException}.
 */
final class ConfigLimitsTest {

    private static final ConfigLoader LOADER = new ConfigLoader(Map.<String, String>of()::get);
    private static final Duration FAST = Duration.ofSeconds(2);

    private static final String TOO_MANY_ALIASES =
            "invalid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50";
    private static final String TOO_DEEP = "x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
            + "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper than 32 levels";

    @TempDir
    Path dir;

    // ---- anchors and aliases ----

    @Test
    void shouldRejectBillionLaughs() {
        // Nine levels of ten aliases each: 10^9 nodes if expanded.
        StringBuilder yaml = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        char previous = 'a';
        for (char level = 'b'; level <= 'i'; level++) {
            yaml.append(level).append(": &").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, "*" + previous))).append("]\n");
            previous = level;
        }

        assertRefused(() -> LOADER.parse(yaml.toString()), List.of(TOO_MANY_ALIASES));
    }

    @Test
    void shouldRejectAliasExpansionPast100000NodesWithFewAliases() {
        // Six levels of eight aliases: 48 aliases, within the alias limit, but 8^6 = 262144 nodes.
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x]\n");
        char previous = 'a';
        for (char level = 'b'; level <= 'g'; level++) {
            yaml.append(level).append(": &").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(8, "*" + previous))).append("]\n");
            previous = level;
        }

        assertRefused(() -> LOADER.parse(yaml.toString()), List.of(
                "the document expands to more than 100000 nodes (anchors and aliases included); refusing it"));
    }

    // Regression (probe): a 1 MB value holding a ${VAR}, aliased 60,000 times in a 1.2 MB file (aliases of a scalar,
    // which the alias limit leaves alone, and fewer nodes than the node limit), was interpolated again at every visit
    // until the reload thread ran out of memory and died, the file no longer watched.
    @Test
    void shouldRejectALargeValueAliasedOverAndOverBeforeItsCopiesFillTheHeap() {
        // The same shape, smaller (so that the 2 s bound of the parse holds): 200 KB aliased 5,000 times is 1 G characters.
        String yaml = "x: &a \"" + "A".repeat(200_000) + "${HOME:-home}\"\ny: [" + String.join(", ",
                java.util.Collections.nCopies(5_000, "*a")) + "]\n";

        assertRefused(() -> LOADER.parse(yaml), List.of(
                "the document's values come to more than 16777216 characters (anchors and aliases included); refusing it"));
    }

    // Regression: every node counted toward the anchor-bomb limit, so a plain store of about 14,300 rows (1.4 MB, well
    // under the 4 MiB limit) was refused as "expands to more than 100000 nodes" (probe).
    @Test
    void shouldReadAPlainDocumentOfMoreNodesThanAnAliasMayAdd() {
        StringBuilder yaml = new StringBuilder("virtual_models:\n");
        for (int i = 0; i < 20_000; i++) {
            yaml.append("  - {source: alias-").append(i).append(", target: openai/model-").append(i)
                    .append(", user_paths: [/team/").append(i).append("]}\n");
        }

        SwitchboardConfig config = LOADER.parse(yaml.toString());

        assertThat(config.rules().virtualModels()).hasSize(20_000);
    }

    @Test
    void shouldAccept50AliasesOfACollection() {
        SwitchboardConfig config = LOADER.parse(virtualModelsSharingUserPaths(50));

        assertThat(config.rules().virtualModels()).hasSize(51)
                .allSatisfy(vm -> assertThat(vm.userPaths()).containsExactly("/acme"));
    }

    @Test
    void shouldRejectMoreThan50AliasesOfACollection() {
        assertRefused(() -> LOADER.parse(virtualModelsSharingUserPaths(51)), List.of(TOO_MANY_ALIASES));
    }

    @Test
    void shouldAcceptManyAliasesOfAScalar() {
        // A scalar alias is one node: it cannot multiply a document, so it is not counted.
        StringBuilder yaml = new StringBuilder("virtual_models:\n  - source: m0\n    target: &t demo/echo\n");
        for (int i = 1; i <= 100; i++) {
            yaml.append("  - source: m").append(i).append("\n    target: *t\n");
        }

        assertThat(LOADER.parse(yaml.toString()).rules().virtualModels()).hasSize(101);
    }

    @Test
    void shouldRejectAliasCycle() {
        assertRefused(() -> LOADER.parse("x: &a [*a]\n"), List.of(TOO_DEEP));
    }

    // ---- nesting ----

    @Test
    void shouldRejectNestingDeeperThan32() {
        assertRefused(() -> LOADER.parse("x: " + "[".repeat(33) + "]".repeat(33) + "\n"), List.of(TOO_DEEP));
    }

    @Test
    void shouldRejectDeepBlockNesting() {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            yaml.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        yaml.append("  ".repeat(40)).append("v: 1\n");
        StringBuilder path = new StringBuilder("k0");
        for (int i = 1; i <= 32; i++) {
            path.append(".k").append(i);
        }

        assertRefused(() -> LOADER.parse(yaml.toString()), List.of(path + ": nested deeper than 32 levels"));
    }

    @Test
    void shouldAcceptNestingOf32() {
        // Deep enough for the guard, then only the ordinary unknown-key error.
        assertRefused(() -> LOADER.parse("x: " + "[".repeat(32) + "]".repeat(32) + "\n"), List.of("x: unknown key; "
                + "expected one of: version, server, providers, default_provider, identity, models, virtual_models, admin, "
                + "reload, observability, experiments, failover (line 1)"));
    }

    /** Regression: SnakeYAML's composer recursed once per level and threw StackOverflowError. */
    @ParameterizedTest
    @ValueSource(ints = {10_000, 1_000_000})
    void shouldRejectDeepFlowNestingWithoutStackOverflow(int levels) {
        assertRefused(() -> LOADER.parse("x: " + "[".repeat(levels) + "]".repeat(levels) + "\n"), List.of(TOO_DEEP));
        assertRefused(() -> LOADER.parse("x: " + "[".repeat(levels)), List.of(TOO_DEEP));
        assertRefused(() -> LOADER.parse("x: " + "{b: ".repeat(levels) + "1" + "}".repeat(levels) + "\n"),
                List.of("x" + ".b".repeat(32) + ": nested deeper than 32 levels"));
    }

    /** Regression: a deep collection used as a key recursed in the composer before it was refused. */
    @Test
    void shouldRejectDeepCollectionKeyWithoutStackOverflow() {
        assertRefused(() -> LOADER.parse("? " + "[".repeat(10_000) + "]".repeat(10_000) + "\n: 1\n"),
                List.of("[0]".repeat(32) + ": nested deeper than 32 levels"));
    }

    // ---- files ----

    @Test
    void shouldRejectA50MegabyteFileWithoutReadingIt() throws IOException {
        Path file = dir.resolve("huge.yaml");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // Sparse: 50 MB long, nothing written; were it read, it would be NUL bytes, not this error.
            raf.setLength(50L * 1024 * 1024);
        }

        assertRefused(() -> LOADER.load(file),
                List.of(file + ": the file is 52428800 bytes; the limit is 4194304 bytes"));
    }

    @Test
    void shouldAcceptAFileOfExactlyTheLimit() throws IOException {
        Path file = dir.resolve("limit.yaml");
        // "version: 1" and then comment lines of 64 bytes, 4 MiB in all.
        StringBuilder yaml = new StringBuilder("version: 1\n");
        yaml.append(("#" + "x".repeat(62) + "\n").repeat((ConfigLoader.MAX_FILE_BYTES - yaml.length()) / 64));
        yaml.append("#".repeat(ConfigLoader.MAX_FILE_BYTES - yaml.length() - 1)).append('\n');
        Files.writeString(file, yaml);
        assertThat(Files.size(file)).isEqualTo(ConfigLoader.MAX_FILE_BYTES);

        assertThat(LOADER.load(file).warnings()).isEmpty();
    }

    @Test
    void shouldRejectAFileOneByteOverTheLimit() throws IOException {
        Path file = dir.resolve("over.yaml");
        Files.write(file, new byte[ConfigLoader.MAX_FILE_BYTES + 1]);

        assertRefused(() -> LOADER.load(file),
                List.of(file + ": the file is 4194305 bytes; the limit is 4194304 bytes"));
    }

    @Test
    void shouldRejectBytesOverTheLimit() {
        assertRefused(() -> LOADER.parse(new byte[ConfigLoader.MAX_FILE_BYTES + 1]),
                List.of("the document is 4194305 bytes; the limit is 4194304 bytes"));
    }

    @Test
    void shouldRejectInvalidUtf8() throws IOException {
        Path file = dir.resolve("latin1.yaml");
        // "description: café" in ISO-8859-1: 0xE9 alone is not UTF-8.
        Files.write(file, "virtual_models:\n  - source: a\n    description: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertRefused(() -> LOADER.load(file), List.of("the document is not valid UTF-8"));
        assertRefused(() -> LOADER.parse(new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28}),
                List.of("the document is not valid UTF-8"));
    }

    @Test
    void shouldLoadValidUtf8() throws IOException {
        Path file = dir.resolve("utf8.yaml");
        Files.writeString(file, "virtual_models:\n  - source: a\n    description: caf\u00e9 \u2615\n");

        assertThat(LOADER.load(file).rules().virtualModels().get(0).description()).isEqualTo("caf\u00e9 \u2615");
    }

    @Test
    void shouldRejectMissingFile() {
        Path file = dir.resolve("missing.yaml");

        assertRefused(() -> LOADER.load(file), List.of(file + ": no such file"));
    }

    // Regression: a FIFO put at the config's path blocked the reload thread in its open, holding the lock that every
    // admin write and the stop wait for: the gateway hung and never exited.
    @Test
    void shouldRejectAPipeWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("fifo.yaml");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        java.util.concurrent.CompletableFuture<Void> load = java.util.concurrent.CompletableFuture.runAsync(() ->
                assertRefused(() -> LOADER.load(fifo), List.of(fifo + ": is not a regular file (a pipe, socket or device);"
                        + " write the config to a file")));

        load.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void shouldRejectDirectory() {
        assertRefused(() -> LOADER.load(dir), List.of(dir + ": is a directory, not a config file"));
    }

    private static String virtualModelsSharingUserPaths(int aliases) {
        StringBuilder yaml = new StringBuilder("virtual_models:\n  - source: m0\n    user_paths: &paths [/acme]\n");
        for (int i = 1; i <= aliases; i++) {
            yaml.append("  - source: m").append(i).append("\n    user_paths: *paths\n");
        }
        return yaml.toString();
    }

    private static void assertRefused(ThrowingCallable load, List<String> errors) {
        assertTimeoutPreemptively(FAST, () -> assertThatThrownBy(load)
                .isExactlyInstanceOf(InvalidConfigException.class)
                .extracting(e -> ((InvalidConfigException) e).errors())
                .isEqualTo(errors));
    }
}
