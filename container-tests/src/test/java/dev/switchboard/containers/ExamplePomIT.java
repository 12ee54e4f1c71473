package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/tomcat-webapp/pom.xml} stands alone (it is meant to be copied into another project): no parent,
 * every version written out, and the Switchboard version it uses is this build's, so the copy works as shipped.
 */
final class ExamplePomIT {

    @Test
    void shouldStandAloneAndUseThisBuildsFilter() throws Exception {
        String pom = Files.readString(Path.of(System.getProperty("example.pom")), UTF_8);

        assertThat(pom).doesNotContain("<parent>");
        Matcher version = Pattern.compile("<switchboard.version>([^<]+)</switchboard.version>").matcher(pom);
        assertThat(version.find()).isTrue();
        assertThat(version.group(1)).isEqualTo(System.getProperty("switchboard.version"));
        // Every dependency and plugin carries its version: nothing is left to a parent that is not there.
        Matcher blocks = Pattern.compile("(?s)<(dependency|plugin)>(.*?)</\\1>").matcher(pom);
        int n = 0;
        while (blocks.find()) {
            assertThat(blocks.group(2)).as(blocks.group(2)).contains("<version>");
            n++;
        }
        assertThat(n).isGreaterThan(5);
    }
}
