package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.json.JsonTree;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database stopped in the middle of a run (SPEC section 12): every node keeps serving its last good rules,
 * writes get 503 {@code store_unavailable}, {@code /admin/status} says why; once the database is back, every node
 * reconnects and converges by itself, and no write that was acknowledged is missing. It stops and restarts the
 * shared server (same port, same data); it is running again when the test ends, whatever happened.
 */
final class OutageTest {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();
    private Database db;

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(Node::close);
        if (db != null) {
            db.ensureRunning();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(Node n) throws Exception {
        return (Map<String, Object>) JsonTree.parse(n.get("/admin/status").body().getBytes());
    }

    private static String lastError(Node n) throws Exception {
        return String.valueOf(status(n).get("last_reload_error"));
    }

    @Test
    void shouldKeepServingWhileTheDatabaseIsDownAndConvergeWhenItIsBack() throws Exception {
        db = SharedDatabase.get();
        String database = db.createDatabase();
        String address = db.address(database);
        for (String name : List.of("a", "b", "c")) {
            nodes.add(Node.start(dir.resolve(name), address, POLL, ""));
        }
        Node a = nodes.get(0);
        Node b = nodes.get(1);
        Node c = nodes.get(2);
        assertThat(a.put("{\"source\":\"probe\",\"target_model\":\"m/before\"}").status()).isEqualTo(200);
        for (Node n : nodes) {
            await().atMost(PATIENCE).until(() -> n.served() >= 1);
        }

        // Writers on two nodes all along; what they were told is checked against the database at the end.
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger next = new AtomicInteger();
        Set<String> acknowledged = Collections.synchronizedSet(new HashSet<>());
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (Node writer : List.of(b, c)) {
            writers.add(CompletableFuture.runAsync(() -> {
                // Bounded: a writer never runs away, whatever happens to the test.
                for (int n = 0; n < 5000 && writing.get(); n++) {
                    String source = "w-" + next.getAndIncrement();
                    try {
                        Node.Reply r = writer.put("{\"source\":\"" + source + "\",\"target_model\":\"m/w\"}");
                        if (r.status() == 200) {
                            acknowledged.add(source);
                        } else if (r.status() == 503 && r.body().contains("\"code\":\"store_unavailable\"")) {
                            refused.incrementAndGet();
                        } else {
                            unexpected.add(r.status() + " " + r.body());
                        }
                    } catch (java.io.IOException e) {
                        unexpected.add(e.toString());
                    }
                }
            }));
        }
        await().atMost(PATIENCE).until(() -> acknowledged.size() >= 10);

        long stopped = System.nanoTime();
        db.stop();

        for (Node n : nodes) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                    .until(() -> lastError(n).contains(address + ": cannot be reached ("));
        }
        long detected = System.nanoTime();
        long served = nodes.get(0).served();
        for (Node n : nodes) {
            assertThat(n.route("probe")).as("the last good rules serve").isEqualTo("m/before");
            Node.Reply write = n.put("{\"source\":\"probe\",\"target_model\":\"m/during\"}");
            assertThat(write.status()).isEqualTo(503);
            assertThat(write.body()).startsWith("{\"error\":{\"message\":\"the admin store is unavailable: " + address
                    + ": cannot be reached (").endsWith("\",\"type\":\"api_error\",\"param\":null,\"code\":\"store_unavailable\"}}");
            @SuppressWarnings("unchecked")
            Map<String, Object> store = (Map<String, Object>) status(n).get("store");
            assertThat(store.get("kind")).isEqualTo("postgresql");
            assertThat(store.get("revision")).as("every node still serves what it had").isEqualTo(Long.toString(n.served()));
        }
        int refusedWhileDown = refused.get();
        // An emergency deny in a node's own file goes live with the store's last good rows (it waited for the
        // database before: the whole reload failed on the store).
        Path aConfig = dir.resolve("a").resolve("switchboard.yaml");
        java.nio.file.Files.writeString(aConfig, java.nio.file.Files.readString(aConfig)
                .replace("virtual_models:\n  []\n", "virtual_models:\n  - {source: m/emergency, enabled: false}\n"));
        await().atMost(PATIENCE).until(() -> a.route("m/emergency").equals("HTTP 403"));
        assertThat(a.route("probe")).isEqualTo("m/before");
        assertThat(lastError(a)).contains(address + ": cannot be reached (");

        long restarted = System.nanoTime();
        db.restart();
        // A change made while the nodes are still reconnecting: they must catch up on it by themselves.
        db.edit(database, "UPDATE switchboard.virtual_model_targets SET model = 'm/after' WHERE source = 'probe'");
        long revision = db.revision(database);
        for (Node n : nodes) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> n.served() >= revision);
        }
        long converged = System.nanoTime();
        for (Node n : nodes) {
            await().atMost(PATIENCE).until(() -> status(n).get("last_reload_error") == null);
            assertThat(n.route("probe")).isEqualTo("m/after");
        }
        assertThat(a.route("m/emergency")).isEqualTo("HTTP 403");
        Node.Reply write = a.put("{\"source\":\"after\",\"target_model\":\"m/1\"}");
        assertThat(write.status()).isEqualTo(200);
        await().atMost(PATIENCE).until(() -> acknowledged.size() >= 20 + refusedWhileDown / 1000);
        writing.set(false);
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        String figures = String.format(Locale.ROOT, "database down: every node reported it %d ms after the stop, serving "
                        + "revision %d; %d writes answered 503; back: every node converged %d ms after the restart%n",
                (detected - stopped) / 1_000_000, served, refusedWhileDown, (converged - restarted) / 1_000_000);
        System.out.print(figures);
        java.nio.file.Files.writeString(Path.of("target", "outage.txt"), figures);
        assertThat(unexpected).isEmpty();
        assertThat(refusedWhileDown).isPositive();
        // Acknowledged only after commit: every write a writer was told about is in the database, and on every node.
        Set<String> inDatabase = new HashSet<>();
        try (Connection conn = db.admin(database); Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT source FROM switchboard.virtual_models")) {
            while (rs.next()) {
                inDatabase.add(rs.getString(1));
            }
        }
        assertThat(inDatabase).containsAll(acknowledged);
        long last = db.revision(database);
        for (Node n : nodes) {
            await().atMost(PATIENCE).until(() -> n.served() == last);
            assertThat(n.live.snapshot().stored().stream().map(vm -> vm.source()).toList()).containsAll(acknowledged);
        }
    }

    private Database db() throws Exception {
        db = SharedDatabase.get();
        return db;
    }

    /** @return a node, kept running, that wrote the redirect {@code probe -> m/stored} to the store at {@code address} */
    private Node writerOfProbe(String address) throws Exception {
        Node writer = Node.start(dir.resolve("writer"), address, POLL, "");
        nodes.add(writer);
        assertThat(writer.put("{\"source\":\"probe\",\"target_model\":\"m/stored\"}").status()).isEqualTo(200);
        return writer;
    }

    // A node that started while the database was down used to exit (the jar) or stay undeployed (the WAR) until
    // restarted by hand; serving its config file's rows alone would drop the store's deny policies.
    @Test
    void shouldStartWithoutTheDatabaseRefuseEveryRequestAndServeItsRowsOnceItIsBack() throws Exception {
        String database = db().createDatabase();
        String address = db.address(database);
        Node writer = writerOfProbe(address);
        assertThat(writer.put("{\"source\":\"m/denied\",\"enabled\":false}").status()).isEqualTo(200);
        long written = db.revision(database);
        db.stop();

        Node late = Node.start(dir.resolve("late"), address, POLL, "  - {source: m/file-row, target: m/file}\n");
        nodes.add(late);

        String refusal = "{\"error\":{\"message\":\"the admin store is unavailable: " + address + ": cannot be reached (";
        for (String model : List.of("m/denied", "probe", "m/file-row", "m/other")) {
            Node.Reply chat = late.chat(model);
            assertThat(chat.status()).as(model).isEqualTo(503);
            assertThat(chat.body()).as(model).startsWith(refusal).endsWith("); this node has not read its rules since it"
                    + " started, retry in a moment\",\"type\":\"api_error\",\"param\":null,\"code\":\"store_unavailable\"}}");
            assertThat(chat.retryAfter()).isEqualTo("5");
        }
        Node.Reply listing = late.get("/admin/virtual-models");
        assertThat(listing.status()).as("not the config file's rows alone, as if the store's were gone").isEqualTo(503);
        assertThat(listing.body()).startsWith(refusal).contains("this node has not read it since it started");
        assertThat(late.put("{\"source\":\"x\",\"target_model\":\"m/x\"}").status()).isEqualTo(503);
        @SuppressWarnings("unchecked")
        Map<String, Object> store = (Map<String, Object>) status(late).get("store");
        assertThat(store).containsEntry("kind", "postgresql").containsEntry("revision", null).containsEntry("last_sync", null);
        assertThat(lastError(late)).contains(address + ": cannot be reached (");

        db.restart();
        await().atMost(PATIENCE).until(() -> late.route("probe").equals("m/stored"));
        assertThat(late.route("m/denied")).isEqualTo("HTTP 403");
        assertThat(late.route("m/file-row")).isEqualTo("m/file");
        assertThat(late.served()).isEqualTo(written);
        assertThat(late.get("/admin/virtual-models").status()).isEqualTo(200);
        await().atMost(PATIENCE).until(() -> status(late).get("last_reload_error") == null);
        assertThat(late.put("{\"source\":\"after\",\"target_model\":\"m/after\"}").status()).isEqualTo(200);
        await().atMost(PATIENCE).until(() -> writer.route("after").equals("m/after"));
    }

    // Waiting for a store named wrongly (a typo in the address) must not hide a corrected address: the node tries the
    // one its config file names now, not the one it started with.
    @Test
    void shouldReadTheStoreAtACorrectedAddressWhileWaiting() throws Exception {
        String database = db().createDatabase();
        String address = db.address(database);
        writerOfProbe(address);
        String wrong = "postgresql://127.0.0.1:1/" + database;

        Node late = Node.start(dir.resolve("late"), wrong, POLL, "");
        nodes.add(late);
        assertThat(late.route("probe")).isEqualTo("HTTP 503");
        assertThat(lastError(late)).contains(wrong + ": cannot be reached (connection refused)");

        Path config = dir.resolve("late").resolve("switchboard.yaml");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config).replace(wrong, address));
        await().atMost(PATIENCE).until(() -> late.route("probe").equals("m/stored"));
        @SuppressWarnings("unchecked")
        Map<String, Object> store = (Map<String, Object>) status(late).get("store");
        assertThat(store).containsEntry("location", address);
        assertThat(status(late).get("last_reload_error")).isNull();
    }
}
