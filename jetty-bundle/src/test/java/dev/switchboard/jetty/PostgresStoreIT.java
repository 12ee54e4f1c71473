package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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

/**
 * Two {@code java -jar switchboard.jar} processes on one real PostgreSQL, as the README's "several nodes" setup
 * runs them: the shaded jar finds the PostgreSQL store (merged service files), migrates the schema with Flyway, and
 * a write on one node is served by the other. Credentials come from the environment through <code>${...}</code>.
 */
final class PostgresStoreIT {

    private static final Pattern LISTENING = Pattern.compile("Switchboard listening on http://([^:]+):(\\d+)");
    private static final String USER = "switchboard_it";
    private static final String PASSWORD = "it-3c9d0f-password";
    private static final String TOKEN = "it-admin-token";

    @TempDir
    Path work;
    private final List<Process> processes = new ArrayList<>();
    private EmbeddedPostgres pg;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (pg != null) {
            pg.close();
        }
    }

    private int node(String name, Path config) throws Exception {
        Path err = work.resolve(name + ".stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("switchboard.jar"), "--config", config.toString(), "--port", "0",
                "--host", "127.0.0.1").directory(work.toFile()).redirectError(err.toFile());
        builder.environment().put("SWITCHBOARD_STORE_USER", USER);
        builder.environment().put("SWITCHBOARD_STORE_PASSWORD", PASSWORD);
        Process process = builder.start();
        processes.add(process);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(first).as(Files.readString(err)).isNotNull();
        Matcher m = LISTENING.matcher(first);
        assertThat(m.matches()).as(first).isTrue();
        return Integer.parseInt(m.group(2));
    }

    /** @return the nodes' config file: the echo provider, the admin token, the store on {@code port}, {@code more} */
    private Path config(int port, String more) throws java.io.IOException {
        Path config = work.resolve("switchboard.yaml");
        Files.writeString(config, """
                providers:
                  demo: {type: echo}
                default_provider: demo
                admin:
                  token: %s
                  store: postgresql://127.0.0.1:%d/switchboard
                  store_user: ${SWITCHBOARD_STORE_USER}
                  store_password: ${SWITCHBOARD_STORE_PASSWORD}
                """.formatted(TOKEN, port) + more);
        return config;
    }

    private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldShareTheRulesOfTwoBundledNodesThroughPostgres() throws Exception {
        startDatabase(0);
        Path config = config(pg.getPort(), "");
        int a = node("a", config);
        int b = node("b", config);

        HttpResponse<String> write = send(a, "PUT", "/admin/virtual-models", "{\"source\":\"fast\",\"target_model\":\"demo/echo-small\"}");

        assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
        assertThat(write.headers().firstValue("ETag")).contains("\"1\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> send(b, "GET", "/admin/status", null).body()
                .contains("\"store\":{\"kind\":\"postgresql\",\"location\":\"postgresql://127.0.0.1:" + pg.getPort()
                        + "/switchboard\",\"revision\":\"1\""));
        HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.headers().firstValue("X-Switchboard-Virtual-Model")).contains("fast");
        assertThat(chat.headers().firstValue("X-Switchboard-Model")).contains("demo/echo-small");
        for (String name : List.of("a", "b")) {
            assertThat(Files.readString(work.resolve(name + ".stderr.txt"))).doesNotContain(PASSWORD).doesNotContain(USER);
        }
    }

    // The jar as users run it, started before its database (a database restarting, a pod rescheduled during an
    // outage): it exited 1 before; now it listens, says why it is not ready, refuses requests, and serves once the
    // database is up, with no restart.
    @Test
    void shouldStartBeforeItsDatabaseAndServeOnceTheDatabaseIsUp() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path config = config(port, "reload: {poll_interval: 500ms}\n");
        int a = node("a", config);

        HttpResponse<String> ready = send(a, "GET", "/readyz", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).isEqualTo("waiting for the admin store");
        assertThat(send(a, "GET", "/healthz", null).statusCode()).as("alive: no restart wanted").isEqualTo(200);
        HttpResponse<String> chat = chat(a, "demo/echo-small");
        assertThat(chat.statusCode()).isEqualTo(503);
        assertThat(chat.headers().firstValue("Retry-After")).contains("5");
        assertThat(chat.body()).isEqualTo("{\"error\":{\"message\":\"the admin store is unavailable: postgresql://127.0.0.1:"
                + port + "/switchboard: cannot be reached (connection refused); this node has not read its rules since it"
                + " started, retry in a moment\",\"type\":\"api_error\",\"param\":null,\"code\":\"store_unavailable\"}}");
        assertThat(Files.readString(work.resolve("a.stderr.txt"))).contains("ERROR LiveConfig: Switchboard: the admin store"
                + " of " + config + " cannot be read at the start: postgresql://127.0.0.1:" + port + "/switchboard: cannot"
                + " be reached (connection refused); this node refuses every request with 503 store_unavailable until it"
                + " can, and keeps trying");

        startDatabase(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> send(a, "GET", "/readyz", null).statusCode() == 200);
        assertThat(chat(a, "demo/echo-small").statusCode()).isEqualTo(200);
        HttpResponse<String> write = send(a, "PUT", "/admin/virtual-models", "{\"source\":\"fast\",\"target_model\":\"demo/echo-small\"}");
        assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
        assertThat(chat(a, "fast").headers().firstValue("X-Switchboard-Model")).contains("demo/echo-small");
        assertThat(Files.readString(work.resolve("a.stderr.txt"))).doesNotContain(PASSWORD).doesNotContain("Exception");
    }

    // admin.store_snapshot as users run the jar: a node restarted while its database is down serves the rows it last
    // read, and says it is ready, where without a snapshot it refuses every request until the database is back.
    @Test
    void shouldServeItsSnapshotWhenRestartedWhileItsDatabaseIsDown() throws Exception {
        startDatabase(0);
        Path config = config(pg.getPort(), "  store_snapshot: rows.json\n");
        int a = node("a", config);
        assertThat(send(a, "PUT", "/admin/virtual-models", "{\"source\":\"fast\",\"target_model\":\"demo/echo-small\"}")
                .statusCode()).isEqualTo(200);
        assertThat(send(a, "PUT", "/admin/virtual-models", "{\"source\":\"demo/echo-large\",\"enabled\":false}")
                .statusCode()).isEqualTo(200);
        Path snapshot = work.resolve("rows.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(snapshot)
                && Files.readString(snapshot).contains("\"revision\":\"2\""));
        Process first = processes.get(0);
        first.destroy();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        pg.close();
        pg = null;

        int b = node("b", config);

        HttpResponse<String> ready = send(b, "GET", "/readyz", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready");
        assertThat(chat(b, "fast").headers().firstValue("X-Switchboard-Model")).contains("demo/echo-small");
        assertThat(chat(b, "demo/echo-large").statusCode()).as("the store's deny policy").isEqualTo(403);
        assertThat(send(b, "GET", "/admin/status", null).body()).contains("\"revision\":\"2\",\"last_sync\":null,"
                + "\"from_snapshot\":{\"file\":\"" + snapshot + "\",\"revision\":\"2\",\"saved_at\":\"");
        assertThat(send(b, "PUT", "/admin/virtual-models", "{\"source\":\"fast\",\"target_model\":\"demo/echo-large\"}")
                .statusCode()).isEqualTo(503);
        assertThat(Files.readString(work.resolve("b.stderr.txt"))).contains("WARN  LiveConfig: Switchboard: the admin store of "
                + config + " cannot be read at the start: postgresql://127.0.0.1:").contains("; serving the 2 rows of its "
                + "snapshot " + snapshot + " (revision 2, read from the store at ").doesNotContain(PASSWORD);
    }

    /** Starts the database (on {@code port}, or any free one for 0) with the nodes' role and their database. */
    private void startDatabase(int port) throws Exception {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pgdata"))
                .setCleanDataDirectory(true);
        pg = (port == 0 ? builder : builder.setPort(port)).start();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE DATABASE switchboard OWNER " + USER);
        }
    }

    private HttpResponse<String> chat(int port, String model) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
