package dev.switchboard.store.postgresql;

import dev.switchboard.admin.AdminServlet;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One gateway node as in production, in this JVM: its own config file naming the shared database store
 * (credentials from <code>${...}</code>), its own {@link LiveConfig} (started: watching, and listening on its own
 * connection), and a Jetty on port 0 serving the admin API and the filter in front of an upstream that answers
 * with the body it received. {@link #served()} tells which store revision the node serves, and
 * {@link #servedAt(long)} when it first served a revision at least that new (by {@link System#nanoTime()},
 * recorded the moment the snapshot was swapped in).
 */
final class Node implements AutoCloseable {

    static final String TOKEN = "adm-3b9e-token";
    private static final Pattern MODEL = Pattern.compile("\"model\":\"([^\"]*)\"");

    final LiveConfig live;
    private final Server server;
    private final URI base;
    /** Guarded by itself: (revision, nanoTime) of every swap, in order. */
    private final List<long[]> swaps = new ArrayList<>();

    private Node(LiveConfig live, Server server, int port) {
        this.live = live;
        this.server = server;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /**
     * @param dir the node's own folder
     * @param address the store's address
     * @param pollInterval {@code reload.poll_interval}
     * @param configRows extra YAML lines under {@code virtual_models:} (config-file rows), or empty
     */
    static Node start(Path dir, String address, Duration pollInterval, String configRows) throws Exception {
        return start(dir, address, pollInterval, configRows, Database.PASSWORD);
    }

    static Node start(Path dir, String address, Duration pollInterval, String configRows, String password)
            throws Exception {
        return start(dir, address, pollInterval, configRows, password, "");
    }

    /** @param adminLines more lines of the {@code admin:} block ({@code "  store_snapshot: rows.json\n"}), or empty */
    static Node start(Path dir, String address, Duration pollInterval, String configRows, String password,
                      String adminLines) throws Exception {
        Files.createDirectories(dir);
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                admin:
                  token: %s
                  store: %s
                  store_user: ${SB_STORE_USER}
                  store_password: ${SB_STORE_PASSWORD}
                %sreload:
                  poll_interval: %dms
                virtual_models:
                %s""".formatted(TOKEN, address, adminLines, pollInterval.toMillis(),
                configRows.isEmpty() ? "  []\n" : configRows));
        Map<String, String> env = Map.of("SB_STORE_USER", Database.USER, "SB_STORE_PASSWORD", password);
        LiveConfig live = LiveConfig.load(config, new ConfigLoader(env::get));
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new AdminServlet(live)), "/admin/*");
        context.addServlet(new ServletHolder(new Upstream()), "/v1/*");
        FilterHolder filter = new FilterHolder(new VirtualModelFilter(live, live.picker(), List.of()));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/v1/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();
        Node node = new Node(live, server, connector.getLocalPort());
        live.addReloadListener((swapped, snapshot) -> {
            if (swapped) {
                node.swapped(Long.parseLong(snapshot.storeRevision()));
            }
        });
        node.swapped(node.served());
        live.start();
        return node;
    }

    private void swapped(long revision) {
        long now = System.nanoTime();
        synchronized (swaps) {
            swaps.add(new long[] {revision, now});
        }
    }

    /** @return the store revision of the snapshot this node serves now */
    long served() {
        return Long.parseLong(live.snapshot().storeRevision());
    }

    /** @return when this node first served {@code revision} or a newer one, or {@code -1} if it has not yet */
    long servedAt(long revision) {
        synchronized (swaps) {
            for (long[] s : swaps) {
                if (s[0] >= revision) {
                    return s[1];
                }
            }
        }
        return -1;
    }

    /** @return the model the upstream received for a chat request naming {@code model} (what a caller gets) */
    String route(String model) throws IOException {
        Reply r = chat(model);
        if (r.status() != 200) {
            return "HTTP " + r.status();
        }
        Matcher m = MODEL.matcher(r.body());
        return m.find() ? m.group(1) : r.body();
    }

    /** @return the answer to a chat request naming {@code model} */
    Reply chat(String model) throws IOException {
        return send("POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[]}", Map.of());
    }

    Reply put(String json) throws IOException {
        return admin("PUT", "/admin/virtual-models", json, null);
    }

    Reply put(String json, String ifMatch) throws IOException {
        return admin("PUT", "/admin/virtual-models", json, ifMatch);
    }

    Reply get(String path) throws IOException {
        return admin("GET", path, null, null);
    }

    Reply admin(String method, String path, String json, String ifMatch) throws IOException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + TOKEN);
        if (ifMatch != null) {
            headers.put("If-Match", ifMatch);
        }
        return send(method, path, json, headers);
    }

    /**
     * One request. {@link HttpURLConnection} writes a request with its body in one go; the JDK's newer client sends
     * the body apart from the headers, which costs every write a delayed acknowledgement (about 40 ms) here.
     */
    private Reply send(String method, String path, String body, Map<String, String> headers) throws IOException {
        HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(30_000);
        headers.forEach(c::setRequestProperty);
        if (body != null) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(bytes.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (in != null) {
            in.close();
        }
        return new Reply(status, text, c.getHeaderField("ETag"), c.getHeaderField("Retry-After"));
    }

    /**
     * An answer.
     *
     * @param status the HTTP status
     * @param body the body
     * @param etag the {@code ETag} header, or {@code null}
     * @param retryAfter the {@code Retry-After} header, or {@code null}
     */
    record Reply(int status, String body, String etag, String retryAfter) {
        /** @return the store revision the {@code ETag} names */
        long revision() {
            return Long.parseLong(etag.replace("\"", ""));
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the node's server did not stop", e);
        } finally {
            live.close();
        }
    }

    /** The upstream: answers 200 with the request body it received (the rewritten model shows in it). */
    private static final class Upstream extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] body = req.getInputStream().readAllBytes();
            resp.setContentType("application/json");
            resp.getOutputStream().write(body);
        }
    }
}
