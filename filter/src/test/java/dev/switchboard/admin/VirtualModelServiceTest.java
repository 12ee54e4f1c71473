package dev.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.Warning;
import dev.switchboard.error.ApiError;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** The rules of admin writes without HTTP: what {@link VirtualModelService} stores, and the row it refuses with. */
final class VirtualModelServiceTest {

    private static final String CONFIG = """
            virtual_models:
              - source: managed-alias
                target: gpt-5
              - source: openai/o3-pro
                enabled: false
            """;

    @TempDir
    Path dir;

    private LiveConfig live;
    private VirtualModelService service;

    @AfterEach
    void close() {
        if (live != null) {
            live.close();
        }
    }

    private VirtualModelService start(String config) throws Exception {
        Files.writeString(dir.resolve("switchboard.yaml"), config);
        live = LiveConfig.load(dir.resolve("switchboard.yaml"), new ConfigLoader(name -> null));
        service = new VirtualModelService(live);
        return service;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(String json) {
        return (Map<String, Object>) JsonTree.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private List<VirtualModel> stored() {
        return live.snapshot().stored();
    }

    private static AdminException refusal(Runnable write) {
        try {
            write.run();
        } catch (AdminException e) {
            return e;
        }
        throw new AssertionError("the write was not refused");
    }

    @Test
    void shouldStoreTargetModelAsTheTargetAndMakeItLive() throws Exception {
        start(CONFIG);

        VirtualModelService.Written w = service.upsert(null, body("{\"source\":\" fast \",\"target_model\":\"gpt-5-mini\"}"));

        assertThat(w.row()).isEqualTo(new VirtualModelView("fast", VirtualModelView.Kind.REDIRECT,
                List.of(new VirtualModelView.TargetView("gpt-5-mini", 1)), "sticky", List.of(), List.of(), true, "", false,
                List.of()));
        assertThat(stored()).containsExactly(new VirtualModel("fast", List.of(new Target("gpt-5-mini", 1)),
                Strategy.STICKY, List.of(), true, ""));
        assertThat(w.etag()).isEqualTo(live.snapshot().storeEtag()).isNotEqualTo("\"absent\"");
        assertThat(service.list().rows()).extracting(VirtualModelView::source)
                .containsExactly("fast", "managed-alias", "openai/o3-pro");
    }

    @Test
    void shouldReplaceTheWholeEntryButKeepTheStoredEnabledWhenOmitted() throws Exception {
        start(CONFIG);
        service.upsert(null, body("{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":2},{\"model\":\"b\"}],"
                + "\"strategy\":\"round_robin\",\"user_paths\":[\"/team\"],\"enabled\":false,\"description\":\"d\"}"));

        service.upsert(null, body("{\"source\":\"x\",\"target_model\":\"c\"}"));

        assertThat(stored()).containsExactly(new VirtualModel("x", List.of(new Target("c", 1)), Strategy.STICKY,
                List.of(), false, ""));

        service.upsert(null, body("{\"source\":\"x\",\"target_model\":\"c\",\"enabled\":true}"));
        assertThat(stored()).extracting(VirtualModel::enabled).containsExactly(true);
    }

    @Test
    void shouldRenameKeepingTheEnabledFlagAndDroppingTheOldRow() throws Exception {
        start(CONFIG);
        service.upsert(null, body("{\"source\":\"old\",\"target_model\":\"m\",\"enabled\":false}"));
        service.upsert(null, body("{\"source\":\"other\",\"target_model\":\"o\"}"));

        VirtualModelService.Written w = service.upsert(null, body("{\"source\":\"new\",\"old_source\":\"old\",\"target_model\":\"m2\"}"));

        assertThat(w.row().source()).isEqualTo("new");
        assertThat(w.row().enabled()).isFalse();
        assertThat(stored()).extracting(VirtualModel::source).containsExactlyInAnyOrder("new", "other");
    }

    @Test
    void shouldShowAStorePolicyLeftOutForItsCaseBesideTheConfigPolicyItCollidesWith() throws Exception {
        // Written by hand (the API refuses it): the listing, which the dashboard draws, says so on the config's row.
        Files.writeString(dir.resolve("virtual-models.admin.yaml"), "virtual_models:\n  - {source: OpenAI/O3-Pro, enabled: true}\n");
        start(CONFIG);

        assertThat(service.list().rows()).extracting(VirtualModelView::source).doesNotContain("OpenAI/O3-Pro");
        assertThat(service.list().rows()).filteredOn(v -> v.source().equals("openai/o3-pro")).singleElement()
                .satisfies(v -> assertThat(v.warnings()).singleElement().asString()
                        .startsWith("the admin store's policy 'OpenAI/O3-Pro' (virtual-models.admin.yaml, virtual_models[0])"));
    }

    static Stream<Arguments> refusals() {
        String managed = " is managed by config; edit your configuration instead";
        return Stream.of(
                Arguments.of("upsert of a managed source", "{\"source\":\"managed-alias\",\"target_model\":\"x\"}", false,
                        ApiError.CONFLICT, "virtual model managed-alias" + managed),
                Arguments.of("upsert of a managed policy", "{\"source\":\"openai/o3-pro\",\"enabled\":true}", false,
                        ApiError.CONFLICT, "virtual model openai/o3-pro" + managed),
                Arguments.of("upsert of a managed policy's name in another case (it would widen access)",
                        "{\"source\":\"openai/O3-Pro\",\"enabled\":true}", false, ApiError.CONFLICT,
                        "virtual model openai/O3-Pro differs only in case from openai/o3-pro, which" + managed),
                Arguments.of("rename onto a managed policy's name in another case, as a policy",
                        "{\"source\":\"OPENAI/o3-pro\",\"old_source\":\"a\",\"enabled\":true}", false, ApiError.CONFLICT,
                        "virtual model OPENAI/o3-pro differs only in case from openai/o3-pro, which" + managed),
                Arguments.of("rename of a managed source", "{\"source\":\"mine\",\"old_source\":\"managed-alias\"}", false,
                        ApiError.CONFLICT, "virtual model managed-alias" + managed),
                Arguments.of("rename of an absent source", "{\"source\":\"new\",\"old_source\":\"ghost\",\"target_model\":\"m\"}",
                        false, ApiError.VIRTUAL_MODEL_NOT_FOUND, "virtual model not found: ghost"),
                Arguments.of("rename onto an existing source", "{\"source\":\"b\",\"old_source\":\"a\",\"target_model\":\"z\"}",
                        false, ApiError.CONFLICT, "virtual model b already exists"),
                Arguments.of("invalid row", "{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":-1}]}", false,
                        ApiError.INVALID_VIRTUAL_MODEL, "targets[0].weight: must be > 0, was -1"),
                Arguments.of("no source", "{\"target_model\":\"a\"}", false,
                        ApiError.INVALID_VIRTUAL_MODEL, "source is required"),
                Arguments.of("delete of a managed source", "{\"source\":\"managed-alias\"}", true,
                        ApiError.CONFLICT, "virtual model managed-alias" + managed),
                Arguments.of("delete of an absent source", "{\"source\":\"ghost\"}", true,
                        ApiError.VIRTUAL_MODEL_NOT_FOUND, "virtual model not found: ghost"),
                Arguments.of("delete without a source", "{\"source\":\" \"}", true,
                        ApiError.INVALID_VIRTUAL_MODEL, "source is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void shouldRefuseWithItsRowAndWriteNothing(String name, String json, boolean delete, ApiError row, String message)
            throws Exception {
        start(CONFIG);
        service.upsert(null, body("{\"source\":\"a\",\"target_model\":\"ma\"}"));
        service.upsert(null, body("{\"source\":\"b\",\"target_model\":\"mb\"}"));
        byte[] before = Files.readAllBytes(dir.resolve("virtual-models.admin.yaml"));

        AdminException e = refusal(() -> {
            if (delete) {
                service.delete(null, body(json));
            } else {
                service.upsert(null, body(json));
            }
        });

        assertThat(e.error()).isEqualTo(row);
        assertThat(e.response().message()).isEqualTo(message);
        assertThat(e.response().status()).isEqualTo(row.status());
        assertThat(e.getStackTrace()).isEmpty();
        assertThat(Files.readAllBytes(dir.resolve("virtual-models.admin.yaml"))).isEqualTo(before);
    }

    @Test
    void shouldRefuseAStaleETagWithItsRow() throws Exception {
        start(CONFIG);
        String stale = service.list().etag();
        service.upsert(null, body("{\"source\":\"a\",\"target_model\":\"m\"}"));

        assertThatThrownBy(() -> service.delete(stale, body("{\"source\":\"a\"}")))
                .isInstanceOfSatisfying(AdminException.class, e -> {
                    assertThat(e.error()).isEqualTo(ApiError.STALE_ETAG);
                    assertThat(e.response().message()).isEqualTo("the admin store changed since it was read (If-Match "
                            + stale + ")");
                });
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a");
    }

    @Test
    void shouldDeleteAStoredRowAndAnswerTheNewETag() throws Exception {
        start(CONFIG);
        service.upsert(null, body("{\"source\":\"a\",\"target_model\":\"m\"}"));
        service.upsert(null, body("{\"source\":\"b\",\"target_model\":\"m\"}"));

        String etag = service.delete(service.list().etag(), body("{\"source\":\"a\"}")).etag();

        assertThat(stored()).extracting(VirtualModel::source).containsExactly("b");
        assertThat(etag).isEqualTo(live.snapshot().storeEtag());
    }

    @Test
    void shouldGiveEachRowOnlyTheWarningsOfItsOwnFile() throws Exception {
        start("""
                virtual_models:
                  - source: fast
                    target: cheap
                  - source: cheap
                    target: small
                """);

        // The store row "chain" has the same kind of warning as the config row "fast", in the store file.
        service.upsert(null, body("{\"source\":\"chain\",\"target_model\":\"fast\"}"));

        Map<String, List<String>> warnings = new java.util.TreeMap<>();
        service.list().rows().forEach(v -> warnings.put(v.source(), v.warnings()));
        assertThat(warnings).containsExactly(
                Map.entry("chain", List.of("'fast' is also the source of a redirect; targets are not resolved again, "
                        + "so 'chain' goes to the model 'fast' itself")),
                Map.entry("cheap", List.of()),
                Map.entry("fast", List.of("'cheap' is also the source of a redirect; targets are not resolved again, "
                        + "so 'fast' goes to the model 'cheap' itself")));
        assertThat(live.get().warnings()).extracting(w -> w.file() + " " + w.path() + " " + w.source()).containsExactly(
                "null virtual_models[0].target fast", "virtual-models.admin.yaml virtual_models[0].target chain");
    }

    @Test
    void shouldKeepTheWarningsOfShortTokensOnceStoreRowsAreMerged() throws Exception {
        start("""
                admin: {token: changeme}
                observability: {metrics_token: short}
                """);

        service.upsert(null, body("{\"source\":\"fast\",\"target_model\":\"m\"}"));

        assertThat(live.get().warnings()).extracting(Warning::path)
                .containsExactly("admin.token", "observability.metrics_token");
    }
}
