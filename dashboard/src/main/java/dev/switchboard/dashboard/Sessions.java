package dev.switchboard.dashboard;

import dev.switchboard.rules.Client;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * The dashboard's server-side sessions, on this node, in memory: a random id (the cookie) per sign-in, its CSRF
 * token, and when it was last used. A session ends after {@code idleTimeout} without use, at sign-out, and when
 * the admin token in force changes (a rotated token signs everyone out: every live session was opened with the
 * token last seen in force, {@link #tokenInForce}). At most
 * {@link #MAX_SESSIONS} live at once; the least recently used goes first. Ids are kept only as their SHA-256, so a
 * heap dump shows no usable cookie. Thread-safe.
 */
final class Sessions {

    /** The most sessions kept; signing in beyond it ends the least recently used one. */
    static final int MAX_SESSIONS = 1_000;
    /** Random bytes of a session id and of a CSRF token (256 bits each). */
    private static final int RANDOM_BYTES = 32;

    private final Clock clock;
    private final Duration idleTimeout;
    private final SecureRandom random = new SecureRandom();
    /** By the hex SHA-256 of the id, least recently used first. */
    private final LinkedHashMap<String, Session> byDigest = new LinkedHashMap<>(16, 0.75f, true);
    /** The digest of the admin token last seen in force, or {@code null} before the first. */
    private byte[] inForce;

    /** One signed-in browser. */
    static final class Session {
        private final String csrfToken;
        private Instant lastUsed;

        private Session(String csrfToken, Instant lastUsed) {
            this.csrfToken = csrfToken;
            this.lastUsed = lastUsed;
        }

        /** @return the token every write of this session must carry */
        String csrfToken() {
            return csrfToken;
        }

        /**
         * @param presented the CSRF token a request carries, or {@code null}
         * @return whether it is this session's (compared in constant time)
         */
        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                    csrfToken.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A session just opened.
     *
     * @param id the cookie value: the only copy of the id
     * @param session the session
     */
    record Opened(String id, Session session) {
    }

    Sessions(Clock clock, Duration idleTimeout) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be > 0, but was " + idleTimeout);
        }
        this.idleTimeout = idleTimeout;
    }

    /** @return how long a session lives without use */
    Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Opens a session for a browser that presented the admin token.
     *
     * @param token the admin token in force (the session ends when it changes)
     * @return the new session and its id
     */
    synchronized Opened open(String token) {
        tokenInForce(token);
        Instant now = clock.instant();
        expire(now);
        while (byDigest.size() >= MAX_SESSIONS) {
            Iterator<String> eldest = byDigest.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        String id = randomToken();
        Session s = new Session(randomToken(), now);
        byDigest.put(digest(id), s);
        return new Opened(id, s);
    }

    /**
     * @param id a cookie value, or {@code null}
     * @param token the admin token in force
     * @return the live session of that id, or {@code null} when there is none (unknown, idle too long, signed out,
     *     or opened with another token); its idle time is not reset (see {@link #touch})
     */
    synchronized Session find(String id, String token) {
        tokenInForce(token);
        if (id == null || id.isEmpty()) {
            return null;
        }
        Instant now = clock.instant();
        String key = digest(id);
        Session s = byDigest.get(key);
        if (s == null) {
            return null;
        }
        if (!now.isBefore(s.lastUsed.plus(idleTimeout))) {
            byDigest.remove(key);
            return null;
        }
        return s;
    }

    /**
     * Signs everyone out when the admin token in force is not the one last seen, even when it changed back to the
     * token a session was opened with before that session was used again (a token turned off and on, or rotated and
     * rolled back, must not revive a cookie). Told of every applied configuration, and on every sign-in and lookup.
     *
     * @param token the admin token in force
     */
    synchronized void tokenInForce(String token) {
        byte[] digest = Client.sha256(token);
        if (inForce != null && !MessageDigest.isEqual(inForce, digest)) {
            byDigest.clear();
        }
        inForce = digest;
    }

    /** @param s a session that was just used by its operator: its idle time starts over */
    synchronized void touch(Session s) {
        s.lastUsed = clock.instant();
    }

    /** @param id a cookie value: its session ends (nothing happens for an unknown one) */
    synchronized void close(String id) {
        if (id != null) {
            byDigest.remove(digest(id));
        }
    }

    /** @return sessions held now (expired ones may still count until the next sign-in) */
    synchronized int size() {
        return byDigest.size();
    }

    private void expire(Instant now) {
        byDigest.values().removeIf(s -> !now.isBefore(s.lastUsed.plus(idleTimeout)));
    }

    private String randomToken() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String digest(String id) {
        return HexFormat.of().formatHex(Client.sha256(id));
    }
}
