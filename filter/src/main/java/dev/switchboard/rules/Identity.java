package dev.switchboard.rules;

import java.util.List;
import java.util.Objects;

/**
 * Where a caller's identity comes from (SPEC section 1, {@code identity:}).
 *
 * @param userPathHeader the header carrying a caller's path when no key binds one
 * @param trustUserPathHeader {@code false} ignores that header
 * @param clients gateway keys; when non-empty, a valid key is required
 */
public record Identity(String userPathHeader, boolean trustUserPathHeader, List<Client> clients) {

    /** Default header for the caller's user path. */
    public static final String DEFAULT_USER_PATH_HEADER = "X-User-Path";
    /** Whether the user-path header is trusted by default. */
    public static final boolean DEFAULT_TRUST_USER_PATH_HEADER = true;
    /** Request attribute a host application sets after its own authentication. */
    public static final String USER_PATH_ATTRIBUTE = "dev.switchboard.userPath";
    /** Header whose value identifies a session for sticky routing when nothing else does. */
    public static final String SESSION_ID_HEADER = "X-Session-Id";

    /** Identity settings with every default and no clients. */
    public static final Identity DEFAULT =
            new Identity(DEFAULT_USER_PATH_HEADER, DEFAULT_TRUST_USER_PATH_HEADER, List.of());

    public Identity {
        Objects.requireNonNull(userPathHeader, "userPathHeader");
        clients = List.copyOf(clients);
    }

    /** @return whether requests must present a gateway key */
    public boolean keysRequired() {
        return !clients.isEmpty();
    }

    /**
     * Finds the client whose key this is. Every client is compared, in constant time each, so timing
     * does not tell which one (or whether any) matched.
     *
     * @param key the presented key, or {@code null}
     * @return the client, or {@code null} when none matches
     */
    public Client authenticate(String key) {
        if (key == null || key.isEmpty()) {
            return null;
        }
        byte[] digest = Client.sha256(key);
        Client found = null;
        for (Client client : clients) {
            if (client.matches(digest) && found == null) {
                found = client;
            }
        }
        return found;
    }

    /**
     * @param name a client name
     * @return the client of that name, or {@code null}
     */
    public Client client(String name) {
        for (Client client : clients) {
            if (client.name().equals(name)) {
                return client;
            }
        }
        return null;
    }

    /**
     * Works out who the caller is (SPEC section 2, "Caller's path"): the matched key's bound path, else
     * the host application's attribute, else the header when trusted, else none.
     *
     * @param presentedKey the gateway key from {@code Authorization: Bearer} or {@code x-api-key}, or {@code null}
     * @param hostUserPath the value of {@link #USER_PATH_ATTRIBUTE}, or {@code null}
     * @param headerUserPath the value of the user-path header, or {@code null}
     * @param sessionId the {@code X-Session-Id} header, or {@code null}
     * @return the caller, or a failure ({@code invalid_api_key}, {@code invalid_user_path})
     */
    public Identification identify(String presentedKey, String hostUserPath, String headerUserPath,
                                   String sessionId) {
        Client client = null;
        if (keysRequired()) {
            client = authenticate(presentedKey);
            if (client == null) {
                return Identification.failure(Identification.Failure.INVALID_API_KEY,
                        presentedKey == null || presentedKey.isEmpty() ? "missing gateway API key" : "invalid gateway API key");
            }
        }
        String path = client == null ? null : client.userPath();
        if (path == null) {
            // A blank value from any source means "no path", as for an empty header.
            boolean fromHost = hostUserPath != null && !hostUserPath.isBlank();
            String raw = fromHost ? hostUserPath
                    : (trustUserPathHeader && headerUserPath != null && !headerUserPath.isBlank() ? headerUserPath : null);
            if (raw != null && !fromHost && raw.indexOf(',') >= 0) {
                // Two headers arrive joined by a comma: a proxy that appends one must not let the caller pick.
                return Identification.failure(Identification.Failure.INVALID_USER_PATH,
                        "invalid user path: one " + userPathHeader + " header with one path, no comma");
            }
            if (raw != null) {
                try {
                    path = UserPath.normalize(raw);
                } catch (InvalidUserPathException e) {
                    return Identification.failure(Identification.Failure.INVALID_USER_PATH,
                            "invalid user path: " + e.getMessage());
                }
            }
        }
        String session = sessionId == null || sessionId.isBlank() ? null : sessionId;
        return Identification.of(new Caller(path, client == null ? null : client.name(), session));
    }
}
