package dev.switchboard.jetty;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose request head (request line and headers) takes longer than {@link #DEADLINE}: a first
 * request's from the connect, a later request's on a kept-alive connection from its first byte (a connection silent
 * between requests is the idle timeout's). Jetty's idle timeout restarts at every byte, so a client sending a head a
 * byte at a time (slowloris) held its connection until the 8 KiB header bound: at one byte every 29 s, days; and
 * enough of them held the connection limit (README "Faults"). nginx times heads the same way
 * ({@code client_header_timeout}, 60 s).
 *
 * <p>Add it to the connector (a listener of its connections, and a life cycle: a check of every connection each
 * thirtieth of the deadline, so a head is closed up to that much after it) and wrap the server's handler with
 * {@link #handler}, which tells it when each request is handled. Thread-safe.
 */
final class HeaderDeadline extends AbstractLifeCycle implements Connection.Listener {

    /** The time a request has for its head (nginx's client_header_timeout is 60 s). */
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Scheduler scheduler;
    private final long nanos;
    private final long periodMillis;
    private final Map<Connection, Watch> watches = new ConcurrentHashMap<>();
    private volatile Scheduler.Task sweep;

    /**
     * @param scheduler the connector's scheduler
     * @param deadline the time a request has for its head
     */
    HeaderDeadline(Scheduler scheduler, Duration deadline) {
        this.scheduler = scheduler;
        this.nanos = deadline.toNanos();
        this.periodMillis = Math.max(1, deadline.toMillis() / 30);
    }

    /** Wraps the server's handler: every request is handled through it, so its connection is not timed meanwhile. */
    Handler.Wrapper handler(Handler next) {
        return new Handling(next);
    }

    /** The server's handler, wrapped: tells each connection's watch when a request begins and ends. */
    final class Handling extends Handler.Wrapper {
        private Handling(Handler next) {
            super(next);
        }

        /** The deadline it reports to. */
        HeaderDeadline deadline() {
            return HeaderDeadline.this;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Watch watch = watches.get(request.getConnectionMetaData().getConnection());
            if (watch == null) {
                return super.handle(request, response, callback);
            }
            long n = watch.begin();
            boolean handled;
            try {
                // Ended before Jetty completes the exchange (Callback.from(callback, end) ends it after: the next
                // request could begin first, and the bytes counted at the end could hold its head's first byte).
                handled = super.handle(request, response, Callback.from(() -> watch.end(n), callback));
            } catch (Exception | Error e) {
                watch.end(n);
                throw e;
            }
            if (!handled) {
                watch.end(n);
            }
            return handled;
        }
    }

    @Override
    public void onOpened(Connection connection) {
        watches.put(connection, new Watch(connection, System.nanoTime()));
    }

    @Override
    public void onClosed(Connection connection) {
        watches.remove(connection);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        schedule();
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler.Task task = sweep;
        if (task != null) {
            task.cancel();
        }
        super.doStop();
    }

    private void schedule() {
        sweep = scheduler.schedule(this::check, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            long now = System.nanoTime();
            for (Watch watch : watches.values()) {
                if (watch.late(now, nanos)) {
                    // Nothing to answer (the head is incomplete): closed, as the idle timeout closes a silent one.
                    watch.connection.getEndPoint().close();
                }
            }
        } finally {
            if (isRunning()) {
                schedule();
            }
        }
    }

    /** One connection's requests: whether one is being handled, and since when its next head has been coming. */
    private static final class Watch {
        private final Connection connection;
        /** Requests handed to the handler (Jetty's count of heads read, {@code getMessagesIn}, is compared with it). */
        private long begun;
        /** Whether a request is being handled. */
        private boolean busy;
        /** The connection's bytes in when the last request ended. */
        private long bytesAtEnd;
        /** Whether a head is being timed: from the connect, or for a later request, since {@link #headFrom}. */
        private boolean timing = true;
        /** When the connection opened; for a later request, when a check first saw its head's bytes. */
        private long headFrom;
        /** Whether a check saw a whole head the handler had not begun, since {@link #aheadFrom}, bytes in then. */
        private boolean ahead;
        private long aheadFrom;
        private long aheadBytes;

        Watch(Connection connection, long openedAt) {
            this.connection = connection;
            this.headFrom = openedAt;
        }

        /** @return the request's number on its connection, for {@link #end} */
        synchronized long begin() {
            busy = true;
            ahead = false;
            // Jetty's count: heads it answered itself (below) are behind this one.
            begun = Math.max(begun + 1, connection.getMessagesIn());
            return begun;
        }

        /** Ends request {@code n}: nothing if a later one has begun (its end is its own). */
        synchronized void end(long n) {
            if (n != begun) {
                return;
            }
            busy = false;
            ahead = false;
            bytesAtEnd = connection.getBytesIn();
            timing = false;
        }

        /** Whether the connection's head is past the deadline at {@code now}: never while a request is handled. */
        synchronized boolean late(long now, long deadline) {
            if (busy) {
                return false;
            }
            long heads = connection.getMessagesIn();
            if (heads > begun) {
                // A whole head the handler has not begun: it waits for a thread, or Jetty answered it itself (its own
                // 400 for an ambiguous URI, %2e say) and kept the connection. After a deadline of that it counts as
                // answered then, so that a head after it is timed (a probe's trickle after one such 400 was untimed).
                if (!ahead) {
                    ahead = true;
                    aheadFrom = now;
                    aheadBytes = connection.getBytesIn();
                    return false;
                }
                if (now - aheadFrom < deadline) {
                    return false;
                }
                ahead = false;
                begun = heads;
                bytesAtEnd = aheadBytes;
                timing = false;
            }
            if (!timing) {
                if (connection.getBytesIn() == bytesAtEnd) {
                    return false; // silent since the last answer: the idle timeout's
                }
                timing = true;
                headFrom = now;
            }
            return now - headFrom >= deadline;
        }
    }
}
