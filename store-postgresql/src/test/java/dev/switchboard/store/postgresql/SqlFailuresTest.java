package dev.switchboard.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link SqlFailures#scrub} hides: the password anywhere, the user where a message names the user or role. */
final class SqlFailuresTest {

    @Test
    void shouldHideTheUserWhereAMessageNamesItAndLeaveTheSchemasNameReadable() {
        // The README's setup names the role after the schema; a shorter name is a piece of the schema's.
        for (String user : new String[] {"switchboard", "switch", "board"}) {
            SqlFailures f = new SqlFailures(user, "s3cret-" + user);
            assertThat(f.scrub("FATAL: password authentication failed for user \"" + user + "\""))
                    .isEqualTo("FATAL: password authentication failed for user \"***\"");
            assertThat(f.scrub("FATAL: role \"" + user + "\" does not exist")).isEqualTo("FATAL: role \"***\" does not exist");
            assertThat(f.scrub("no pg_hba.conf entry for host \"10.0.0.1\", user \"" + user + "\", database \"d\""))
                    .isEqualTo("no pg_hba.conf entry for host \"10.0.0.1\", user \"***\", database \"d\"");
            assertThat(f.scrub("Unable to create schema \"switchboard\": ERROR: permission denied for database d"))
                    .isEqualTo("Unable to create schema \"switchboard\": ERROR: permission denied for database d");
            assertThat(f.scrub("connecting as user=" + user + " with s3cret-" + user)).isEqualTo("connecting as user=*** with ***");
            assertThat(f.scrub("Access denied for user '" + user + "'.")).isEqualTo("Access denied for user '***'.");
        }
        // A password that is part of the user name leaves none of it readable.
        assertThat(new SqlFailures("switchboard", "board").scrub("password authentication failed for user \"switchboard\""))
                .isEqualTo("password authentication failed for user \"***\"");
    }
}
