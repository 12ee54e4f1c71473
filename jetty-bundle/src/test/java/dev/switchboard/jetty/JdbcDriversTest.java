package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What an undeployed WAR leaves in {@code DriverManager}: nothing of its own. */
final class JdbcDriversTest {

    // Regression (a probe of 2026-12-07): pgjdbc's driver, registered as its class loaded, kept every undeployed WAR.
    @Test
    void shouldDeregisterTheDriversAWebappsClassLoaderLoaded() throws Exception {
        // The webapp: its classes, pgjdbc and SLF4J in a class loader of its own, as a container gives it.
        try (URLClassLoader webapp = new URLClassLoader(new URL[] {location(JdbcDrivers.class),
                location(org.postgresql.Driver.class), location(LoggerFactory.class)}, ClassLoader.getPlatformClassLoader())) {
            Class<?> driver = Class.forName(org.postgresql.Driver.class.getName(), true, webapp);
            assertThat(driver).isNotSameAs(org.postgresql.Driver.class);
            Method registered = driver.getMethod("isRegistered");
            assertThat(registered.invoke(null)).as("registered as its class loaded").isEqualTo(true);
            Method deregister = Class.forName(JdbcDrivers.class.getName(), true, webapp)
                    .getDeclaredMethod("deregisterLoadedBy", ClassLoader.class);
            deregister.setAccessible(true);
            String verbosity = System.getProperty("slf4j.internal.verbosity");
            System.setProperty("slf4j.internal.verbosity", "ERROR");
            try {
                assertThat(deregister.invoke(null, webapp)).isEqualTo(1);
                // DriverManager holds none of the webapp's any more (pgjdbc's own flag says only that it registered once).
                assertThat(deregister.invoke(null, webapp)).isEqualTo(0);
            } finally {
                if (verbosity == null) {
                    System.clearProperty("slf4j.internal.verbosity");
                } else {
                    System.setProperty("slf4j.internal.verbosity", verbosity);
                }
            }
        }
        // The application's own pgjdbc (this test's class path) is left as it was.
        assertThat(org.postgresql.Driver.isRegistered()).isTrue();
    }

    private static URL location(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
