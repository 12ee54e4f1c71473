package dev.switchboard.jetty;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose first request has not sent its whole head (request line and headers) within
 * {@link #DEADLINE} of its connect. Jetty's idle timeout restarts at every byte, so a client sending its headers a
 * byte at a time (slowloris) held its connection until the 8 KiB header bound: at one byte every 29 s, days. Requests
 * after the first on a kept-alive connection are not timed (README "Known limits"). One scheduled check per
 * connection, cancelled when the connection closes. Thread-safe.
 */
final class HeaderDeadline implements Connection.Listener {

    /** The time a connection's first request has for its head, from the connect (nginx's client_header_timeout is 60 s). */
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Scheduler scheduler;
    private final long millis;
    private final Map<Connection, Scheduler.Task> checks = new ConcurrentHashMap<>();

    /**
     * @param scheduler the connector's scheduler
     * @param deadline the time a first request has for its head
     */
    HeaderDeadline(Scheduler scheduler, Duration deadline) {
        this.scheduler = scheduler;
        this.millis = deadline.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
        checks.put(connection, scheduler.schedule(() -> {
            checks.remove(connection);
            if (connection.getMessagesIn() == 0 && connection.getEndPoint().isOpen()) {
                // Nothing to answer (the head is incomplete): closed, as the idle timeout closes a silent connection.
                connection.getEndPoint().close();
            }
        }, millis, TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task check = checks.remove(connection);
        if (check != null) {
            check.cancel();
        }
    }
}
