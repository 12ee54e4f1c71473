package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import dev.switchboard.observe.AccessLog;
import org.junit.jupiter.api.Test;

/**
 * The jar's SLF4J provider: the logging of {@link LoggingConfigurator} without Logback's initializer, and Logback's
 * initializer for a configuration of the user's (the jar itself: {@code RunCommandIT}, {@code ManifestIT}).
 */
final class LoggingProviderTest {

    @Test
    void shouldSetUpTheJarsLoggingItselfAndStartTheContext() {
        LoggingProvider provider = new LoggingProvider();
        provider.initialize(false);
        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        try {
            assertThat(context.isStarted()).isTrue();
            assertThat(context.getName()).isEqualTo("default");
            assertThat(context.getMDCAdapter()).isSameAs(provider.getMDCAdapter());
            assertThat(provider.getMarkerFactory().getMarker("m").getName()).isEqualTo("m");
            assertThat(provider.getRequestedApiVersion()).startsWith("2.0.");
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class,
                    a -> assertThat(a.getEncoder()).isInstanceOf(LineEncoder.class));
            assertThat(context.getLogger(AccessLog.LOGGER).getAppender("ACCESS")).isInstanceOf(BatchingStderrAppender.class);
            assertThat(context.getLogger(AccessLog.LOGGER).getEffectiveLevel()).isEqualTo(Level.INFO);
        } finally {
            context.stop();
        }
    }

    @Test
    void shouldLeaveAConfigurationOfTheUsersToLogback() {
        // On this class path logback-test.xml is the user's: a pattern encoder, and the access log off.
        LoggingProvider provider = new LoggingProvider();
        provider.initialize(true);
        LoggerContext context = (LoggerContext) provider.getLoggerFactory();
        try {
            assertThat(context.isStarted()).isTrue();
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR"))
                    .isInstanceOfSatisfying(ConsoleAppender.class, a -> assertThat(a.getEncoder()).isInstanceOf(PatternLayoutEncoder.class));
            assertThat(context.getLogger(AccessLog.LOGGER).getEffectiveLevel()).isEqualTo(Level.OFF);
            assertThat(context.getLogger(AccessLog.LOGGER).getAppender("ACCESS")).isNull();
        } finally {
            context.stop();
        }
    }

    @Test
    void shouldFindAConfigurationUnusableWhenNoFileWasReadOrItHadAnError() throws Exception {
        LoggerContext none = new LoggerContext();
        assertThat(LoggingProvider.unusable(none, "/etc/sb/missing.xml"))
                .isEqualTo("/etc/sb/missing.xml: no such file or class-path resource");

        LoggerContext broken = new LoggerContext();
        broken.putObject(LoggingConfigurator.USERS_FILE, new java.net.URL("file:/etc/sb/broken.xml"));
        broken.getStatusManager().add(new ch.qos.logback.core.status.InfoStatus("read", this));
        assertThat(LoggingProvider.unusable(broken, "/etc/sb/broken.xml")).isNull();
        // An error in a file that parsed (an appender's file it cannot open) leaves the rest of it working: kept.
        broken.getStatusManager().add(new ch.qos.logback.core.status.ErrorStatus("openFile(/proc/nope/app.log,true) call failed",
                this));
        assertThat(LoggingProvider.unusable(broken, "/etc/sb/broken.xml")).isNull();
        broken.getStatusManager().add(new ch.qos.logback.core.status.ErrorStatus("XML_PARSING - Parsing fatal error", this,
                new IllegalStateException("structures must end")));
        assertThat(LoggingProvider.unusable(broken, "/etc/sb/broken.xml"))
                .isEqualTo("file:/etc/sb/broken.xml: openFile(/proc/nope/app.log,true) call failed; XML_PARSING - Parsing fatal"
                        + " error: structures must end");
    }

    @Test
    void shouldNameEveryReasonOfAFailureOnceOutermostFirst() {
        // Logback wraps the failure that says why ("Failed to initialize or to run Configurator: ...").
        assertThat(LoggingProvider.reasons(new IllegalStateException("outer", new java.io.IOException("the file is not .xml"))))
                .isEqualTo("outer: the file is not .xml");
        java.io.IOException cause = new java.io.IOException("gone");
        assertThat(LoggingProvider.reasons(new RuntimeException(cause))).isEqualTo("java.io.IOException: gone");
        assertThat(LoggingProvider.reasons(new RuntimeException((String) null))).isEqualTo("java.lang.RuntimeException");
    }
}
