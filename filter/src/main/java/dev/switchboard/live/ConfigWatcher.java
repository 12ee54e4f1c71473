package dev.switchboard.live;

import dev.switchboard.ops.Log;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Watches the files of a {@link LiveConfig} and reloads it when they change (SPEC section 6): directory
 * events on the config file's folder, on its real path's folder (a symlinked file, a Kubernetes ConfigMap's
 * {@code ..data} swap) and on the file store's folder, which also see editors' rename-saves; plus a poll
 * every {@code reload.poll_interval}. Events are debounced ({@link #DEBOUNCE} of quiet, at most one second
 * of waiting); the content hash decides whether anything changed.
 *
 * <p>{@link #scanNow()} does one check synchronously, for tests and for callers that know a file changed.
 * Thread-safe; {@link #close()} stops the thread (call it on filter destroy / undeploy).
 */
public final class ConfigWatcher implements AutoCloseable {

    /** Quiet time after the last file event before reading: editors write in several steps. */
    public static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** Longest wait for quiet: a file in the folder that never stops changing (a log) must not starve reloads. */
    private static final Duration MAX_DEBOUNCE = Duration.ofSeconds(1);
    /** The watcher thread's name. */
    static final String THREAD_NAME = "switchboard-reload";

    private static final Log LOG = Log.get(ConfigWatcher.class);

    private final LiveConfig live;
    /** Guarded by {@code this}: folders registered with {@link #watch}. */
    private final Set<Path> watched = new HashSet<>();
    private Thread thread;
    private volatile WatchService watch;
    private volatile boolean running;

    ConfigWatcher(LiveConfig live) {
        this.live = live;
    }

    /**
     * Starts the daemon thread {@code switchboard-reload}. Idempotent.
     *
     * @return this
     */
    public synchronized ConfigWatcher start() {
        if (running) {
            return this;
        }
        running = true;
        try {
            watch = newWatchService();
        } catch (IOException e) {
            LOG.warn("Switchboard: cannot watch the config folder ({}); polling only", e.getMessage());
            watch = null;
        }
        register();
        thread = new Thread(this::loop, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /**
     * A watch service whose thread (the JDK starts one per service) does not take the caller's context class loader:
     * in a container that is the webapp's, which the thread would hold until it ends, a moment after {@link #close};
     * Tomcat checks at undeploy, sees it alive and warns of a leak.
     */
    private static WatchService newWatchService() throws IOException {
        Thread current = Thread.currentThread();
        ClassLoader caller = current.getContextClassLoader();
        current.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            return FileSystems.getDefault().newWatchService();
        } finally {
            current.setContextClassLoader(caller);
        }
    }

    /**
     * Checks the files once, now, on the calling thread: reads them, compares their content with what is
     * live, and reloads when it changed (an invalid change is reported by {@link LiveConfig#lastError()}).
     *
     * @return the snapshot in use afterwards
     */
    public Snapshot scanNow() {
        Snapshot now = live.reload(false);
        register();
        return now;
    }

    /** Registers folders of the live files not watched yet: a new config may name a store elsewhere. */
    private synchronized void register() {
        WatchService w = watch;
        if (!running || w == null) {
            return;
        }
        for (Path dir : live.folders()) {
            if (watched.contains(dir) || !Files.isDirectory(dir)) {
                continue;
            }
            try {
                dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
                watched.add(dir);
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (IOException e) {
                watched.add(dir);
                LOG.warn("Switchboard: cannot watch {} ({}); polling it only", dir, e.getMessage());
            }
        }
    }

    private void loop() {
        while (running) {
            try {
                long poll = live.snapshot().config().reload().pollInterval().toMillis();
                WatchService w = watch;
                WatchKey key = w == null ? null : w.poll(poll, TimeUnit.MILLISECONDS);
                if (w == null) {
                    Thread.sleep(poll);
                }
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    WatchKey more;
                    long deadline = System.nanoTime() + MAX_DEBOUNCE.toNanos();
                    while (System.nanoTime() < deadline
                            && (more = w.poll(DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                        more.pollEvents();
                        more.reset();
                    }
                }
                if (running) {
                    live.reload(true);
                    register();
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Switchboard: reload check failed", e);
            } catch (VirtualMachineError e) {
                // Out of memory (or stack) in one reload: the last good configuration serves on, and the file is still
                // watched, so the next edit is read; a dead thread would leave every later edit unread, unsaid.
                LOG.error("Switchboard: a reload of {} failed ({}); the last good configuration serves on, and the file"
                        + " is still watched", live.configFile(), e.toString(), e);
            }
        }
    }

    static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread and waits for it (bounded). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
            WatchService w = watch;
            watch = null;
            watched.clear();
            if (w != null) {
                try {
                    w.close();
                } catch (IOException ignored) {
                    // closing is best effort
                }
            }
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
