package dev.switchboard.jetty;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.exchange.ExchangeListener;
import java.util.List;

/** The gateway of a test: its YAML read without an environment, listening on a free port of 127.0.0.1. */
final class TestGateway {

    private TestGateway() {
    }

    /**
     * @param yaml the configuration ({@code ${VAR}} resolves to nothing)
     * @return it, bound to a free port of 127.0.0.1
     */
    static SwitchboardConfig config(String yaml) {
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse(yaml);
        return parsed.withServer(parsed.server().withAddress("127.0.0.1", 0));
    }

    /**
     * @param yaml the configuration
     * @param listeners the exchange listeners beside the gateway's own
     * @return the started gateway
     */
    static Gateway start(String yaml, ExchangeListener... listeners) throws Exception {
        return start(config(yaml), listeners);
    }

    /**
     * @param upstreamPort where the one provider, {@code up} (OpenAI-compatible, the default), listens on 127.0.0.1
     * @param listeners the exchange listeners beside the gateway's own
     * @return the started gateway in front of it
     */
    static Gateway inFrontOf(int upstreamPort, ExchangeListener... listeners) throws Exception {
        return start("""
                providers:
                  up: {type: openai-compatible, base_url: "http://127.0.0.1:%d", api_key: k}
                default_provider: up
                """.formatted(upstreamPort), listeners);
    }

    /**
     * @param config the configuration, as {@link #config} made it
     * @param listeners the exchange listeners beside the gateway's own
     * @return the started gateway
     */
    static Gateway start(SwitchboardConfig config, ExchangeListener... listeners) throws Exception {
        return Gateway.start(() -> config, null, config.server(), List.of(listeners));
    }
}
