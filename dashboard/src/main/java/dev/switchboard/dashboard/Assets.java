package dev.switchboard.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard's files, read from this jar ({@code dev/switchboard/dashboard/ui/}) once and kept in memory: a few
 * tens of kilobytes. Not under {@code META-INF/resources}, where a servlet container would serve them itself,
 * around the session check. Thread-safe.
 */
final class Assets {

    /** Where the files are, on the class path. */
    static final String ROOT = "dev/switchboard/dashboard/ui/";
    /** The names a request may ask for: one flat folder, no dots but the extension's. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=utf-8",
            "js", "text/javascript;charset=utf-8",
            "css", "text/css;charset=utf-8",
            "svg", "image/svg+xml");

    /**
     * One file.
     *
     * @param bytes its content
     * @param contentType its media type
     * @param etag a strong ETag of its content
     */
    record Asset(byte[] bytes, String contentType, String etag) {
    }

    private final ClassLoader loader;
    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    Assets(ClassLoader loader) {
        this.loader = loader;
    }

    /**
     * @param name a file name ({@code app.js})
     * @return the file, or {@code null} when there is none of that name
     */
    Asset get(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return null;
        }
        Asset cached = cache.get(name);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readAllBytes();
            String ext = name.substring(name.lastIndexOf('.') + 1);
            Asset a = new Asset(bytes, TYPES.get(ext), "\"" + HexFormat.of().formatHex(sha256(bytes), 0, 16) + "\"");
            cache.putIfAbsent(name, a);
            return a;
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard file " + name + " cannot be read from the jar", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
