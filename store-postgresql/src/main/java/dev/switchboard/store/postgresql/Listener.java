package dev.switchboard.store.postgresql;

import dev.switchboard.ops.Log;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A node's ear on the store (SPEC section 12): a daemon thread {@value #THREAD_NAME} with a connection of its
 * own that {@code LISTEN}s on {@value Schema#CHANNEL} and, every {@code reload.poll_interval} (or on a
 * notification), reads the revision; when it heard a notification or the revision moved, it runs
 * {@code changed} (the node reloads). The poll catches what a notification cannot promise: one sent while this
 * connection was being replaced, or lost with it. It also proves the connection alive.
 *
 * <p>When the connection fails it logs once that the store is lost and what the node does meanwhile (it keeps its last
 * good rules, or, when it has not read them from this store yet, it refuses every request), then reconnects with {@link Backoff} (100 ms, doubling up to the poll interval); once through, it logs that the store
 * is back, opens the worker's way again ({@link PostgresAdminStore#reachable()}) and runs {@code changed} to catch
 * up on everything it missed.
 */
final class Listener {

    /** The thread's name. */
    static final String THREAD_NAME = "switchboard-store-listen";

    private static final Log LOG = Log.get(Listener.class);

    private final PostgresAdminStore store;
    private final Runnable changed;
    private final BooleanSupplier serving;
    private final Supplier<Duration> pollInterval;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection connection;

    Listener(PostgresAdminStore store, Runnable changed, BooleanSupplier serving, Supplier<Duration> pollInterval) {
        this.store = store;
        this.changed = changed;
        this.serving = serving;
        this.pollInterval = pollInterval;
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the thread: closes its connection under it and waits for it (bounded), unless called from it. */
    void stop() {
        running = false;
        Connection c = connection;
        if (c != null) {
            PostgresAdminStore.abort(c);
        }
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Backoff backoff = new Backoff();
        String lost = null;
        // Whether this listener ever got through; before that, unless the store was read, the node started without its
        // database, and its start said why at WARN or ERROR.
        boolean listened = false;
        // Whether the failure under way was said as a start without the store (INFO), not as its loss.
        boolean neverHad = false;
        while (running) {
            Connection c = null;
            try {
                c = store.connect(PostgresAdminStore.LISTENER_APPLICATION);
                connection = c;
                if (!running) {
                    break;
                }
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + Schema.CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                Table.Revision seen = Table.revision(c, false);
                if (lost != null && neverHad) {
                    LOG.info("Switchboard: listening to the admin store {}", store.location());
                    lost = null;
                } else if (lost != null) {
                    LOG.info("Switchboard: the admin store {} is reachable again; catching up", store.location());
                    lost = null;
                }
                listened = true;
                store.reachable();
                backoff.reset();
                // Whatever happened while nobody listened: the reload reads the revision and loads what moved.
                changed.run();
                while (running) {
                    PGNotification[] heard = pg.getNotifications(timeoutMillis());
                    Table.Revision revision = Table.revision(c, false);
                    if ((heard != null && heard.length > 0) || !revision.equals(seen)) {
                        seen = revision;
                        changed.run();
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    break;
                }
                if (lost == null) {
                    lost = store.describe(e);
                    // Not whether this thread got through once: a node that read the store but could not apply its
                    // rows (or started without it) serves nothing, whatever the connection did.
                    neverHad = !listened && !store.readOnce();
                    if (neverHad) {
                        // It never had the store to lose: the start's WARN or ERROR said why, the reads say the rest.
                        LOG.info("Switchboard: cannot listen to the admin store {} yet ({}); reconnecting",
                                store.location(), lost);
                    } else if (serving.getAsBoolean()) {
                        LOG.warn("Switchboard: lost the admin store {} ({}); serving the last good rules, reconnecting",
                                store.location(), lost);
                    } else {
                        LOG.warn("Switchboard: cannot reach the admin store {} ({}); this node has not read its rules"
                                + " from it and refuses every request until it has, reconnecting", store.location(),
                                lost);
                    }
                }
                pause(backoff.next(pollInterval.get()));
            } catch (RuntimeException e) {
                // Not the database's doing (a bug): said, then the same reconnection as for an outage.
                LOG.warn("Switchboard: the admin store listener failed; reconnecting", e);
                pause(backoff.next(pollInterval.get()));
            } catch (Error e) {
                // Out of memory in a reload it ran, say (a probe: 5,000 rows written at once, a 192 MB heap). Uncaught,
                // it ended this thread for good: the node heard no change again but by its poll, and said nothing.
                LOG.error("Switchboard: the admin store listener failed ({}); reconnecting", e.toString(), e);
                pause(backoff.next(pollInterval.get()));
            } finally {
                connection = null;
                PostgresAdminStore.close(c);
            }
        }
    }

    private int timeoutMillis() {
        long millis = pollInterval.get().toMillis();
        return (int) Math.max(10, Math.min(Integer.MAX_VALUE, millis));
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            // Only stop() interrupts this thread, and it means it: the loop ends.
            running = false;
        }
    }
}
