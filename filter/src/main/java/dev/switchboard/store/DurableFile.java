package dev.switchboard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * A file replaced whole and durably, as the file store and a database store's snapshot keep theirs: the new bytes go
 * to a temporary file of their own beside it ({@code .NAME.<random>.tmp}, created 0600, then given the mode of the file
 * it replaces: what the operator set up stays), are forced to disk, renamed over the file atomically, and the folder is
 * synced, so that when {@link #replace} returns the new content survives a crash or power loss. Another writer of the
 * same file never takes or removes the temporary file.
 */
public final class DurableFile {

    /** Asked once the new bytes are on disk, just before the rename. */
    @FunctionalInterface
    public interface Check {
        /** @return whether to go on and replace the file ({@code false}: it is left as it is) */
        boolean stillWanted() throws IOException;
    }

    private DurableFile() {
    }

    /**
     * @param target the file to replace (a regular file or none yet; its folder must exist)
     * @param bytes its new content
     * @param beforeRename asked just before the rename
     * @return whether {@code target} was replaced ({@code false} when {@code beforeRename} said no)
     * @throws IOException when it cannot be written, or the file system cannot rename atomically (nothing replaced)
     */
    public static boolean replace(Path target, byte[] bytes, Check beforeRename) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, prefix(target), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (Files.exists(target)) {
                try {
                    Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
                } catch (UnsupportedOperationException e) {
                    // Not a POSIX file system (Windows): its files carry no such mode.
                }
            }
            if (!beforeRename.stillWanted()) {
                return false;
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; " + target.getFileName()
                        + " needs it", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        // The rename itself is durable only once the folder is synced (POSIX); not every OS can open one.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory: its rename is already durable enough with NTFS journaling.
        }
        return true;
    }

    /**
     * Deletes the temporary files writers killed mid-write left beside {@code target} (they never replaced it, so nothing
     * in them was acknowledged). Best effort.
     *
     * @param olderThan only those untouched for longer ({@link Duration#ZERO}: all, when no other writer can be at work)
     */
    public static void removeLeftovers(Path target, Duration olderThan) {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = prefix(target);
        Instant cutoff = Instant.now().minus(olderThan);
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".tmp"))
                    .forEach(f -> {
                        try {
                            if (olderThan.isZero() || Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                                Files.deleteIfExists(f);
                            }
                        } catch (IOException ignored) {
                            // another node may be writing it right now; it cleans up after itself
                        }
                    });
        } catch (IOException | UncheckedIOException ignored) {
            // an unreadable folder fails the next write loudly enough
        }
    }

    private static String prefix(Path target) {
        return "." + target.getFileName() + ".";
    }
}
