package dev.switchboard.store.postgresql;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for the tests (the zonky embedded binaries: no Docker, no installed server), on a data folder
 * of its own so it can be stopped and started again with its data, on the same port. The gateway's user
 * {@link #USER} logs in with a password (SCRAM, as a production server would ask); the tests' own superuser
 * connections ({@link #admin}) are trusted.
 */
final class Database implements AutoCloseable {

    /** The role the gateway nodes connect as: a name that appears nowhere else, so the tests can look for it. */
    static final String USER = "sb_node_5f0e2c";
    /** Its password: likewise. */
    static final String PASSWORD = "pw-7d41c9ae-unlikely";

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final Path data;
    private final int port;
    private EmbeddedPostgres pg;

    private Database(Path data, EmbeddedPostgres pg) {
        this.data = data;
        this.pg = pg;
        this.port = pg.getPort();
    }

    /**
     * Starts a server on a new data folder in {@code dir}, with the role {@link #USER}.
     *
     * @param dir where the data folder goes
     * @return the running database
     */
    static Database start(Path dir) throws IOException, SQLException {
        Path data = dir.resolve("pgdata");
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setDataDirectoryCustomizer(folder -> requirePassword(folder.toPath()))
                // A test server need not survive a power cut: commits without waiting for the disk.
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
        Database db = new Database(data, pg);
        try (Connection c = db.admin("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        return db;
    }

    /** The gateway's role logs in with its password over TCP (every test connects to 127.0.0.1). */
    private static void requirePassword(Path folder) {
        Path hba = folder.resolve("pg_hba.conf");
        try {
            String rules = "host all " + USER + " 127.0.0.1/32 scram-sha-256\nhost all " + USER + " ::1/128 scram-sha-256\n";
            Files.writeString(hba, rules + Files.readString(hba));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a new, empty database owned by {@link #USER} */
    String createDatabase() throws SQLException {
        String name = "switchboard_" + NEXT.incrementAndGet();
        try (Connection c = admin("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + USER);
        }
        return name;
    }

    /** @return the {@code admin.store} address of a database */
    String address(String database) {
        return "postgresql://127.0.0.1:" + port + "/" + database;
    }

    int port() {
        return port;
    }

    /** @return a superuser connection to {@code database}, for setting up and for edits by hand */
    Connection admin(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres");
    }

    /**
     * @param database a database
     * @param sql statements run as one transaction by a superuser, as an operator's hand edit would be
     */
    void edit(String database, String sql) throws SQLException {
        try (Connection c = admin(database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** @return the store's revision in {@code database}, as the database has it */
    long revision(String database) throws SQLException {
        try (Connection c = admin(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT revision FROM switchboard.store_revision")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return how many connections with this {@code application_name} wait for a lock now */
    int waitingForLocks(String application) throws SQLException {
        return activity(application, " AND wait_event_type = 'Lock'");
    }

    /** @return how many connections with this {@code application_name} are open */
    int connections(String application) throws SQLException {
        return activity(application, "");
    }

    /** @return how many connections with this {@code application_name} {@code pg_stat_activity} lists, so filtered */
    private int activity(String application, String filter) throws SQLException {
        try (Connection c = admin("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + application + "'" + filter)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** @return how many connections with this {@code application_name} were ended */
    int terminate(String application) throws SQLException {
        try (Connection c = admin("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = '" + application + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Stops the server (fast shutdown: every connection is cut), keeping its data. */
    void stop() throws IOException {
        pg.close();
        pg = null;
    }

    /** Starts the server again on the same port and data. */
    void restart() throws IOException {
        pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
    }

    /** Starts the server again if a test stopped it and did not get to start it. */
    void ensureRunning() throws IOException {
        if (pg == null) {
            restart();
        }
    }

    @Override
    public void close() throws IOException {
        if (pg != null) {
            stop();
        }
    }
}
