package dev.switchboard.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code admin:} settings.
 *
 * @param token the bearer token of the admin API; empty turns the API off (404)
 * @param store the admin store: a file, relative to the config file's folder unless absolute, or a database
 *     address such as {@code postgresql://HOST:PORT/DB} (SPEC section 12)
 * @param storeUser the user a database store connects as; empty for a file store
 * @param storePassword that user's password; empty for a file store. Never logged, never shown
 * @param storeSnapshot a database store only: the file this node keeps its rows in, relative to the config file's
 *     folder unless absolute, so that it can serve them when it starts while the database cannot be reached; empty
 *     for none
 */
public record AdminSettings(String token, String store, String storeUser, String storePassword, String storeSnapshot) {

    /** No token: the admin API is off. */
    public static final String DEFAULT_TOKEN = "";
    /** Admin-managed virtual models live here, beside the config file. */
    public static final String DEFAULT_STORE = "virtual-models.admin.yaml";
    /** A file store needs no user. */
    public static final String DEFAULT_STORE_USER = "";
    /** A file store needs no password. */
    public static final String DEFAULT_STORE_PASSWORD = "";

    /** No snapshot of a database store's rows. */
    public static final String DEFAULT_STORE_SNAPSHOT = "";

    /** Every default. */
    public static final AdminSettings DEFAULT = new AdminSettings(DEFAULT_TOKEN, DEFAULT_STORE, DEFAULT_STORE_USER,
            DEFAULT_STORE_PASSWORD, DEFAULT_STORE_SNAPSHOT);

    /** {@code scheme://...}: an address, not a file (a Windows path {@code C:\...} has no {@code //}). */
    private static final Pattern ADDRESS = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");

    public AdminSettings {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(storeUser, "storeUser");
        Objects.requireNonNull(storePassword, "storePassword");
        Objects.requireNonNull(storeSnapshot, "storeSnapshot");
    }

    /**
     * Settings without a snapshot of the store.
     *
     * @param token the admin token
     * @param store the store
     * @param storeUser a database store's user
     * @param storePassword that user's password
     */
    public AdminSettings(String token, String store, String storeUser, String storePassword) {
        this(token, store, storeUser, storePassword, DEFAULT_STORE_SNAPSHOT);
    }

    /**
     * Settings of a file store (no credentials).
     *
     * @param token the admin token
     * @param store the store file
     */
    public AdminSettings(String token, String store) {
        this(token, store, DEFAULT_STORE_USER, DEFAULT_STORE_PASSWORD);
    }

    /** @return whether the admin API is on */
    public boolean enabled() {
        return !token.isEmpty();
    }

    /**
     * @return the scheme of a store address ({@code postgresql} for {@code postgresql://...}), lower case, or
     *     {@code null} when {@link #store()} is a file
     */
    public String storeScheme() {
        Matcher m = ADDRESS.matcher(store);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** Credentials are never printed: {@code ***} when set; a file store's (none) are left out. */
    @Override
    public String toString() {
        String credentials = storeUser.isEmpty() && storePassword.isEmpty() ? ""
                : ", storeUser=" + mask(storeUser) + ", storePassword=" + mask(storePassword);
        return "AdminSettings[token=" + mask(token) + ", store=" + store + credentials
                + (storeSnapshot.isEmpty() ? "" : ", storeSnapshot=" + storeSnapshot) + "]";
    }

    private static String mask(String secret) {
        return secret.isEmpty() ? "" : "***";
    }
}
