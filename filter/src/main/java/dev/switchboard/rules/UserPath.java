package dev.switchboard.rules;

/**
 * User paths: slash-separated caller locations such as {@code /acme/ml/alice} (SPEC section 2).
 *
 * <p>Normalization trims, adds the leading {@code /}, drops empty segments ({@code team//a/} ->
 * {@code /team/a}) and keeps case. {@code .} and {@code ..} segments, {@code :} and control
 * characters are rejected. Containment is segment-wise: {@code /team} covers {@code /team} and
 * {@code /team/alpha}, not {@code /team-alpha}; {@code /} covers every caller, even one without a path.
 */
public final class UserPath {

    /** The root path, which covers every caller. */
    public static final String ROOT = "/";

    private UserPath() {
    }

    /**
     * Normalizes a user path.
     *
     * @param raw the path as written; must not be {@code null}
     * @return the normalized path, starting with {@code /} and without a trailing {@code /} (except the root)
     * @throws InvalidUserPathException when the path is blank or holds a {@code .}/{@code ..} segment,
     *     a {@code :} or a control character
     */
    public static String normalize(String raw) {
        String trimmed = raw.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidUserPathException("must not be empty");
        }
        StringBuilder out = new StringBuilder(trimmed.length() + 1);
        for (String segment : trimmed.split("/", -1)) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new InvalidUserPathException("'" + segment + "' segments are not allowed");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c == ':') {
                    throw new InvalidUserPathException("':' is not allowed");
                }
                if (Character.isISOControl(c)) {
                    throw new InvalidUserPathException("control characters are not allowed");
                }
            }
            out.append('/').append(segment);
        }
        return out.length() == 0 ? ROOT : out.toString();
    }

    /**
     * Whether {@code path} is {@code scope} or lies below it, segment-wise.
     *
     * @param scope a normalized path
     * @param path a normalized caller path, or {@code null} for a caller without a path
     * @return {@code true} when the scope is {@code /}, or the path equals or descends from the scope
     */
    public static boolean covers(String scope, String path) {
        if (scope.equals(ROOT)) {
            return true;
        }
        if (path == null) {
            return false;
        }
        return path.equals(scope)
                || (path.length() > scope.length() && path.startsWith(scope) && path.charAt(scope.length()) == '/');
    }

    /**
     * Whether any of the scopes covers the path; an empty list covers nobody.
     *
     * @param scopes normalized paths
     * @param path a normalized caller path, or {@code null}
     * @return {@code true} when one scope covers the path
     */
    public static boolean anyCovers(java.util.List<String> scopes, String path) {
        for (String scope : scopes) {
            if (covers(scope, path)) {
                return true;
            }
        }
        return false;
    }
}
