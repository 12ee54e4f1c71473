package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * Every artifact the build ships names its release in its manifest (SPEC section 13): {@code --version}, the
 * start lines and {@code /admin/status} read it from there at run time. The WAR brings its logging binding
 * (SLF4J to {@code java.util.logging}) and no other.
 */
final class ManifestIT {

    private static final String VERSION = property("switchboard.version");

    @Test
    void shouldNameTheReleaseInTheBundledJar() throws IOException {
        Attributes main = manifest(artifact("switchboard.jar"));

        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION)).isEqualTo(VERSION);
        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_TITLE)).isEqualTo("Switchboard Jetty bundle");
        assertThat(main.getValue(Attributes.Name.MAIN_CLASS)).isEqualTo(Main.class.getName());
    }

    @Test
    void shouldNameTheReleaseInThePlainJar() throws IOException {
        Attributes main = manifest(artifact("switchboard.plainJar"));

        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION)).isEqualTo(VERSION);
        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_TITLE)).isEqualTo("Switchboard Jetty bundle");
    }

    @Test
    void shouldNameTheReleaseInTheWarAndInTheFilterJarItCarries() throws IOException {
        Path war = artifact("switchboard.war");
        Attributes filter;
        try (JarFile file = new JarFile(war.toFile())) {
            ZipEntry entry = file.getEntry("WEB-INF/lib/switchboard-filter-" + VERSION + ".jar");
            assertThat(entry).as("the filter jar in WEB-INF/lib").isNotNull();
            try (InputStream in = file.getInputStream(entry); JarInputStream jar = new JarInputStream(in)) {
                Manifest manifest = jar.getManifest();
                assertThat(manifest).isNotNull();
                filter = manifest.getMainAttributes();
            }
        }

        Attributes main = manifest(war);
        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION)).isEqualTo(VERSION);
        assertThat(main.getValue(Attributes.Name.IMPLEMENTATION_TITLE)).isEqualTo("Switchboard Jetty bundle");
        assertThat(filter.getValue(Attributes.Name.IMPLEMENTATION_VERSION)).isEqualTo(VERSION);
        assertThat(filter.getValue(Attributes.Name.IMPLEMENTATION_TITLE)).isEqualTo("Switchboard filter");
    }

    @Test
    void shouldNameTheJarsOwnSlf4jProviderAndNoOther() throws IOException {
        // Logback's own provider would set up the same logging ~65 ms slower (LoggingProvider); two would make SLF4J
        // warn on every start and pick one by class path order.
        try (JarFile jar = new JarFile(artifact("switchboard.jar").toFile())) {
            ZipEntry services = jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider");
            assertThat(services).isNotNull();
            try (InputStream in = jar.getInputStream(services)) {
                assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip())
                        .isEqualTo(LoggingProvider.class.getName());
            }
        }
    }

    @Test
    void shouldShipSlf4jToJavaUtilLoggingInTheWarAndNoOtherLoggingBackend() throws IOException {
        List<String> libs;
        try (JarFile war = new JarFile(artifact("switchboard.war").toFile())) {
            libs = war.stream().map(ZipEntry::getName).filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar"))
                    .map(n -> n.substring("WEB-INF/lib/".length())).toList();
        }

        assertThat(libs).anyMatch(n -> n.startsWith("slf4j-api-")).anyMatch(n -> n.startsWith("slf4j-jdk14-"))
                .noneMatch(n -> n.startsWith("logback-") || n.startsWith("log4j-") || n.startsWith("slf4j-simple")
                        || n.startsWith("slf4j-nop") || n.startsWith("jakarta.servlet-api"));
    }

    @Test
    void shouldShipThePostgresStoreInTheWarAndTheJar() throws IOException {
        List<String> libs;
        try (JarFile war = new JarFile(artifact("switchboard.war").toFile())) {
            libs = war.stream().map(ZipEntry::getName).filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar"))
                    .map(n -> n.substring("WEB-INF/lib/".length())).toList();
        }
        String services;
        String flywayPlugins;
        try (JarFile jar = new JarFile(artifact("switchboard.jar").toFile())) {
            services = new String(jar.getInputStream(jar.getEntry("META-INF/services/dev.switchboard.store.AdminStoreFactory"))
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            flywayPlugins = new String(jar.getInputStream(jar.getEntry("META-INF/services/org.flywaydb.core.extensibility.Plugin"))
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        assertThat(libs).contains("switchboard-store-postgresql-" + VERSION + ".jar")
                .anyMatch(n -> n.startsWith("postgresql-42.")).anyMatch(n -> n.startsWith("flyway-core-"))
                .anyMatch(n -> n.startsWith("flyway-database-postgresql-"));
        // The shaded jar merged the service files: the store factory and Flyway's PostgreSQL support are both found.
        assertThat(services.strip()).isEqualTo("dev.switchboard.store.postgresql.PostgresStoreFactory");
        assertThat(flywayPlugins).contains("org.flywaydb.database.postgresql.PostgreSQLDatabaseType");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static Attributes manifest(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            assertThat(manifest).as("META-INF/MANIFEST.MF of %s", jar).isNotNull();
            return manifest.getMainAttributes();
        }
    }

    private static Path artifact(String property) {
        Path path = Path.of(property(property)).toAbsolutePath();
        assertThat(path).isRegularFile();
        return path;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by failsafe)", name).isNotBlank();
        return value;
    }
}
