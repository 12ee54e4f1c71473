package dev.switchboard.config;

import dev.switchboard.rules.Target;
import dev.switchboard.rules.VirtualModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.comments.CommentType;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.events.CommentEvent;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.representer.StandardRepresenter;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The admin store's document: YAML in the config file's own {@code virtual_models} format, so that it
 * can be read, diffed and edited by hand. How it is kept (a file, atomically) is the store's business
 * ({@code dev.switchboard.store}).
 */
final class StoreDocument {

    private static final String HEADER = "# Written by the Switchboard admin API. Hand edits are hot-reloaded too;\n"
            + "# entries of the config file with the same source win over these. Each admin or dashboard write\n"
            + "# rewrites this whole file, rows sorted by source, without comments: keep notes in a row's description.\n";

    /** The header's lines as a comment event reads them (the text after its {@code #}). */
    private static final java.util.Set<String> HEADER_LINES = java.util.Set.copyOf(
            java.util.Arrays.stream(HEADER.split("\n")).map(l -> l.substring(1)).toList());

    private StoreDocument() {
    }

    /**
     * @param yaml a store document as it is on disk
     * @return whether it holds a comment of its own beside {@link #render}'s header (a hand edit's notes, a
     *     {@code yaml-language-server} line), which a write, rendering the document from its rows, drops; the comments
     *     before a point where the document stops parsing count
     */
    static boolean handComments(byte[] yaml) {
        LoadSettings settings = LoadSettings.builder().setParseComments(true).build();
        try {
            ParserImpl parser = new ParserImpl(settings, new StreamReader(settings, new String(yaml, StandardCharsets.UTF_8)));
            while (parser.hasNext()) {
                if (parser.next() instanceof CommentEvent c && c.getCommentType() != CommentType.BLANK_LINE
                        && !HEADER_LINES.contains(c.getValue())) {
                    return true;
                }
            }
        } catch (RuntimeException notYaml) {
            // Read up to where it stops parsing: such a store is refused before any write is made from it.
        }
        return false;
    }

    /** @return the document for these rows, sorted by source */
    static byte[] render(List<VirtualModel> rows) {
        List<VirtualModel> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> a.source().compareTo(b.source()));
        List<Object> out = new ArrayList<>();
        for (VirtualModel vm : sorted) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", literal(vm.source()));
            if (vm.targets().size() == 1 && vm.targets().get(0).weight() == Target.DEFAULT_WEIGHT) {
                m.put("target", literal(vm.targets().get(0).model()));
            } else if (!vm.targets().isEmpty()) {
                List<Object> targets = new ArrayList<>();
                for (Target t : vm.targets()) {
                    Map<String, Object> tm = new LinkedHashMap<>();
                    tm.put("model", literal(t.model()));
                    tm.put("weight", t.weight());
                    targets.add(tm);
                }
                m.put("targets", targets);
            }
            if (vm.isRedirect()) {
                m.put("strategy", vm.strategy().yamlName());
            }
            if (!vm.fallbacks().isEmpty()) {
                List<Object> fallbacks = new ArrayList<>();
                vm.fallbacks().forEach(f -> fallbacks.add(literal(f)));
                m.put("fallbacks", fallbacks);
            }
            List<Object> paths = new ArrayList<>();
            vm.userPaths().forEach(p -> paths.add(literal(p)));
            m.put("user_paths", paths);
            m.put("enabled", vm.enabled());
            m.put("description", literal(vm.description()));
            out.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 1);
        doc.put("virtual_models", out);
        // The schema the store is read with (YamlTree), so text such as "~" or "Null" is quoted, not read back as null.
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setWidth(200)
                .setSchema(new CoreSchema()).build();
        StandardRepresenter representer = new StandardRepresenter(settings) {
            {
                representers.put(Quoted.class, q -> representScalar(Tag.STR, ((Quoted) q).text(),
                        ScalarStyle.DOUBLE_QUOTED));
            }
        };
        return (HEADER + new Dump(settings, representer).dumpToString(doc)).getBytes(StandardCharsets.UTF_8);
    }

    /** A string written in double quotes. */
    private record Quoted(String text) {
    }

    /**
     * A plain string that every YAML reader reads as this string: a letter, {@code /} or {@code _} first, then letters,
     * digits and {@code ._/@:+-}, and not one of YAML 1.1's booleans or nulls (1.1 readers such as PyYAML and
     * js-yaml's default read {@code on}, {@code y}, {@code 0b101}, {@code 1:20}, {@code 1_000}, {@code 2026-12-07} and
     * {@code =} otherwise, or not at all; the gateway reads YAML 1.2 and needs none of this).
     */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z/_][A-Za-z0-9._/@:+-]*");
    private static final java.util.Set<String> YAML11_WORDS = java.util.Set.of("y", "n", "yes", "no", "on", "off",
            "true", "false", "null");

    /**
     * Store files are read with ${VAR} expansion like the config; values from the API are literal. A string another
     * YAML reader would read otherwise is written in double quotes, so that the file reads the same in other tools.
     */
    private static Object literal(String s) {
        String text = s.replace("${", "$${");
        boolean plain = PLAIN.matcher(text).matches() && !text.endsWith(":")
                && !YAML11_WORDS.contains(text.toLowerCase(java.util.Locale.ROOT));
        return plain || text.isEmpty() ? text : new Quoted(text);
    }
}
