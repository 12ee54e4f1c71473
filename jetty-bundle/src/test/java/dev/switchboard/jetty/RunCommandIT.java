package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar switchboard.jar} as an operator runs it: the real jar in a child JVM. */
final class RunCommandIT {

    private static final Pattern LISTENING = Pattern.compile("Switchboard listening on http://([^:]+):(\\d+)");

    @TempDir
    Path work;
    private Process process;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private int start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", System.getProperty("switchboard.jar")));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).directory(work.toFile()).redirectError(work.resolve("stderr.txt").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        });
        String first = line.get(30, TimeUnit.SECONDS);
        assertThat(first).as(Files.readString(work.resolve("stderr.txt"))).isNotNull();
        Matcher m = LISTENING.matcher(first);
        assertThat(m.matches()).as(first).isTrue();
        return Integer.parseInt(m.group(2));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void shouldServeTheBuiltInDemoWithoutAnyConfigOrKey() throws Exception {
        int port = start("--port", "0", "--host", "127.0.0.1");
        assertThat(port).isPositive();
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok");
        HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"regular\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("echo from echo-small: hi");
        assertThat(Files.readString(work.resolve("stderr.txt"))).contains("config: the built-in default");
    }

    @Test
    void shouldFinishInFlightRequestsOnSigterm() throws Exception {
        FakeUpstream upstream = new FakeUpstream();
        try {
            Files.writeString(work.resolve("gw.yaml"), """
                    server: {host: 127.0.0.1, port: 0}
                    providers:
                      slow: {type: openai-compatible, base_url: %s}
                    default_provider: slow
                    """.formatted(upstream.url()));
            int port = start("--config", "gw.yaml");
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("X-Scenario", "slow:1500")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}")).build(), HttpResponse.BodyHandlers.ofString());
            upstream.take();
            process.destroy(); // SIGTERM
            HttpResponse<String> r = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"slow\":true}");
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(work.resolve("stderr.txt"))).doesNotContain("Exception");
        } finally {
            upstream.stop();
        }
    }

    @Test
    void shouldExitOneWithTheErrorsOfAnInvalidConfig() throws Exception {
        Files.writeString(work.resolve("bad.yaml"), "virtual_models:\n  - source: a\n    target: a\n");
        process = new ProcessBuilder(javaBin(), "-jar", System.getProperty("switchboard.jar"), "--config", "bad.yaml")
                .directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output).contains("error: virtual_models[0].target: virtual model 'a' cannot target itself (line 3)")
                .doesNotContain("Exception");
    }
}
