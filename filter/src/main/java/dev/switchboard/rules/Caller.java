package dev.switchboard.rules;

/**
 * Who sent a request, as far as resolution cares.
 *
 * @param userPath the normalized user path, or {@code null}
 * @param clientName the matched gateway client, or {@code null}
 * @param sessionId the {@code X-Session-Id} header, or {@code null}
 */
public record Caller(String userPath, String clientName, String sessionId) {

    /** A caller with no path, no key and no session. */
    public static final Caller ANONYMOUS = new Caller(null, null, null);

    /**
     * @param userPath a normalized path, or {@code null}
     * @return a caller identified only by its path
     */
    public static Caller ofPath(String userPath) {
        return new Caller(userPath, null, null);
    }

    /**
     * The identity sticky routing hashes (SPEC section 2, step 2): user path, else client name, else
     * session id. Prefixed by kind so that a client named like a path does not share its bucket.
     *
     * @return the identity, or {@code null} when the caller is anonymous (a random pick per request)
     */
    public String stickyIdentity() {
        if (userPath != null) {
            return "path:" + userPath;
        }
        if (clientName != null) {
            return "client:" + clientName;
        }
        if (sessionId != null) {
            return "session:" + sessionId;
        }
        return null;
    }
}
