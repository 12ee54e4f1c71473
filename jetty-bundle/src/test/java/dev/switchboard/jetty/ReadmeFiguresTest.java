package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The bundled proxy's bounds as the README states them, read from the constants the code uses. */
final class ReadmeFiguresTest {

    @Test
    void shouldStateTheBoundsTheCodeUses() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md")).replaceAll("\\s+", " ");

        assertThat(readme).contains("listens with a backlog of " + String.format(java.util.Locale.ROOT, "%,d", Gateway.ACCEPT_QUEUE) + " ");
        assertThat(readme).contains("keeps an idle connection to a provider for "
                + GatewayProxyServlet.POOLED_IDLE.toSeconds() + " s");
        assertThat(readme).contains("at most " + ModelCatalog.MAX_PAGES + " pages");
        assertThat(readme).contains("takes longer than " + ModelCatalog.FETCH_TIMEOUT.toSeconds() + " s, all its pages")
                .contains("the failure is remembered for " + ModelCatalog.FAILED_LISTING_TTL.toSeconds() + " s");
        assertThat(readme).contains("has not ended " + Cli.START_WAIT.toSeconds() + " s after the signal");
        assertThat(readme).contains("half of the files the process may open, less " + Gateway.RESERVED_FILES
                + ", as connections at once (at least " + Gateway.MIN_CONNECTIONS + ")")
                .contains(String.format(java.util.Locale.ROOT, "%,d under a limit of 20,000", Gateway.connectionLimit(20_000)))
                .contains("says so, at most once a minute");
        assertThat(Gateway.LIMIT_WARNING_EVERY).isEqualTo(java.time.Duration.ofMinutes(1));
        assertThat(readme).contains("its first request's head (request line and headers) within "
                + HeaderDeadline.DEADLINE.toSeconds() + " s of its connect, and a later request's head on a "
                + "kept-alive connection within "
                + HeaderDeadline.DEADLINE.toSeconds() + " s of that head's first byte");
    }
}
