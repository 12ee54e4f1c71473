package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.StaleException;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@link PostgresAdminStore} on its own against a real PostgreSQL: migrations, the revision, If-Match, the shape of
 * the rows, and what it says when the database cannot be used.
 */
final class PostgresStoreTest extends StoreTests {

    private AdminStore store(String address, String password) {
        return store(address, Database.USER, password);
    }

    private static StoreContents.Rows rows(StoreContents contents) {
        assertThat(contents).isInstanceOf(StoreContents.Rows.class);
        return (StoreContents.Rows) contents;
    }

    private int appliedMigrations() throws Exception {
        try (Connection c = db.admin(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM switchboard.flyway_schema_history WHERE success")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void shouldCreateTheSchemaOnTheFirstReadAndLeaveItAloneOnARestart() throws Exception {
        StoreContents first = store().read();
        int applied = appliedMigrations();
        // A node restarting on the existing schema, and the migrations run once more on their own.
        StoreContents again = store().read();
        Schema.migrate(() -> ((PostgresAdminStore) store()).connect("test"));

        assertThat(rows(first).revision()).isEqualTo("0");
        assertThat(rows(first).rows()).isEmpty();
        assertThat(again).isEqualTo(first);
        assertThat(appliedMigrations()).isEqualTo(applied);
        assertThat(applied).as("the schema's creation, V1 and V2").isEqualTo(3);
    }

    // Regression (a probe): a reload the listener ran failed with an Error (out of memory, 5,000 rows written at once
    // into a 192 MB heap), which ended the listener's thread for good: the node heard no change again but by its poll
    // (2 s instead of tens of milliseconds), and nothing said so.
    @Test
    void shouldKeepListeningAfterAReloadItRanFailedWithAnError() throws Exception {
        PostgresAdminStore store = (PostgresAdminStore) store();
        store.read();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        List<String> said;
        try (SwitchboardLog log = SwitchboardLog.capture()) {
            // A poll too slow to be what notices the change below: only a notification can, within the wait.
            store.listen(() -> {
                if (runs.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("Java heap space (a test)");
                }
            }, () -> true, () -> Duration.ofMinutes(1));
            // Its first run failed; it reconnected and caught up (a second run).
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 2);
            int before = runs.get();
            AdminStore other = store();
            other.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() > before);
            said = log.lines();
        }
        assertThat(said).contains("ERROR Switchboard: the admin store listener failed (java.lang.OutOfMemoryError: Java"
                + " heap space (a test)); reconnecting");
    }

    // Regression (a probe): the error said to restore the row at revision 0, and the count started over, so an ETag held
    // from before (If-Match "2") matched again once the count came back to it: a stale write taken.
    @Test
    void shouldSayHowToRestoreAMissingRevisionRowWithoutReusingAnEtag() throws Exception {
        AdminStore store = store();
        String before = store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST))).revision();
        db.edit(database, "DELETE FROM switchboard.store_revision");

        assertThatThrownBy(store::read).hasMessageContaining("switchboard.store_revision has no row; restore it with a"
                + " revision past every one used before, so that no ETag held from before matches again: "
                + Table.RESTORE_REVISION);
        db.edit(database, Table.RESTORE_REVISION);

        String after = store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST))).revision();
        assertThat(Long.parseLong(after)).isGreaterThan(1_000_000_000_000L).isGreaterThan(Long.parseLong(before));
        assertThatThrownBy(() -> store.write(AdminStore.etag(before), now -> now)).isInstanceOf(StaleException.class);
    }

    @Test
    void shouldMakeTheSchemaAgainAfterAWriteFoundItGone() throws Exception {
        // Dropped by hand, or a new empty database behind the same address: the write that finds it gone fails, the
        // next one connects again and makes it (a write used to keep its connection, and failed until it broke).
        AdminStore store = store();
        store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST)));
        db.edit(database, "DROP SCHEMA switchboard CASCADE");

        assertThatThrownBy(() -> store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST))))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("does not exist");
        StoreContents written = store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST)));

        assertThat(rows(written).rows()).singleElement().satisfies(r -> assertThat(r.get("source")).isEqualTo("fast"));
        assertThat(appliedMigrations()).isEqualTo(3);
    }

    @Test
    void shouldUpgradeAVersion1SchemaKeepingItsRowsWithoutFallbacks() throws Exception {
        Schema.migrate(() -> ((PostgresAdminStore) store()).connect("test"), MigrationVersion.fromVersion("1"));
        try (Connection c = db.admin(database); Statement s = c.createStatement()) {
            // A row as a node of the last release wrote it (schema version 1: no fallbacks column).
            s.execute("INSERT INTO switchboard.virtual_models (source, strategy, user_paths, enabled, description)"
                    + " VALUES ('fast', 'sticky', '{}', true, '')");
            s.execute("INSERT INTO switchboard.virtual_model_targets (source, position, model, weight)"
                    + " VALUES ('fast', 0, 'openai/gpt-5-mini', 1)");
        }

        StoreContents read = store().read();

        assertThat(appliedMigrations()).isEqualTo(3);
        assertThat(rows(read).rows()).containsExactly(FAST);
    }

    @Test
    void shouldWriteAndReadEveryFieldOfARow() throws Exception {
        AdminStore store = store();
        Map<String, Object> ab = Map.of("source", "ab",
                "targets", List.of(Map.of("model", "b/one", "weight", 3), Map.of("model", "a/two", "weight", 1)),
                "strategy", "round_robin", "fallbacks", List.of("c/three", "a/four"),
                "user_paths", List.of("/acme/ml", "/acme/labs"), "enabled", false,
                "description", "ünïcode ${NOT_EXPANDED}");
        Map<String, Object> policy = Map.of("source", "openai/", "user_paths", List.of("/acme"), "enabled", true,
                "description", "");

        StoreContents written = store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(ab, FAST, policy)));
        StoreContents read = store().read();

        assertThat(written.revision()).isEqualTo("1");
        assertThat(rows(read).revision()).isEqualTo("1");
        // In source order (byte order, whatever the database's collation).
        assertThat(rows(read).rows()).containsExactly(ab, FAST, policy);
    }

    @Test
    void shouldBumpTheRevisionOncePerTransactionAndNotifyIt() throws Exception {
        AdminStore store = store();
        store.read();
        try (Connection listener = db.admin(database); Statement s = listener.createStatement()) {
            s.execute("LISTEN " + Schema.CHANNEL);

            store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST)));
            db.edit(database, """
                    BEGIN;
                    INSERT INTO switchboard.virtual_models (source) VALUES ('by-hand');
                    INSERT INTO switchboard.virtual_model_targets (source, position, model) VALUES ('by-hand', 0, 'x/y');
                    UPDATE switchboard.virtual_models SET description = 'edited' WHERE source = 'by-hand';
                    COMMIT;""");
            // Changing nothing changes nothing.
            StoreContents same = store.write(null, now -> now);
            PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(5000);

            assertThat(heard).extracting(PGNotification::getParameter).containsExactly("1", "2");
            assertThat(same.revision()).isEqualTo("2");
        }
        assertThat(db.revision(database)).isEqualTo(2);
        assertThat(rows(store.read()).rows()).extracting(r -> r.get("source")).containsExactly("by-hand", "fast");
    }

    @Test
    void shouldRefuseAStaleIfMatchAndWriteNothing() throws Exception {
        AdminStore store = store();
        String etag = AdminStore.etag(store.read().revision());
        store().write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST)));

        assertThatThrownBy(() -> store.write(etag, now -> new StoreContents.Rows(now.revision(), List.of())))
                .isInstanceOf(StaleException.class);
        assertThat(rows(store.read()).rows()).containsExactly(FAST);
        assertThat(store.write("\"1\"", now -> new StoreContents.Rows(now.revision(), List.of())).revision()).isEqualTo("2");
    }

    @Test
    void shouldWriteNothingWhenTheChangeRefuses() throws Exception {
        AdminStore store = store();

        assertThatThrownBy(() -> store.write(null, now -> {
            throw new IllegalStateException("refused");
        })).hasMessage("refused");
        assertThat(store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST))).revision()).isEqualTo("1");
    }

    @Test
    void shouldSayTheDatabaseIsDownWithoutACredential() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        AdminStore store = store("postgresql://127.0.0.1:" + closedPort + "/" + database, Database.PASSWORD);

        assertThatThrownBy(store::read).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("postgresql://127.0.0.1:" + closedPort + "/" + database + ": cannot be reached (connection refused)");
        assertThatThrownBy(() -> store.write(null, now -> now)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageNotContaining(Database.USER).hasMessageNotContaining(Database.PASSWORD);
    }

    @Test
    void shouldSayTheCredentialsAreRefusedWithoutRepeatingThem() {
        AdminStore store = store(db.address(database), "not-" + Database.PASSWORD);

        assertThatThrownBy(store::read).isInstanceOf(StoreUnavailableException.class)
                .hasMessage(db.address(database) + ": cannot be reached (the database refused the credentials of "
                        + "admin.store_user / admin.store_password)");
    }

    @Test
    void shouldSayWhyTheSchemaCannotBeCreated() throws Exception {
        // The README's own setup names the role like the schema; this database is not its own, so it may not create it.
        String notOwned = database + "_not_owned";
        db.edit("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'switchboard') THEN "
                + "CREATE ROLE switchboard LOGIN; END IF; END $$");
        db.edit("postgres", "CREATE DATABASE " + notOwned);
        AdminStore store = store(db.address(notOwned), "switchboard", "pw");

        long started = System.nanoTime();
        assertThatThrownBy(store::read).isInstanceOf(java.io.IOException.class).hasMessage(db.address(notOwned)
                + ": cannot migrate schema switchboard (admin.store_user may not create schema switchboard in "
                + "database \"" + notOwned + "\"; grant it CREATE on the database, or create schema switchboard owned by it)");
        // Asked before Flyway, which tries a refused creation ten times (about 10 s) and logs each attempt.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        try (Connection c = db.admin(notOwned); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = 'switchboard'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }

        // A schema made for it by someone else, which it may not create tables in, is refused the same way.
        db.edit(notOwned, "CREATE SCHEMA switchboard");
        Thread.sleep(1000); // past the pause before the next attempt (100 ms, then doubling)
        assertThatThrownBy(store::read).isInstanceOf(java.io.IOException.class).hasMessage(db.address(notOwned)
                + ": cannot migrate schema switchboard (admin.store_user may not create tables in schema switchboard, "
                + "which it does not own; make it the schema's owner, or grant it CREATE on the schema)");

        // Once it owns the schema, the next attempt migrates it, as after any refusal.
        db.edit(notOwned, "ALTER SCHEMA switchboard OWNER TO switchboard");
        Thread.sleep(1000);
        assertThat(rows(store.read()).rows()).isEmpty();
    }

    @Test
    void shouldSayWhichMigrationFailsValidation() throws Exception {
        store().read();
        db.edit(database, "UPDATE switchboard.flyway_schema_history SET checksum = 42 WHERE version = '2'");

        assertThatThrownBy(store()::read).isInstanceOf(java.io.IOException.class).hasMessage(db.address(database)
                + ": cannot migrate schema switchboard (Validate failed: Migrations have failed validation: "
                + "Migration checksum mismatch for migration version 2)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "postgresql://db.internal|must name one database: postgresql://HOST:PORT/DB",
        "postgresql://db.internal:5432/a/b|must name one database: postgresql://HOST:PORT/DB",
        "postgresql:///switchboard|must name a host: postgresql://HOST:PORT/DB, or several: postgresql://HOST:PORT,HOST:PORT/DB",
        "postgresql://db1,/switchboard|must name each host as HOST or HOST:PORT, was \"\" in the list of hosts",
        "postgresql://db1,db2:x/switchboard|must name each host as HOST or HOST:PORT, was \"db2:x\" in the list of hosts",
        "postgresql://u:hunter2@db1,db2/switchboard|must not carry credentials; set admin.store_user and admin.store_password",
        "postgresql://u:hunter2@db/switchboard|must not carry credentials; set admin.store_user and admin.store_password",
        "postgresql://db/switchboard?sslmode=require&password=hunter2|must not carry the parameter password; credentials come from admin.store_user and admin.store_password",
        "postgresql://db/switchboard#x|must not have a #fragment",
    })
    void shouldRefuseAnAddressItCannotUse(String address, String message) {
        assertThatThrownBy(() -> new PostgresStoreFactory().create(new AdminSettings("", address, "u", "p")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void shouldTryEachHostOfAListForThePrimary() throws Exception {
        // A replicated PostgreSQL without a proxy in front: the driver tries the hosts in turn and takes the primary.
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String address = "postgresql://127.0.0.1:" + closedPort + ",127.0.0.1:" + db.port() + "/" + database;
        AdminStore store = store(address);

        assertThat(store.location()).isEqualTo(address);
        assertThat(store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(FAST))).revision()).isEqualTo("1");
        assertThat(((StoreContents.Rows) store().read()).rows()).singleElement()
                .satisfies(row -> assertThat(row.get("source")).isEqualTo("fast"));
        assertThat(PostgresAddress.parse(address).params()).containsEntry("targetServerType", "primary");
        assertThat(PostgresAddress.parse(address + "?targetServerType=preferPrimary").params())
                .as("the address's own choice stands").containsEntry("targetServerType", "preferPrimary");
        assertThat(PostgresAddress.parse(db.address(database)).params()).as("one host: the driver's default")
                .doesNotContainKey("targetServerType");
        assertThat(PostgresAddress.parse("postgres://[::1]:6543,db2/switchboard").jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:6543,db2:5432/switchboard");
    }

    @Test
    void shouldShowTheAddressWithoutParametersOrCredentials() {
        AdminStore store = new PostgresStoreFactory().create(new AdminSettings("",
                "postgres://[::1]:6543/switchboard?sslmode=verify-full&sslrootcert=/etc/ca.pem", Database.USER,
                Database.PASSWORD));

        assertThat(store.kind()).isEqualTo("postgresql");
        assertThat(store.location()).isEqualTo("postgresql://[::1]:6543/switchboard");
        assertThat(store.isFor(new AdminSettings("", "postgresql://[::1]:6543/switchboard?sslmode=verify-full"
                + "&sslrootcert=/etc/ca.pem", Database.USER, Database.PASSWORD), null)).isTrue();
        assertThat(store.isFor(new AdminSettings("", "postgres://[::1]:6543/switchboard?sslmode=verify-full"
                + "&sslrootcert=/etc/ca.pem", Database.USER, "rotated"), null)).as("a new password: a new store").isFalse();
    }
}
