package dev.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.error.ApiError;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.Strategy;
import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin API over HTTP (SPEC section 7): a real Jetty on port 0, a config file and its admin store in a
 * temporary folder. Every answer is checked on status, headers and exact body; every write on the store
 * file as it is on disk.
 */
final class AdminApiTest {

    private static final String CONFIG = """
            virtual_models:
              - source: managed-alias
                target: gpt-5
                description: from the config file
              - source: openai/o3-pro
                enabled: false
            admin:
              token: %s
            reload:
              poll_interval: 1h
            """.formatted(AdminServer.TOKEN);

    private static final String MANAGED_ALIAS = "{\"source\":\"managed-alias\",\"kind\":\"redirect\","
            + "\"targets\":[{\"model\":\"gpt-5\",\"weight\":1}],\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],"
            + "\"enabled\":true,\"description\":\"from the config file\",\"managed\":true,\"warnings\":[]}";
    private static final String MANAGED_POLICY = "{\"source\":\"openai/o3-pro\",\"kind\":\"policy\",\"targets\":[],"
            + "\"strategy\":null,\"fallbacks\":[],\"user_paths\":[],\"enabled\":false,\"description\":\"\",\"managed\":true,"
            + "\"warnings\":[]}";
    private static final String MANAGED_MESSAGE = " is managed by config; edit your configuration instead";

    @TempDir
    Path dir;

    private AdminServer admin;

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
    }

    private AdminServer start() throws Exception {
        return start(CONFIG);
    }

    private AdminServer start(String yaml) throws Exception {
        admin = AdminServer.start(dir, yaml);
        return admin;
    }

    // ---- the trail of writes, and requests no reader may read two ways ---------------------------------

    // Regression (audit): the access log has the API's requests, not the admin API's, and a write left no line
    // saying what changed (only the reload's "reloaded configuration").
    @Test
    void shouldLogEveryWriteWithWhatChangedAndFromWhere() throws Exception {
        AdminServer a = start();
        dev.switchboard.ops.LogLines lines = dev.switchboard.ops.LogLines.capture(AdminServlet.class,
                ch.qos.logback.classic.Level.INFO);
        HttpResponse<String> put;
        HttpResponse<String> delete;
        HttpResponse<String> refused;
        try (lines) {
            put = a.put("{\"source\":\"fast\",\"target_model\":\"gpt-5-mini\"}");
            refused = a.put("{\"source\":\"managed-alias\",\"target_model\":\"gpt-5-mini\"}");
            delete = a.delete("{\"source\":\"fast\"}");
            a.send(a.request("POST", "/admin/reload", null));
        }

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(delete.statusCode()).isEqualTo(204);
        assertThat(lines.messages()).containsExactly(
                "Switchboard admin: virtual model \"fast\" written by the admin token from 127.0.0.1; the store's ETag is now "
                        + put.headers().firstValue("ETag").orElseThrow(),
                "Switchboard admin: virtual model \"fast\" deleted by the admin token from 127.0.0.1; the store's ETag is now "
                        + delete.headers().firstValue("ETag").orElseThrow(),
                "Switchboard admin: reload asked by the admin token from 127.0.0.1");
    }

    // Regression (the last session's note): an experiment's reset (POST /admin/experiments/{source}/reset, served by
    // an extension) changed what the admin API reports and left no line in the trail; one asked in the query named no
    // source in it.
    @Test
    void shouldLogAChangeAnExtensionMade() throws Exception {
        AdminExtension resets = new AdminExtension() {
            @Override
            public String prefix() {
                return "/things";
            }

            @Override
            public Object handle(String method, String rest, Map<String, String> query) {
                if (rest.equals("/missing/reset")) {
                    throw new AdminException(ApiError.ADMIN_NOT_FOUND, "no thing");
                }
                return Map.of("reset", rest);
            }
        };
        admin = AdminServer.start(dir, CONFIG, List.of(resets));
        dev.switchboard.ops.LogLines lines = dev.switchboard.ops.LogLines.capture(AdminServlet.class,
                ch.qos.logback.classic.Level.INFO);
        HttpResponse<String> reset;
        HttpResponse<String> read;
        HttpResponse<String> queried;
        HttpResponse<String> missing;
        try (lines) {
            reset = admin.send(admin.request("POST", "/admin/things/team%22a/reset", null));
            read = admin.send(admin.request("GET", "/admin/things/team", null));
            queried = admin.send(admin.request("POST", "/admin/things/reset?source=canary-10%25", null));
            missing = admin.send(admin.request("POST", "/admin/things/missing/reset", null));
        }

        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(queried.statusCode()).isEqualTo(200);
        assertThat(missing.statusCode()).isEqualTo(404);
        // A line for each change that was made; the path as a JSON string, as the writes' names are, and the query as
        // it was sent (a source named there, which a path cannot carry, is in the trail too).
        assertThat(lines.messages()).containsExactly(
                "Switchboard admin: POST \"/admin/things/team\\\"a/reset\" by the admin token from 127.0.0.1",
                "Switchboard admin: POST \"/admin/things/reset?source=canary-10%25\" by the admin token from 127.0.0.1");
    }

    // Regression (a probe): /admin/experiments/ answered the list while /admin/status/ was 404; each endpoint answers
    // with one trailing slash now, and only with one.
    @Test
    void shouldAnswerEachEndpointWithOneTrailingSlashAsWithout() throws Exception {
        AdminServer a = start();
        for (String endpoint : List.of("/admin/status", "/admin/virtual-models", "/admin/resolve?model=fast")) {
            HttpResponse<String> plain = a.send(a.request("GET", endpoint, null));
            HttpResponse<String> slash = a.send(a.request("GET", endpoint.replaceFirst("(\\?|$)", "/$1"), null));
            assertThat(slash.statusCode()).as(endpoint).isEqualTo(200).isEqualTo(plain.statusCode());
            assertThat(slash.headers().firstValue("ETag")).isEqualTo(plain.headers().firstValue("ETag"));
        }
        assertThat(a.send(a.request("POST", "/admin/reload/", null)).statusCode()).isEqualTo(200);
        assertThat(a.send(a.request("GET", "/admin/status/x", null)).statusCode()).isEqualTo(404);
        assertThat(a.send(a.request("GET", "/admin/statusx", null)).statusCode()).isEqualTo(404);
    }

    // Regression (audit): SPEC section 15 refuses two Content-Type headers on any request; the admin API took them.
    @Test
    void shouldRefuseTwoContentTypeHeaders() throws Exception {
        AdminServer a = start();
        HttpResponse<String> r = a.send(a.request("PUT", "/admin/virtual-models",
                        "{\"source\":\"fast\",\"target_model\":\"gpt-5-mini\"}")
                .header("Content-Type", "application/json").header("Content-Type", "text/plain"));

        assertThat(r.statusCode()).isEqualTo(400);
        // Refused unread: the client is told the connection will not be reused.
        assertThat(r.headers().firstValue("Connection")).hasValue("close");
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"two Content-Type headers\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"invalid_request\"}}");
        assertThat(a.get("/admin/virtual-models").body()).doesNotContain("\"fast\"");
    }

    // ---- resolve for a client ------------------------------------------------------------------------

    @Test
    void shouldResolveForAClientAsExplainDoes() throws Exception {
        start("""
                identity:
                  clients:
                    - {name: alice, key_sha256: 4805d60cb37819015d8fffb916fd911836bc573c4c5963d9f1a24a543bd352d7, user_path: /acme/ml}
                virtual_models:
                  - {source: smart, target: gpt-5, user_paths: [/acme/ml]}
                admin:
                  token: %s
                reload:
                  poll_interval: 1h
                """.formatted(AdminServer.TOKEN));
        // The client's bound path wins over the one asked for, as with `explain --client`.
        HttpResponse<String> r = admin.get("/admin/resolve?model=smart&user_path=/other&client=alice");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"user_path\":\"/acme/ml\"").contains("\"redirect\":\"smart\"");
        HttpResponse<String> unknown = admin.get("/admin/resolve?model=smart&client=bob");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown client 'bob' (clients: alice)");
    }

    // ---- authentication ------------------------------------------------------------------------------

    static Stream<Arguments> endpoints() {
        return Stream.of(
                Arguments.of("GET", "/admin/virtual-models", null),
                Arguments.of("PUT", "/admin/virtual-models", "{\"source\":\"a\",\"target_model\":\"b\"}"),
                Arguments.of("DELETE", "/admin/virtual-models", "{\"source\":\"a\"}"),
                Arguments.of("GET", "/admin/resolve?model=gpt-5", null),
                Arguments.of("GET", "/admin/status", null),
                Arguments.of("POST", "/admin/reload", null),
                Arguments.of("GET", "/admin/no-such-endpoint", null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void shouldAnswer404OnEveryEndpointWhenNoTokenIsConfigured(String method, String path, String body) throws Exception {
        start(CONFIG.replace("token: " + AdminServer.TOKEN, "token: \"\""));

        for (String authorization : new String[] {null, "Bearer " + AdminServer.TOKEN, "Bearer "}) {
            var request = admin.anonymous(method, path, body);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> r = admin.send(request);

            assertThat(r.statusCode()).as(authorization).isEqualTo(404);
            assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertThat(r.body()).isEqualTo(error("not found", "not_found_error", "not_found"));
        }
        assertThat(admin.store).doesNotExist();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void shouldAnswer401WithAChallengeWithoutTheRightToken(String method, String path, String body) throws Exception {
        start();
        String[] wrong = {null, "", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + AdminServer.TOKEN + "x",
            "Bearer " + AdminServer.TOKEN.substring(1), "Basic " + AdminServer.TOKEN, AdminServer.TOKEN,
            "Bearer " + AdminServer.TOKEN.toUpperCase(java.util.Locale.ROOT)};

        for (String authorization : wrong) {
            var request = admin.anonymous(method, path, body);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> r = admin.send(request);

            assertThat(r.statusCode()).as(authorization).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"switchboard-admin\"");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    ct -> assertThat(ct).startsWith("application/json"));
            assertThat(r.body()).isEqualTo(error("missing or invalid admin token", "authentication_error",
                    "invalid_admin_token"));
        }
        assertThat(admin.store).doesNotExist();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void shouldMarkEveryAnswerAsDataThatNoCacheKeeps(String method, String path, String body) throws Exception {
        start();

        // Regression: admin answers had none of these, unlike the API answers of the filter on the same origin.
        for (HttpResponse<String> r : List.of(admin.send(admin.request(method, path, body)),
                admin.send(admin.anonymous(method, path, body)),
                admin.send(admin.request(method, path + (path.contains("?") ? "&" : "?") + "model=%3Cb%3E%20x", body)))) {
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(r.body()).hasValue("nosniff");
            assertThat(r.headers().firstValue("Content-Security-Policy"))
                    .hasValue("sandbox; default-src 'none'; frame-ancestors 'none'");
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        }
    }

    // Regression (a review): refused tokens were logged nowhere, so someone guessing them did not show.
    @Test
    void shouldLogWrongTokensAtMostOnceAMinuteWithHowManyMore() throws Exception {
        start();
        dev.switchboard.ops.LogLines lines = dev.switchboard.ops.LogLines.capture(RefusedTokens.class,
                ch.qos.logback.classic.Level.INFO);
        try (lines) {
            admin.send(admin.anonymous("GET", "/admin/virtual-models", null));
            for (int i = 0; i < 5; i++) {
                assertThat(admin.send(admin.anonymous("GET", "/admin/virtual-models", null)
                        .header("Authorization", "Bearer guess-" + i)).statusCode()).isEqualTo(401);
            }
        }

        // No token at all (a page before its sign-in) is no guess; the other four wait for the next minute's line.
        assertThat(lines.messages()).containsExactly("Switchboard admin: refused an admin API request with a wrong admin"
                + " token from 127.0.0.1 (said at most once a minute)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "Bearer   "})
    void shouldAcceptTheRightTokenWithAnyCaseOfTheScheme(String scheme) throws Exception {
        start();

        HttpResponse<String> r = admin.send(admin.anonymous("GET", "/admin/virtual-models", null)
                .header("Authorization", scheme + AdminServer.TOKEN));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(r.body()).isEqualTo("[" + MANAGED_ALIAS + "," + MANAGED_POLICY + "]");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldRefuseTwoAuthorizationHeadersWhicheverComesFirst(boolean rightFirst) throws Exception {
        // A proxy in front may keep either, or join them: two credentials are none.
        start();
        String right = "Bearer " + AdminServer.TOKEN;
        String wrong = "Bearer not-the-token";

        HttpResponse<String> r = admin.send(admin.anonymous("GET", "/admin/virtual-models", null)
                .header("Authorization", rightFirst ? right : wrong).header("Authorization", rightFirst ? wrong : right));

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Test
    void shouldNeverShowTheTokenInAnyResponse() throws Exception {
        start();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Arguments a : endpoints().toList()) {
            Object[] x = a.get();
            String method = (String) x[0];
            String path = (String) x[1];
            String body = (String) x[2];
            responses.add(admin.send(admin.request(method, path, body)));
            responses.add(admin.send(admin.anonymous(method, path, body)
                    .header("Authorization", "Bearer " + AdminServer.TOKEN + "x")));
        }
        responses.add(admin.put("{\"source\":\"t\",\"target_model\":\"" + "m\",\"oops\":\"" + "x\"}"));
        responses.add(admin.send(admin.request("PATCH", "/admin/virtual-models", null)));
        // A broken config file: its errors show in the status, never the token.
        Files.writeString(admin.config, CONFIG + "unknown_section: 1\n");
        responses.add(admin.send(admin.request("POST", "/admin/reload", null)));

        assertThat(responses).extracting(HttpResponse::statusCode).contains(200, 204, 400, 401, 404, 405);
        for (HttpResponse<String> r : responses) {
            assertThat(r.body()).doesNotContain(AdminServer.TOKEN);
            r.headers().map().forEach((name, values) -> assertThat(values).allSatisfy(
                    v -> assertThat(v).as(name).doesNotContain(AdminServer.TOKEN)));
        }
    }

    // Regression: a refusal that left the request body unread did not say "Connection: close", yet Jetty closed
    // the connection after it; a keep-alive client then sent its next request into the closed connection
    // ("header parser received no bytes"). A body declared over the 1 MiB limit is refused before a byte of it is
    // read (its client sends none here: one still sending meets the close, in Jetty, as a broken pipe).
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            PUT    | /admin/virtual-models | Bearer wrong          | 40      | 0       | 401
            DELETE | /admin/virtual-models |                       | 40      | 0       | 401
            POST   | /admin/status         | Bearer TOKEN          | 40      | 0       | 405
            GET    | /admin/nope           | Bearer TOKEN          | 40      | 0       | 404
            PUT    | /admin/virtual-models | Bearer TOKEN          | 2097152 | 0       | 413
            """)
    void shouldAnnounceTheCloseWhenItLeavesTheRequestBodyUnread(String method, String path, String authorization,
                                                               long contentLength, int sent, int status) throws Exception {
        start();
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization.replace("TOKEN", AdminServer.TOKEN) + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";

        String response;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", admin.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[sent]);
            socket.getOutputStream().flush();
            // The rest of the body never comes: the server answers and, having said so, closes.
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        assertThat(response).startsWith("HTTP/1.1 " + status + " ");
        assertThat(response.substring(0, response.indexOf("\r\n\r\n") + 2)).containsIgnoringCase("\r\nConnection: close\r\n");
        assertThat(admin.store).doesNotExist();
    }

    @Test
    void shouldKeepTheConnectionOpenAfterAWriteThatReadTheBody() throws Exception {
        start();
        String body = "{\"source\":\"a\",\"target_model\":\"m\"}";
        String request = "PUT /admin/virtual-models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + AdminServer.TOKEN + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;

        String first;
        String second;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", admin.port())) {
            socket.setSoTimeout(10_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            first = readHead(in);
            in.skip(Long.parseLong(first.replaceAll("(?s).*\r\nContent-Length: (\\d+)\r\n.*", "$1")));
            socket.getOutputStream().write(request.replace("\"a\"", "\"b\"").getBytes(StandardCharsets.US_ASCII));
            second = readHead(in);
        }

        assertThat(first).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("Connection: close");
        assertThat(second).startsWith("HTTP/1.1 200 ");
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a", "b");
    }

    private static String readHead(java.io.BufferedReader in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.append(line).append("\r\n");
        }
        return head.toString();
    }

    // ---- GET /admin/virtual-models -------------------------------------------------------------------

    @Test
    void shouldListManagedAndStoredRowsSortedBySourceWithTheirWarningsAndAnETag() throws Exception {
        Files.writeString(dir.resolve(AdminServer.STORE_NAME), """
                virtual_models:
                  - source: zz-scoped
                    targets:
                      - { model: a, weight: 3 }
                      - { model: b }
                    strategy: round_robin
                    user_paths: [acme//ml/]
                    description: A/B
                  - source: chain
                    target: managed-alias
                  - source: gated
                    user_paths: [/team]
                    enabled: false
                """);
        start();

        HttpResponse<String> r = admin.get("/admin/virtual-models");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        assertThat(r.headers().firstValue("ETag")).hasValue(etagOf(admin.store));
        assertThat(r.body()).isEqualTo("["
                + "{\"source\":\"chain\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"managed-alias\",\"weight\":1}],"
                + "\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],\"enabled\":true,\"description\":\"\",\"managed\":false,"
                + "\"warnings\":[\"'managed-alias' is also the source of a redirect; targets are not resolved again, "
                + "so 'chain' goes to the model 'managed-alias' itself\"]},"
                + "{\"source\":\"gated\",\"kind\":\"policy\",\"targets\":[],\"strategy\":null,\"fallbacks\":[],\"user_paths\":[\"/team\"],"
                + "\"enabled\":false,\"description\":\"\",\"managed\":false,"
                + "\"warnings\":[\"a disabled policy denies everyone, so these paths have no effect\"]},"
                + MANAGED_ALIAS + ","
                + MANAGED_POLICY + ","
                + "{\"source\":\"zz-scoped\",\"kind\":\"redirect\","
                + "\"targets\":[{\"model\":\"a\",\"weight\":3},{\"model\":\"b\",\"weight\":1}],"
                + "\"strategy\":\"round_robin\",\"fallbacks\":[],\"user_paths\":[\"/acme/ml\"],\"enabled\":true,\"description\":\"A/B\","
                + "\"managed\":false,\"warnings\":[]}"
                + "]");
    }

    @Test
    void shouldGiveAnAbsentStoreAnETagThatIfMatchAccepts() throws Exception {
        start();

        HttpResponse<String> list = admin.get("/admin/virtual-models");
        HttpResponse<String> put = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"fast\",\"target_model\":\"m\"}").header("If-Match", etag(list)));

        assertThat(list.headers().firstValue("ETag")).hasValue("\"absent\"");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.headers().firstValue("ETag")).hasValue(etagOf(admin.store));
    }

    @Test
    void shouldLetTheConfigFileWinOverAStoreRowOfTheSameSource() throws Exception {
        Files.writeString(dir.resolve(AdminServer.STORE_NAME), """
                virtual_models:
                  - source: managed-alias
                    target: somewhere-else
                """);
        start();
        byte[] storeBefore = Files.readAllBytes(admin.store);

        HttpResponse<String> list = admin.get("/admin/virtual-models");
        HttpResponse<String> put = admin.put("{\"source\":\"managed-alias\",\"target_model\":\"x\"}");
        HttpResponse<String> delete = admin.delete("{\"source\":\"managed-alias\"}");

        // The store's row is left out, and said so beside the config row (it would come back were that removed).
        assertThat(list.body()).isEqualTo("[" + MANAGED_ALIAS.replace("\"warnings\":[]", "\"warnings\":[\"the admin"
                + " store's row of this source (virtual-models.admin.yaml, virtual_models[0]) is left out while this row"
                + " is in the config file, and comes back when it is removed: remove it from the store\"]")
                + "," + MANAGED_POLICY + "]");
        assertThat(put.statusCode()).isEqualTo(409);
        assertThat(put.body()).isEqualTo(error("virtual model managed-alias" + MANAGED_MESSAGE, "conflict_error",
                "conflict"));
        assertThat(delete.statusCode()).isEqualTo(409);
        assertThat(delete.body()).isEqualTo(put.body());
        assertThat(Files.readAllBytes(admin.store)).isEqualTo(storeBefore);
    }

    // ---- PUT /admin/virtual-models -------------------------------------------------------------------

    @Test
    void shouldCreateARowAndWriteItToTheStore() throws Exception {
        start();

        HttpResponse<String> r = admin.put("{\"source\":\" fast \",\"target_model\":\"gpt-5-mini\","
                + "\"description\":\"quick ${HOME}\"}");

        String view = "{\"source\":\"fast\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"gpt-5-mini\",\"weight\":1}],"
                + "\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],\"enabled\":true,\"description\":\"quick ${HOME}\","
                + "\"managed\":false,\"warnings\":[]}";
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        assertThat(r.headers().firstValue("ETag")).hasValue(etagOf(admin.store));
        assertThat(r.body()).isEqualTo(view);
        assertThat(stored()).containsExactly(new VirtualModel("fast", List.of(new Target("gpt-5-mini", 1)),
                Strategy.STICKY, List.of(), true, "quick ${HOME}"));
        assertThat(admin.get("/admin/virtual-models").body())
                .isEqualTo("[" + view + "," + MANAGED_ALIAS + "," + MANAGED_POLICY + "]");
    }

    // Regression: the store was written with the JSON schema and read with the Core schema, so text that the Core
    // schema reads as null (~, Null, NULL) was written unquoted and came back as null: a target "~" made the row a
    // policy (the write failed with a message about the store file), a description "~" became "".
    @ParameterizedTest
    @ValueSource(strings = {"${HOME}", "$${HOME}", "$$${HOME}", "${", "cost: $5 # cheap", "'quoted' \"too\"", "null", "~",
        "Null", "NULL", "True", "FALSE", "0o17", "+12", ".inf", "-.Inf", ".NaN", "yes", "0x1F", "  padded  ", "two\nlines", "tab\there", "ünïcödé 😀", "- item", "[a, b]", "{a: b}", "&anchor *alias",
        "!tag", "%directive", "@at `tick`", "\\back\\slash",
        // The YAML indicators again, as names: no space in them, so they are the row's source and target too.
        "-item", "[x]", "{a:b}", "*alias", "&anchor", "a:#b", "@at`tick`", "!tag:x", "%d", "|block", ">fold", "?key"})
    void shouldStoreAnyTextExactlyAsSent(String text) throws Exception {
        start();
        String json = new String(JsonTree.write(text), StandardCharsets.UTF_8);
        // Text no request could name a model with (a space, a line break: SPEC section 15) is a description only.
        boolean name = ModelNames.problem(("a-" + text).strip()) == null;
        String source = name ? ("a-" + text).strip() : "a";
        String target = name ? text.strip() : "gpt-5";

        HttpResponse<String> r = admin.put("{\"source\":" + (name ? "\"a-" + json.substring(1) : "\"a\"")
                + ",\"target_model\":" + (name ? json : "\"gpt-5\"") + ",\"description\":" + json
                + ",\"user_paths\":[\"/team\"]}");
        admin.close();
        admin = null;
        start();

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(object(r)).containsEntry("source", source).containsEntry("description", text);
        assertThat(stored()).containsExactly(new VirtualModel(source, List.of(new Target(target, 1)),
                Strategy.STICKY, List.of("/team"), true, text));
        assertThat(admin.reloader.snapshot().stored()).isEqualTo(stored());
        assertThat(admin.get("/admin/virtual-models").body()).startsWith("[" + r.body() + ",");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"source\":\"a\",\"target_model\":5} | target_model must be a string, was a number",
        "{\"source\":\"a\",\"target_model\":true} | target_model must be a string, was a boolean",
        "{\"source\":\"a\",\"target_model\":1e400} | target_model must be a string, was a number",
        "{\"source\":\"a\",\"target_model\":\"m\",\"user_paths\":[1]} | user_paths[0] must be a string, was a number",
        "{\"source\":\"a\",\"target_model\":\"m\",\"fallbacks\":[false]} | fallbacks[0] must be a string, was a boolean",
        "{\"source\":\"a\",\"targets\":[{\"model\":7}]} | targets[0].model must be a string, was a number",
        "{\"source\":\"a\",\"targets\":[\"m\",[\"n\"]]} | targets[1] must be a string, was a list",
        "{\"old_source\":5,\"source\":\"a\",\"target_model\":\"m\"} | old_source must be a string, was a number",
        "{\"source\":1,\"target_model\":\"m\"} | source must be a string, was a number",
        "{\"source\":\"a\",\"target_model\":\"m\",\"enabled\":\"true\"} | enabled must be true or false, was a string",
        "{\"source\":\"a\",\"target_model\":\"m\",\"description\":{}} | description must be a string, was an object",
    })
    void shouldRefuseAFieldOfTheWrongJsonTypeAndWriteNothing(String body, String message) throws Exception {
        // YAML reads `target: 5` as the name "5"; JSON says which is a number, and a number is no model's name.
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error(message, "invalid_request_error",
                "invalid_virtual_model"));
        assertThat(admin.store).as("nothing written").doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"source\":\"a\",\"target_model\":\"m\",\"description\":\"lone \\ud800 high\"} | description",
        "{\"source\":\"a\",\"target_model\":\"m\",\"user_paths\":[\"/team\\ud800-x\"]} | user_paths[0]",
        "{\"source\":\"a\",\"target_model\":\"m\",\"description\":\"low \\udc00\"} | description",
    })
    void shouldRefuseHalfASurrogatePairAndWriteNothing(String body, String path) throws Exception {
        // The store is UTF-8: half a character cannot be written, and was written as another (a user path that names
        // another scope).
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains(path + ": holds half of a UTF-16 surrogate pair, which is no text");
        assertThat(admin.store).as("nothing written").doesNotExist();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\",\"description\":\"pair \\ud83d\\ude00\"}")
                .statusCode()).as("a whole pair is text").isEqualTo(200);
    }

    @Test
    void shouldNameTheApisOwnKeysWhenAPutHasOneItDoesNotKnow() throws Exception {
        start();

        HttpResponse<String> r = admin.put("{\"source\":\"a\",\"target_modle\":\"m\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("target_modle: unknown key (did you mean 'target_model'?); expected one of: "
                + "source, old_source, target, target_model, targets, strategy, fallbacks, user_paths, enabled, "
                + "description");
        assertThat(admin.store).as("nothing written").doesNotExist();
    }

    @Test
    void shouldRefuseADeleteWithAKeyItDoesNotKnow() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> r = admin.delete("{\"source\":\"a\",\"target_model\":\"m\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("unknown key 'target_model'");
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a");
    }

    @Test
    void shouldReplaceTheWholeEntry() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"ab\",\"targets\":[{\"model\":\"a\",\"weight\":2},{\"model\":\"b\"}],"
                + "\"strategy\":\"round_robin\",\"fallbacks\":[],\"user_paths\":[\"/team\"],\"description\":\"A/B\"}").statusCode())
                .isEqualTo(200);

        HttpResponse<String> r = admin.put("{\"source\":\"ab\",\"target_model\":\"c\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"source\":\"ab\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"c\",\"weight\":1}],"
                + "\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],\"enabled\":true,\"description\":\"\",\"managed\":false,"
                + "\"warnings\":[]}");
        assertThat(stored()).containsExactly(new VirtualModel("ab", List.of(new Target("c", 1)), Strategy.STICKY,
                List.of(), true, ""));
    }

    @Test
    void shouldKeepTheStoredEnabledFlagWhenEnabledIsOmitted() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"x\",\"target_model\":\"m\",\"enabled\":false}").statusCode()).isEqualTo(200);

        HttpResponse<String> omitted = admin.put("{\"source\":\"x\",\"target_model\":\"n\"}");
        List<VirtualModel> afterOmitted = stored();
        HttpResponse<String> nullEnabled = admin.put("{\"source\":\"x\",\"target_model\":\"n\",\"enabled\":null}");
        HttpResponse<String> enabled = admin.put("{\"source\":\"x\",\"target_model\":\"n\",\"enabled\":true}");
        HttpResponse<String> omittedAgain = admin.put("{\"source\":\"x\",\"target_model\":\"o\"}");

        assertThat(omitted.body()).contains("\"targets\":[{\"model\":\"n\",\"weight\":1}]").contains("\"enabled\":false");
        assertThat(afterOmitted).extracting(VirtualModel::enabled).containsExactly(false);
        assertThat(nullEnabled.body()).contains("\"enabled\":false");
        assertThat(enabled.body()).contains("\"enabled\":true");
        assertThat(omittedAgain.body()).contains("\"enabled\":true");
        assertThat(stored()).containsExactly(new VirtualModel("x", List.of(new Target("o", 1)), Strategy.STICKY,
                List.of(), true, ""));
    }

    @Test
    void shouldSwitchARowBetweenRedirectAndPolicy() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"sw\",\"target_model\":\"m\",\"strategy\":\"round_robin\"}").statusCode())
                .isEqualTo(200);

        HttpResponse<String> policy = admin.put("{\"source\":\"sw\",\"user_paths\":[\"/acme/ml\"]}");
        List<VirtualModel> asPolicy = stored();
        HttpResponse<String> redirect = admin.put("{\"source\":\"sw\",\"targets\":[{\"model\":\"p\",\"weight\":5},"
                + "{\"model\":\"q\",\"weight\":1}]}");

        assertThat(policy.statusCode()).isEqualTo(200);
        assertThat(policy.body()).isEqualTo("{\"source\":\"sw\",\"kind\":\"policy\",\"targets\":[],\"strategy\":null,\"fallbacks\":[],"
                + "\"user_paths\":[\"/acme/ml\"],\"enabled\":true,\"description\":\"\",\"managed\":false,\"warnings\":[]}");
        assertThat(asPolicy).containsExactly(new VirtualModel("sw", List.of(), null, List.of("/acme/ml"), true, ""));
        assertThat(redirect.statusCode()).isEqualTo(200);
        assertThat(redirect.body()).isEqualTo("{\"source\":\"sw\",\"kind\":\"redirect\","
                + "\"targets\":[{\"model\":\"p\",\"weight\":5},{\"model\":\"q\",\"weight\":1}],\"strategy\":\"sticky\",\"fallbacks\":[],"
                + "\"user_paths\":[],\"enabled\":true,\"description\":\"\",\"managed\":false,\"warnings\":[]}");
        assertThat(stored()).containsExactly(new VirtualModel("sw", List.of(new Target("p", 5), new Target("q", 1)),
                Strategy.STICKY, List.of(), true, ""));
    }

    @Test
    void shouldRenameKeepingTheDisabledFlag() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"old\",\"target_model\":\"m\",\"enabled\":false}").statusCode()).isEqualTo(200);
        assertThat(admin.put("{\"source\":\"other\",\"target_model\":\"o\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> r = admin.put("{\"source\":\"new\",\"old_source\":\"old\",\"target_model\":\"m2\"}");

        String view = "{\"source\":\"new\",\"kind\":\"redirect\",\"targets\":[{\"model\":\"m2\",\"weight\":1}],"
                + "\"strategy\":\"sticky\",\"fallbacks\":[],\"user_paths\":[],\"enabled\":false,\"description\":\"\",\"managed\":false,"
                + "\"warnings\":[]}";
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(view);
        assertThat(stored()).extracting(VirtualModel::source).containsExactlyInAnyOrder("new", "other");
        assertThat(stored()).contains(new VirtualModel("new", List.of(new Target("m2", 1)), Strategy.STICKY, List.of(),
                false, ""));
        assertThat(admin.get("/admin/virtual-models").body()).startsWith("[" + MANAGED_ALIAS + "," + view + ",")
                .doesNotContain("\"old\"");
    }

    @Test
    void shouldRefuseARenameOntoAnExistingSourceAndKeepBothRows() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"ma\"}").statusCode()).isEqualTo(200);
        assertThat(admin.put("{\"source\":\"b\",\"target_model\":\"mb\"}").statusCode()).isEqualTo(200);
        byte[] storeBefore = Files.readAllBytes(admin.store);
        String listBefore = admin.get("/admin/virtual-models").body();

        HttpResponse<String> r = admin.put("{\"source\":\"b\",\"old_source\":\"a\",\"target_model\":\"z\"}");

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(error("virtual model b already exists", "conflict_error", "conflict"));
        assertThat(Files.readAllBytes(admin.store)).isEqualTo(storeBefore);
        assertThat(admin.get("/admin/virtual-models").body()).isEqualTo(listBefore).contains("\"ma\"", "\"mb\"");
    }

    @Test
    void shouldAnswer404ForARenameOfAMissingSource() throws Exception {
        start();

        HttpResponse<String> r = admin.put("{\"source\":\"new\",\"old_source\":\"ghost\",\"target_model\":\"m\"}");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo(error("virtual model not found: ghost", "not_found_error",
                "virtual_model_not_found"));
        assertThat(admin.store).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"source":"managed-alias","target_model":"x"}                         | managed-alias
            {"source":"openai/o3-pro","enabled":true}                             | openai/o3-pro
            {"source":"mine","old_source":"managed-alias","target_model":"gpt-5"} | managed-alias
            """)
    void shouldRefuseToWriteAManagedSource(String body, String managed) throws Exception {
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(error("virtual model " + managed + MANAGED_MESSAGE, "conflict_error", "conflict"));
        assertThat(admin.store).doesNotExist();
    }

    static Stream<Arguments> invalidRows() {
        return Stream.of(
                Arguments.of("{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":-1}]}",
                        "targets[0].weight: must be > 0, was -1"),
                Arguments.of("{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":0}]}",
                        "targets[0].weight: must be > 0, was 0"),
                Arguments.of("{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":1.5}]}",
                        "targets[0].weight: must be a positive integer, was 1.5"),
                Arguments.of("{\"source\":\"x\",\"target_model\":\"x\"}",
                        "target: virtual model 'x' cannot target itself"),
                Arguments.of("{\"source\":\"x\",\"targets\":[{\"model\":\"a\"},{\"model\":\"x\"}]}",
                        "targets[1].model: virtual model 'x' cannot target itself"),
                Arguments.of("{\"source\":\"x\",\"user_paths\":[\"/acme/../root\"]}",
                        "user_paths[0]: invalid user path \"/acme/../root\": '..' segments are not allowed"),
                Arguments.of("{\"source\":\"x\",\"user_paths\":[\"/a:b\"]}",
                        "user_paths[0]: invalid user path \"/a:b\": ':' is not allowed"),
                Arguments.of("{\"source\":\"x\",\"targets\":[]}",
                        "targets: targets must contain at least one model"),
                // Regression: stored by the file store, a 500 with SQL text from PostgreSQL (text cannot hold it).
                Arguments.of("{\"source\":\"x\",\"target_model\":\"a\",\"description\":\"a\\u0000b\"}",
                        "description: must not contain a NUL character (U+0000)"),
                Arguments.of("{\"source\":\"x\",\"targets\":[{\"model\":\"a\"},{\"model\":\"a\"}]}",
                        "targets[1].model: duplicate target: a"),
                Arguments.of("{\"source\":\"x\",\"target_model\":\"a\",\"strategy\":\"random\"}",
                        "strategy: must be sticky, round_robin or failover, was \"random\""),
                Arguments.of("{\"source\":\"x\",\"user_paths\":[\"/a\"],\"strategy\":\"sticky\"}",
                        "strategy: only a redirect has a strategy; this entry has no target, so it is an access policy"),
                Arguments.of("{\"source\":\"x\",\"target_model\":\"  \"}", "target: must not be empty"),
                Arguments.of("{}", "source is required"),
                Arguments.of("{\"source\":\"  \",\"target_model\":\"a\"}", "source is required"),
                Arguments.of("{\"source\":7,\"target_model\":\"a\"}", "source must be a string, was a number"),
                // Regression: target_model won and target was dropped, with a 200 (and a null target_model made a policy).
                Arguments.of("{\"source\":\"x\",\"target_model\":\"a\",\"target\":\"b\"}",
                        "(document): has both 'target_model' and 'target'; use one"),
                Arguments.of("{\"source\":\"x\",\"target_model\":null,\"target\":\"b\"}",
                        "(document): has both 'target_model' and 'target'; use one"),
                // Names a request could not carry (SPEC section 15): a policy that would match no request, a target an
                // upstream could read as another model, a line break that would forge log lines in a warning.
                Arguments.of("{\"source\":\"openai/gpt-4o\\u00a0\",\"enabled\":false}", "source: model names may not "
                        + "contain spaces, control or invisible characters, or commas, was \"openai/gpt-4o\\u00a0\""),
                Arguments.of("{\"source\":\"x\",\"target_model\":\"gpt-5\\r\\n10:00:00.000 ERROR forged\"}", "target: model "
                        + "names may not contain spaces, control or invisible characters, or commas, was "
                        + "\"gpt-5\\r\\n10:00:00.000 ERROR forged\""),
                Arguments.of("{\"source\":\"x\",\"target_model\":\"a\",\"fallbacks\":[\"gpt-5,o3-pro\"]}", "fallbacks[0]: "
                        + "model names may not contain spaces, control or invisible characters, or commas, was "
                        + "\"gpt-5,o3-pro\""));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidRows")
    void shouldRejectAnInvalidRowWithTheValidateMessageAndWriteNothing(String body, String message) throws Exception {
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error(message, "invalid_request_error", "invalid_virtual_model"));
        assertThat(admin.store).doesNotExist();
        assertThat(admin.get("/admin/virtual-models").body()).isEqualTo("[" + MANAGED_ALIAS + "," + MANAGED_POLICY + "]");
    }

    @Test
    void shouldGiveTheMessageValidateGivesForTheSameRowInTheConfigFile() throws Exception {
        start();
        String yamlError = "";
        try {
            new ConfigLoader(n -> null).parse("""
                    virtual_models:
                      - source: x
                        targets:
                          - { model: a, weight: -1 }
                        user_paths: [/a/./b]
                    """);
        } catch (InvalidConfigException e) {
            yamlError = String.join("; ", e.errors());
        }

        HttpResponse<String> r = admin.put("{\"source\":\"x\",\"targets\":[{\"model\":\"a\",\"weight\":-1}],"
                + "\"user_paths\":[\"/a/./b\"]}");

        assertThat(yamlError).isEqualTo("virtual_models[0].targets[0].weight: must be > 0, was -1 (line 4); "
                + "virtual_models[0].user_paths[0]: invalid user path \"/a/./b\": '.' segments are not allowed (line 5)");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("targets[0].weight: must be > 0, was -1; "
                + "user_paths[0]: invalid user path \"/a/./b\": '.' segments are not allowed",
                "invalid_request_error", "invalid_virtual_model"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[{\"source\":\"a\"}]", "\"a\"", "{\"source\":\"a\"", "{\"source\":\"a\"} {}",
        "{\"source\":\"a\",\"x\":DEEP}"})
    void shouldRejectABodyThatIsNotAJsonObject(String template) throws Exception {
        // DEEP: 70 nested lists, past the 64 levels any admin body is read to (a probe read "must be a JSON object").
        String body = template.replace("DEEP", "[".repeat(70) + "]".repeat(70));
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("request body must be a JSON object, nested at most 64 deep", "invalid_request_error",
                "invalid_virtual_model"));
        assertThat(admin.store).doesNotExist();
    }

    // Regression: the last copy of a key was taken (Python and Go readers agree, others keep the first), and answered 200.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"source":"a","target_model":"m","source":"b"}                                 | source
            {"source":"a","target_model":"m","sour\\u0063e":"b"}                           | source
            {"source":"a","source":"a","target_model":"m"}                                 | source
            {"source":"a","targets":[{"model":"m","model":"n"}]}                           | targets[0].model
            {"source":"a","targets":[{"model":"m"},{"model":"n","weight":1,"weight":3}]}   | targets[1].weight
            {"source":"a","user_paths":["/x"],"user_paths":[]}                             | user_paths
            {"source":"a\\n","targets":[{"model":"m","\\u2028":1,"\\u2028":2}]}               | targets[0].\\u2028
            """)
    void shouldRejectAKeySentTwiceNamingItAndWriteNothing(String body, String key) throws Exception {
        start();

        HttpResponse<String> r = admin.put(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        assertThat(r.body()).isEqualTo(error(key + ": appears more than once in the request body", "invalid_request_error",
                "invalid_virtual_model"));
        assertThat(admin.store).doesNotExist();
    }

    @Test
    void shouldRejectADeleteWhoseSourceIsSentTwiceAndDeleteNothing() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        assertThat(admin.put("{\"source\":\"b\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> r = admin.delete("{\"source\":\"a\",\"source\":\"b\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("source: appears more than once in the request body",
                "invalid_request_error", "invalid_virtual_model"));
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a", "b");
    }

    @Test
    void shouldAcceptAWriteWithTheCurrentETag() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String etag = etag(admin.get("/admin/virtual-models"));

        HttpResponse<String> r = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"b\",\"target_model\":\"m\"}").header("If-Match", etag));

        assertThat(etag).isNotEqualTo("\"absent\"");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("ETag")).hasValue(etagOf(admin.store)).isNotEqualTo(java.util.Optional.of(etag));
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a", "b");
    }

    @Test
    void shouldReadEveryIfMatchHeaderAsOneList() throws Exception {
        // RFC 9110: If-Match sent twice is one list, and any ETag in it that matches lets the write through. The
        // first header alone decided before.
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String stale = etag(admin.get("/admin/virtual-models"));
        assertThat(admin.put("{\"source\":\"b\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String current = etag(admin.get("/admin/virtual-models"));

        HttpResponse<String> staleTwice = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"c\",\"target_model\":\"m\"}").header("If-Match", stale).header("If-Match", "\"other\""));
        HttpResponse<String> currentSecond = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"d\",\"target_model\":\"m\"}").header("If-Match", stale).header("If-Match", current));

        assertThat(staleTwice.statusCode()).isEqualTo(412);
        assertThat(currentSecond.statusCode()).isEqualTo(200);
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a", "b", "d");
    }

    @Test
    void shouldRefuseAWriteWithAStaleETagAndWriteNothing() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String stale = etag(admin.get("/admin/virtual-models"));
        assertThat(admin.put("{\"source\":\"b\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        byte[] storeBefore = Files.readAllBytes(admin.store);

        HttpResponse<String> put = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"c\",\"target_model\":\"m\"}").header("If-Match", stale));
        HttpResponse<String> delete = admin.send(admin.request("DELETE", "/admin/virtual-models",
                "{\"source\":\"a\"}").header("If-Match", stale));

        String expected = error("the admin store changed since it was read (If-Match " + stale + ")",
                "precondition_failed", "stale_etag");
        assertThat(put.statusCode()).isEqualTo(412);
        assertThat(put.body()).isEqualTo(expected);
        assertThat(delete.statusCode()).isEqualTo(412);
        assertThat(delete.body()).isEqualTo(expected);
        assertThat(Files.readAllBytes(admin.store)).isEqualTo(storeBefore);
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("a", "b");
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "c", Caller.ANONYMOUS, Picker.create()).redirect()).isNull();
    }

    @Test
    void shouldRefuseAStaleETagAfterAHandEditOfTheStore() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String etag = etag(admin.get("/admin/virtual-models"));
        String handEdit = """
                virtual_models:
                  - source: by-hand
                    target: m
                """;
        Files.writeString(admin.store, handEdit);

        HttpResponse<String> r = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"b\",\"target_model\":\"m\"}").header("If-Match", etag));

        assertThat(r.statusCode()).isEqualTo(412);
        assertThat(Files.readString(admin.store)).isEqualTo(handEdit);
        assertThat(admin.get("/admin/virtual-models").body()).startsWith("[{\"source\":\"by-hand\",")
                .doesNotContain("\"source\":\"a\"", "\"source\":\"b\"");
    }

    // Regression: If-Match was compared with the last store that loaded, so a hand edit that does not load was
    // not a change: the conditional write passed and replaced the edit.
    @Test
    void shouldSayWhyNotRatherThanStaleWhenAHandEditDoesNotLoad() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        String etag = etag(admin.get("/admin/virtual-models"));
        String handEdit = """
                virtual_models:
                  - source: by-hand
                    targte: m
                """;
        Files.writeString(admin.store, handEdit);

        HttpResponse<String> r = admin.send(admin.request("PUT", "/admin/virtual-models",
                "{\"source\":\"b\",\"target_model\":\"m\"}").header("If-Match", etag));

        // Not 412: the listing would give the client this very ETag again (the node serves its last good rows), and
        // every save would meet the 412 again. The node says why it cannot write, as it does without If-Match.
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("\"code\":\"conflict\"", "this node cannot apply the admin store as it is now: ",
                "targte", "nothing was written");
        assertThat(etag(admin.get("/admin/virtual-models"))).isEqualTo(etag);
        assertThat(Files.readString(admin.store)).isEqualTo(handEdit);
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "b", Caller.ANONYMOUS, Picker.create()).redirect()).isNull();
    }

    @Test
    void shouldRejectABodyLargerThanOneMebibyte() throws Exception {
        start();
        // One byte over, sent chunked so that only reading it finds that out (a declared length over the limit is
        // refused unread: shouldAnnounceTheCloseWhenItLeavesTheRequestBodyUnread). Sent with its length, the client
        // raced the close that follows an unread body, and lost under load ("header parser received no bytes").
        String head = "{\"source\":\"big\",\"description\":\"";
        String body = head + "x".repeat(1024 * 1024 + 1 - head.length() - 2) + "\"}";

        HttpResponse<String> r = admin.send(admin.request("PUT", "/admin/virtual-models", null).PUT(
                java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                        java.net.http.HttpRequest.BodyPublishers.ofString(body))));

        assertThat(body).hasSize(1024 * 1024 + 1);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).isEqualTo(error("request body is larger than 1048576 bytes", "invalid_request_error",
                "request_too_large"));
        assertThat(admin.store).doesNotExist();
    }

    // Regression (probe): a policy one name apart in case from a stored one was stored (200), and the spelling a
    // caller sent chose between the deny and the allow.
    @Test
    void shouldRefuseAPolicyThatDiffersFromAStoredOneOnlyInCase() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"up/secret\",\"enabled\":false}").statusCode()).isEqualTo(200);
        String before = Files.readString(admin.store);

        HttpResponse<String> r = admin.put("{\"source\":\"up/SECRET\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"invalid_virtual_model\"", "'up/secret'", "'up/SECRET'", "only in case");
        assertThat(Files.readString(admin.store)).isEqualTo(before);
    }

    @Test
    void shouldMakeTheNewRulesLiveOnThisNodeWhenThePutAnswers() throws Exception {
        start();
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "fresh", Caller.ANONYMOUS, Picker.create()).redirect()).isNull();

        HttpResponse<String> r = admin.put("{\"source\":\"fresh\",\"target_model\":\"gpt-5-mini\"}");
        Decision d = Resolver.resolve(admin.reloader.get().rules(), "fresh", Caller.ANONYMOUS, Picker.create());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(d.redirect()).isEqualTo("fresh");
        assertThat(d.concrete()).isEqualTo("gpt-5-mini");
        assertThat(d.allowed()).isTrue();
    }

    // ---- DELETE /admin/virtual-models ----------------------------------------------------------------

    @Test
    void shouldDeleteAStoredRow() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        assertThat(admin.put("{\"source\":\"b\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> r = admin.delete("{\"source\":\"a\"}");

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("ETag")).hasValue(etagOf(admin.store));
        assertThat(stored()).extracting(VirtualModel::source).containsExactly("b");
        assertThat(admin.get("/admin/virtual-models").body()).doesNotContain("\"source\":\"a\"")
                .contains("\"source\":\"b\"");
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "a", Caller.ANONYMOUS, Picker.create()).redirect()).isNull();
    }

    @Test
    void shouldAnswer404ForADeleteOfAMissingRow() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);
        byte[] storeBefore = Files.readAllBytes(admin.store);

        HttpResponse<String> r = admin.delete("{\"source\":\"X\"}");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo(error("virtual model not found: X", "not_found_error", "virtual_model_not_found"));
        assertThat(Files.readAllBytes(admin.store)).isEqualTo(storeBefore);
    }

    @Test
    void shouldRefuseToDeleteAManagedRow() throws Exception {
        start();

        HttpResponse<String> r = admin.delete("{\"source\":\"managed-alias\"}");

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(error("virtual model managed-alias" + MANAGED_MESSAGE, "conflict_error", "conflict"));
        assertThat(admin.store).doesNotExist();
        assertThat(admin.get("/admin/virtual-models").body()).isEqualTo("[" + MANAGED_ALIAS + "," + MANAGED_POLICY + "]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"source\":\" \"}", "not json"})
    void shouldRejectADeleteWithoutASource(String body) throws Exception {
        start();

        HttpResponse<String> r = admin.delete(body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error(body.startsWith("{") ? "source is required" : "request body must be a JSON object, nested at most 64 deep",
                "invalid_request_error", "invalid_virtual_model"));
    }

    // ---- GET /admin/resolve --------------------------------------------------------------------------

    @Test
    void shouldExplainARedirectedDecisionStepByStep() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"fast\",\"target_model\":\"gpt-5-mini\",\"user_paths\":[\"/acme\"]}")
                .statusCode()).isEqualTo(200);

        HttpResponse<String> r = admin.get("/admin/resolve?model=fast&user_path=acme//ml/");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"requested\":\"fast\",\"user_path\":\"/acme/ml\",\"redirect\":\"fast\","
                + "\"target\":\"gpt-5-mini\",\"concrete\":\"gpt-5-mini\",\"provider\":null,\"upstream_model\":\"gpt-5-mini\","
                + "\"allowed\":true,\"outcome\":\"allowed\",\"policy\":null,"
                + "\"reason\":\"no access policy matches 'gpt-5-mini'; models.enabled_by_default is true\","
                + "\"steps\":[\"redirect: 'fast' -> 'gpt-5-mini'\","
                + "\"provider: none declared (bare filter); the model is forwarded as written\","
                + "\"access: no access policy matches 'gpt-5-mini'; models.enabled_by_default is true\"],"
                + "\"candidates\":[{\"model\":\"gpt-5-mini\",\"role\":\"target\",\"provider\":null,\"upstream_model\":\"gpt-5-mini\","
                + "\"allowed\":true,\"outcome\":\"allowed\",\"policy\":null,"
                + "\"reason\":\"no access policy matches 'gpt-5-mini'; models.enabled_by_default is true\"}]}");
    }

    @Test
    void shouldExplainADecisionWithoutAPathAndADisablingPolicy() throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/resolve?model=openai/o3-pro");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"requested\":\"openai/o3-pro\",\"user_path\":null,\"redirect\":null,"
                + "\"target\":null,\"concrete\":\"openai/o3-pro\",\"provider\":null,\"upstream_model\":\"openai/o3-pro\","
                + "\"allowed\":false,\"outcome\":\"disabled\",\"policy\":\"openai/o3-pro\","
                + "\"reason\":\"policy 'openai/o3-pro' disables 'openai/o3-pro' for everyone\","
                + "\"steps\":[\"redirect: none has source 'openai/o3-pro'\","
                + "\"provider: none declared (bare filter); the model is forwarded as written\","
                + "\"access: policy 'openai/o3-pro' disables 'openai/o3-pro' for everyone\"],"
                + "\"candidates\":[{\"model\":\"openai/o3-pro\",\"role\":\"target\",\"provider\":null,\"upstream_model\":\"openai/o3-pro\","
                + "\"allowed\":false,\"outcome\":\"disabled\",\"policy\":\"openai/o3-pro\","
                + "\"reason\":\"policy 'openai/o3-pro' disables 'openai/o3-pro' for everyone\"}]}");
    }

    @Test
    void shouldReadTheLiveRotationOnResolveWithoutAdvancingIt() throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"rr\",\"targets\":[{\"model\":\"a\"},{\"model\":\"b\"}],"
                + "\"strategy\":\"round_robin\"}").statusCode()).isEqualTo(200);
        Picker live = admin.reloader.picker();

        List<Object> explained = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            explained.add(object(admin.get("/admin/resolve?model=rr")).get("target"));
        }
        String taken = Resolver.resolve(admin.reloader.get().rules(), "rr", Caller.ANONYMOUS, live).target();
        Object next = object(admin.get("/admin/resolve?model=rr")).get("target");

        assertThat(explained).containsExactly("a", "a", "a");
        assertThat(taken).isEqualTo("a");
        // The node's own rotation, not one of the servlet's: after live traffic took "a", "b" is next.
        assertThat(next).isEqualTo("b");
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "rr", Caller.ANONYMOUS, live).target()).isEqualTo("b");
    }

    // Regression: the first of two values was explained, while a reader of the other saw another decision.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "model=fast&model=gpt-5|model",
        "model=fast&user_path=/acme&user_path=/other|user_path",
        "model=fast&client=a&client=b|client",
    })
    void shouldRefuseAQueryParameterGivenTwiceOnResolve(String query, String name) throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/resolve?" + query);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("query parameter '" + name + "' was given more than once",
                "invalid_request_error", "invalid_request"));
    }

    @Test
    void shouldRejectAnInvalidUserPathOnResolve() throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/resolve?model=fast&user_path=/acme/../root");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("invalid user path: '..' segments are not allowed", "invalid_request_error",
                "invalid_user_path"));
    }

    // Regression: these were explained as allowed, while a request naming them gets this 400.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gpt%0A5|model names may not contain spaces, control or invisible characters, or commas",
        "gpt%205|model names may not contain spaces, control or invisible characters, or commas",
        "gpt-5,o3-pro|model names may not contain spaces, control or invisible characters, or commas",
        "gpt-5%E2%80%8B|model names may not contain spaces, control or invisible characters, or commas",
        "openai/o3-pro%00|model names may not contain spaces, control or invisible characters, or commas",
        "openai/gpt-5%3Fx|a model name sent upstream as written may not contain %, ?, #, ; or a backslash (an upstream"
            + " may put it in a URL path)",
        "%C2%A0|model must be a non-empty string",
        "%EF%BB%BF|model must be a non-empty string",
        "%C2%85%E2%80%A8|model must be a non-empty string"})
    void shouldAnswerOnResolveAsARequestIsAnsweredForANameTheGatewayRefuses(String model, String message) throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/resolve?model=" + model);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"" + message
                + "\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"invalid_model\"}}");
    }

    @Test
    void shouldAnswerOnResolveAsARequestIsAnsweredForANameTooLong() throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/resolve?model=" + "m".repeat(257));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"model names are at most 256 characters\","
                + "\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"invalid_model\"}}");
        assertThat(admin.get("/admin/resolve?model=" + "m".repeat(256)).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin/resolve", "/admin/resolve?user_path=/acme", "/admin/resolve?model=%20"})
    void shouldRequireAModelOnResolve(String path) throws Exception {
        start();

        HttpResponse<String> r = admin.get(path);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(error("model is required", "invalid_request_error", "invalid_virtual_model"));
    }

    // ---- status and reload ---------------------------------------------------------------------------

    @Test
    void shouldReportVersionFilesLoadTimeAndCounts() throws Exception {
        Instant before = Instant.now();
        start();
        Instant after = Instant.now();

        HttpResponse<String> r = admin.get("/admin/status");

        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> status = object(r);
        assertThat(status).containsOnlyKeys("version", "config_version", "files", "store", "loaded_at",
                "last_reload_error", "counts", "warnings", "circuit_breakers");
        assertThat(r.body()).startsWith("{\"version\":\"" + System.getProperty("switchboard.version") + "\",\"config_version\":");
        assertThat((String) status.get("config_version")).matches("[0-9a-f]{64}");
        assertThat(Instant.parse((String) status.get("loaded_at"))).isBetween(before, after);
        @SuppressWarnings("unchecked")
        Map<String, Object> store = (Map<String, Object>) status.get("store");
        assertThat(Instant.parse((String) store.get("last_sync"))).isBetween(before, after);
        assertThat(r.body()).contains("\"files\":[{\"path\":" + quote(admin.config.toString()) + ",\"sha256\":\""
                        + sha256(Files.readAllBytes(admin.config)) + "\",\"exists\":true},"
                        + "{\"path\":" + quote(admin.store.toString()) + ",\"sha256\":null,\"exists\":false}],")
                .contains("\"store\":{\"kind\":\"file\",\"location\":" + quote(admin.store.toString())
                        + ",\"revision\":\"absent\",\"last_sync\":\"")
                .contains("\"last_reload_error\":null,")
                .endsWith("\"counts\":{\"virtual_models\":2,\"redirects\":1,\"policies\":1,\"managed\":2,\"stored\":0,"
                        + "\"providers\":0},\"warnings\":[],\"circuit_breakers\":[]}");

        HttpResponse<String> put = admin.put("{\"source\":\"fast\",\"user_paths\":[\"/x\"]}");
        HttpResponse<String> afterWrite = admin.get("/admin/status");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat((String) object(afterWrite).get("config_version")).matches("[0-9a-f]{64}")
                .isNotEqualTo(status.get("config_version"));
        assertThat(afterWrite.body()).contains("{\"path\":" + quote(admin.store.toString()) + ",\"sha256\":\""
                        + sha256(Files.readAllBytes(admin.store)) + "\",\"exists\":true}")
                .contains("\"store\":{\"kind\":\"file\",\"location\":" + quote(admin.store.toString())
                        + ",\"revision\":\"" + sha256(Files.readAllBytes(admin.store)) + "\",\"last_sync\":\"")
                .contains("\"counts\":{\"virtual_models\":3,\"redirects\":1,\"policies\":2,\"managed\":2,\"stored\":1,"
                        + "\"providers\":0}");
    }

    // Regression (probe): a database down made POST /admin/reload answer 422, which says the files are invalid.
    @Test
    void shouldAnswer503ToAReloadThatCannotReadTheStore() throws Exception {
        start();
        Files.deleteIfExists(admin.store);
        Files.createDirectory(admin.store);

        HttpResponse<String> reload = admin.send(admin.request("POST", "/admin/reload", null));

        assertThat(reload.statusCode()).isEqualTo(503);
        assertThat(map(object(reload).get("last_reload_error")).get("errors"))
                .isEqualTo(List.of(admin.store + ": is a directory, not an admin store file"));
        Files.delete(admin.store);
        assertThat(admin.send(admin.request("POST", "/admin/reload", null)).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReportAReloadErrorWhenTheConfigBreaksAndClearItWhenFixed() throws Exception {
        start();
        String version = (String) object(admin.get("/admin/status")).get("config_version");
        Files.writeString(admin.config, CONFIG.replace("target: gpt-5", "target: managed-alias"));

        HttpResponse<String> reload = admin.send(admin.request("POST", "/admin/reload", ""));
        HttpResponse<String> status = admin.get("/admin/status");

        assertThat(reload.statusCode()).isEqualTo(422);
        assertThat(reload.body()).isEqualTo(status.body());
        Map<String, Object> s = object(reload);
        assertThat(s.get("config_version")).isEqualTo(version);
        assertThat(s.get("last_reload_error")).isInstanceOf(Map.class);
        Map<String, Object> e = map(s.get("last_reload_error"));
        assertThat(e).containsOnlyKeys("at", "errors");
        assertThat(Instant.parse((String) e.get("at"))).isBeforeOrEqualTo(Instant.now());
        assertThat(e.get("errors")).isEqualTo(
                List.of("virtual_models[0].target: virtual model 'managed-alias' cannot target itself (line 3)"));
        // The last good rules stay in use.
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "managed-alias", Caller.ANONYMOUS, Picker.create()).concrete())
                .isEqualTo("gpt-5");

        Files.writeString(admin.config, CONFIG.replace("target: gpt-5", "target: gpt-5.1"));
        HttpResponse<String> fixed = admin.send(admin.request("POST", "/admin/reload", null));

        assertThat(fixed.statusCode()).isEqualTo(200);
        assertThat(object(fixed).get("last_reload_error")).isNull();
        assertThat(object(fixed).get("config_version")).isNotEqualTo(version);
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "managed-alias", Caller.ANONYMOUS, Picker.create()).concrete())
                .isEqualTo("gpt-5.1");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            POST    | /admin/virtual-models | GET, HEAD, PUT, DELETE | GET, PUT, DELETE
            PATCH   | /admin/virtual-models | GET, HEAD, PUT, DELETE | GET, PUT, DELETE
            POST    | /admin/resolve        | GET, HEAD              | GET
            PUT     | /admin/status         | GET, HEAD              | GET
            DELETE  | /admin/status         | GET, HEAD              | GET
            GET     | /admin/reload         | POST                   | POST
            HEAD    | /admin/reload         | POST                   | POST
            PUT     | /admin/reload         | POST                   | POST
            """)
    void shouldAnswer405WithAllowForAWrongMethod(String method, String path, String allow, String use) throws Exception {
        start();

        HttpResponse<String> r = admin.send(admin.request(method, path, null));

        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue(allow);
        assertThat(r.body()).isEqualTo(method.equals("HEAD") ? ""
                : error("method not allowed; use " + use, "invalid_request_error", "method_not_allowed"));
        assertThat(admin.store).doesNotExist();
    }

    @Test
    void shouldAnswer404ForAnUnknownAdminEndpoint() throws Exception {
        start();

        HttpResponse<String> r = admin.get("/admin/virtual-models/extra");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo(error("no admin endpoint /virtual-models/extra", "not_found_error", "not_found"));
    }

    // ---- HEAD ----------------------------------------------------------------------------------------

    // Regression: HEAD was 405 on every resource, though a GET would have answered (RFC 9110 section 9.3.2).
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/admin/virtual-models", "/admin/resolve?model=managed-alias&user_path=/acme",
        "/admin/status", "/admin/resolve", "/admin/resolve?model=gpt%205", "/admin/reload", "/admin/no-such-endpoint"})
    void shouldAnswerHeadWithTheStatusAndHeadersOfGetAndNoBody(String path) throws Exception {
        start();
        assertThat(admin.put("{\"source\":\"a\",\"target_model\":\"m\"}").statusCode()).isEqualTo(200);

        HttpResponse<String> get = admin.get(path);
        HttpResponse<String> head = admin.send(admin.request("HEAD", path, null));

        assertThat(head.statusCode()).isEqualTo(get.statusCode());
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Length"))
                .hasValue(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
        for (String name : List.of("Content-Type", "Content-Length", "ETag", "Allow", "Cache-Control",
                "X-Content-Type-Options", "Content-Security-Policy")) {
            assertThat(head.headers().allValues(name)).as(name).isEqualTo(get.headers().allValues(name));
        }
    }

    @Test
    void shouldSendTheHeadersOfTheListingAndNotOneByteOfBodyOnHead() throws Exception {
        start();
        HttpResponse<String> get = admin.get("/admin/virtual-models");
        String request = "HEAD /admin/virtual-models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + AdminServer.TOKEN + "\r\nConnection: close\r\n\r\n";

        String response;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", admin.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n")
                .containsIgnoringCase("\r\nContent-Type: application/json")
                .containsIgnoringCase("\r\nContent-Length: " + get.body().getBytes(StandardCharsets.UTF_8).length + "\r\n")
                .containsIgnoringCase("\r\nETag: " + etag(get) + "\r\n");
        assertThat(response.indexOf("\r\n\r\n")).isEqualTo(response.length() - 4);
    }

    @Test
    void shouldRequireTheTokenOnHead() throws Exception {
        start();

        HttpResponse<String> r = admin.send(admin.anonymous("HEAD", "/admin/virtual-models", null)
                .header("Authorization", "Bearer wrong"));

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"switchboard-admin\"");
        assertThat(r.headers().firstValue("ETag")).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(error(
                "missing or invalid admin token", "authentication_error", "invalid_admin_token").length()));
        assertThat(r.body()).isEmpty();
    }

    @Test
    void shouldDoNothingOnHeadThatGetWouldNotDo() throws Exception {
        start("""
                virtual_models:
                  - source: rr
                    targets: [{model: a}, {model: b}, {model: c}]
                    strategy: round_robin
                admin:
                  token: %s
                reload:
                  poll_interval: 1h
                """.formatted(AdminServer.TOKEN));
        String version = String.valueOf(object(admin.get("/admin/status")).get("config_version"));
        Files.writeString(admin.config, Files.readString(admin.config).replace("model: c", "model: d"));

        HttpResponse<String> reload = admin.send(admin.request("HEAD", "/admin/reload", null));
        for (int i = 0; i < 3; i++) {
            assertThat(admin.send(admin.request("HEAD", "/admin/resolve?model=rr", null)).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> listing = admin.send(admin.request("HEAD", "/admin/virtual-models",
                "{\"source\":\"x\",\"target_model\":\"m\"}"));

        assertThat(reload.statusCode()).isEqualTo(405);
        assertThat(listing.statusCode()).isEqualTo(200);
        assertThat(object(admin.get("/admin/status")).get("config_version")).hasToString(version);
        // The rotation is where live traffic left it: HEAD, as GET, only peeks.
        assertThat(Resolver.resolve(admin.reloader.get().rules(), "rr", Caller.ANONYMOUS, admin.reloader.picker())
                .target()).isEqualTo("a");
        assertThat(admin.store).doesNotExist();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private List<VirtualModel> stored() throws IOException {
        return new ConfigLoader(n -> null).readStore(Files.readAllBytes(admin.store), Set.of());
    }

    private static String etag(HttpResponse<String> r) {
        return r.headers().firstValue("ETag").orElseThrow();
    }

    static String etagOf(Path store) throws IOException {
        return "\"" + sha256(Files.readAllBytes(store)) + "\"";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> object(HttpResponse<String> r) {
        return map(JsonTree.parse(r.body().getBytes(StandardCharsets.UTF_8)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    private static String quote(String s) {
        return new String(JsonTree.write(s), StandardCharsets.UTF_8);
    }

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":" + quote(message)
                + ",\"type\":\"" + type + "\",\"param\":null,\"code\":\"" + code + "\"}}";
    }
}
