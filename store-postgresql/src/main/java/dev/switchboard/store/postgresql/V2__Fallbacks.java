package dev.switchboard.store.postgresql;

import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.zip.CRC32;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema version 2 of the admin store: a redirect's {@code fallbacks} (SPEC section 11), the concrete models its
 * requests go to, in order, when its targets fail. Rows written before it have none. Adding the column fires no
 * trigger: the revision stays where it was, and nodes still on version 1 keep reading their columns.
 *
 * <p>Shipped as Java for the reasons of {@link V1__Admin_store}; its checksum is the SQL's.
 */
final class V2__Fallbacks extends BaseJavaMigration {

    static final String SQL = """
            ALTER TABLE switchboard.virtual_models ADD COLUMN fallbacks text[] NOT NULL DEFAULT '{}';
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
