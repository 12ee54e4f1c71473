package dev.switchboard.rules;

/**
 * Where a concrete model goes: a provider and the model name it gets.
 *
 * @param provider the provider's name
 * @param upstreamModel the model name sent to it
 * @param via which routing rule matched
 */
public record Route(String provider, String upstreamModel, Via via) {

    /** Routing rules, in the order they are tried. */
    public enum Via {
        /** {@code name/rest} with a declared provider {@code name}. */
        PREFIX,
        /** A provider's static {@code models} list holds the id. */
        INVENTORY,
        /** {@code default_provider}. */
        DEFAULT
    }
}
