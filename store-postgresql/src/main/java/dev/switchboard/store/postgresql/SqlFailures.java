package dev.switchboard.store.postgresql;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * Says what went wrong with the database in a line an operator can act on, and whether it means the database
 * cannot be reached (503 {@code store_unavailable}). Every line is scrubbed of the store's credentials: the
 * driver and the server put a user name into some messages ({@code password authentication failed for user
 * "..."}), and nothing here may log or show one.
 */
final class SqlFailures {

    private final String password;
    /** The user where a message names a user or role ({@code for user "..."}, {@code role "..."}), or null. */
    private final Pattern namedUser;

    SqlFailures(String user, String password) {
        this.password = password;
        this.namedUser = user.isEmpty() ? null : Pattern.compile("(?i)\\b(user|role)( \"| '|=\"?|: \"?| )"
                + Pattern.quote(user) + "(?=[\"'\\s,;:.)]|$)");
    }

    /**
     * @param e a failure of the driver or the server
     * @return whether it means the database cannot be reached now (down, restarting, refusing us), as opposed
     *     to a problem of the schema or the data
     */
    static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            // The driver's own I/O failures carry a state; one without is a closed or broken connection.
            return true;
        }
        return state.startsWith("08") // connection exceptions
                || state.startsWith("57P") // admin or crash shutdown, cannot connect now
                || state.startsWith("53") // insufficient resources: too many connections, out of memory or disk
                || state.startsWith("28") // the credentials are refused
                || state.equals("3D000"); // no such database
    }

    /** @return whether no answer came in time (the socket timeout): the database or the network hangs */
    static boolean timedOut(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the transaction may be run again as it is: a serialization failure or a deadlock */
    static boolean retryable(SQLException e) {
        return "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
    }

    /** @return whether the server ended our session for pausing inside a transaction ({@code idle_in_transaction_session_timeout}) */
    static boolean sessionEnded(SQLException e) {
        return "25P03".equals(e.getSQLState());
    }

    /** @return whether a lock wait ran out ({@code lock_timeout}): the database is up, another session holds a table */
    static boolean busy(SQLException e) {
        return "55P03".equals(e.getSQLState());
    }

    /** @return whether the schema is missing (dropped by hand, a new empty database): migrate again */
    static boolean schemaMissing(SQLException e) {
        return "42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState());
    }

    /**
     * @param e a failure
     * @return why, in one line, without a credential
     */
    String describe(Throwable e) {
        return scrub(reason(e));
    }

    /**
     * @param e a failed migration (Flyway's message says what it did; the lines after the first, or the server's
     *     error it wraps, say why)
     * @param cause the server's error behind it, or {@code null}
     * @return what failed and why, in one line, without a credential
     */
    String describeMigration(Throwable e, SQLException cause) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String why;
        if (cause != null) {
            why = reason(cause);
            if ("42501".equals(cause.getSQLState())) {
                why += "; the role needs the right to create schema " + Schema.SCHEMA + " in the database, or a schema "
                        + Schema.SCHEMA + " it owns";
            }
        } else {
            // A failed validation says which migration and how on its second line.
            String[] lines = message.strip().split("\\R");
            why = lines.length > 1 ? lines[1].strip() : "";
        }
        return scrub(firstLine(message) + (why.isEmpty() ? "" : ": " + why));
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof SocketTimeoutException) {
                return "no answer in time";
            }
        }
        if (e instanceof SQLException s && s.getSQLState() != null) {
            String state = s.getSQLState();
            if (state.startsWith("28")) {
                return "the database refused the credentials of admin.store_user / admin.store_password";
            }
            if (state.equals("55P03")) {
                return "another session holds a lock on its tables (waited " + PostgresAdminStore.LOCK_TIMEOUT_SECONDS
                        + " s)";
            }
            if (state.equals("3D000")) {
                return "the database does not exist";
            }
            if (state.startsWith("57P")) {
                return "the database is shutting down or starting up (" + firstLine(s.getMessage()) + ")";
            }
            if (state.startsWith("08")) {
                return "the connection failed (" + firstLine(s.getMessage()) + ")";
            }
            return firstLine(s.getMessage()) + " (SQL state " + state + ")";
        }
        return firstLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    /** The server's messages run to several lines (detail, hint, where): the first says what happened. */
    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }

    /**
     * @param text a message from the driver, the server or Flyway
     * @return it with the password replaced by {@code ***} wherever it appears, and the user where the message names a
     *     user or role ({@code for user "..."}, {@code role "..."}, {@code user=...}): elsewhere the user's name can be
     *     a word of the message, such as the schema's ({@code switchboard}, the role's name in the README's setup,
     *     and {@code switch} is in it too)
     */
    String scrub(String text) {
        // The user where it is named first: a password that is part of the user name must not leave the rest of it.
        String out = namedUser == null ? text : namedUser.matcher(text).replaceAll("$1$2***");
        return password.isEmpty() ? out : out.replace(password, "***");
    }
}
