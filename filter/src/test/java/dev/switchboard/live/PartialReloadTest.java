package dev.switchboard.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.ops.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One half of the configuration broken, the other changed: the config file (invalid, missing, unreadable) and the
 * admin store (unreachable, read as emptied under the node) each go live with the other's last good state, so a
 * deny written in either takes effect; the broken half stays reported, by its own error.
 */
final class PartialReloadTest {

    private static final ConfigLoader LOADER = new ConfigLoader(name -> null);
    private static final AtomicInteger NEXT = new AtomicInteger();

    @TempDir
    Path dir;

    private final String address = "memory://partial-" + NEXT.incrementAndGet();
    private final MemoryStores.Table table = MemoryStores.TABLES.computeIfAbsent(address, a -> new MemoryStores.Table());

    private static Map<String, Object> row(String source, String target) {
        return Map.of("source", source, "targets", List.of(Map.of("model", target, "weight", 1)),
                "strategy", "sticky", "user_paths", List.of(), "enabled", true, "description", "");
    }

    private static Map<String, Object> deny(String source) {
        return Map.of("source", source, "enabled", false, "user_paths", List.of(), "description", "");
    }

    private String config(String rows) {
        return "admin:\n  token: t\n  store: " + address + "\nvirtual_models:\n  - {source: managed, target: x/y}\n" + rows;
    }

    private static boolean has(LiveConfig live, String source) {
        return live.get().rules().virtualModels().stream().anyMatch(vm -> vm.source().equals(source));
    }

    private LiveConfig node(Path file) throws IOException {
        table.edit(List.of(row("fast", "m/1")));
        Files.writeString(file, config(""));
        return LiveConfig.load(file, LOADER);
    }

    // Review regression: a file that could not be read at all (a directory, permission denied) stopped the store too.
    @Test
    void shouldApplyAnotherNodesDenyWhileTheConfigFileCannotBeRead() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        LiveConfig live = node(file);

        Files.delete(file);
        Files.createDirectory(file);
        table.edit(List.of(row("fast", "m/1"), deny("m/secret")));
        live.reload();

        assertThat(has(live, "m/secret")).isTrue();
        assertThat(live.lastError().errors()).singleElement().asString().contains(file.toString());
    }

    // Review regression: a store read as emptied under the node (revision 0) froze edits of the config file too.
    @Test
    void shouldApplyAnEmergencyDenyInTheFileWhileTheStoreReadsAsDropped() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        LiveConfig live = node(file);
        table.drop();
        live.reload();
        assertThat(has(live, "fast")).as("the store's last good rows are kept").isTrue();

        Files.writeString(file, config("  - {source: x/leaky, enabled: false}\n"));
        live.reload();

        assertThat(has(live, "x/leaky")).isTrue();
        assertThat(has(live, "fast")).isTrue();
        assertThat(live.lastError().errors()).singleElement().asString().contains("reads as never written");
    }

    @Test
    void shouldReportTheFileAndTheStoreDownTogetherAndTheFileAloneOnceTheStoreIsBack() throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        LiveConfig live = node(file);
        Files.writeString(file, config("server: {port: [\n"));
        live.reload();
        table.down = true;
        live.reload();
        // The file's edit could not go live either: both are said.
        assertThat(live.lastError().errors()).hasSize(2).anySatisfy(e -> assertThat(e).startsWith("invalid YAML"))
                .anySatisfy(e -> assertThat(e).contains("cannot be reached"));

        table.down = false;
        live.reload();

        // Review regression: the store was back, unchanged, and the node went on naming it as down.
        assertThat(live.lastError().errors()).singleElement().asString().startsWith("invalid YAML");
    }

    // Review regression: a warning of a store change applied with the last good file was never logged.
    @Test
    void shouldLogTheWarningsOfAStoreChangeAppliedWithTheLastGoodFile() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        String good = """
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:1", api_key: k}
                default_provider: up
                virtual_models:
                  - {source: up/denied, enabled: false}
                """;
        Files.writeString(file, good);
        Path store = dir.resolve("virtual-models.admin.yaml");
        Files.writeString(store, "virtual_models:\n  - {source: r0, target: up/r}\n");
        LiveConfig live = LiveConfig.load(file, LOADER);
        LogLines lines = LogLines.capture(LiveConfig.class, ch.qos.logback.classic.Level.WARN);
        try (lines) {
            Files.writeString(file, good + "server: {port: [\n");
            live.reload();
            Files.writeString(store, "virtual_models:\n  - {source: r0, target: up/r}\n  - {source: up/DENIED, enabled: true}\n");
            live.reload();
            Files.writeString(file, good);
            live.reload();
        }

        assertThat(live.get().warnings()).isNotEmpty();
        assertThat(lines.messages()).filteredOn(m -> m.contains("'up/DENIED'")).hasSize(1);
    }
}
