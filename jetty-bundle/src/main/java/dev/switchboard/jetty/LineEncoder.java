package dev.switchboard.jetty;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * The bundled proxy's line ({@link LoggingConfigurator#PATTERN}: {@code 10:23:30.615 INFO  access: MESSAGE}) written
 * straight into bytes: for the access log, where logback's pattern layout cost about 470 ns and 3.8 KB per line
 * (bench/NOTES.md) and this about a quarter, and for the other lines, so that no pattern is parsed at start. The clock part is kept per second, in the JVM's default time zone as
 * logback's {@code %d}; the bytes are UTF-8 (the line is JSON). An event with a throwable goes through logback's
 * own encoder of the same pattern, which prints the stack trace. Thread-safe once started.
 */
public final class LineEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NEWLINE = System.lineSeparator().getBytes(StandardCharsets.US_ASCII);

    /** "HH:mm:ss." of one second. */
    private record Second(long epochSecond, byte[] clock) {
    }

    /** The level and logger part of one logger's lines: " INFO  access: ". */
    private record Source(String logger, String level, byte[] text) {
    }

    private final ZoneId zone = ZoneId.systemDefault();
    /** Made at the first event with a throwable: logback's pattern machinery is a few hundred classes to load. */
    private PatternLayoutEncoder withThrowable;
    private volatile Second second = new Second(Long.MIN_VALUE, new byte[0]);
    private volatile Source source = new Source("", "", new byte[0]);

    private synchronized PatternLayoutEncoder withThrowable() {
        if (withThrowable == null) {
            withThrowable = new PatternLayoutEncoder();
            withThrowable.setContext(getContext());
            withThrowable.setPattern(LoggingConfigurator.PATTERN);
            withThrowable.setCharset(StandardCharsets.UTF_8);
            withThrowable.start();
        }
        return withThrowable;
    }

    @Override
    public synchronized void stop() {
        if (withThrowable != null) {
            withThrowable.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        if (event.getThrowableProxy() != null) {
            return withThrowable().encode(event);
        }
        long millis = event.getTimeStamp();
        long epochSecond = Math.floorDiv(millis, 1_000);
        Second s = second;
        if (s.epochSecond() != epochSecond) {
            LocalTime time = LocalTime.ofInstant(Instant.ofEpochSecond(epochSecond), zone);
            // ASCII digits whatever the locale (String.format would write the locale's), as logback's %d does.
            s = new Second(epochSecond, new byte[] {digit(time.getHour() / 10), digit(time.getHour() % 10), ':',
                    digit(time.getMinute() / 10), digit(time.getMinute() % 10), ':', digit(time.getSecond() / 10),
                    digit(time.getSecond() % 10), '.'});
            second = s;
        }
        Source from = source;
        String level = event.getLevel().toString();
        if (!from.logger().equals(event.getLoggerName()) || !from.level().equals(level)) {
            String name = event.getLoggerName();
            from = new Source(name, level, (" " + level + " ".repeat(Math.max(0, 5 - level.length())) + " "
                    + name.substring(name.lastIndexOf('.') + 1) + ": ").getBytes(StandardCharsets.UTF_8));
            source = from;
        }
        String text = event.getFormattedMessage();
        // A null message (log.warn(e.getMessage()) of an exception without one) prints "null", as %msg does.
        byte[] message = (text == null ? "null" : text).getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[s.clock().length + 3 + from.text().length + message.length + NEWLINE.length];
        System.arraycopy(s.clock(), 0, line, 0, s.clock().length);
        int at = s.clock().length;
        int ms = Math.floorMod(millis, 1_000);
        line[at++] = digit(ms / 100);
        line[at++] = digit(ms / 10 % 10);
        line[at++] = digit(ms % 10);
        System.arraycopy(from.text(), 0, line, at, from.text().length);
        at += from.text().length;
        System.arraycopy(message, 0, line, at, message.length);
        at += message.length;
        System.arraycopy(NEWLINE, 0, line, at, NEWLINE.length);
        return line;
    }

    private static byte digit(int value) {
        return (byte) ('0' + value);
    }
}
