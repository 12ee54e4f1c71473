package dev.switchboard.jetty;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.util.StatusListenerConfigHelper;
import ch.qos.logback.core.util.StatusPrinter2;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.Reporter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The jar's SLF4J provider: Logback, set up by {@link LoggingConfigurator} directly. The only provider the jar
 * names ({@code META-INF/services}, written by the build's shading in place of Logback's own): Logback's provider
 * runs its {@code ContextInitializer} first (a check of Logback's versions, a scan for configurators, reading their
 * ranking annotations, a duration message), about 65 ms of a start on one core before the port opens (issue 18;
 * bench/NOTES.md, thirteenth session), for the same result. A Logback configuration of the user's
 * ({@code logback.configurationFile}, a {@code logback.xml} on the class path) still goes through Logback's
 * initializer, and its warnings are printed as Logback prints them; one Logback cannot use (a file that is not
 * {@code .xml}, not found, or not well-formed XML; an error while reading it) gets one {@code SLF4J(E)} line saying
 * why, and the jar's own logging instead of none. Only the shaded jar names this class: a build's class path (the tests) and the WAR use their own
 * providers.
 */
public final class LoggingProvider implements SLF4JServiceProvider {

    /** The SLF4J API this provider implements: Logback's own answer (its provider asks for 2.0.99, any 2.0.x). */
    static final String API_VERSION = "2.0.99";

    private final LoggerContext context = new LoggerContext();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final LogbackMDCAdapter mdc = new LogbackMDCAdapter();

    @Override
    public void initialize() {
        initialize(LoggingConfigurator.usersConfiguration());
    }

    /**
     * What Logback's own provider does, less its initializer when the configuration is the jar's.
     *
     * @param theUsers whether the user has a Logback configuration of their own, which then takes over
     */
    void initialize(boolean theUsers) {
        context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        context.setMDCAdapter(mdc);
        if (theUsers) {
            String unusable;
            try {
                new ContextInitializer(context).autoConfig();
                unusable = unusable(context, System.getProperty("logback.configurationFile"));
            } catch (JoranException | RuntimeException e) {
                unusable = reasons(e);
            }
            if (unusable != null) {
                // One line, not Logback's status dump (its stack traces): the jar goes on logging as it does by default.
                Reporter.error("Logback could not use the logging configuration (" + unusable
                        + "); logging as the jar does without one");
                context.reset();
                LoggingConfigurator.configure(context, false);
            } else if (!StatusUtil.contextHasStatusListener(context)) {
                // On stderr: the jar's stdout carries only the listening line (Logback's own printer writes stdout).
                StatusPrinter2 printer = new StatusPrinter2();
                printer.setPrintStream(System.err);
                printer.printInCaseOfErrorsOrWarnings(context);
            }
        } else {
            // What Logback's initializer does first: -Dlogback.statusListenerClass names a listener of its statuses.
            StatusListenerConfigHelper.installIfAsked(context);
            LoggingConfigurator.configure(context, false);
        }
        context.start();
    }

    /**
     * Whether Logback, having not thrown, could use the configuration: {@link LoggingConfigurator} found a file (a
     * named one it cannot find leaves Logback to its basic configurator, DEBUG lines on stdout), and it parsed (a file
     * that is not well-formed XML leaves a context with no appender: nothing logged at all).
     *
     * @param named the {@code logback.configurationFile} property, or {@code null}
     * @return why it could not, or {@code null} when it could
     */
    static String unusable(LoggerContext context, String named) {
        Object read = context.getObject(LoggingConfigurator.USERS_FILE);
        if (read == null) {
            return named == null ? "no configuration file was read" : named + ": no such file or class-path resource";
        }
        // Only a file Logback could not parse: an error in a file it read (an appender that failed to start, a file
        // it cannot open) leaves the rest of the user's logging working, and Logback prints it as it does.
        if (!new StatusUtil(context).hasXMLParsingErrors(0)) {
            return null;
        }
        StringBuilder errors = new StringBuilder();
        for (Status status : context.getStatusManager().getCopyOfStatusList()) {
            if (status.getLevel() == Status.ERROR) {
                String why = status.getMessage() + (status.getThrowable() == null ? "" : ": " + reasons(status.getThrowable()));
                errors.append(errors.length() == 0 ? "" : "; ").append(why);
            }
        }
        return read + ": " + errors;
    }

    /** @return the messages of a failure and of its causes, outermost first (Logback wraps the one that says why) */
    static String reasons(Throwable failure) {
        StringBuilder reasons = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
            if (reasons.indexOf(message) < 0) {
                reasons.append(reasons.length() == 0 ? "" : ": ").append(message);
            }
        }
        return reasons.toString();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return API_VERSION;
    }
}
