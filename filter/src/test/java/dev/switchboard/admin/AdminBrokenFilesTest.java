package dev.switchboard.admin;

import static dev.switchboard.admin.AdminApiTest.error;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.ops.LogLines;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin writes while a file on disk cannot be used (README "Faults"). A config file that is invalid,
 * missing, a directory or too large does not block them: they are validated against the last good
 * configuration (the one traffic is decided with), and the answer says that the file is broken. A store
 * that cannot be read refuses them with a JSON error naming it and saying why, and stays as it is.
 */
final class AdminBrokenFilesTest {

    private static final String CONFIG = """
            virtual_models:
              - source: managed-alias
                target: gpt-5
            admin:
              token: %s
            reload:
              poll_interval: 1h
            """.formatted(AdminServer.TOKEN);
    private static final String BROKEN = "the config file on disk cannot be used; this write was validated against the "
            + "last good configuration, which stays in force until the file is fixed (see /admin/status)";

    @TempDir
    Path dir;

    private AdminServer admin;

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(HttpResponse<String> r) {
        return (Map<String, Object>) JsonTree.parse(r.body().getBytes(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> lastReloadError() throws Exception {
        return (Map<String, Object>) object(admin.get("/admin/status")).get("last_reload_error");
    }

    private String resolve(String model) {
        return Resolver.resolve(admin.reloader.get().rules(), model, Caller.ANONYMOUS, Picker.create()).concrete();
    }

    private void assertWrittenDespite(HttpResponse<String> r, List<String> errors) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue(AdminServlet.CONFIG_ERROR_HEADER)).hasValue(BROKEN);
        Map<String, Object> body = object(r);
        assertThat(body.get("source")).isEqualTo("fast");
        assertThat(body.get("config_error")).isEqualTo(Map.of("file", admin.config.toString(), "errors", errors,
                "message", BROKEN));
    }

    @Test
    void shouldAcceptAWriteWhileTheConfigFileIsInvalidAndSayThatTheFileIsBroken() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        Files.writeString(admin.config, CONFIG.replace("target: gpt-5", "target: managed-alias"));
        List<String> errors = List.of("virtual_models[0].target: virtual model 'managed-alias' cannot target itself (line 3)");

        HttpResponse<String> r = admin.put("{\"source\":\"fast\",\"target_model\":\"gpt-5-mini\"}");

        assertWrittenDespite(r, errors);
        assertThat(r.body()).startsWith("{\"source\":\"fast\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"gpt-5-mini\","
                + "\"weight\":1}],\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],\"enabled\":true,\"description\":\"\","
                + "\"managed\":false,\"warnings\":[],\"config_error\":{");
        assertThat(Files.readString(admin.store)).contains("source: fast");
        // Live now, beside the last good config's rows; the file's error is still reported, and stays reported.
        assertThat(resolve("fast")).isEqualTo("gpt-5-mini");
        assertThat(resolve("managed-alias")).isEqualTo("gpt-5");
        assertThat(lastReloadError()).containsEntry("errors", errors);
        admin.reloader.reload();
        assertThat(lastReloadError()).containsEntry("errors", errors);
        assertThat(resolve("fast")).isEqualTo("gpt-5-mini");

        // Fixed: the file's rules and the row written meanwhile go live together.
        Files.writeString(admin.config, CONFIG.replace("target: gpt-5", "target: gpt-5.1"));
        admin.reloader.reload();
        assertThat(lastReloadError()).isNull();
        assertThat(resolve("managed-alias")).isEqualTo("gpt-5.1");
        assertThat(resolve("fast")).isEqualTo("gpt-5-mini");
    }

    @Test
    void shouldValidateAWriteAgainstTheLastGoodConfigurationWhileTheFileIsBroken() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        Files.writeString(admin.config, "virtual_models: [{source: other, target: x}]\nbogus: 1\n");

        HttpResponse<String> managed = admin.put("{\"source\":\"managed-alias\",\"target_model\":\"m\"}");
        HttpResponse<String> invalid = admin.put("{\"source\":\"fast\",\"targets\":[]}");

        // The last good file's rows are still managed; a bad row is blamed on itself, not on the file.
        assertThat(managed.statusCode()).isEqualTo(409);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).isEqualTo(error("targets: targets must contain at least one model", "invalid_request_error",
                "invalid_virtual_model"));
        assertThat(admin.store).doesNotExist();
    }

    @Test
    void shouldDeleteWhileTheConfigFileIsMissingAndSaySo() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        assertThat(admin.put("{\"source\":\"fast\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        LogLines lines = LogLines.capture(LiveConfig.class, Level.WARN);
        HttpResponse<String> r;
        try (lines) {
            Files.delete(admin.config);
            r = admin.delete("{\"source\":\"fast\"}");
            admin.reloader.reload();
        }
        // Logged once, whoever saw it first (the watcher, the write, the reload after it).
        assertThat(lines.messages()).singleElement().asString().contains("no such file");

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue(AdminServlet.CONFIG_ERROR_HEADER)).hasValue(BROKEN);
        assertThat(Files.readString(admin.store)).doesNotContain("fast");
        assertThat(lastReloadError()).containsEntry("errors", List.of(admin.config + ": no such file"));

        Files.writeString(admin.config, CONFIG);
        admin.reloader.reload();
        assertThat(lastReloadError()).isNull();
    }

    @Test
    void shouldNameAConfigPathThatIsADirectory() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        Files.delete(admin.config);
        Files.createDirectory(admin.config);

        List<String> heard = new CopyOnWriteArrayList<>();
        admin.reloader.addReloadListener((swapped, inUse) -> heard.add(swapped + " " + inUse.version()));

        HttpResponse<String> r = admin.put("{\"source\":\"fast\",\"target_model\":\"m\"}");

        List<String> errors = List.of(admin.config + ": is a directory, not a config file");
        assertWrittenDespite(r, errors);
        assertThat(lastReloadError()).containsEntry("errors", errors);
        // In force though the file is broken: the listeners (the metrics' version) heard of it.
        assertThat(heard).last().isEqualTo("true " + admin.reloader.snapshot().version());

        // The file put back as it was (the last good content): nothing is broken any more.
        Files.delete(admin.config);
        Files.writeString(admin.config, CONFIG);
        admin.reloader.reload();
        assertThat(lastReloadError()).isNull();
        assertThat(admin.send(admin.request("POST", "/admin/reload", null)).statusCode()).isEqualTo(200);
        assertThat(resolve("fast")).isEqualTo("m");
        assertThat(resolve("managed-alias")).isEqualTo("gpt-5");
    }

    @Test
    void shouldReportTheRealSizeOfAConfigFileOverTheLimit() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        resize(admin.config, 53_000_000L);

        HttpResponse<String> r = admin.put("{\"source\":\"fast\",\"target_model\":\"m\"}");

        List<String> errors = List.of(admin.config + ": the file is 53000000 bytes; the limit is 4194304 bytes");
        assertWrittenDespite(r, errors);
        assertThat(lastReloadError()).containsEntry("errors", errors);
    }

    @Test
    void shouldRefuseAWriteWithAJsonErrorNamingAStoreThatIsADirectoryAndLeaveItAsItIs() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        Files.createDirectory(admin.store);
        LogLines events = LogLines.capture(VirtualModelService.class, Level.WARN);
        HttpResponse<String> r;
        try (events) {
            r = admin.put("{\"source\":\"fast\",\"target_model\":\"m\"}");
        }

        String why = admin.store + ": is a directory, not an admin store file";
        assertThat(events.messages()).as("the operator reads it in the log, not only the client in its answer")
                .containsExactly("Switchboard: an admin write failed, nothing written: " + why);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).isEqualTo(error("the admin store could not be written: " + why, "api_error",
                "store_write_failed"));
        assertThat(admin.store).isEmptyDirectory();
        assertThat(lastReloadError()).containsEntry("errors", List.of(why));
        assertThat(resolve("fast")).isEqualTo("fast");
    }

    @Test
    void shouldRefuseAWriteNamingTheRealSizeOfAStoreOverTheLimitAndLeaveItAsItIs() throws Exception {
        admin = AdminServer.start(dir, CONFIG);
        resize(admin.store, 53_000_000L);

        HttpResponse<String> r = admin.put("{\"source\":\"fast\",\"target_model\":\"m\"}");

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo(error("the admin store could not be written: " + admin.store
                + ": the file is 53000000 bytes; the limit is 4194304 bytes", "api_error", "store_write_failed"));
        assertThat(Files.size(admin.store)).isEqualTo(53_000_000L);
    }

    /** A sparse file of that size: no 53 MB written to the disk. */
    private static void resize(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }
}
