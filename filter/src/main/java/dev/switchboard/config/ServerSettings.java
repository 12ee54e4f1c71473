package dev.switchboard.config;

import java.time.Duration;

/**
 * {@code server:} settings, used by the bundled proxy (the bare filter uses only {@code max_request_bytes}).
 *
 * @param host the address to bind
 * @param port the port to listen on; 0 picks a free one
 * @param maxRequestBytes largest decoded request body; larger gets 413
 * @param upstreamIdleTimeout silence allowed on an upstream connection
 * @param upstreamConnectTimeout how long connecting to an upstream may take; and, for a streamed request that has
 *     another candidate to fail over to, how long its response headers may take (SPEC section 11)
 * @param modelsCacheTtl how long a provider's own {@code /v1/models} listing is reused
 * @param requestBodyTimeout longest silence while a request body arrives (SPEC section 15); then 408
 * @param requestBodyMinRate bytes per second a request body must average once {@code requestBodyTimeout} has
 *     passed (the deadline grows by one second per this many bytes received); slower gets 408; 0 = no minimum
 * @param clientIdleTimeout silence allowed on a client connection: between requests, or while a client reads
 *     nothing of its response (which is then cut)
 * @param drainTimeout how long a stop (SIGTERM) lets in-flight requests, streams included, finish before they
 *     are cut
 * @param drainDelay how long a stop keeps accepting and serving after {@code /readyz} turned 503, so a load
 *     balancer polling it stops sending first; then the drain begins
 */
public record ServerSettings(String host, int port, int maxRequestBytes, Duration upstreamIdleTimeout,
                             Duration upstreamConnectTimeout, Duration modelsCacheTtl, Duration requestBodyTimeout, int requestBodyMinRate,
                             Duration clientIdleTimeout, Duration drainTimeout, Duration drainDelay) {

    /** Listen on every interface. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default port. */
    public static final int DEFAULT_PORT = 8080;
    /** 32 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
    /** Ten minutes: long enough for a reasoning model's first token and for SSE gaps. */
    public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(600);
    /** Ten seconds (SPEC section 11): a provider that takes longer to connect, or to start a stream, is failing. */
    public static final Duration DEFAULT_UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A minute: new upstream models show up quickly, and listing stays cheap. */
    public static final Duration DEFAULT_MODELS_CACHE_TTL = Duration.ofSeconds(60);
    /** Half a minute, as SPEC section 15 says: far more than any healthy client pauses inside a body. */
    public static final Duration DEFAULT_REQUEST_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** 500 bytes per second (Apache's {@code mod_reqtimeout} default): only a trickle is slower. */
    public static final int DEFAULT_REQUEST_BODY_MIN_RATE = 500;
    /** Half a minute (Jetty's own default). */
    public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Half a minute: within Kubernetes' default grace period of 30 s only if the load balancer reacts at once. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** None: a stop begins draining at once (set it above the load balancer's readiness interval in production). */
    public static final Duration DEFAULT_DRAIN_DELAY = Duration.ZERO;
    /** The largest body a byte array can hold on every JVM. */
    public static final int MAX_MAX_REQUEST_BYTES = Integer.MAX_VALUE - 8;

    /** Every default. */
    public static final ServerSettings DEFAULT =
            new ServerSettings(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_UPSTREAM_IDLE_TIMEOUT,
                    DEFAULT_UPSTREAM_CONNECT_TIMEOUT, DEFAULT_MODELS_CACHE_TTL, DEFAULT_REQUEST_BODY_TIMEOUT, DEFAULT_REQUEST_BODY_MIN_RATE,
                    DEFAULT_CLIENT_IDLE_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_DRAIN_DELAY);

    /**
     * @param host the address to bind
     * @param port the port; 0 picks a free one
     * @return a copy listening there
     */
    public ServerSettings withAddress(String host, int port) {
        return new ServerSettings(host, port, maxRequestBytes, upstreamIdleTimeout, upstreamConnectTimeout,
                modelsCacheTtl, requestBodyTimeout,
                requestBodyMinRate, clientIdleTimeout, drainTimeout, drainDelay);
    }
}
