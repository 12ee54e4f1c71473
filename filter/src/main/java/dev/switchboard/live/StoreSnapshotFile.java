package dev.switchboard.live;

import dev.switchboard.json.JsonTree;
import dev.switchboard.store.DurableFile;
import dev.switchboard.store.StoreContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A database store's rows as a node last put them in force, kept in a file ({@code admin.store_snapshot}) so that the
 * node can serve them when it starts while the database cannot be reached: the "last good rules" of SPEC section 12,
 * across a restart. One JSON object: {@code store} (the database's address, never a credential), {@code revision},
 * {@code saved_at} (when the node read them) and {@code rows} (as {@link StoreContents.Rows} holds them). Written whole
 * and durably as the file store writes ({@link DurableFile}: created readable by its owner only).
 */
final class StoreSnapshotFile {

    /** The longest snapshot read: far above any store (a row is a few hundred bytes), far below the heap. */
    static final long MAX_BYTES = 64L << 20;

    /**
     * What a snapshot holds.
     *
     * @param store the address of the store the rows were read from
     * @param rows the rows, at their revision
     * @param savedAt when the node that saved them read them from the store
     */
    record Saved(String store, StoreContents.Rows rows, Instant savedAt) {
    }

    private StoreSnapshotFile() {
    }

    /**
     * @param file where to keep the rows (its folder must exist)
     * @param saved what to keep
     * @throws IOException when it cannot be written (the file before stays as it was)
     */
    static void write(Path file, Saved saved) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("store", saved.store());
        doc.put("revision", saved.rows().revision());
        doc.put("saved_at", saved.savedAt().toString());
        doc.put("rows", saved.rows().rows());
        byte[] bytes = JsonTree.write(doc);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException("its folder " + dir + " does not exist");
        }
        // Left by a writer killed mid-write; a writer at work on another node sharing the folder is younger.
        DurableFile.removeLeftovers(file, Duration.ofMinutes(1));
        try {
            DurableFile.replace(file, bytes, () -> true);
        } catch (java.nio.file.FileSystemException e) {
            // Said without the temporary file's name, which differs at each try: one reason, logged once.
            throw new IOException("cannot write it (" + (e.getReason() != null ? e.getReason()
                    : e.getClass().getSimpleName()) + ")", e);
        }
    }

    /**
     * @param e why a snapshot could not be read or written
     * @return what to say: a file system's exception names the file alone when it has no reason ("/x" for a missing or
     *     forbidden one), so its kind is said too
     */
    static String why(Exception e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() == null
                ? e.getClass().getSimpleName() + " " + e.getMessage() : String.valueOf(e.getMessage());
    }

    /**
     * @param file a snapshot
     * @return what it holds, or {@code null} when there is no such file
     * @throws IOException when it cannot be read or is not a snapshot; the message says why, without the file's name
     */
    static Saved read(Path file) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException("larger than " + (MAX_BYTES >> 20) + " MB");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        Object doc;
        try {
            doc = JsonTree.parseUnique(bytes);
        } catch (JsonTree.DuplicateKeyException e) {
            throw new IOException("not a snapshot of the admin store (" + e.describe() + ")");
        }
        if (!(doc instanceof Map<?, ?> m) || !(m.get("store") instanceof String store)
                || !(m.get("revision") instanceof String revision) || !(m.get("saved_at") instanceof String at)
                || !(m.get("rows") instanceof List<?> rows) || !rows.stream().allMatch(Map.class::isInstance)) {
            throw new IOException("not a snapshot of the admin store (it needs store, revision, saved_at and rows)");
        }
        Instant savedAt;
        try {
            savedAt = Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new IOException("not a snapshot of the admin store (saved_at is not a time)");
        }
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Object row : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) plain(row);
            out.add(r);
        }
        return new Saved(store, new StoreContents.Rows(revision, out), savedAt);
    }

    /** @return the value with its numbers as the table gives them (a target's weight: an integer) */
    private static Object plain(Object value) throws IOException {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), plain(e.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object item : l) {
                out.add(plain(item));
            }
            return out;
        }
        if (value instanceof JsonTree.Num n) {
            try {
                return Integer.parseInt(n.text());
            } catch (NumberFormatException e) {
                throw new IOException("not a snapshot of the admin store (" + n.text() + " is no integer)");
            }
        }
        return value;
    }
}
