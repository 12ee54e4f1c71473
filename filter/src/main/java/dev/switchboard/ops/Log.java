package dev.switchboard.ops;

import java.util.Objects;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLogger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * Switchboard's loggers: SLF4J when the application has an SLF4J provider, else {@code java.util.logging}.
 *
 * <p>A host application that logs with Logback, Log4j 2 or any other SLF4J provider gets Switchboard's
 * lines there, as configured. One without a provider would make SLF4J discard them (its no-operation
 * fallback, also what {@code slf4j-nop} does): then they go to {@code java.util.logging} under the same
 * logger names, which every servlet container's log carries ({@code catalina.out} in Tomcat, the console
 * of a standalone Jetty). A broken config edit is never silent. Decided once per logger, when it is made.
 *
 * <p>Messages use SLF4J's {@code {}} placeholders either way; a {@link Throwable} as the last argument is
 * logged with its stack trace (pass one only for a bug, never for an expected error). Either way the source
 * of a line is the class that logged. Thread-safe.
 */
public final class Log {

    private static final String FQCN = Log.class.getName();

    private final Logger slf4j;
    private final java.util.logging.Logger jul;

    private Log(Logger slf4j, java.util.logging.Logger jul) {
        this.slf4j = slf4j;
        this.jul = jul;
    }

    /**
     * @param type the class whose name the logger has
     * @return its logger
     */
    public static Log get(Class<?> type) {
        return get(type.getName());
    }

    /**
     * @param name the logger's name (e.g. {@code dev.switchboard.access})
     * @return its logger
     */
    public static Log get(String name) {
        Logger logger = LoggerFactory.getLogger(Objects.requireNonNull(name, "name"));
        // SLF4J's answer when it found no provider (and slf4j-nop's): a logger that discards everything.
        return logger instanceof NOPLogger ? new Log(null, java.util.logging.Logger.getLogger(name)) : new Log(logger, null);
    }

    /** @return whether an {@link #info} line would be written (lets a caller skip building an expensive one) */
    public boolean isInfoEnabled() {
        return slf4j != null ? slf4j.isInfoEnabled() : jul.isLoggable(Level.INFO);
    }

    /**
     * @param format the message, with {@code {}} placeholders
     * @param args their values, then optionally a {@link Throwable}
     */
    public void info(String format, Object... args) {
        if (slf4j != null) {
            slf4j(LocationAwareLogger.INFO_INT, format, args);
        } else {
            jul(Level.INFO, format, args);
        }
    }

    /**
     * @param format the message, with {@code {}} placeholders
     * @param args their values, then optionally a {@link Throwable}
     */
    public void warn(String format, Object... args) {
        if (slf4j != null) {
            slf4j(LocationAwareLogger.WARN_INT, format, args);
        } else {
            jul(Level.WARNING, format, args);
        }
    }

    /**
     * @param format the message, with {@code {}} placeholders
     * @param args their values, then optionally a {@link Throwable}
     */
    public void error(String format, Object... args) {
        if (slf4j != null) {
            slf4j(LocationAwareLogger.ERROR_INT, format, args);
        } else {
            jul(Level.SEVERE, format, args);
        }
    }

    private void slf4j(int level, String format, Object[] args) {
        boolean enabled = switch (level) {
            case LocationAwareLogger.ERROR_INT -> slf4j.isErrorEnabled();
            case LocationAwareLogger.WARN_INT -> slf4j.isWarnEnabled();
            default -> slf4j.isInfoEnabled();
        };
        if (!enabled) {
            return;
        }
        if (slf4j instanceof LocationAwareLogger located) {
            // With this class named as the facade, a line's source is the class that logged, not Log (Tomcat
            // prints the source on every line; Logback's %class and %method show it).
            if (args == null || args.length == 0) {
                // The message as is (MessageFormatter copies it twice even without arguments: the access log's line).
                located.log(null, FQCN, level, format, null, null);
                return;
            }
            FormattingTuple message = MessageFormatter.arrayFormat(format, args);
            located.log(null, FQCN, level, message.getMessage(), null, message.getThrowable());
            return;
        }
        switch (level) {
            case LocationAwareLogger.ERROR_INT -> slf4j.error(format, args);
            case LocationAwareLogger.WARN_INT -> slf4j.warn(format, args);
            default -> slf4j.info(format, args);
        }
    }

    private void jul(Level level, String format, Object[] args) {
        if (!jul.isLoggable(level)) {
            return;
        }
        FormattingTuple message = MessageFormatter.arrayFormat(format, args);
        // The caller as the source (what slf4j-jdk14 reports too), not this class.
        StackWalker.StackFrame caller = StackWalker.getInstance().walk(frames -> frames
                .dropWhile(f -> f.getClassName().equals(FQCN)).findFirst()).orElse(null);
        jul.logp(level, caller == null ? jul.getName() : caller.getClassName(), caller == null ? null : caller.getMethodName(),
                message.getMessage(), message.getThrowable());
    }
}
