package dev.switchboard.jetty;

import dev.switchboard.error.ApiError;
import dev.switchboard.error.ErrorResponse;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Usage;
import dev.switchboard.rules.Candidate;
import dev.switchboard.servlet.RealtimeEvents;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One realtime socket, relayed between the client and the provider. Each side reads the next message only when the
 * last one was written to the other side (explicit demand: a slow reader slows its writer, nothing piles up in
 * between). The client's text events are checked ({@link RealtimeEvents}): a refused one goes nowhere and the client
 * gets an error event; a binary message (the realtime API has none) is refused the same way. The provider's messages
 * go to the client as they came, and its {@code response.done} events' usage is summed for the exchange (unknown when
 * the socket ends with a response begun and not done: the provider bills what it generated of it). Pings and
 * pongs go through. A close on one side closes the other with the same code; a provider that drops the connection
 * without a close is a cut: the client's connection is dropped too, as a cut response is, and the exchange ends as
 * {@code upstream_unavailable}. The exchange ends once, at the first close.
 */
public final class RealtimeRelay {

    private static final Logger LOG = LoggerFactory.getLogger(RealtimeRelay.class);

    /** The largest message a provider may send: its own, larger than any event a client sends. */
    static final int MAX_UPSTREAM_MESSAGE = 64 * 1024 * 1024;

    /** The close reason of a socket silent for {@code upstream_idle_timeout}. */
    private static final String IDLE = "idle for longer than upstream_idle_timeout";

    private final Exchange exchange;
    private final Candidate candidate;
    private final RealtimeEvents events;
    private final int maxBytes;
    private final Duration idle;
    private final InFlight inFlight;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Whether an idle timer ended the socket (or is ending it): the other side's timer keeps its connection too. */
    private volatile boolean idled;
    /** Whether a verdict that ends the socket is being told to the client: each side and a reload may each find one. */
    private final AtomicBoolean revoking = new AtomicBoolean();
    /** Whether the servlet gave the socket up before the client's side opened (it answers, and ends the exchange). */
    private volatile boolean abandoned;
    /** Done when the socket ended and both sides' close frames were written (or their connections dropped). */
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final Side clientSide = new ClientSide();
    private final Side upstreamSide = new UpstreamSide();
    private volatile Session client;
    private volatile Session upstream;
    private Usage usage;
    /** Responses the provider began ({@code response.created}) and has not reported done: their usage is unknown. */
    private int underWay;
    /** The codes of the client's events refused, and how many of each (read at the end). */
    private final Map<String, Integer> refused = new TreeMap<>();

    RealtimeRelay(Exchange exchange, Candidate candidate, RealtimeEvents events, int maxBytes, Duration idle,
                  InFlight inFlight) {
        this.exchange = exchange;
        this.candidate = candidate;
        this.events = events;
        this.maxBytes = maxBytes;
        this.idle = idle;
        this.inFlight = inFlight;
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
        abandoned = true;
        ended.set(true);
        finished.complete(null);
    }

    /**
     * The gateway stops: both sides are closed with 1001 (going away), unless the socket ended already.
     *
     * @return done when both sides' close frames are written: the connections may go then
     */
    CompletableFuture<Void> goingAway() {
        end(StatusCode.SHUTDOWN, "the gateway is shutting down", Ending.CLOSED, null);
        return finished;
    }

    private void configure(Session session, long maxMessage) {
        session.setIdleTimeout(idle);
        session.setMaxTextMessageSize(maxMessage);
        session.setMaxBinaryMessageSize(maxMessage);
        AtomicBoolean expired = new AtomicBoolean();
        session.addIdleTimeoutListener(timeout -> {
            // Both sides' connections carry the same traffic, so their timers expire together. Left to Jetty, an expiry
            // drops its connection, and the close frame the other side's expiry is writing on it goes with it (the peer
            // reads 1006, a loss). The first expiry of each session ends the relay instead (1001 on both sides, once)
            // and keeps the connection for that close; a second one, a whole idle period later with the close still
            // unanswered, lets Jetty drop it, as does a first one after the socket ended some other way.
            if (expired.getAndSet(true) || ended.get() && !idled) {
                // A second idle period, or the socket ended otherwise (a close this peer has not answered): dropped.
                return true;
            }
            idled = true;
            end(StatusCode.SHUTDOWN, IDLE, Ending.CLOSED, null);
            return false;
        });
    }

    /** How a socket ended, for the exchange. */
    private enum Ending {
        /** Closed by one side or by the gateway: the other side is closed with the same code. */
        CLOSED,
        /** The provider's connection was lost: the client's is dropped too, and the exchange is cut. */
        UPSTREAM_LOST,
        /** The client's connection was lost: the provider's is closed, and the exchange ends as the client's leaving. */
        CLIENT_LOST
    }

    /** @return the code to send for one received: the same, when it may be sent (RFC 6455 7.4), else 1000 */
    private static int sendable(int code) {
        return StatusCode.isTransmittable(code) || (code >= 3000 && code <= 4999) ? code : StatusCode.NORMAL;
    }

    /**
     * Sends, then reads the next message from {@code from}; a failed send ends both, as the loss of the side it was
     * sent to.
     */
    private Callback thenDemand(Session from, Ending lost) {
        return Callback.from(from::demand, failure -> end(StatusCode.SERVER_ERROR, "the relay failed", lost, null));
    }

    private void closed(java.util.concurrent.atomic.AtomicInteger closing) {
        if (closing.decrementAndGet() == 0) {
            finished.complete(null);
        }
    }

    private synchronized void add(RealtimeEvents.ResponseEvent event) {
        usage = RealtimeEvents.plus(usage, event.usage());
        underWay = Math.max(0, underWay + (event.done() ? -1 : 1));
    }

    private synchronized void refused(String code) {
        refused.merge(code, 1, Integer::sum);
    }

    /**
     * Ends the socket: closes both sides (or drops the client's connection when the provider's was lost) and ends the
     * exchange. Only the first call counts.
     */
    private void end(int code, String reason, Ending how, ErrorResponse error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Session c = client;
        Session u = upstream;
        // Each close written (or failed) counts down; the last one finishes the socket.
        java.util.concurrent.atomic.AtomicInteger closing = new java.util.concurrent.atomic.AtomicInteger(1);
        Callback written = Callback.from(() -> closed(closing), failure -> closed(closing));
        if (c == null) {
            // The client's side is not open (yet): the provider's socket closes now; a client side that opens after
            // this is closed at once (ClientSide.onWebSocketOpen), and the exchange ended there.
            if (u != null && u.isOpen()) {
                closing.incrementAndGet();
                u.close(StatusCode.NORMAL, null, written);
            }
            closed(closing);
            return;
        }
        int sent = sendable(code);
        if (u != null && u.isOpen()) {
            closing.incrementAndGet();
            u.close(how == Ending.CLIENT_LOST ? StatusCode.SHUTDOWN : sent, reason, written);
        }
        if (c.isOpen()) {
            if (how == Ending.UPSTREAM_LOST) {
                c.disconnect();
            } else {
                closing.incrementAndGet();
                c.close(sent, reason, written);
            }
        }
        closed(closing);
        synchronized (this) {
            // Ended with a response under way: the provider bills what it generated of it, which no event reported,
            // so the socket's total is unknown (the responses done before it are not the whole of it).
            exchange.recorder().usage(usage == null || underWay > 0 ? Usage.UNKNOWN : usage);
            if (!refused.isEmpty()) {
                // Each was answered in the socket; the operator hears of them once per socket, not once per event.
                LOG.info("Switchboard: realtime socket {} ({}) refused {} event(s) of its client: {}", exchange.id(),
                        candidate.model() != null ? candidate.model() : "a call at " + candidate.provider(),
                        refused.values().stream().mapToInt(Integer::intValue).sum(), refused);
            }
        }
        if (error != null) {
            // The gateway closed it (a withdrawn model, an event too large, its own fault): said in the access log.
            exchange.recorder().error(error);
        }
        if (how == Ending.UPSTREAM_LOST) {
            exchange.recorder().cut("upstream_unavailable");
        } else if (how == Ending.CLIENT_LOST) {
            exchange.recorder().cut(Completion.CLIENT_DISCONNECTED);
        }
        exchange.recorder().complete(101);
    }

    /**
     * A reload swapped new rules in: the socket is judged by them now, so one on which neither side speaks loses a
     * removed key (or a withdrawn model) at once too, not only at its next message.
     */
    void rulesChanged() {
        if (client != null && !ended.get()) {
            revokedNow();
        }
    }

    /** Tells the client why (the realtime API's error event), then closes both sides with 1008; once. */
    private void closeRevoked(RealtimeEvents.Verdict verdict) {
        if (!revoking.compareAndSet(false, true)) {
            return;
        }
        refused(verdict.error().code());
        client.sendText(verdict.reply(), Callback.from(
                () -> end(StatusCode.POLICY_VIOLATION, verdict.revoked(), Ending.CLOSED, verdict.error()),
                failure -> end(StatusCode.POLICY_VIOLATION, null, Ending.CLOSED, verdict.error())));
    }

    /**
     * @return whether a reload took the socket from its caller since it was last judged (its key removed, its model
     *     withdrawn): then it is being closed, and the provider's message is not passed on
     */
    private boolean revokedNow() {
        RealtimeEvents.Verdict verdict;
        try {
            verdict = events.revokedSince();
        } catch (RuntimeException e) {
            LOG.error("Switchboard: judging a realtime socket by reloaded rules failed", e);
            end(StatusCode.SERVER_ERROR, "internal error in the gateway", Ending.CLOSED, ApiError.INTERNAL_ERROR.with());
            return true;
        }
        if (verdict == null) {
            return false;
        }
        closeRevoked(verdict);
        return true;
    }

    /**
     * An endpoint of the relay: what both sides do alike (public: Jetty calls its methods through method handles).
     * Pings and pongs go to the other side; a close closes it, and a close without a frame is this side's loss.
     */
    public abstract class Side implements Session.Listener {

        /** @return this side's session */
        abstract Session self();

        /** @return the other side's session */
        abstract Session other();

        /** @return how the socket ends when this side's connection is lost */
        abstract Ending lost();

        /** @return how the socket ends when a write to the other side fails: the other side's loss */
        abstract Ending otherLost();

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            other().sendPing(payload, thenDemand(self(), otherLost()));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            other().sendPong(payload, thenDemand(self(), otherLost()));
        }

        @Override
        public void onWebSocketClose(int code, String reason, Callback callback) {
            callback.succeed();
            end(code, reason, code == StatusCode.ABNORMAL ? lost() : Ending.CLOSED, null);
        }
    }

    /** The client's socket. */
    public final class ClientSide extends Side {

        @Override
        public void onWebSocketOpen(Session session) {
            if (ended.get()) {
                // The provider's side ended before this one opened (or the servlet gave the socket up): nothing to relay.
                session.close(StatusCode.SERVER_ERROR, "the provider's socket closed", Callback.NOOP);
                if (!abandoned) {
                    exchange.recorder().cut("upstream_unavailable");
                    exchange.recorder().complete(101);
                }
                return;
            }
            client = session;
            configure(session, maxBytes);
            // Kept until its close frames are written, for a stop to close it and wait for them.
            inFlight.addSocket(RealtimeRelay.this, finished);
            session.demand();
            upstream.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            RealtimeEvents.Verdict verdict;
            try {
                verdict = events.check(message);
            } catch (RuntimeException e) {
                // Our own bug: said, and the socket closed as an internal error, never with the exception's text.
                LOG.error("Switchboard: checking a realtime event failed", e);
                end(StatusCode.SERVER_ERROR, "internal error in the gateway", Ending.CLOSED, ApiError.INTERNAL_ERROR.with());
                return;
            }
            if (verdict.held()) {
                // Read on once the provider answered the update it follows (UpstreamSide.onWebSocketText).
                return;
            }
            if (verdict.forward() != null) {
                upstream.sendText(verdict.forward(), thenDemand(client, Ending.UPSTREAM_LOST));
            } else if (verdict.revoked() != null) {
                closeRevoked(verdict);
            } else {
                refused(verdict.error().code());
                client.sendText(verdict.reply(), thenDemand(client, Ending.CLIENT_LOST));
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            callback.succeed();
            refused("invalid_request");
            client.sendText(RealtimeEvents.binaryRefused(), thenDemand(client, Ending.CLIENT_LOST));
        }

        @Override
        Session self() {
            return client;
        }

        @Override
        Session other() {
            return upstream;
        }

        @Override
        Ending lost() {
            return Ending.CLIENT_LOST;
        }

        @Override
        Ending otherLost() {
            return Ending.UPSTREAM_LOST;
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("realtime client socket failed", cause);
            if (cause instanceof WebSocketTimeoutException) {
                end(StatusCode.SHUTDOWN, IDLE, Ending.CLOSED, null);
            } else if (cause instanceof MessageTooLargeException) {
                end(StatusCode.MESSAGE_TOO_LARGE, "an event over max_request_bytes", Ending.CLOSED,
                        ApiError.REQUEST_TOO_LARGE.with("a realtime event over max_request_bytes"));
            } else {
                end(StatusCode.SHUTDOWN, "the client's connection failed", Ending.CLIENT_LOST, null);
            }
        }
    }

    /** The provider's socket. */
    public final class UpstreamSide extends Side {

        @Override
        public void onWebSocketOpen(Session session) {
            if (abandoned) {
                // Given up on while it opened (the connect timed out): closed, nothing relayed.
                session.close(StatusCode.SHUTDOWN, "given up on", Callback.NOOP);
                return;
            }
            upstream = session;
            configure(session, Math.max(maxBytes, MAX_UPSTREAM_MESSAGE));
            // No demand until the client's socket is open: what the provider says first waits for it.
        }

        @Override
        public void onWebSocketText(String message) {
            // The provider's first message (its session.created): the exchange's first byte.
            exchange.recorder().firstByte();
            RealtimeEvents.ResponseEvent response = RealtimeEvents.response(message);
            if (response != null) {
                add(response);
            }
            if (revokedNow()) {
                return;
            }
            String release = events.answered(message);
            client.sendText(message, thenDemand(upstream, Ending.CLIENT_LOST));
            if (release != null) {
                // The client's event held while its transcription model waited for this answer: judged now.
                clientSide.onWebSocketText(release);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            if (revokedNow()) {
                callback.succeed();
                return;
            }
            client.sendBinary(payload, Callback.from(() -> {
                callback.succeed();
                upstream.demand();
            }, failure -> {
                callback.fail(failure);
                end(StatusCode.SERVER_ERROR, "the relay failed", Ending.CLIENT_LOST, null);
            }));
        }

        @Override
        Session self() {
            return upstream;
        }

        @Override
        Session other() {
            return client;
        }

        @Override
        Ending lost() {
            return Ending.UPSTREAM_LOST;
        }

        @Override
        Ending otherLost() {
            return Ending.CLIENT_LOST;
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("realtime upstream socket to {} failed", candidate.provider(), cause);
            if (cause instanceof WebSocketTimeoutException) {
                // The gateway's own timer, not a loss: both sides closed as idle.
                end(StatusCode.SHUTDOWN, IDLE, Ending.CLOSED, null);
            } else {
                end(StatusCode.ABNORMAL, null, Ending.UPSTREAM_LOST, null);
            }
        }
    }
}
