package dev.switchboard.servlet;

import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Answers a request with one of the gateway's errors (SPEC section 5) and records it on the exchange. */
final class Rejections {

    private Rejections() {
    }

    /**
     * A refusal made before the exchange's model was decided (a malformed request, no key, a method the API does not
     * define) is charged to no provider: it would not have gone to the default provider a request without a model
     * takes, and naming that provider put the gateway's own 400s and 401s on its error-rate panels.
     */
    static void send(HttpServletResponse response, Exchange exchange, ErrorResponse error) throws IOException {
        refuse(response, exchange.decision() == null ? exchange.unrouted() : exchange, error);
    }

    /**
     * A refusal charged to the provider the exchange routes to: a request without a model that the policies on that
     * provider refuse.
     */
    static void refuse(HttpServletResponse response, Exchange exchange, ErrorResponse error) throws IOException {
        exchange.recorder().error(error);
        error.send(response, exchange.anthropic());
    }

    /**
     * A rejection sent before the body was read: the container will close the connection rather than
     * read the rest, so say so, or a keep-alive client sends its next request into a closed socket.
     */
    static void closeIfBodyUnread(HttpServletRequest request, HttpServletResponse response) {
        if (HeaderValues.hasBody(request)) {
            response.setHeader("Connection", "close");
        }
    }
}
