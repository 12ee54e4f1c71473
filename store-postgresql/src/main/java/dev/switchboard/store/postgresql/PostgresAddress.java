package dev.switchboard.store.postgresql;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An {@code admin.store} address: {@code postgresql://HOST[:PORT][,HOST[:PORT]...]/DB[?param=value&...]}, the form of
 * libpq's connection URIs without credentials. Parameters (such as {@code sslmode=verify-full}) are passed to the JDBC
 * driver as they are; credentials are refused here, they come from {@code admin.store_user} and
 * {@code admin.store_password}. Several hosts are tried in turn by the driver, for the one that is the primary
 * ({@code targetServerType=primary} unless the address names another): a replicated PostgreSQL without a proxy in
 * front of it.
 *
 * @param hosts the servers, in the order they are tried
 * @param database the database
 * @param params driver parameters
 */
record PostgresAddress(List<Server> hosts, String database, Map<String, String> params) {

    /**
     * @param host the server's host name or address (IPv6 without brackets)
     * @param port its port ({@link #DEFAULT_PORT} when the address names none)
     */
    record Server(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** PostgreSQL's own port. */
    static final int DEFAULT_PORT = 5432;
    /** Accepted schemes, as libpq accepts them. */
    static final Set<String> SCHEMES = Set.of("postgresql", "postgres");
    /** Parameters that carry a credential or an identity, which the address must not. */
    private static final Set<String> CREDENTIALS = Set.of("user", "password", "sslpassword");

    /** The driver's parameter that picks among several hosts. */
    static final String TARGET_SERVER_TYPE = "targetServerType";

    PostgresAddress {
        hosts = List.copyOf(hosts);
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /**
     * @param address the {@code admin.store} value
     * @return it, parsed
     * @throws IllegalArgumentException saying what is wrong, never repeating a credential
     */
    static PostgresAddress parse(String address) {
        String text = address.strip();
        // java.net.URI reads no list of hosts: the list is read here, and the URI is made with its first host.
        List<String> listed = null;
        int authority = text.indexOf("://");
        if (authority >= 0) {
            int end = authority + 3;
            while (end < text.length() && "/?#".indexOf(text.charAt(end)) < 0) {
                end++;
            }
            String hosts = text.substring(authority + 3, end);
            if (hosts.indexOf('@') >= 0) {
                // Every host of a list, and the one of a plain address: no userinfo reaches java.net.URI below.
                throw new IllegalArgumentException("must not carry credentials; set admin.store_user and admin.store_password");
            }
            if (hosts.indexOf(',') >= 0) {
                listed = List.of(hosts.split(",", -1));
                text = text.substring(0, authority + 3) + listed.get(0) + text.substring(end);
            }
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be postgresql://HOST:PORT/DB, was not a valid address (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("must be postgresql://HOST:PORT/DB");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("must name a host: postgresql://HOST:PORT/DB, or several:"
                    + " postgresql://HOST:PORT,HOST:PORT/DB");
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
        List<Server> hosts = new ArrayList<>();
        hosts.add(server(uri));
        if (listed != null) {
            for (String h : listed.subList(1, listed.size())) {
                URI one;
                try {
                    one = new URI("postgresql://" + h + "/");
                } catch (URISyntaxException e) {
                    one = null;
                }
                if (h.isEmpty() || one == null || one.getHost() == null || !"/".equals(one.getRawPath())) {
                    throw new IllegalArgumentException("must name each host as HOST or HOST:PORT, was \"" + h
                            + "\" in the list of hosts");
                }
                hosts.add(server(one));
            }
            if (!params.containsKey(TARGET_SERVER_TYPE)) {
                // Writes and LISTEN need the primary; the driver's default takes any server that answers.
                params.put(TARGET_SERVER_TYPE, "primary");
            }
        }
        return new PostgresAddress(hosts, database, params);
    }

    private static Server server(URI uri) {
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Server(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** @return the JDBC URL: hosts, ports and database only (parameters and credentials go as properties) */
    String jdbcUrl() {
        return "jdbc:postgresql://" + hostList() + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** @return {@code postgresql://HOST:PORT[,HOST:PORT...]/DB}, for status and messages: no parameter, no credential */
    String display() {
        return "postgresql://" + hostList() + "/" + database;
    }

    private String hostList() {
        return hosts.stream().map(Server::toString).collect(Collectors.joining(","));
    }
}
