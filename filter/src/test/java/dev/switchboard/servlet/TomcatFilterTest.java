package dev.switchboard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Test;

/**
 * The filter contract on embedded Tomcat: 11 in the default test run, 10.1 in the {@code tomcat10}
 * surefire execution (which swaps the jar and sets {@code switchboard.expectedTomcat}).
 */
final class TomcatFilterTest extends FilterContract {

    @Override
    String kind() {
        return "tomcat";
    }

    @Test
    void shouldRunOnTheExpectedTomcatVersion() {
        String expected = System.getProperty("switchboard.expectedTomcat", "11.");
        assertThat(ServerInfo.getServerNumber()).startsWith(expected);
    }
}
