package dev.switchboard.config;

import dev.switchboard.rules.ModelNames;

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
                case STRING -> quoted(text);
                case NULL -> "null";
                default -> text;
            };
        }

        /** @return a string as a message shows it: quoted, cut at 80 characters, its hidden characters escaped */
        static String quoted(String s) {
            return "\"" + ModelNames.visible(s.length() <= 80 ? s : s.substring(0, 77) + "...") + "\"";
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
