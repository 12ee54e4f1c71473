package dev.switchboard.admin;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A config file in a folder, its {@link LiveConfig} (not watching: reloads happen on admin writes and
 * {@code POST /admin/reload} only), and an embedded Jetty on port 0 with {@link AdminServlet} at
 * {@code /admin/*}, plus an HTTP client that sends the admin token.
 */
final class AdminServer {

    static final String TOKEN = "adm-7f3c9e21-secret";
    static final String CONFIG_NAME = "switchboard.yaml";
    static final String STORE_NAME = "virtual-models.admin.yaml";

    final Path dir;
    final Path config;
    final Path store;
    final LiveConfig reloader;
    private final Server server;
    private final URI base;
    private final HttpClient client;

    private AdminServer(Path dir, LiveConfig reloader, Server server, int port) {
        this.dir = dir;
        this.config = dir.resolve(CONFIG_NAME);
        this.store = dir.resolve(STORE_NAME);
        this.reloader = reloader;
        this.server = server;
        this.base = URI.create("http://127.0.0.1:" + port);
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Writes {@code yaml} as the config file in {@code dir}, loads it and serves the admin API. */
    static AdminServer start(Path dir, String yaml) throws Exception {
        return start(dir, yaml, List.of());
    }

    /** The same, with {@code extensions} served below their prefixes. */
    static AdminServer start(Path dir, String yaml, List<? extends AdminExtension> extensions) throws Exception {
        Files.writeString(dir.resolve(CONFIG_NAME), yaml);
        LiveConfig reloader = LiveConfig.load(dir.resolve(CONFIG_NAME), new ConfigLoader(name -> null));
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new AdminServlet(reloader, extensions)), "/admin/*");
        server.setHandler(context);
        server.start();
        return new AdminServer(dir, reloader, server, connector.getLocalPort());
    }

    int port() {
        return base.getPort();
    }

    /** A request to {@code path} carrying the admin token; {@code body} {@code null} sends none. */
    HttpRequest.Builder request(String method, String path, String body) {
        return anonymous(method, path, body).header("Authorization", "Bearer " + TOKEN);
    }

    /** A request to {@code path} without credentials. */
    HttpRequest.Builder anonymous(String method, String path, String body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).method(method, publisher);
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request("GET", path, null));
    }

    HttpResponse<String> put(String body) throws IOException, InterruptedException {
        return send(request("PUT", "/admin/virtual-models", body));
    }

    HttpResponse<String> delete(String body) throws IOException, InterruptedException {
        return send(request("DELETE", "/admin/virtual-models", body));
    }

    void close() throws Exception {
        try {
            server.stop();
        } finally {
            reloader.close();
        }
    }
}
