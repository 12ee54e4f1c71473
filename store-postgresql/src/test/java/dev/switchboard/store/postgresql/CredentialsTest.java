package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The store's credentials come from <code>${...}</code> and go to the database only (SPEC section 12): not into a
 * log line (Switchboard's and Flyway's through SLF4J at DEBUG, the driver's through java.util.logging at INFO; the
 * password not even in the driver's FINE lines), not into {@code /admin/status} or any admin answer, not into a
 * start-up error or the refusals of a node waiting for its store, also when the database refuses them or connections
 * are cut.
 */
final class CredentialsTest {

    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();
    private final ListAppender<ILoggingEvent> slf4j = new ListAppender<>();
    private final List<LogRecord> driver = Collections.synchronizedList(new ArrayList<>());
    private final java.util.logging.Logger driverLogger = java.util.logging.Logger.getLogger("org.postgresql");
    private final Handler driverHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            driver.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level driverLevel;

    @BeforeEach
    void capture() {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        slf4j.start();
        root.addAppender(slf4j);
        driverLevel = driverLogger.getLevel();
        driverLogger.setLevel(Level.FINE);
        driverHandler.setLevel(Level.FINE);
        driverLogger.addHandler(driverHandler);
    }

    @AfterEach
    void release() {
        nodes.forEach(Node::close);
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(slf4j);
        driverLogger.removeHandler(driverHandler);
        driverLogger.setLevel(driverLevel);
    }

    @Test
    void shouldNeverLogOrShowTheStoreCredentials() throws Exception {
        Database db = SharedDatabase.get();
        String database = db.createDatabase();
        Node a = Node.start(dir.resolve("a"), db.address(database), Duration.ofMillis(250), "");
        nodes.add(a);
        Node b = Node.start(dir.resolve("b"), db.address(database), Duration.ofMillis(250), "");
        nodes.add(b);
        List<String> shown = new ArrayList<>();

        shown.add(a.put("{\"source\":\"fast\",\"target_model\":\"m/1\"}").body());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.served() == 1);
        // Connections cut under the nodes: they say so, and reconnect.
        await().atMost(Duration.ofSeconds(10)).until(() -> db.connections(PostgresAdminStore.LISTENER_APPLICATION) == 2);
        db.terminate(PostgresAdminStore.LISTENER_APPLICATION);
        db.terminate(PostgresAdminStore.APPLICATION);
        await().atMost(Duration.ofSeconds(10)).until(() -> db.connections(PostgresAdminStore.LISTENER_APPLICATION) == 2);
        shown.add(b.put("{\"source\":\"slow\",\"target_model\":\"m/2\"}").body());
        for (Node n : nodes) {
            shown.add(n.get("/admin/status").body());
            shown.add(n.get("/admin/virtual-models").body());
            shown.add(n.live.get().toString());
        }
        // A node whose password the database refuses waits for its store (refusing every request), and says why
        // without it: in its status, its refusals and its log.
        Node c = Node.start(dir.resolve("c"), db.address(database), Duration.ofMillis(250), "",
                "wrong-" + Database.PASSWORD);
        nodes.add(c);
        String why = db.address(database) + ": cannot be reached (the database refused the credentials of"
                + " admin.store_user / admin.store_password)";
        Node.Reply refused = c.chat("m/x");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).contains(why);
        assertThat(c.get("/admin/status").body()).contains(why);
        shown.add(refused.body());
        shown.add(c.get("/admin/status").body());
        shown.add(c.get("/admin/virtual-models").body());

        List<String> logged = new ArrayList<>();
        List<String> debug = new ArrayList<>();
        for (ILoggingEvent e : slf4j.list) {
            // The test database's own server log is not the gateway's.
            if (!e.getLoggerName().startsWith("io.zonky")) {
                logged.add(e.getLoggerName() + ": " + e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())));
            }
        }
        synchronized (driver) {
            for (LogRecord r : driver) {
                String line = r.getLoggerName() + ": " + new java.util.logging.SimpleFormatter().formatMessage(r)
                        + (r.getThrown() == null ? "" : r.getThrown());
                (r.getLevel().intValue() >= Level.INFO.intValue() ? logged : debug).add(line);
            }
        }
        assertThat(logged).as("something was logged: the test can fail")
                .anyMatch(l -> l.contains("lost the admin store " + db.address(database)))
                .anyMatch(l -> l.startsWith("org.flywaydb"));
        assertThat(debug).as("the driver's debug lines were captured").anyMatch(l -> l.startsWith("org.postgresql"));
        assertThat(String.join("\n", shown)).contains("\"kind\":\"postgresql\"")
                .doesNotContain(Database.USER).doesNotContain(Database.PASSWORD);
        assertThat(logged).noneMatch(l -> l.contains(Database.USER) || l.contains(Database.PASSWORD));
        // The driver's own debug log (java.util.logging FINE, off by default) repeats the server's refusal, which
        // names the user ("password authentication failed for user ..."); the password is in no line at any level.
        assertThat(debug).noneMatch(l -> l.contains(Database.PASSWORD));
    }
}
