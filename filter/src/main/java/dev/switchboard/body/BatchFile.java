package dev.switchboard.body;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The model names of a batch input file (OpenAI Batch API JSONL: one request per line, its model at
 * {@code body.model}), located in place inside the request body that uploads it, so each can be
 * resolved, checked and rewritten like any other (SPEC section 15, batches).
 *
 * <p>Lines end at {@code \n} (an optional {@code \r} before it is part of the line end). A file that
 * holds a line separator some readers honour and others do not (a bare CR, NEL, U+2028, U+2029) is
 * refused, so that no reader can see a line the gateway did not check. Blank lines are skipped.
 * Thread-safe.
 */
public final class BatchFile {

    /**
     * Where a batch line carries models: its request body's model, and those its endpoint's body carries beside it
     * (tools', their SVG writers', moderation's, tools an input item adds, those an allowed-tools choice lists, an
     * image's SVG writer, the lists of names upstream gateways route by): every model path of each of
     * {@link #ENDPOINTS}, under {@code body.} (a test holds them to the endpoints' own shapes), and the routing keys they
     * refuse, and a {@code model} beside the line's body (no known reader takes it, nor may an unknown one); and the
     * line's {@code url}, the endpoint its body is for.
     */
    public static final Shape LINE = Shape.of(true, java.util.stream.Stream.concat(java.util.stream.Stream.of("body.model",
            "body.tools[].model", "body.tools[].svg.model", "body.moderation.model", "body.input[].tools[].model",
            "body.input[].tools[].svg.model", "body.tool_choice.tools[].model", "body.tool_choice.tools[].svg.model",
            "body.svg.model"), java.util.stream.Stream.concat(UpstreamGateways.NAME_LISTS.stream().map(n -> n + "[]"),
                    UpstreamGateways.NESTED_MODELS.stream()).map(p -> "body." + p)).toArray(String[]::new))
            .capturing("url").refusing(java.util.stream.Stream.concat(java.util.stream.Stream.of("model"),
                    java.util.stream.Stream.concat(UpstreamGateways.ROUTING.stream(),
                    UpstreamGateways.NESTED_ROUTING.stream()).map(k -> "body." + k)).toList());

    /**
     * The endpoints a line may name (OpenAI's batch endpoints): the bodies of each carry their models exactly where
     * {@link #LINE} looks. A line for any other endpoint could carry a model elsewhere, so it is refused, as is a line
     * without a {@code url} (OpenAI refuses one; another reader might default it).
     */
    public static final Set<String> ENDPOINTS = Set.of("/v1/responses", "/v1/chat/completions",
            "/v1/embeddings", "/v1/completions", "/v1/moderations", "/v1/images/generations", "/v1/images/edits",
            "/v1/videos");

    private BatchFile() {
    }

    /**
     * @param body the request body holding the file
     * @param start offset of the file's first byte
     * @param end offset just past the file's last byte
     * @param json the locator
     * @return every line's models (sites named {@code line N: body.model}), or why the file is refused
     *     ({@link ModelField#where} names the line)
     */
    public static ModelField locate(byte[] body, int start, int end, JsonModelLocator json) {
        for (int i = start; i < end; i++) {
            int b = body[i] & 0xff;
            boolean bareCr = b == '\r' && (i + 1 >= end || body[i + 1] != '\n');
            boolean nel = b == 0xC2 && i + 1 < end && (body[i + 1] & 0xff) == 0x85;
            boolean unicode = b == 0xE2 && i + 2 < end && (body[i + 1] & 0xff) == 0x80
                    && ((body[i + 2] & 0xff) == 0xA8 || (body[i + 2] & 0xff) == 0xA9);
            if (bareCr || nel || unicode || b == 0x0B || b == 0x0C || (b >= 0x1C && b <= 0x1E)) {
                return ModelField.failed(ModelField.Status.AMBIGUOUS,
                        "line " + lineAt(body, start, i) + " of the batch file: a line separator other than \\n");
            }
        }
        List<ModelField.Site> sites = new ArrayList<>();
        int line = 0;
        int from = start;
        while (from < end) {
            line++;
            int nl = from;
            while (nl < end && body[nl] != '\n') {
                nl++;
            }
            int to = nl > from && body[nl - 1] == '\r' ? nl - 1 : nl;
            if (!blank(body, from, to)) {
                ModelField f = DefaultedModels.check(json.locate(body, from, to - from, LINE, false), body, from, to, LINE);
                String at = "line " + line + " of the batch file";
                if (f.status() != ModelField.Status.FOUND) {
                    return ModelField.failed(f.status(), f.where() == null ? at : at + ": " + f.where());
                }
                String url = f.captured().get("url");
                if (url == null || !ENDPOINTS.contains(url)) {
                    return ModelField.failed(ModelField.Status.UNCHECKABLE, at + ": " + (url == null ? "no url"
                            : url.length() > 64 ? "its url is not a batch endpoint whose models the gateway checks"
                            : "url " + url + " is not a batch endpoint whose models the gateway checks"));
                }
                for (ModelField.Site s : f.sites()) {
                    sites.add(new ModelField.Site(at + ": " + s.path(), s.model(), s.start(), s.end(), true));
                }
            }
            from = nl + 1;
        }
        if (sites.isEmpty()) {
            return ModelField.failed(ModelField.Status.MISSING, "the batch file has no requests");
        }
        return new ModelField(ModelField.Status.FOUND, null, sites, java.util.Map.of());
    }

    private static boolean blank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            if (body[i] != ' ' && body[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    private static int lineAt(byte[] body, int start, int at) {
        int line = 1;
        for (int i = start; i < at; i++) {
            if (body[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
