package dev.switchboard.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Where the configuration comes from: the one lookup the filter, the WAR and the command line share
 * (SPEC sections 1 and 8). First that is set: the explicit values a caller passes (a command-line
 * option, a filter init-param, a context parameter; highest first), the system property
 * {@value #PROPERTY}, the environment variable {@value #ENV}; then what the {@link Fallback} allows:
 * nothing (the bare filter fails without a configuration), {@code conf/switchboard.yaml} when it exists
 * (the jar), the built-in configuration (the jar and the WAR).
 *
 * @param source which of these it is
 * @param path the path as it was named (stripped), or {@code null} for {@link Source#BUILT_IN}
 */
public record ConfigLocation(Source source, String path) {

    /** System property naming the config file. */
    public static final String PROPERTY = "switchboard.config";
    /** Environment variable naming the config file. */
    public static final String ENV = "SWITCHBOARD_CONFIG";
    /** The default config file, {@code conf/switchboard.yaml} in the working directory. */
    public static final Path DEFAULT_FILE = Path.of("conf", "switchboard.yaml");
    /** {@link #label()} of the built-in configuration. */
    public static final String BUILT_IN_LABEL = "built-in default";

    /** Where a location was found. */
    public enum Source {
        /** One of the caller's explicit values. */
        GIVEN,
        /** The system property {@value ConfigLocation#PROPERTY}. */
        SYSTEM_PROPERTY,
        /** The environment variable {@value ConfigLocation#ENV}. */
        ENVIRONMENT,
        /** {@code conf/switchboard.yaml}, which exists. */
        DEFAULT_FILE,
        /** None named: the built-in configuration of the caller. */
        BUILT_IN
    }

    /** What to use when nothing names a config file. */
    public enum Fallback {
        /** Nothing: {@link #find} returns {@code null} (the bare filter, which then fails to start). */
        NONE,
        /** The built-in configuration (the WAR). */
        BUILT_IN,
        /** {@code conf/switchboard.yaml} when it is a regular file, else the built-in (the jar). */
        DEFAULT_FILE_OR_BUILT_IN
    }

    public ConfigLocation {
        Objects.requireNonNull(source, "source");
        if ((source == Source.BUILT_IN) != (path == null)) {
            throw new IllegalArgumentException("a built-in location has no path, every other one has: " + source
                    + " " + path);
        }
    }

    /**
     * Looks the configuration up in this process (system properties, environment, working directory).
     *
     * @param fallback what to use when nothing names a file
     * @param explicit candidate paths, highest priority first; {@code null} or blank ones are skipped
     * @return where the configuration is, or {@code null} when nothing names one and {@code fallback} is
     *     {@link Fallback#NONE}
     */
    public static ConfigLocation find(Fallback fallback, String... explicit) {
        return find(fallback, System::getProperty, System::getenv, Files::isRegularFile, explicit);
    }

    /** {@link #find(Fallback, String...)} over a given process: for tests. */
    static ConfigLocation find(Fallback fallback, Function<String, String> properties, Function<String, String> env,
                               Predicate<Path> isFile, String... explicit) {
        Objects.requireNonNull(fallback, "fallback");
        for (String v : explicit) {
            if (set(v)) {
                return new ConfigLocation(Source.GIVEN, v.strip());
            }
        }
        String property = properties.apply(PROPERTY);
        if (set(property)) {
            return new ConfigLocation(Source.SYSTEM_PROPERTY, property.strip());
        }
        String variable = env.apply(ENV);
        if (set(variable)) {
            return new ConfigLocation(Source.ENVIRONMENT, variable.strip());
        }
        return switch (fallback) {
            case NONE -> null;
            case BUILT_IN -> new ConfigLocation(Source.BUILT_IN, null);
            case DEFAULT_FILE_OR_BUILT_IN -> isFile.test(DEFAULT_FILE)
                    ? new ConfigLocation(Source.DEFAULT_FILE, DEFAULT_FILE.toString())
                    : new ConfigLocation(Source.BUILT_IN, null);
        };
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }

    /** @return whether this is the caller's built-in configuration (no file) */
    public boolean builtIn() {
        return source == Source.BUILT_IN;
    }

    /**
     * @return the config file
     * @throws IllegalStateException for the built-in configuration
     * @throws java.nio.file.InvalidPathException when the named path is not a valid path here
     */
    public Path file() {
        if (builtIn()) {
            throw new IllegalStateException("the built-in configuration has no file");
        }
        return Path.of(path);
    }

    /** @return for logs: the path as named, or {@value #BUILT_IN_LABEL} */
    public String label() {
        return builtIn() ? BUILT_IN_LABEL : path;
    }
}
