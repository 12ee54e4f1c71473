package dev.switchboard.failclosed;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Judges what an upstream received by how every emulated upstream parser reads it (SPEC section 15):
 * a violation is any model name from the denied set that some reader finds, in the query string, in a
 * path segment, in a JSON body at any key it takes for {@code model}, in a form's {@code model} field,
 * or on any line of an uploaded file (a batch input read line by line by each JSON reader, split at
 * every line end some reader honours).
 */
public final class Judge {

    /**
     * What an upstream received.
     *
     * @param method the method
     * @param path the path, as sent (still percent-encoded)
     * @param query the query string, or {@code null}
     * @param headers the headers, lower-case names, every value in order
     * @param body the body
     */
    public record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

        /** @return every value of the header */
        public List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    private final Set<String> denied;

    /**
     * @param denied model names an upstream must never be asked for; matched as a lenient upstream
     *     matches them: ignoring case (Ollama) and the spaces Python, JavaScript or Go strip
     */
    public Judge(Set<String> denied) {
        Set<String> folded = new java.util.HashSet<>();
        denied.forEach(d -> folded.add(d.toLowerCase(Locale.ROOT)));
        this.denied = Set.copyOf(folded);
    }

    private boolean isDenied(String name) {
        String stripped = name.replaceAll("^[\\s\\p{Z}\\u0085\\uFEFF]+|[\\s\\p{Z}\\u0085\\uFEFF]+$", "");
        return denied.contains(stripped.toLowerCase(Locale.ROOT));
    }

    /** @return every way a reader could find a denied model in the request; empty when none can */
    public List<String> violations(Received r) {
        List<String> out = new ArrayList<>();
        if (r.query() != null) {
            for (String pair : r.query().split("[&;]")) {
                int eq = pair.indexOf('=');
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (eq >= 0 && decode(pair.substring(0, eq)).strip().toLowerCase(Locale.ROOT).startsWith("model")
                        && isDenied(value)) {
                    out.add("the query string names " + value);
                }
            }
        }
        for (String segment : r.path().split("/")) {
            String s = decode(segment);
            for (String part : s.split("[:;]")) {
                if (isDenied(part)) {
                    out.add("the path names " + part);
                }
            }
        }
        List<String> types = r.all("content-type");
        byte[] body = r.body();
        if (body.length == 0) {
            return out;
        }
        for (UpstreamJson.Reader reader : UpstreamJson.Reader.values()) {
            List<String> models = UpstreamJson.models(reader, body);
            if (models != null) {
                models.stream().filter(this::isDenied).forEach(m -> out.add(reader + " JSON reads model " + m));
            }
        }
        for (UpstreamForms.Reader reader : UpstreamForms.Reader.values()) {
            UpstreamForms.Form form = UpstreamForms.read(reader, types, body);
            if (form == null) {
                continue;
            }
            form.fields().getOrDefault("model", List.of()).stream().filter(this::isDenied)
                    .forEach(m -> out.add(reader + " form reads model " + m));
            // A gateway's lists of models (LiteLLM reads a form's fallbacks[] as a list), however the reader names them.
            form.fields().forEach((name, values) -> {
                String base = name.replaceAll("\\[.*$", "").strip();
                if (List.of("models", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks").stream()
                        .anyMatch(base::equalsIgnoreCase)) {
                    values.stream().filter(this::isDenied).forEach(m -> out.add(reader + " form reads " + name + " " + m));
                }
            });
            // A field that holds JSON (a realtime call's session settings): its models, as each JSON reader reads them.
            form.fields().forEach((name, values) -> values.forEach(value -> {
                for (UpstreamJson.Reader json : UpstreamJson.Reader.values()) {
                    List<String> models = UpstreamJson.models(json, value.getBytes(StandardCharsets.UTF_8));
                    if (models != null) {
                        models.stream().filter(this::isDenied).forEach(m -> out.add(
                                reader + " form, field " + name + ", " + json + " JSON reads model " + m));
                    }
                }
            }));
            form.files().forEach((name, files) -> files.forEach(file -> {
                for (String line : lines(file)) {
                    for (UpstreamJson.Reader json : UpstreamJson.Reader.values()) {
                        List<String> models = UpstreamJson.models(json, line.getBytes(StandardCharsets.UTF_8));
                        if (models != null) {
                            models.stream().filter(this::isDenied).forEach(m -> out.add(
                                    reader + " form, file " + name + ", " + json + " JSON reads model " + m));
                        }
                    }
                }
            }));
        }
        return out;
    }

    /** Lines of a file as any reader splits them: LF, CRLF, CR, and the separators of Python's splitlines. */
    static List<String> lines(byte[] file) {
        String text = new String(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(List.of(text.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]")));
        // A reader that splits at LF only sees the other separators inside one line.
        out.addAll(List.of(text.split("\n")));
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
