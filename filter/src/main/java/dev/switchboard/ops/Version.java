package dev.switchboard.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The release version of Switchboard that is running (SPEC section 13): {@code --version}, {@code "version"}
 * in {@code /admin/status}, the start lines.
 *
 * <p>Read at run time, never written in the code: the {@code Implementation-Version} of the jar this class
 * was loaded from (every jar of the build carries one), else the {@code version.properties} Maven writes
 * beside this class (a build's {@code target/classes}, or a jar repacked without its manifest), else
 * {@code "unknown"}.
 */
public final class Version {

    /** What {@link #current()} answers when neither the manifest nor the resource names a version. */
    public static final String UNKNOWN = "unknown";

    private static final String RESOURCE = "version.properties";
    private static final String CURRENT = read();

    private Version() {
    }

    /**
     * @return the release version, e.g. {@code 0.1.0} (never {@code null}; {@link #UNKNOWN} when not found)
     */
    public static String current() {
        return CURRENT;
    }

    private static String read() {
        String manifest = Version.class.getPackage().getImplementationVersion();
        if (manifest != null && !manifest.isBlank()) {
            return manifest.strip();
        }
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String resource = p.getProperty("version");
                // An unfiltered copy (an IDE that skipped Maven's resource filtering) still says ${project.version}.
                if (resource != null && !resource.isBlank() && !resource.contains("${")) {
                    return resource.strip();
                }
            }
        } catch (IOException e) {
            // Unreadable: as unknown as absent; a version lookup never stops the gateway.
            return UNKNOWN;
        }
        return UNKNOWN;
    }
}
