package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release version is read at run time: the jar manifest's {@code Implementation-Version}, else the
 * {@code version.properties} Maven filters, else {@code unknown}. Each source is tested with a jar made
 * here, holding the real {@code Version} class.
 */
final class VersionTest {

    private static final String CLASS = "dev/switchboard/ops/Version.class";
    private static final String RESOURCE = "dev/switchboard/ops/version.properties";

    @TempDir
    Path dir;

    @Test
    void shouldReadTheBuildsVersionFromTheFilteredResource() {
        String built = System.getProperty("switchboard.version");
        assertThat(built).as("system property switchboard.version (set by surefire)").isNotBlank();

        // target/classes has no manifest: the resource Maven filtered answers.
        assertThat(Version.current()).isEqualTo(built);
    }

    @Test
    void shouldPreferTheJarManifestsImplementationVersion() throws Exception {
        Path jar = jar("with-manifest.jar", "9.8.7-manifest", "version=1.2.3-resource\n");

        assertThat(currentFrom(jar)).isEqualTo("9.8.7-manifest");
    }

    @Test
    void shouldFallBackToTheResourceWhenTheManifestHasNoVersion() throws Exception {
        Path jar = jar("without-manifest.jar", null, "version=1.2.3-resource\n");

        assertThat(currentFrom(jar)).isEqualTo("1.2.3-resource");
    }

    @Test
    void shouldSayUnknownWhenNeitherNamesAVersion() throws Exception {
        Path bare = jar("bare.jar", null, null);
        // A copy of the resource that Maven did not filter (an IDE build) names no version either.
        Path unfiltered = jar("unfiltered.jar", null, "version=${project.version}\n");

        assertThat(currentFrom(bare)).isEqualTo(Version.UNKNOWN);
        assertThat(currentFrom(unfiltered)).isEqualTo(Version.UNKNOWN);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** A jar with the real Version class, optionally an Implementation-Version and a version.properties. */
    private Path jar(String name, String implementationVersion, String properties) throws IOException, URISyntaxException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (implementationVersion != null) {
            manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_TITLE, "Switchboard filter");
            manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, implementationVersion);
        }
        Path jar = dir.resolve(name);
        Path classes = Path.of(Version.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(CLASS));
            out.write(Files.readAllBytes(classes.resolve(CLASS)));
            out.closeEntry();
            if (properties != null) {
                out.putNextEntry(new JarEntry(RESOURCE));
                out.write(properties.getBytes(StandardCharsets.ISO_8859_1));
                out.closeEntry();
            }
        }
        return jar;
    }

    private static String currentFrom(Path jar) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> type = Class.forName(Version.class.getName(), true, loader);
            assertThat(type).isNotSameAs(Version.class);
            return (String) type.getMethod("current").invoke(null);
        }
    }
}
