package dev.switchboard.rules;

import java.util.Locale;

/** Kinds of upstream provider the bundled proxy can talk to. */
public enum ProviderType {
    /** OpenAI: {@code Authorization: Bearer}, needs a key. */
    OPENAI("https://api.openai.com", true),
    /** Anthropic: {@code x-api-key} + {@code anthropic-version}, needs a key. */
    ANTHROPIC("https://api.anthropic.com", true),
    /** Any OpenAI-compatible server (vLLM, Ollama, OpenRouter, another gateway): base URL required, key optional. */
    OPENAI_COMPATIBLE(null, false),
    /** Built-in local provider that echoes the model it received; no network, no key. */
    ECHO(null, false);

    private final String defaultBaseUrl;
    private final boolean needsKey;

    ProviderType(String defaultBaseUrl, boolean needsKey) {
        this.defaultBaseUrl = defaultBaseUrl;
        this.needsKey = needsKey;
    }

    /** @return the base URL used when none is configured, or {@code null} when one is required or unused */
    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /** @return whether the provider is unconfigured without an API key */
    public boolean needsKey() {
        return needsKey;
    }

    /** @return the YAML name ({@code openai}, {@code anthropic}, {@code openai-compatible}, {@code echo}) */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param name a YAML name
     * @return the type, or {@code null} when unknown
     */
    public static ProviderType fromYamlName(String name) {
        for (ProviderType t : values()) {
            if (t.yamlName().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
