package dev.switchboard.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The lines one class logs while a test holds this (the test config turns logging off: the level is set for the
 * capture and put back after it).
 */
public final class LogLines implements AutoCloseable {

    private final Logger log;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogLines(Class<?> source, Level level) {
        log = (Logger) LoggerFactory.getLogger(source);
        appender.start();
        log.addAppender(appender);
        log.setLevel(level);
    }

    /**
     * @param source the class whose logger is read
     * @param level the least level captured
     * @return the capture, running until closed
     */
    public static LogLines capture(Class<?> source, Level level) {
        return new LogLines(source, level);
    }

    /** @return every line captured so far (also after {@link #close()}), its message formatted */
    public List<String> messages() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        log.detachAppender(appender);
        log.setLevel(null);
    }
}
