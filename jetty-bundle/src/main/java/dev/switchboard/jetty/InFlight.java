package dev.switchboard.jetty;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.Request;

/**
 * The upstream requests in flight, so that a stop whose drain time ran out can end them itself
 * ({@link #cutAll}): each client then sees its response cut the way the README's "Faults" section says
 * (a stream gets an SSE {@code error} event first), instead of a connection that merely closes.
 * Thread-safe.
 */
final class InFlight {

    /** Why the requests still in flight were aborted: the gateway is stopping. Stackless. */
    static final class ShuttingDown extends Exception {
        private static final long serialVersionUID = 1L;

        ShuttingDown() {
            super("the gateway is shutting down", null, false, false);
        }
    }

    private final Set<Request> requests = ConcurrentHashMap.newKeySet();

    void add(Request proxyRequest) {
        requests.add(proxyRequest);
    }

    void remove(Request proxyRequest) {
        if (proxyRequest != null) {
            requests.remove(proxyRequest);
        }
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
        for (Request r : requests) {
            r.abort(reason);
            n++;
        }
        return n;
    }
}
