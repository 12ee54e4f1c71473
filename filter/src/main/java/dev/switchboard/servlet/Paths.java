package dev.switchboard.servlet;

import dev.switchboard.exchange.Endpoint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Which endpoint a request targets (SPEC section 3), after normalizing the path so that no spelling
 * dodges the match: percent-decoding (also {@code %2F}), {@code //}, trailing {@code /}, {@code .} and
 * {@code ..} segments, {@code ;params}, and case (a catch-all proxy forwards any case upstream).
 */
final class Paths {

    static final String MODELS_PATH = "/v1/models";

    private Paths() {
    }

    /**
     * @param method the HTTP method
     * @param path the request path below the context path, as sent (still percent-encoded)
     * @return the endpoint
     */
    static Endpoint classify(String method, String path) {
        // Case-insensitive: a container hands "post" to the servlet as is, and a proxy forwards it.
        boolean post = "POST".equalsIgnoreCase(method);
        boolean get = "GET".equalsIgnoreCase(method);
        if (!post && !get) {
            return Endpoint.OTHER;
        }
        String p = isPlain(path) ? path : normalize(path);
        if (p == null || !p.startsWith("/v1/")) {
            return Endpoint.OTHER;
        }
        if (post) {
            return switch (p) {
                case "/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings",
                     "/v1/moderations", "/v1/images/generations", "/v1/audio/speech", "/v1/messages",
                     "/v1/messages/count_tokens" -> Endpoint.JSON_MODEL;
                case "/v1/audio/transcriptions", "/v1/audio/translations" -> Endpoint.MULTIPART_MODEL;
                default -> Endpoint.OTHER;
            };
        }
        if (p.equals(MODELS_PATH)) {
            return Endpoint.MODELS;
        }
        return p.startsWith(MODELS_PATH + "/") ? Endpoint.MODEL : Endpoint.OTHER;
    }

    /** @return whether the path is in the Anthropic family ({@code /v1/messages*}), after normalization */
    static boolean anthropicPath(String path) {
        String p = isPlain(path) ? path : normalize(path);
        return p != null && (p.equals("/v1/messages") || p.startsWith("/v1/messages/"));
    }

    /**
     * The model id of {@code GET /v1/models/{id}}: the decoded rest of the path, which may hold {@code /}
     * ({@code /v1/models/openai/gpt-5}); case is kept.
     */
    static String modelId(String path) {
        String decoded = decode(path);
        if (decoded == null) {
            return null;
        }
        int at = decoded.toLowerCase(Locale.ROOT).indexOf(MODELS_PATH + "/");
        String id = at < 0 ? null : decoded.substring(at + MODELS_PATH.length() + 1);
        while (id != null && id.endsWith("/")) {
            id = id.substring(0, id.length() - 1);
        }
        return id == null || id.isEmpty() ? null : id;
    }

    /** Lowercase letters, digits, {@code /}, {@code _} and {@code -}, no {@code //}, no trailing {@code /}. */
    private static boolean isPlain(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(n - 1) == '/') {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '/' && prev != '/');
            if (!ok) {
                return false;
            }
            prev = c;
        }
        return true;
    }

    /**
     * @param raw a request path as sent
     * @return the canonical lowercase path, or {@code null} when it cannot be decoded or climbs above the root
     */
    static String normalize(String raw) {
        // Containers drop ;params before percent-decoding, so "completions;%zz" is "completions" to them.
        String decoded = decode(withoutParams(raw));
        if (decoded == null) {
            return null;
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : decoded.split("/")) {
            int semi = segment.indexOf(';');
            String s = semi >= 0 ? segment.substring(0, semi) : segment;
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.pollLast() == null) {
                    return null;
                }
                continue;
            }
            segments.addLast(s.toLowerCase(Locale.ROOT));
        }
        return "/" + String.join("/", segments);
    }

    private static String withoutParams(String raw) {
        if (raw.indexOf(';') < 0) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (String segment : raw.split("/", -1)) {
            int semi = segment.indexOf(';');
            sb.append(semi >= 0 ? segment.substring(0, semi) : segment).append('/');
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
