package dev.switchboard.store.postgresql;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.store.AdminStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** What the tests of one {@link PostgresAdminStore} share: a fresh database each, and the stores a test opens. */
abstract class StoreTests {

    /** A row of the store as {@code Table} reads it. */
    static final Map<String, Object> FAST = Map.of("source", "fast",
            "targets", List.of(Map.of("model", "openai/gpt-5-mini", "weight", 1)), "strategy", "sticky",
            "user_paths", List.of(), "enabled", true, "description", "");

    Database db;
    /** The test's own database on {@link #db}. */
    String database;
    private final List<AdminStore> opened = new ArrayList<>();

    @BeforeEach
    void freshDatabase() throws Exception {
        db = SharedDatabase.get();
        database = db.createDatabase();
    }

    @AfterEach
    void closeStores() {
        opened.forEach(AdminStore::close);
    }

    /** @return a store at the address as the given user, closed after the test */
    AdminStore store(String address, String user, String password) {
        AdminStore store = new PostgresStoreFactory().create(new AdminSettings("", address, user, password));
        opened.add(store);
        return store;
    }

    /** @return a store at the address as the test user */
    AdminStore store(String address) {
        return store(address, Database.USER, Database.PASSWORD);
    }

    /** @return a store of the test's database */
    AdminStore store() {
        return store(db.address(database));
    }
}
