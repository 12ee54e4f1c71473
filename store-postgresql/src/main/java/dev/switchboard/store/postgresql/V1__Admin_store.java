package dev.switchboard.store.postgresql;

import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.zip.CRC32;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema version 1 of the admin store (SPEC section 12), in schema {@value Schema#SCHEMA}: the rows, their
 * targets, and the one revision number of the whole table. Every change to the rows, by the gateway or by hand,
 * bumps the revision once per transaction and notifies channel {@value Schema#CHANNEL} with it (a statement
 * trigger): a hand edit is seen by every node as a write is.
 *
 * <p>Shipped as Java so that it is found without scanning the class path (a host application's own
 * {@code db/migration} is never picked up); its checksum is the SQL's, so an edited migration fails validation.
 */
final class V1__Admin_store extends BaseJavaMigration {

    static final String SQL = """
            CREATE TABLE switchboard.store_revision (
                id              boolean     PRIMARY KEY DEFAULT true CHECK (id),
                revision        bigint      NOT NULL,
                changed_at      timestamptz NOT NULL DEFAULT now(),
                changed_by_xact bigint
            );
            INSERT INTO switchboard.store_revision (id, revision) VALUES (true, 0);

            CREATE TABLE switchboard.virtual_models (
                source      text        PRIMARY KEY,
                strategy    text,
                user_paths  text[]      NOT NULL DEFAULT '{}',
                enabled     boolean     NOT NULL DEFAULT true,
                description text        NOT NULL DEFAULT '',
                updated_at  timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE switchboard.virtual_model_targets (
                source   text    NOT NULL REFERENCES switchboard.virtual_models (source)
                                 ON DELETE CASCADE ON UPDATE CASCADE,
                position integer NOT NULL,
                model    text    NOT NULL,
                weight   integer NOT NULL DEFAULT 1,
                PRIMARY KEY (source, position)
            );

            CREATE FUNCTION switchboard.bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                bumped bigint;
            BEGIN
                UPDATE switchboard.store_revision
                   SET revision = revision + 1, changed_at = now(), changed_by_xact = txid_current()
                 WHERE changed_by_xact IS DISTINCT FROM txid_current()
                RETURNING revision INTO bumped;
                IF bumped IS NOT NULL THEN
                    PERFORM pg_notify('switchboard_admin_store', bumped::text);
                END IF;
                RETURN NULL;
            END
            $$;

            CREATE TRIGGER virtual_models_changed
                AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON switchboard.virtual_models
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard.bump_revision();
            CREATE TRIGGER virtual_model_targets_changed
                AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON switchboard.virtual_model_targets
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard.bump_revision();
            """;

    @Override
    public void migrate(Context context) throws Exception {
        try (Statement s = context.getConnection().createStatement()) {
            s.execute(SQL);
        }
    }

    @Override
    public Integer getChecksum() {
        CRC32 crc = new CRC32();
        crc.update(SQL.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
