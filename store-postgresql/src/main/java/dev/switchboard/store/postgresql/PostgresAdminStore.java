package dev.switchboard.store.postgresql;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.config.ReloadSettings;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.StaleException;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.flywaydb.core.api.FlywayException;

/**
 * The admin store in a PostgreSQL database (SPEC section 12), shared by every node: one row per virtual model
 * (table {@code switchboard.virtual_models}, targets in {@code switchboard.virtual_model_targets}) and one
 * revision number for the whole table ({@code switchboard.store_revision}), bumped and notified on channel
 * {@value Schema#CHANNEL} by a trigger on every change, the gateway's and hand edits alike.
 *
 * <p>Two connections per node: the worker, for reads and writes (serialized here; the node's
 * {@code LiveConfig} serializes them anyway), and the listener's ({@link Listener}), which {@code LISTEN}s and
 * polls the revision. The worker connects on the first read, which also runs the schema migrations
 * ({@link Schema}). A read first asks for the revision and loads the rows only when it moved. A write is one
 * transaction: lock the revision ({@code SELECT ... FOR UPDATE}, so writers on all nodes follow one another),
 * read the rows as the previous writer left them, check {@code If-Match}, let the caller validate and change
 * them, write the difference (the trigger bumps the revision and notifies), commit; only then is it
 * acknowledged.
 *
 * <p>When the database cannot be reached, reads and writes throw {@link StoreUnavailableException} at once
 * (no new connection attempt before the backoff's pause is over, or before the listener got through again);
 * a connection left over from before a database restart is replaced once, transparently, but one that got no
 * answer within {@link #SOCKET_TIMEOUT_SECONDS} is not tried again: that wait is the longest a read or write takes.
 * Credentials go to the driver as properties, never into a URL, a message or a log line. Thread-safe.
 */
final class PostgresAdminStore implements AdminStore {

    /**
     * Longest wait for a connection to open, log-in included: a server (or a proxy in front of one) that accepts the
     * connection and then says nothing must not hold a read or write for {@link #SOCKET_TIMEOUT_SECONDS}.
     */
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** Longest wait for an answer on an open connection: a database that hangs is one that is down. */
    static final int SOCKET_TIMEOUT_SECONDS = 30;
    /**
     * Longest wait for a lock ({@code lock_timeout}): a write behind another session's lock (a {@code LOCK TABLE} by
     * hand, a long hand edit) is refused well before {@link #SOCKET_TIMEOUT_SECONDS}, as busy, not as down.
     */
    static final int LOCK_TIMEOUT_SECONDS = 10;
    /**
     * Longest pause inside a transaction ({@code idle_in_transaction_session_timeout}): the server ends a session of
     * ours that stops talking mid-write (its node lost the network, or froze) and so releases the revision lock every
     * node's writes wait for, instead of keeping it until TCP keepalive notices, hours later. Our transactions never
     * pause for more than a validation.
     */
    static final int IDLE_IN_TRANSACTION_SECONDS = 5;
    /** {@code application_name} of the worker connection, as {@code pg_stat_activity} shows it. */
    static final String APPLICATION = "switchboard";
    /** {@code application_name} of the listener's connection. */
    static final String LISTENER_APPLICATION = "switchboard-listen";
    /** {@code application_name} of the connections that run the migrations. */
    static final String MIGRATION_APPLICATION = "switchboard-migrate";

    private final PostgresAddress address;
    private final String user;
    private final String password;
    private final SqlFailures failures;
    // The driver itself, not DriverManager (no lookup by URL). Loading pgjdbc's class registers a driver there all the
    // same; the WAR takes it out when it is undeployed (GatewayWebapp), a host webapp with its own pgjdbc does as it does.
    private final Driver driver = new org.postgresql.Driver();

    /** Guards the worker connection and what it read. */
    private final Object io = new Object();
    private volatile Connection worker;
    /** Guarded by {@link #io}. */
    private final Backoff backoff = new Backoff();
    /** Guarded by {@link #io}. */
    private boolean migrated;
    /** Guarded by {@link #io}: the revision of {@link #cached} (its number and when it was made). */
    private Table.Revision cachedRevision;
    /** Guarded by {@link #io}: the rows at the revision read last. */
    private StoreContents.Rows cached;
    /** Why the database cannot be reached, until a connection gets through; {@code null} while it can. */
    private volatile String down;
    /** {@link System#nanoTime()} before which no new worker connection is attempted while {@link #down}. */
    private volatile long retryAt;
    private volatile Supplier<Duration> pollInterval = () -> ReloadSettings.DEFAULT_POLL_INTERVAL;
    private volatile boolean closed;
    /** Whether a read of the store ever succeeded (this node had its rules from it, not only from its snapshot). */
    private volatile boolean readOnce;
    /** Guarded by {@code this}. */
    private Listener listener;

    PostgresAdminStore(PostgresAddress address, String user, String password) {
        this.address = address;
        this.user = user;
        this.password = password;
        this.failures = new SqlFailures(user, password);
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    /** @return {@code postgresql://HOST:PORT/DB}: no parameter, no credential */
    @Override
    public String location() {
        return address.display();
    }

    @Override
    public String name() {
        return address.display();
    }

    @Override
    public boolean isFor(AdminSettings admin, Path configFile) {
        // A file store has no scheme: Set.of(...).contains(null) throws, and a node moving to a file store failed each look.
        if (admin.storeScheme() == null || !PostgresAddress.SCHEMES.contains(admin.storeScheme())) {
            return false;
        }
        try {
            return PostgresAddress.parse(admin.store()).equals(address) && admin.storeUser().equals(user)
                    && admin.storePassword().equals(password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Nothing to prepare: the first read connects and migrates. */
    @Override
    public void open() {
    }

    @Override
    public StoreContents read() throws IOException {
        synchronized (io) {
            for (int attempt = 1; ; attempt++) {
                Connection c = connection();
                try {
                    StoreContents.Rows rows = load(c);
                    readOnce = true;
                    return rows;
                } catch (SQLException e) {
                    dropWorker();
                    if (attempt == 1 && brokenConnection(e)) {
                        continue;
                    }
                    throw failure(e, "cannot be read");
                }
            }
        }
    }

    /**
     * @return whether a statement failed because its connection broke after it was made, which earns one fresh try
     *     before the database is called down: a connection from before a database restart, or one the server ended
     *     as it paused mid-transaction (a long GC, a frozen node; the reset can overtake the server's last message,
     *     08006 instead of 25P03). Not after a timeout: the database or the network hangs, and a new connection would
     *     wait again.
     */
    private static boolean brokenConnection(SQLException e) {
        return SqlFailures.unreachable(e) && !SqlFailures.timedOut(e) || SqlFailures.sessionEnded(e);
    }

    /** The revision; the rows only when it moved since the last read. Holds {@link #io}. */
    private StoreContents.Rows load(Connection c) throws SQLException {
        if (cached != null && Table.revision(c, false).equals(cachedRevision)) {
            return cached;
        }
        c.setAutoCommit(false);
        try {
            try (Statement s = c.createStatement()) {
                // One snapshot for the revision and the rows: they belong together.
                s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            Table.Revision revision = Table.revision(c, false);
            StoreContents.Rows rows = new StoreContents.Rows(revision.text(), Table.rows(c));
            c.commit();
            cached = rows;
            cachedRevision = revision;
            return rows;
        } finally {
            autocommit(c);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A serialization failure or deadlock (a hand edit of the same rows at the same moment) runs the transaction
     * again, {@code change} included, up to three times.
     *
     * @throws StoreUnavailableException when the database cannot be reached (nothing written), or the connection
     *     broke while committing (then the write may or may not have been applied: the message says so)
     * @throws IllegalArgumentException when {@code change} returns anything but {@link StoreContents.Rows}
     */
    @Override
    public StoreContents write(String ifMatch, UnaryOperator<StoreContents> change) throws StaleException, IOException {
        synchronized (io) {
            for (int attempt = 1; ; attempt++) {
                Connection c = connection();
                boolean committing = false;
                try {
                    c.setAutoCommit(false);
                    Table.Revision read = Table.revision(c, true);
                    StoreContents.Rows now = new StoreContents.Rows(read.text(), Table.rows(c));
                    if (ifMatch != null && !AdminStore.matches(ifMatch, now.revision())) {
                        throw new StaleException("the admin store changed since it was read (If-Match " + ifMatch + ")");
                    }
                    StoreContents next = change.apply(now);
                    if (!(next instanceof StoreContents.Rows proposed)) {
                        throw new IllegalArgumentException("a PostgreSQL store writes rows, not " + next);
                    }
                    boolean changed = Table.write(c, now.rows(), proposed.rows());
                    Table.Revision revision = changed ? Table.revision(c, false) : read;
                    // The rows as the table now holds them (its order and shape), as every other node reads them: the
                    // configuration's version is made from them, and must be the same on every node.
                    StoreContents.Rows stored = changed ? new StoreContents.Rows(revision.text(), Table.rows(c)) : now;
                    committing = true;
                    c.commit();
                    // Acknowledged from here on: committed.
                    cached = stored;
                    cachedRevision = revision;
                    return stored;
                } catch (SQLException e) {
                    rollback(c);
                    if (committing && SqlFailures.unreachable(e)) {
                        dropWorker();
                        throw new StoreUnavailableException(address.display() + ": the connection broke while "
                                + "committing (" + failures.describe(e) + "); the write may or may not have been "
                                + "applied: read the virtual models again to see");
                    }
                    if (SqlFailures.unreachable(e) || SqlFailures.sessionEnded(e) || SqlFailures.schemaMissing(e)) {
                        // A missing schema (dropped by hand, a new database behind the address) is made again on the
                        // next connection, as after a failed read: not on this one.
                        dropWorker();
                    }
                    // Not committed, so rolled back: a broken connection's write runs once more on a new one.
                    if (!committing && attempt < 3 && (attempt == 1 && brokenConnection(e) || SqlFailures.retryable(e))) {
                        continue;
                    }
                    throw failure(e, "cannot be written");
                } catch (RuntimeException | StaleException e) {
                    rollback(c);
                    throw e;
                } finally {
                    autocommit(c);
                }
            }
        }
    }

    @Override
    public synchronized void listen(Runnable changed, BooleanSupplier serving, Supplier<Duration> pollInterval) {
        this.pollInterval = pollInterval;
        if (listener == null && !closed) {
            listener = new Listener(this, changed, serving, pollInterval);
            listener.start();
        }
    }

    /** Stops the listener (waiting for it, bounded) and closes both connections. */
    @Override
    public void close() {
        Listener l;
        synchronized (this) {
            closed = true;
            l = listener;
            listener = null;
        }
        if (l != null) {
            l.stop();
        }
        Connection c = worker;
        if (c != null) {
            // Without the lock: a read stuck on a dead database must not hold up the shutdown.
            abort(c);
        }
        synchronized (io) {
            worker = null;
        }
    }

    // ---- connections --------------------------------------------------------------------------------

    /**
     * A new connection as the store's user: the driver's properties carry the credentials and the address's
     * parameters; the operator's parameters win over our defaults.
     */
    Connection connect(String application) throws SQLException {
        return connect(application, false);
    }

    /**
     * @param bounded whether to bound lock waits and pauses inside a transaction ({@link #LOCK_TIMEOUT_SECONDS},
     *     {@link #IDLE_IN_TRANSACTION_SECONDS}): the worker's reads and writes only. Flyway holds its lock in a
     *     transaction left idle on one connection while it migrates on another, and the listener only reads.
     */
    private Connection connect(String application, boolean bounded) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", application);
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        props.setProperty("tcpKeepAlive", "true");
        props.putAll(address.params());
        if (!user.isEmpty()) {
            props.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            props.setProperty("password", password);
        }
        Connection c = driver.connect(address.jdbcUrl(), props);
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + address.display(), "08001");
        }
        if (!bounded) {
            return c;
        }
        try (Statement s = c.createStatement()) {
            // Set here, not as a startup "options" parameter, which connection poolers such as PgBouncer refuse.
            s.execute("SET lock_timeout = '" + LOCK_TIMEOUT_SECONDS + "s'; SET idle_in_transaction_session_timeout = '"
                    + IDLE_IN_TRANSACTION_SECONDS + "s'");
        } catch (SQLException e) {
            close(c);
            throw e;
        }
        return c;
    }

    /** The worker connection; connects (and migrates, the first time) when there is none. Holds {@link #io}. */
    private Connection connection() throws IOException {
        if (closed) {
            throw new StoreUnavailableException(address.display() + ": the store is closed");
        }
        Connection c = worker;
        if (c != null) {
            return c;
        }
        String why = down;
        if (why != null && System.nanoTime() - retryAt < 0) {
            throw new StoreUnavailableException(why);
        }
        try {
            c = connect(APPLICATION, true);
            if (!migrated) {
                String refused = Schema.refusal(c);
                if (refused != null) {
                    close(c);
                    throw cannotMigrate(failures.scrub(refused));
                }
                Schema.migrate(() -> connect(MIGRATION_APPLICATION));
                migrated = true;
            }
        } catch (SQLException e) {
            close(c);
            throw failure(e, "cannot be reached");
        } catch (FlywayException e) {
            close(c);
            SQLException cause = cause(e);
            if (cause != null && SqlFailures.unreachable(cause)) {
                throw failure(cause, "cannot be reached");
            }
            throw cannotMigrate(failures.describeMigration(e, cause));
        }
        worker = c;
        down = null;
        backoff.reset();
        return c;
    }

    /** Holds {@link #io}: the schema cannot be made or brought up to date, why in one line; retried after a pause. */
    private IOException cannotMigrate(String why) {
        markDown(address.display() + ": cannot migrate schema " + Schema.SCHEMA + " (" + why + ")");
        return new IOException(down);
    }

    /** Holds {@link #io}: a failed read or write, as the exception the caller gets. */
    private IOException failure(SQLException e, String what) {
        if (SqlFailures.schemaMissing(e)) {
            // Dropped by hand, or a new empty database behind the same address: migrate on the next connection.
            migrated = false;
        }
        if (SqlFailures.unreachable(e)) {
            markDown(address.display() + ": cannot be reached (" + failures.describe(e) + ")");
            return new StoreUnavailableException(down);
        }
        if (SqlFailures.busy(e) || SqlFailures.sessionEnded(e)) {
            // Up, but another session holds the tables, or ours was ended: unavailable for now, and the next write
            // tries at once.
            return new StoreUnavailableException(address.display() + ": " + what + " (" + failures.describe(e) + ")");
        }
        return new IOException(address.display() + ": " + what + " (" + failures.describe(e) + ")");
    }

    /** Holds {@link #io}. */
    private void markDown(String why) {
        down = why;
        retryAt = System.nanoTime() + backoff.next(pollInterval.get()).toNanos();
    }

    /** The listener got through: the database is back, the next read or write connects at once. */
    /** @return whether a read of the store ever succeeded: a loss of it is a loss, not a start without it */
    boolean readOnce() {
        return readOnce;
    }

    void reachable() {
        down = null;
    }

    /** @return why, in one line, without a credential */
    String describe(Throwable e) {
        return failures.describe(e);
    }

    /** Holds {@link #io}. */
    private void dropWorker() {
        Connection c = worker;
        worker = null;
        close(c);
    }

    private static SQLException cause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                return s;
            }
        }
        return null;
    }

    private static void rollback(Connection c) {
        try {
            if (!c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException e) {
            // A broken connection rolls back on the server by itself.
        }
    }

    private static void autocommit(Connection c) {
        try {
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // Broken: the next use finds out and replaces it.
        }
    }

    static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // Closing a broken connection: nothing more to do.
            }
        }
    }

    static void abort(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            close(c);
        }
    }

    @Override
    public String toString() {
        return "PostgresAdminStore[" + address.display() + "]";
    }
}
