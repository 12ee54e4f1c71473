package dev.switchboard.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed document as a small typed tree: what YAML (config, admin store) and JSON (admin API)
 * bodies both become before validation, so both are validated by the same code with the same
 * messages. {@code line} is 1-based, or 0 when unknown.
 */
sealed interface Value {

    int line();

    /** A short description for type errors; never the content of a mapping or sequence. */
    String describe();

    /** Scalar kinds, as YAML's core schema (or JSON) resolved them. */
    enum Type { STRING, INT, FLOAT, BOOL, NULL }

    record Scalar(String text, Type type, int line) implements Value {
        @Override
        public String describe() {
            return switch (type) {
                case STRING -> "\"" + visible(abbreviate(text)) + "\"";
                case NULL -> "null";
                default -> text;
            };
        }

        private static String abbreviate(String s) {
            return s.length() <= 80 ? s : s.substring(0, 77) + "...";
        }

        /**
         * Control, invisible, line-breaking and unusual space characters as escapes (a line feed as backslash-n, a
         * zero-width space as backslash-u200b): a message is one line in a log, and says what the value holds.
         */
        private static String visible(String s) {
            StringBuilder out = null;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                int type = Character.getType(c);
                boolean hidden = Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR && c != ' '
                        || Character.isSurrogate(c) && !paired(s, i);
                if (hidden && out == null) {
                    out = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                if (out == null) {
                    continue;
                }
                if (!hidden) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\t') {
                    out.append("\\t");
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
            return out == null ? s : out.toString();
        }

        private static boolean paired(String s, int i) {
            char c = s.charAt(i);
            return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                    : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        }
    }

    record Mapping(Map<String, Value> entries, int line) implements Value {
        public Mapping {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Sequence(List<Value> items, int line) implements Value {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }
}
