package dev.switchboard.jetty;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDBC drivers a webapp leaves in {@code DriverManager}: loading pgjdbc's class (the PostgreSQL store's) registers
 * one there, and the registration keeps the undeployed webapp's class loader, and with it the whole webapp (a probe:
 * four class loaders after three redeploys of the WAR in Jetty; Tomcat warned of it at every undeploy).
 */
final class JdbcDrivers {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDrivers.class);

    private JdbcDrivers() {
    }

    /**
     * Deregisters every driver whose class {@code loader} loaded ({@code DriverManager} shows a caller the drivers its
     * own class loader sees: call it from the webapp's classes).
     *
     * @param loader the webapp's class loader
     * @return how many were deregistered
     */
    static int deregisterLoadedBy(ClassLoader loader) {
        int n = 0;
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == loader) {
                try {
                    DriverManager.deregisterDriver(d);
                    n++;
                } catch (SQLException | SecurityException e) {
                    LOG.warn("Switchboard: could not deregister the JDBC driver {} ({}); this webapp's classes may outlive"
                            + " its undeploy", d.getClass().getName(), e.getMessage());
                }
            }
        }
        return n;
    }
}
