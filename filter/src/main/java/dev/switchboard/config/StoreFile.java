package dev.switchboard.config;

import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The admin store on disk: YAML in the config file's own {@code virtual_models} format, written
 * atomically (temp file in the same folder, fsync, rename, fsync the folder), so a crash at any
 * moment leaves the old file or the new one, never a torn one (SPEC section 7).
 */
final class StoreFile {

    private static final String HEADER = "# Written by the Switchboard admin API. Hand edits are hot-reloaded too;\n"
            + "# entries of the config file with the same source win over these.\n";

    private StoreFile() {
    }

    /** @return the document for these rows, sorted by source */
    static byte[] render(List<VirtualModel> rows) {
        List<VirtualModel> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> a.source().compareTo(b.source()));
        List<Object> out = new ArrayList<>();
        for (VirtualModel vm : sorted) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", literal(vm.source()));
            if (vm.targets().size() == 1 && vm.targets().get(0).weight() == Target.DEFAULT_WEIGHT) {
                m.put("target", literal(vm.targets().get(0).model()));
            } else if (!vm.targets().isEmpty()) {
                List<Object> targets = new ArrayList<>();
                for (Target t : vm.targets()) {
                    Map<String, Object> tm = new LinkedHashMap<>();
                    tm.put("model", literal(t.model()));
                    tm.put("weight", t.weight());
                    targets.add(tm);
                }
                m.put("targets", targets);
            }
            if (vm.isRedirect()) {
                m.put("strategy", vm.strategy().yamlName());
            }
            List<Object> paths = new ArrayList<>();
            vm.userPaths().forEach(p -> paths.add(literal(p)));
            m.put("user_paths", paths);
            m.put("enabled", vm.enabled());
            m.put("description", literal(vm.description()));
            out.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 1);
        doc.put("virtual_models", out);
        // The schema the store is read with (YamlTree), so text such as "~" or "Null" is quoted, not read back as null.
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setWidth(200)
                .setSchema(new CoreSchema()).build();
        return (HEADER + new Dump(settings).dumpToString(doc)).getBytes(StandardCharsets.UTF_8);
    }

    /** Store files are read with ${VAR} expansion like the config; values from the API are literal. */
    private static String literal(String s) {
        return s.replace("${", "$${");
    }

    /**
     * Deletes temp files a writer killed mid-write left beside the store (they never replaced it, so
     * nothing in them was acknowledged). Best effort.
     */
    static void removeLeftovers(Path store) {
        if (store == null || store.toAbsolutePath().getParent() == null) {
            return;
        }
        String prefix = "." + store.getFileName() + ".";
        try (var files = Files.list(store.toAbsolutePath().getParent())) {
            files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".tmp"))
                    .forEach(f -> {
                        try {
                            Files.deleteIfExists(f);
                        } catch (IOException ignored) {
                            // another node may be writing it right now; it cleans up after itself
                        }
                    });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // an unreadable folder fails the next write loudly enough
        }
    }

    /**
     * Replaces {@code file} with {@code bytes} durably: when this returns, the new content survives a
     * crash or power loss.
     */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; the admin store needs it", e);
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
    }
}
