package dev.switchboard.live;

import dev.switchboard.ops.Log;
import dev.switchboard.store.StoreContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Keeps a database store's rows in force in the snapshot file ({@code admin.store_snapshot}, {@link StoreSnapshotFile}):
 * once per change, on a thread of its own ({@code switchboard-store-snapshot}), so that a slow or hung disk never holds
 * up the threads that put changes in force. One writer runs at a time and at most one waits behind it: the one waiting
 * saves the newest rows when its turn comes. Rows whose write failed are not tried again until they change (a file event
 * the failed write caused in the config's folder makes a reload, which must not make another write); the older file is
 * removed then, so that a restart waits for the store rather than serve rows older than those the node read; each
 * reason is logged once. Thread-safe.
 */
final class SnapshotWriter {

    private static final Log LOG = Log.get(SnapshotWriter.class);

    /**
     * What to keep now.
     *
     * @param file the snapshot file
     * @param store where the rows come from (the address, never a credential)
     * @param rows the rows in force, this very contents
     * @param readAt when the node read them from the store
     */
    record Target(Path file, String store, StoreContents.Rows rows, Instant readAt) {

        /** @return the file, the store and the rows' identity: equal keys, equal files (computed: a hash of the rows) */
        String key() {
            return key(file, store, rows);
        }

        static String key(Path file, String store, StoreContents rows) {
            return file + "\n" + store + "\n" + new String(LiveConfig.identity(rows), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final Supplier<Target> current;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the key of what the file holds, as last written or found. */
    private String saved;
    /** Guarded by {@link #lock}: the key of the rows whose write failed last, not tried again, or {@code null}. */
    private String failed;
    /** Guarded by {@link #lock}: why the last write failed, logged once, or {@code null}. */
    private String problem;
    /** The rows (this very contents) and the file last handed to a writer. */
    private volatile Target offered;
    /** Whether a writer is started and has not yet taken {@link #lock}. */
    private final AtomicBoolean queued = new AtomicBoolean();

    /** @param current what to keep now, or {@code null} when there is nothing to keep (no snapshot set, not a table) */
    SnapshotWriter(Supplier<Target> current) {
        this.current = current;
    }

    /** The file holds {@code key} already (the rows a node started from): nothing to write for them. */
    void holds(String key) {
        synchronized (lock) {
            saved = key;
        }
    }

    /** Starts a writer when the rows or the file in force were not handed to one before; returns at once. */
    void offer() {
        Target now = current.get();
        Target before = offered;
        if (now == null || before != null && before.rows() == now.rows() && before.file().equals(now.file())) {
            // Every look of the watcher ends here: rows and file as handed to a writer before, nothing to write.
            return;
        }
        offered = now;
        if (queued.compareAndSet(false, true)) {
            start();
        }
    }

    /** The stop's last write: waits for it (and a writer at work before it) at most {@code max}. */
    void flush(Duration max) {
        if (current.get() == null) {
            return;
        }
        Thread last = start();
        try {
            last.join(max.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Thread start() {
        Thread writer = new Thread(this::write, "switchboard-store-snapshot");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }

    private void write() {
        synchronized (lock) {
            queued.set(false);
            // Read under this lock: of two writers, the second saves the newest rows, never older ones after it.
            Target now = current.get();
            String key = now == null ? null : now.key();
            if (key == null || key.equals(saved) || key.equals(failed)) {
                return;
            }
            try {
                StoreSnapshotFile.write(now.file(), new StoreSnapshotFile.Saved(now.store(), now.rows(), now.readAt()));
                saved = key;
                failed = null;
                if (problem != null) {
                    problem = null;
                    LOG.info("Switchboard: saved the admin store's snapshot {} again", now.file());
                }
            } catch (IOException | RuntimeException e) {
                failed = key;
                saved = null;
                String why = StoreSnapshotFile.why(e);
                String older;
                try {
                    older = Files.deleteIfExists(now.file()) ? "removed the older snapshot, so a restart" : "a restart";
                    older += " while the database cannot be reached would refuse every request until it can";
                } catch (IOException | RuntimeException gone) {
                    older = "the older snapshot could not be removed either (" + StoreSnapshotFile.why(gone) + "): a restart"
                            + " while the database cannot be reached would serve its rows, older than this node's";
                }
                if (!why.equals(problem)) {
                    problem = why;
                    LOG.warn("Switchboard: cannot save the admin store's snapshot {}: {}; {}", now.file(), why, older);
                }
            }
        }
    }
}
