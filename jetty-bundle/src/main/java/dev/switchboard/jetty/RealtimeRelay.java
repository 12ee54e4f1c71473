package dev.switchboard.jetty;

import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Candidate;
import dev.switchboard.servlet.RealtimeEvents;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One realtime socket, relayed between the client and the provider. Each side reads the next message only when the
 * last one was written to the other side (explicit demand: a slow reader slows its writer, nothing piles up in
 * between). The client's text events are checked ({@link RealtimeEvents}): a refused one goes nowhere and the client
 * gets an error event; a binary message (the realtime API has none) is refused the same way. The provider's messages
 * go to the client as they came, and its {@code response.done} events' usage is summed for the exchange. Pings and
 * pongs go through. A close on one side closes the other with the same code; a provider that drops the connection
 * without a close is a cut: the client's connection is dropped too, as a cut response is, and the exchange ends as
 * {@code upstream_unavailable}. The exchange ends once, at the first close.
 */
public final class RealtimeRelay {

    private static final Logger LOG = LoggerFactory.getLogger(RealtimeRelay.class);

    private final Exchange exchange;
    private final Candidate candidate;
    private final RealtimeEvents events;
    private final int maxBytes;
    private final Duration idle;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Side clientSide = new ClientSide();
    private final Side upstreamSide = new UpstreamSide();
    private volatile Session client;
    private volatile Session upstream;
    private Usage usage;

    RealtimeRelay(Exchange exchange, Candidate candidate, RealtimeEvents events, int maxBytes, Duration idle) {
        this.exchange = exchange;
        this.candidate = candidate;
        this.events = events;
        this.maxBytes = maxBytes;
        this.idle = idle;
    }

    /** @return the endpoint of the client's socket */
    Session.Listener clientSide() {
        return clientSide;
    }

    /** @return the endpoint of the provider's socket */
    Session.Listener upstreamSide() {
        return upstreamSide;
    }

    /** The client's upgrade did not happen: the provider's socket is closed without ending the exchange here. */
    void abandon() {
        ended.set(true);
    }

    private void configure(Session session) {
        session.setIdleTimeout(idle);
        session.setMaxTextMessageSize(maxBytes);
        session.setMaxBinaryMessageSize(maxBytes);
    }

    /** Sends, then reads the next message from {@code from}; a failed send ends both. */
    private Callback thenDemand(Session from) {
        return Callback.from(from::demand, failure -> end(StatusCode.SERVER_ERROR, "the relay failed", false));
    }

    private synchronized void add(Usage more) {
        usage = RealtimeEvents.plus(usage, more);
    }

    /**
     * Ends the socket: closes both sides (or drops the client's connection when the provider's was lost) and ends the
     * exchange. Only the first call counts.
     */
    private void end(int code, String reason, boolean upstreamLost) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Session c = client;
        Session u = upstream;
        if (c == null) {
            // The client's socket never opened (the provider's upgrade failed, or the client's): the servlet answers.
            if (u != null && u.isOpen()) {
                u.close(StatusCode.NORMAL, null, Callback.NOOP);
            }
            return;
        }
        int sent = StatusCode.isTransmittable(code) ? code : StatusCode.NORMAL;
        if (u != null && u.isOpen()) {
            u.close(sent, reason, Callback.NOOP);
        }
        if (c != null && c.isOpen()) {
            if (upstreamLost) {
                c.disconnect();
            } else {
                c.close(sent, reason, Callback.NOOP);
            }
        }
        synchronized (this) {
            exchange.recorder().usage(usage == null ? Usage.UNKNOWN : usage);
        }
        if (upstreamLost) {
            exchange.recorder().cut("upstream_unavailable");
        }
        exchange.recorder().complete(101);
    }

    /** An endpoint of the relay (public: Jetty calls its methods through method handles). */
    public abstract static class Side implements Session.Listener {
    }

    /** The client's socket. */
    public final class ClientSide extends Side {

        @Override
        public void onWebSocketOpen(Session session) {
            client = session;
            configure(session);
            session.demand();
            upstream.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            RealtimeEvents.Verdict verdict = events.check(message);
            if (verdict.forward() != null) {
                upstream.sendText(verdict.forward(), thenDemand(client));
            } else {
                client.sendText(verdict.reply(), thenDemand(client));
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            callback.succeed();
            client.sendText(RealtimeEvents.binaryRefused(), thenDemand(client));
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            upstream.sendPing(payload, thenDemand(client));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            upstream.sendPong(payload, thenDemand(client));
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            callback.succeed();
            end(code, reason, false);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("realtime client socket failed", cause);
            end(StatusCode.SERVER_ERROR, "the client's connection failed", false);
        }
    }

    /** The provider's socket. */
    public final class UpstreamSide extends Side {

        @Override
        public void onWebSocketOpen(Session session) {
            upstream = session;
            configure(session);
            // No demand until the client's socket is open: what the provider says first waits for it.
        }

        @Override
        public void onWebSocketText(String message) {
            // The provider's first message (its session.created): the exchange's first byte.
            exchange.recorder().firstByte();
            Usage more = RealtimeEvents.usage(message);
            if (more != null) {
                add(more);
            }
            client.sendText(message, thenDemand(upstream));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            client.sendBinary(payload, Callback.from(() -> {
                callback.succeed();
                upstream.demand();
            }, failure -> {
                callback.fail(failure);
                end(StatusCode.SERVER_ERROR, "the relay failed", false);
            }));
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            client.sendPing(payload, thenDemand(upstream));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            client.sendPong(payload, thenDemand(upstream));
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            callback.succeed();
            end(code, reason, code == StatusCode.ABNORMAL);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("realtime upstream socket to {} failed", candidate.provider(), cause);
            end(StatusCode.ABNORMAL, null, true);
        }
    }
}
