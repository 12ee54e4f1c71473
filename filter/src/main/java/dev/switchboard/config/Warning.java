package dev.switchboard.config;

import java.util.Objects;

/**
 * Something legal in a configuration that is probably not what the operator meant: {@code validate}
 * prints it and still exits 0, the gateway logs it at start and on reload, the admin API shows it beside
 * the row it is about. {@link #toString()} is the line printed everywhere, e.g.
 * {@code virtual-models.admin.yaml: virtual_models[2].target: 'cheap' is also the source of a redirect; ...}.
 *
 * @param file {@code null} for the config file, else the admin store's name (its file name)
 * @param path the YAML path inside that file ({@code virtual_models[2].target}, {@code providers.openai})
 * @param source the source of the virtual model it is about, or {@code null} (a provider, say)
 * @param message what is suspicious, without the path
 */
public record Warning(String file, String path, String source, String message) {

    public Warning {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** @return the printed line: {@code [file: ]path: message} */
    @Override
    public String toString() {
        return (file == null ? "" : file + ": ") + path + ": " + message;
    }
}
