package dev.switchboard.live;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.config.Warning;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.VirtualModel;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.AdminStores;
import dev.switchboard.store.FileAdminStore;
import dev.switchboard.store.StaleException;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The live configuration of a node: the current {@link Snapshot} of the config file plus the admin store,
 * replaced whole when either changes (SPEC section 6), and the node's round-robin {@link Picker}, which
 * outlives every snapshot so that a reload does not restart rotations.
 *
 * <p>{@link #reload()} re-reads both now; the content decides (a hash over the config file's bytes and the
 * store's revision), not timestamps. A change is parsed and validated whole and swapped in atomically; an
 * invalid one keeps the last good snapshot, is logged once and is reported by {@link #lastError()}. A new
 * config that names another {@code admin.store} goes live with that store's rows. {@link #start()} watches
 * the files ({@link ConfigWatcher}) and listens to the admin store ({@link AdminStore#listen}: a database
 * store's notifications of other nodes' writes); {@link #close()} stops both and releases the store.
 *
 * <p>Admin writes go through {@link #update}: serialized with reloads, run inside the store's own write
 * (lock, {@code If-Match}), validated against the whole configuration (the last good config file's while
 * the one on disk cannot be used), durable, and live on this node when it returns.
 *
 * <p>Thread-safe: {@link #get()}, {@link #snapshot()} and {@link #picker()} never block; reloads and
 * updates are serialized.
 */
public final class LiveConfig implements Supplier<SwitchboardConfig>, AutoCloseable {

    private static final Log LOG = Log.get(LiveConfig.class);
    /** Why newer content is not in force, as {@link #fail} logs it. */
    private static final String INVALID = "the new one is invalid";
    private static final String UNREADABLE = "the new one cannot be read";

    /**
     * A snapshot, the store it was read from, the config file's bytes and the store's contents it was built from,
     * swapped as one.
     */
    private record State(Snapshot snapshot, AdminStore store, byte[] config, StoreContents contents) {
    }

    /**
     * An admin write done ({@link #update}).
     *
     * @param snapshot the snapshot now in use, the one written
     * @param brokenConfig why the config file on disk cannot be used (missing, unreadable, invalid), or
     *     {@code null} when it was used; when set, the write was validated against the last good configuration
     *     file, which stays in force with it
     */
    public record Update(Snapshot snapshot, ReloadError brokenConfig) {
    }

    /** What one look at the files saw. */
    private record Read(byte[] config, AdminStore store, StoreContents contents) {
        /**
         * The content decides: the config's bytes (or their absence), and where the store is and what it holds (a
         * document's revision, its SHA-256; a table's revision and its rows).
         */
        String hash() {
            return sha256(config == null ? new byte[] {1} : new byte[] {0}, config == null ? new byte[0] : config,
                    (store == null ? "" : store.location()).getBytes(StandardCharsets.UTF_8), new byte[] {0},
                    contents == null ? new byte[0] : contents instanceof StoreContents.Rows ? identity(contents)
                            : contents.revision().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The configuration names another store than the one an update holds: write that one instead. */
    private static final class StoreMoved extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreMoved() {
            super(null, null, false, false);
        }
    }

    /** The config file changed during an admin write, since it was last seen settled: the write starts again. */
    private static final class ConfigChanged extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConfigChanged() {
            super(null, null, false, false);
        }
    }

    /** What {@link #whyStale}'s write throws once it is past every check: nothing is written. Stackless. */
    private static final class NothingToWrite extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NothingToWrite() {
            super(null, null, false, false);
        }
    }

    private final ConfigLoader loader;
    private final Path configFile;
    private final byte[] builtIn;
    private final Clock clock;
    private final Picker picker = Picker.create();
    private final ConfigWatcher watcher;
    private final Object lock = new Object();
    private volatile State state;
    private volatile ReloadError lastError;
    /** Whether the last look could not read the admin store (a database down, a store file that cannot be read). */
    private volatile boolean storeUnreadable;
    /** When the store was last read successfully: this node was in sync with it then. */
    private volatile Instant lastSync;
    /** Stores replaced by a reload, closed once the lock is released (their listener may be waiting for it). */
    private final ConcurrentLinkedQueue<AdminStore> retired = new ConcurrentLinkedQueue<>();
    /** Guarded by {@link #lock}: whether {@link #start()} asked the store to listen (until {@link #close()}). */
    private boolean listening;
    /**
     * Guarded by {@link #lock}: while the node waits for its store, the store its config file names now when that is
     * not the one it waits on (a corrected address): one kept across looks, not one made (and its connection opened)
     * per look.
     */
    private AdminStore candidate;
    /** A read of a store not in force (yet): when that store is installed, its time is this node's last sync. */
    private record OtherRead(AdminStore store, Instant at) {
    }

    /** Guarded by {@link #lock}: the last read of a store not in force, or {@code null}. */
    private OtherRead otherRead;

    /**
     * Rows served from the store's snapshot file ({@code admin.store_snapshot}) by a node that started while its database
     * could not be reached, as {@link #servedSnapshot()} shows them.
     *
     * @param file the snapshot
     * @param revision the store revision the rows are of
     * @param savedAt when the node that saved them read them from the store
     */
    public record ServedSnapshot(Path file, String revision, Instant savedAt) {
    }

    /** The rows a start from the snapshot served, as this very contents, with their file and read time. */
    private record FromSnapshot(Path file, StoreContents.Rows rows, Instant savedAt) {
    }

    /** Set once, at a start from the snapshot. */
    private volatile FromSnapshot fromSnapshot;
    /** Keeps the rows in force in the snapshot file ({@code admin.store_snapshot}). */
    private final SnapshotWriter snapshots = new SnapshotWriter(this::snapshotTarget);
    /** Guarded by {@link #lock}: {@link #close()} was called: no store is read, made or opened after it. */
    private volatile boolean closed;
    /**
     * Admin writes on this node at most, writing or waiting for their turn: one more is refused at once (503), so
     * that writes queued behind a slow one (a large store, a peer holding the lock file) never take the server's
     * threads from the traffic.
     */
    static final int MAX_WRITES_IN_LINE = 64;
    /**
     * How long an admin write waits for the writes before it on this node, at most; then it is refused (503). Less
     * when the client connection idles out sooner ({@link #writeTurnWait}).
     */
    static final Duration WRITE_TURN_WAIT = Duration.ofSeconds(30);
    /**
     * {@code server.client_idle_timeout} as the node started with it: a start-only key, so the connections of the
     * bundled proxy idle out after it whatever the file says now ({@link #writeTurnWait}).
     */
    private volatile Duration startedIdle;
    /** The writes in line ({@link #MAX_WRITES_IN_LINE}). */
    private final java.util.concurrent.atomic.AtomicInteger writesInLine = new java.util.concurrent.atomic.AtomicInteger();
    /** One write at a time, in the order they came; waited for with a bound ({@link #WRITE_TURN_WAIT}). */
    private final java.util.concurrent.Semaphore writeTurn = new java.util.concurrent.Semaphore(1, true);
    /** Told of every swap and every refused change (metrics); see {@link #addReloadListener}. */
    private final List<ReloadListener> reloadListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Guarded by {@link #lock}: the hash of the content last judged, valid or not. */
    private String lastSeen;
    /**
     * The config file (its SHA-256) whose read last ran out of memory: unusable, as a file that does not parse, until
     * it changes or a reload is asked for ({@link #reload()}), so that neither the watcher, nor a store change, nor an
     * admin write reads it again meanwhile.
     */
    private String exhausted;
    /** Guarded by {@link #lock}: the hash of the content whose errors were logged last. */
    private String lastLogged;
    /** Guarded by {@link #lock}: the hash of the content in force ({@code null} when that is not what is on disk). */
    private String liveHash;
    /**
     * Written under {@link #lock}: the config file's bytes as last seen unchanged over {@link ConfigWatcher#DEBOUNCE}
     * ({@link #readConfig}), {@code null} for a file that did not exist; the first read sets them, before any state.
     */
    private volatile byte[] settled;
    /** The longest {@link #readConfig} waits for a config file that keeps changing. */
    static final Duration SETTLE_MAX = Duration.ofSeconds(2);
    /**
     * How long a look waits for the store in force before a change of the config file goes live with the store's rows
     * in force, and between its reads of the file while the store does not answer ({@link #readBeside}).
     */
    static final Duration STORE_PATIENCE = Duration.ofSeconds(1);
    /** Guarded by {@link #lock}: reads the store for a look ({@link #readBeside}), made at the first one. */
    private java.util.concurrent.ExecutorService storeReader;

    private LiveConfig(ConfigLoader loader, Path configFile, byte[] builtIn, Clock clock) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.configFile = configFile == null ? null : configFile.toAbsolutePath();
        this.builtIn = builtIn;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.watcher = new ConfigWatcher(this);
    }

    /**
     * Loads a config file and its admin store; does not watch yet ({@link #start()}).
     *
     * @param configFile the config file
     * @param loader parses and validates
     * @return the live configuration
     * @throws InvalidConfigException when either is invalid, unreadable, or the config file is missing (a
     *     start-up failure)
     */
    public static LiveConfig load(Path configFile, ConfigLoader loader) {
        return load(configFile, loader, Clock.systemUTC());
    }

    /**
     * Like {@link #load(Path, ConfigLoader)} with a clock for {@link Snapshot#loadedAt()} and
     * {@link ReloadError#at()}.
     *
     * @param configFile the config file
     * @param loader parses and validates
     * @param clock tells the time of loads and errors
     * @return the live configuration
     * @throws InvalidConfigException when either is invalid, unreadable, or the config file is missing
     */
    public static LiveConfig load(Path configFile, ConfigLoader loader, Clock clock) {
        LiveConfig live = new LiveConfig(loader, Objects.requireNonNull(configFile, "configFile"), null, clock);
        live.initial();
        return live;
    }

    /**
     * A built-in configuration (no file to watch) with its admin store relative to the working directory.
     *
     * @param yaml the configuration
     * @param loader parses and validates
     * @return the live configuration
     * @throws InvalidConfigException when the built-in configuration or the store is invalid
     */
    public static LiveConfig builtIn(byte[] yaml, ConfigLoader loader) {
        LiveConfig live = new LiveConfig(loader, null, yaml.clone(), Clock.systemUTC());
        live.initial();
        return live;
    }

    private void initial() {
        firstRead();
        startedIdle = get().server().clientIdleTimeout();
        saveStoreSnapshot();
    }

    /** The start's read: the rules in force, or a wait for a database store that cannot be reached. */
    private void firstRead() {
        Read read;
        try {
            read = read();
        } catch (StoreUnreachable e) {
            if (e.store instanceof FileAdminStore) {
                // A file store that cannot be read (a folder, no permission) is a mistake to fix, not an outage.
                e.store.close();
                throw InvalidConfigException.storeUnreadable(List.of(e.getCause().getMessage()));
            }
            waitForStore(e, "cannot be read");
            return;
        }
        Snapshot first;
        try {
            refuseBlankStore(read);
            first = build(read);
        } catch (InvalidConfigException invalid) {
            if (read.store() != null && !(read.store() instanceof FileAdminStore) && fileAloneBuilds(read)) {
                // A database store's rows this node cannot apply (a row edited by hand, one naming a provider this
                // node does not declare): the store is shared, and stopping put every node that restarted into a
                // restart loop over one row (a probe). It waits as for a store it cannot reach (or serves its
                // snapshot), and goes live once the rows can be applied.
                waitForStore(new StoreUnreachable(read.config(), read.store(), new UncheckedIOException(
                        new IOException(String.join("; ", invalid.errors())))), "cannot be applied");
                return;
            }
            if (read.store() != null) {
                read.store().close();
            }
            throw invalid;
        } catch (RuntimeException e) {
            if (read.store() != null) {
                read.store().close();
            }
            throw e;
        }
        synchronized (lock) {
            state = new State(first, read.store(), read.config(), read.contents());
            lastSeen = read.hash();
            liveHash = lastSeen;
        }
        read.store().open();
    }

    /** @return whether the config file builds without the store's rows: a failure with them is theirs */
    private boolean fileAloneBuilds(Read read) {
        try {
            build(new Read(read.config(), read.store(), new StoreContents.Rows(StoreContents.Rows.UNWRITTEN, List.of())));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A config file that comes to name a store file that does not exist, while the store in force holds rows: a typo
     * in {@code admin.store} or a file not copied yet would drop every stored row (deny policies too) for a new empty
     * store. The change waits until the file exists. Holds {@link #lock}.
     *
     * @throws InvalidConfigException saying so
     */
    private void refuseMissingStore(Read read) {
        int rows = state.snapshot().stored().size();
        if (read.contents() instanceof StoreContents.Document d && !d.exists() && rows > 0) {
            throw new InvalidConfigException(List.of("admin.store: " + read.store().name() + " does not exist, while "
                    + state.store().name() + ", the store in force, holds " + rows + " row(s): create it (a copy of "
                    + state.store().name() + " takes them along, 'virtual_models: []' starts with none); until then "
                    + state.store().name() + " stays in force"));
        }
    }

    /**
     * A store file that is blank, read where there are no last good rows of it to keep (the start, a store the config
     * now names): never written so by us (our writes are whole), so emptied by mistake or a hand edit cut short, and
     * the first write would make the loss of every row (deny policies too) permanent. A running node keeps its last
     * good rows of the store in force instead ({@link #keepRowsOfAVanishedStore}).
     *
     * @throws InvalidConfigException saying so
     */
    private static void refuseBlankStore(Read read) {
        if (read.contents() instanceof StoreContents.Document d && d.exists()
                && new String(d.yaml(), StandardCharsets.UTF_8).isBlank()) {
            throw new InvalidConfigException(List.of(read.store().name() + ": the admin store is empty; restore its"
                    + " rows, or write 'virtual_models: []' to it to start with none"));
        }
    }

    /**
     * A database store that cannot be reached at the start: the node starts without its rows, deciding nothing (every
     * request is refused with 503 {@code store_unavailable}, {@link SwitchboardConfig#pendingStore()}), and reads it
     * as soon as it can (its listener's reconnection, the watcher's poll, a reload, an admin write), which puts the
     * whole rules in force. Serving the config file's rows alone would drop the store's access policies; stopping
     * would leave a webapp in a container undeployed and a node in a restart loop until the database is back.
     * The state holds no store contents until then: nothing is built from "last good rows" it never had, unless the
     * config keeps them in a snapshot file ({@link #fromSnapshot}). The config file is built once for both.
     */
    private void waitForStore(StoreUnreachable e, String how) {
        String why = e.getCause().getMessage();
        Snapshot file;
        try {
            file = build(new Read(e.config, e.store, new StoreContents.Rows(StoreContents.Rows.UNWRITTEN, List.of())));
        } catch (RuntimeException invalid) {
            e.store.close();
            throw invalid;
        }
        Path path = snapshotFile(file.config());
        State served = path == null ? null : fromSnapshot(e, path);
        synchronized (lock) {
            state = served != null ? served : new State(waiting(e.config, file, why), e.store, e.config, null);
            storeUnreadable = true;
            lastError = new ReloadError(clock.instant(), List.of(why));
            // Keyed as a reload keys the same failure: the next looks do not log it again as a "last good" kept.
            lastLogged = sha256(why.getBytes(StandardCharsets.UTF_8));
        }
        e.store.open();
        Object config = configFile != null ? configFile : "the built-in default";
        FromSnapshot f = fromSnapshot;
        if (served != null) {
            LOG.warn("Switchboard: the admin store of {} {} at the start: {}; serving the {} rows of its "
                    + "snapshot {} (revision {}, read from the store at {}) until it can, and keeps trying", config, how,
                    why, f.rows().rows().size(), f.file(), f.rows().revision(), f.savedAt());
        } else {
            LOG.error("Switchboard: the admin store of {} {} at the start: {}; this node refuses every request "
                    + "with 503 store_unavailable until it can, and keeps trying", config, how, why);
        }
    }

    /**
     * A database store that cannot be reached at the start, with {@code admin.store_snapshot} set: the node serves the
     * rows the snapshot file holds (those it put in force last, kept by {@link SnapshotWriter}), as a running node serves
     * its last good rows through an outage, and reads the store as soon as it can, which puts its rows in force. Writes
     * other nodes made since the rows were saved are not in them: the operator chose this over refusing every request,
     * and {@code /admin/status} and the log say where the rows come from and when they were read.
     *
     * @return the state to start with, or {@code null} (and logged why) to wait for the store
     */
    private State fromSnapshot(StoreUnreachable e, Path path) {
        String problem;
        try {
            StoreSnapshotFile.Saved saved = StoreSnapshotFile.read(path);
            if (saved == null) {
                problem = "there is none (this node has not read the store since admin.store_snapshot was set)";
            } else if (!saved.store().equals(e.store.location())) {
                problem = "it holds the rows of another store, " + saved.store();
            } else {
                Snapshot served = build(new Read(e.config, e.store, saved.rows()));
                fromSnapshot = new FromSnapshot(path, saved.rows(), saved.savedAt());
                snapshots.holds(SnapshotWriter.Target.key(path, e.store.location(), saved.rows()));
                return new State(served, e.store, e.config, saved.rows());
            }
        } catch (IOException io) {
            problem = StoreSnapshotFile.why(io);
        } catch (InvalidConfigException invalid) {
            problem = "its rows do not fit this configuration: " + String.join("; ", invalid.errors());
        }
        LOG.warn("Switchboard: the admin store's snapshot {} cannot stand in for the store: {}", path, problem);
        return null;
    }

    /** @return the snapshot file a configuration names (relative to the config file's folder), or {@code null} */
    private Path snapshotFile(SwitchboardConfig config) {
        String name = config.admin().storeSnapshot();
        if (name.isEmpty()) {
            return null;
        }
        Path p = Path.of(name);
        return p.isAbsolute() || configFile == null ? p.toAbsolutePath() : configFile.getParent().resolve(p);
    }

    /**
     * Keeps the rows in force in the snapshot file, when the configuration names one and they were read from a database
     * store ({@link SnapshotWriter}: on a thread of its own). A caller holding {@link #lock} leaves this to the outermost
     * call, which runs it when it lets go.
     */
    private void saveStoreSnapshot() {
        if (!Thread.holdsLock(lock) && !closed) {
            snapshots.offer();
        }
    }

    /** @return the rows in force to keep in the snapshot file, or {@code null} when there is nothing to keep */
    private SnapshotWriter.Target snapshotTarget() {
        State now = state;
        FromSnapshot f = fromSnapshot;
        if (now == null || !(now.contents() instanceof StoreContents.Rows rows) || f != null && rows == f.rows()) {
            return null;
        }
        Path path = snapshotFile(now.snapshot().config());
        if (path == null) {
            return null;
        }
        Instant read = lastSync;
        return new SnapshotWriter.Target(path, now.store().location(), rows, read != null ? read : clock.instant());
    }

    /**
     * @return where the rows in force come from when they are the store's snapshot file's (a start while the database
     *     could not be reached, not read since), else {@code null}
     */
    public ServedSnapshot servedSnapshot() {
        State now = state;
        FromSnapshot f = fromSnapshot;
        return now != null && f != null && now.contents() == f.rows() ? new ServedSnapshot(f.file(), f.rows().revision(),
                f.savedAt()) : null;
    }

    /**
     * @return the snapshot of a node waiting for its store: the config file's part, deciding nothing
     *     ({@link SwitchboardConfig#pendingStore()} says why), with a version of its own (not that of the file beside an
     *     empty store, which the first read of such a store must still put in force)
     * @throws InvalidConfigException when the config file is invalid
     */
    private Snapshot waiting(byte[] config, AdminStore store, String why) {
        return waiting(config, build(new Read(config, store, new StoreContents.Rows(StoreContents.Rows.UNWRITTEN,
                List.of()))), why);
    }

    /** @param file the config file's part, built with no rows of the store */
    private Snapshot waiting(byte[] config, Snapshot file, String why) {
        return new Snapshot(file.config().waitingForStore(why), file.managed(), List.of(),
                sha256(config, new byte[] {0}, "waiting for the admin store".getBytes(StandardCharsets.UTF_8)),
                file.loadedAt(), file.files(), file.storeRevision());
    }

    /** The first read could not reach its store (kept, to wait for). */
    private static final class StoreUnreachable extends UncheckedIOException {
        private static final long serialVersionUID = 1L;
        final transient byte[] config;
        final transient AdminStore store;

        StoreUnreachable(byte[] config, AdminStore store, UncheckedIOException e) {
            super(e.getCause());
            this.config = config;
            this.store = store;
        }
    }

    /**
     * @return whether the last look at the files could not read the admin store (a database down, a store file that
     *     cannot be read): its problem is the store's reach, not an invalid file
     */
    public boolean storeUnreadable() {
        return storeUnreadable;
    }

    /** @return the configuration requests are decided with now */
    @Override
    public SwitchboardConfig get() {
        return state.snapshot().config();
    }

    /** @return the snapshot requests are decided with now */
    public Snapshot snapshot() {
        return state.snapshot();
    }

    /** @return the admin store of the current snapshot */
    public AdminStore store() {
        return state.store();
    }

    /**
     * @return this node's round-robin state: one picker for the holder's lifetime, so a reload that keeps a
     *     redirect's targets and weights keeps its rotation; pass {@link Picker#peeking()} (or use
     *     {@code Resolver.explain}) to look without advancing it
     */
    public Picker picker() {
        return picker;
    }

    /** @return why the newest content is not in use, or {@code null} when it is */
    public ReloadError lastError() {
        return lastError;
    }

    /**
     * @return when the admin store was last read successfully (by the holder's clock): this node was in sync
     *     with the store then, serving its newest valid contents or reporting why not ({@link #lastError()});
     *     {@code null} before the first read
     */
    public Instant lastSync() {
        return lastSync;
    }

    /** @return the config file (absolute), or {@code null} for a built-in configuration */
    public Path configFile() {
        return configFile;
    }

    /** @return the watcher of this configuration's files (started by {@link #start()}) */
    public ConfigWatcher watcher() {
        return watcher;
    }

    /**
     * Starts watching the files (a daemon thread named {@code switchboard-reload}) and listening to the admin
     * store ({@link AdminStore#listen}: a database store hears of other nodes' writes at once). Idempotent.
     *
     * @return this
     */
    public LiveConfig start() {
        watcher.start();
        synchronized (lock) {
            if (!listening) {
                listening = true;
                listen(state.store());
            }
        }
        return this;
    }

    /**
     * @param clientIdle {@code server.client_idle_timeout}: the bundled proxy's connection of a write that waits
     * @return {@link #WRITE_TURN_WAIT}, or two thirds of {@code clientIdle} when that is shorter: the refusal is
     *     written well before the connection idles out (when both ended at 30 s, Jetty cut some of the connections of
     *     a full line of writes under their 503s, one with no answer at all)
     */
    static Duration writeTurnWait(Duration clientIdle) {
        Duration twoThirds = Duration.ofMillis(Math.max(1, clientIdle.toMillis() * 2 / 3));
        return twoThirds.compareTo(WRITE_TURN_WAIT) < 0 ? twoThirds : WRITE_TURN_WAIT;
    }

    /**
     * Stops watching and listening, waits for the watcher thread (bounded) and closes the admin store (a
     * database store's connections). The snapshot stays readable; the store is not written again.
     */
    @Override
    public void close() {
        watcher.close();
        AdminStore store;
        AdminStore waitedFor;
        java.util.concurrent.ExecutorService reader;
        // Before the lock: a reload waiting for a config file to settle (holding it) sees it and stops waiting.
        closed = true;
        synchronized (lock) {
            listening = false;
            store = state.store();
            waitedFor = candidate;
            candidate = null;
            reader = storeReader;
        }
        if (reader != null) {
            // Idle (no look runs now): its thread ends at once, before a container looks for threads left behind.
            reader.shutdownNow();
            try {
                reader.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        store.close();
        if (waitedFor != null) {
            waitedFor.close();
        }
        closeRetired();
        // The stop's last save: a write answered just before the stop is on disk for a restart while the database is down.
        snapshots.flush(SNAPSHOT_FLUSH);
    }

    /** How long a stop waits for the snapshot's last save at most. */
    static final Duration SNAPSHOT_FLUSH = Duration.ofSeconds(5);

    /** Holds {@link #lock}. */
    private void listen(AdminStore store) {
        store.listen(this::storeChanged, () -> state.snapshot().config().pendingStore() == null,
                () -> state.snapshot().config().reload().pollInterval());
    }

    /**
     * The store heard of a change (another node's write): reload now, on the store's thread, with a config file that
     * is not in the middle of a save.
     */
    private void storeChanged() {
        try {
            reload(true);
        } catch (RuntimeException e) {
            LOG.warn("Switchboard: reload after an admin store notification failed", e);
        }
    }

    /** Closes replaced stores, outside {@link #lock} only: closing waits for a listener that may be waiting for it. */
    private void closeRetired() {
        if (Thread.holdsLock(lock)) {
            return;
        }
        AdminStore old;
        while ((old = retired.poll()) != null) {
            old.close();
        }
    }

    // ---- reading ------------------------------------------------------------------------------------

    /**
     * @throws InvalidConfigException when the config file cannot be read (naming it and why), and on the
     *     first read when it does not parse (the store's place depends on it)
     * @throws UncheckedIOException when the store cannot be read (its message names it and says why)
     */
    private Read read() {
        return read(readConfig());
    }

    /** @param config the config file's bytes as read ({@link #readConfig(boolean)}), {@code null} when it does not exist */
    private Read read(byte[] config) {
        State now = state;
        AdminStore store;
        if (now != null && (now.contents() != null || config == null)) {
            // A node waiting for its store with its config file gone reads the store it waits on: once it can be read,
            // it goes live with the last good file standing in, as for any broken file.
            store = now.store();
        } else if (now != null) {
            // Waiting for its store: the one the config file names now (a corrected address is tried at once).
            store = waitedFor(loader.parse(config), now.store());
        } else if (config != null) {
            // First read: where the store lives depends on the config itself.
            store = storeFor(loader.parse(config), null);
            try {
                return new Read(config, store, readStore(store));
            } catch (UncheckedIOException e) {
                throw new StoreUnreachable(config, store, e);
            } catch (RuntimeException e) {
                // Not kept: release what it holds (a database store's connection).
                store.close();
                throw e;
            }
        } else {
            return new Read(null, null, null);
        }
        return readBeside(store, config);
    }

    /**
     * Reads the store in force for a look. A store that does not answer within {@link #STORE_PATIENCE} (a database
     * that hangs, a table another session holds locked: up to {@code lock_timeout} or the socket timeout) does not
     * hold a change of the config file back: each time the patience runs out, the file as last read goes live with the
     * store's rows in force (an emergency deny in the file takes effect), it is read again, and the store's read goes
     * on. Holds {@link #lock}.
     *
     * @param config the config file's bytes as the look read them
     * @return the file as last read, beside the store as read
     * @throws UncheckedIOException when the store cannot be read ({@link UnreadableBeside} when the file's bytes
     *     changed meanwhile: they are the ones to judge)
     */
    private Read readBeside(AdminStore store, byte[] config) {
        State now = state;
        if (now == null || now.contents() == null || store != now.store()) {
            return new Read(config, store, readStore(store));
        }
        java.util.concurrent.Future<StoreContents> reading = storeReader().submit(() -> readStore(store));
        byte[] latest = config;
        byte[] applied = now.config();
        // Waited for whatever interrupts this thread, as a read on it was (the JDBC driver ignores interrupts): a stop
        // or a store's listener told to stop would otherwise report the store as unreadable. Interrupted again after.
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return new Read(latest, store, reading.get(STORE_PATIENCE.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.TimeoutException e) {
                    if (latest != null && !java.util.Arrays.equals(latest, applied)) {
                        applyFileWithLastGoodRows(latest, "the config file with the admin store's rows in force; the"
                                + " store has not answered in " + STORE_PATIENCE.toMillis() + " ms, and its read goes on");
                        applied = latest;
                    }
                    try {
                        latest = readConfig(true);
                    } catch (InvalidConfigException unreadable) {
                        // Judged once the store answers (or gives up), as any look judges it.
                    }
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException unreadable) {
                throw latest == config ? unreadable : new UnreadableBeside(unreadable, latest);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The store could not be read by a look that read the config file again meanwhile ({@link #readBeside}). */
    private static final class UnreadableBeside extends UncheckedIOException {
        private static final long serialVersionUID = 1L;

        /** The config file as last read, {@code null} when it did not exist. */
        private final transient byte[] config;

        UnreadableBeside(UncheckedIOException unreadable, byte[] config) {
            super(unreadable.getMessage(), unreadable.getCause());
            this.config = config;
        }
    }

    /** @return the thread that reads the store for a look ({@link #readBeside}); made once */
    private java.util.concurrent.ExecutorService storeReader() {
        if (storeReader == null) {
            storeReader = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, "switchboard-store-read");
                t.setDaemon(true);
                return t;
            });
        }
        return storeReader;
    }

    /**
     * @return the config file's bytes, {@code null} when it does not exist
     * @throws InvalidConfigException naming the file when it cannot be read as one (a directory, too large, unreadable)
     */
    private byte[] readConfig() {
        return readConfig(false);
    }

    /**
     * @param settle whether a file that changed since it was last seen settled is read again until it stays the same
     *     for {@link ConfigWatcher#DEBOUNCE} (at most {@link #SETTLE_MAX}): every read but an explicit reload's
     */
    private byte[] readConfig(boolean settle) {
        if (builtIn != null) {
            // Never changes: as settled as it gets.
            settled = builtIn;
            return builtIn;
        }
        if (state == null || !settle) {
            byte[] now = ConfigLoader.readFile(configFile);
            if (state == null) {
                // The first read: nothing is in force yet to keep. One asked for now (an operator's reload) is not
                // marked settled: it was not waited for.
                settled = now;
            }
            return now;
        }
        // Changed since it was last seen settled: a save may be under way (an editor writing in place, a script that
        // pauses mid-file), and a first half that parses would go live: an admin write would go to the store it
        // names, a deny written after it would be missing. So the watcher (whose events other files of the folder
        // may keep coming), an admin write and another node's notification wait for the file to stay the same.
        Quiet quiet = awaitSettled();
        if (quiet.settled()) {
            settled = quiet.bytes();
        }
        return quiet.bytes();
    }

    /**
     * @return the config file as last seen settled (at once), or once two reads {@link ConfigWatcher#DEBOUNCE} apart
     *     agree (at most {@link #SETTLE_MAX}); marks nothing
     */
    private Quiet awaitSettled() {
        java.nio.file.attribute.FileTime at = modified();
        byte[] now = ConfigLoader.readFile(configFile);
        return java.util.Arrays.equals(now, settled) ? new Quiet(now, true) : quiet(now, at);
    }

    /** @return when the config file was last modified, or {@code null} when that cannot be read (the read says why) */
    private java.nio.file.attribute.FileTime modified() {
        try {
            return java.nio.file.Files.getLastModifiedTime(configFile);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param bytes what the file's content is after a wait, and whether it stayed the same for the quiet period (else it
     *     was still changing after {@link #SETTLE_MAX}, or the node is stopping)
     */
    private record Quiet(byte[] bytes, boolean settled) {
    }

    /**
     * Reads the config file every {@link ConfigWatcher#DEBOUNCE} until two reads agree, in content and in modification
     * time (a save repeated on a cycle can show the same first half to both reads; its time moved in between); holds no
     * lock of its own.
     *
     * @param now the file's content as just read
     * @param at its modification time, read before it
     */
    private Quiet quiet(byte[] now, java.nio.file.attribute.FileTime at) {
        long deadline = System.nanoTime() + SETTLE_MAX.toNanos();
        while (true) {
            ConfigWatcher.sleepQuietly(ConfigWatcher.DEBOUNCE);
            java.nio.file.attribute.FileTime atAgain = modified();
            byte[] again = ConfigLoader.readFile(configFile);
            if (java.util.Arrays.equals(again, now) && Objects.equals(atAgain, at)) {
                return new Quiet(again, true);
            }
            now = again;
            at = atAgain;
            if (System.nanoTime() - deadline > 0 || closed || Thread.currentThread().isInterrupted()) {
                // Still changing: judged as it is now, as the watcher judges a file written without pause.
                return new Quiet(now, false);
            }
        }
    }

    /**
     * Before an admin write takes {@link #lock}: a config file that changed since it was last seen settled is waited for
     * here, so that the write's own reads find it settled and other writers, reloads and the stop do not wait behind a
     * save. What it cannot read is left to the write's reload, which reports it.
     *
     * @return whether the file is as last seen settled, or settled now; false when it kept changing for
     *     {@link #SETTLE_MAX} (then the write takes it as it is, as the watcher does, rather than wait again)
     */
    private boolean awaitQuietConfig() {
        if (builtIn != null || state == null) {
            return true;
        }
        try {
            Quiet quiet = awaitSettled();
            if (quiet.settled()) {
                synchronized (lock) {
                    settled = quiet.bytes();
                }
            }
            return quiet.settled();
        } catch (InvalidConfigException e) {
            // Unreadable (a directory, no permission): the write's reload says so.
            return true;
        }
    }

    private StoreContents readStore(AdminStore store) {
        try {
            StoreContents contents = store.read();
            State now = state;
            if (now == null || store == now.store()) {
                lastSync = clock.instant();
            } else {
                // Another store than the one in force (a corrected address tried while waiting, a config naming another
                // store): /admin/status shows the one in force, so its sync time waits for that store to be installed.
                otherRead = new OtherRead(store, clock.instant());
            }
            return contents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * While waiting: the store {@code config} names, {@code waitedOn} or the {@link #candidate} when it is that one,
     * else a new candidate (the one before retired). Holds {@link #lock}.
     */
    private AdminStore waitedFor(SwitchboardConfig config, AdminStore waitedOn) {
        if (waitedOn.isFor(config.admin(), configFile)) {
            // The file names the first store again: the one tried meanwhile and its connection go.
            dropCandidate(null);
            return waitedOn;
        }
        AdminStore named = storeFor(config, candidate);
        if (named != candidate) {
            dropCandidate(null);
            candidate = named;
        }
        return named;
    }

    /** Retires the {@link #candidate}, unless it is {@code kept} (the store in force now). Holds {@link #lock}. */
    private void dropCandidate(AdminStore kept) {
        if (candidate != null && candidate != kept) {
            retired.add(candidate);
        }
        candidate = null;
    }

    /**
     * The store {@code admin.store} of {@code config} names: {@code current} itself when it is that one.
     *
     * @throws InvalidConfigException when no installed store serves its address
     */
    private AdminStore storeFor(SwitchboardConfig config, AdminStore current) {
        if (current != null && current.isFor(config.admin(), configFile)) {
            return current;
        }
        return AdminStores.open(config.admin(), configFile);
    }

    /** Folders whose events may mean a change: the config file's (and its real path's), the file store's. */
    Set<Path> folders() {
        Set<Path> dirs = new LinkedHashSet<>();
        if (configFile != null) {
            dirs.add(configFile.getParent());
            try {
                // A symlinked file is edited in its target's folder: the link's folder hears nothing of it.
                dirs.add(configFile.toRealPath().getParent());
            } catch (IOException e) {
                // Gone since it was loaded: the link's folder sees it come back.
            }
        }
        if (state.store() instanceof FileAdminStore f) {
            dirs.add(f.file().getParent());
        }
        dirs.remove(null);
        return dirs;
    }

    /**
     * @return the snapshot of what was read
     * @throws InvalidConfigException listing every problem, store errors prefixed by the store's name
     */
    private Snapshot build(Read read) {
        if (read.config() == null) {
            throw new InvalidConfigException(List.of(configFile + ": no such file"));
        }
        String unusable = unusable(read.config());
        if (unusable != null) {
            throw new InvalidConfigException(List.of(unusable));
        }
        SwitchboardConfig base = loader.parse(read.config());
        List<VirtualModel> stored = storedRows(loader, read.store().name(), read.contents(),
                base.rules().providers().keySet());
        State now = state;
        if (now != null && read.store() == now.store() && read.contents() instanceof StoreContents.Document d
                && d.exists() && now.contents() instanceof StoreContents.Document was && was.exists()
                && !java.util.Arrays.equals(d.yaml(), was.yaml())) {
            // So does a store file hand-edited or copied, cut short (every one the gateway writes is whole).
            String cut = loader.cutShort(d.yaml(), was.yaml());
            if (cut != null) {
                throw new InvalidConfigException(List.of(read.store().name() + ": " + cut));
            }
        }
        SwitchboardConfig merged = loader.merge(base, stored, read.store().name());
        Map<Path, String> files = new LinkedHashMap<>();
        if (configFile != null) {
            files.put(configFile, sha256(read.config()));
        }
        if (read.store() instanceof FileAdminStore f) {
            files.put(f.file(), read.contents().exists() ? read.contents().revision() : null);
        }
        String version = sha256(read.config(), new byte[] {0}, identity(read.contents()));
        return new Snapshot(merged, base.rules().virtualModels(), stored, version, clock.instant(), files,
                read.contents().revision());
    }

    /**
     * Reads a store's rows as a node does (also the command line's {@code validate} and {@code explain}, which read the
     * file store once, without its lock).
     *
     * @param loader parses and validates
     * @param storeName the store's name, which every problem starts with
     * @param contents what the store holds
     * @param providers the configuration's providers
     * @return the store's virtual models, validated against the configuration's providers
     * @throws InvalidConfigException listing every problem of the store's contents, each prefixed with its name
     */
    public static List<VirtualModel> storedRows(ConfigLoader loader, String storeName, StoreContents contents,
                                                Set<String> providers) {
        try {
            if (contents instanceof StoreContents.Document d) {
                byte[] yaml = d.yaml();
                return yaml == null || yaml.length == 0 ? List.of() : loader.readStore(yaml, providers);
            }
            if (contents instanceof StoreContents.Rows r) {
                return loader.readStoreRows(r.rows(), providers);
            }
        } catch (InvalidConfigException e) {
            List<String> prefixed = new ArrayList<>();
            e.errors().forEach(x -> prefixed.add(storeName + ": " + x));
            throw new InvalidConfigException(prefixed);
        }
        throw new IllegalStateException("unknown store contents " + contents);
    }

    /**
     * @return the bytes that identify the contents in the configuration version: a document; a table's revision and
     *     the digest of its rows (a database that fails over to a replica which had not received the last writes
     *     counts the same revision numbers again with other rows: the number alone would keep the lost rows in force)
     */
    static byte[] identity(StoreContents contents) {
        if (contents instanceof StoreContents.Document d) {
            return d.exists() ? d.yaml() : new byte[0];
        }
        List<Object> rows = new ArrayList<>();
        for (Map<String, Object> row : ((StoreContents.Rows) contents).rows()) {
            rows.add(canonical(row));
        }
        // In source order, whatever order the store or a proposal listed them in.
        rows.sort(java.util.Comparator.comparing(r -> String.valueOf(((Map<?, ?>) r).get("source"))));
        return ("rows@" + contents.revision() + "@" + sha256(dev.switchboard.json.JsonTree.write(rows)))
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return a row's value in one representation, whoever made it (the table as read, a proposal, another store):
     *     objects with their keys sorted, no empty list and no null (a row without fallbacks is one with none)
     */
    private static Object canonical(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.TreeMap<>();
            m.forEach((k, v) -> {
                Object c = canonical(v);
                if (c != null && !(c instanceof List<?> l && l.isEmpty())) {
                    out.put(String.valueOf(k), c);
                }
            });
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(canonical(v)));
            return out;
        }
        return value;
    }

    /** @return {@code rows} in the representation of {@code like} (what the same store holds) */
    private static StoreContents encode(StoreContents like, List<VirtualModel> rows) {
        if (like instanceof StoreContents.Document) {
            return StoreContents.Document.of(ConfigLoader.renderStore(rows));
        }
        if (like instanceof StoreContents.Rows r) {
            // The store assigns the new revision when it writes; until then the rows carry the one they came from.
            return new StoreContents.Rows(r.revision(), ConfigLoader.storeRows(rows));
        }
        throw new IllegalStateException("unknown store contents " + like);
    }

    // ---- reloading ----------------------------------------------------------------------------------

    /**
     * Re-reads the config file and the store now and swaps in their content when it changed and is valid.
     *
     * @return the snapshot in use afterwards
     */
    public Snapshot reload() {
        synchronized (lock) {
            if (exhausted != null) {
                // Asked for: read again what ran out of memory (the heap may have been full of other work).
                exhausted = null;
                lastSeen = null;
            }
        }
        return reload(false);
    }

    /**
     * @param settle whether a config file that changed is read once it stays the same ({@link #readConfig(boolean)}),
     *     and an invalid read is given a moment to become valid (a writer in the middle of its work): the watcher's
     *     reloads, another node's notification and an admin write's, never an explicit one
     */
    Snapshot reload(boolean settle) {
        try {
            synchronized (lock) {
                if (closed) {
                    // A look that came in while the node stopped (the store's listener, an admin reload) opens nothing.
                    return state.snapshot();
                }
                Read read;
                byte[] config = null;
                try {
                    config = readConfig(settle);
                    read = read(config);
                    storeUnreadable = false;
                } catch (InvalidConfigException e) {
                    // The config file cannot be read (a directory, unreadable, too large): the store may still have
                    // changed, and a deny written on another node must not wait for the file.
                    Read storeOnly = readStoreQuietly();
                    if (storeOnly != null) {
                        applyStoreWithLastGoodFile(storeOnly);
                    }
                    fail(sha256(String.join("\n", e.errors()).getBytes(StandardCharsets.UTF_8)), e.errors(), INVALID);
                    return state.snapshot();
                } catch (UncheckedIOException e) {
                    storeUnreadable = true;
                    // The store cannot be read (the file's problems are InvalidConfigException): the file may still
                    // have changed, and an emergency deny in it must not wait for the database.
                    // The file as this reload read it (waited for, when it settles): not read again, unwaited; or as
                    // read again while the store did not answer.
                    List<String> errors = new ArrayList<>(applyFileWithLastGoodRows(
                            e instanceof UnreadableBeside beside ? beside.config : config));
                    errors.add(e.getCause().getMessage());
                    fail(sha256(String.join("\n", errors).getBytes(StandardCharsets.UTF_8)), errors, UNREADABLE);
                    // Judged afresh once it can be read: the content seen before (and its refusal) may stand again.
                    lastSeen = null;
                    return state.snapshot();
                }
                return apply(read, settle);
            }
        } finally {
            closeRetired();
            saveStoreSnapshot();
        }
    }

    /** Judges what was read; holds {@link #lock}. */
    private Snapshot apply(Read read, boolean settle) {
        String hash = read.hash();
        if (hash.equals(lastSeen)) {
            if (hash.equals(liveHash) && lastError != null) {
                // What is in force is what is there: a store or file that could not be read is back, unchanged.
                lastError = null;
                lastLogged = null;
                LOG.info("Switchboard: the configuration can be read again, unchanged; {} stays in force",
                        state.snapshot().version().substring(0, 12));
            }
            return state.snapshot();
        }
        for (int attempt = 0; ; attempt++) {
            AdminStore made = null;
            Snapshot before = state.snapshot();
            try {
                Snapshot next = build(read);
                AdminStore named = storeFor(next.config(), read.store());
                if (named != read.store()) {
                    // The new config names another admin.store: it goes live with that store, not the old one's.
                    made = named;
                    read = new Read(read.config(), named, readStore(named));
                    // That store's read is what is judged: a look that finds it still blank or missing is not judged
                    // again, one that finds it written is (this look's read of the store in force never changes).
                    hash = read.hash();
                    refuseBlankStore(read);
                    refuseMissingStore(read);
                    next = build(read);
                } else {
                    keepRowsOfAVanishedStore(read);
                }
                List<Warning> warned = state.snapshot().config().warnings();
                boolean unchanged = next.version().equals(state.snapshot().version());
                boolean wasFailing = lastError != null;
                swap(next, read.store(), read.config(), read.contents(), hash);
                made = null;
                if (!unchanged) {
                    LOG.info("Switchboard: reloaded configuration {} ({} virtual models)", next.version().substring(0, 12),
                            next.config().rules().virtualModels().size());
                } else if (wasFailing) {
                    // After an outage, or an invalid edit put back: what is read now is what was in force.
                    LOG.info("Switchboard: the configuration can be read again, unchanged; {} stays in force",
                            next.version().substring(0, 12));
                } else {
                    // The store's read that a changed config file did not wait for (readBeside) is done.
                    LOG.info("Switchboard: the admin store answered, unchanged; {} stays in force",
                            next.version().substring(0, 12));
                }
                logNewWarnings(warned, next);
                return next;
            } catch (UncheckedIOException e) {
                storeUnreadable = true;
                fail(hash, List.of(e.getCause().getMessage()), UNREADABLE);
                return state.snapshot();
            } catch (OutOfMemoryError e) {
                if (state.snapshot() != before) {
                    // Out of memory after the new configuration went live (its log lines): it is in force.
                    throw e;
                }
                // A file within the size limit whose rows need more heap than the node has (or a heap full of other
                // work): the last good configuration serves on, the status and the log say why, and the file is not
                // read again until it changes or a reload is asked for (each read would exhaust the heap again while
                // requests need it); the store's changes go on with the last good file, as beside a broken one.
                lastSeen = hash;
                exhausted = read.config() == null ? null : sha256(read.config());
                applyStoreWithLastGoodFile(read);
                fail(hash, List.of(outOfMemory(e)), INVALID);
                return state.snapshot();
            } catch (InvalidConfigException e) {
                if (settle && attempt < 3) {
                    // A file briefly empty or half-written: wait for the writer to finish before judging it.
                    ConfigWatcher.sleepQuietly(ConfigWatcher.DEBOUNCE);
                    Read again = readQuietly();
                    if (again != null && !again.hash().equals(hash)) {
                        read = again;
                        hash = again.hash();
                        continue;
                    }
                }
                // One half is the problem: the other half's change goes live with the problem half's last good state.
                List<String> errors = new ArrayList<>(e.errors());
                if (!applyStoreWithLastGoodFile(read)) {
                    for (String more : applyFileWithLastGoodRows(read.config())) {
                        if (!errors.contains(more)) {
                            errors.add(more);
                        }
                    }
                }
                lastSeen = hash;
                fail(hash, errors, INVALID);
                return state.snapshot();
            } finally {
                if (made != null) {
                    // Named by a change that did not go live: never used.
                    retired.add(made);
                }
            }
        }
    }

    /**
     * The store in force, still named by the config, read as missing or empty while it held rows: moved away, deleted
     * by mistake, a volume not mounted yet, a hand edit in progress; a table store read as never written (its schema
     * dropped and made again). Dropping its rows would drop its deny policies too,
     * and a write would start from nothing; so the whole change waits until it is back. Holds {@link #lock}.
     *
     * @throws InvalidConfigException saying so
     */
    private void keepRowsOfAVanishedStore(Read read) {
        if (read.config() != null && read.contents() instanceof StoreContents.Rows r && r.rows().isEmpty()
                && StoreContents.Rows.UNWRITTEN.equals(r.revision()) && !state.snapshot().stored().isEmpty()) {
            // A table store is never written back to revision 0 (a write bumps it, a delete of the last row too): its
            // schema was dropped and made again, or another, empty database answers at the address.
            throw new InvalidConfigException(List.of(read.store().name() + ": the admin store reads as never written"
                    + " (revision 0, no rows) while it held rows: its schema was dropped, or another database answers"
                    + " at its address; keeping its last good rows (restore them, or restart the node to start from the"
                    + " empty store)"));
        }
        if (read.config() != null && read.contents() instanceof StoreContents.Document d
                && !state.snapshot().stored().isEmpty()) {
            if (!d.exists()) {
                // To clear it on purpose, write an empty list.
                throw new InvalidConfigException(List.of(read.store().name() + ": the admin store is missing;"
                        + " keeping its last good rows until it is back (to remove every row, write"
                        + " 'virtual_models: []' to it)"));
            }
            if (new String(d.yaml(), StandardCharsets.UTF_8).isBlank()) {
                // Our own writes are atomic; an empty store with rows before is a hand edit in progress.
                throw new InvalidConfigException(List.of(read.store().name()
                        + ": the admin store is empty; keeping its last good rows until it is written completely"));
            }
        }
    }

    /**
     * The config file cannot be used (missing, unreadable, invalid) while the store changed: the store's change goes
     * live with the last good file standing in, as an admin write on this node would (a deny policy written on
     * another node is enforced here too); the file's problem stays reported. Nothing when the store's rows are the
     * problem, or do not fit the last good file. Holds {@link #lock}.
     */
    private boolean applyStoreWithLastGoodFile(Read read) {
        State now = state;
        boolean fileUsable = read.config() != null && configErrors(read.config()).isEmpty();
        if (fileUsable) {
            return false;
        }
        if (read.store() != now.store() || read.contents() == null) {
            return true;
        }
        Read partial = new Read(now.config(), now.store(), read.contents());
        try {
            keepRowsOfAVanishedStore(partial);
            Snapshot next = build(partial);
            if (!next.version().equals(now.snapshot().version())) {
                installPartial(next, now.store(), now.config(), read.contents(),
                        "the admin store's change with the last good config file; the config file cannot be used (see the"
                                + " warning)");
            }
        } catch (InvalidConfigException e) {
            // The store's rows do not fit the last good file either: reported with the file's problem.
        }
        return true;
    }

    /** @return the store as it is now beside no config file, or {@code null} when it cannot be read. Holds {@link #lock}. */
    private Read readStoreQuietly() {
        try {
            return new Read(null, state.store(), readStore(state.store()));
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    /**
     * The store cannot be used (a database down, a store read as emptied or holding an invalid row) while the config
     * file may have changed: a valid change of the file goes live with the store's last good rows (an emergency deny
     * in the file takes effect meanwhile); the store's problem stays reported. Nothing when the file names another
     * store or does not fit those rows. Holds {@link #lock}.
     *
     * @param read the config file's bytes as just read, or {@code null} to read them now
     * @return the file's own problems, to report beside the store's (none when it went live or did not change)
     */
    private List<String> applyFileWithLastGoodRows(byte[] read) {
        return applyFileWithLastGoodRows(read,
                "the config file with the admin store's last good rows; the store cannot be read (see the warning)");
    }

    /** @param what what went live, and why, for the log ({@link #installPartial}) */
    private List<String> applyFileWithLastGoodRows(byte[] read, String what) {
        State now = state;
        if (now == null) {
            return List.of();
        }
        if (now.contents() == null) {
            return applyFileWhileWaiting(read);
        }
        byte[] config = read;
        try {
            if (config == null) {
                config = readConfig();
            }
        } catch (InvalidConfigException e) {
            return e.errors();
        }
        if (config == null) {
            return List.of(configFile + ": no such file");
        }
        if (java.util.Arrays.equals(config, now.config())) {
            return List.of();
        }
        try {
            Snapshot next = build(new Read(config, now.store(), now.contents()));
            if (!now.store().isFor(next.config().admin(), configFile)) {
                // Its change goes live with that store, never with the rows of this one.
                return List.of(configFile + ": names another admin store, " + next.config().admin().store()
                        + ": its change goes live with that store, once it can be used");
            }
            if (next.version().equals(now.snapshot().version())) {
                return List.of();
            }
            installPartial(next, now.store(), config, now.contents(), what);
            return List.of();
        } catch (InvalidConfigException e) {
            return e.errors();
        }
    }

    /**
     * A node waiting for its store: a valid change of its config file that names the same store goes live (its admin
     * token, its settings), still deciding nothing until the store is read; one naming another store is that store's
     * to bring in ({@link #read()} tries it). Holds {@link #lock}.
     *
     * @return the file's own problems
     */
    private List<String> applyFileWhileWaiting(byte[] read) {
        State now = state;
        byte[] config = read;
        try {
            if (config == null) {
                config = readConfig();
            }
            if (config == null) {
                return List.of(configFile + ": no such file");
            }
            if (java.util.Arrays.equals(config, now.config())
                    || !now.store().isFor(loader.parse(config).admin(), configFile)) {
                return List.of();
            }
            installPartial(waiting(config, now.store(), now.snapshot().config().pendingStore()), now.store(), config, null,
                    "the config file, still without its admin store: every request is refused until it can be read"
                            + " (see the warning)");
            return List.of();
        } catch (InvalidConfigException e) {
            return e.errors();
        }
    }

    /**
     * Puts in force a snapshot made with one part (the config file or the store's rows) as last good, not as read,
     * and says so. What is on disk is not what is in force: the next complete read is judged afresh. Holds
     * {@link #lock}.
     *
     * @param contents the store's contents it was built with, or {@code null} for a node still waiting for its store
     *     (the config file's part alone)
     * @param what what went live with what, and why the other part is its last good state
     */
    private void installPartial(Snapshot next, AdminStore store, byte[] config, StoreContents contents, String what) {
        List<Warning> warned = state.snapshot().config().warnings();
        install(new State(next, store, config, contents));
        lastSeen = null;
        liveHash = null;
        tell(true, next);
        LOG.info("Switchboard: reloaded configuration {} ({} virtual models): {}",
                next.version().substring(0, 12), next.config().rules().virtualModels().size(), what);
        logNewWarnings(warned, next);
    }

    /**
     * Logs the warnings of a configuration swapped in that the one before did not have: each node reloads at every
     * admin write on any node, and a warning that stays would otherwise be logged again each time (it stays in
     * {@code /admin/status} and {@code validate}).
     */
    private static void logNewWarnings(List<Warning> before, Snapshot next) {
        Set<Warning> old = new java.util.HashSet<>(before);
        next.config().warnings().stream().filter(w -> !old.contains(w)).forEach(w -> LOG.warn("{}", w));
    }

    /** @return what the files hold now, or {@code null} when they cannot be read (the next look reports it) */
    private Read readQuietly() {
        try {
            // Only the settling reloads read again (an invalid file given a moment): as they read.
            return read(readConfig(true));
        } catch (InvalidConfigException | UncheckedIOException e) {
            return null;
        }
    }

    /** Holds {@link #lock}. A store other than the one in force retires that one and starts serving. */
    private void swap(Snapshot next, AdminStore store, byte[] config, StoreContents contents, String hash) {
        // Cleared before the state is published: a reader who sees the new rules (get(), unlocked) sees no old error.
        lastError = null;
        lastLogged = null;
        install(new State(next, store, config, contents));
        lastSeen = hash;
        liveHash = hash;
        exhausted = null;
        tell(true, next);
    }

    /** Holds {@link #lock}. */
    private void install(State next) {
        AdminStore old = state.store();
        if (otherRead != null && otherRead.store() == next.store()) {
            lastSync = otherRead.at();
        }
        if (otherRead != null && old != next.store()) {
            otherRead = null;
        }
        // Published after the sync time it comes with (both volatile): a reader who sees it sees that time.
        state = next;
        if (next.contents() != null) {
            // Waiting is over: the candidate is the store in force now, or never will be.
            dropCandidate(next.store());
        }
        if (old != next.store()) {
            retired.add(old);
            next.store().open();
            if (listening) {
                listen(next.store());
            }
        }
    }

    /**
     * Reports why the newest content is not in use; logs it and tells the listeners (a refused change, for the
     * metrics) once per distinct content ({@code hash}), however often it is read: a file that cannot be read is
     * read again at every look, and a write reads the file at each of its tries.
     *
     * @param why {@link #INVALID} or {@link #UNREADABLE}
     */
    private void fail(String hash, List<String> errors, String why) {
        ReloadError was = lastError;
        // The same problem read again keeps its time: when it was first seen, as the log line says.
        lastError = was != null && hash.equals(lastLogged) && was.errors().equals(errors) ? was
                : new ReloadError(clock.instant(), errors);
        State now = state;
        String storeNow = now.contents() == null ? storeErrors(now, errors) : null;
        if (storeNow != null && !storeNow.equals(now.snapshot().config().pendingStore())) {
            // Waiting for its store: its refusals say why as it is now (a corrected address that fails otherwise); a
            // problem of the config file alone leaves the store's reason as it was.
            Snapshot s = now.snapshot();
            state = new State(new Snapshot(s.config().waitingForStore(storeNow), s.managed(), s.stored(), s.version(),
                    s.loadedAt(), s.files(), s.storeRevision()), now.store(), now.config(), null);
        }
        if (!hash.equals(lastLogged)) {
            lastLogged = hash;
            tell(false, state.snapshot());
            // A node waiting for its store has no last good configuration to keep: it has not read its store yet.
            String head = now.contents() == null ? "still without the admin store of {}, refusing every request"
                    : "keeping the last good configuration of {}";
            LOG.warn("Switchboard: " + head + "; {}:\n  {}", configFile != null ? configFile : "the built-in default", why,
                    String.join("\n  ", errors));
        }
    }

    /**
     * @return the errors about the store a waiting node waits on (or the candidate it tries), each named by it, joined;
     *     {@code null} when there are none (the config file's own). Holds {@link #lock}.
     */
    private String storeErrors(State now, List<String> errors) {
        List<String> about = new ArrayList<>();
        for (String e : errors) {
            if (names(e, now.store()) || (candidate != null && names(e, candidate))) {
                about.add(e);
            }
        }
        return about.isEmpty() ? null : String.join("; ", about);
    }

    /** @return whether an error is about {@code store}: it starts with its name (a database's address) or its file */
    private static boolean names(String error, AdminStore store) {
        return error.startsWith(store.name() + ":") || error.startsWith(store.location() + ":");
    }

    /** Hears of configuration changes: every swap, and every change refused as invalid. */
    @FunctionalInterface
    public interface ReloadListener {
        /**
         * @param swapped {@code true} when {@code inUse} was just swapped in, {@code false} when a change
         *     was refused and {@code inUse} is the last good snapshot, still serving
         * @param inUse the snapshot in use
         */
        void reloaded(boolean swapped, Snapshot inUse);
    }

    /**
     * @param listener told of every later swap and refused change, on the thread that made it; must not
     *     block or throw (a throw is logged and ignored)
     */
    public void addReloadListener(ReloadListener listener) {
        reloadListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    private void tell(boolean swapped, Snapshot inUse) {
        for (ReloadListener l : reloadListeners) {
            try {
                l.reloaded(swapped, inUse);
            } catch (RuntimeException e) {
                LOG.warn("Switchboard: a reload listener failed", e);
            }
        }
    }

    // ---- admin writes -------------------------------------------------------------------------------

    /**
     * Changes the admin store: inside the store's write (its lock held, {@code ifMatch} checked against the
     * store as it is now), reloads the newest state, applies {@code change} to it, validates the whole
     * configuration with the result, writes the store durably and swaps the new snapshot in.
     *
     * <p>When the config file on disk cannot be used (missing, unreadable, invalid), the write is validated
     * against the last good configuration file instead, the one traffic is decided with: an operator can still
     * change the rules while the file is being fixed. The file's problem stays reported ({@link #lastError()})
     * and is returned in {@link Update#brokenConfig()}. But only while the store is as this node last applied it:
     * when it changed since (another node's write, a hand edit) and this node could not apply that, the write is
     * refused ({@link StoreNotAppliedException}), since it would start from rows the store no longer holds.
     *
     * @param ifMatch the client's {@code If-Match}, or {@code null}
     * @param change the store's new rows, from the snapshot in force ({@link Snapshot#stored()} are the
     *     store's rows now); may throw any unchecked exception to refuse, which propagates as it is
     * @return the snapshot now in use (the one written) and whether the config file on disk was used
     * @throws StaleException when {@code ifMatch} does not match the store as it is
     * @throws InvalidConfigException when the result is invalid (nothing is written)
     * @throws IOException when the store cannot be read or written (nothing changed); the message names the
     *     store and says why
     */
    public Update update(String ifMatch, Function<Snapshot, List<VirtualModel>> change)
            throws StaleException, IOException {
        Objects.requireNonNull(change, "change");
        if (writesInLine.incrementAndGet() > MAX_WRITES_IN_LINE) {
            writesInLine.decrementAndGet();
            throw new StoreUnavailableException(state.store().name() + ": " + MAX_WRITES_IN_LINE + " admin writes are"
                    + " already in line on this node; nothing was written, retry in a moment");
        }
        try {
            // The shorter of the timeout in force at the start (the proxy's connector) and the file's (a restart's).
            Duration now = state.snapshot().config().server().clientIdleTimeout();
            Duration wait = writeTurnWait(now.compareTo(startedIdle) < 0 ? now : startedIdle);
            if (!writeTurn.tryAcquire(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new StoreUnavailableException(state.store().name() + ": the admin writes before this one on this"
                        + " node took more than " + (wait.toMillis() % 1000 == 0 ? wait.toSeconds() + " s" : wait.toMillis() + " ms")
                        + "; nothing was written, retry in a moment");
            }
        } catch (InterruptedException e) {
            writesInLine.decrementAndGet();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(state.store().name() + ": the gateway is stopping; nothing was written");
        } catch (StoreUnavailableException e) {
            writesInLine.decrementAndGet();
            throw e;
        }
        try {
            boolean quiet = awaitQuietConfig();
            synchronized (lock) {
                if (closed) {
                    throw new java.io.InterruptedIOException(state.store().name() + ": the gateway is stopping; nothing was written");
                }
                // Newest state first, even when the write turns out stale: a hand edit of the store goes live. Not from
                // a config file in the middle of a save: its first half could name another store. A file that kept
                // changing through the wait above is taken as it is (waiting again would only hold the lock longer).
                reload(quiet);
                boolean strict = quiet;
                while (true) {
                    try {
                        return update(state.store(), ifMatch, change, strict);
                    } catch (StoreMoved e) {
                        // The reload inside the write found a config naming another store: write that one.
                    } catch (ConfigChanged e) {
                        // Saved again since the reload above: waited for once more (under the lock: rare), then taken.
                        reload(true);
                        strict = false;
                    } catch (StaleException stale) {
                        throw whyStale(stale);
                    }
                }
            }
        } finally {
            writeTurn.release();
            writesInLine.decrementAndGet();
            closeRetired();
            saveStoreSnapshot();
        }
    }

    /**
     * A stale {@code If-Match}: the client's revision may be the very one this node serves (its listing's ETag) while
     * the store moved to rows this node cannot apply; read again, the client would get that revision back and meet the
     * 412 again, in a loop. So the write's own checks run once more, unconditionally, under the store's lock, with
     * nothing to write: a node that cannot apply the store says so ({@link StoreNotAppliedException}, the 409 a write
     * without {@code If-Match} gets); one that can (another node wrote valid rows) leaves the 412 as it is.
     *
     * @return {@code stale}, to throw
     */
    private StaleException whyStale(StaleException stale) {
        try {
            update(state.store(), null, snapshot -> {
                throw new NothingToWrite();
            }, false);
        } catch (NothingToWrite | StoreMoved | StaleException | IOException e) {
            // Past every check, or the store cannot tell now: the client's revision is stale, as the store said.
        }
        return stale;
    }

    /** @param strict whether a config file changed since it was last seen settled starts the write over */
    private Update update(AdminStore store, String ifMatch, Function<Snapshot, List<VirtualModel>> change, boolean strict)
            throws StaleException, IOException {
        Snapshot[] next = new Snapshot[1];
        byte[][] base = new byte[1][];
        byte[][] onDisk = new byte[1][];
        List<String> broken = new ArrayList<>();
        StoreContents stored;
        try {
            stored = store.write(ifMatch, now -> {
                // A store may run this again (a database transaction retried): each run starts afresh.
                broken.clear();
                byte[] disk = null;
                // Keyed as a reload would key the same problem, so that it is logged once, not once per path.
                String brokenKey = null;
                try {
                    // Never waited for here, inside the store's write (its lock, a transaction other nodes wait on): a
                    // file saved again since the reload before it starts the write over.
                    disk = readConfig(false);
                    if (strict && !java.util.Arrays.equals(disk, settled)) {
                        throw new ConfigChanged();
                    }
                    if (disk == null) {
                        broken.add(configFile + ": no such file");
                        brokenKey = new Read(null, store, now).hash();
                    }
                } catch (InvalidConfigException e) {
                    broken.addAll(e.errors());
                    brokenKey = sha256(String.join("\n", e.errors()).getBytes(StandardCharsets.UTF_8));
                }
                if (broken.isEmpty()) {
                    // Decide from the newest state: the config file as it is and the store as the write found it.
                    apply(new Read(disk, store, now), false);
                    broken.addAll(configErrors(disk));
                } else {
                    fail(brokenKey, broken, INVALID);
                }
                if (state.store() != store) {
                    throw new StoreMoved();
                }
                if (!sha256(state.config(), new byte[] {0}, identity(now)).equals(state.snapshot().version())) {
                    // The rows in force are not the store's as it is now (another node or a hand edit changed it, and
                    // this node could not apply that): a write from them would drop every row written since.
                    ReloadError error = lastError;
                    throw new StoreNotAppliedException(error == null ? List.of() : error.errors());
                }
                // A config file that cannot be used does not block the store: the last good one stands in for it.
                base[0] = broken.isEmpty() ? disk : state.config();
                onDisk[0] = disk;
                Read proposed = new Read(base[0], store, encode(now, change.apply(state.snapshot())));
                // Validated whole before anything is written: a refusal here leaves the store as it is.
                next[0] = build(proposed);
                return proposed.contents();
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        lastSync = clock.instant();
        if (!stored.revision().equals(next[0].storeRevision())) {
            // A table store numbered the write itself: the snapshot in force carries that revision (the ETag).
            Snapshot s = next[0];
            next[0] = new Snapshot(s.config(), s.managed(), s.stored(), sha256(base[0], new byte[] {0}, identity(stored)),
                    s.loadedAt(), s.files(), stored.revision());
        }
        // What the watcher will see (the file as it is on disk, or its absence): judged already, so it neither reloads
        // nor logs it again. A file that could not be read is judged again once it can be, and then swapped in.
        String hash = new Read(onDisk[0], store, stored).hash();
        if (broken.isEmpty()) {
            swap(next[0], store, base[0], stored, hash);
            return new Update(next[0], null);
        }
        ReloadError error = lastError;
        install(new State(next[0], store, base[0], stored));
        lastSeen = hash;
        liveHash = null;
        // In force now, though the file is broken: listeners (the metrics' version) hear of it as of any swap.
        tell(true, next[0]);
        return new Update(next[0], error);
    }

    /** @return the errors of the config file's own content (without the store), empty when it is valid */
    private List<String> configErrors(byte[] config) {
        String unusable = unusable(config);
        if (unusable != null) {
            // Unusable as a file that does not parse is: the store's changes and writes go on with the last good one.
            return List.of(unusable);
        }
        try {
            loader.parse(config);
            return List.of();
        } catch (InvalidConfigException e) {
            return e.errors();
        } catch (OutOfMemoryError e) {
            exhausted = sha256(config);
            return List.of(outOfMemory(e));
        }
    }

    private static final String EXHAUSTED = "(document): reading it ran out of memory: the last good configuration"
            + " stays; give the JVM more heap (-Xmx) or the file fewer rows";

    private static String outOfMemory(OutOfMemoryError e) {
        return "(document): reading it ran out of memory (" + e.getMessage() + ", a heap of at most "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB): the last good configuration stays; give the"
                + " JVM more heap (-Xmx) or the file fewer rows";
    }

    /**
     * @return why a config file read at a reload is not to be read as a configuration before it is parsed: it ran out
     *     of memory before and is the same ({@link #exhausted}: not read again until it changes or a reload is asked
     *     for), or it reads as cut short beside the one in force ({@link ConfigLoader#cutShort}; at the start there is
     *     none in force to keep); {@code null} when neither
     */
    private String unusable(byte[] config) {
        if (config != null && exhausted != null && exhausted.equals(sha256(config))) {
            return EXHAUSTED;
        }
        State now = state;
        if (config == null || now == null || now.config() == null || java.util.Arrays.equals(config, now.config())) {
            return null;
        }
        return loader.cutShort(config, now.config());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
