package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that started while its store could not be read (SPEC section 12, README "When the database is down"): what
 * happens to its config file meanwhile. It leaves the wait only by reading the store, whatever the file does (deleted,
 * invalid, corrected), holds no more than one store beside the one it waits on, and says why it still waits. The
 * cases a review of the first version found (each failed on it: a store and its connection made per look, a deleted
 * or invalid file keeping the node waiting for good, the first reason given forever, "keeping the last good
 * configuration" logged where there was none, a valid edit of the file not applied).
 */
final class WaitingNodeTest {

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private Database db;
    /** The database of {@link #storeThisNodeCannotApply}. */
    private String database;
    private SwitchboardLog logs;

    @BeforeEach
    void capture() {
        logs = SwitchboardLog.capture();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        logs.close();
        if (db != null) {
            db.ensureRunning();
        }
    }

    private static String yaml(String address, String token, String rows) {
        return config(token, """
                  store: %s
                  store_user: ${SB_STORE_USER}
                  store_password: ${SB_STORE_PASSWORD}
                """.formatted(address), rows);
    }

    private static String fileStoreYaml(Path store) {
        return config("tok-123456789", "  store: " + store + "\n", "");
    }

    /** @param store the admin block's lines after its token */
    private static String config(String token, String store, String rows) {
        return """
                providers:
                  demo:
                    type: echo
                    models: [echo-small]
                default_provider: demo
                admin:
                  token: %s
                %sreload:
                  poll_interval: 200ms
                virtual_models:%s""".formatted(token, store, rows.isEmpty() ? " []\n" : "\n" + rows);
    }

    private LiveConfig load(Path config) {
        Map<String, String> env = Map.of("SB_STORE_USER", Database.USER, "SB_STORE_PASSWORD", Database.PASSWORD);
        LiveConfig live = LiveConfig.load(config, new ConfigLoader(env::get));
        open.add(live);
        return live.start();
    }

    private List<String> lines() {
        return logs.lines();
    }

    /** @return a node started on {@code config}, written to name the store at {@code address} (the database down) */
    private LiveConfig waitingOn(Path config, String address) throws java.io.IOException {
        Files.writeString(config, yaml(address, "tok-123456789", ""));
        LiveConfig late = load(config);
        assertThat(late.get().pendingStore()).startsWith(address + ": cannot be reached (");
        return late;
    }

    /** A store holding one redirect, written by a node that is gone; the database stopped if asked. */
    private String storeWithARow(boolean stop) throws Exception {
        db = SharedDatabase.get();
        String address = db.address(db.createDatabase());
        try (Node writer = Node.start(dir.resolve("writer"), address, Duration.ofMillis(200), "")) {
            assertThat(writer.put("{\"source\":\"probe\",\"target_model\":\"demo/echo-small\"}").status()).isEqualTo(200);
        }
        if (stop) {
            db.stop();
        }
        return address;
    }

    /**
     * @return a store holding a row written by hand that the node cannot apply (a weight of 0). Not a policy on a
     *     provider the node does not declare: such a row is read now, guarding nothing on that node.
     */
    private String storeThisNodeCannotApply() throws Exception {
        db = SharedDatabase.get();
        database = db.createDatabase();
        String address = db.address(database);
        try (Node writer = Node.start(dir.resolve("writer"), address, Duration.ofMillis(200), "")) {
            assertThat(writer.put("{\"source\":\"probe\",\"target_model\":\"demo/echo-small\"}").status()).isEqualTo(200);
        }
        db.edit(database, """
                INSERT INTO switchboard.virtual_models (source) VALUES ('other/');
                INSERT INTO switchboard.virtual_model_targets (source, position, model, weight) VALUES ('other/', 0, 'x/y', 0);""");
        return address;
    }

    // Regression (a PostgreSQL store probe): a node that started while the shared store held one row it cannot apply
    // (a weight of 0, edited by hand) stopped with "invalid configuration", so every node that restarted (a deploy, a
    // crash) stayed down over one row. It starts and waits, as for a store it cannot reach, and goes live once the row
    // is mended.
    @Test
    void shouldStartAndWaitOnAStoreWhoseRowsItCannotApplyUntilTheyAreMended() throws Exception {
        String address = storeThisNodeCannotApply();
        Path config = dir.resolve("late.yaml");
        Files.writeString(config, yaml(address, "tok-123456789", ""));

        LiveConfig late = load(config);

        assertThat(late.get().pendingStore()).startsWith(address + ": ").contains("other/");
        assertThat(late.get().rules().virtualModels()).isEmpty();
        assertThat(lines()).anyMatch(l -> l.startsWith("ERROR Switchboard: the admin store of " + config
                + " cannot be applied at the start: " + address + ": ") && l.endsWith("; this node refuses every"
                + " request with 503 store_unavailable until it can, and keeps trying"));

        db.edit(database, "UPDATE switchboard.virtual_model_targets SET weight = 1 WHERE source = 'other/'");

        await().atMost(PATIENCE).until(() -> late.get().pendingStore() == null);
        assertThat(late.get().rules().virtualModels()).extracting(vm -> vm.source()).contains("probe", "other/");
    }

    @Test
    void shouldKeepOneStoreForACorrectedAddressWhoseRowsDoNotFitAndSayWhy() throws Exception {
        String address = storeThisNodeCannotApply();
        int before = db.connections("switchboard");
        Path config = dir.resolve("late.yaml");
        String wrong = address.replace(":" + db.port() + "/", ":1/");
        Files.writeString(config, yaml(wrong, "tok-123456789", ""));
        LiveConfig late = load(config);
        assertThat(late.get().pendingStore()).isEqualTo(wrong + ": cannot be reached (connection refused)");

        Files.writeString(config, yaml(address, "tok-123456789", ""));
        await().atMost(PATIENCE).until(() -> late.get().pendingStore().contains("other/"));
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(300);
            seen.add(db.connections("switchboard"));
        }
        assertThat(seen).as("its connections, sampled every 300 ms at a 200 ms poll").allMatch(n -> n - before <= 1);
        assertThat(late.get().pendingStore()).as("the reason as it is now, not the first one").doesNotContain(wrong);
        assertThat(late.lastSync()).as("read, but not the store /admin/status shows: no sync of it yet").isNull();
        assertThat(lines()).noneMatch(l -> l.contains("keeping the last good configuration"))
                .anyMatch(l -> l.startsWith("WARN Switchboard: still without the admin store of " + config
                        + ", refusing every request;"));
    }

    @Test
    void shouldLeaveTheWaitWithTheLastGoodFileWhenTheFileIsDeletedMeanwhile() throws Exception {
        String address = storeWithARow(true);
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, address);

        Files.delete(config);
        await().atMost(PATIENCE).until(() -> late.lastError().errors().contains(config + ": no such file"));
        assertThat(late.get().pendingStore()).as("the file's problem is not the store's reason")
                .startsWith(address + ": cannot be reached (");
        db.restart();

        await().atMost(PATIENCE).until(() -> late.get().pendingStore() == null);
        assertThat(late.snapshot().stored()).extracting(vm -> vm.source()).containsExactly("probe");
        assertThat(late.lastError().errors()).contains(config + ": no such file");
    }

    @Test
    void shouldLeaveTheWaitWhenTheFileIsInvalidAndTheStoreWasNeverWritten() throws Exception {
        db = SharedDatabase.get();
        String address = db.address(db.createDatabase());
        try (Node migrated = Node.start(dir.resolve("first"), address, Duration.ofMillis(200), "")) {
            assertThat(migrated.served()).isZero();
        }
        db.stop();
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, address);
        String waitingVersion = late.snapshot().version();

        Files.writeString(config, "providers: [broken\n");
        db.restart();

        await().atMost(PATIENCE).until(() -> late.get().pendingStore() == null);
        assertThat(late.snapshot().version()).isNotEqualTo(waitingVersion);
        assertThat(late.snapshot().storeRevision()).isEqualTo("0");
    }

    @Test
    void shouldApplyAValidEditOfTheFileWhileWaitingStillRefusingEverything() throws Exception {
        String address = storeWithARow(true);
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, address);

        Files.writeString(config, yaml(address, "tok-rotated-987654321", "  - {source: file-row, target: demo/echo-small}\n"));

        await().atMost(PATIENCE).until(() -> late.get().admin().token().equals("tok-rotated-987654321"));
        assertThat(late.get().pendingStore()).as("still deciding nothing").startsWith(address + ": cannot be reached (");
        assertThat(late.snapshot().stored()).isEmpty();

        db.restart();
        await().atMost(PATIENCE).until(() -> late.get().pendingStore() == null);
        assertThat(late.get().rules().virtualModels()).extracting(vm -> vm.source()).containsExactlyInAnyOrder("probe", "file-row");
        assertThat(late.get().admin().token()).isEqualTo("tok-rotated-987654321");
    }

    // From the second review: PostgresAdminStore.isFor threw on a file store's config (no scheme), so a node could not
    // move from a database store to a file store, waiting or not; each look failed with a stack trace.
    @Test
    void shouldMoveToAFileStoreWhileWaitingAndWhileServing() throws Exception {
        db = SharedDatabase.get();
        Path waitingConfig = dir.resolve("waiting.yaml");
        LiveConfig waiting = waitingOn(waitingConfig, "postgresql://127.0.0.1:1/nowhere");
        Path serving = dir.resolve("serving.yaml");
        Files.writeString(serving, yaml(db.address(db.createDatabase()), "tok-123456789", ""));
        LiveConfig live = load(serving);
        assertThat(live.store().kind()).isEqualTo("postgresql");

        Files.writeString(waitingConfig, fileStoreYaml(dir.resolve("waiting-store.yaml")));
        Files.writeString(serving, fileStoreYaml(dir.resolve("serving-store.yaml")));

        await().atMost(PATIENCE).until(() -> waiting.get().pendingStore() == null && live.store().kind().equals("file"));
        assertThat(waiting.lastSync()).as("the file store's read, once it is the store in force").isNotNull();
        assertThat(waiting.store().kind()).isEqualTo("file");
        assertThat(waiting.lastError()).isNull();
        assertThat(live.lastError()).isNull();
        assertThat(lines()).noneMatch(l -> l.contains("failed"));
    }

    // From the second review: a file store tried while waiting names its errors by its path, not by its name.
    @Test
    void shouldGiveTheReasonOfAFileStoreTriedWhileWaiting() throws Exception {
        db = SharedDatabase.get();
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, "postgresql://127.0.0.1:1/nowhere");
        Path folder = Files.createDirectories(dir.resolve("store-is-a-folder.yaml"));

        Files.writeString(config, fileStoreYaml(folder));

        await().atMost(PATIENCE).until(() -> late.get().pendingStore().equals(folder + ": is a directory, not an admin store file"));
    }

    // From the second review: a look after close() (the store's listener, an admin reload during an undeploy) opened a
    // store nobody closed, and could end the wait of a stopped node.
    @Test
    void shouldOpenNothingAfterItWasClosed() throws Exception {
        db = SharedDatabase.get();
        String address = db.address(db.createDatabase());
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, address.replace(":" + db.port() + "/", ":1/"));
        int before = db.connections("switchboard");
        late.close();

        Files.writeString(config, yaml(address, "tok-123456789", ""));
        late.reload();

        assertThat(late.get().pendingStore()).isNotNull();
        assertThat(db.connections("switchboard")).isEqualTo(before);
    }

    // From the second review: the store tried for a corrected address kept its connection after the file named the
    // first store again, until the wait ended.
    @Test
    void shouldLetGoOfTheStoreItTriedWhenTheFileNamesTheFirstAgain() throws Exception {
        String address = storeThisNodeCannotApply();
        int before = db.connections("switchboard");
        String wrong = address.replace(":" + db.port() + "/", ":1/");
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, wrong);
        Files.writeString(config, yaml(address, "tok-123456789", ""));
        await().atMost(PATIENCE).until(() -> db.connections("switchboard") > before);

        Files.writeString(config, yaml(wrong, "tok-123456789", ""));

        await().atMost(PATIENCE).until(() -> db.connections("switchboard") == before);
        assertThat(late.get().pendingStore()).startsWith(wrong + ": cannot be reached (");
    }

    // The store's listener said "serving the last good rules" whenever it had got through once, so also for a node that
    // read the store but could not apply its rows: that node refuses every request, and now says so.
    @Test
    void shouldSayItRefusesWhenItLosesAStoreWhoseRowsItCouldNotApply() throws Exception {
        String address = storeThisNodeCannotApply();
        db.stop();
        Path config = dir.resolve("late.yaml");
        LiveConfig late = waitingOn(config, address);
        db.restart();
        await().atMost(PATIENCE).until(() -> late.get().pendingStore().contains("other/")
                && db.connections(PostgresAdminStore.LISTENER_APPLICATION) == 1);
        int seen = lines().size();

        db.terminate(PostgresAdminStore.LISTENER_APPLICATION);

        String refusing = "WARN Switchboard: cannot reach the admin store " + address + " (";
        // One look at the lines: two (the list, then its size) raced the node's logging, a size past the list's end.
        await().atMost(PATIENCE).until(() -> {
            List<String> now = lines();
            return now.subList(seen, now.size()).stream().anyMatch(l -> l.startsWith(refusing)
                    && l.endsWith("); this node has not read its rules from it and refuses every request until it has,"
                            + " reconnecting"));
        });
        assertThat(lines()).noneMatch(l -> l.contains("serving the last good rules"));
        assertThat(late.get().pendingStore()).contains("other/");
    }
}
