package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.switchboard.observe.AccessLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bundled proxy's logging set up in code: what the old logback.xml said (the jar's own stderr lines are
 * checked end to end by {@code RunCommandIT} and {@code CliIT}), and a configuration of the user's taking over.
 */
final class LoggingConfiguratorTest {

    @Test
    void shouldLogEveryLineToStderrAndTheAccessLogThroughItsBatchingAppenderOnly() {
        LoggerContext context = new LoggerContext();
        try {
            assertThat(LoggingConfigurator.configure(context, false)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.INFO);
            assertThat(appenders(root)).singleElement().isInstanceOfSatisfying(ConsoleAppender.class, a -> {
                assertThat(a.getTarget()).isEqualTo("System.err");
                assertThat(a.isStarted()).isTrue();
            });
            assertThat(context.getLogger("org.eclipse.jetty.server.Server").getEffectiveLevel()).isEqualTo(Level.WARN);
            assertThat(context.getLogger("org.eclipse.jetty.client.transport.ResponseListeners").getEffectiveLevel())
                    .as("a listener of the proxy that threw: a bug, heard").isEqualTo(Level.INFO);
            assertThat(context.getLogger("org.eclipse.jetty.client.RequestListeners").getEffectiveLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger("dev.switchboard.jetty.Cli").getEffectiveLevel()).isEqualTo(Level.INFO);

            Logger access = context.getLogger(AccessLog.LOGGER);
            assertThat(access.isAdditive()).as("access lines only once, through their own appender").isFalse();
            assertThat(access.getEffectiveLevel()).isEqualTo(Level.INFO);
            Appender<ILoggingEvent> batching = appenders(access).get(0);
            assertThat(appenders(access)).hasSize(1);
            assertThat(batching).isInstanceOf(BatchingStderrAppender.class);
            assertThat(batching.isStarted()).isTrue();

            LoggingEvent event = new LoggingEvent("test", access, Level.INFO, "{\"request_id\":\"r1\"}", null, null);
            event.setTimeStamp(java.time.LocalDate.of(2026, 12, 4).atTime(10, 23, 30, 615_000_000)
                    .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli());
            @SuppressWarnings("unchecked")
            Encoder<ILoggingEvent> encoder = ((ConsoleAppender<ILoggingEvent>) appenders(root).get(0)).getEncoder();
            assertThat(encoder).as("no pattern parsed at start").isInstanceOf(LineEncoder.class);
            assertThat(new String(encoder.encode(event), StandardCharsets.UTF_8))
                    .isEqualTo("10:23:30.615 INFO  access: {\"request_id\":\"r1\"}" + System.lineSeparator());
            Encoder<ILoggingEvent> accessEncoder = ((BatchingStderrAppender) batching).getEncoder();
            assertThat(accessEncoder).isInstanceOf(LineEncoder.class);
            assertThat(new String(accessEncoder.encode(event), StandardCharsets.UTF_8))
                    .isEqualTo("10:23:30.615 INFO  access: {\"request_id\":\"r1\"}" + System.lineSeparator());
        } finally {
            context.stop();
        }
    }

    @Test
    void shouldLeaveTheLoggingToAConfigurationOfTheUsers() {
        // On this test class path logback-test.xml is the user's: read as Logback reads it (a pattern encoder, the
        // access log off), none of the jar's appenders, and the file named for LoggingProvider.
        LoggerContext context = new LoggerContext();
        try {
            assertThat(LoggingConfigurator.configure(context, true)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            assertThat(appenders(context.getLogger(Logger.ROOT_LOGGER_NAME))).singleElement().isInstanceOfSatisfying(
                    ConsoleAppender.class, a -> assertThat(a.getEncoder()).isInstanceOf(PatternLayoutEncoder.class));
            assertThat(context.getLogger(AccessLog.LOGGER).getEffectiveLevel()).isEqualTo(Level.OFF);
            assertThat(appenders(context.getLogger(AccessLog.LOGGER))).isEmpty();
            assertThat(context.getObject(LoggingConfigurator.USERS_FILE)).hasToString(
                    getClass().getClassLoader().getResource("logback-test.xml").toString());
        } finally {
            context.stop();
        }
        LoggerContext viaService = new LoggerContext();
        assertThat(new LoggingConfigurator().configure(viaService)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        viaService.stop();
    }

    private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
        List<Appender<ILoggingEvent>> all = new ArrayList<>();
        logger.iteratorForAppenders().forEachRemaining(all::add);
        return all;
    }
}
