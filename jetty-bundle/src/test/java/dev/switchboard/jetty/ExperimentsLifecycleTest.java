package dev.switchboard.jetty;

import static dev.switchboard.jetty.ExperimentsTest.list;
import static dev.switchboard.jetty.ExperimentsTest.map;
import static dev.switchboard.jetty.ExperimentsTest.number;
import static dev.switchboard.jetty.ExperimentsTest.requests;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.experiments.Experiments;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC section 10 across changes of the rules, through the real gateway and a reloaded config file: what an
 * experiment's numbers are after its weights change while requests are in flight, after its virtual model is
 * deleted and made again, and for a source whose name ends in {@code /reset}.
 */
final class ExperimentsLifecycleTest {

    @TempDir
    Path dir;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The upstream holds a request whose body says "hold" until this opens. */
    private final CountDownLatch release = new CountDownLatch(1);
    private Server upstream;
    private LiveConfig live;
    private Gateway gateway;
    private Path config;

    @BeforeEach
    void start() throws Exception {
        upstream = ServletServer.start(new Upstream());
        config = dir.resolve("switchboard.yaml");
        Files.writeString(config, yaml("""
                  - source: ab
                    strategy: round_robin
                    targets: [{model: up/a, weight: 1}, {model: up/b, weight: 1}]
                """));
        live = LiveConfig.load(config, new ConfigLoader());
        gateway = Gateway.start(live, live, live.get().server());
        live.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        gateway.stop();
        live.close();
        upstream.stop();
    }

    private String yaml(String virtualModels) {
        return """
                server: {host: 127.0.0.1, port: 0}
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:%d", api_key: sk-up}
                admin: {token: t}
                failover: {max_attempts: 1}
                virtual_models:
                """.formatted(ServletServer.port(upstream)) + virtualModels;
    }

    private void rules(String virtualModels) throws Exception {
        Files.writeString(config, yaml(virtualModels));
        live.reload();
    }

    @Test
    void shouldKeepTheNewWeightsNumbersWhenARequestDecidedBeforeTheChangeEndsAfterIt() throws Exception {
        send("ab", 4);
        CompletableFuture<HttpResponse<String>> held = client.sendAsync(chat("ab", "hold"),
                HttpResponse.BodyHandlers.ofString());
        // The held request reached the upstream under the 1:1 split; now the operator moves to 1:3.
        awaitHeld();
        rules("""
                  - source: ab
                    strategy: round_robin
                    targets: [{model: up/a, weight: 1}, {model: up/b, weight: 3}]
                """);
        send("ab", 20);
        Map<String, Object> before = experiment("ab", 20);
        assertThat(requests(before)).isEqualTo(20);

        release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        send("ab", 4);

        // The 1:3 split's numbers go on: the request of the 1:1 split ending late neither starts them over nor
        // joins them.
        Map<String, Object> after = experiment("ab", 24);
        assertThat(after.get("since")).isEqualTo(before.get("since"));
        assertThat(list(after.get("arms"))).extracting(a -> number(map(a).get("weight"))).containsExactly(1.0, 3.0);
        assertThat(requests(after)).isEqualTo(24);
    }

    // Regression: since was the moment the node next looked at the experiment (its next exchange or read), up to
    // any time after the change.
    @Test
    void shouldStartTheNumbersOfAChangedSplitAtTheReload() throws Exception {
        send("ab", 2);
        // Both filed: an exchange filed after the change would look at the experiment itself.
        experiment("ab", 2);
        Instant before = Instant.now();
        rules("""
                  - source: ab
                    strategy: round_robin
                    targets: [{model: up/a, weight: 1}, {model: up/b, weight: 3}]
                """);
        Instant reloaded = Instant.now();
        Thread.sleep(300);

        Instant since = Instant.parse((String) experiment("ab").get("since"));

        assertThat(since).isBetween(before, reloaded);
    }

    @Test
    void shouldStartOverAVirtualModelDeletedAndMadeAgain() throws Exception {
        send("ab", 6);
        Object since = experiment("ab", 6).get("since");

        rules("  - {source: other, target: up/a}\n");
        // The operator checks that it is gone ...
        assertThat(admin("GET", "/admin/experiments/ab").statusCode()).isEqualTo(404);
        // ... and makes it again: its numbers start over, as they do when GET /admin/experiments is read in between.
        rules("""
                  - source: ab
                    strategy: round_robin
                    targets: [{model: up/a, weight: 1}, {model: up/b, weight: 1}]
                """);

        Map<String, Object> again = experiment("ab");
        assertThat(requests(again)).isZero();
        assertThat(again.get("since")).isNotEqualTo(since);
    }

    @Test
    void shouldShowAnExperimentWhoseSourceEndsInReset() throws Exception {
        rules("""
                  - {source: team, strategy: round_robin, targets: [up/a, up/b]}
                  - {source: team/reset, strategy: round_robin, targets: [up/a, up/b]}
                """);
        send("team/reset", 2);

        // GET shows the experiment named so (README: "the source as written, slashes included") ...
        assertThat(experiment("team/reset").get("source")).isEqualTo("team/reset");
        assertThat(requests(experiment("team/reset", 2))).isEqualTo(2);
        // ... and POST .../reset still starts over the one before /reset.
        HttpResponse<String> reset = admin("POST", "/admin/experiments/team/reset/reset");
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(requests(experiment("team/reset"))).isZero();
        assertThat(admin("POST", "/admin/experiments/team/reset").body()).contains("\"source\":\"team\"");
    }

    @Test
    void shouldShowAndResetInTheQueryASourceAPathCannotCarry() throws Exception {
        rules("""
                  - {source: "canary-10%", strategy: round_robin, targets: [up/a, up/b]}
                  - {source: 'back\\slash', strategy: round_robin, targets: [up/a, up/b]}
                """);
        for (String source : List.of("canary-10%", "back\\slash")) {
            send(source.replace("\\", "\\\\"), 2);
            String q = URLEncoder.encode(source, StandardCharsets.UTF_8);
            // Encoded in a path, Jetty refuses the name before the admin API sees it (an ambiguous or suspicious path).
            assertThat(admin("GET", "/admin/experiments/" + q).statusCode()).as(source).isEqualTo(400);
            assertThat(admin("POST", "/admin/experiments/" + q + "/reset").statusCode()).as(source).isEqualTo(400);

            // In the query it is shown (once its two exchanges are filed) ...
            Map<String, Object> view = experiment("?source=" + q, 2);
            assertThat(view.get("source")).isEqualTo(source);
            assertThat(requests(view)).isEqualTo(2);

            // ... (from the command line too) ...
            ExperimentsTest.CliRun cli = ExperimentsTest.cli("experiments", source, "--url",
                    "http://127.0.0.1:" + gateway.port(), "--token", "t", "--json");
            assertThat(cli.code()).as(cli.err()).isZero();
            assertThat(map(JsonTree.parse(cli.out().strip().getBytes(StandardCharsets.UTF_8))).get("source"))
                    .isEqualTo(source);
            // ... and started over.
            HttpResponse<String> reset = admin("POST", "/admin/experiments/reset?source=" + q);
            assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
            assertThat(reset.body()).contains("\"source\":" + new String(JsonTree.write(source), StandardCharsets.UTF_8));
            HttpResponse<String> shown = admin("GET", "/admin/experiments?source=" + q);
            assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
            assertThat(requests(map(JsonTree.parse(shown.body().getBytes(StandardCharsets.UTF_8))))).isZero();
        }
        // A name in the path and one in the query: which one was meant is unclear, so neither.
        assertThat(admin("GET", "/admin/experiments/ab?source=ab").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/admin/experiments/reset?source=ab").statusCode()).isEqualTo(405);
        assertThat(admin("POST", "/admin/experiments/reset?source=nothing").statusCode()).isEqualTo(404);
        // Given twice, which one counts differs by reader: neither.
        HttpResponse<String> twice = admin("POST", "/admin/experiments/reset?source=ab&source=canary-10%25");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("query parameter 'source' was given more than once");
    }

    @Test
    void shouldHoldAScoreForAStreamStillUnderWayUntilItEnds() throws Exception {
        HttpResponse<java.io.InputStream> stream = client.send(chat("ab", "hold-stream"),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        String id = stream.headers().firstValue("X-Switchboard-Request-Id").orElseThrow();

        // Another caller learns nothing of it: unknown at once, as any id it does not own.
        long started = System.nanoTime();
        HttpResponse<String> stranger = feedback(id, "/someone/else");
        assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(404);
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms: no wait for another caller's exchange")
                .isLessThan(Experiments.FEEDBACK_WAIT.toMillis());

        started = System.nanoTime();
        HttpResponse<String> early = feedback(id, null);
        long waitedMs = (System.nanoTime() - started) / 1_000_000;

        // It waited for the end (a second), then said why, not "unknown".
        assertThat(early.statusCode()).as(early.body()).isEqualTo(409);
        assertThat(early.body()).contains("\"code\":\"request_in_progress\"");
        assertThat(early.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(waitedMs).isGreaterThanOrEqualTo(Experiments.FEEDBACK_WAIT.toMillis() - 50);

        // A score sent while the stream is still under way, which ends 300 ms later, waits for that end and counts.
        CompletableFuture.runAsync(release::countDown, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        started = System.nanoTime();
        HttpResponse<String> scored = feedback(id, null);
        waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(scored.statusCode()).as(scored.body()).isEqualTo(204);
        assertThat(waitedMs).as("ms: it waited for the end").isGreaterThanOrEqualTo(250L);
        try (java.io.InputStream body = stream.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).endsWith("data: [DONE]\n\n");
        }
        assertThat(list(experiment("ab", 1).get("arms"))).extracting(a -> number(map(map(a).get("feedback")).get("count")))
                .containsExactlyInAnyOrder(1.0, 0.0);
    }

    // Regression: the series of a target the rules dropped stayed in /metrics until a restart (admin churn with traffic
    // grew a scrape to 57 MB); a score for an exchange of a dropped target made its series again.
    @Test
    void shouldDropTheSeriesOfATargetTheRulesDroppedFromTheScrape() throws Exception {
        HttpResponse<String> first = client.send(chat("ab", "hi"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = client.send(chat("ab", "hi"), HttpResponse.BodyHandlers.ofString());
        assertThat(feedback(first.headers().firstValue("X-Switchboard-Request-Id").orElseThrow(), null, "0.25")
                .statusCode()).isEqualTo(204);
        experiment("ab", 2);
        String scrape = admin("GET", "/metrics").body();
        assertThat(scrape).contains("switchboard_target=\"up/b\"");
        assertThat(scrape).containsPattern("switchboard_feedback_count\\{[^}]*switchboard_target=\"up/a\"");
        // A histogram of tenths (README "Experiments"): the score of 0.25 in the buckets from 0.3 up, none below (a
        // Micrometer summary counted it as 1: in 1.0 only), its sum the score.
        assertThat(scrape).contains("# TYPE switchboard_feedback histogram")
                .containsPattern("switchboard_feedback_bucket\\{switchboard_target=\"up/a\",[^}]*le=\"0\\.2\"} 0\n")
                .containsPattern("switchboard_feedback_bucket\\{switchboard_target=\"up/a\",[^}]*le=\"0\\.3\"} 1\n")
                .containsPattern("switchboard_feedback_bucket\\{switchboard_target=\"up/a\",[^}]*le=\"1\\.0\"} 1\n")
                .containsPattern("switchboard_feedback_sum\\{switchboard_target=\"up/a\",[^}]*} 0\\.25\n");

        rules("  - {source: ab, target: up/a}\n");
        // Scored after the change: an exchange of up/b (round robin: the second went there).
        assertThat(feedback(second.headers().firstValue("X-Switchboard-Request-Id").orElseThrow(), null).statusCode())
                .isEqualTo(204);

        scrape = admin("GET", "/metrics").body();
        assertThat(scrape).doesNotContain("up/b");
        assertThat(scrape).containsPattern("switchboard_feedback_count\\{[^}]*switchboard_target=\"other\"[^}]*} 1");
        assertThat(scrape).containsPattern(
                "gen_ai_server_request_duration_seconds_count\\{[^}]*switchboard_target=\"up/a\"[^}]*} 1");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** @param userPath the caller's X-User-Path, or {@code null} for the anonymous caller the chats are sent as */
    private HttpResponse<String> feedback(String requestId, String userPath) throws Exception {
        return feedback(requestId, userPath, "1");
    }

    private HttpResponse<String> feedback(String requestId, String userPath, String score) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/feedback"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\":\"" + requestId + "\",\"score\":" + score
                        + "}"));
        if (userPath != null) {
            b.header("X-User-Path", userPath);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }


    private void awaitHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (held == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(held).isEqualTo(1);
    }

    private volatile int held;

    private HttpRequest chat(String model, String content) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}"))
                .build();
    }

    private void send(String model, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertThat(client.send(chat(model, "hi"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return ExperimentsTest.admin(client, gateway, method, path);
    }

    private Map<String, Object> experiment(String source) throws Exception {
        return ExperimentsTest.experiment(client, gateway, source);
    }

    private Map<String, Object> experiment(String source, long requests) throws Exception {
        return ExperimentsTest.experiment(client, gateway, source, requests);
    }

    /**
     * Answers every chat at once with usage, but a request whose body says "hold" only once the test releases it, and
     * one that says "hold-stream" with a stream whose first event comes at once and its end once the test releases it.
     */
    private final class Upstream extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("\"hold-stream\"")) {
                resp.setStatus(200);
                resp.setContentType("text/event-stream");
                resp.getOutputStream().write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
                        .getBytes(StandardCharsets.UTF_8));
                resp.flushBuffer();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resp.getOutputStream().write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (body.contains("\"hold\"")) {
                held++;
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = ("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}")
                    .getBytes(StandardCharsets.UTF_8);
            resp.setStatus(200);
            resp.setContentType("application/json");
            resp.setContentLength(answer.length);
            resp.getOutputStream().write(answer);
        }
    }
}
