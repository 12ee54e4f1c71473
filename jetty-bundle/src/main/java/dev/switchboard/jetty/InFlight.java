package dev.switchboard.jetty;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.Request;

/**
 * The upstream requests in flight, so that a stop whose drain time ran out can end them itself
 * ({@link #cutAll}): each client then sees its response cut the way the README's "Faults" section says
 * (a stream gets an SSE {@code error} event first), instead of a connection that merely closes; and so that a
 * periodic {@link #watchAll} can look after each (whether its client is still there). Also the realtime sockets
 * open, which a stop closes ({@link #closeSockets}). Thread-safe.
 */
final class InFlight {

    /** Why the requests still in flight were aborted: the gateway is stopping. Stackless. */
    static final class ShuttingDown extends Exception {
        private static final long serialVersionUID = 1L;

        ShuttingDown() {
            super("the gateway is shutting down", null, false, false);
        }
    }

    /** The realtime sockets open, each until its close frames are written ({@link #closeSockets}). */
    private final Set<RealtimeRelay> sockets = ConcurrentHashMap.newKeySet();
    /** Set by {@link #closeSockets}: a stop began. */
    private volatile boolean closing;
    /** Set by {@link #stopAccepting}: the drain began, and no new request goes upstream. */
    private volatile boolean stopping;

    /** Each request, and what {@link #watchAll} runs for it. */
    private final Map<Request, Runnable> requests = new ConcurrentHashMap<>();

    /**
     * @param proxyRequest an upstream request sent
     * @param watch what {@link #watchAll} runs for it while it is in flight (on the watching thread: brief, and never
     *     throws)
     */
    void add(Request proxyRequest, Runnable watch) {
        requests.put(proxyRequest, watch);
    }

    /** Runs the watch of every request in flight. */
    void watchAll() {
        for (Runnable watch : requests.values()) {
            try {
                watch.run();
            } catch (RuntimeException e) {
                // One watch's fault is its own: the others still run.
                org.slf4j.LoggerFactory.getLogger(InFlight.class).warn("a watch of a request in flight failed", e);
            }
        }
    }

    void remove(Request proxyRequest) {
        if (proxyRequest != null) {
            requests.remove(proxyRequest);
        }
    }

    /** The drain began: a request that still comes (on a kept-alive connection) is answered 503, never sent upstream. */
    void stopAccepting() {
        stopping = true;
    }

    /** @return whether the drain began ({@link #stopAccepting}) */
    boolean stopping() {
        return stopping;
    }

    /** @return how many upstream requests are in flight */
    int size() {
        return requests.size();
    }

    /**
     * Aborts every upstream request in flight with {@link ShuttingDown}.
     *
     * @return how many were aborted
     */
    int cutAll() {
        int n = 0;
        ShuttingDown reason = new ShuttingDown();
        for (Request r : requests.keySet()) {
            r.abort(reason);
            n++;
        }
        return n;
    }

    /**
     * @param socket a realtime socket whose client side opened
     * @param finished done when its close frames are written: it is forgotten then
     */
    void addSocket(RealtimeRelay socket, CompletableFuture<Void> finished) {
        sockets.add(socket);
        finished.whenComplete((done, failed) -> sockets.remove(socket));
        if (closing) {
            // Opened as the stop closed the others: closed as they were.
            socket.goingAway();
        }
    }

    /** @return whether a stop is closing the realtime sockets: no new one is opened */
    boolean closingSockets() {
        return closing;
    }

    /**
     * Judges every realtime socket open by the rules a reload just swapped in: those whose caller lost its key, or its
     * model, are closed now ({@link RealtimeRelay#rulesChanged}). On the reloading thread: a key hashed and a model
     * resolved per socket, and the closes written asynchronously.
     */
    void rulesChanged() {
        sockets.forEach(RealtimeRelay::rulesChanged);
    }

    /**
     * Closes every realtime socket still open on both sides with 1001 (going away): a session has no end of its own to
     * wait for, and its client reconnects elsewhere.
     *
     * @return done when every socket's close frames are written
     */
    CompletableFuture<Void> closeSockets() {
        closing = true;
        return CompletableFuture.allOf(sockets.stream().map(RealtimeRelay::goingAway).toArray(CompletableFuture[]::new));
    }
}
