package dev.switchboard.store.postgresql;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An {@code admin.store} address: {@code postgresql://HOST[:PORT]/DB[?param=value&...]}, the form of libpq's
 * connection URIs without credentials. Parameters (such as {@code sslmode=verify-full}) are passed to the JDBC
 * driver as they are; credentials are refused here, they come from {@code admin.store_user} and
 * {@code admin.store_password}.
 *
 * @param host the server's host name or address (IPv6 without brackets)
 * @param port its port ({@link #DEFAULT_PORT} when the address names none)
 * @param database the database
 * @param params driver parameters
 */
record PostgresAddress(String host, int port, String database, Map<String, String> params) {

    /** PostgreSQL's own port. */
    static final int DEFAULT_PORT = 5432;
    /** Accepted schemes, as libpq accepts them. */
    static final Set<String> SCHEMES = Set.of("postgresql", "postgres");
    /** Parameters that carry a credential or an identity, which the address must not. */
    private static final Set<String> CREDENTIALS = Set.of("user", "password", "sslpassword");

    PostgresAddress {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /**
     * @param address the {@code admin.store} value
     * @return it, parsed
     * @throws IllegalArgumentException saying what is wrong, never repeating a credential
     */
    static PostgresAddress parse(String address) {
        URI uri;
        try {
            uri = new URI(address.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be postgresql://HOST:PORT/DB, was not a valid address (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("must be postgresql://HOST:PORT/DB");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("must not carry credentials; set admin.store_user and admin.store_password");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("must name a host: postgresql://HOST:PORT/DB (one host; lists of hosts are not supported)");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String database = path.startsWith("/") ? path.substring(1) : path;
        if (database.isEmpty() || database.contains("/")) {
            throw new IllegalArgumentException("must name one database: postgresql://HOST:PORT/DB");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must not have a #fragment");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (CREDENTIALS.contains(key.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("must not carry the parameter " + key
                            + "; credentials come from admin.store_user and admin.store_password");
                }
                params.put(key, value);
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new PostgresAddress(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database, params);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** @return the JDBC URL: host, port and database only (parameters and credentials go as properties) */
    String jdbcUrl() {
        return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** @return {@code postgresql://HOST:PORT/DB}, for status and messages: no parameter, no credential */
    String display() {
        return "postgresql://" + hostForUrl() + ":" + port + "/" + database;
    }

    private String hostForUrl() {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
