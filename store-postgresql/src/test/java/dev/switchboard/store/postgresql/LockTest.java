package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.store.AdminStore;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes waiting for a lock (SPEC section 12): behind another session's {@code LOCK TABLE} a write is refused as busy
 * after {@code lock_timeout}, not left hanging until the socket gives up and the database is called down; and the
 * revision lock of a writer whose node vanished mid-transaction is released by the server within seconds, not kept
 * until TCP keepalive notices, hours later, while every node's writes wait for it.
 */
final class LockTest extends StoreTests {

    private static StoreContents write(AdminStore store, List<Map<String, Object>> rows) throws Exception {
        return store.write(null, now -> new StoreContents.Rows(now.revision(), rows));
    }

    @Test
    void shouldRefuseAWriteBehindAHeldLockAsBusyAndWriteAtOnceWhenItIsReleased() throws Exception {
        AdminStore store = store(db.address(database));
        store.read();
        long waited;
        try (Connection c = db.admin(database); Statement s = c.createStatement()) {
            // An operator's psql session, left in its transaction.
            c.setAutoCommit(false);
            s.execute("LOCK TABLE switchboard.store_revision IN ACCESS EXCLUSIVE MODE");
            long start = System.nanoTime();
            assertThatThrownBy(() -> write(store, List.of(FAST))).isInstanceOf(StoreUnavailableException.class)
                    .hasMessage(db.address(database) + ": cannot be written (another session holds a lock on its "
                            + "tables (waited 10 s))");
            waited = System.nanoTime() - start;
            c.rollback();
        }

        assertThat(Duration.ofNanos(waited)).isLessThan(Duration.ofSeconds(PostgresAdminStore.SOCKET_TIMEOUT_SECONDS));
        // The database is up all along: not called down, the next write goes through at once.
        assertThat(write(store, List.of(FAST)).revision()).isEqualTo("1");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "held past lock_timeout: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void shouldPutAChangeOfTheConfigFileInForceWhileTheStoreIsLockedNotOnceTheStoresReadGivesUp(boolean held,
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (SwitchboardLog logs = SwitchboardLog.capture(); Node node = Node.start(dir, db.address(database),
                Duration.ofMillis(100), "")) {
            assertThat(node.put("{\"source\":\"probe\",\"target_model\":\"m/stored\"}").status()).isEqualTo(200);
            java.nio.file.Path config = dir.resolve("switchboard.yaml");
            long waited;
            try (Connection c = db.admin(database); Statement s = c.createStatement()) {
                // An operator's psql session holds the tables: every read of the store waits for lock_timeout (10 s).
                c.setAutoCommit(false);
                s.execute("LOCK TABLE switchboard.store_revision IN ACCESS EXCLUSIVE MODE");
                // The node's look (one every 100 ms) is waiting on the store when the file changes.
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> db.waitingForLocks(PostgresAdminStore.APPLICATION) > 0);
                long start = System.nanoTime();
                java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
                        .replace("virtual_models:\n  []\n", "virtual_models:\n  - {source: m/emergency, enabled: false}\n"));
                // The emergency deny of the file goes live with the store's rows in force, the store's read going on
                // (not once the read that was under way when the file changed gives up, 10 s after it began).
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(20))
                        .until(() -> node.route("m/emergency").equals("HTTP 403"));
                waited = System.nanoTime() - start;
                assertThat(node.route("probe")).isEqualTo("m/stored");
                // Held on until the read that began before the change gives up: the file it read first is not put
                // back in force then (the deny kept at every look), and the lock is reported.
                if (held) {
                    // Checked at every poll while waiting: an assertion that fails ends the wait, failing the test.
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(PostgresAdminStore.LOCK_TIMEOUT_SECONDS + 5))
                            .pollInterval(Duration.ofMillis(20)).until(() -> {
                                assertThat(node.route("m/emergency")).isEqualTo("HTTP 403");
                                return node.get("/admin/status").body().contains("another session holds a lock on its"
                                        + " tables");
                            });
                    // A second after the read gave up, and the looks after it: still denied.
                    org.awaitility.Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                            .pollInterval(Duration.ofMillis(20)).until(() -> node.route("m/emergency").equals("HTTP 403"));
                }
                c.rollback();
            }
            assertThat(Duration.ofNanos(waited)).as("not after lock_timeout")
                    .isLessThan(Duration.ofSeconds(PostgresAdminStore.LOCK_TIMEOUT_SECONDS - 5));
            // The lock released, the read ends well: the store as it was all along, said as such (as read again after
            // a read that gave up), nothing left reported, and the node writes again.
            String answered = held ? "INFO Switchboard: the configuration can be read again, unchanged; "
                    : "INFO Switchboard: the admin store answered, unchanged; ";
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> logs.lines().stream()
                    .anyMatch(l -> l.startsWith(answered)));
            assertThat(logs.lines()).anyMatch(l -> l.startsWith("INFO Switchboard: reloaded configuration ")
                    && l.endsWith(" virtual models): the config file with the admin store's rows in force; the store"
                    + " has not answered in 1000 ms, and its read goes on"));
            assertThat(logs.lines()).noneMatch(l -> l.startsWith("ERROR") || !held && l.startsWith("WARN"));
            assertThat(node.get("/admin/status").body()).contains("\"last_reload_error\":null");
            assertThat(node.put("{\"source\":\"probe\",\"target_model\":\"m/after\"}").status()).isEqualTo(200);
            assertThat(node.route("probe")).isEqualTo("m/after");
            assertThat(node.route("m/emergency")).isEqualTo("HTTP 403");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "read first: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void shouldRunAWriteAgainWhenTheServerEndedItsSessionForPausingMidTransaction(boolean readFirst) throws Exception {
        // The write's connection is the one a read left, or a fresh one (the first write after a start).
        AdminStore store = store(db.address(database));
        if (readFirst) {
            store.read();
        }
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

        StoreContents written = store.write(null, now -> {
            if (runs.incrementAndGet() == 1) {
                // A node that froze (a long GC pause) in the middle of its write: the server ends the session.
                try {
                    Thread.sleep(Duration.ofSeconds(PostgresAdminStore.IDLE_IN_TRANSACTION_SECONDS + 1).toMillis());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return new StoreContents.Rows(now.revision(), List.of(FAST));
        });

        assertThat(written.revision()).isEqualTo("1");
        assertThat(runs).hasValue(2);
    }

    @Test
    void shouldReleaseTheLockOfAWriterWhoseNodeVanishedMidTransaction() throws Exception {
        try (StallingProxy network = new StallingProxy(db.port())) {
            // Node A reaches the database through a network that fails in the middle of its write.
            AdminStore a = store("postgresql://127.0.0.1:" + network.port() + "/" + database + "?socketTimeout=1");
            AdminStore b = store(db.address(database));
            a.read();
            b.read();
            assertThatThrownBy(() -> a.write(null, now -> {
                network.stall();
                return new StoreContents.Rows(now.revision(), List.of(FAST));
            })).isInstanceOf(StoreUnavailableException.class);

            // A's transaction holds the revision lock on the server, which hears nothing more from it.
            long start = System.nanoTime();
            StoreContents written = write(b, List.of(FAST));
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(written.revision()).isEqualTo("1");
            assertThat(waited).isLessThan(Duration.ofSeconds(PostgresAdminStore.IDLE_IN_TRANSACTION_SECONDS + 3));
        }
    }
}
