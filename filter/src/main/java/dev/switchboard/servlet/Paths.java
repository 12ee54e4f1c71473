package dev.switchboard.servlet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request path in canonical form, so that no spelling dodges the route table: percent-decoding
 * ({@code %2F} included: upstreams that decode it route by it), {@code //}, trailing {@code /},
 * {@code .} and {@code ..} segments, and {@code ;params} (containers drop them before decoding).
 */
final class Paths {

    static final String MODELS_PATH = "/v1/models";

    private Paths() {
    }

    /**
     * @param raw a request path as sent
     * @return its decoded segments, case kept, or {@code null} when it cannot be decoded or climbs above the root
     */
    static List<String> segments(String raw) {
        String decoded = decode(withoutParams(raw));
        if (decoded == null) {
            return null;
        }
        List<String> segments = new ArrayList<>();
        for (String s : decoded.split("/")) {
            // A ';' decoded from %3B is a character of its segment, as Tomcat reads it: "..;" climbs nowhere.
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.isEmpty()) {
                    return null;
                }
                segments.remove(segments.size() - 1);
                continue;
            }
            segments.add(s);
        }
        return segments;
    }

    /**
     * @param raw a request path as sent
     * @return whether it holds an encoded {@code ;} or {@code %}, which containers and upstreams read differently
     *     (Tomcat keeps {@code ..%3B} as a segment named {@code ..;}, others cut it; {@code %252F} is a slash to an
     *     upstream that decodes what a container decoded once)
     */
    static boolean encodedDelimiter(String raw) {
        int at = raw.indexOf('%');
        while (at >= 0 && at + 2 < raw.length()) {
            char hi = raw.charAt(at + 1);
            char lo = Character.toUpperCase(raw.charAt(at + 2));
            if (hi == '2' && lo == '5' || hi == '3' && lo == 'B') {
                return true;
            }
            at = raw.indexOf('%', at + 1);
        }
        return false;
    }

    /** @return whether a canonical path is in the Anthropic family ({@code /v1/messages*}, {@code /v1/complete}) */
    static boolean anthropicPath(String canonical) {
        return canonical != null && (canonical.equals("/v1/messages") || canonical.startsWith("/v1/messages/")
                || canonical.equals("/v1/complete"));
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
