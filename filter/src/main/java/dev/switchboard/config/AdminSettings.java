package dev.switchboard.config;

/**
 * {@code admin:} settings.
 *
 * @param token the bearer token of the admin API; empty turns the API off (404)
 * @param store the admin store file, relative to the config file's folder unless absolute
 */
public record AdminSettings(String token, String store) {

    /** No token: the admin API is off. */
    public static final String DEFAULT_TOKEN = "";
    /** Admin-managed virtual models live here, beside the config file. */
    public static final String DEFAULT_STORE = "virtual-models.admin.yaml";

    /** Every default. */
    public static final AdminSettings DEFAULT = new AdminSettings(DEFAULT_TOKEN, DEFAULT_STORE);

    /** @return whether the admin API is on */
    public boolean enabled() {
        return !token.isEmpty();
    }

    @Override
    public String toString() {
        return "AdminSettings[token=" + (token.isEmpty() ? "" : "***") + ", store=" + store + "]";
    }
}
