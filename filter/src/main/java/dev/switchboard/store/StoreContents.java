package dev.switchboard.store;

import dev.switchboard.rules.Client;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What an {@link AdminStore} holds at one revision, in the store's own representation. The
 * configuration layer turns it into rows and back ({@code ConfigLoader.readStore} /
 * {@code ConfigLoader.renderStore}); the store only keeps it. Immutable.
 */
public sealed interface StoreContents permits StoreContents.Document {

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
}
