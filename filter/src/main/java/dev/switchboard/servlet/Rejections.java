package dev.switchboard.servlet;

import dev.switchboard.body.BodyReader;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.ops.Log;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Answers a request with one of the gateway's errors (SPEC section 5) and records it on the exchange. */
final class Rejections {

    private static final Log LOG = Log.get(Rejections.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** When a body read before the filter was last logged ({@link Long#MIN_VALUE}: never; tests set it back). */
    static final AtomicLong READ_BEFORE_LOGGED = new AtomicLong(Long.MIN_VALUE);

    /**
     * Says in the log (at most once a minute) why a body was refused that something before the filter had read: a
     * misconfigured host (the filter must come first), which the client cannot mend. Other refusals are the client's.
     *
     * @param refused why the body could not be read
     */
    static void logIfReadBefore(BodyReader.BodyException refused) {
        if (refused.kind() != BodyReader.BodyException.Kind.READ_BEFORE) {
            return;
        }
        long now = System.nanoTime();
        long last = READ_BEFORE_LOGGED.get();
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_NANOS) && READ_BEFORE_LOGGED.compareAndSet(last, now)) {
            LOG.error("Switchboard: {}: something before Switchboard's filter read it or replaced its stream (a filter "
                    + "that read the form's parameters: a CSRF check, a method override), so the filter cannot check it "
                    + "and refuses it (500). "
                    + "Register Switchboard's filter before every filter that reads the request (in Spring Boot: "
                    + "FilterRegistrationBean.setOrder(Ordered.HIGHEST_PRECEDENCE)). Logged at most once a minute.",
                    refused.getMessage());
        }
    }

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
