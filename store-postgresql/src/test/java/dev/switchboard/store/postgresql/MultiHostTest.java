package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.store.AdminStore;
import dev.switchboard.store.StoreContents;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An address that lists several hosts, as a replicated PostgreSQL without a proxy in front is reached: the store works
 * on whichever is the primary and follows it when the roles change. The "standby" here is a second server whose
 * transactions are read-only by default, which is how the JDBC driver tells a standby from a primary.
 */
final class MultiHostTest extends StoreTests {

    @TempDir
    Path dir;
    private Database other;

    @BeforeEach
    void secondServer() throws IOException, SQLException {
        other = Database.start(dir);
        other.edit("postgres", "CREATE DATABASE " + database + " OWNER " + Database.USER);
        // A standby has the primary's schema (replicated): made here by a store of its own.
        store(other.address(database)).read();
    }

    @AfterEach
    void stopSecondServer() throws IOException {
        other.close();
    }

    @Test
    void shouldWriteToThePrimaryOfTheListAndFollowItWhenTheRolesChange() throws Exception {
        readOnly(other, true);
        // The driver remembers a host's role for hostRecheckSeconds (10 s by default): 1 s here, to keep the test short.
        String address = "postgresql://127.0.0.1:" + other.port() + ",127.0.0.1:" + db.port() + "/" + database
                + "?hostRecheckSeconds=1";
        AdminStore store = store(address);

        store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(row("before"))));
        assertThat(sources(store(db.address(database)))).as("written to the primary, the second host").containsExactly("before");

        // A failover: the old primary goes read-only and drops its sessions, the other server becomes the primary.
        readOnly(db, true);
        readOnly(other, false);
        db.edit("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + Database.USER + "'");
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                store.write(null, now -> new StoreContents.Rows(now.revision(), List.of(row("after"))));
                return true;
            });
        } finally {
            readOnly(db, false);
        }

        assertThat(sources(store(other.address(database)))).as("written to the new primary, the first host")
                .containsExactly("after");
        assertThat(sources(store(db.address(database)))).as("nothing written to the old one").containsExactly("before");
    }

    private static void readOnly(Database server, boolean on) throws SQLException {
        server.edit("postgres", "ALTER SYSTEM SET default_transaction_read_only = " + (on ? "on" : "off"));
        server.edit("postgres", "SELECT pg_reload_conf()");
    }

    private static Map<String, Object> row(String source) {
        return Map.of("source", source, "targets", List.of(Map.of("model", "openai/gpt-5-mini", "weight", 1)),
                "strategy", "sticky", "user_paths", List.of(), "enabled", true, "description", "");
    }

    private static List<Object> sources(AdminStore store) throws IOException {
        return ((StoreContents.Rows) store.read()).rows().stream().map(r -> r.get("source")).toList();
    }
}
