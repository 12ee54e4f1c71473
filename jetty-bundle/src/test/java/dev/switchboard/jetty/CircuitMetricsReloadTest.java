package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard_circuit_state} across reloads (SPEC section 13): every target of the rules in use has its three
 * series, a target the rules dropped has none.
 */
final class CircuitMetricsReloadTest {

    private static final Pattern ROW = Pattern.compile(
            "(?m)^switchboard_circuit_state\\{state=\"(\\w+)\",switchboard_target=\"([^\"]+)\"} (\\S+)$");

    @TempDir
    Path dir;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LiveConfig live;
    private Gateway gateway;
    private Path config;

    @BeforeEach
    void start() throws Exception {
        config = dir.resolve("switchboard.yaml");
        Files.writeString(config, yaml("{model: up/a, weight: 1}"));
        live = LiveConfig.load(config, new ConfigLoader());
        gateway = Gateway.start(live, live, live.get().server());
        live.start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.stop();
        live.close();
    }

    private static String yaml(String targets) {
        return """
                server: {host: 127.0.0.1, port: 0}
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:9", api_key: sk-up}
                admin: {token: t}
                virtual_models:
                  - {source: ab, targets: [%s]}
                """.formatted(targets);
    }

    // Regression: the breakers noticed new rules at the first scrape after a reload, and re-registered the gauge's
    // series inside that scrape: new targets were left with only their "open" series, dropped ones kept "closed" at 0.
    @Test
    void shouldShowEveryStateOfEveryTargetInUseAndNothingOfADroppedOne() throws Exception {
        assertThat(rows()).containsExactly("a closed 1.0", "a half_open 0.0", "a open 0.0");

        reload("{model: up/b, weight: 1}, {model: up/c, weight: 1}");
        assertThat(rows()).containsExactly("b closed 1.0", "b half_open 0.0", "b open 0.0",
                "c closed 1.0", "c half_open 0.0", "c open 0.0");

        reload("{model: up/b, weight: 1}, {model: up/d, weight: 1}");
        assertThat(rows()).containsExactly("b closed 1.0", "b half_open 0.0", "b open 0.0",
                "d closed 1.0", "d half_open 0.0", "d open 0.0");

        reload("{model: up/a, weight: 1}");
        assertThat(rows()).containsExactly("a closed 1.0", "a half_open 0.0", "a open 0.0");
    }

    private void reload(String targets) throws Exception {
        Files.writeString(config, yaml(targets));
        live.reload();
    }

    /** @return the gauge's series as "target state value", sorted, the target without its provider */
    private List<String> rows() throws Exception {
        HttpResponse<String> r = ExperimentsTest.admin(client, gateway, "GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher m = ROW.matcher(r.body());
        List<String> rows = new java.util.ArrayList<>();
        while (m.find()) {
            rows.add(m.group(2).substring("up/".length()) + " " + m.group(1) + " " + m.group(3));
        }
        return rows.stream().sorted().toList();
    }
}
