package dev.switchboard.jetty;

import dev.switchboard.exchange.ExchangeListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * What the tests of one gateway in front of one {@link FakeUpstream} share: both started once for the class, what the
 * upstream received forgotten before each test, both stopped after the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FakeUpstreamTests {

    FakeUpstream upstream;
    Gateway gateway;

    /** @return the gateway's configuration, {@code %s} (or {@code %1$s}) standing for the upstream's URL */
    abstract String config();

    /** @return the exchange listeners beside the gateway's own */
    ExchangeListener[] listeners() {
        return new ExchangeListener[0];
    }

    @BeforeAll
    final void startGatewayAndUpstream() throws Exception {
        upstream = new FakeUpstream();
        gateway = TestGateway.start(config().formatted(upstream.url()), listeners());
    }

    @AfterAll
    final void stopGatewayAndUpstream() throws Exception {
        // Either may have failed to start: what did start stops.
        try {
            if (gateway != null) {
                gateway.stop();
            }
        } finally {
            if (upstream != null) {
                upstream.stop();
            }
        }
    }

    @BeforeEach
    final void forgetReceived() {
        upstream.received.clear();
    }

    /** @return the gateway's answer to a request without a body, sent with exactly these header lines */
    final dev.switchboard.failclosed.RawClient.Response send(String method, String path, String... headers)
            throws java.io.IOException {
        return dev.switchboard.failclosed.RawClient.send(gateway.port(), new dev.switchboard.failclosed.Corpus.Attack(
                method + " " + path, method, path, java.util.List.of(headers), new byte[0], false, null));
    }
}
