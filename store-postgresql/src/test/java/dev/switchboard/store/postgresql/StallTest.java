package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.store.AdminStore;
import dev.switchboard.store.StoreContents;
import dev.switchboard.store.StoreUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A network that stalls between a node and its database (SPEC section 12): a read or a write on the open connection
 * waits for the socket timeout once, then says the database cannot be reached; it does not open a second connection
 * into the same stalled network and wait all over again.
 */
final class StallTest extends StoreTests {

    @Test
    void shouldWaitOneSocketTimeoutNotTwoWhenTheNetworkStalls() throws Exception {
        try (StallingProxy network = new StallingProxy(db.port())) {
            // The socket timeout cut to a second for the test: the operator's parameters win over the store's own.
            String address = "postgresql://127.0.0.1:" + network.port() + "/" + database + "?socketTimeout=1";
            AdminStore writer = store(address);
            AdminStore reader = store(address);
            writer.read();
            reader.read();
            int connections = network.accepted();
            network.stall();

            String down = "postgresql://127.0.0.1:" + network.port() + "/" + database + ": cannot be reached (no answer in time)";
            assertThatThrownBy(() -> writer.write(null, now -> now)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessage(down);
            assertThatThrownBy(() -> reader.read()).isInstanceOf(StoreUnavailableException.class).hasMessage(down);
            assertThat(network.accepted()).as("no new connection into the stalled network").isEqualTo(connections);

            network.resume();
            assertThat(((StoreContents.Rows) writer.read()).revision()).isEqualTo("0");
        }
    }

    @Test
    void shouldGiveUpConnectingWithinTheConnectTimeoutWhenTheDatabaseAcceptsButNeverAnswers() throws Exception {
        try (StallingProxy network = new StallingProxy(db.port())) {
            // A proxy or load balancer whose database is gone: the connection is accepted, nothing ever answers.
            network.stall();
            AdminStore store = store("postgresql://127.0.0.1:" + network.port() + "/" + database);

            long start = System.nanoTime();
            assertThatThrownBy(store::read).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageStartingWith("postgresql://127.0.0.1:" + network.port() + "/" + database + ": cannot be reached (");
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(waited).as("the connect timeout, not the socket timeout")
                    .isLessThan(Duration.ofSeconds(PostgresAdminStore.CONNECT_TIMEOUT_SECONDS + 3));
        }
    }
}
