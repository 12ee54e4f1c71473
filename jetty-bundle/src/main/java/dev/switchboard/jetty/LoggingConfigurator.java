package dev.switchboard.jetty;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.DefaultJoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.switchboard.observe.AccessLog;
import java.net.URL;

/**
 * The bundled proxy's logging, set up in code (by the jar's {@link LoggingProvider}; on a build's class path found by
 * Logback through {@code META-INF/services}) rather than by a {@code logback.xml}: logback's XML configuration
 * loaded about 500 classes and took about 0.3 s of a start on one core (bench/NOTES.md). One line per event on
 * stderr ({@code 10:23:30.615 INFO  access: ...}); the access log ({@value AccessLog#LOGGER}) through {@link BatchingStderrAppender}, written in batches, one write per 100 ms
 * (with one write per line it cost about 1.3 x CPU per request under load; batched, about 1.1 x); every line encoded
 * by {@link LineEncoder} (the pattern's line, in UTF-8, without the pattern layout's work); Jetty at WARN,
 * the rest at INFO. A logback configuration of the user's wins: the {@code logback.configurationFile} system
 * property, or a {@code logback-test.xml} or {@code logback.xml} on the class path.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LoggingConfigurator extends ContextAwareBase implements Configurator {

    /** The context's object naming the file of the user's that was read (a {@link URL}), when one was found. */
    static final String USERS_FILE = "dev.switchboard.logging.users-file";

    /** The line of every event, the access log's included. */
    public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        return configure(context, usersConfiguration());
    }

    /**
     * @return whether the user has a logback configuration of their own: the {@code logback.configurationFile}
     *     system property, or a {@code logback-test.xml} or {@code logback.xml} on the class path
     */
    static boolean usersConfiguration() {
        ClassLoader loader = LoggingConfigurator.class.getClassLoader();
        return System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }

    /**
     * @param context the logging to set up
     * @param theUsers whether the user has a logback configuration of their own, which then takes over
     * @return whether logback should go on to its own configurators (its basic one, when no file of the user's was
     *     found)
     */
    static ExecutionStatus configure(LoggerContext context, boolean theUsers) {
        if (theUsers) {
            // Logback's own search and reading of the file, less its printStackTrace of a file that is not well-formed
            // XML: what went wrong stays in the context's statuses, where LoggingProvider finds it.
            UsersFile joran = new UsersFile();
            joran.setContext(context);
            URL url = joran.find();
            if (url == null) {
                return ExecutionStatus.INVOKE_NEXT_IF_ANY;
            }
            context.putObject(USERS_FILE, url);
            try {
                joran.configureByResource(url);
            } catch (JoranException e) {
                // Said in the statuses ("Problem parsing XML document" and the parser's error).
            }
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder(context));
        stderr.start();
        BatchingStderrAppender access = new BatchingStderrAppender();
        access.setContext(context);
        access.setName("ACCESS");
        access.setEncoder(encoder(context));
        access.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        // Jetty's client reports a listener that threw (the proxy's own code, a bug) at INFO, with its stack trace:
        // heard, not left out with Jetty's other INFO lines.
        context.getLogger("org.eclipse.jetty.client.RequestListeners").setLevel(Level.INFO);
        context.getLogger("org.eclipse.jetty.client.transport.ResponseListeners").setLevel(Level.INFO);
        context.getLogger("dev.switchboard").setLevel(Level.INFO);
        Logger accessLog = context.getLogger(AccessLog.LOGGER);
        accessLog.setLevel(Level.INFO);
        accessLog.setAdditive(false);
        accessLog.addAppender(access);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static LineEncoder encoder(LoggerContext context) {
        LineEncoder encoder = new LineEncoder();
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    /** Logback's search for the user's file: the system property, then {@code logback-test.xml}, {@code logback.xml}. */
    private static final class UsersFile extends DefaultJoranConfigurator {

        URL find() {
            return performMultiStepConfigurationFileSearch(true);
        }
    }
}
