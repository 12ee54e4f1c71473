package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per validation error: a YAML snippet and the exact lines a user sees (SPEC sections 1 and 2,
 * README "Check a config"). Every line names the YAML path, the bad value and the line.
 */
final class ConfigValidationTest {

    private static final Map<String, String> ENV = Map.of("SET", "value", "EMPTY", "");
    private static final String KEY = "4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7";
    private static final String TOP_KEYS =
            "expected one of: version, server, providers, default_provider, identity, models, virtual_models, admin, reload, observability, experiments, failover";
    private static final String VIRTUAL_MODEL_KEYS =
            "expected one of: source, target, targets, strategy, fallbacks, user_paths, enabled, description";

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // ---- unknown keys ----
                row("typo'd key", """
                        server:
                          prot: 8080
                        """, "server.prot: unknown key (did you mean 'port'?); expected one of: host, port, "
                        + "max_request_bytes, upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 2)"),
                // Regression: the line was that of the block value below the key (line 2).
                row("typo'd section names the key's line", """
                        servr:
                          port: 1
                        """, "servr: unknown key (did you mean 'server'?); " + TOP_KEYS + " (line 1)"),
                row("typo'd virtual model key", """
                        virtual_models:
                          - source: a
                            targte: b
                        """, "virtual_models[0].targte: unknown key (did you mean 'target'?); " + VIRTUAL_MODEL_KEYS
                        + " (line 3)"),
                row("unknown key nothing is close to", """
                        virtual_models:
                          - source: a
                            target: b
                            weight: 3
                        """, "virtual_models[0].weight: unknown key; " + VIRTUAL_MODEL_KEYS + " (line 4)"),

                // ---- wrong types ----
                row("string for an integer", """
                        server:
                          port: abc
                        """, "server.port: must be an integer, was \"abc\" (line 2)"),
                row("float for an integer", """
                        server:
                          port: 8080.0
                        """, "server.port: must be an integer, was 8080.0 (line 2)"),
                row("list for a string", """
                        server:
                          host: [a, b]
                        """, "server.host: must be a string, was a list (line 2)"),
                row("mapping for a string", """
                        virtual_models:
                          - source: a
                            description:
                              text: b
                        """, "virtual_models[0].description: must be a string, was a mapping (line 3)"),
                row("maybe for a boolean", """
                        identity:
                          trust_user_path_header: maybe
                        """, "identity.trust_user_path_header: must be true or false, was \"maybe\" (line 2)"),
                row("quoted boolean", """
                        models:
                          enabled_by_default: "false"
                        """, "models.enabled_by_default: must be true or false, was \"false\" (line 2)"),
                row("bad duration", """
                        reload:
                          poll_interval: 2 seconds
                        """, "reload.poll_interval: must be a duration such as 600s, 500ms, 10m, 1h or 7d, was \"2 seconds\" "
                        + "(line 2)"),
                row("zero duration", """
                        server:
                          upstream_idle_timeout: 0s
                        """, "server.upstream_idle_timeout: must be > 0, was 0s (line 2)"),
                row("zero request body timeout", """
                        server:
                          request_body_timeout: 0ms
                        """, "server.request_body_timeout: must be > 0, was 0ms (line 2)"),
                row("negative minimum body rate", """
                        server:
                          request_body_min_rate: -1
                        """, "server.request_body_min_rate: must be between 0 and 2147483647, was -1 (line 2)"),
                row("scalar for a section", """
                        server: 3
                        """, "server: must be a mapping, was 3 (line 1)"),
                row("mapping for the virtual model list", """
                        virtual_models:
                          a: b
                        """, "virtual_models: must be a list, was a mapping (line 1)"),
                row("scalar for a virtual model", """
                        virtual_models:
                          - a
                        """, "virtual_models[0]: must be a mapping, was \"a\" (line 2)"),
                row("string for a weight", """
                        virtual_models:
                          - source: a
                            targets: [{model: b, weight: heavy}]
                        """, "virtual_models[0].targets[0].weight: must be a positive integer, was \"heavy\" (line 3)"),
                row("zero max_request_bytes", """
                        server:
                          max_request_bytes: 0
                        """, "server.max_request_bytes: must be between 1 and 2147483639, was 0 (line 2)"),

                // ---- weights ----
                row("negative weight", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: -1
                        """, "virtual_models[0].targets[0].weight: must be > 0, was -1 (line 5)"),
                row("zero weight", """
                        virtual_models:
                          - source: x
                            target: y
                          - source: a
                            targets:
                              - model: b
                                weight: 2
                              - model: c
                                weight: 0
                        """, "virtual_models[1].targets[1].weight: must be > 0, was 0 (line 9)"),
                row("huge weight", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: 1000001
                        """, "virtual_models[0].targets[0].weight: must be at most 1000000, was 1000001 (line 5)"),
                row("weight past a long", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                                weight: 99999999999999999999
                        """, "virtual_models[0].targets[0].weight: must be at most 1000000, was 99999999999999999999 "
                        + "(line 5)"),
                row("weights that add up past 32 bits' picks", """
                        virtual_models:
                          - source: a
                            targets:
                              - {model: m0, weight: 1000000}
                              - {model: m1, weight: 1000000}
                              - {model: m2, weight: 1000000}
                              - {model: m3, weight: 1000000}
                              - {model: m4, weight: 1000000}
                              - {model: m5, weight: 1000000}
                              - {model: m6, weight: 1000000}
                              - {model: m7, weight: 1000000}
                              - {model: m8, weight: 1000000}
                              - {model: m9, weight: 1000000}
                              - {model: m10, weight: 1000000}
                              - {model: m11, weight: 1000000}
                              - {model: m12, weight: 1000000}
                              - {model: m13, weight: 1000000}
                              - {model: m14, weight: 1000000}
                              - {model: m15, weight: 1000000}
                              - {model: m16, weight: 1000000}
                              - {model: m17, weight: 1000000}
                              - {model: m18, weight: 1000000}
                              - {model: m19, weight: 1000000}
                              - {model: m20, weight: 1000000}
                              - {model: m21, weight: 1000000}
                              - {model: m22, weight: 1000000}
                              - {model: m23, weight: 1000000}
                              - {model: m24, weight: 1000000}
                              - {model: m25, weight: 1000000}
                              - {model: m26, weight: 1000000}
                              - {model: m27, weight: 1000000}
                              - {model: m28, weight: 1000000}
                              - {model: m29, weight: 1000000}
                              - {model: m30, weight: 1000000}
                              - {model: m31, weight: 1000000}
                              - {model: m32, weight: 1000000}
                              - {model: m33, weight: 1000000}
                              - {model: m34, weight: 1000000}
                              - {model: m35, weight: 1000000}
                              - {model: m36, weight: 1000000}
                              - {model: m37, weight: 1000000}
                              - {model: m38, weight: 1000000}
                              - {model: m39, weight: 1000000}
                              - {model: m40, weight: 1000000}
                              - {model: m41, weight: 1000000}
                              - {model: m42, weight: 1000000}
                              - {model: m43, weight: 1000000}
                              - {model: m44, weight: 1000000}
                              - {model: m45, weight: 1000000}
                              - {model: m46, weight: 1000000}
                              - {model: m47, weight: 1000000}
                              - {model: m48, weight: 1000000}
                              - {model: m49, weight: 1000000}
                              - {model: m50, weight: 1000000}
                              - {model: m51, weight: 1000000}
                              - {model: m52, weight: 1000000}
                              - {model: m53, weight: 1000000}
                              - {model: m54, weight: 1000000}
                              - {model: m55, weight: 1000000}
                              - {model: m56, weight: 1000000}
                              - {model: m57, weight: 1000000}
                              - {model: m58, weight: 1000000}
                              - {model: m59, weight: 1000000}
                              - {model: m60, weight: 1000000}
                              - {model: m61, weight: 1000000}
                              - {model: m62, weight: 1000000}
                              - {model: m63, weight: 1000000}
                              - {model: m64, weight: 1000000}
                              - {model: m65, weight: 1000000}
                              - {model: m66, weight: 1000000}
                              - {model: m67, weight: 1000000}
                              - {model: m68, weight: 1000000}
                              - {model: m69, weight: 1000000}
                              - {model: m70, weight: 1000000}
                              - {model: m71, weight: 1000000}
                              - {model: m72, weight: 1000000}
                              - {model: m73, weight: 1000000}
                              - {model: m74, weight: 1000000}
                              - {model: m75, weight: 1000000}
                              - {model: m76, weight: 1000000}
                              - {model: m77, weight: 1000000}
                              - {model: m78, weight: 1000000}
                              - {model: m79, weight: 1000000}
                              - {model: m80, weight: 1000000}
                              - {model: m81, weight: 1000000}
                              - {model: m82, weight: 1000000}
                              - {model: m83, weight: 1000000}
                              - {model: m84, weight: 1000000}
                              - {model: m85, weight: 1000000}
                              - {model: m86, weight: 1000000}
                              - {model: m87, weight: 1000000}
                              - {model: m88, weight: 1000000}
                              - {model: m89, weight: 1000000}
                              - {model: m90, weight: 1000000}
                              - {model: m91, weight: 1000000}
                              - {model: m92, weight: 1000000}
                              - {model: m93, weight: 1000000}
                              - {model: m94, weight: 1000000}
                              - {model: m95, weight: 1000000}
                              - {model: m96, weight: 1000000}
                              - {model: m97, weight: 1000000}
                              - {model: m98, weight: 1000000}
                              - {model: m99, weight: 1000000}
                              - {model: m100, weight: 1000000}
                              - {model: m101, weight: 1000000}
                              - {model: m102, weight: 1000000}
                              - {model: m103, weight: 1000000}
                              - {model: m104, weight: 1000000}
                              - {model: m105, weight: 1000000}
                              - {model: m106, weight: 1000000}
                              - {model: m107, weight: 1000000}
                              - {model: m108, weight: 1000000}
                              - {model: m109, weight: 1000000}
                              - {model: m110, weight: 1000000}
                              - {model: m111, weight: 1000000}
                              - {model: m112, weight: 1000000}
                              - {model: m113, weight: 1000000}
                              - {model: m114, weight: 1000000}
                              - {model: m115, weight: 1000000}
                              - {model: m116, weight: 1000000}
                              - {model: m117, weight: 1000000}
                              - {model: m118, weight: 1000000}
                              - {model: m119, weight: 1000000}
                              - {model: m120, weight: 1000000}
                              - {model: m121, weight: 1000000}
                              - {model: m122, weight: 1000000}
                              - {model: m123, weight: 1000000}
                              - {model: m124, weight: 1000000}
                              - {model: m125, weight: 1000000}
                              - {model: m126, weight: 1000000}
                              - {model: m127, weight: 1000000}
                              - {model: m128, weight: 1000000}
                              - {model: m129, weight: 1000000}
                              - {model: m130, weight: 1000000}
                              - {model: m131, weight: 1000000}
                              - {model: m132, weight: 1000000}
                              - {model: m133, weight: 1000000}
                              - {model: m134, weight: 1000000}
                              - {model: m135, weight: 1000000}
                              - {model: m136, weight: 1000000}
                              - {model: m137, weight: 1000000}
                              - {model: m138, weight: 1000000}
                              - {model: m139, weight: 1000000}
                              - {model: m140, weight: 1000000}
                              - {model: m141, weight: 1000000}
                              - {model: m142, weight: 1000000}
                              - {model: m143, weight: 1000000}
                              - {model: m144, weight: 1000000}
                              - {model: m145, weight: 1000000}
                              - {model: m146, weight: 1000000}
                              - {model: m147, weight: 1000000}
                              - {model: m148, weight: 1000000}
                              - {model: m149, weight: 1000000}
                              - {model: m150, weight: 1000000}
                              - {model: m151, weight: 1000000}
                              - {model: m152, weight: 1000000}
                              - {model: m153, weight: 1000000}
                              - {model: m154, weight: 1000000}
                              - {model: m155, weight: 1000000}
                              - {model: m156, weight: 1000000}
                              - {model: m157, weight: 1000000}
                              - {model: m158, weight: 1000000}
                              - {model: m159, weight: 1000000}
                              - {model: m160, weight: 1000000}
                              - {model: m161, weight: 1000000}
                              - {model: m162, weight: 1000000}
                              - {model: m163, weight: 1000000}
                              - {model: m164, weight: 1000000}
                              - {model: m165, weight: 1000000}
                              - {model: m166, weight: 1000000}
                              - {model: m167, weight: 1000000}
                              - {model: m168, weight: 1000000}
                              - {model: m169, weight: 1000000}
                              - {model: m170, weight: 1000000}
                              - {model: m171, weight: 1000000}
                              - {model: m172, weight: 1000000}
                              - {model: m173, weight: 1000000}
                              - {model: m174, weight: 1000000}
                              - {model: m175, weight: 1000000}
                              - {model: m176, weight: 1000000}
                              - {model: m177, weight: 1000000}
                              - {model: m178, weight: 1000000}
                              - {model: m179, weight: 1000000}
                              - {model: m180, weight: 1000000}
                              - {model: m181, weight: 1000000}
                              - {model: m182, weight: 1000000}
                              - {model: m183, weight: 1000000}
                              - {model: m184, weight: 1000000}
                              - {model: m185, weight: 1000000}
                              - {model: m186, weight: 1000000}
                              - {model: m187, weight: 1000000}
                              - {model: m188, weight: 1000000}
                              - {model: m189, weight: 1000000}
                              - {model: m190, weight: 1000000}
                              - {model: m191, weight: 1000000}
                              - {model: m192, weight: 1000000}
                              - {model: m193, weight: 1000000}
                              - {model: m194, weight: 1000000}
                              - {model: m195, weight: 1000000}
                              - {model: m196, weight: 1000000}
                              - {model: m197, weight: 1000000}
                              - {model: m198, weight: 1000000}
                              - {model: m199, weight: 1000000}
                              - {model: m200, weight: 1000000}
                              - {model: m201, weight: 1000000}
                              - {model: m202, weight: 1000000}
                              - {model: m203, weight: 1000000}
                              - {model: m204, weight: 1000000}
                              - {model: m205, weight: 1000000}
                              - {model: m206, weight: 1000000}
                              - {model: m207, weight: 1000000}
                              - {model: m208, weight: 1000000}
                              - {model: m209, weight: 1000000}
                              - {model: m210, weight: 1000000}
                              - {model: m211, weight: 1000000}
                              - {model: m212, weight: 1000000}
                              - {model: m213, weight: 1000000}
                              - {model: m214, weight: 1000000}
                              - {model: m215, weight: 1000000}
                              - {model: m216, weight: 1000000}
                              - {model: m217, weight: 1000000}
                              - {model: m218, weight: 1000000}
                              - {model: m219, weight: 1000000}
                              - {model: m220, weight: 1000000}
                              - {model: m221, weight: 1000000}
                              - {model: m222, weight: 1000000}
                              - {model: m223, weight: 1000000}
                              - {model: m224, weight: 1000000}
                              - {model: m225, weight: 1000000}
                              - {model: m226, weight: 1000000}
                              - {model: m227, weight: 1000000}
                              - {model: m228, weight: 1000000}
                              - {model: m229, weight: 1000000}
                              - {model: m230, weight: 1000000}
                              - {model: m231, weight: 1000000}
                              - {model: m232, weight: 1000000}
                              - {model: m233, weight: 1000000}
                              - {model: m234, weight: 1000000}
                              - {model: m235, weight: 1000000}
                              - {model: m236, weight: 1000000}
                              - {model: m237, weight: 1000000}
                              - {model: m238, weight: 1000000}
                              - {model: m239, weight: 1000000}
                              - {model: m240, weight: 1000000}
                              - {model: m241, weight: 1000000}
                              - {model: m242, weight: 1000000}
                              - {model: m243, weight: 1000000}
                              - {model: m244, weight: 1000000}
                              - {model: m245, weight: 1000000}
                              - {model: m246, weight: 1000000}
                              - {model: m247, weight: 1000000}
                              - {model: m248, weight: 1000000}
                              - {model: m249, weight: 1000000}
                              - {model: m250, weight: 1000000}
                              - {model: m251, weight: 1000000}
                              - {model: m252, weight: 1000000}
                              - {model: m253, weight: 1000000}
                              - {model: m254, weight: 1000000}
                              - {model: m255, weight: 1000000}
                              - {model: m256, weight: 1000000}
                              - {model: m257, weight: 1000000}
                              - {model: m258, weight: 1000000}
                              - {model: m259, weight: 1000000}
                              - {model: m260, weight: 1000000}
                              - {model: m261, weight: 1000000}
                              - {model: m262, weight: 1000000}
                              - {model: m263, weight: 1000000}
                              - {model: m264, weight: 1000000}
                              - {model: m265, weight: 1000000}
                              - {model: m266, weight: 1000000}
                              - {model: m267, weight: 1000000}
                              - {model: m268, weight: 1000000}
                              - {model: m269, weight: 1000000}
                              - {model: m270, weight: 1000000}
                              - {model: m271, weight: 1000000}
                              - {model: m272, weight: 1000000}
                              - {model: m273, weight: 1000000}
                              - {model: m274, weight: 1000000}
                              - {model: m275, weight: 1000000}
                              - {model: m276, weight: 1000000}
                              - {model: m277, weight: 1000000}
                              - {model: m278, weight: 1000000}
                              - {model: m279, weight: 1000000}
                              - {model: m280, weight: 1000000}
                              - {model: m281, weight: 1000000}
                              - {model: m282, weight: 1000000}
                              - {model: m283, weight: 1000000}
                              - {model: m284, weight: 1000000}
                              - {model: m285, weight: 1000000}
                              - {model: m286, weight: 1000000}
                              - {model: m287, weight: 1000000}
                              - {model: m288, weight: 1000000}
                              - {model: m289, weight: 1000000}
                              - {model: m290, weight: 1000000}
                              - {model: m291, weight: 1000000}
                              - {model: m292, weight: 1000000}
                              - {model: m293, weight: 1000000}
                              - {model: m294, weight: 1000000}
                              - {model: m295, weight: 1000000}
                              - {model: m296, weight: 1000000}
                              - {model: m297, weight: 1000000}
                              - {model: m298, weight: 1000000}
                              - {model: m299, weight: 1000000}
                              - {model: m300, weight: 1000000}
                              - {model: m301, weight: 1000000}
                              - {model: m302, weight: 1000000}
                              - {model: m303, weight: 1000000}
                              - {model: m304, weight: 1000000}
                              - {model: m305, weight: 1000000}
                              - {model: m306, weight: 1000000}
                              - {model: m307, weight: 1000000}
                              - {model: m308, weight: 1000000}
                              - {model: m309, weight: 1000000}
                              - {model: m310, weight: 1000000}
                              - {model: m311, weight: 1000000}
                              - {model: m312, weight: 1000000}
                              - {model: m313, weight: 1000000}
                              - {model: m314, weight: 1000000}
                              - {model: m315, weight: 1000000}
                              - {model: m316, weight: 1000000}
                              - {model: m317, weight: 1000000}
                              - {model: m318, weight: 1000000}
                              - {model: m319, weight: 1000000}
                              - {model: m320, weight: 1000000}
                              - {model: m321, weight: 1000000}
                              - {model: m322, weight: 1000000}
                              - {model: m323, weight: 1000000}
                              - {model: m324, weight: 1000000}
                              - {model: m325, weight: 1000000}
                              - {model: m326, weight: 1000000}
                              - {model: m327, weight: 1000000}
                              - {model: m328, weight: 1000000}
                              - {model: m329, weight: 1000000}
                              - {model: m330, weight: 1000000}
                              - {model: m331, weight: 1000000}
                              - {model: m332, weight: 1000000}
                              - {model: m333, weight: 1000000}
                              - {model: m334, weight: 1000000}
                              - {model: m335, weight: 1000000}
                              - {model: m336, weight: 1000000}
                              - {model: m337, weight: 1000000}
                              - {model: m338, weight: 1000000}
                              - {model: m339, weight: 1000000}
                              - {model: m340, weight: 1000000}
                              - {model: m341, weight: 1000000}
                              - {model: m342, weight: 1000000}
                              - {model: m343, weight: 1000000}
                              - {model: m344, weight: 1000000}
                              - {model: m345, weight: 1000000}
                              - {model: m346, weight: 1000000}
                              - {model: m347, weight: 1000000}
                              - {model: m348, weight: 1000000}
                              - {model: m349, weight: 1000000}
                              - {model: m350, weight: 1000000}
                              - {model: m351, weight: 1000000}
                              - {model: m352, weight: 1000000}
                              - {model: m353, weight: 1000000}
                              - {model: m354, weight: 1000000}
                              - {model: m355, weight: 1000000}
                              - {model: m356, weight: 1000000}
                              - {model: m357, weight: 1000000}
                              - {model: m358, weight: 1000000}
                              - {model: m359, weight: 1000000}
                              - {model: m360, weight: 1000000}
                              - {model: m361, weight: 1000000}
                              - {model: m362, weight: 1000000}
                              - {model: m363, weight: 1000000}
                              - {model: m364, weight: 1000000}
                              - {model: m365, weight: 1000000}
                              - {model: m366, weight: 1000000}
                              - {model: m367, weight: 1000000}
                              - {model: m368, weight: 1000000}
                              - {model: m369, weight: 1000000}
                              - {model: m370, weight: 1000000}
                              - {model: m371, weight: 1000000}
                              - {model: m372, weight: 1000000}
                              - {model: m373, weight: 1000000}
                              - {model: m374, weight: 1000000}
                              - {model: m375, weight: 1000000}
                              - {model: m376, weight: 1000000}
                              - {model: m377, weight: 1000000}
                              - {model: m378, weight: 1000000}
                              - {model: m379, weight: 1000000}
                              - {model: m380, weight: 1000000}
                              - {model: m381, weight: 1000000}
                              - {model: m382, weight: 1000000}
                              - {model: m383, weight: 1000000}
                              - {model: m384, weight: 1000000}
                              - {model: m385, weight: 1000000}
                              - {model: m386, weight: 1000000}
                              - {model: m387, weight: 1000000}
                              - {model: m388, weight: 1000000}
                              - {model: m389, weight: 1000000}
                              - {model: m390, weight: 1000000}
                              - {model: m391, weight: 1000000}
                              - {model: m392, weight: 1000000}
                              - {model: m393, weight: 1000000}
                              - {model: m394, weight: 1000000}
                              - {model: m395, weight: 1000000}
                              - {model: m396, weight: 1000000}
                              - {model: m397, weight: 1000000}
                              - {model: m398, weight: 1000000}
                              - {model: m399, weight: 1000000}
                              - {model: m400, weight: 1000000}
                              - {model: m401, weight: 1000000}
                              - {model: m402, weight: 1000000}
                              - {model: m403, weight: 1000000}
                              - {model: m404, weight: 1000000}
                              - {model: m405, weight: 1000000}
                              - {model: m406, weight: 1000000}
                              - {model: m407, weight: 1000000}
                              - {model: m408, weight: 1000000}
                              - {model: m409, weight: 1000000}
                              - {model: m410, weight: 1000000}
                              - {model: m411, weight: 1000000}
                              - {model: m412, weight: 1000000}
                              - {model: m413, weight: 1000000}
                              - {model: m414, weight: 1000000}
                              - {model: m415, weight: 1000000}
                              - {model: m416, weight: 1000000}
                              - {model: m417, weight: 1000000}
                              - {model: m418, weight: 1000000}
                              - {model: m419, weight: 1000000}
                              - {model: m420, weight: 1000000}
                              - {model: m421, weight: 1000000}
                              - {model: m422, weight: 1000000}
                              - {model: m423, weight: 1000000}
                              - {model: m424, weight: 1000000}
                              - {model: m425, weight: 1000000}
                              - {model: m426, weight: 1000000}
                              - {model: m427, weight: 1000000}
                              - {model: m428, weight: 1000000}
                              - {model: m429, weight: 1000000}
                              - {model: m430, weight: 1000000}
                              - {model: m431, weight: 1000000}
                              - {model: m432, weight: 1000000}
                              - {model: m433, weight: 1000000}
                              - {model: m434, weight: 1000000}
                              - {model: m435, weight: 1000000}
                              - {model: m436, weight: 1000000}
                              - {model: m437, weight: 1000000}
                              - {model: m438, weight: 1000000}
                              - {model: m439, weight: 1000000}
                              - {model: m440, weight: 1000000}
                              - {model: m441, weight: 1000000}
                              - {model: m442, weight: 1000000}
                              - {model: m443, weight: 1000000}
                              - {model: m444, weight: 1000000}
                              - {model: m445, weight: 1000000}
                              - {model: m446, weight: 1000000}
                              - {model: m447, weight: 1000000}
                              - {model: m448, weight: 1000000}
                              - {model: m449, weight: 1000000}
                              - {model: m450, weight: 1000000}
                              - {model: m451, weight: 1000000}
                              - {model: m452, weight: 1000000}
                              - {model: m453, weight: 1000000}
                              - {model: m454, weight: 1000000}
                              - {model: m455, weight: 1000000}
                              - {model: m456, weight: 1000000}
                              - {model: m457, weight: 1000000}
                              - {model: m458, weight: 1000000}
                              - {model: m459, weight: 1000000}
                              - {model: m460, weight: 1000000}
                              - {model: m461, weight: 1000000}
                              - {model: m462, weight: 1000000}
                              - {model: m463, weight: 1000000}
                              - {model: m464, weight: 1000000}
                              - {model: m465, weight: 1000000}
                              - {model: m466, weight: 1000000}
                              - {model: m467, weight: 1000000}
                              - {model: m468, weight: 1000000}
                              - {model: m469, weight: 1000000}
                              - {model: m470, weight: 1000000}
                              - {model: m471, weight: 1000000}
                              - {model: m472, weight: 1000000}
                              - {model: m473, weight: 1000000}
                              - {model: m474, weight: 1000000}
                              - {model: m475, weight: 1000000}
                              - {model: m476, weight: 1000000}
                              - {model: m477, weight: 1000000}
                              - {model: m478, weight: 1000000}
                              - {model: m479, weight: 1000000}
                              - {model: m480, weight: 1000000}
                              - {model: m481, weight: 1000000}
                              - {model: m482, weight: 1000000}
                              - {model: m483, weight: 1000000}
                              - {model: m484, weight: 1000000}
                              - {model: m485, weight: 1000000}
                              - {model: m486, weight: 1000000}
                              - {model: m487, weight: 1000000}
                              - {model: m488, weight: 1000000}
                              - {model: m489, weight: 1000000}
                              - {model: m490, weight: 1000000}
                              - {model: m491, weight: 1000000}
                              - {model: m492, weight: 1000000}
                              - {model: m493, weight: 1000000}
                              - {model: m494, weight: 1000000}
                              - {model: m495, weight: 1000000}
                              - {model: m496, weight: 1000000}
                              - {model: m497, weight: 1000000}
                              - {model: m498, weight: 1000000}
                              - {model: m499, weight: 1000000}
                              - {model: m500, weight: 1000000}
                              - {model: m501, weight: 1000000}
                              - {model: m502, weight: 1000000}
                              - {model: m503, weight: 1000000}
                              - {model: m504, weight: 1000000}
                              - {model: m505, weight: 1000000}
                              - {model: m506, weight: 1000000}
                              - {model: m507, weight: 1000000}
                              - {model: m508, weight: 1000000}
                              - {model: m509, weight: 1000000}
                              - {model: m510, weight: 1000000}
                              - {model: m511, weight: 1000000}
                              - {model: m512, weight: 1000000}
                              - {model: m513, weight: 1000000}
                              - {model: m514, weight: 1000000}
                              - {model: m515, weight: 1000000}
                              - {model: m516, weight: 1000000}
                              - {model: m517, weight: 1000000}
                              - {model: m518, weight: 1000000}
                              - {model: m519, weight: 1000000}
                              - {model: m520, weight: 1000000}
                              - {model: m521, weight: 1000000}
                              - {model: m522, weight: 1000000}
                              - {model: m523, weight: 1000000}
                              - {model: m524, weight: 1000000}
                              - {model: m525, weight: 1000000}
                              - {model: m526, weight: 1000000}
                              - {model: m527, weight: 1000000}
                              - {model: m528, weight: 1000000}
                              - {model: m529, weight: 1000000}
                              - {model: m530, weight: 1000000}
                              - {model: m531, weight: 1000000}
                              - {model: m532, weight: 1000000}
                              - {model: m533, weight: 1000000}
                              - {model: m534, weight: 1000000}
                              - {model: m535, weight: 1000000}
                              - {model: m536, weight: 1000000}
                              - {model: m537, weight: 1000000}
                              - {model: m538, weight: 1000000}
                              - {model: m539, weight: 1000000}
                              - {model: m540, weight: 1000000}
                              - {model: m541, weight: 1000000}
                              - {model: m542, weight: 1000000}
                              - {model: m543, weight: 1000000}
                              - {model: m544, weight: 1000000}
                              - {model: m545, weight: 1000000}
                              - {model: m546, weight: 1000000}
                              - {model: m547, weight: 1000000}
                              - {model: m548, weight: 1000000}
                              - {model: m549, weight: 1000000}
                              - {model: m550, weight: 1000000}
                              - {model: m551, weight: 1000000}
                              - {model: m552, weight: 1000000}
                              - {model: m553, weight: 1000000}
                              - {model: m554, weight: 1000000}
                              - {model: m555, weight: 1000000}
                              - {model: m556, weight: 1000000}
                              - {model: m557, weight: 1000000}
                              - {model: m558, weight: 1000000}
                              - {model: m559, weight: 1000000}
                              - {model: m560, weight: 1000000}
                              - {model: m561, weight: 1000000}
                              - {model: m562, weight: 1000000}
                              - {model: m563, weight: 1000000}
                              - {model: m564, weight: 1000000}
                              - {model: m565, weight: 1000000}
                              - {model: m566, weight: 1000000}
                              - {model: m567, weight: 1000000}
                              - {model: m568, weight: 1000000}
                              - {model: m569, weight: 1000000}
                              - {model: m570, weight: 1000000}
                              - {model: m571, weight: 1000000}
                              - {model: m572, weight: 1000000}
                              - {model: m573, weight: 1000000}
                              - {model: m574, weight: 1000000}
                              - {model: m575, weight: 1000000}
                              - {model: m576, weight: 1000000}
                              - {model: m577, weight: 1000000}
                              - {model: m578, weight: 1000000}
                              - {model: m579, weight: 1000000}
                              - {model: m580, weight: 1000000}
                              - {model: m581, weight: 1000000}
                              - {model: m582, weight: 1000000}
                              - {model: m583, weight: 1000000}
                              - {model: m584, weight: 1000000}
                              - {model: m585, weight: 1000000}
                              - {model: m586, weight: 1000000}
                              - {model: m587, weight: 1000000}
                              - {model: m588, weight: 1000000}
                              - {model: m589, weight: 1000000}
                              - {model: m590, weight: 1000000}
                              - {model: m591, weight: 1000000}
                              - {model: m592, weight: 1000000}
                              - {model: m593, weight: 1000000}
                              - {model: m594, weight: 1000000}
                              - {model: m595, weight: 1000000}
                              - {model: m596, weight: 1000000}
                              - {model: m597, weight: 1000000}
                              - {model: m598, weight: 1000000}
                              - {model: m599, weight: 1000000}
                              - {model: m600, weight: 1000000}
                              - {model: m601, weight: 1000000}
                              - {model: m602, weight: 1000000}
                              - {model: m603, weight: 1000000}
                              - {model: m604, weight: 1000000}
                              - {model: m605, weight: 1000000}
                              - {model: m606, weight: 1000000}
                              - {model: m607, weight: 1000000}
                              - {model: m608, weight: 1000000}
                              - {model: m609, weight: 1000000}
                              - {model: m610, weight: 1000000}
                              - {model: m611, weight: 1000000}
                              - {model: m612, weight: 1000000}
                              - {model: m613, weight: 1000000}
                              - {model: m614, weight: 1000000}
                              - {model: m615, weight: 1000000}
                              - {model: m616, weight: 1000000}
                              - {model: m617, weight: 1000000}
                              - {model: m618, weight: 1000000}
                              - {model: m619, weight: 1000000}
                              - {model: m620, weight: 1000000}
                              - {model: m621, weight: 1000000}
                              - {model: m622, weight: 1000000}
                              - {model: m623, weight: 1000000}
                              - {model: m624, weight: 1000000}
                              - {model: m625, weight: 1000000}
                              - {model: m626, weight: 1000000}
                              - {model: m627, weight: 1000000}
                              - {model: m628, weight: 1000000}
                              - {model: m629, weight: 1000000}
                              - {model: m630, weight: 1000000}
                              - {model: m631, weight: 1000000}
                              - {model: m632, weight: 1000000}
                              - {model: m633, weight: 1000000}
                              - {model: m634, weight: 1000000}
                              - {model: m635, weight: 1000000}
                              - {model: m636, weight: 1000000}
                              - {model: m637, weight: 1000000}
                              - {model: m638, weight: 1000000}
                              - {model: m639, weight: 1000000}
                              - {model: m640, weight: 1000000}
                              - {model: m641, weight: 1000000}
                              - {model: m642, weight: 1000000}
                              - {model: m643, weight: 1000000}
                              - {model: m644, weight: 1000000}
                              - {model: m645, weight: 1000000}
                              - {model: m646, weight: 1000000}
                              - {model: m647, weight: 1000000}
                              - {model: m648, weight: 1000000}
                              - {model: m649, weight: 1000000}
                              - {model: m650, weight: 1000000}
                              - {model: m651, weight: 1000000}
                              - {model: m652, weight: 1000000}
                              - {model: m653, weight: 1000000}
                              - {model: m654, weight: 1000000}
                              - {model: m655, weight: 1000000}
                              - {model: m656, weight: 1000000}
                              - {model: m657, weight: 1000000}
                              - {model: m658, weight: 1000000}
                              - {model: m659, weight: 1000000}
                              - {model: m660, weight: 1000000}
                              - {model: m661, weight: 1000000}
                              - {model: m662, weight: 1000000}
                              - {model: m663, weight: 1000000}
                              - {model: m664, weight: 1000000}
                              - {model: m665, weight: 1000000}
                              - {model: m666, weight: 1000000}
                              - {model: m667, weight: 1000000}
                              - {model: m668, weight: 1000000}
                              - {model: m669, weight: 1000000}
                              - {model: m670, weight: 1000000}
                              - {model: m671, weight: 1000000}
                              - {model: m672, weight: 1000000}
                              - {model: m673, weight: 1000000}
                              - {model: m674, weight: 1000000}
                              - {model: m675, weight: 1000000}
                              - {model: m676, weight: 1000000}
                              - {model: m677, weight: 1000000}
                              - {model: m678, weight: 1000000}
                              - {model: m679, weight: 1000000}
                              - {model: m680, weight: 1000000}
                              - {model: m681, weight: 1000000}
                              - {model: m682, weight: 1000000}
                              - {model: m683, weight: 1000000}
                              - {model: m684, weight: 1000000}
                              - {model: m685, weight: 1000000}
                              - {model: m686, weight: 1000000}
                              - {model: m687, weight: 1000000}
                              - {model: m688, weight: 1000000}
                              - {model: m689, weight: 1000000}
                              - {model: m690, weight: 1000000}
                              - {model: m691, weight: 1000000}
                              - {model: m692, weight: 1000000}
                              - {model: m693, weight: 1000000}
                              - {model: m694, weight: 1000000}
                              - {model: m695, weight: 1000000}
                              - {model: m696, weight: 1000000}
                              - {model: m697, weight: 1000000}
                              - {model: m698, weight: 1000000}
                              - {model: m699, weight: 1000000}
                              - {model: m700, weight: 1000000}
                              - {model: m701, weight: 1000000}
                              - {model: m702, weight: 1000000}
                              - {model: m703, weight: 1000000}
                              - {model: m704, weight: 1000000}
                              - {model: m705, weight: 1000000}
                              - {model: m706, weight: 1000000}
                              - {model: m707, weight: 1000000}
                              - {model: m708, weight: 1000000}
                              - {model: m709, weight: 1000000}
                              - {model: m710, weight: 1000000}
                              - {model: m711, weight: 1000000}
                              - {model: m712, weight: 1000000}
                              - {model: m713, weight: 1000000}
                              - {model: m714, weight: 1000000}
                              - {model: m715, weight: 1000000}
                              - {model: m716, weight: 1000000}
                              - {model: m717, weight: 1000000}
                              - {model: m718, weight: 1000000}
                              - {model: m719, weight: 1000000}
                              - {model: m720, weight: 1000000}
                              - {model: m721, weight: 1000000}
                              - {model: m722, weight: 1000000}
                              - {model: m723, weight: 1000000}
                              - {model: m724, weight: 1000000}
                              - {model: m725, weight: 1000000}
                              - {model: m726, weight: 1000000}
                              - {model: m727, weight: 1000000}
                              - {model: m728, weight: 1000000}
                              - {model: m729, weight: 1000000}
                              - {model: m730, weight: 1000000}
                              - {model: m731, weight: 1000000}
                              - {model: m732, weight: 1000000}
                              - {model: m733, weight: 1000000}
                              - {model: m734, weight: 1000000}
                              - {model: m735, weight: 1000000}
                              - {model: m736, weight: 1000000}
                              - {model: m737, weight: 1000000}
                              - {model: m738, weight: 1000000}
                              - {model: m739, weight: 1000000}
                              - {model: m740, weight: 1000000}
                              - {model: m741, weight: 1000000}
                              - {model: m742, weight: 1000000}
                              - {model: m743, weight: 1000000}
                              - {model: m744, weight: 1000000}
                              - {model: m745, weight: 1000000}
                              - {model: m746, weight: 1000000}
                              - {model: m747, weight: 1000000}
                              - {model: m748, weight: 1000000}
                              - {model: m749, weight: 1000000}
                              - {model: m750, weight: 1000000}
                              - {model: m751, weight: 1000000}
                              - {model: m752, weight: 1000000}
                              - {model: m753, weight: 1000000}
                              - {model: m754, weight: 1000000}
                              - {model: m755, weight: 1000000}
                              - {model: m756, weight: 1000000}
                              - {model: m757, weight: 1000000}
                              - {model: m758, weight: 1000000}
                              - {model: m759, weight: 1000000}
                              - {model: m760, weight: 1000000}
                              - {model: m761, weight: 1000000}
                              - {model: m762, weight: 1000000}
                              - {model: m763, weight: 1000000}
                              - {model: m764, weight: 1000000}
                              - {model: m765, weight: 1000000}
                              - {model: m766, weight: 1000000}
                              - {model: m767, weight: 1000000}
                              - {model: m768, weight: 1000000}
                              - {model: m769, weight: 1000000}
                              - {model: m770, weight: 1000000}
                              - {model: m771, weight: 1000000}
                              - {model: m772, weight: 1000000}
                              - {model: m773, weight: 1000000}
                              - {model: m774, weight: 1000000}
                              - {model: m775, weight: 1000000}
                              - {model: m776, weight: 1000000}
                              - {model: m777, weight: 1000000}
                              - {model: m778, weight: 1000000}
                              - {model: m779, weight: 1000000}
                              - {model: m780, weight: 1000000}
                              - {model: m781, weight: 1000000}
                              - {model: m782, weight: 1000000}
                              - {model: m783, weight: 1000000}
                              - {model: m784, weight: 1000000}
                              - {model: m785, weight: 1000000}
                              - {model: m786, weight: 1000000}
                              - {model: m787, weight: 1000000}
                              - {model: m788, weight: 1000000}
                              - {model: m789, weight: 1000000}
                              - {model: m790, weight: 1000000}
                              - {model: m791, weight: 1000000}
                              - {model: m792, weight: 1000000}
                              - {model: m793, weight: 1000000}
                              - {model: m794, weight: 1000000}
                              - {model: m795, weight: 1000000}
                              - {model: m796, weight: 1000000}
                              - {model: m797, weight: 1000000}
                              - {model: m798, weight: 1000000}
                              - {model: m799, weight: 1000000}
                              - {model: m800, weight: 1000000}
                              - {model: m801, weight: 1000000}
                              - {model: m802, weight: 1000000}
                              - {model: m803, weight: 1000000}
                              - {model: m804, weight: 1000000}
                              - {model: m805, weight: 1000000}
                              - {model: m806, weight: 1000000}
                              - {model: m807, weight: 1000000}
                              - {model: m808, weight: 1000000}
                              - {model: m809, weight: 1000000}
                              - {model: m810, weight: 1000000}
                              - {model: m811, weight: 1000000}
                              - {model: m812, weight: 1000000}
                              - {model: m813, weight: 1000000}
                              - {model: m814, weight: 1000000}
                              - {model: m815, weight: 1000000}
                              - {model: m816, weight: 1000000}
                              - {model: m817, weight: 1000000}
                              - {model: m818, weight: 1000000}
                              - {model: m819, weight: 1000000}
                              - {model: m820, weight: 1000000}
                              - {model: m821, weight: 1000000}
                              - {model: m822, weight: 1000000}
                              - {model: m823, weight: 1000000}
                              - {model: m824, weight: 1000000}
                              - {model: m825, weight: 1000000}
                              - {model: m826, weight: 1000000}
                              - {model: m827, weight: 1000000}
                              - {model: m828, weight: 1000000}
                              - {model: m829, weight: 1000000}
                              - {model: m830, weight: 1000000}
                              - {model: m831, weight: 1000000}
                              - {model: m832, weight: 1000000}
                              - {model: m833, weight: 1000000}
                              - {model: m834, weight: 1000000}
                              - {model: m835, weight: 1000000}
                              - {model: m836, weight: 1000000}
                              - {model: m837, weight: 1000000}
                              - {model: m838, weight: 1000000}
                              - {model: m839, weight: 1000000}
                              - {model: m840, weight: 1000000}
                              - {model: m841, weight: 1000000}
                              - {model: m842, weight: 1000000}
                              - {model: m843, weight: 1000000}
                              - {model: m844, weight: 1000000}
                              - {model: m845, weight: 1000000}
                              - {model: m846, weight: 1000000}
                              - {model: m847, weight: 1000000}
                              - {model: m848, weight: 1000000}
                              - {model: m849, weight: 1000000}
                              - {model: m850, weight: 1000000}
                              - {model: m851, weight: 1000000}
                              - {model: m852, weight: 1000000}
                              - {model: m853, weight: 1000000}
                              - {model: m854, weight: 1000000}
                              - {model: m855, weight: 1000000}
                              - {model: m856, weight: 1000000}
                              - {model: m857, weight: 1000000}
                              - {model: m858, weight: 1000000}
                              - {model: m859, weight: 1000000}
                              - {model: m860, weight: 1000000}
                              - {model: m861, weight: 1000000}
                              - {model: m862, weight: 1000000}
                              - {model: m863, weight: 1000000}
                              - {model: m864, weight: 1000000}
                              - {model: m865, weight: 1000000}
                              - {model: m866, weight: 1000000}
                              - {model: m867, weight: 1000000}
                              - {model: m868, weight: 1000000}
                              - {model: m869, weight: 1000000}
                              - {model: m870, weight: 1000000}
                              - {model: m871, weight: 1000000}
                              - {model: m872, weight: 1000000}
                              - {model: m873, weight: 1000000}
                              - {model: m874, weight: 1000000}
                              - {model: m875, weight: 1000000}
                              - {model: m876, weight: 1000000}
                              - {model: m877, weight: 1000000}
                              - {model: m878, weight: 1000000}
                              - {model: m879, weight: 1000000}
                              - {model: m880, weight: 1000000}
                              - {model: m881, weight: 1000000}
                              - {model: m882, weight: 1000000}
                              - {model: m883, weight: 1000000}
                              - {model: m884, weight: 1000000}
                              - {model: m885, weight: 1000000}
                              - {model: m886, weight: 1000000}
                              - {model: m887, weight: 1000000}
                              - {model: m888, weight: 1000000}
                              - {model: m889, weight: 1000000}
                              - {model: m890, weight: 1000000}
                              - {model: m891, weight: 1000000}
                              - {model: m892, weight: 1000000}
                              - {model: m893, weight: 1000000}
                              - {model: m894, weight: 1000000}
                              - {model: m895, weight: 1000000}
                              - {model: m896, weight: 1000000}
                              - {model: m897, weight: 1000000}
                              - {model: m898, weight: 1000000}
                              - {model: m899, weight: 1000000}
                              - {model: m900, weight: 1000000}
                              - {model: m901, weight: 1000000}
                              - {model: m902, weight: 1000000}
                              - {model: m903, weight: 1000000}
                              - {model: m904, weight: 1000000}
                              - {model: m905, weight: 1000000}
                              - {model: m906, weight: 1000000}
                              - {model: m907, weight: 1000000}
                              - {model: m908, weight: 1000000}
                              - {model: m909, weight: 1000000}
                              - {model: m910, weight: 1000000}
                              - {model: m911, weight: 1000000}
                              - {model: m912, weight: 1000000}
                              - {model: m913, weight: 1000000}
                              - {model: m914, weight: 1000000}
                              - {model: m915, weight: 1000000}
                              - {model: m916, weight: 1000000}
                              - {model: m917, weight: 1000000}
                              - {model: m918, weight: 1000000}
                              - {model: m919, weight: 1000000}
                              - {model: m920, weight: 1000000}
                              - {model: m921, weight: 1000000}
                              - {model: m922, weight: 1000000}
                              - {model: m923, weight: 1000000}
                              - {model: m924, weight: 1000000}
                              - {model: m925, weight: 1000000}
                              - {model: m926, weight: 1000000}
                              - {model: m927, weight: 1000000}
                              - {model: m928, weight: 1000000}
                              - {model: m929, weight: 1000000}
                              - {model: m930, weight: 1000000}
                              - {model: m931, weight: 1000000}
                              - {model: m932, weight: 1000000}
                              - {model: m933, weight: 1000000}
                              - {model: m934, weight: 1000000}
                              - {model: m935, weight: 1000000}
                              - {model: m936, weight: 1000000}
                              - {model: m937, weight: 1000000}
                              - {model: m938, weight: 1000000}
                              - {model: m939, weight: 1000000}
                              - {model: m940, weight: 1000000}
                              - {model: m941, weight: 1000000}
                              - {model: m942, weight: 1000000}
                              - {model: m943, weight: 1000000}
                              - {model: m944, weight: 1000000}
                              - {model: m945, weight: 1000000}
                              - {model: m946, weight: 1000000}
                              - {model: m947, weight: 1000000}
                              - {model: m948, weight: 1000000}
                              - {model: m949, weight: 1000000}
                              - {model: m950, weight: 1000000}
                              - {model: m951, weight: 1000000}
                              - {model: m952, weight: 1000000}
                              - {model: m953, weight: 1000000}
                              - {model: m954, weight: 1000000}
                              - {model: m955, weight: 1000000}
                              - {model: m956, weight: 1000000}
                              - {model: m957, weight: 1000000}
                              - {model: m958, weight: 1000000}
                              - {model: m959, weight: 1000000}
                              - {model: m960, weight: 1000000}
                              - {model: m961, weight: 1000000}
                              - {model: m962, weight: 1000000}
                              - {model: m963, weight: 1000000}
                              - {model: m964, weight: 1000000}
                              - {model: m965, weight: 1000000}
                              - {model: m966, weight: 1000000}
                              - {model: m967, weight: 1000000}
                              - {model: m968, weight: 1000000}
                              - {model: m969, weight: 1000000}
                              - {model: m970, weight: 1000000}
                              - {model: m971, weight: 1000000}
                              - {model: m972, weight: 1000000}
                              - {model: m973, weight: 1000000}
                              - {model: m974, weight: 1000000}
                              - {model: m975, weight: 1000000}
                              - {model: m976, weight: 1000000}
                              - {model: m977, weight: 1000000}
                              - {model: m978, weight: 1000000}
                              - {model: m979, weight: 1000000}
                              - {model: m980, weight: 1000000}
                              - {model: m981, weight: 1000000}
                              - {model: m982, weight: 1000000}
                              - {model: m983, weight: 1000000}
                              - {model: m984, weight: 1000000}
                              - {model: m985, weight: 1000000}
                              - {model: m986, weight: 1000000}
                              - {model: m987, weight: 1000000}
                              - {model: m988, weight: 1000000}
                              - {model: m989, weight: 1000000}
                              - {model: m990, weight: 1000000}
                              - {model: m991, weight: 1000000}
                              - {model: m992, weight: 1000000}
                              - {model: m993, weight: 1000000}
                              - {model: m994, weight: 1000000}
                              - {model: m995, weight: 1000000}
                              - {model: m996, weight: 1000000}
                              - {model: m997, weight: 1000000}
                              - {model: m998, weight: 1000000}
                              - {model: m999, weight: 1000000}
                              - {model: m1000, weight: 1000000}
                        """, "virtual_models[0].targets: the targets' weights must add up to at most 1000000000, were "
                        + "1001000000 (line 3)"),

                // ---- user paths ----
                row("'..' in user_paths", """
                        virtual_models:
                          - source: a
                            user_paths: [/acme, /acme/../root]
                        """, "virtual_models[0].user_paths[1]: invalid user path \"/acme/../root\": '..' segments are "
                        + "not allowed (line 3)"),
                row("':' in user_paths", """
                        virtual_models:
                          - source: a
                            user_paths:
                              - "acme:ml"
                        """, "virtual_models[0].user_paths[0]: invalid user path \"acme:ml\": ':' is not allowed (line 4)"),
                row("'.' in a client's user_path", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                              user_path: /acme/./alice
                        """.formatted(KEY), "identity.clients[0].user_path: invalid user path \"/acme/./alice\": "
                        + "'.' segments are not allowed (line 5)"),
                row("':' in a client's user_path", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                              user_path: "c:/alice"
                        """.formatted(KEY), "identity.clients[0].user_path: invalid user path \"c:/alice\": "
                        + "':' is not allowed (line 5)"),
                row("non-string user path", """
                        virtual_models:
                          - source: a
                            user_paths: [[a]]
                        """, "virtual_models[0].user_paths[0]: must be a user path string, was a list (line 3)"),

                // ---- targets ----
                row("both target and targets", """
                        virtual_models:
                          - source: a
                            target: b
                            targets: [c]
                        """, "virtual_models[0]: has both 'target' and 'targets'; use one (line 2)"),
                row("empty targets", """
                        virtual_models:
                          - source: a
                            targets: []
                        """, "virtual_models[0].targets: targets must contain at least one model (line 3)"),
                row("empty target", """
                        virtual_models:
                          - source: a
                            target: " "
                        """, "virtual_models[0].target: must not be empty (line 3)"),
                row("empty target model", """
                        virtual_models:
                          - source: a
                            targets:
                              - model: b
                              - model: ""
                        """, "virtual_models[0].targets[1].model: must not be empty (line 5)"),
                row("target without a model", """
                        virtual_models:
                          - source: a
                            targets:
                              - weight: 2
                        """, "virtual_models[0].targets[0].model: is required (line 4)"),
                row("fallback equal to the source", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: [c, a]
                        """, "virtual_models[0].fallbacks[1]: virtual model 'a' cannot fall back to itself (line 4)"),
                row("duplicate fallback", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: [c, " c"]
                        """, "virtual_models[0].fallbacks[1]: duplicate fallback: c (line 4)"),
                row("fallback that is a target", """
                        virtual_models:
                          - source: a
                            targets: [b, c]
                            fallbacks: [c]
                        """, "virtual_models[0].fallbacks[0]: 'c' is already a target of this redirect (line 4)"),
                row("fallbacks on a policy", """
                        virtual_models:
                          - source: a
                            user_paths: [/x]
                            fallbacks: [c]
                        """, "virtual_models[0].fallbacks: only a redirect has fallbacks; this entry has no target, so it is"
                        + " an access policy (line 4)"),
                row("empty fallback", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: ["  "]
                        """, "virtual_models[0].fallbacks[0]: must be a non-empty model name, was \"  \" (line 4)"),
                row("retry_on a 4xx other than 429", """
                        failover:
                          retry_on: [429, 404]
                        """, "failover.retry_on[1]: must be 429 or a 5xx status, was 404 (a 4xx other than 429 says the"
                        + " request is wrong, so it is never retried) (line 2)"),
                row("max_attempts 0", """
                        failover:
                          max_attempts: 0
                        """, "failover.max_attempts: must be between 1 and 10, was 0 (line 2)"),
                row("unknown breaker key", """
                        failover:
                          circuit_breaker: {failure: 3}
                        """, "failover.circuit_breaker.failure: unknown key (did you mean 'failures'?); expected one of:"
                        + " failures, open_for (line 2)"),
                row("duplicate target", """
                        virtual_models:
                          - source: a
                            targets: [b, c, " b"]
                        """, "virtual_models[0].targets[2].model: duplicate target: b (line 3)"),
                // ---- names the gateway itself refuses in a request (SPEC section 15) ----
                // Regression: each was accepted, so a policy on up/secret with a no-break space after it disabled nothing
                // (requests for up/secret matched no policy), a target with a space or comma was sent upstream as written,
                // and a name with a line break wrote forged lines into the log's warnings.
                row("source with a no-break space at its end", """
                        virtual_models:
                          - source: "up/secret\\u00a0"
                            enabled: false
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/secret\\u00a0\" (line 2)"),
                row("source with a line break", """
                        virtual_models:
                          - source: "a\\n10:00:00.000 ERROR forged"
                            target: b
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 2)"),
                // A plain space inside a target is sent as written (some servers name models so); any other is not.
                row("target with a no-break space inside", """
                        virtual_models:
                          - source: a
                            target: "up/gpt\\u00a05"
                        """, "virtual_models[0].target: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/gpt\\u00a05\" (line 3)"),
                row("source with a space: no request can name it", """
                        virtual_models:
                          - source: my model
                            target: up/b
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"my model\" (line 2)"),
                // A line break in a name wrote a forged line into the log through the duplicate's message too.
                row("duplicate source with a line break", """
                        virtual_models:
                          - {source: "a\\n10:00:00.000 ERROR forged", target: b}
                          - {source: "a\\n10:00:00.000 ERROR forged", target: b}
                        """, "virtual_models[0].source: model names may not contain spaces, control or invisible characters, "
                        + "or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 2)",
                        "virtual_models[1].source: duplicate source 'a\\n10:00:00.000 ERROR forged' (also virtual_models[0]) "
                        + "(line 3)",
                        "virtual_models[1].source: model names may not contain spaces, control or invisible characters, "
                        + "or commas, was \"a\\n10:00:00.000 ERROR forged\" (line 3)"),
                row("target with a comma", """
                        virtual_models:
                          - source: a
                            targets: [b, "up/ok,up/denied"]
                        """, "virtual_models[0].targets[1].model: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/ok,up/denied\" (line 3)"),
                row("fallback with a zero-width space", """
                        virtual_models:
                          - source: a
                            target: b
                            fallbacks: ["up/c\\u200bd"]
                        """, "virtual_models[0].fallbacks[0]: model names may not contain spaces, control or invisible "
                        + "characters, or commas, was \"up/c\\u200bd\" (line 4)"),
                row("source longer than a request may name", """
                        virtual_models:
                          - source: %s
                            target: b
                        """.formatted("m".repeat(257)), "virtual_models[0].source: model names are at most 256 characters, was \""
                        + "m".repeat(77) + "...\" (line 2)"),
                // Regression: the dashboard's sign-in took such a token, but a bearer token sent as UTF-8 (curl) never
                // matched it (the header is read as Latin-1), so scripts got 401 with the right token.
                row("admin token not ASCII", """
                        admin:
                          token: pässwörd-1
                        """, "admin.token: must be printable ASCII (it travels in a header); character 2 is not (line 2)"),
                row("admin token with a control character", """
                        admin:
                          token: "tok\\ten"
                        """, "admin.token: must be printable ASCII (it travels in a header); character 4 is not (line 2)"),
                // A credential reached its header otherwise than written (a line break as a space, other characters as the
                // client's encoding chose); a provider header's line break could not split the request, but was sent as a
                // space. The values are never echoed: they may be secrets.
                row("provider key not ASCII", """
                        providers:
                          up: {type: openai, api_key: "sk-ä-secret"}
                        """, "providers.up.api_key: must be printable ASCII (it travels in a header); character 4 is not (line 2)"),
                row("provider key with a line break inside", """
                        providers:
                          up: {type: openai, api_key: "sk-a\\nX-Injected: 1"}
                        """, "providers.up.api_key: must be printable ASCII (it travels in a header); character 5 is not (line 2)"),
                row("provider header with a line break", """
                        providers:
                          up: {type: openai, headers: {X-Org: "a\\r\\nX-Injected: 1"}}
                        """, "providers.up.headers.X-Org: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 2 is not (line 2)"),
                row("provider header with a C1 control", """
                        providers:
                          up: {type: openai, headers: {X-Title: "a\\x85b"}}
                        """, "providers.up.headers.X-Title: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 2 is not (line 2)"),
                row("provider header beyond Latin-1", """
                        providers:
                          up: {type: openai, headers: {X-Title: "caf\u00e9 \u6a21\u578b"}}
                        """, "providers.up.headers.X-Title: must hold no control character and nothing beyond Latin-1 (it travels "
                        + "in a header); character 6 is not (line 2)"),
                row("metrics token not ASCII", """
                        observability: {metrics_token: "scräpe"}
                        """, "observability.metrics_token: must be printable ASCII (it travels in a header); character 4 is not "
                        + "(line 1)"),
                row("self target", """
                        virtual_models:
                          - source: a
                            target: a
                        """, "virtual_models[0].target: virtual model 'a' cannot target itself (line 3)"),
                row("self target in a list", """
                        virtual_models:
                          - source: a
                            targets:
                              - b
                              - a
                        """, "virtual_models[0].targets[1].model: virtual model 'a' cannot target itself (line 3)"),

                // ---- sources ----
                row("duplicate source", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: " a "
                            target: c
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)"),
                row("duplicate source when the first row has other errors", """
                        virtual_models:
                          - source: a
                            target: b
                            weight: 3
                          - source: a
                            target: c
                        """, "virtual_models[0].weight: unknown key; " + VIRTUAL_MODEL_KEYS + " (line 4)",
                        "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 5)"),
                // Regression: the duplicate row was skipped, hiding its own errors until it was renamed.
                row("duplicate source with errors of its own", """
                        virtual_models:
                          - source: a
                            target: b
                          - source: a
                            targets: [{model: c, weight: -1}]
                        """, "virtual_models[1].source: duplicate source 'a' (also virtual_models[0]) (line 4)",
                        "virtual_models[1].targets[0].weight: must be > 0, was -1 (line 5)"),
                row("empty source", """
                        virtual_models:
                          - source: ""
                            target: b
                        """, "virtual_models[0].source: must not be empty (line 2)"),
                row("missing source", """
                        virtual_models:
                          - source: a
                          - target: b
                            description: no source
                        """, "virtual_models[1].source: is required (line 3)"),

                // ---- strategy ----
                row("unknown strategy", """
                        virtual_models:
                          - source: a
                            targets: [b, c]
                            strategy: random
                        """, "virtual_models[0].strategy: must be sticky, round_robin or failover, was \"random\" (line 4)"),
                row("strategy on a policy", """
                        virtual_models:
                          - source: a
                            strategy: round_robin
                        """, "virtual_models[0].strategy: only a redirect has a strategy; this entry has no target, so it "
                        + "is an access policy (line 3)"),

                // ---- providers ----
                row("provider/ selector naming no declared provider", """
                        providers:
                          demo: {type: echo}
                          local: {type: echo}
                        virtual_models:
                          - source: nope/
                            user_paths: [/acme]
                        """, "virtual_models[0].source: 'nope/' names no declared provider (declared: demo, local) (line 5)"),
                row("default_provider without providers", """
                        default_provider: openai
                        """, "default_provider: 'openai' is not a declared provider (no providers are declared) (line 1)"),
                row("default_provider undeclared", """
                        providers:
                          demo: {type: echo}
                        default_provider: openai
                        """, "default_provider: 'openai' is not a declared provider (declared: demo) (line 3)"),
                row("unknown provider type", """
                        providers:
                          x:
                            type: ollama
                        """, "providers.x.type: must be one of openai, anthropic, openai-compatible, echo, was \"ollama\" "
                        + "(line 3)"),
                row("missing provider type", """
                        providers:
                          x:
                            api_key: k
                        """, "providers.x.type: is required (openai, anthropic, openai-compatible or echo) (line 2)"),
                // Regression: a provider with an error of its own was also reported as "not declared".
                row("provider with an unknown type is still declared", """
                        providers:
                          x: {type: foo}
                        default_provider: x
                        virtual_models:
                          - source: x/
                        """, "providers.x.type: must be one of openai, anthropic, openai-compatible, echo, was \"foo\" "
                        + "(line 2)"),
                row("openai-compatible without base_url", """
                        providers:
                          local:
                            type: openai-compatible
                        """, "providers.local.base_url: is required for openai-compatible providers (line 2)"),
                row("non-http base_url", """
                        providers:
                          local:
                            type: openai-compatible
                            base_url: ftp://models.example.com
                        """, "providers.local.base_url: must be an http or https URL without query, was "
                        + "\"ftp://models.example.com\" (line 4)"),
                row("base_url with a query", """
                        providers:
                          openai:
                            type: openai
                            base_url: https://api.openai.com/?key=1
                        """, "providers.openai.base_url: must be an http or https URL without query, was "
                        + "\"https://api.openai.com/?key=1\" (line 4)"),
                row("echo with base_url", """
                        providers:
                          demo:
                            type: echo
                            base_url: http://localhost:8080
                        """, "providers.demo.base_url: is not used by echo providers (they answer locally); remove it "
                        + "(line 4)"),
                row("invalid provider name", """
                        providers:
                          open/ai: {type: echo}
                        """, "providers.open/ai: 'open/ai' is not a valid provider name (letters, digits, '.', '_', '-'; "
                        + "no '/') (line 2)"),
                row("invalid header name", """
                        providers:
                          local:
                            type: openai-compatible
                            base_url: http://localhost:11434
                            headers:
                              "X Team": ml
                        """, "providers.local.headers.X Team: 'X Team' is not a valid header name (line 6)"),
                row("duplicate static model", """
                        providers:
                          demo:
                            type: echo
                            models: [a, b, a]
                        """, "providers.demo.models: duplicate model 'a' (line 4)"),

                // ---- identity ----
                row("invalid user_path_header", """
                        identity:
                          user_path_header: X User Path
                        """, "identity.user_path_header: must be a valid header name, was \"X User Path\" (line 2)"),
                row("bad key_sha256", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: sk-alice-demo
                        """, "identity.clients[0].key_sha256: must be 64 hex digits (a SHA-256), was 13 characters "
                        + "(line 4)"),
                row("missing key_sha256", """
                        identity:
                          clients:
                            - name: alice
                        """, "identity.clients[0].key_sha256: is required (the hex SHA-256 of the key, e.g. from "
                        + "`printf %s KEY | sha256sum`) (line 3)"),
                row("duplicate client name", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                            - name: alice
                              key_sha256: %s
                        """.formatted(KEY, KEY.replace('4', '5')),
                        "identity.clients[1].name: duplicate client 'alice' (also identity.clients[0]) (line 5)"),
                row("duplicate client key, in another case", """
                        identity:
                          clients:
                            - name: alice
                              key_sha256: %s
                            - name: bob
                              key_sha256: %s
                        """.formatted(KEY, KEY.toUpperCase(java.util.Locale.ROOT)),
                        "identity.clients[1].key_sha256: the same key as identity.clients[0] (line 6)"),

                // ---- the document ----
                row("duplicate YAML key", """
                        server:
                          port: 8080
                          host: 0.0.0.0
                          port: 9090
                        """, "server: duplicate key 'port' (lines 2 and 4)"),
                row("duplicate top-level key", """
                        version: 1
                        server: {}
                        version: 1
                        """, "(document): duplicate key 'version' (lines 1 and 3)"),
                row("YAML syntax error", """
                        server:
                          port: [8080
                        """, "invalid YAML: line 3, column 1: expected ',' or ']', but got <stream end> "
                        + "(while parsing a flow sequence)"),
                row("bad indentation", """
                        server:
                          port: 1
                         host: a
                        """, "invalid YAML: line 3, column 2: expected <block end>, but found '<block mapping start>' "
                        + "(while parsing a block mapping)"),
                row("empty document", "", "the document is empty"),
                row("comments only", """
                        # nothing here yet

                        """, "the document is empty"),
                row("top level a list", """
                        - version: 1
                        """, "(document): must be a mapping of sections, was a list"),
                row("top level a scalar", """
                        switchboard
                        """, "(document): must be a mapping of sections, was \"switchboard\""),
                row("version 2", """
                        version: 2
                        """, "version: must be 1, was 2 (line 1)"),
                row("version as a string", """
                        version: "1"
                        """, "version: must be 1, was \"1\" (line 1)"),
                row("port above 65535", """
                        server:
                          port: 65536
                        """, "server.port: must be between 0 and 65535, was 65536 (line 2)"),
                row("negative port", """
                        server:
                          port: -1
                        """, "server.port: must be between 0 and 65535, was -1 (line 2)"),

                // ---- the environment ----
                row("unset variable without default", """
                        providers:
                          openai:
                            type: openai
                            api_key: ${OPENAI_API_KEY}
                        """, "providers.openai.api_key: environment variable OPENAI_API_KEY is not set "
                        + "(write ${OPENAI_API_KEY:-} for an empty default) (line 4)"),
                row("not a variable name", """
                        admin:
                          token: ${admin token}
                        """, "admin.token: 'admin token' is not an environment variable name in \"${admin token}\" "
                        + "(line 2)"),
                // ---- the admin store (SPEC 12) ----
                row("credentials for a file store", """
                        admin:
                          store: rows.yaml
                          store_user: switchboard
                          store_password: ${SET}
                        """, "admin.store_user: only a database admin.store (such as postgresql://HOST:PORT/DB) takes "
                        + "credentials; admin.store is a file (line 3)",
                        "admin.store_password: only a database admin.store (such as postgresql://HOST:PORT/DB) takes "
                        + "credentials; admin.store is a file (line 4)"),
                // The message must not repeat the address: it holds the password.
                row("credentials inside a store address", """
                        admin:
                          store: postgresql://switchboard:s3cr3t-pw@db:5432/switchboard
                        """, "admin.store: must not carry credentials; set admin.store_user and admin.store_password "
                        + "(from ${...}) instead (line 2)"),
                rowWithEnv("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT not a boolean",
                        Map.of("KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT", "yes"), """
                        models:
                          keep_only_aliases: false
                        """, "KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT (environment): must be true or false, was \"yes\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void shouldRejectInvalidConfig(String name, Map<String, String> env, String yaml, List<String> expected) {
        assertThat(errors(env, yaml)).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldReportEveryErrorOfAFileTogether() {
        String yaml = """
                version: 1
                server:
                  prot: 8080
                  max_request_bytes: lots
                providers:
                  demo: {type: echo}
                default_provider: openai
                identity:
                  trust_user_path_header: maybe
                virtual_models:
                  - source: smarter
                    targets:
                      - model: demo/a
                        weight: -1
                  - source: smarter
                    target: demo/b
                    user_paths: [/acme/../root]
                  - source: labs
                    strategy: sticky
                reload:
                  poll_interval: soon
                """;

        assertThat(errors(ENV, yaml)).containsExactly(
                "server.prot: unknown key (did you mean 'port'?); expected one of: host, port, max_request_bytes, "
                        + "upstream_idle_timeout, upstream_connect_timeout, models_cache_ttl, request_body_timeout,"
                        + " request_body_min_rate, client_idle_timeout, drain_timeout, drain_delay (line 3)",
                "server.max_request_bytes: must be an integer, was \"lots\" (line 4)",
                "default_provider: 'openai' is not a declared provider (declared: demo) (line 7)",
                "identity.trust_user_path_header: must be true or false, was \"maybe\" (line 9)",
                "virtual_models[0].targets[0].weight: must be > 0, was -1 (line 14)",
                "virtual_models[1].source: duplicate source 'smarter' (also virtual_models[0]) (line 15)",
                "virtual_models[1].user_paths[0]: invalid user path \"/acme/../root\": '..' segments are not allowed "
                        + "(line 17)",
                "virtual_models[2].strategy: only a redirect has a strategy; this entry has no target, so it is an "
                        + "access policy (line 19)",
                "reload.poll_interval: must be a duration such as 600s, 500ms, 10m, 1h or 7d, was \"soon\" (line 21)");
    }

    @Test
    void shouldReportEveryUnsetVariableTogether() {
        String yaml = """
                server:
                  host: ${HOST}
                admin:
                  token: ${TOKEN}
                """;

        assertThat(errors(ENV, yaml)).containsExactly(
                "server.host: environment variable HOST is not set (write ${HOST:-} for an empty default) (line 2)",
                "admin.token: environment variable TOKEN is not set (write ${TOKEN:-} for an empty default) (line 4)");
    }

    @Test
    void shouldJoinErrorsIntoTheMessage() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(ENV::get).parse("version: 2\nserver: 3\n"));

        assertThat(e.getMessage()).isEqualTo("version: must be 1, was 2 (line 1)\nserver: must be a mapping, was 3 (line 2)");
        assertThat(e.getStackTrace()).as("expected input errors carry no stack trace").isEmpty();
    }

    private static List<String> errors(Map<String, String> env, String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(env::get).parse(yaml));
        assertThat(e).as("expected an InvalidConfigException").isNotNull();
        return e.errors();
    }

    private static Arguments row(String name, String yaml, String... expected) {
        return rowWithEnv(name, ENV, yaml, expected);
    }

    private static Arguments rowWithEnv(String name, Map<String, String> env, String yaml, String... expected) {
        return Arguments.of(name, env, yaml, List.of(expected));
    }
}
