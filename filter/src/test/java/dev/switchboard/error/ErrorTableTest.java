package dev.switchboard.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiError} is SPEC section 5's table: every row of the spec's table has its entry (same status,
 * type, code, and message where the spec gives one), and every entry marked {@code spec} is in the table.
 */
final class ErrorTableTest {

    /** The project's copy of the contract; the shared original is compared with it when it is beside the checkout. */
    private static final Path SPEC = Path.of("..", "docs", "SPEC.md");
    private static final Path SHARED = Path.of("..", "..", "shared", "SPEC.md");

    /** A row of the spec's table. */
    private record Row(String label, int status, String type, String code, String message) {
    }

    private static List<Row> specRows() throws IOException {
        String text = Files.readString(SPEC);
        int start = text.indexOf("## 5. Errors");
        int end = text.indexOf("\n## ", start + 1);
        List<Row> rows = new ArrayList<>();
        Pattern row = Pattern.compile("^\\| (.+?) \\| (\\d{3}) \\| (\\w+) \\| (\\w+)(?: \\(\"(.+)\"\\))? \\|$",
                Pattern.MULTILINE);
        Matcher m = row.matcher(text.substring(start, end));
        while (m.find()) {
            // The spec writes the name in a message as X ("unsupported model: X"); templates as %s.
            String message = m.group(5) == null ? null : m.group(5).replaceAll("\\bX\\b", "%s");
            rows.add(new Row(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4), message));
        }
        return rows;
    }

    @Test
    void shouldReadEveryRowOfTheSpecTable() throws IOException {
        assertThat(specRows()).hasSize(14);
    }

    @Test
    void shouldHaveAnEntryForEverySpecRow() throws IOException {
        for (Row r : specRows()) {
            List<ApiError> matching = new ArrayList<>();
            for (ApiError e : ApiError.values()) {
                if (e.spec() && e.status() == r.status() && e.type().equals(r.type()) && e.code().equals(r.code())
                        && (r.message() == null || e.template().equals(r.message()))) {
                    matching.add(e);
                }
            }
            assertThat(matching).as("SPEC 5 row '%s'", r.label()).hasSize(1);
        }
    }

    @Test
    void shouldMarkOnlySpecRowsAsSpec() throws IOException {
        List<Row> rows = specRows();
        for (ApiError e : ApiError.values()) {
            if (e.spec()) {
                assertThat(rows).as("%s is marked as a SPEC 5 row", e)
                        .anyMatch(r -> r.status() == e.status() && r.type().equals(e.type()) && r.code().equals(e.code()));
            }
        }
        assertThat(ApiError.values()).filteredOn(ApiError::spec).hasSize(rows.size());
    }

    @Test
    void shouldKeepTheProjectCopyOfTheSpecIdenticalToTheSharedOne() throws IOException {
        // Beside a checkout in this workplace the shared contract is at ../shared; a clone elsewhere has only the copy.
        if (Files.isRegularFile(SHARED)) {
            assertThat(Files.readString(SPEC)).isEqualTo(Files.readString(SHARED));
        }
    }

    @Test
    void shouldRenderBothShapesWithEscaping() {
        ErrorResponse e = ApiError.MODEL_NOT_FOUND.with("a\"b\\c");
        assertThat(new String(e.body(false), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                "{\"error\":{\"message\":\"unsupported model: a\\\"b\\\\c\",\"type\":\"not_found_error\",\"param\":\"model\","
                        + "\"code\":\"model_not_found\"}}");
        assertThat(new String(e.body(true), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"unsupported model: a\\\"b\\\\c\"}}");
    }

    // Regression (a probe): a status the container answered itself was invalid_request whatever it was, so Tomcat's
    // own 408 read as a malformed request, where the gateway's own 408 says request_timeout.
    @Test
    void shouldGiveTheContainersOwnStatusesTheCodesTheGatewayAnswersThemWith() {
        assertThat(ApiError.forHttpStatus(404).withStatus(404, "not found").body(false)).isEqualTo(
                "{\"error\":{\"message\":\"not found\",\"type\":\"not_found_error\",\"param\":null,\"code\":\"unknown_path\"}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ApiError.forHttpStatus(405).withStatus(405, "method not allowed").code()).isEqualTo("method_not_allowed");
        assertThat(ApiError.forHttpStatus(408).withStatus(408, "request timeout").code()).isEqualTo("request_timeout");
        assertThat(ApiError.forHttpStatus(413).withStatus(413, "payload too large").code()).isEqualTo("request_too_large");
        assertThat(ApiError.forHttpStatus(431).withStatus(431, "x").code()).isEqualTo("invalid_request");
        assertThat(ApiError.forHttpStatus(503).withStatus(503, "x").code()).isEqualTo("internal_error");
    }
}
