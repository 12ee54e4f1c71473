/**
 * Switchboard's servlet filter and everything it decides with. Exported: the filter
 * ({@code servlet}), the rules and the pure resolver ({@code rules}), configuration ({@code config}),
 * the live snapshot holder ({@code live}), admin stores ({@code store}), the admin API
 * ({@code admin}), the exchange and its listener SPI ({@code exchange}), the access log and metrics
 * listeners ({@code observe}) and the error table ({@code error}). The body readers ({@code body}), the
 * JSON helpers ({@code json}) and the logging and version helpers ({@code ops}) are internal.
 * (The bundled proxy is built on the class path and shaded into one jar, where it also uses the JSON, body and
 * ops helpers; nothing else should.)
 */
// Micrometer is an automatic module (no module-info of its own); it is optional, so its name is all we need.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.switchboard.filter {
    requires transitive jakarta.servlet;
    requires tools.jackson.core;
    requires org.snakeyaml.engine;
    requires org.slf4j;
    // The fallback of dev.switchboard.ops.Log when SLF4J has no provider.
    requires java.logging;
    // Optional: only a host app that hands the filter a MeterRegistry (or the bundled proxy) uses metrics.
    requires static transitive micrometer.core;

    exports dev.switchboard.admin;
    exports dev.switchboard.config;
    exports dev.switchboard.error;
    exports dev.switchboard.exchange;
    exports dev.switchboard.live;
    exports dev.switchboard.observe;
    exports dev.switchboard.rules;
    exports dev.switchboard.servlet;
    exports dev.switchboard.store;

    // Admin stores other than the file (PostgreSQL: switchboard-store-postgresql), by the scheme of admin.store.
    uses dev.switchboard.store.AdminStoreFactory;
}
