package dev.switchboard.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Loads and validates a Switchboard configuration file (SPEC section 1).
 *
 * <p>Unknown keys, wrong types and every rule of SPEC section 2's validation list are errors;
 * all errors of a file are reported together in one {@link InvalidConfigException}, each naming its
 * YAML path. {@code ${VAR}} and {@code ${VAR:-default}} are expanded in every scalar. Files larger
 * than {@link #MAX_FILE_BYTES}, anchor bombs and deep nesting are refused.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ConfigLoader {

    /** Largest accepted config file: far beyond any real rule set, small enough to parse in milliseconds. */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
    /** System property naming the config file. */
    public static final String CONFIG_PROPERTY = "switchboard.config";
    /** Environment variable naming the config file. */
    public static final String CONFIG_ENV = "SWITCHBOARD_CONFIG";
    /** The config file used when none is named and it exists. */
    public static final Path DEFAULT_CONFIG = Path.of("conf", "switchboard.yaml");

    private final Function<String, String> env;

    /** A loader that reads the process environment. */
    public ConfigLoader() {
        this(System::getenv);
    }

    /**
     * @param env the environment to expand {@code ${VAR}} from (and read
     *     {@code KEEP_ONLY_ALIASES_AT_MODELS_ENDPOINT} from); returns {@code null} for unset names
     */
    public ConfigLoader(Function<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * @param file the YAML file
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem, the file name first when it cannot be read
     */
    public SwitchboardConfig load(Path file) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidConfigException(List.of(file + ": is a directory, not a config file"));
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is " + size + " bytes; the limit is "
                        + MAX_FILE_BYTES + " bytes"));
            }
            // A device or pipe reports size 0 (or a wrong one): never read past the limit whatever the size said.
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new InvalidConfigException(List.of(file + ": the file is larger than the limit of "
                        + MAX_FILE_BYTES + " bytes"));
            }
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(file + ": cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")"));
        }
        return parse(bytes);
    }

    /**
     * @param bytes a YAML document in UTF-8
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem
     */
    public SwitchboardConfig parse(byte[] bytes) {
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InvalidConfigException(List.of("the document is " + bytes.length + " bytes; the limit is "
                    + MAX_FILE_BYTES + " bytes"));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException(List.of("the document is not valid UTF-8"));
        }
        return parse(text);
    }

    /**
     * @param yaml a YAML document
     * @return the validated configuration
     * @throws InvalidConfigException listing every problem
     */
    public SwitchboardConfig parse(String yaml) {
        Value root = YamlTree.parse(yaml, new Interpolator(env));
        return new ConfigReader(env).read(root);
    }
}
