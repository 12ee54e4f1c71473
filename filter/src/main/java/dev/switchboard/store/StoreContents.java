package dev.switchboard.store;

import dev.switchboard.rules.Client;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link AdminStore} holds at one revision, in the store's own representation: one YAML
 * {@link Document} (the file store) or a table of {@link Rows} (a database). The configuration layer turns
 * it into virtual models and back ({@code ConfigLoader.readStore} / {@code renderStore} for a document,
 * {@code readStoreRows} / {@code storeRows} for rows); the store only keeps it. Immutable.
 */
public sealed interface StoreContents permits StoreContents.Document, StoreContents.Rows {

    /** @return the revision of these contents: compared with {@code If-Match}, quoted it is the ETag */
    String revision();

    /** @return whether the store holds anything (an absent file does not) */
    boolean exists();

    /**
     * A store kept as one YAML document (the file store).
     *
     * @param revision SHA-256 (hex) of the document, or {@link #ABSENT}
     * @param yaml the document (UTF-8), or {@code null} when there is none
     */
    record Document(String revision, byte[] yaml) implements StoreContents {

        /** The revision of a document that does not exist. */
        public static final String ABSENT = "absent";

        public Document {
            Objects.requireNonNull(revision, "revision");
            if ((yaml == null) != revision.equals(ABSENT)) {
                throw new IllegalArgumentException("revision " + revision + " does not fit "
                        + (yaml == null ? "an absent document" : "a document"));
            }
            yaml = yaml == null ? null : yaml.clone();
        }

        /**
         * @param yaml a document
         * @return it, with its SHA-256 as revision
         */
        public static Document of(byte[] yaml) {
            return new Document(HexFormat.of().formatHex(Client.sha256Bytes(yaml)), yaml);
        }

        /** @return the contents of a store that does not exist yet */
        public static Document absent() {
            return new Document(ABSENT, null);
        }

        /** @return a copy of the document, or {@code null} when there is none */
        @Override
        public byte[] yaml() {
            return yaml == null ? null : yaml.clone();
        }

        @Override
        public boolean exists() {
            return yaml != null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Document d && d.revision.equals(revision) && Arrays.equals(d.yaml, yaml);
        }

        @Override
        public int hashCode() {
            return revision.hashCode();
        }

        @Override
        public String toString() {
            return "Document[revision=" + revision + ", " + (yaml == null ? "absent" : yaml.length + " bytes") + "]";
        }
    }

    /**
     * A store kept as a table, one row per virtual model (a database store). Each row is a JSON-like object
     * with the field names of the file store ({@code source}, {@code targets} as a list of
     * {@code {model, weight}}, {@code strategy}, {@code fallbacks}, {@code user_paths}, {@code enabled},
     * {@code description}); values are strings, integers, booleans, lists and objects of those, taken literally (no
     * <code>${...}</code> expansion). An absent field is left out, never {@code null}. The rows are validated by
     * the configuration, not by the store.
     *
     * <p>The store assigns the revision when it writes: the contents a writer proposes carry the revision they
     * were derived from, and {@link AdminStore#write} returns them with the new one.
     *
     * @param revision the store's revision number of these rows, in decimal
     * @param rows the rows, in the store's order (by source)
     */
    record Rows(String revision, List<Map<String, Object>> rows) implements StoreContents {

        /** The revision of a table no write has touched: a schema just made. */
        public static final String UNWRITTEN = "0";

        public Rows {
            Objects.requireNonNull(revision, "revision");
            List<Map<String, Object>> copy = new ArrayList<>(rows.size());
            for (Map<String, Object> row : rows) {
                copy.add(freezeMap(row));
            }
            rows = Collections.unmodifiableList(copy);
        }

        /**
         * @param revision another revision
         * @return these rows at that revision
         */
        public Rows at(String revision) {
            return new Rows(revision, rows);
        }

        /** A table exists, even an empty one. */
        @Override
        public boolean exists() {
            return true;
        }

        private static Map<String, Object> freezeMap(Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    out.put(String.valueOf(k), freeze(v));
                }
            });
            return Collections.unmodifiableMap(out);
        }

        private static Object freeze(Object value) {
            if (value instanceof Map<?, ?> m) {
                return freezeMap(m);
            }
            if (value instanceof List<?> l) {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(item -> out.add(item == null ? null : freeze(item)));
                return Collections.unmodifiableList(out);
            }
            return value;
        }

        @Override
        public String toString() {
            return "Rows[revision=" + revision + ", " + rows.size() + " rows]";
        }
    }
}
