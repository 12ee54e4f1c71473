package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.live.LiveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A reload that changes a {@code server:} setting the jar reads only at start (where it listens, its connections'
 * timeouts) is in force for the rest, and says in the log that those wait for the next start, once.
 */
final class StartOnlySettingsTest {

    @Test
    void shouldWarnOnceThatAChangedPortTakesEffectAtTheNextStart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "server: {host: 127.0.0.1, port: 0}\n");
        Logger log = (Logger) LoggerFactory.getLogger(Gateway.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        log.setLevel(Level.WARN);
        try (LiveConfig live = LiveConfig.load(file, new ConfigLoader(name -> null))) {
            Gateway gateway = Gateway.start(live, live, live.get().server());
            try {
                Files.writeString(file, "server: {host: 127.0.0.1, port: 18299, upstream_idle_timeout: 90s}\n");
                live.reload();
                Files.writeString(file, "server: {host: 127.0.0.1, port: 18299, upstream_idle_timeout: 90s,"
                        + " max_request_bytes: 1000}\n");
                live.reload();

                assertThat(live.get().server().maxRequestBytes()).as("the reload is in force").isEqualTo(1000);
                assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                        "Switchboard: reloaded, but server.port 18299 (in use: 0), server.upstream_idle_timeout 90s"
                                + " (in use: 600s) take effect at the next start only");
            } finally {
                gateway.stop();
            }
        } finally {
            log.detachAppender(events);
            log.setLevel(null);
        }
    }
}
