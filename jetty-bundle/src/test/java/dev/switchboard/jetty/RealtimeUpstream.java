package dev.switchboard.jetty;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * A provider's realtime API for tests: a WebSocket server on {@code /v1/realtime} (and its translation sessions' path,
 * {@code /v1/realtime/translations}) that records every upgrade (its
 * query and headers) and every message it receives, greets with {@code session.created} naming the model of its query,
 * answers {@code response.create} with a {@code response.done} carrying usage (with only {@code response.created} when
 * the event holds {@code "hold"}: a response under way), drops its
 * connection without a close when an event's {@code item_id} is {@code "cut"}, closes with 4000 when it is
 * {@code "close4000"}, and sends five messages of its own, 300 ms apart, when it is {@code "tick"}. In a transcription
 * session ({@code ?intent=transcription}) it answers a session update 200 ms later, as OpenAI does: its
 * {@code ...session.updated} showing the update's session, or an {@code error} naming the update's {@code event_id} when the update names the model
 * {@code transcribe-refused}. {@code refuse} makes the next upgrades fail with that HTTP status.
 */
public final class RealtimeUpstream {

    /** One upgrade the provider received. */
    record Upgrade(String path, String query, Map<String, List<String>> headers, List<String> subprotocols) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return String.join(",", e.getValue());
                }
            }
            return null;
        }
    }

    final BlockingQueue<Upgrade> upgrades = new LinkedBlockingQueue<>();
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    volatile int refuse;
    private final Server server = new Server(0);

    RealtimeUpstream() throws Exception {
        ServletContextHandler context = new ServletContextHandler("/");
        JettyWebSocketServletContainerInitializer.configure(context, (servletContext, container) -> {
            for (String path : List.of("/v1/realtime", "/v1/realtime/translations")) {
                container.addMapping(path, (request, response) -> {
                    upgrades.add(new Upgrade(path, request.getQueryString(), request.getHeaders(),
                            request.getSubProtocols()));
                    if (refuse != 0) {
                        response.sendError(refuse, "refused");
                        return null;
                    }
                    if (request.getSubProtocols().contains("realtime")) {
                        response.setAcceptedSubProtocol("realtime");
                    }
                    String model = request.getParameterMap().getOrDefault("model", List.of("?")).get(0);
                    return new Endpoint(model, "transcription".equals(request.getParameterMap()
                            .getOrDefault("intent", List.of("")).get(0)));
                });
            }
        });
        server.setHandler(context);
        server.start();
    }

    int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    void stop() throws Exception {
        server.stop();
    }

    /** Public: Jetty calls its methods through method handles. */
    public final class Endpoint implements Session.Listener.AutoDemanding {
        private final String model;
        private final boolean transcription;
        private Session session;

        Endpoint(String model, boolean transcription) {
            this.model = model;
            this.transcription = transcription;
        }

        /** Sends {@code text} after {@code millis}, on a thread of its own. */
        private void later(long millis, String text) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    return;
                }
                if (session.isOpen()) {
                    session.sendText(text, Callback.NOOP);
                }
            });
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            s.sendText("{\"type\":\"session.created\",\"session\":{\"model\":\"" + model + "\"}}", Callback.NOOP);
        }

        @Override
        public void onWebSocketText(String message) {
            received.add(message);
            Object event;
            try {
                event = dev.switchboard.json.JsonTree.parse(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                event = null;
            }
            if (event instanceof Map<?, ?> update && update.get("type") instanceof String type
                    && type.endsWith("session.update")) {
                Object id = update.get("event_id");
                later(200, message.contains("transcribe-refused")
                        ? "{\"type\":\"error\",\"event_id\":\"event_up_1\",\"error\":{\"type\":\"invalid_request_error\","
                        + "\"code\":\"invalid_value\",\"message\":\"not a transcription model\",\"param\":null,"
                        + "\"event_id\":" + (id instanceof String i ? "\"" + i + "\"" : "null") + "}}"
                        : "{\"type\":\"" + type + "d\",\"session\":" + new String(dev.switchboard.json.JsonTree.write(
                                update.get("session") == null ? Map.of() : update.get("session")),
                                java.nio.charset.StandardCharsets.UTF_8) + "}");
            } else if (message.contains("\"item_id\":\"cut\"")) {
                session.disconnect();
            } else if (message.contains("\"item_id\":\"tick\"")) {
                // Speaks on its own for a while: five messages 300 ms apart, whatever the client does.
                Thread ticker = new Thread(() -> {
                    for (int i = 0; i < 5 && session.isOpen(); i++) {
                        session.sendText("{\"type\":\"response.output_audio.delta\",\"delta\":\"tick" + i + "\"}",
                                Callback.NOOP);
                        try {
                            Thread.sleep(300);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                ticker.setDaemon(true);
                ticker.start();
            } else if (message.contains("\"item_id\":\"close4000\"")) {
                session.close(4000, "custom reason", Callback.NOOP);
            } else if (message.contains("\"response.create\"") && message.contains("\"hold\"")) {
                // A response under way that the client does not wait for.
                session.sendText("{\"type\":\"response.created\",\"response\":{\"status\":\"in_progress\"}}",
                        Callback.NOOP);
            } else if (message.contains("\"response.create\"")) {
                session.sendText("{\"type\":\"response.done\",\"response\":{\"status\":\"completed\",\"usage\":{"
                        + "\"total_tokens\":15,\"input_tokens\":10,\"output_tokens\":5,"
                        + "\"input_token_details\":{\"cached_tokens\":2}}}}", Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            closes.add(code + " " + reason);
            callback.succeed();
        }
    }
}
