package dev.switchboard.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Deploys the example WAR, as built, into an embedded Tomcat 11 and talks to it over HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ExampleWebappIT {

    private Tomcat tomcat;
    private int port;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void deploy() throws Exception {
        Path war = Path.of(System.getProperty("example.war"));
        assertThat(war).exists();
        Path base = Files.createTempDirectory("example-tomcat");
        Files.createDirectories(base.resolve("webapps"));
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        tomcat.getHost().setAppBase(base.resolve("webapps").toString());
        // Tomcat's default web.xml adds a JSP servlet, whose classes (Jasper) embedded Tomcat does not have.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("/app", war.toAbsolutePath().toString());
        assertThat(context).isNotNull();
        tomcat.start();
        port = connector.getLocalPort();
    }

    @AfterAll
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    private HttpResponse<String> post(String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/app/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRedirectAliasInsideTheHostWebapp() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"regular\",\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"model\":\"small-model\"").contains("received 37 bytes");
        assertThat(r.headers().firstValue("X-Switchboard-Model")).hasValue("small-model");
        assertThat(r.headers().firstValue("X-Switchboard-Virtual-Model")).hasValue("regular");
    }

    @Test
    void shouldDenyByPathAndDisable() throws Exception {
        HttpResponse<String> denied = post("{\"model\":\"large-model\"}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("{\"error\":{\"message\":\"requested model is not available for this caller\","
                + "\"type\":\"permission_error\",\"param\":\"model\",\"code\":\"model_access_denied\"}}");
        assertThat(post("{\"model\":\"large-model\"}", "X-User-Path", "/acme/ml/bob").statusCode()).isEqualTo(200);
        assertThat(post("{\"model\":\"legacy-model\"}").statusCode()).isEqualTo(403);
    }

    @Test
    void shouldListOnlyCallableModels() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/app/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        // large-model is /acme/ml's, and legacy-model is disabled: neither is listed. smarter is, since this caller's
        // requests for it go to small-model, the one of its targets the caller may call.
        assertThat(r.body()).isEqualTo("{\"object\":\"list\",\"data\":["
                + "{\"id\":\"regular\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"host\"},"
                + "{\"id\":\"small-model\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"host\"},"
                + "{\"id\":\"smarter\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"host\"}]}");
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> smarter = post("{\"model\":\"smarter\"}");
            assertThat(smarter.statusCode()).isEqualTo(200);
            assertThat(smarter.body()).contains("small-model").doesNotContain("large-model");
        }
    }
}
