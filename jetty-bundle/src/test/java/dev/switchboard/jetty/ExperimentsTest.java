package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC section 10 through the real gateway: a deterministic simulation with an upstream whose targets
 * differ in known ways (one twice as slow, one failing one request in ten, one answering twice as long),
 * then the experiment's report must find exactly those differences and no others; the sample-ratio check
 * on a fair 3:1 split and on a rigged one; a before/after after a retarget; and feedback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class ExperimentsTest {

    private static final Pattern MODEL = Pattern.compile("\"model\":\"([^\"]+)\"");

    @TempDir
    static Path dir;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(4);
    private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();
    private Server upstream;
    private LiveConfig live;
    private Gateway gateway;
    private Path config;

    @BeforeAll
    void start() throws Exception {
        upstream = ServletServer.start(new Arms());
        config = dir.resolve("switchboard.yaml");
        Files.writeString(config, yaml("up/base", ServletServer.port(upstream)));
        live = LiveConfig.load(config, new ConfigLoader());
        gateway = Gateway.start(live, live, live.get().server());
        live.start();
        // Warm the JIT and the upstream connections first: a cold gateway's first requests are slower.
        send("warm", 100, 8, null);
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        live.close();
        upstream.stop();
        timer.shutdownNow();
    }

    private static String yaml(String movedTarget, int port) {
        return """
                server: {host: 127.0.0.1, port: 0}
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:%d", api_key: sk-up}
                default_provider: up
                admin: {token: t}
                experiments: {feedback_ttl: 2s}
                # One attempt: the planted 5xx must reach the arms, not fail over to the next target.
                failover: {max_attempts: 1}
                virtual_models:
                  - {source: exp, strategy: round_robin, targets: [up/base, up/slow, up/flaky, up/long]}
                  - source: ratio
                    strategy: round_robin
                    targets: [{model: up/base, weight: 3}, {model: up/long, weight: 1}]
                  - source: rigged
                    targets: [{model: up/base, weight: 3}, {model: up/long, weight: 1}]
                  - source: alone
                    targets: [{model: up/base, weight: 3}, {model: up/long, weight: 1}]
                  - {source: moved, target: %s}
                  - {source: fed, strategy: round_robin, targets: [up/base, up/long]}
                  - {source: warm, target: up/warm}
                  - {source: cli, strategy: round_robin, targets: [up/base, up/long]}
                  - {source: closed, strategy: round_robin, targets: [up/base, up/staff-only]}
                  - {source: up/staff-only, user_paths: [/staff]}
                  - {source: walled, strategy: round_robin, targets: [up/staff-only, up/staff-two], fallbacks: [up/base]}
                  - {source: up/staff-two, user_paths: [/staff]}
                """.formatted(port, movedTarget);
    }

    @Test
    void shouldFindExactlyThePlantedDifferences() throws Exception {
        send("exp", 4 * 40, 8, null);

        Map<String, Object> report = experiment("exp", 160);
        assertThat(report.get("kind")).isEqualTo("split");
        List<Map<String, Object>> arms = list(report.get("arms"));
        assertThat(arms).extracting(a -> a.get("target")).containsExactly("up/base", "up/slow", "up/flaky", "up/long");
        assertThat(arms).allSatisfy(a -> assertThat(number(a.get("requests"))).isEqualTo(40));
        Map<String, Object> flaky = arms.get(2);
        assertThat(map(flaky.get("errors"))).containsEntry("upstream_5xx", JsonTree.parse("4".getBytes(StandardCharsets.UTF_8)));
        assertThat(map(arms.get(3).get("tokens")).get("output")).satisfies(t -> assertThat(number(map(t).get("mean"))).isEqualTo(100));
        // A JSON number, as the README shows it (a BigInteger sum was written as the string "4000").
        assertThat(number(map(map(arms.get(3).get("tokens")).get("output")).get("sum"))).isEqualTo(4000);
        assertThat(map(report.get("sample_ratio")).get("mismatch")).isEqualTo(false);
        // The flaky target's 5xx answers state no usage (unknown, not zero); the long one stops at its length.
        assertThat(arms).extracting(a -> number(a.get("unknown_usage"))).containsExactly(0.0, 0.0, 4.0, 0.0);
        assertThat(arms).extracting(a -> new String(JsonTree.write(a.get("finish_reasons")), StandardCharsets.UTF_8))
                .containsExactly("{\"stop\":40}", "{\"stop\":40}", "{\"stop\":36}", "{\"length\":40}");

        List<String> found = new ArrayList<>();
        for (Object o : list(report.get("comparisons"))) {
            Map<String, Object> c = map(o);
            String verdict = (String) c.get("verdict");
            if (verdict.equals("higher") || verdict.equals("lower")) {
                found.add(c.get("target") + " " + c.get("metric") + " " + verdict);
            }
        }
        assertThat(found).containsExactlyInAnyOrder(
                "up/slow latency_ms higher", "up/slow first_byte_ms higher",
                "up/flaky error_rate higher",
                "up/long output_tokens higher");
        Map<String, Object> slowLatency = comparison(report, "up/slow", "latency_ms");
        // Twice as slow: 40 ms more on average, and the 95% interval says so.
        // The slow target's delay is twice the base's (40 ms + 0, 7 or 14: 47 ms on average): about 47 ms more.
        assertThat(number(slowLatency.get("difference"))).isBetween(40.0, 55.0);
        // The interval's width is the host's scheduling noise as much as the planted delay's: 27.9 once, with another
        // build's load beside it; the difference and its p-value above hold either way.
        assertThat(number(slowLatency.get("ci_low"))).isGreaterThan(20.0);
        assertThat(number(slowLatency.get("ci_high"))).isLessThan(65.0);
        assertThat(number(slowLatency.get("p_value"))).isLessThan(0.001);
    }

    @Test
    void shouldShowAnExperimentAsTextFromTheCommandLine() throws Exception {
        send("cli", 60, 4, null);
        String url = "http://127.0.0.1:" + gateway.port();

        CliRun shown = cli("experiments", "cli", "--url", url, "--token", "t");
        CliRun all = cli("experiments", "--url", url + "/", "--token", "t");
        CliRun json = cli("experiments", "cli", "--url", url, "--token", "t", "--json");
        CliRun unknown = cli("experiments", "nope", "--url", url, "--token", "t");
        CliRun badToken = cli("experiments", "--url", url, "--token", "wrong");
        CliRun down = cli("experiments", "--url", "http://127.0.0.1:1", "--token", "t");
        CliRun badUrl = cli("experiments", "--url", "ftp://x", "--token", "t");

        assertThat(shown.code()).as(shown.err()).isZero();
        List<String> lines = shown.out().lines().toList();
        assertThat(lines.get(0)).startsWith("cli: split, round_robin, since 20");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                " {2}up/base \\(baseline\\) +30 +50\\.0% \\(50\\.0%\\) +0\\.0% .* 100 / 50\\.0 +- *"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(" {2}up/long +30 +50\\.0% \\(50\\.0%\\) +0\\.0% .* 100 / 100 +- *"));
        assertThat(lines).contains("  sample ratio: as weighted (p = 1)");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(" {4}up/long +output_tokens +50\\.0 -> 100 .*: higher"));
        // A p-value too small to show reads "p < 0.0001", never "p = <0.001".
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(" {4}up/long +output_tokens .*\\], p < 0\\.0001: higher"));
        // A rate in percent, its difference in percentage points (0.4 % is not "0.00").
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                " {4}up/long +error_rate +0\\.0% -> 0\\.0% +\\+0\\.0 pp \\[\\+0\\.0 pp, \\+0\\.0 pp\\], p = 1: no difference"));
        // Every comparison's figures in one column, whichever metric (reasoning_tokens is the longest name).
        assertThat(lines.stream().filter(l -> l.startsWith("    ") && l.contains(" -> ")).map(l -> l.indexOf(" -> ")).distinct())
                .hasSize(1);
        assertThat(all.code()).isZero();
        assertThat(all.out()).contains("cli: split, round_robin").contains("exp: split, round_robin");
        assertThat(map(JsonTree.parse(json.out().strip().getBytes(StandardCharsets.UTF_8))).get("source")).isEqualTo("cli");
        assertThat(unknown.code()).isEqualTo(Cli.UNAVAILABLE);
        assertThat(unknown.err()).startsWith("error: " + url + "/admin/experiments/nope answered 404: no experiment for nope");
        assertThat(badToken.code()).isEqualTo(Cli.UNAVAILABLE);
        assertThat(badToken.err()).startsWith("error: " + url + "/admin/experiments answered 401");
        assertThat(down.code()).isEqualTo(Cli.UNAVAILABLE);
        assertThat(down.err()).startsWith("error: cannot reach http://127.0.0.1:1/admin/experiments");
        assertThat(badUrl.code()).isEqualTo(Cli.USAGE);
        assertThat(badUrl.err()).startsWith("error: invalid --url \"ftp://x\": not an http(s) URL");
    }

    record CliRun(int code, String out, String err) {
    }

    static CliRun cli(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code;
        try (java.io.PrintStream o = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
             java.io.PrintStream e = new java.io.PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Cli.run(args, o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPassAFairSplitAndFlagARiggedOne() throws Exception {
        send("ratio", 200, 8, null);
        // A sticky 3:1 split assigns callers, not requests: 40 callers whom it sends to up/long, one request each (a
        // population picked by where the split sends it, as a broken assignment would), ...
        List<String> toLong = callersSentTo("rigged", "up/long", 40);
        for (String path : toLong) {
            send("rigged", 1, 1, path);
        }
        // ... and one caller with a hundred requests, all on its one arm, as a sticky split does.
        send("alone", 100, 4, "/acme/just-me");

        Map<String, Object> fair = map(experiment("ratio", 200).get("sample_ratio"));
        Map<String, Object> rigged = map(experiment("rigged", 40).get("sample_ratio"));
        Map<String, Object> alone = experiment("alone", 100);

        assertThat(fair.get("mismatch")).isEqualTo(false);
        assertThat(fair.get("unit")).isEqualTo("requests");
        assertThat(list(fair.get("observed"))).containsExactly(0.75, 0.25);
        assertThat(rigged.get("mismatch")).isEqualTo(true);
        assertThat(rigged.get("unit")).isEqualTo("callers");
        assertThat(list(rigged.get("observed"))).containsExactly(0.0, 1.0);
        assertThat(number(rigged.get("p_value"))).isLessThan(0.001);
        List<Object> warnings = list(experiment("rigged").get("warnings"));
        assertThat(warnings).anySatisfy(w -> assertThat((String) w).startsWith("sample ratio mismatch"));
        // Regression (a statistics probe): one caller's requests all on one arm read "sample ratio mismatch, p < 0.001"
        // though the split did what it does; one caller of a 3:1 split is no evidence against it, and the report says
        // instead that the arm's numbers are that caller's.
        assertThat(map(alone.get("sample_ratio")).get("mismatch")).isEqualTo(false);
        assertThat(list(alone.get("warnings"))).noneMatch(w -> ((String) w).startsWith("sample ratio mismatch"))
                .anySatisfy(w -> assertThat((String) w).endsWith(": its 100 requests came from 1 caller(s), each kept on"
                        + " one arm (sticky); the comparisons count requests as independent, so a difference may be the"
                        + " callers' own, not the targets'"));
    }

    /** @return {@code n} user paths that the sticky split {@code source} sends to {@code target} (asked of the API) */
    private List<String> callersSentTo(String source, String target, int n) throws Exception {
        List<String> paths = new ArrayList<>();
        for (int i = 0; paths.size() < n; i++) {
            assertThat(i).as("callers tried").isLessThan(2_000);
            HttpResponse<String> r = admin("GET", "/admin/resolve?model=" + source + "&user_path=/acme/u" + i);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            if (target.equals(map(JsonTree.parse(r.body().getBytes(StandardCharsets.UTF_8))).get("target"))) {
                paths.add("/acme/u" + i);
            }
        }
        return paths;
    }

    // A caller who may not use every arm goes to the ones it may (its round-robin turn is taken among those), in their
    // arms: the report says so (the sample-ratio check sees it only once the shares stray far enough), so that the
    // split is not read as a fair comparison. Staff alternate as configured.
    @Test
    void shouldSayWhenAnArmAnsweredCallersWhoMayNotUseTheTargetPickedForThem() throws Exception {
        send("closed", 20, 1, "/guests");
        send("closed", 20, 1, "/staff/ann");

        Map<String, Object> report = experiment("closed", 40);

        assertThat(list(report.get("arms"))).extracting(a -> map(a).get("target"), a -> number(map(a).get("requests")))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("up/base", 30.0),
                        org.assertj.core.groups.Tuple.tuple("up/staff-only", 10.0));
        assertThat(list(report.get("warnings"))).contains("up/base: 20 of its requests came from callers who may not use"
                + " every arm (an access policy closes one to them), so the arms' callers differ; the comparisons may be"
                + " biased");
    }

    // A caller who may use no arm is answered by the fallback from the start: in no arm's population (no target, in
    // the access log and the metrics).
    @Test
    void shouldLeaveOutOfTheArmsCallersWhoMayUseNoneOfThem() throws Exception {
        send("walled", 12, 1, "/guests");
        send("walled", 10, 1, "/staff/ann");

        Map<String, Object> report = experiment("walled", 10);

        assertThat(list(report.get("arms"))).extracting(a -> map(a).get("target"), a -> number(map(a).get("requests")))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("up/staff-only", 5.0),
                        org.assertj.core.groups.Tuple.tuple("up/staff-two", 5.0));
        assertThat(list(report.get("warnings"))).noneMatch(w -> ((String) w).contains("may not use every arm"));
    }

    @Test
    void shouldCompareBeforeAndAfterATargetChange() throws Exception {
        assertThat(admin("GET", "/admin/experiments/moved").statusCode()).isEqualTo(404);
        send("moved", 60, 4, null);

        Files.writeString(config, yaml("up/slow", port()));
        live.reload();
        send("moved", 60, 4, null);

        Map<String, Object> report = experiment("moved", 120);
        assertThat(report.get("kind")).isEqualTo("before_after");
        assertThat(list(report.get("arms"))).extracting(a -> map(a).get("target")).containsExactly("up/base", "up/slow");
        assertThat(comparison(report, "up/slow", "latency_ms").get("verdict")).as("%s", report).isEqualTo("higher");
        // Listed with the others, and resettable: a reset drops the before arm, which ends the comparison.
        assertThat(list(JsonTree.parse(admin("GET", "/admin/experiments").body().getBytes(StandardCharsets.UTF_8))))
                .extracting(e -> map(e).get("source")).contains("exp", "moved");
        HttpResponse<String> reset = admin("POST", "/admin/experiments/moved/reset");
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        Map<String, Object> fresh = map(JsonTree.parse(reset.body().getBytes(StandardCharsets.UTF_8)));
        assertThat(list(fresh.get("arms"))).singleElement().satisfies(a -> {
            assertThat(map(a).get("target")).isEqualTo("up/slow");
            assertThat(((JsonTree.Num) map(a).get("requests")).text()).isEqualTo("0");
        });
        assertThat(admin("GET", "/admin/experiments/moved").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/admin/experiments/moved/reset").statusCode()).isEqualTo(404);
        // A method an endpoint does not take: 405 with Allow, as for the rest of the admin API.
        HttpResponse<String> delete = admin("DELETE", "/admin/experiments/exp");
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> post = admin("POST", "/admin/experiments");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> models = admin("DELETE", "/admin/models");
        assertThat(models.statusCode()).isEqualTo(405);
        assertThat(models.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void shouldAttachFeedbackToTheRightArmOnceAndForgetItAfterItsTime() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                dev.switchboard.observe.AccessLog.LOGGER);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> access =
                new ch.qos.logback.core.read.ListAppender<>();
        access.start();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        log.setAdditive(false);
        log.addAppender(access);
        try {
            attachFeedback(access);
        } finally {
            log.detachAppender(access);
            log.setLevel(null);
            log.setAdditive(true);
        }
    }

    private void attachFeedback(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> access)
            throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(chat("fed", "fed-" + i + "-" + System.nanoTime(), null).headers().firstValue("X-Switchboard-Request-Id")
                    .orElseThrow());
        }
        // Round robin: requests 0 and 2 went to up/base, 1 and 3 to up/long.
        assertThat(feedback(ids.get(0), "1").statusCode()).isEqualTo(204);
        assertThat(feedback(ids.get(1), "false").statusCode()).isEqualTo(204);
        assertThat(feedback(ids.get(2), "0.5").statusCode()).isEqualTo(204);

        HttpResponse<String> twice = feedback(ids.get(0), "0");
        HttpResponse<String> unknown = feedback("no-such-request", "1");
        HttpResponse<String> bad = feedback(ids.get(3), "1.5");
        HttpResponse<String> notANumber = feedback(ids.get(3), "\"good\"");
        // Which copy counts differs by reader (Python and Go keep the last, others the first): no score at all.
        HttpResponse<String> scoredTwice = feedback(ids.get(3), "0, \"score\": 1");

        assertThat(twice.statusCode()).isEqualTo(409);
        assertThat(twice.body()).contains("\"code\":\"already_scored\"");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"code\":\"invalid_feedback\"");
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(scoredTwice.statusCode()).isEqualTo(400);
        assertThat(scoredTwice.body()).contains("\"code\":\"invalid_feedback\"", "score: appears more than once in the request body");
        List<Map<String, Object>> arms = list(experiment("fed", 4).get("arms"));
        assertThat(map(arms.get(0).get("feedback"))).containsEntry("count", JsonTree.parse("2".getBytes()))
                .containsEntry("mean", JsonTree.parse("0.75".getBytes()));
        assertThat(map(arms.get(1).get("feedback"))).containsEntry("count", JsonTree.parse("1".getBytes()))
                .containsEntry("mean", JsonTree.parse("0.0".getBytes()));

        // The access log names the scores taken, and only those: summing its scores counts no refused one.
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(List.copyOf(access.list))
                .map(e -> e.getFormattedMessage()).filteredOn(l -> l.contains("\"endpoint\":\"/v1/feedback\""))
                .hasSize(8));
        assertThat(List.copyOf(access.list)).map(e -> e.getFormattedMessage())
                .filteredOn(l -> l.contains("\"endpoint\":\"/v1/feedback\"")).allSatisfy(l -> assertThat(
                        l.contains("\"status\":204")).as(l).isEqualTo(l.contains("\"feedback_score\"")))
                .filteredOn(l -> l.contains("\"feedback_score\"")).hasSize(3);
        // Another caller cannot score it, and after experiments.feedback_ttl (2 s here) nobody can.
        assertThat(feedback(ids.get(3), "1", "X-User-Path: /someone/else").statusCode()).isEqualTo(404);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> feedback(ids.get(3), "1").statusCode() == 404);
    }

    @Test
    void shouldTakeTheScoreOfACallerWhoseRequestIdAnotherCallersExchangeUnderWayShares() throws Exception {
        // Caller /b's exchange "shared" is a long one; caller /a sends the same X-Request-Id, and scores its answer the
        // moment it arrives: the score waits for /a's own exchange, not for /b's, and is taken.
        String id = "shared-" + System.nanoTime();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> slow = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return chat("up/crawl", id, "/b");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        Thread.sleep(300);
        assertThat(slow).as("still under way").isNotDone();

        assertThat(chat("up/quick", id, "/a").statusCode()).isEqualTo(200);
        HttpResponse<String> scored = feedback(id, "1", "X-User-Path: /a");

        assertThat(scored.statusCode()).as(scored.body()).isEqualTo(204);
        assertThat(slow).as("the other caller's exchange is still under way").isNotDone();
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(feedback(id, "0", "X-User-Path: /b").statusCode()).as("/b scores its own").isEqualTo(204);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private int port() {
        return Integer.parseInt(live.get().rules().providers().get("up").baseUrl().replaceAll(".*:", ""));
    }

    private void send(String model, int n, int concurrency, String userPath) throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
        for (int i = 0; i < n; i++) {
            slots.acquire();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[]}"));
            if (userPath != null) {
                b.header("X-User-Path", userPath);
            }
            all.add(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> slots.release()));
        }
        for (var f : all) {
            assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isIn(200, 500);
        }
    }

    private HttpResponse<String> chat(String model, String requestId, String userPath) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[]}"));
        if (userPath != null) {
            b.header("X-User-Path", userPath);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> feedback(String requestId, String score, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/feedback"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\":\"" + requestId + "\",\"score\":" + score
                        + ",\"comment\":\"" + "x".repeat(600) + "\"}"));
        for (String h : headers) {
            String[] kv = h.split(": ", 2);
            b.header(kv[0], kv[1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return admin(client, gateway, method, path);
    }

    private Map<String, Object> experiment(String source) throws Exception {
        return experiment(client, gateway, source);
    }

    private Map<String, Object> experiment(String source, int requests) throws Exception {
        return experiment(client, gateway, source, requests);
    }

    // The admin API of a test gateway whose admin token is "t" (ExperimentsLifecycleTest calls these too).

    static HttpResponse<String> admin(HttpClient client, Gateway gateway, String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Bearer t").method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return the experiment's report, which must be there (200) */
    static Map<String, Object> experiment(HttpClient client, Gateway gateway, String source) throws Exception {
        HttpResponse<String> r = admin(client, gateway, "GET", "/admin/experiments/" + source);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return map(JsonTree.parse(r.body().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @return the report once its arms count {@code requests} exchanges: an exchange is filed when the container reports
     *     its end, which can come a moment after the client read the whole answer
     */
    static Map<String, Object> experiment(HttpClient client, Gateway gateway, String source, long requests)
            throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> requests(experiment(client, gateway, source)) >= requests);
        return experiment(client, gateway, source);
    }

    /** @return the exchanges the report's arms count */
    static long requests(Map<String, Object> report) {
        long n = 0;
        for (Object a : (List<?>) report.get("arms")) {
            n += (long) number(map(a).get("requests"));
        }
        return n;
    }

    private static Map<String, Object> comparison(Map<String, Object> report, String target, String metric) {
        return list(report.get("comparisons")).stream().map(ExperimentsTest::map)
                .filter(c -> c.get("target").equals(target) && c.get("metric").equals(metric)).findFirst().orElseThrow();
    }

    // The report's JSON as JsonTree parses it (ExperimentsLifecycleTest reads it with these too).

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static <T> List<T> list(Object o) {
        List<T> out = new ArrayList<>();
        for (Object item : (List<Object>) o) {
            out.add((T) (item instanceof JsonTree.Num n ? (Object) Double.valueOf(n.text()) : item));
        }
        return out;
    }

    static double number(Object o) {
        return Double.parseDouble(((JsonTree.Num) o).text());
    }

    /**
     * The upstream: each target answers after a known delay (the same jittered sequence for every target,
     * twice as long for {@code slow}), {@code flaky} fails every tenth of its requests with a 500 after the
     * same delay, and {@code long} answers twice as many output tokens.
     */
    private final class Arms extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = MODEL.matcher(body);
            String model = m.find() ? m.group(1) : "?";
            int k = counters.computeIfAbsent(model, x -> new AtomicInteger()).getAndIncrement();
            long delay = model.equals("up/crawl") || model.equals("crawl") ? 3_000
                    : (model.equals("slow") ? 2 : 1) * (40 + (k * 7L) % 21);
            boolean fail = model.equals("flaky") && k % 10 == 9;
            int output = model.equals("long") ? 100 : 50;
            AsyncContext ctx = req.startAsync();
            ctx.setTimeout(0);
            timer.schedule(() -> {
                try {
                    byte[] answer = (fail ? "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"
                            : "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
                                    + "\"finish_reason\":\"" + (model.equals("long") ? "length" : "stop")
                                    + "\"}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":"
                                    + output + "}}").getBytes(StandardCharsets.UTF_8);
                    resp.setStatus(fail ? 500 : 200);
                    resp.setContentType("application/json");
                    resp.setContentLength(answer.length);
                    resp.getOutputStream().write(answer);
                } catch (IOException ignored) {
                    // the gateway left
                }
                ctx.complete();
            }, delay, TimeUnit.MILLISECONDS);
        }
    }
}
