package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class MultipartModelLocatorTest {

    @ParameterizedTest
    @ValueSource(strings = {"multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=\"a\"; BOUNDARY=b"})
    void shouldRefuseAContentTypeWithTwoBoundaries(String contentType) {
        // Parsers that keep parameters in a map take the last boundary; we would read the form by the first.
        assertThat(MultipartModelLocator.boundary(contentType)).isNull();
    }
}
