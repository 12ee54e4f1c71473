package dev.switchboard.example;

import dev.switchboard.json.JsonTree;
import dev.switchboard.rules.Decision;
import dev.switchboard.servlet.VirtualModelFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The host application's own "LLM": answers chat completions with the model it was asked for (after
 * the filter's rewrite) and lists the models it serves. Stands in for a real inference backend.
 */
public final class LlmServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

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
        // The filter published its decision: no need to parse the body again.
        Decision decision = (Decision) req.getAttribute(VirtualModelFilter.DECISION_ATTRIBUTE);
        String model = decision == null ? "unknown" : decision.upstreamModel();
        String body = "{\"id\":\"chatcmpl-example\",\"object\":\"chat.completion\",\"model\":"
                + new String(JsonTree.quote(model), StandardCharsets.UTF_8)
                + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"received "
                + request.length + " bytes\"},\"finish_reason\":\"stop\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
