package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Jetty base module {@code deploy/jetty/modules/switchboard.mod} in a stock Jetty 12.1, set up as the README
 * says: the module and the WAR copied into a Jetty base, {@code --add-modules=switchboard}, start. The module
 * puts the WAR and its context XML in {@code webapps/} and a config in {@code etc/switchboard/}, which the WAR
 * reads and keeps its admin edits beside.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class JettyModuleIT {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private StandaloneJetty jetty;
    private Path base;
    private String addModules;

    @BeforeAll
    void setUp() throws Exception {
        Path run = Path.of("target", "it", getClass().getSimpleName()).toAbsolutePath();
        if (Files.exists(run)) {
            try (Stream<Path> all = Files.walk(run)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        base = run.resolve("base");
        jetty = new StandaloneJetty(StockContainerContract.home("jetty.home"), base);
        // The README's steps: the module (and its folder) into modules/, the WAR into modules/switchboard/.
        Path modules = Path.of(System.getProperty("switchboard.deploy")).resolve("jetty/modules");
        StockContainer.copy(modules.resolve("switchboard.mod"), base.resolve("modules/switchboard.mod"));
        for (String file : List.of("switchboard.xml", "switchboard.yaml")) {
            StockContainer.copy(modules.resolve("switchboard").resolve(file), base.resolve("modules/switchboard").resolve(file));
        }
        StockContainer.copy(Path.of(System.getProperty("switchboard.war")), base.resolve("modules/switchboard/switchboard.war"));
        Path output = base.resolve("add-switchboard.txt");
        StockContainer.runToEnd(StockContainer.command(base, List.of(StockContainer.java(), "-jar",
                jetty.home.resolve("start.jar").toString(), "--add-modules=switchboard")), output);
        addModules = Files.readString(output, UTF_8);
        jetty.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
    }

    @Test
    void shouldPutTheWarItsContextAndAConfigIntoTheBase() {
        assertThat(base.resolve("webapps/switchboard.war")).isRegularFile();
        assertThat(base.resolve("webapps/switchboard.xml")).isRegularFile();
        assertThat(base.resolve("etc/switchboard/switchboard.yaml")).isRegularFile();
        assertThat(addModules).contains("switchboard");
    }

    @Test
    void shouldServeTheDemoAtSlashSwitchboardWithTheBasesConfig() throws Exception {
        HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/switchboard/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"regular\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("echo from echo-small: hi");
        assertThat(send(HttpRequest.newBuilder(uri("/switchboard/readyz"))).body()).isEqualTo("ready");
        assertThat(jetty.log()).contains("gateway in /switchboard: config " + base.resolve("etc/switchboard/switchboard.yaml"));
    }

    @Test
    void shouldKeepAdminEditsBesideTheConfigInTheBase() throws Exception {
        HttpResponse<String> put = send(HttpRequest.newBuilder(uri("/switchboard/admin/virtual-models"))
                .header("Authorization", "Bearer " + StockContainerContract.ENV_ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"source\":\"quick\",\"target_model\":\"demo/echo-large\"}")));
        assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);
        assertThat(base.resolve("etc/switchboard/virtual-models.admin.yaml")).content(UTF_8).contains("quick");

        HttpResponse<String> chat = send(HttpRequest.newBuilder(uri("/switchboard/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"quick\",\"messages\":[]}")));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.headers().firstValue("X-Switchboard-Model")).hasValue("demo/echo-large");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + jetty.port() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
