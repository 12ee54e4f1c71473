package dev.switchboard.jetty;

import dev.switchboard.config.ConfigLoader;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;

/**
 * A gateway for the dashboard's browser tests: the bundled proxy on port 0 (so its admin API and dashboard), in front
 * of a provider {@code up} that lists {@code gpt-small}, {@code gpt-large} and {@code gpt-5} and answers every chat
 * request with the model it received and stated usage: a model whose name has {@code large} answers 40 output
 * tokens after 40 ms, any other 5 tokens after 2 ms. The admin store is a file in a temporary folder.
 */
final class DashboardGateway {

    static final String TOKEN = "dash-admin-7c1e";
    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]+)\"");

    private final Server upstream;
    private final LiveConfig live;
    private final Gateway gateway;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final String base;

    /**
     * @param dir a folder for the config file and the admin store
     * @param virtualModels the config file's {@code virtual_models} entries, YAML flow lines ({@code - {...}})
     */
    DashboardGateway(Path dir, String virtualModels) throws Exception {
        this(dir, virtualModels, "");
    }

    /** @param admin more of the {@code admin} block, a YAML flow mapping's entries ({@code , store: ...}) */
    DashboardGateway(Path dir, String virtualModels, String admin) throws Exception {
        upstream = ServletServer.start(new Provider());
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                server: {host: 127.0.0.1, port: 0}
                providers:
                  up:
                    type: openai-compatible
                    base_url: "http://127.0.0.1:%d"
                    api_key: sk-up
                    models: [gpt-small, gpt-large, gpt-5]
                default_provider: up
                admin: {token: %s%s}
                reload: {poll_interval: 1h}
                virtual_models:
                %s
                """.formatted(ServletServer.port(upstream), TOKEN, admin, virtualModels.indent(2)));
        live = LiveConfig.load(config, new ConfigLoader(name -> null));
        gateway = Gateway.start(live, live, live.get().server());
        base = "http://127.0.0.1:" + gateway.port();
    }

    /** A chat request through the gateway; the answer's {@code model} is what the provider received. */
    HttpResponse<String> chat(String model, String userPath) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        if (userPath != null) {
            b.header("X-User-Path", userPath);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The admin API as a script calls it: with the bearer token. */
    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/admin/" + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** @return the model named in a JSON body, or {@code null} */
    static String model(String json) {
        Matcher m = MODEL.matcher(json);
        return m.find() ? m.group(1) : null;
    }

    void close() throws Exception {
        gateway.stop();
        live.close();
        upstream.stop();
        timer.shutdownNow();
    }

    /** The provider {@code up}. */
    private final class Provider extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String model = model(body);
            int output = model != null && model.contains("large") ? 40 : 5;
            String answer = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello from " + model + "\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + output + "}}";
            AsyncContext async = req.startAsync();
            // Simulated provider latency, on the provider's side: the test itself never sleeps.
            timer.schedule(() -> {
                try {
                    HttpServletResponse r = (HttpServletResponse) async.getResponse();
                    r.setContentType("application/json");
                    r.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // The gateway went away: nothing to answer.
                } finally {
                    async.complete();
                }
            }, output == 40 ? 40 : 2, TimeUnit.MILLISECONDS);
        }
    }
}
