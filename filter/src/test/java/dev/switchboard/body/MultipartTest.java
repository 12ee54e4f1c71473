package dev.switchboard.body;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class MultipartTest {

    static ModelField locate(byte[] body) {
        java.util.List<Multipart.Part> parts = Multipart.parts(body, body.length, "b");
        return parts == null ? ModelField.failed(ModelField.Status.INVALID_BODY, null) : Multipart.fields(body, parts, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=\"a\"; BOUNDARY=b"})
    void shouldRefuseAContentTypeWithTwoBoundaries(String contentType) {
        // Parsers that keep parameters in a map take the last boundary; we would read the form by the first.
        assertThat(Multipart.contentType(contentType).boundary()).isNull();
    }

    /** A clean model field, then a part that some parser reads as a second (later, winning) model field. */
    private static byte[] formWithSecondPartHeaders(String headers) {
        return ("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nregular\r\n"
                + "--b\r\n" + headers + "\r\n\r\nopenai/o3-pro\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Disposition: form-data; name=\"file\"; name=\"model\"",
        "Content-Disposition: form-data; name*=UTF-8''model",
        "Content-Disposition: form-data; name=\"x\"; NAME*=UTF-8''model",
        "Content-Disposition: form-data; name*0=\"mo\"; name*1=\"del\"",
        "Content-Disposition: form-data; name=\"x\"\r\nContent-Disposition: form-data; name=\"model\"",
        "Content-Disposition: form-data; name=<model>",
        "Content-Disposition: form-data; name=\"mod\\el\""})
    void shouldRefuseAPartWhoseNameParsersReadDifferently(String headers) {
        byte[] body = formWithSecondPartHeaders(headers);
        assertThat(locate(body).status()).isEqualTo(ModelField.Status.INVALID_BODY);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Disposition: form-data;\r\n name=\"model\"",
        "Content-Disposition: form-data; name=\"x\";\r\n\tname=\"model\"",
        "Content-Type: text/plain\nContent-Disposition: form-data; name=\"model\"",
        "Content-Type: text/plain\rContent-Disposition: form-data; name=\"model\""})
    void shouldRefuseFoldedOrBareLineBreaksInPartHeaders(String headers) {
        // Tomcat's FileUpload unfolds continuation lines; Go's textproto ends a header line at a bare LF.
        byte[] body = formWithSecondPartHeaders(headers);
        assertThat(locate(body).status()).isEqualTo(ModelField.Status.INVALID_BODY);
    }

    // Regression (a Spring Boot probe): a part with no header block took the next part's lines for its headers, so
    // the filter read a model field where Tomcat and Werkzeug read a nameless part holding those lines as its value.
    @Test
    void shouldRefuseAPartWithoutHeaders() {
        byte[] body = ("--b\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nregular\r\n--b--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(Multipart.parts(body, body.length, "b")).isNull();
        assertThat(locate(body).status()).isEqualTo(ModelField.Status.INVALID_BODY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base64", "Quoted-Printable", "7bit\r\nContent-Transfer-Encoding: base64"})
    void shouldRefuseATransferEncodedModelField(String encoding) {
        // python-multipart decodes base64 and quoted-printable: "openai/o3=2Dpro" reaches the upstream as "openai/o3-pro".
        byte[] body = ("--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Transfer-Encoding: " + encoding
                + "\r\n\r\nopenai/o3=2Dpro\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8);
        // On any part (python-multipart before 0.0.10 decodes the parts after it too): the form is refused.
        assertThat(Multipart.parts(body, body.length, "b")).isNull();
        assertThat(locate(body).status()).isEqualTo(ModelField.Status.INVALID_BODY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7bit", "8BIT", "binary"})
    void shouldAcceptAnIdentityTransferEncodingOnTheModelField(String encoding) {
        byte[] body = ("--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Transfer-Encoding: " + encoding
                + "\r\n\r\nregular\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8);
        ModelField f = locate(body);
        assertThat(f.status()).isEqualTo(ModelField.Status.FOUND);
        assertThat(f.model()).isEqualTo("regular");
    }
}
