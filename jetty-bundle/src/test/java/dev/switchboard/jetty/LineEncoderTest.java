package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The access log's encoder writes what logback's pattern layout writes with the bundled proxy's pattern, in UTF-8. */
final class LineEncoderTest {

    private final LoggerContext context = new LoggerContext();
    private final PatternLayoutEncoder pattern = new PatternLayoutEncoder();
    private final LineEncoder line = new LineEncoder();

    @BeforeEach
    void start() {
        pattern.setContext(context);
        pattern.setPattern(LoggingConfigurator.PATTERN);
        pattern.setCharset(StandardCharsets.UTF_8);
        pattern.start();
        line.setContext(context);
        line.start();
    }

    @AfterEach
    void stop() {
        line.stop();
        pattern.stop();
        context.stop();
    }

    @Test
    void shouldWriteTheSameBytesAsThePatternLayout() {
        Random random = new Random(7);
        String[] loggers = {"dev.switchboard.access", "dev.switchboard.jetty.Cli", "root", "a.b.", "x"};
        Level[] levels = {Level.INFO, Level.WARN, Level.ERROR, Level.DEBUG, Level.TRACE};
        String[] messages = {"{\"request_id\":\"r1\",\"requested_model\":\"r\u00e9gular \u20ac \ud83d\ude00\"}", "", "{} stays",
                "line\nwith a break"};
        long base = 1_800_000_000_000L;
        for (int i = 0; i < 20_000; i++) {
            LoggingEvent event = new LoggingEvent("test", context.getLogger(loggers[random.nextInt(loggers.length)]),
                    levels[random.nextInt(levels.length)], messages[random.nextInt(messages.length)], null, null);
            // Mostly the same few seconds (the encoder keeps one), now and then a jump of up to a day, or before 1970.
            long at = switch (random.nextInt(10)) {
                case 0 -> base + random.nextLong(86_400_000L);
                case 1 -> -random.nextLong(86_400_000L);
                default -> base + random.nextInt(3_000);
            };
            event.setTimeStamp(at);
            assertThat(new String(line.encode(event), StandardCharsets.UTF_8))
                    .isEqualTo(new String(pattern.encode(event), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldWriteANullMessageAndAsciiDigitsWhateverTheLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("fa-IR"));
        try {
            // A fresh encoder: its clock text is made in this locale.
            LineEncoder persian = new LineEncoder();
            persian.setContext(context);
            persian.start();
            LoggingEvent event = new LoggingEvent("test", context.getLogger("dev.switchboard.jetty.Cli"), Level.WARN,
                    null, null, null);
            event.setTimeStamp(1_800_000_123_456L);
            String text = new String(persian.encode(event), StandardCharsets.UTF_8);
            assertThat(text).isEqualTo(new String(pattern.encode(event), StandardCharsets.UTF_8));
            assertThat(text).matches("[0-9]{2}:[0-9]{2}:[0-9]{2}\\.456 WARN  Cli: null" + System.lineSeparator());
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void shouldPrintAThrowableAsThePatternLayoutDoes() {
        LoggingEvent event = new LoggingEvent("test", context.getLogger("dev.switchboard.access"), Level.ERROR, "failed",
                new IllegalStateException("boom"), null);
        String text = new String(line.encode(event), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo(new String(pattern.encode(event), StandardCharsets.UTF_8));
        assertThat(text).contains("java.lang.IllegalStateException: boom").contains("\tat ");
    }
}
