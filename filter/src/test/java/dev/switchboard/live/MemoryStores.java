package dev.switchboard.live;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.AdminStoreFactory;
import dev.switchboard.store.StaleException;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A table store in memory for {@code admin.store: memory://NAME} (registered in this module's test
 * {@code META-INF/services}): what a database store looks like to {@link LiveConfig} (rows, a revision the store
 * numbers, notifications, an outage), without a database. Tables live as long as the JVM, by address.
 */
public final class MemoryStores implements AdminStoreFactory {

    /** Every table, by address. */
    static final Map<String, Table> TABLES = new ConcurrentHashMap<>();
    /** The store made last for each address. */
    static final Map<String, Store> STORES = new ConcurrentHashMap<>();

    /** For {@link java.util.ServiceLoader}. */
    public MemoryStores() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public AdminStore create(AdminSettings admin) {
        Store store = new Store(admin.store(), TABLES.computeIfAbsent(admin.store(), a -> new Table()));
        STORES.put(admin.store(), store);
        return store;
    }

    /** One table: its rows, its revision, and whether it can be reached. */
    static final class Table {
        private long revision;
        private List<Map<String, Object>> rows = List.of();
        volatile boolean down;
        /** While set, a read waits for it (a database that hangs, a table another session holds locked). */
        volatile java.util.concurrent.CountDownLatch hung;

        /** An edit by hand: new rows, the revision bumped. */
        synchronized void edit(List<Map<String, Object>> rows) {
            this.rows = rows;
            revision++;
        }

        /** The schema dropped and made again: no rows, revision 0, as a database store reads it then. */
        synchronized void drop() {
            this.rows = List.of();
            revision = 0;
        }

        synchronized StoreContents.Rows contents() {
            return new StoreContents.Rows(Long.toString(revision), rows);
        }
    }

    /** A node's handle on a table. */
    static final class Store implements AdminStore {
        private final String address;
        final Table table;
        volatile Runnable changed;
        volatile boolean closed;

        Store(String address, Table table) {
            this.address = address;
            this.table = table;
        }

        @Override
        public String kind() {
            return "memory";
        }

        @Override
        public String location() {
            return address;
        }

        @Override
        public String name() {
            return address;
        }

        @Override
        public boolean isFor(AdminSettings admin, Path configFile) {
            return address.equals(admin.store());
        }

        @Override
        public void open() {
        }

        @Override
        public StoreContents read() throws StoreUnavailableException {
            java.util.concurrent.CountDownLatch hung = table.hung;
            if (hung != null) {
                // Uninterruptible, as a JDBC read is.
                boolean interrupted = false;
                while (true) {
                    try {
                        hung.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (table.down) {
                throw new StoreUnavailableException(address + ": cannot be reached (down)");
            }
            return table.contents();
        }

        @Override
        public StoreContents write(String ifMatch, UnaryOperator<StoreContents> change)
                throws StaleException, StoreUnavailableException {
            synchronized (table) {
                StoreContents.Rows now = (StoreContents.Rows) read();
                if (ifMatch != null && !AdminStore.matches(ifMatch, now.revision())) {
                    throw new StaleException("stale");
                }
                StoreContents.Rows next = (StoreContents.Rows) change.apply(now);
                if (!next.rows().equals(now.rows())) {
                    table.edit(next.rows());
                }
                return table.contents();
            }
        }

        @Override
        public void listen(Runnable changed, BooleanSupplier serving, Supplier<Duration> pollInterval) {
            this.changed = changed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
