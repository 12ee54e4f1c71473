package dev.switchboard.rules;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A gateway client: a name, the SHA-256 of its key (the key itself is never stored) and an optional
 * bound user path that overrides any header.
 */
public final class Client {

    private final String name;
    private final byte[] keySha256;
    private final String userPath;

    /**
     * @param name the client's name (logs, sticky identity, {@code explain --client})
     * @param keySha256 the 32-byte SHA-256 digest of the key
     * @param userPath the normalized bound path, or {@code null}
     */
    public Client(String name, byte[] keySha256, String userPath) {
        this.name = Objects.requireNonNull(name, "name");
        if (keySha256.length != 32) {
            throw new IllegalArgumentException("keySha256 must be 32 bytes, but was " + keySha256.length);
        }
        this.keySha256 = keySha256.clone();
        this.userPath = userPath;
    }

    /** @return the client's name */
    public String name() {
        return name;
    }

    /** @return the bound user path, or {@code null} */
    public String userPath() {
        return userPath;
    }

    /** @return the lowercase hex SHA-256 of the key */
    public String keySha256Hex() {
        return HexFormat.of().formatHex(keySha256);
    }

    boolean matches(byte[] presentedSha256) {
        // Constant time for equal lengths (JDK 6u17+): no early exit on the first differing byte.
        return MessageDigest.isEqual(keySha256, presentedSha256);
    }

    /**
     * @param key a key as a client sends it
     * @return its SHA-256 digest over UTF-8
     */
    public static byte[] sha256(String key) {
        return sha256Bytes(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param bytes any bytes
     * @return their SHA-256 digest
     */
    public static byte[] sha256Bytes(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "Client[name=" + name + ", userPath=" + userPath + "]";
    }
}
