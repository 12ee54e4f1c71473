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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A reload that changes a {@code server:} setting the jar reads only at start (where it listens, its connections'
 * timeouts) is in force for the rest, and says in the log that those wait for the next start, once.
 */
final class StartOnlySettingsTest {

    @TempDir
    Path dir;
    private int port;

    @Test
    void shouldWarnOnceThatAChangedPortTakesEffectAtTheNextStart() throws Exception {
        List<String> warned = warnedAfterReloads(false, "server: {host: 127.0.0.1, port: 0}",
                "server: {host: 127.0.0.1, port: 18299, upstream_idle_timeout: 90s}\nobservability: {metrics_path: /m}",
                "server: {host: 127.0.0.1, port: 18299, upstream_idle_timeout: 90s, max_request_bytes: 1000}\n"
                        + "observability: {metrics_path: /m}");

        assertThat(warned).containsExactly("Switchboard: reloaded, but server.port 18299 (in use: " + port + "),"
                + " server.upstream_idle_timeout 90s (in use: 600s), observability.metrics_path /m (in use: /metrics)"
                + " take effect at the next start only");
    }

    @Test
    void shouldSayNothingOfAPortTheCommandLineChose() throws Exception {
        // run --port: the file's port is not the one in use, and will not be at the next start either.
        assertThat(warnedAfterReloads(true, "server: {host: 127.0.0.1, port: 18297}",
                "server: {host: 127.0.0.1, port: 18298}")).isEmpty();
    }

    /**
     * Starts a gateway on the first config (on a free port the command line chose, or the file's), reloads each
     * later one, and checks the last is in force.
     *
     * @return the gateway's warnings meanwhile
     */
    private List<String> warnedAfterReloads(boolean commandLinePort, String first, String... later) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, first + "\n");
        Logger log = (Logger) LoggerFactory.getLogger(StartOnly.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        log.setLevel(Level.WARN);
        try (LiveConfig live = LiveConfig.load(file, new ConfigLoader(name -> null))) {
            Gateway gateway = Gateway.start(live, live, commandLinePort
                    ? live.get().server().withAddress("127.0.0.1", 0) : live.get().server());
            port = gateway.port();
            try {
                for (String yaml : later) {
                    Files.writeString(file, yaml + "\n");
                    live.reload();
                }
                assertThat(live.snapshot().config().server()).as("the reload is in force")
                        .isEqualTo(new ConfigLoader(name -> null).parse(later[later.length - 1]).server());
            } finally {
                gateway.stop();
            }
        } finally {
            log.detachAppender(events);
            log.setLevel(null);
        }
        return events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
