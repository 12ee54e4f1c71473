package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.ops.Log;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * pgjdbc's class registers a driver with {@code DriverManager} as it loads, and a webapp that left it there was kept
 * whole after its redeploy (a probe: four class loaders and four driver classes after three redeploys in Jetty, a
 * warning at every undeploy in Tomcat). The store's classes loaded as a webapp loads them, apart from the test's.
 */
final class DriverRegistrationTest {

    @Test
    void shouldTakeTheDriverOutOfDriverManagerWhenAWebappsLastStoreCloses() throws Exception {
        try (URLClassLoader webapp = new URLClassLoader(new URL[] {location(PostgresAdminStore.class), location(Log.class),
                location(org.postgresql.Driver.class), location(LoggerFactory.class),
                location(org.flywaydb.core.api.FlywayException.class)}, ClassLoader.getPlatformClassLoader())) {
            Class<?> driver = Class.forName(org.postgresql.Driver.class.getName(), false, webapp);
            Method registered = driver.getMethod("isRegistered");
            Class<?> address = Class.forName(PostgresAddress.class.getName(), true, webapp);
            Method parse = address.getDeclaredMethod("parse", String.class);
            parse.setAccessible(true);
            Object at = parse.invoke(null, "postgresql://127.0.0.1:1/switchboard");
            Constructor<?> make = Class.forName(PostgresAdminStore.class.getName(), true, webapp)
                    .getDeclaredConstructor(address, String.class, String.class);
            make.setAccessible(true);
            String verbosity = System.getProperty("slf4j.internal.verbosity");
            System.setProperty("slf4j.internal.verbosity", "ERROR");
            try {
                AutoCloseable first = (AutoCloseable) make.newInstance(at, "u", "p");
                AutoCloseable second = (AutoCloseable) make.newInstance(at, "u", "p");
                assertThat(registered.invoke(null)).as("registered as its class loaded").isEqualTo(true);
                first.close();
                assertThat(registered.invoke(null)).as("one store still open").isEqualTo(true);
                second.close();
                second.close();
                assertThat(registered.invoke(null)).as("the last store closed").isEqualTo(false);
                // A store made again (a reload to another database) puts it back, for a host app that looks it up there.
                AutoCloseable third = (AutoCloseable) make.newInstance(at, "u", "p");
                assertThat(registered.invoke(null)).isEqualTo(true);
                third.close();
                assertThat(registered.invoke(null)).isEqualTo(false);
            } finally {
                if (verbosity == null) {
                    System.clearProperty("slf4j.internal.verbosity");
                } else {
                    System.setProperty("slf4j.internal.verbosity", verbosity);
                }
            }
        }
    }

    private static URL location(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
