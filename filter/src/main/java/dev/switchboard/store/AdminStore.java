package dev.switchboard.store;

import dev.switchboard.config.AdminSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Where admin-managed virtual models are kept (SPEC sections 7 and 12): the rows the admin API writes,
 * hot-reloaded like the config file. The file store ({@link FileAdminStore}) is the default; other stores
 * (a database) are found by the scheme of {@code admin.store} through {@link AdminStoreFactory}
 * ({@link AdminStores#open}). The store keeps {@link StoreContents} and knows nothing of their meaning:
 * turning them into rules and validating them is the configuration's job.
 *
 * <p>Implementations are thread-safe, and serialize {@link #write}s in this process and across the
 * processes that share the store. A store that cannot be reached throws {@link StoreUnavailableException}.
 */
public interface AdminStore extends AutoCloseable {

    /** @return what kind of store this is ({@code file}), for {@code /admin/status} and logs */
    String kind();

    /** @return where the store is (a path, a database address), for status and logs; never a credential */
    String location();

    /** @return a short name for messages and warnings (the file name); never a credential */
    String name();

    /**
     * @param admin the {@code admin:} settings of a configuration
     * @param configFile that configuration's file, or {@code null} for a built-in one
     * @return whether they name this very store (same place, same credentials): a reload that still names it
     *     keeps this instance, and its connections
     */
    boolean isFor(AdminSettings admin, Path configFile);

    /**
     * Makes the store ready when a node starts serving it (the file store deletes temp files of writers
     * killed mid-write). Best effort; never fails.
     */
    void open();

    /**
     * @return the contents as they are now ({@link StoreContents#exists()} {@code false} for a store not
     *     written yet)
     * @throws IOException when the store cannot be read
     */
    StoreContents read() throws IOException;

    /**
     * Changes the store as one step: takes the store's lock (or transaction), reads the freshest contents,
     * checks {@code ifMatch} against their revision, calls {@code change} with them, and makes what it
     * returns durable before returning. {@code change} runs while the lock is held, so nothing else writes
     * meanwhile; it validates, and throws (any unchecked exception) to refuse: nothing is written then and
     * the exception propagates as it is. It may run more than once, each time from fresher contents (a
     * transaction retried, a file saved by hand meanwhile), and must start afresh each time.
     *
     * @param ifMatch the client's {@code If-Match} header ({@code "rev"}, {@code W/"rev"}, a list, {@code *}),
     *     or {@code null} for an unconditional write
     * @param change the new contents from the freshest ones; must be of this store's representation
     * @return the contents now stored
     * @throws StaleException when {@code ifMatch} does not match the freshest revision (nothing written)
     * @throws IOException when the store cannot be read or written (nothing changed)
     */
    StoreContents write(String ifMatch, UnaryOperator<StoreContents> change) throws StaleException, IOException;

    /**
     * Starts telling {@code changed} of changes made to the store elsewhere (another node's write, a hand
     * edit), from a thread of the store's own, as soon as the store hears of them, until {@link #close()}.
     * {@code changed} reloads; it is also run after the store was unreachable and is back, so that a node
     * catches up on what it missed. The default does nothing: a file store's changes are seen by the config
     * watcher's folder events and poll. Idempotent.
     *
     * @param changed what to run on a change; must not throw
     * @param serving whether the node serves rules read from this store now (false while it waits to read them
     *     for the first time, refusing every request): what the store says in its log when it loses its way
     * @param pollInterval {@code reload.poll_interval} as it is now: how often a store without reliable
     *     notifications looks for itself, and the longest pause between reconnection attempts
     */
    default void listen(Runnable changed, BooleanSupplier serving, Supplier<Duration> pollInterval) {
    }

    /**
     * Stops listening and releases what the store holds (connections, threads). Idempotent; never throws.
     * A closed store is not used again. The default has nothing to release.
     */
    @Override
    default void close() {
    }

    /**
     * @param revision a store revision
     * @return its HTTP entity tag: the revision, quoted
     */
    static String etag(String revision) {
        return "\"" + revision + "\"";
    }

    /**
     * @param ifMatch an {@code If-Match} header value
     * @param revision the store's revision
     * @return whether the header names that revision (strongly or weakly) or is {@code *}
     */
    static boolean matches(String ifMatch, String revision) {
        String etag = etag(revision);
        for (String candidate : ifMatch.split(",")) {
            String c = candidate.strip();
            if (c.equals("*") || c.equals(etag) || c.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }
}
