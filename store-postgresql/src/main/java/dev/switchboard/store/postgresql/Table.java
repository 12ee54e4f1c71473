package dev.switchboard.store.postgresql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SQL of the admin store's tables (schema versions 1 and 2, {@link V1__Admin_store}, {@link V2__Fallbacks}):
 * the revision, every row as
 * the JSON-like object {@code StoreContents.Rows} holds, and a write as the smallest change from the rows before
 * to the rows after. The caller owns the connection and its transaction.
 */
final class Table {

    private static final String REVISION = "SELECT revision, changed_at FROM switchboard.store_revision WHERE id";
    // COLLATE "C": the order of Java's String.compareTo (the order the rows are written in), whatever the
    // database's collation is.
    private static final String ROWS = """
            SELECT v.source, v.strategy, v.user_paths, v.enabled, v.description, t.model, t.weight, v.fallbacks
              FROM switchboard.virtual_models v
              LEFT JOIN switchboard.virtual_model_targets t ON t.source = v.source
             ORDER BY v.source COLLATE "C", t.position""";
    private static final String DELETE = "DELETE FROM switchboard.virtual_models WHERE source = ANY (?)";
    private static final String UPSERT = """
            INSERT INTO switchboard.virtual_models (source, strategy, user_paths, enabled, description, fallbacks,
                updated_at)
            VALUES (?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (source) DO UPDATE SET strategy = excluded.strategy, user_paths = excluded.user_paths,
                enabled = excluded.enabled, description = excluded.description, fallbacks = excluded.fallbacks,
                updated_at = excluded.updated_at""";
    private static final String DELETE_TARGETS = "DELETE FROM switchboard.virtual_model_targets WHERE source = ANY (?)";
    private static final String INSERT_TARGET =
            "INSERT INTO switchboard.virtual_model_targets (source, position, model, weight) VALUES (?, ?, ?, ?)";

    private Table() {
    }

    /**
     * The store's revision as a node tells changes apart: its number and when the transaction that made it began. The
     * number alone is not enough: after a failover to an asynchronous replica that had not received the last writes,
     * the new primary counts the same numbers again with other rows, and a node cut off meanwhile would keep the
     * rows of a number it already read.
     *
     * @param number the revision number (the ETag, what the admin API shows)
     * @param madeAt when the transaction that made it began ({@code changed_at}), as the database prints it
     */
    record Revision(long number, String madeAt) {

        /** @return the number, as the store's contents carry it (their revision, the ETag) */
        String text() {
            return Long.toString(number);
        }
    }

    /** What the error of a missing revision row tells an operator to run. */
    static final String RESTORE_REVISION = "INSERT INTO switchboard.store_revision (id, revision) VALUES (true, "
            + "(extract(epoch FROM clock_timestamp()) * 1000)::bigint)";

    /**
     * @param forUpdate whether to lock the revision for the rest of the transaction: every writer takes this
     *     lock first, so writers on all nodes follow one another and each reads what the one before wrote
     * @return the store's revision
     */
    static Revision revision(Connection c, boolean forUpdate) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(forUpdate ? REVISION + " FOR UPDATE" : REVISION)) {
            if (!rs.next()) {
                // Restored at 0 (as the message first said), the count started over, and ETags held from before
                // matched again as it climbed (a probe): the time in milliseconds is past any count reached.
                throw new SQLException("switchboard.store_revision has no row; restore it with a revision past every one "
                        + "used before, so that no ETag held from before matches again: " + RESTORE_REVISION, "55000");
            }
            return new Revision(rs.getLong(1), rs.getString(2));
        }
    }

    /**
     * @return every row, by source; a policy (no target) has no {@code targets} and its {@code strategy} only if set; a
     *     row without fallbacks has no {@code fallbacks}
     */
    static List<Map<String, Object>> rows(Connection c) throws SQLException {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(ROWS)) {
            while (rs.next()) {
                String source = rs.getString(1);
                Map<String, Object> row = rows.get(source);
                if (row == null) {
                    row = new LinkedHashMap<>();
                    row.put("source", source);
                    String strategy = rs.getString(2);
                    if (strategy != null) {
                        row.put("strategy", strategy);
                    }
                    row.put("user_paths", strings(rs.getArray(3)));
                    row.put("enabled", rs.getBoolean(4));
                    row.put("description", rs.getString(5));
                    List<Object> fallbacks = strings(rs.getArray(8));
                    if (!fallbacks.isEmpty()) {
                        row.put("fallbacks", fallbacks);
                    }
                    rows.put(source, row);
                }
                String model = rs.getString(6);
                if (model != null) {
                    @SuppressWarnings("unchecked")
                    List<Object> targets = (List<Object>) row.computeIfAbsent("targets", k -> new ArrayList<>());
                    Map<String, Object> target = new LinkedHashMap<>();
                    target.put("model", model);
                    target.put("weight", rs.getInt(7));
                    targets.add(target);
                }
            }
        }
        return new ArrayList<>(rows.values());
    }

    private static List<Object> strings(Array array) throws SQLException {
        List<Object> out = new ArrayList<>();
        if (array != null) {
            for (Object item : (Object[]) array.getArray()) {
                out.add(item);
            }
            array.free();
        }
        return out;
    }

    /**
     * Changes the tables from {@code before} to {@code after}: deletes the rows that are gone and replaces the rows
     * that differ, leaving the others untouched. The tables' trigger bumps the revision once and notifies.
     *
     * @return whether anything changed
     * @throws IllegalArgumentException when a row of {@code after} is not what the configuration writes
     */
    static boolean write(Connection c, List<Map<String, Object>> before, List<Map<String, Object>> after)
            throws SQLException {
        Map<String, Map<String, Object>> old = bySource(before);
        Map<String, Map<String, Object>> next = bySource(after);
        Set<String> gone = new LinkedHashSet<>(old.keySet());
        gone.removeAll(next.keySet());
        List<Map<String, Object>> changed = new ArrayList<>();
        next.forEach((source, row) -> {
            if (!row.equals(old.get(source))) {
                changed.add(row);
            }
        });
        if (!gone.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                ps.setArray(1, c.createArrayOf("text", gone.toArray()));
                ps.executeUpdate();
            }
        }
        if (changed.isEmpty()) {
            return !gone.isEmpty();
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            for (Map<String, Object> row : changed) {
                ps.setString(1, text(row, "source"));
                ps.setString(2, row.containsKey("strategy") ? text(row, "strategy") : null);
                ps.setArray(3, c.createArrayOf("text", list(row, "user_paths").toArray()));
                ps.setBoolean(4, !Boolean.FALSE.equals(row.get("enabled")));
                ps.setString(5, row.containsKey("description") ? text(row, "description") : "");
                ps.setArray(6, c.createArrayOf("text", list(row, "fallbacks").toArray()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement(DELETE_TARGETS)) {
            ps.setArray(1, c.createArrayOf("text", changed.stream().map(r -> text(r, "source")).toArray()));
            ps.executeUpdate();
        }
        boolean anyTarget = false;
        try (PreparedStatement ps = c.prepareStatement(INSERT_TARGET)) {
            for (Map<String, Object> row : changed) {
                List<?> targets = list(row, "targets");
                for (int i = 0; i < targets.size(); i++) {
                    if (!(targets.get(i) instanceof Map<?, ?> t) || !(t.get("model") instanceof String model)
                            || !(t.get("weight") instanceof Number weight)) {
                        throw new IllegalArgumentException("a target is {model, weight}, was " + targets.get(i));
                    }
                    ps.setString(1, text(row, "source"));
                    ps.setInt(2, i);
                    ps.setString(3, model);
                    ps.setInt(4, weight.intValue());
                    ps.addBatch();
                    anyTarget = true;
                }
            }
            if (anyTarget) {
                ps.executeBatch();
            }
        }
        return true;
    }

    private static Map<String, Map<String, Object>> bySource(List<Map<String, Object>> rows) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            out.put(text(row, "source"), row);
        }
        return out;
    }

    private static String text(Map<String, Object> row, String field) {
        if (!(row.get(field) instanceof String s)) {
            throw new IllegalArgumentException("row field " + field + " must be a string, was " + row.get(field));
        }
        return s;
    }

    private static List<?> list(Map<String, Object> row, String field) {
        Object value = row.get(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> l)) {
            throw new IllegalArgumentException("row field " + field + " must be a list, was " + value);
        }
        return l;
    }
}
