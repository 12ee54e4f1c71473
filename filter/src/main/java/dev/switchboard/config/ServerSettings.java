package dev.switchboard.config;

import java.time.Duration;

/**
 * {@code server:} settings, used by the bundled proxy (the bare filter uses only {@code max_request_bytes}).
 *
 * @param host the address to bind
 * @param port the port to listen on; 0 picks a free one
 * @param maxRequestBytes largest decoded request body; larger gets 413
 * @param upstreamIdleTimeout silence allowed on an upstream connection
 * @param modelsCacheTtl how long a provider's own {@code /v1/models} listing is reused
 */
public record ServerSettings(String host, int port, int maxRequestBytes, Duration upstreamIdleTimeout,
                             Duration modelsCacheTtl) {

    /** Listen on every interface. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default port. */
    public static final int DEFAULT_PORT = 8080;
    /** 32 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
    /** Ten minutes: long enough for a reasoning model's first token and for SSE gaps. */
    public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(600);
    /** A minute: new upstream models show up quickly, and listing stays cheap. */
    public static final Duration DEFAULT_MODELS_CACHE_TTL = Duration.ofSeconds(60);
    /** The largest body a byte array can hold on every JVM. */
    public static final int MAX_MAX_REQUEST_BYTES = Integer.MAX_VALUE - 8;

    /** Every default. */
    public static final ServerSettings DEFAULT =
            new ServerSettings(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_UPSTREAM_IDLE_TIMEOUT,
                    DEFAULT_MODELS_CACHE_TTL);

    /**
     * @param host the address to bind
     * @param port the port; 0 picks a free one
     * @return a copy listening there
     */
    public ServerSettings withAddress(String host, int port) {
        return new ServerSettings(host, port, maxRequestBytes, upstreamIdleTimeout, modelsCacheTtl);
    }
}
