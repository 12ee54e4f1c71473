package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.body.BatchFile;
import org.junit.jupiter.api.Test;

/**
 * A batch file's line is read where its endpoint's body carries models ({@link BatchFile#LINE}), a list kept beside the
 * endpoints' own shapes ({@link Api}): a model path added to an endpoint must be read in its batch lines too. A
 * review found {@code tool_choice.tools[].model} checked on {@code /v1/responses} and passed on unread in a batch line
 * for it.
 */
final class BatchLineShapeTest {

    @Test
    void shouldReadEveryModelPathOfEachBatchEndpointInALine() {
        for (String endpoint : BatchFile.ENDPOINTS) {
            Api.Route route = Api.lookup(endpoint).route("POST");
            assertThat(route).as(endpoint).isNotNull();
            // A form route without a JSON shape (image edits) reads model and svg[model] (Multipart), svg.model in JSON.
            java.util.List<String> paths = route.shape() == null ? java.util.List.of("model", "svg.model") : route.shape().models();
            assertThat(paths).as(endpoint).isNotEmpty();
            for (String path : paths) {
                assertThat(BatchFile.LINE.models()).as(endpoint + ": " + path).contains("body." + path);
            }
            for (String key : route.shape() == null ? java.util.List.<String>of() : route.shape().refused()) {
                assertThat(BatchFile.LINE.refused()).as(endpoint + ": " + key).contains("body." + key);
            }
        }
    }
}
