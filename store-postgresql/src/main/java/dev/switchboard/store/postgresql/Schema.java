package dev.switchboard.store.postgresql;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The admin store's schema and its migrations, run by Flyway on a node's first connection: versioned, recorded
 * in {@code switchboard.flyway_schema_history}, validated by checksum, serialized across nodes starting together
 * (Flyway takes an advisory lock), and a no-op on a schema that is up to date.
 */
final class Schema {

    /** The store's own schema: nothing else of the database is touched. */
    static final String SCHEMA = "switchboard";
    /** The channel every change is notified on, with the new revision as payload. */
    static final String CHANNEL = "switchboard_admin_store";

    private Schema() {
    }

    /**
     * Creates the schema or brings it up to date; harmless when it is.
     *
     * @param connections opens connections as the store's user
     * @throws FlywayException when it cannot (no permission to create the schema, a migration edited after it ran)
     */
    static void migrate(Connections connections) {
        migrate(connections, MigrationVersion.LATEST);
    }

    /**
     * Brings the schema up to a given version (tests start from an old one, as an upgraded node finds it).
     *
     * @param connections opens connections as the store's user
     * @param target the last version to apply
     */
    static void migrate(Connections connections, MigrationVersion target) {
        Flyway.configure(Schema.class.getClassLoader())
                .dataSource(new Source(connections))
                .schemas(SCHEMA)
                // Only the migrations below: no class-path scan, which could find a host application's own.
                .locations(new String[0])
                .javaMigrations(new V1__Admin_store(), new V2__Fallbacks())
                .target(target)
                .load()
                .migrate();
    }

    /**
     * Why the store's role may not create what the migrations need, from facts the server gives any role, or null
     * when it may (Flyway then says what else fails). Asked before Flyway runs because Flyway tries a refused
     * creation ten times, for about 10 s and with a dozen log lines, and a node waiting for its store would run
     * it again at every attempt.
     *
     * @param c a connection as the store's role
     * @return the reason in one line, or null
     * @throws SQLException when the server cannot be asked
     */
    static String refusal(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT current_database(), "
                + "has_database_privilege(current_database(), 'CREATE'), n.oid IS NOT NULL, "
                + "n.oid IS NOT NULL AND has_schema_privilege(n.oid, 'CREATE'), "
                + "EXISTS (SELECT 1 FROM pg_class t WHERE t.relnamespace = n.oid AND t.relname = 'flyway_schema_history') "
                + "FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = ?")) {
            s.setString(1, SCHEMA);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                String database = r.getString(1);
                boolean createsSchemas = r.getBoolean(2);
                boolean schemaExists = r.getBoolean(3);
                boolean createsTables = r.getBoolean(4);
                boolean migratedBefore = r.getBoolean(5);
                if (!schemaExists && !createsSchemas) {
                    // The role is not named: messages never carry the user's name (see SqlFailures.scrub).
                    return "admin.store_user may not create schema " + SCHEMA + " in database \"" + database
                            + "\"; grant it CREATE on the database, or create schema " + SCHEMA + " owned by it";
                }
                if (schemaExists && !createsTables && !migratedBefore) {
                    return "admin.store_user may not create tables in schema " + SCHEMA + ", which it does not own"
                            + "; make it the schema's owner, or grant it CREATE on the schema";
                }
                return null;
            }
        }
    }

    /** Opens a connection to the store's database. */
    @FunctionalInterface
    interface Connections {
        Connection open() throws SQLException;
    }

    /** What Flyway connects through: the store's own connections (credentials as properties, never in a URL). */
    private static final class Source implements DataSource {
        private final Connections connections;

        Source(Connections connections) {
            this.connections = connections;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return connections.open();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the admin store connects with its own credentials");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // The driver logs through java.util.logging.
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // The store's connect timeout applies.
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException("not a wrapper of " + iface.getName());
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }
    }
}
