package dev.switchboard.store;

import dev.switchboard.config.AdminSettings;
import dev.switchboard.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The admin store as one YAML file (SPEC section 7), by default {@code virtual-models.admin.yaml} beside
 * the config file. Its revision is the SHA-256 of the file's bytes ({@code absent} before the first write).
 *
 * <p>A {@link #write} is serialized in this JVM and, by a lock on {@code .NAME.lock} in the same folder,
 * across processes sharing the folder; it checks {@code If-Match} against the file as it is on disk (a hand
 * edit that does not load is a change too) and replaces the file atomically: temp file in the same folder,
 * fsync, rename, fsync of the folder. A crash at any moment leaves the old file or the new one, never a
 * torn one; temp files of killed writers are deleted by {@link #open()}. Thread-safe.
 *
 * <p>Editors take no lock: a hand edit saved while a write is under way would be replaced by the write, made from the
 * file as it was before. So the file is read again just before the rename, and a write that finds it changed starts
 * over from the new contents once they stay as they are for {@link #SETTLE_MILLIS} (or, with {@code If-Match}, is
 * stale once they do); and a write that finds the file changed since it last wrote it, less than that period ago,
 * first waits for it to stay as it is (an in-place save may be half done). What remains of the race is the
 * microseconds between the last read and the rename, and an in-place save that pauses longer than that period
 * mid-file.
 */
public final class FileAdminStore implements AdminStore {

    private static final dev.switchboard.ops.Log LOG = dev.switchboard.ops.Log.get(FileAdminStore.class);

    /** One monitor per store file in this JVM: a file lock held twice by one JVM is an error, not a wait. */
    private static final ConcurrentHashMap<Path, Object> WRITERS = new ConcurrentHashMap<>();
    /** How many times a write starts over because the file changed under it before it gives up. */
    static final int MAX_STARTS = 5;
    /** The longest wait for the lock file another process holds, as the PostgreSQL store's {@code lock_timeout}. */
    static final java.time.Duration LOCK_WAIT = java.time.Duration.ofSeconds(10);
    /**
     * How long a file found changed must stay as it is before a write starts over from it: an editor that saves in
     * place truncates and writes in steps, and a prefix that happens to parse must not become the base of a write.
     */
    static final long SETTLE_MILLIS = 100;
    /** How many settle periods a write waits at most for a file that keeps changing. */
    private static final int MAX_SETTLES = 10;

    private final Path file;
    private final Path lockFile;
    private final long settleMillis;
    /** The revision this store last wrote: a file that still has it was not edited since, and needs no settling. */
    private volatile String lastWritten;
    private final java.time.Duration lockWait;

    /**
     * @param file the store file (need not exist yet; its folder is created on the first write)
     */
    public FileAdminStore(Path file) {
        this(file, SETTLE_MILLIS);
    }

    /** @param settleMillis how long a changed file must stay as it is before a write starts over (tests) */
    FileAdminStore(Path file, long settleMillis) {
        this(file, settleMillis, LOCK_WAIT);
    }

    /** @param lockWait the longest wait for a lock file another process holds (tests) */
    FileAdminStore(Path file, long settleMillis, java.time.Duration lockWait) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
        this.lockFile = this.file.resolveSibling("." + this.file.getFileName() + ".lock");
        this.settleMillis = settleMillis;
        this.lockWait = lockWait;
    }

    /**
     * Where {@code admin.store} points: relative to the config file's folder (or, for a configuration
     * without a file, to the working directory) unless absolute.
     *
     * @param store the {@code admin.store} setting
     * @param configFile the config file, or {@code null}
     * @return the store file, absolute
     */
    public static Path resolve(String store, Path configFile) {
        Path path = Path.of(store);
        if (path.isAbsolute()) {
            return path;
        }
        Path folder = configFile == null ? null : configFile.toAbsolutePath().getParent();
        return folder == null ? path.toAbsolutePath() : folder.resolve(path);
    }

    /** @return the store file, absolute */
    public Path file() {
        return file;
    }

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public boolean isFor(AdminSettings admin, Path configFile) {
        return admin.storeScheme() == null && resolve(admin.store(), configFile).toAbsolutePath().equals(file);
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    public String name() {
        return file.getFileName().toString();
    }

    /**
     * Deletes temp files a writer killed mid-write left beside the store (they never replaced it, so
     * nothing in them was acknowledged). Best effort.
     */
    @Override
    public void open() {
        DurableFile.removeLeftovers(file, Duration.ZERO);
    }

    /**
     * Reads the file, never more than {@link ConfigLoader#MAX_FILE_BYTES} + 1 bytes of it.
     *
     * @throws IOException when it cannot be used, with a message naming the file and why: a directory, larger
     *     than the limit (its real size), unreadable (the system's reason)
     */
    @Override
    public StoreContents read() throws IOException {
        try {
            if (Files.isDirectory(file)) {
                throw new IOException(file + ": is a directory, not an admin store file");
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                // A pipe would block the reader (holding the lock writes and the stop wait for) until a writer came.
                throw new IOException(file + ": is not a regular file (a pipe, socket or device)");
            }
            long size = Files.size(file);
            if (size > ConfigLoader.MAX_FILE_BYTES) {
                throw new IOException(file + ": the file is " + size + " bytes; the limit is " + ConfigLoader.MAX_FILE_BYTES
                        + " bytes");
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(ConfigLoader.MAX_FILE_BYTES + 1);
            }
            if (bytes.length > ConfigLoader.MAX_FILE_BYTES) {
                throw new IOException(file + ": the file is larger than the limit of " + ConfigLoader.MAX_FILE_BYTES
                        + " bytes");
            }
            return StoreContents.Document.of(bytes);
        } catch (NoSuchFileException e) {
            return StoreContents.Document.absent();
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(file + ": ") ? e
                    : new IOException(file + ": cannot be read (" + ConfigLoader.reason(e, file) + ")", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code change} returns anything but an existing
     *     {@link StoreContents.Document}
     */
    @Override
    public StoreContents write(String ifMatch, UnaryOperator<StoreContents> change) throws StaleException, IOException {
        synchronized (WRITERS.computeIfAbsent(file.normalize(), f -> new Object())) {
            FileChannel ch = null;
            FileLock held;
            try {
                Files.createDirectories(file.getParent());
                ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                held = lock(ch);
            } catch (IOException e) {
                if (ch != null) {
                    ch.close();
                }
                throw e instanceof StoreUnavailableException || e instanceof java.io.InterruptedIOException ? e
                        : new IOException(file + ": cannot be written (" + ConfigLoader.reason(e, file) + ")", e);
            }
            try (FileChannel channel = ch; FileLock lock = held) {
                assert lock.isValid() && channel.isOpen();
                for (int start = 1; ; start++) {
                    StoreContents now = read();
                    if (!now.revision().equals(lastWritten) && modifiedWithin(settleMillis)) {
                        // Changed since this store last wrote it, moments ago: a save in place may be half done (an
                        // editor truncates and writes in steps), and its prefix must not be the base of this write.
                        if (!settle()) {
                            throw keptChanging();
                        }
                        now = read();
                    }
                    if (ifMatch != null && !AdminStore.matches(ifMatch, now.revision())) {
                        throw new StaleException("the admin store changed since it was read (If-Match " + ifMatch + ")");
                    }
                    StoreContents next = change.apply(now);
                    if (!(next instanceof StoreContents.Document doc) || !doc.exists()) {
                        throw new IllegalArgumentException("a file store writes a document, not " + next);
                    }
                    boolean written;
                    try {
                        if (now instanceof StoreContents.Document old && old.exists()
                                && ConfigLoader.storeHasComments(old.yaml())) {
                            keepCommented(old);
                        }
                        written = writeAtomically(doc.yaml(), now.revision());
                    } catch (IOException e) {
                        throw new IOException(file + ": cannot be written (" + ConfigLoader.reason(e, file) + ")", e);
                    }
                    if (written) {
                        lastWritten = doc.revision();
                        return doc;
                    }
                    // Also before a stale If-Match: what the caller does next (LiveConfig reads the store again to tell a
                    // 412 from a 409) must not read a save half done.
                    if (start == MAX_STARTS || !settle()) {
                        throw keptChanging();
                    }
                }
            }
        }
    }

    /**
     * Takes the lock file, waiting at most {@link #LOCK_WAIT} (as made) for another process that holds it (a node paused or
     * stuck in its write): a write never waits without a bound, holding a server thread.
     *
     * @throws StoreUnavailableException when it is still held after that
     * @throws java.io.InterruptedIOException when the thread is interrupted (the gateway stops)
     */
    private FileLock lock(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + lockWait.toNanos();
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new StoreUnavailableException(file + ": another process holds its lock file " + lockFile.getFileName()
                        + " (waited " + (lockWait.toMillis() % 1000 == 0 ? lockWait.toSeconds() + " s"
                        : lockWait.toMillis() + " ms") + "); nothing was written");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(file + ": the gateway is stopping; nothing was written");
            }
        }
    }

    /**
     * Keeps the file as it is, hand comments and all, beside it ({@code NAME.<first 12 digits of its revision>.bak}),
     * before a write that renders the file from its rows replaces it: the comments are not lost, and the log says where
     * they are. A copy made already (a write that started over) is made again, with the same bytes.
     */
    private void keepCommented(StoreContents.Document old) throws IOException {
        Path copy = file.resolveSibling(file.getFileName() + "." + old.revision().substring(0, 12) + ".bak");
        DurableFile.replace(copy, old.yaml(), () -> true);
        LOG.warn("Switchboard admin store: {} held comments of its own, which this write drops (each write rewrites the"
                + " file from its rows; keep notes in a row's description); the file as it was is kept in {}", file, copy);
    }

    private IOException keptChanging() {
        return new IOException(file + ": kept changing on disk while it was being written (is an editor saving it?);"
                + " nothing was written");
    }

    /** @return whether the file was modified less than {@code millis} ago (an absent one was not) */
    private boolean modifiedWithin(long millis) {
        try {
            return System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() < millis;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits, up to {@link #MAX_SETTLES} periods, until the file stays as it is for one period.
     *
     * @return whether it did; {@code false} for a file that kept changing
     */
    private boolean settle() throws IOException {
        String seen = read().revision();
        for (int i = 0; i < MAX_SETTLES; i++) {
            try {
                Thread.sleep(settleMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(file + ": interrupted while waiting for a hand edit to end;"
                        + " nothing was written");
            }
            String now = read().revision();
            if (now.equals(seen)) {
                return true;
            }
            seen = now;
        }
        return false;
    }

    /**
     * Replaces the file durably: when this returns {@code true}, the new content survives a crash or power loss. A
     * symbolic link is written through (the file it names is replaced, the link stays), and the file keeps its
     * permissions (the temporary file's are 0600): the first admin write must not change what the operator set up.
     *
     * @param read the revision the new content was made from
     * @return {@code false} when the file no longer has that revision just before the rename (a hand edit saved
     *     meanwhile): nothing was replaced
     */
    private boolean writeAtomically(byte[] bytes, String read) throws IOException {
        Path target = file;
        if (Files.isSymbolicLink(file)) {
            try {
                target = file.toRealPath();
            } catch (java.nio.file.NoSuchFileException e) {
                // A link to nothing yet: replaced by the file itself, as before.
            }
        }
        return DurableFile.replace(target, bytes, () -> read().revision().equals(read));
    }

    @Override
    public String toString() {
        return "FileAdminStore[" + file + "]";
    }
}
