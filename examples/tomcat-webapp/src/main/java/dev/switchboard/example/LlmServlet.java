package dev.switchboard.example;

import dev.switchboard.exchange.Exchange;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The host application's own "LLM": answers chat completions with the model it was asked for (after
 * the filter's rewrite) and lists the models it serves. Stands in for a real inference backend.
 */
public final class LlmServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final JsonFactory JSON = new JsonFactory();

    private static final byte[] MODELS = ("{\"object\":\"list\",\"data\":["
            + "{\"id\":\"small-model\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"host\"},"
            + "{\"id\":\"large-model\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"host\"},"
            + "{\"id\":\"legacy-model\",\"object\":\"model\",\"created\":1600000000,\"owned_by\":\"host\"}]}")
            .getBytes(StandardCharsets.UTF_8);

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"/models".equals(req.getPathInfo())) {
            resp.sendError(404);
            return;
        }
        resp.setContentType("application/json");
        resp.setContentLength(MODELS.length);
        resp.getOutputStream().write(MODELS);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] request = req.getInputStream().readAllBytes();
        // The filter published its exchange (with the decision): no need to parse the body again.
        Exchange exchange = (Exchange) req.getAttribute(Exchange.ATTRIBUTE);
        String model = exchange == null || exchange.decision() == null ? "unknown" : exchange.decision().upstreamModel();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("id", "chatcmpl-example");
            g.writeStringProperty("object", "chat.completion");
            g.writeStringProperty("model", model);
            g.writeArrayPropertyStart("choices");
            g.writeStartObject();
            g.writeNumberProperty("index", 0);
            g.writeObjectPropertyStart("message");
            g.writeStringProperty("role", "assistant");
            g.writeStringProperty("content", "received " + request.length + " bytes");
            g.writeEndObject();
            g.writeStringProperty("finish_reason", "stop");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }
        byte[] bytes = out.toByteArray();
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
