package dev.switchboard.config;

import dev.switchboard.rules.VirtualModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the current {@link Snapshot} of the config file plus the admin store, and reloads it when
 * either changes (SPEC section 6): directory events (which also see editors' rename-saves and
 * Kubernetes ConfigMap {@code ..data} symlink swaps) and polling every {@code reload.poll_interval},
 * debounced, with a content hash deciding whether anything changed. A change is parsed and validated
 * whole and swapped in atomically; an invalid one keeps the last good snapshot, is logged once and is
 * reported by {@link #lastError()}.
 *
 * <p>Admin writes go through {@link #updateStore}: serialized (in this JVM and, by a file lock, across
 * processes sharing the folder), validated against the whole configuration, written durably, and live
 * on this node when it returns.
 *
 * <p>Thread-safe. {@link #close()} stops the watcher thread (call it on filter destroy / undeploy).
 */
public final class ConfigReloader implements Supplier<SwitchboardConfig>, AutoCloseable {

    /** Quiet time after the last file event before reading: editors write in several steps. */
    public static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** Longest wait for quiet: a file in the folder that never stops changing (a log) must not starve reloads. */
    private static final Duration MAX_DEBOUNCE = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    /** Why the newest file content is not in use. */
    public record ReloadError(Instant at, List<String> errors) {
        public ReloadError {
            errors = List.copyOf(errors);
        }
    }

    /** The store changed since the client read it ({@code If-Match} mismatch): 412. */
    public static final class StaleException extends Exception {
        private static final long serialVersionUID = 1L;

        StaleException(String message) {
            super(message, null, false, false);
        }
    }

    private final ConfigLoader loader;
    private final Path configFile;
    private final byte[] builtIn;
    private final Object lock = new Object();
    private volatile Snapshot current;
    private volatile ReloadError lastError;
    private String lastSeen;
    private String lastLogged;
    private Thread watcher;
    private WatchService watch;
    private volatile boolean running;

    private ConfigReloader(ConfigLoader loader, Path configFile, byte[] builtIn) {
        this.loader = loader;
        this.configFile = configFile == null ? null : configFile.toAbsolutePath();
        this.builtIn = builtIn;
    }

    /**
     * Loads a config file and its admin store; does not watch yet ({@link #start()}).
     *
     * @throws InvalidConfigException when either is invalid or the config file is missing (a start-up failure)
     */
    public static ConfigReloader load(Path configFile, ConfigLoader loader) {
        ConfigReloader r = new ConfigReloader(loader, Objects.requireNonNull(configFile, "configFile"), null);
        r.initial();
        return r;
    }

    /**
     * A built-in configuration (no file to watch) with its admin store beside the working directory.
     *
     * @throws InvalidConfigException when the built-in config or the store is invalid
     */
    public static ConfigReloader builtIn(byte[] yaml, ConfigLoader loader) {
        ConfigReloader r = new ConfigReloader(loader, null, yaml.clone());
        r.initial();
        return r;
    }

    private void initial() {
        Read read = read();
        if (read.configBytes == null) {
            throw new InvalidConfigException(List.of(configFile + ": no such file"));
        }
        current = loader.snapshot(configFile, read.configBytes, read.storeFile, read.storeBytes);
        lastSeen = read.hash();
        StoreFile.removeLeftovers(read.storeFile);
    }

    @Override
    public SwitchboardConfig get() {
        return current.config();
    }

    /** @return the snapshot requests are decided with now */
    public Snapshot snapshot() {
        return current;
    }

    /** @return why the newest file content is not in use, or {@code null} when it is */
    public ReloadError lastError() {
        return lastError;
    }

    /** @return the admin store's path */
    public Path storeFile() {
        return ConfigLoader.storePath(current.config(), configFile);
    }

    /** @return the config file, or {@code null} for a built-in configuration */
    public Path configFile() {
        return configFile;
    }

    // ---- reading ------------------------------------------------------------------------------------

    private record Read(byte[] configBytes, Path storeFile, byte[] storeBytes) {
        String hash() {
            byte[] c = configBytes == null ? new byte[0] : configBytes;
            byte[] s = storeBytes == null ? new byte[0] : storeBytes;
            byte[] both = new byte[c.length + s.length + 2];
            System.arraycopy(c, 0, both, 0, c.length);
            both[c.length] = (byte) (configBytes == null ? 1 : 0);
            System.arraycopy(s, 0, both, c.length + 1, s.length);
            both[both.length - 1] = (byte) (storeBytes == null ? 1 : 0);
            return ConfigLoader.sha256(both);
        }
    }

    private Read read() {
        byte[] config = builtIn != null ? builtIn : readOrNull(configFile);
        Path store = current != null ? storeFile() : null;
        if (store == null) {
            // First read: where the store lives depends on the config itself.
            SwitchboardConfig c = config == null ? null : loader.parse(config);
            store = c == null ? null : ConfigLoader.storePath(c, configFile);
        }
        return new Read(config, store, store == null ? null : readOrNull(store));
    }

    private static byte[] readOrNull(Path file) {
        try {
            if (Files.size(file) > ConfigLoader.MAX_FILE_BYTES) {
                // Let the loader report the size with its usual message.
                return new byte[ConfigLoader.MAX_FILE_BYTES + 1];
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Re-reads both files now and swaps in their content when it changed and is valid.
     *
     * @return the snapshot in use afterwards
     */
    public Snapshot reload() {
        return reload(false);
    }

    private Snapshot reload(boolean settle) {
        synchronized (lock) {
            Read read;
            try {
                read = read();
            } catch (InvalidConfigException | UncheckedIOException e) {
                fail("?", e instanceof InvalidConfigException ice ? ice.errors() : List.of(e.getMessage()));
                return current;
            }
            String hash = read.hash();
            if (hash.equals(lastSeen)) {
                return current;
            }
            for (int attempt = 0; ; attempt++) {
                try {
                    if (read.configBytes == null) {
                        throw new InvalidConfigException(List.of(configFile + ": no such file"));
                    }
                    if (read.storeBytes != null && new String(read.storeBytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()
                            && !current.stored().isEmpty()) {
                        // Our own writes are atomic; an empty store with rows before is a hand edit in progress.
                        throw new InvalidConfigException(List.of(read.storeFile.getFileName()
                                + ": the admin store is empty; keeping its last good rows until it is written completely"));
                    }
                    Snapshot next = loader.snapshot(configFile, read.configBytes, read.storeFile, read.storeBytes);
                    Path store = ConfigLoader.storePath(next.config(), configFile);
                    if (!store.equals(read.storeFile)) {
                        // The new config names another admin.store: it goes live with that store, not the old one's.
                        read = new Read(read.configBytes, store, readOrNull(store));
                        hash = read.hash();
                        next = loader.snapshot(configFile, read.configBytes, read.storeFile, read.storeBytes);
                    }
                    current = next;
                    lastSeen = hash;
                    lastError = null;
                    lastLogged = null;
                    LOG.info("Switchboard: reloaded configuration {} ({} virtual models)", next.version().substring(0, 12),
                            next.config().rules().virtualModels().size());
                    next.config().warnings().forEach(w -> LOG.warn("{}", w));
                    return next;
                } catch (InvalidConfigException e) {
                    if (settle && attempt < 3) {
                        // A file briefly empty or half-written: wait for the writer to finish before judging it.
                        sleepQuietly(DEBOUNCE);
                        Read again = read();
                        if (!again.hash().equals(hash)) {
                            read = again;
                            hash = again.hash();
                            continue;
                        }
                    }
                    lastSeen = hash;
                    fail(hash, e.errors());
                    return current;
                }
            }
        }
    }

    private void fail(String hash, List<String> errors) {
        lastError = new ReloadError(Instant.now(), errors);
        if (!hash.equals(lastLogged)) {
            lastLogged = hash;
            LOG.warn("Switchboard: keeping the last good configuration; the new one is invalid:\n  {}",
                    String.join("\n  ", errors));
        }
    }

    // ---- admin writes ----------------------------------------------------------------------------------

    /** @return the ETag of the store as it is now: SHA-256 of its bytes, quoted */
    public String storeEtag() {
        return storeEtag(current);
    }

    /**
     * @param snapshot a snapshot
     * @return the ETag of the store as that snapshot read it (pair it with that snapshot's rows)
     */
    public String storeEtag(Snapshot snapshot) {
        String hash = snapshot.files().get(ConfigLoader.storePath(snapshot.config(), configFile));
        return "\"" + (hash == null ? "absent" : hash) + "\"";
    }

    /**
     * Changes the admin store: reads the newest state, checks {@code ifMatch}, applies {@code change},
     * validates the whole configuration, writes the store durably and swaps the new snapshot in.
     *
     * @param ifMatch the client's {@code If-Match}, or {@code null}
     * @param change the new store rows from the current ones; may throw to refuse
     * @return the snapshot now in use
     * @throws StaleException when {@code ifMatch} does not match the current store
     * @throws InvalidConfigException when the result is invalid (nothing is written)
     * @throws IOException when the store cannot be written (nothing changed)
     */
    public Snapshot updateStore(String ifMatch, UnaryOperator<List<VirtualModel>> change)
            throws StaleException, IOException {
        synchronized (lock) {
            Path store = storeFile();
            Files.createDirectories(store.toAbsolutePath().getParent());
            Path lockFile = store.resolveSibling("." + store.getFileName() + ".lock");
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = ch.lock()) {
                assert held.isValid();
                reload(false);
                // The file as it is, not the last store that loaded: a hand edit that does not load is a change too.
                byte[] onDisk = readOrNull(store);
                String etag = "\"" + (onDisk == null ? "absent" : ConfigLoader.sha256(onDisk)) + "\"";
                if (ifMatch != null && !matches(ifMatch, etag)) {
                    throw new StaleException("the admin store changed since it was read (If-Match " + ifMatch + ")");
                }
                Snapshot before = current;
                List<VirtualModel> rows = change.apply(new ArrayList<>(before.stored()));
                byte[] bytes = StoreFile.render(rows);
                Read read = new Read(builtIn != null ? builtIn : readOrNull(configFile), store, bytes);
                if (read.configBytes == null) {
                    throw new InvalidConfigException(List.of(configFile + ": no such file"));
                }
                Snapshot next = loader.snapshot(configFile, read.configBytes, store, bytes);
                StoreFile.writeAtomically(store, bytes);
                current = next;
                lastSeen = read.hash();
                lastError = null;
                return next;
            }
        }
    }

    private static boolean matches(String ifMatch, String etag) {
        for (String candidate : ifMatch.split(",")) {
            String c = candidate.strip();
            if (c.equals("*") || c.equals(etag) || c.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    // ---- watching ----------------------------------------------------------------------------------

    /**
     * Starts watching (a daemon thread named {@code switchboard-reload}). Idempotent.
     *
     * @return this
     */
    public synchronized ConfigReloader start() {
        if (running) {
            return this;
        }
        running = true;
        try {
            watch = FileSystems.getDefault().newWatchService();
            Set<Path> dirs = new HashSet<>();
            if (configFile != null) {
                dirs.add(configFile.getParent());
                try {
                    // A symlinked file is edited in its target's folder: the link's folder hears nothing of it.
                    dirs.add(configFile.toRealPath().getParent());
                } catch (IOException e) {
                    // Gone since it was loaded: the link's folder sees it come back.
                }
            }
            dirs.add(storeFile().toAbsolutePath().getParent());
            for (Path dir : dirs) {
                if (dir != null && Files.isDirectory(dir)) {
                    dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                }
            }
        } catch (IOException e) {
            LOG.warn("Switchboard: cannot watch the config folder ({}); polling only", e.getMessage());
            watch = null;
        }
        watcher = new Thread(this::watchLoop, "switchboard-reload");
        watcher.setDaemon(true);
        watcher.start();
        return this;
    }

    private void watchLoop() {
        while (running) {
            try {
                long poll = current.config().reload().pollInterval().toMillis();
                WatchKey key = watch == null ? null : watch.poll(poll, TimeUnit.MILLISECONDS);
                if (watch == null) {
                    sleepQuietly(Duration.ofMillis(poll));
                }
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    WatchKey more;
                    long deadline = System.nanoTime() + MAX_DEBOUNCE.toNanos();
                    while (System.nanoTime() < deadline
                            && (more = watch.poll(DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                        more.pollEvents();
                        more.reset();
                    }
                }
                if (running) {
                    reload(true);
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Switchboard: reload check failed", e);
            }
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the watcher thread and waits for it (bounded). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = watcher;
            watcher = null;
            if (watch != null) {
                try {
                    watch.close();
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
