package dev.switchboard.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Where Switchboard's lines go: to the application's SLF4J provider when it has one (these tests run with
 * Logback, like a host application), to {@code java.util.logging} when SLF4J has none (the filter and
 * {@code slf4j-api} loaded alone, as in a webapp without a provider).
 */
final class LogTest {

    private static final String NAME = "dev.switchboard.test.LogTest";

    private final List<LogRecord> jul = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            jul.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger julLogger = Logger.getLogger(NAME);

    @BeforeEach
    void captureJavaUtilLogging() {
        julLogger.setUseParentHandlers(false);
        julLogger.addHandler(capture);
    }

    @AfterEach
    void release() {
        julLogger.removeHandler(capture);
        julLogger.setUseParentHandlers(true);
    }

    @Test
    void shouldLogThroughTheApplicationsSlf4jProviderWhenThereIsOne() {
        ch.qos.logback.classic.Logger logback = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent e) {
                e.getCallerData(); // taken now, inside the logging call, as a %class pattern takes it
                super.append(e);
            }
        };
        events.start();
        logback.addAppender(events);
        logback.setLevel(Level.INFO);
        try {
            Log.get(NAME).warn("Switchboard: {} is invalid", "gateway.yaml");
        } finally {
            logback.detachAppender(events);
            logback.setLevel(null);
        }

        assertThat(events.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).isEqualTo("Switchboard: gateway.yaml is invalid");
            // The class that logged, not the facade: what %class and %method print.
            assertThat(e.getCallerData()[0].getClassName()).isEqualTo(LogTest.class.getName());
            assertThat(e.getCallerData()[0].getMethodName()).isEqualTo("shouldLogThroughTheApplicationsSlf4jProviderWhenThereIsOne");
        });
        assertThat(jul).isEmpty();
    }

    @Test
    void shouldPassAMessageWithoutArgumentsAsIs() {
        ch.qos.logback.classic.Logger logback = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logback.addAppender(events);
        logback.setLevel(Level.INFO);
        String line = "{\"model\":\"{}\"} \\{}";
        try {
            Log.get(NAME).info(line);
        } finally {
            logback.detachAppender(events);
            logback.setLevel(null);
        }

        // The access log's line: not scanned for placeholders, not copied.
        assertThat(events.list).singleElement().satisfies(e -> {
            assertThat(e.getMessage()).isSameAs(line);
            assertThat(e.getFormattedMessage()).isEqualTo(line);
        });
    }

    @Test
    void shouldFallBackToJavaUtilLoggingWhenSlf4jHasNoProvider() throws Exception {
        try (URLClassLoader alone = withoutSlf4jProvider()) {
            Object log = fallbackLog(alone);
            Method warn = log.getClass().getMethod("warn", String.class, Object[].class);
            Method info = log.getClass().getMethod("info", String.class, Object[].class);

            warn.invoke(log, "Switchboard: {} is invalid:\n  {}", new Object[] {"gateway.yaml", "server.prot: unknown key"});
            info.invoke(log, "Switchboard {} started", new Object[] {"1.0"});
        }

        assertThat(jul).hasSize(2);
        assertThat(jul.get(0).getLevel()).isEqualTo(java.util.logging.Level.WARNING);
        assertThat(jul.get(0).getMessage()).isEqualTo("Switchboard: gateway.yaml is invalid:\n  server.prot: unknown key");
        assertThat(jul.get(0).getLoggerName()).isEqualTo(NAME);
        // The caller is the source, as slf4j-jdk14 reports it (Tomcat prints it on every line).
        assertThat(jul.get(0).getSourceClassName()).isEqualTo(LogTest.class.getName());
        assertThat(jul.get(0).getSourceMethodName()).isEqualTo("shouldFallBackToJavaUtilLoggingWhenSlf4jHasNoProvider");
        assertThat(jul.get(0).getThrown()).isNull();
        assertThat(jul.get(1).getLevel()).isEqualTo(java.util.logging.Level.INFO);
        assertThat(jul.get(1).getMessage()).isEqualTo("Switchboard 1.0 started");
    }

    @Test
    void shouldPassOnlyATrailingThrowableAsTheStackTraceInTheFallback() throws Exception {
        IllegalStateException bug = new IllegalStateException("bug");
        try (URLClassLoader alone = withoutSlf4jProvider()) {
            Object log = fallbackLog(alone);
            log.getClass().getMethod("error", String.class, Object[].class)
                    .invoke(log, "Switchboard filter failed on {} {}", new Object[] {"POST", "/v1/chat/completions", bug});
        }

        assertThat(jul).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(java.util.logging.Level.SEVERE);
            assertThat(r.getMessage()).isEqualTo("Switchboard filter failed on POST /v1/chat/completions");
            assertThat(r.getThrown()).isSameAs(bug);
        });
    }

    @Test
    void shouldHonourTheLevelOfTheJavaUtilLoggingLogger() throws Exception {
        julLogger.setLevel(java.util.logging.Level.WARNING);
        try (URLClassLoader alone = withoutSlf4jProvider()) {
            Object log = fallbackLog(alone);
            log.getClass().getMethod("info", String.class, Object[].class).invoke(log, "not shown", new Object[0]);
        } finally {
            julLogger.setLevel(null);
        }

        assertThat(jul).isEmpty();
    }

    // Regression: the admin API's lines (its writes, refused tokens, failed writes), the filter's "something read the
    // body first" ERROR and the PostgreSQL store's listener logged through SLF4J itself, and a host webapp without a
    // provider lost them all (a probe in Tomcat): every class a webapp may load logs through Log.
    @Test
    void shouldBeHowEveryClassAWebappLoadsLogs() throws java.io.IOException {
        List<java.nio.file.Path> direct = new java.util.ArrayList<>();
        for (String module : List.of(".", "../store-postgresql", "../experiments", "../dashboard")) {
            java.nio.file.Path sources = java.nio.file.Path.of(module, "src/main/java");
            assertThat(sources).isDirectory();
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(sources)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    if (!f.endsWith(java.nio.file.Path.of("dev/switchboard/ops/Log.java"))
                            && java.nio.file.Files.readString(f).contains("org.slf4j.LoggerFactory")) {
                        direct.add(f);
                    }
                }
            }
        }
        assertThat(direct).as("classes that log through SLF4J itself, silent without a provider").isEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** The filter's classes and slf4j-api, nothing else: SLF4J finds no provider, as in a webapp without one. */
    private static URLClassLoader withoutSlf4jProvider() {
        URL classes = Log.class.getProtectionDomain().getCodeSource().getLocation();
        URL api = LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[] {classes, api}, ClassLoader.getPlatformClassLoader());
    }

    /** {@code Log.get(NAME)} from that class loader; SLF4J's own notice of the missing provider is expected and kept quiet. */
    private static Object fallbackLog(ClassLoader loader) throws Exception {
        String verbosity = System.getProperty("slf4j.internal.verbosity");
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        try {
            Class<?> type = Class.forName(Log.class.getName(), true, loader);
            assertThat(type).isNotSameAs(Log.class);
            return type.getMethod("get", String.class).invoke(null, NAME);
        } finally {
            if (verbosity == null) {
                System.clearProperty("slf4j.internal.verbosity");
            } else {
                System.setProperty("slf4j.internal.verbosity", verbosity);
            }
        }
    }
}
