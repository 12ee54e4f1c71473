package dev.switchboard.store.postgresql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One PostgreSQL server for every test class of this JVM that does not stop its database (about two seconds to
 * start); each test takes a fresh database of it ({@link Database#createDatabase()}). Stopped and deleted when the
 * JVM exits.
 */
final class SharedDatabase {

    private static Database database;

    private SharedDatabase() {
    }

    static synchronized Database get() throws IOException, SQLException {
        if (database == null) {
            Path dir = Files.createTempDirectory("switchboard-pg");
            database = Database.start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    database.close();
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        return database;
    }
}
