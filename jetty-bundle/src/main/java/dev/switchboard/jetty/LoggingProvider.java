package dev.switchboard.jetty;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
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
 * initializer, and what it finds wrong is printed as Logback prints it; one Logback cannot use at all (it throws: a
 * file that is not {@code .xml}, say) gets one {@code SLF4J(E)} line saying why, and the jar's own logging instead
 * of none. Only the shaded jar names this class: a build's class path (the tests) and the WAR use their own
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
            try {
                new ContextInitializer(context).autoConfig();
            } catch (JoranException | RuntimeException e) {
                Reporter.error("Logback could not use the logging configuration (" + reasons(e)
                        + "); logging as the jar does without one");
                context.reset();
                LoggingConfigurator.configure(context, false);
            }
            if (!StatusUtil.contextHasStatusListener(context)) {
                new StatusPrinter2().printInCaseOfErrorsOrWarnings(context);
            }
        } else {
            // What Logback's initializer does first: -Dlogback.statusListenerClass names a listener of its statuses.
            StatusListenerConfigHelper.installIfAsked(context);
            LoggingConfigurator.configure(context, false);
        }
        context.start();
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
